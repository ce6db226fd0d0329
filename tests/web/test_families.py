"""Waveform families on the demo stimulator (clinic-web §5 scenario 6): 10 kHz labelled
sub-perception, 5 kHz warned as an unevaluated range (device reference §2) and written only
once the warning is acknowledged. Burst with its battery and multiplexed trains:
tests/web/test_screens.py."""

from __future__ import annotations

import html as html_lib
import re

from tests.web.conftest import PATIENT, audit_rows
from tests.web.test_screens import EDIT, _configure, _titrate

BIPOLE = {"pol_L1.E4": "-", "pol_L1.E5": "+"}


def _high_frequency(clin, token: str, rate_hz: str) -> str:  # type: ignore[no-untyped-def]
    r = _configure(
        clin, token, waveform="high-frequency", pulse_width_us="30", rate_hz=rate_hz, **BIPOLE
    )
    assert r.status_code == 303, r.text
    assert _titrate(clin, token, amplitude_ma="2.0").status_code == 303
    return str(clin.get(f"{EDIT}/edit").text)


def test_the_demo_stimulator_offers_the_high_frequency_family(signed_in) -> None:
    clin, _ = signed_in("clin1")
    page = clin.get(f"{EDIT}/edit").text
    options = re.findall(r'<select id="waveform" name="waveform">(.*?)</select>', page, re.S)
    assert options and re.findall(r'<option value="([^"]+)"', options[0]) == [
        "tonic", "burst", "high-frequency",
    ]  # fmt: skip


def test_10_khz_at_30_us_and_2_ma_is_sub_perception_without_a_rate_warning(signed_in) -> None:
    clin, token = signed_in("clin1")
    page = _high_frequency(clin, token, "10000")
    assert re.search(r"Paradigm: <strong>khz</strong> \(sub-perception", page)
    assert "unevaluated-rate" not in page
    # independent: 2 mA x 30 us x 10,000 /s = 600 uA cathodic, doubled by the active recharge,
    # plus the profile's 10 + 20 uA constant drains = 1230 uA
    battery = re.search(r"Battery: average current ([0-9.]+) µA", page)
    expected_ua = 2.0 * 30e-6 * 10_000 * 1e3 * 2 + 30
    assert battery is not None and abs(float(battery.group(1)) - expected_ua) < 0.05  # shown .1f


def test_5_khz_warns_of_the_unevaluated_range_until_acknowledged(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    page = _high_frequency(clin, token, "5000")
    assert "<strong>unevaluated-rate</strong>" in page and "5000 Hz" in page
    review = clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Five kHz", "amplitude_min_ma": "1.0",
              "amplitude_max_ma": "3.0"},
    ).text  # fmt: skip
    keys = re.findall(r'name="acknowledged" value="([^"]+)"', review)
    assert keys == ["unevaluated-rate"]
    program_json = re.search(r'name="program_json" value="([^"]*)"', review)
    assert program_json is not None
    form = {
        "csrf_token": token,
        "program_json": html_lib.unescape(program_json.group(1)),
        "version": "0",
    }
    r = clin.post(f"{EDIT}/write", data=form, follow_redirects=False)
    assert r.status_code == 422 and "acknowledged" in r.text
    assert clin.get(f"/api/patients/{PATIENT}/programs/1").status_code == 404
    r = clin.post(f"{EDIT}/write", data={**form, "acknowledged": keys}, follow_redirects=False)
    assert r.status_code == 303
    saved = clin.get(f"/api/patients/{PATIENT}/programs/1").json()
    assert saved["program"]["trains"][0]["rate_hz"] == 5000
    writes = [row for row in audit_rows(db_path) if row["action"] == "program.write"]
    assert writes[-1]["outcome"] == "ok"
    assert writes[-1]["detail"]["acknowledged"] == ["unevaluated-rate"]


def test_a_rate_off_the_100_hz_grid_is_refused(signed_in) -> None:
    clin, token = signed_in("clin1")
    r = _configure(
        clin, token, waveform="high-frequency", pulse_width_us="30", rate_hz="5050", **BIPOLE
    )
    assert r.status_code == 422 and "rate_hz" in r.text and "step" in r.text
