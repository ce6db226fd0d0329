"""The patient controller (clinic-web spec §2, scenario 7): within the clinician's limits, never
clamped, own device only, every change and refusal audited."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import PATIENT, SANDBOX, audit_rows, tonic_program

PROGRAM_URL = f"/api/patients/{PATIENT}/programs/1"
URL = f"/api/patients/{PATIENT}/controller"


def _setup(signed_in, patient_max: float | None = 6.0):  # type: ignore[no-untyped-def]
    """clin1 saves "Leg tonic" (3.0 mA, patient 2.0-6.0 mA); returns pat1's client and token."""
    clin, token = signed_in("clin1")
    program = tonic_program()
    if patient_max is None:
        del program["patient"]
    r = clin.put(
        PROGRAM_URL, json={"program": program, "version": 0}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 200, r.text
    return signed_in("pat1")


def _change(client, token: str, **body: object):  # type: ignore[no-untyped-def]
    version = client.get(URL).json()["version"]
    return client.put(URL, json={"version": version, **body}, headers={"X-CSRF-Token": token})


def test_patient_steps_up_to_the_maximum_and_no_further(signed_in, db_path) -> None:
    pat, token = _setup(signed_in)
    assert _change(pat, token, active_slot=1, stimulation_on=True).status_code == 200
    for amplitude in (3.5, 4.0, 5.0, 6.0):
        r = _change(pat, token, amplitude_ma=amplitude)
        assert r.status_code == 200, r.text
    assert r.json()["programs"][0]["amplitude_ma"] == 6.0
    before = pat.get(URL).json()
    n_rows = len(audit_rows(db_path))
    r = _change(pat, token, amplitude_ma=6.5)
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "amplitude_ma" and error["value"] == 6.5
    assert "patient limits 2-6 mA" in error["allowed"]
    assert pat.get(URL).json() == before  # refused, not clamped
    rows = audit_rows(db_path)
    assert len(rows) == n_rows + 1
    assert (rows[-1]["role"], rows[-1]["outcome"]) == ("patient", "refused")


def test_below_the_minimum_and_off_the_step_grid_are_refused(signed_in) -> None:
    pat, token = _setup(signed_in)
    _change(pat, token, active_slot=1)
    assert _change(pat, token, amplitude_ma=1.9).status_code == 422
    r = _change(pat, token, amplitude_ma=4.33)
    assert r.status_code == 422 and "step" in r.json()["errors"][0]["allowed"]


def test_no_patient_range_means_no_amplitude_control(signed_in) -> None:
    pat, token = _setup(signed_in, patient_max=None)
    _change(pat, token, active_slot=1)
    r = _change(pat, token, amplitude_ma=3.0)
    assert r.status_code == 422 and "no patient range" in r.json()["errors"][0]["allowed"]


def test_stimulation_off_and_stale_version(signed_in) -> None:
    pat, token = _setup(signed_in)
    assert _change(pat, token, active_slot=1, stimulation_on=True).json()["stimulation_on"]
    state = pat.get(URL).json()
    r = pat.put(
        URL,
        json={"version": state["version"], "stimulation_on": False},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200 and r.json()["stimulation_on"] is False
    r = pat.put(
        URL,
        json={"version": state["version"], "stimulation_on": True},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 409 and pat.get(URL).json()["stimulation_on"] is False


def test_unknown_slot_is_refused(signed_in) -> None:
    pat, token = _setup(signed_in)
    r = _change(pat, token, active_slot=3)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "active_slot"


def test_a_new_program_version_resets_the_patient_amplitude(signed_in) -> None:
    pat, token = _setup(signed_in)
    _change(pat, token, active_slot=1)
    assert _change(pat, token, amplitude_ma=5.5).status_code == 200
    clin, ctoken = signed_in("clin2")
    limits = {"amplitude_min_ma": 2.0, "amplitude_max_ma": 4.0}
    r = clin.put(
        f"{PROGRAM_URL}/limits",
        json={"limits": limits, "version": 1},
        headers={"X-CSRF-Token": ctoken},
    )
    assert r.status_code == 200
    program = pat.get(URL).json()["programs"][0]
    assert program["amplitude_ma"] == 3.0 and program["amplitude_max_ma"] == 4.0


def test_a_patient_reaches_their_own_controller_only(signed_in) -> None:
    pat, token = _setup(signed_in)
    r = pat.put(
        f"/api/patients/{SANDBOX}/controller", json={"version": 1}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 403
    clin, ctoken = signed_in("clin1")
    assert clin.get(URL).status_code == 200
    r = clin.put(URL, json={"version": 1, "amplitude_ma": 4.0}, headers={"X-CSRF-Token": ctoken})
    assert r.status_code == 403


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.one_of(
            st.sampled_from([2.0, 5.9, 6.0, 6.1, 6.5, 25.5, 1.9, 0.0, -1.0]),
            st.floats(min_value=-2, max_value=30, allow_nan=False),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_patient_amplitude_never_leaves_the_patient_range(signed_in, db_path, steps) -> None:
    """Rule 2 of clinic-web.md §4: no patient amplitude above the patient maximum (nor below
    the minimum), whatever the requests; each request is one audit row."""
    pat, token = signed_in("pat1")
    state = pat.get(URL).json()
    if not state["programs"]:
        pat, token = _setup(signed_in)
        _change(pat, token, active_slot=1)
    for amplitude in steps:
        n_rows = len(audit_rows(db_path))
        r = _change(pat, token, amplitude_ma=amplitude)
        assert r.status_code in (200, 422)
        assert len(audit_rows(db_path)) == n_rows + 1
        program = pat.get(URL).json()["programs"][0]
        assert 2.0 <= program["amplitude_ma"] <= 6.0
        if r.status_code == 200:
            assert program["amplitude_ma"] == amplitude
