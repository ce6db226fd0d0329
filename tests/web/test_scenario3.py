"""Clinic-web §5 scenario 3, tonic titration, step by step on the demo patient: amplitude locked
until one cathode and one anode are set (L1-4 -, L1-5 +); steps up from 0; past the perception
threshold the left L5/S1 area fills (the lead lies left of the midline: left L5 from 1.40 mA,
left S1 from 1.41 mA, between the 0.1 mA steps, before discomfort at 1.47 mA); above it the
patient complains and stimulation stops; "Leg tonic" is named, the scenario's limits 2.0-6.0
mA are refused on this patient (its comfortable window lies below 2 mA: a strict xfail
records the numbers) and a range around the comfortable amplitude is reviewed and written;
the report and the audit hold program, limits and impedances; a later configuration change
resets the amplitude to 0.

The expected numbers are read from the demo's coverage table (``neurostim/web/data/coverage``)
with the csv module and counted here: the perception threshold (PT) is the lowest
dorsal-column threshold at the patient's anatomy, a (dermatome, side) cell is covered when the
weight of its dorsal-column fibers with threshold <= amplitude reaches the map's criterion."""

from __future__ import annotations

import csv
import html as html_lib
import math
import re
from importlib import resources

import pytest

from neurostim.pipeline.scs import DEFAULT_COVERAGE_FRACTION
from neurostim.web.demo import demo_fixture
from tests.web.conftest import PATIENT, audit_rows
from tests.web.test_screens import EDIT, _amplitude, _configure, _titrate

RECORD = demo_fixture()["patients"][0]
BIPOLE = {"pol_L1.E4": "-", "pol_L1.E5": "+"}


