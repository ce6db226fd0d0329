"""The clinic's "must never happen" rules (clinic-web spec §4) as properties of the API.

Hypothesis sends random program and patient-limit writes (values on and off the profile's grid,
out of range, non-finite, open contacts, any subset of acknowledgements, stale versions) and
checks after each request, against the platform's own validation called here independently:

1. a saved program is inside the profile's ranges, on its step grid, with a valid
   configuration and no contact that failed the impedance check;
2. a saved patient maximum is never above the profile's maximum, and the patient's controller
   never sets an amplitude outside the clinician's range or off the step grid;
3. a save never carries a warning that was not acknowledged;
5. every request, written or refused, adds exactly one audit row, and a refusal changes
   nothing.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurostim.device import check_program, load_profile, parse_program
from neurostim.web.checks import warning_key
from tests.web.conftest import PATIENT, audit_rows, tonic_program

URL = f"/api/patients/{PATIENT}/programs/1"
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE_MAX_MA = 25.5  # the demo stimulator's amplitude range 0-25.5 mA (its data file)

numbers = st.one_of(
    st.sampled_from([0.0, 0.1, 2.0, 3.0, 4.333, 6.0, 8.5, 25.5, 25.6, 99.0, -1.0]),
    st.floats(min_value=-5, max_value=40, allow_nan=False),
    st.sampled_from([math.inf, math.nan]),
)
widths = st.sampled_from([5, 20, 25, 300, 500, 1000, 1010])
rates = st.sampled_from([0, 1, 2, 50, 1200, 1201, 5000])
contacts = st.sampled_from(
    [
        {"L1.E4": -100, "L1.E5": 100},
        {"L1.E7": -100, "L1.E8": 100},  # L1.E7 is open circuit in the fixture
        {"L1.E4": -50, "L1.E6": -50, "L1.E5": 100},
        {"L1.E4": -100},
        {"L1.E4": -100, "case": 100},
    ]
)
CODES = ["charge-density", "shannon-k", "compliance", "burst-charge"]
UNIVERSE = [
    f"{code}{suffix}@{c}"
    for code in CODES
    for suffix in ("", "-patient-max")
    for c in ("L1.E4", "L1.E5", "L1.E6", "L1.E7", "L1.E8")
] + ["more-than-one-charge-per-day"]
acks = st.one_of(st.just([]), st.just(UNIVERSE), st.lists(st.sampled_from(UNIVERSE), max_size=6))


def _put(client, url: str, csrf: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    """PUT ``body`` as JSON text; Python writes NaN and Infinity, which a client may send."""
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    return client.put(url, content=json.dumps(body), headers=headers)


def _stored(client) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    r = client.get(URL)
    return None if r.status_code == 404 else r.json()


def _assert_saved_program_is_safe(saved: dict[str, Any], acknowledged: list[str]) -> None:
    program = parse_program(saved["program"], validate=True)  # raises if out of range/step
    result = check_program(program)
    assert result.valid
    for train in program.trains:
        assert "L1.E7" not in train.contacts
    if program.patient is not None and program.patient.amplitude_max_ma is not None:
        assert program.patient.amplitude_max_ma <= PROFILE_MAX_MA
    assert {warning_key(w) for w in result.warnings} <= set(acknowledged)


@SETTINGS
@given(
    amplitude=numbers,
    width=widths,
    rate=rates,
    shares=contacts,
    patient_max=st.one_of(st.none(), numbers),
    acknowledged=acks,
    stale=st.booleans(),
)
def test_program_writes_never_save_what_the_device_refuses(
    signed_in, db_path, amplitude, width, rate, shares, patient_max, acknowledged, stale
) -> None:
    c, csrf = signed_in("clin1")
    before = _stored(c)
    version = 0 if before is None else before["version"]
    program = tonic_program(
        amplitude_ma=amplitude, pulse_width_us=width, rate_hz=rate, contacts=shares
    )
    if patient_max is not None:
        program["patient"] = {"amplitude_min_ma": 0.0, "amplitude_max_ma": patient_max}
    n_rows = len(audit_rows(db_path))
    body = {"program": program, "version": version + 5 if stale else version}
    r = _put(c, URL, csrf, {**body, "acknowledged": acknowledged})
    assert r.status_code in (200, 409, 422), r.text
    rows = audit_rows(db_path)
    assert len(rows) == n_rows + 1
    after = _stored(c)
    if r.status_code == 200:
        assert rows[-1]["outcome"] == "ok"
        assert after is not None and after["version"] == version + 1
        _assert_saved_program_is_safe(after, acknowledged)
    else:
        assert rows[-1]["outcome"] == "refused"
        assert after == before


@SETTINGS
@given(low=numbers, high=st.one_of(st.none(), numbers), acknowledged=acks)
def test_limit_writes_never_save_a_patient_max_above_the_profile(
    signed_in, db_path, low, high, acknowledged
) -> None:
    c, csrf = signed_in("clin1")
    if _stored(c) is None:
        r = c.put(
            URL, json={"program": tonic_program(), "version": 0}, headers={"X-CSRF-Token": csrf}
        )
        assert r.status_code == 200
    before = _stored(c)
    assert before is not None
    limits: dict[str, Any] = {"amplitude_min_ma": low}
    if high is not None:
        limits["amplitude_max_ma"] = high
    n_rows = len(audit_rows(db_path))
    body = {"limits": limits, "version": before["version"], "acknowledged": acknowledged}
    r = _put(c, f"{URL}/limits", csrf, body)
    assert r.status_code in (200, 422), r.text
    assert len(audit_rows(db_path)) == n_rows + 1
    after = _stored(c)
    assert after is not None
    if r.status_code == 200:
        _assert_saved_program_is_safe(after, acknowledged)
        assert after["program"]["patient"]["amplitude_min_ma"] == low
    else:
        assert after == before


def test_profile_maximum_used_above_is_the_shipped_one() -> None:
    assert load_profile("multiwave-rechargeable-16").amplitude_ma.segments[-1].max == PROFILE_MAX_MA


CONTROLLER = f"/api/patients/{PATIENT}/controller"


@SETTINGS
@given(amplitude=numbers, slot=st.sampled_from([1, 1, 1, 2]), stale=st.booleans())
def test_the_patient_never_gets_an_amplitude_outside_the_limits(
    signed_in, db_path, amplitude, slot, stale
) -> None:
    """Rule 2 on the controller: the patient's amplitude stays inside the clinician's range
    2.0-6.0 mA and on the 0.1 mA grid; a refusal changes nothing; rule 5: one audit row each."""
    clin, ccsrf = signed_in("clin1")
    if _stored(clin) is None:
        r = _put(clin, URL, ccsrf, {"program": tonic_program(), "version": 0})
        assert r.status_code == 200, r.text
    pat, pcsrf = signed_in("pat1")
    before = pat.get(CONTROLLER).json()
    n_rows = len(audit_rows(db_path))
    version = before["version"] + (3 if stale else 0)
    body = {"version": version, "active_slot": slot, "amplitude_ma": amplitude}
    headers = {"X-CSRF-Token": pcsrf, "Content-Type": "application/json"}
    r = pat.put(CONTROLLER, content=json.dumps(body), headers=headers)
    assert r.status_code in (200, 409, 422), r.text
    after = pat.get(CONTROLLER).json()
    rows = audit_rows(db_path)
    assert len(rows) == n_rows + 1 and rows[-1]["role"] == "patient"
    if r.status_code == 200:
        level = next(p["amplitude_ma"] for p in after["programs"] if p["slot"] == 1)
        assert level == amplitude and 2.0 <= level <= 6.0
        assert abs(level * 10 - round(level * 10)) < 1e-6  # on the profile's 0.1 mA grid
        assert rows[-1]["outcome"] == "ok"
    else:
        assert after == before and rows[-1]["outcome"] == "refused"