def _fibers(dcsf_mm: float = RECORD["dcsf_mm"]) -> list[tuple[str, str, float, float]]:
    """(dermatome, side, weight, threshold mA) of every DC fiber at ``dcsf_mm`` (default: the
    demo anatomy) on the record's cord offset."""
    text = resources.files("neurostim.web").joinpath("data/coverage/leg-tonic.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    out = []
    for r in rows:
        at = (float(r["dcsf_mm"]), float(r["cord_offset_mm"]))
        if at != (dcsf_mm, RECORD["cord_offset_mm"]) or r["population"] != "dc":
            continue
        thr = float(r["threshold_ma"]) if r["status"] == "ok" else float("inf")
        out.append((r["dermatome"], r["side"], float(r["weight"]), thr))
    assert out, "the demo table holds the demo anatomy"
    return out


FIBERS = _fibers()
PT_MA = min(f[3] for f in FIBERS)
DISCOMFORT_MA = RECORD["discomfort_ratio"] * PT_MA


def _covered(
    amplitude_ma: float, fibers: list[tuple[str, str, float, float]] | None = None
) -> set[str]:
    cells: dict[str, list[tuple[float, bool]]] = {}
    for dermatome, side, weight, thr in FIBERS if fibers is None else fibers:
        cells.setdefault(f"{dermatome}-{side}", []).append((weight, thr <= amplitude_ma))
    return {
        cell
        for cell, fibers in cells.items()
        if sum(w for w, fired in fibers if fired) / sum(w for w, _ in fibers)
        >= DEFAULT_COVERAGE_FRACTION - 1e-12
    }


def _first_covering(cell: str, dcsf_mm: float) -> tuple[float, float]:
    """(PT, lowest amplitude covering ``cell``) in mA at ``dcsf_mm`` on the midline."""
    fibers = _fibers(dcsf_mm)
    amplitudes = sorted({thr for *_, thr in fibers if thr != float("inf")})
    first = next(a for a in amplitudes if cell in _covered(a, fibers))
    return min(amplitudes), first


@pytest.mark.xfail(
    strict=True,
    reason="the scenario's patient range 2.0-6.0 mA holds no comfortable amplitude that covers "
    "the painful left L5 with this bipole (demo coverage table): at dCSF 3.0 mm PT 0.979 mA, "
    "left L5 covered from 1.400 mA, discomfort 1.468 mA (1.5 x PT); at 4.5 mm PT 1.944 mA, "
    "left L5 covered from 3.074 mA, above discomfort 2.916 mA",
)
def test_scenario_range_holds_a_comfortable_amplitude_covering_left_l5() -> None:
    ratio = RECORD["discomfort_ratio"]
    for dcsf_mm in (3.0, 4.5):
        pt, first = _first_covering("L5-left", dcsf_mm)
        assert 2.0 <= first < ratio * pt, (dcsf_mm, pt, first)


def test_scenario_3_tonic_titration(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    # impedance check first: the program carries the measured impedances of its contacts
    assert clin.post(
        f"/patients/{PATIENT}/impedance", data={"csrf_token": token}, follow_redirects=False
    ).status_code == 303  # fmt: skip
    # 1. amplitude locked until one cathode and one anode are set
    assert _configure(clin, token, **{"pol_L1.E4": "-"}).status_code == 303
    page = clin.get(f"{EDIT}/edit").text
    assert "Amplitude locked at 0" in page and re.search(r'value="up" disabled', page)
    assert _titrate(clin, token, step="up").status_code == 422
    assert _configure(clin, token, **BIPOLE).status_code == 303
    page = clin.get(f"{EDIT}/edit").text
    assert "Amplitude locked" not in page and "Prediction (status: ok)" in page
    # 2. steps up from 0 on the stimulator's 0.1 mA grid
    for k in (1, 2, 3):
        r = _titrate(clin, token, htmx=True, step="up")
        assert r.status_code == 200 and _amplitude(r.text) == k / 10
        assert "I feel nothing" in r.text
    # 3. just below PT, then step by step: nothing, then tingling; left L5 fills before
    #    discomfort, and everything covered below discomfort lies on the left
    start = round(PT_MA - 0.15, 1)
    r = _titrate(clin, token, htmx=True, amplitude_ma=f"{start:.1f}")
    assert "I feel nothing" in r.text
    best = None
    for _ in range(40):
        r = _titrate(clin, token, htmx=True, step="up")
        if "stimulation stopped" in r.text:
            break
        amplitude = _amplitude(r.text)
        expected = _covered(amplitude)
        if amplitude < PT_MA:
            assert "I feel nothing" in r.text
        elif expected:
            words = ", ".join(f"{c.split('-')[1]} {c.split('-')[0]}" for c in expected)
            assert all(c.endswith("-left") for c in expected), expected
            assert all(w in r.text for w in words.split(", ")), (amplitude, words)
        if "L5-left" in expected:
            best = amplitude
            state = re.search(r'id="derm-back-L5-left"[^>]*data-state="([\w-]+)"', r.text)
            assert state is not None and state.group(1) == "both"  # painful and covered
    #    below discomfort the model covers the left L5 and S1, on the left side only
    below = _covered(DISCOMFORT_MA - 1e-9)
    assert {"L5-left", "S1-left"} <= below and all(c.endswith("-left") for c in below)
    # 4. above discomfort the patient complains and stimulation stops
    assert "stimulation stopped" in r.text and _amplitude(r.text) == 0.0
    stop = [row for row in audit_rows(db_path) if row["action"] == "test.stop"][-1]
    assert DISCOMFORT_MA - 1e-9 <= stop["detail"]["amplitude_ma"] < DISCOMFORT_MA + 0.1
    # 5. back to the best comfortable amplitude; the scenario's range 2.0-6.0 mA does not hold
    #    it on this patient (see the xfail above): the device refuses it inline, nothing saved
    assert best is not None and PT_MA <= best < DISCOMFORT_MA
    assert _titrate(clin, token, amplitude_ma=f"{best:.1f}").status_code == 303
    refused = clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Leg tonic", "amplitude_min_ma": "2.0",
              "amplitude_max_ma": "6.0"},
    )  # fmt: skip
    assert refused.status_code == 422 and "trains[0].amplitude_ma" in refused.text
    assert "outside the patient limits 2-6 mA" in refused.text
    assert clin.get(f"/api/patients/{PATIENT}/programs/1").status_code == 404
    #    a range around it instead: from PT (rounded up to the 0.1 mA grid) to the amplitude
    low = math.ceil(PT_MA * 10 - 1e-9) / 10
    review = clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Leg tonic", "amplitude_min_ma": f"{low:.1f}",
              "amplitude_max_ma": f"{best:.1f}"},
    ).text  # fmt: skip
    program_json = re.search(r'name="program_json" value="([^"]*)"', review)
    assert program_json is not None and "Leg tonic" in review
    keys = re.findall(r'name="acknowledged" value="([^"]+)"', review)
    form = {
        "csrf_token": token,
        "program_json": html_lib.unescape(program_json.group(1)),
        "version": "0",
        "acknowledged": keys,
    }
    assert clin.post(f"{EDIT}/write", data=form, follow_redirects=False).status_code == 303
    saved = clin.get(f"/api/patients/{PATIENT}/programs/1").json()["program"]
    assert saved["name"] == "Leg tonic" and saved["trains"][0]["amplitude_ma"] == best
    assert saved["patient"] == {"amplitude_min_ma": low, "amplitude_max_ma": best}
    assert saved["impedance_ohm"] == {"L1.E4": 525.0, "L1.E5": 525.0}
    # 6. the report and the audit hold program, limits and impedances
    report = clin.get(f"/patients/{PATIENT}/report").text
    assert "Slot 1: Leg tonic" in report and f"{low}–{best} mA" in report
    assert re.search(r"L1\.E4</th><td>525</td><td>ok</td>", report)
    assert re.search(r"L1\.E7</th><td>-</td><td>open</td>", report)
    assert "Coverage (status ok)" in report and "L5-left" in report
    write = [row for row in audit_rows(db_path) if row["action"] == "program.write"][-1]
    assert write["outcome"] == "ok"
    assert "Leg tonic" in str(write["detail"]) and "525" in str(write["detail"])
    assert "amplitude_max_ma" in str(write["detail"])
    # 7. a later configuration change resets the amplitude to 0
    assert _configure(clin, token, **{"pol_L1.E3": "-", "pol_L1.E5": "+"}).status_code == 303
    assert _amplitude(clin.get(f"{EDIT}/edit").text) == 0.0
