"""What the coverage model covers (clinic-web scenario 3): a region whose dermatome has no
dorsal-column fibers at the lead is "not covered by the model", never "0 %"; a lead level
without a table gives no numbers at all."""

from __future__ import annotations

import csv
import re
from importlib import resources

from neurostim.web.bodymap import body_map_svg, predict
from neurostim.web.demo import demo_fixture

TONIC = {
    "name": "tonic",
    "stimulator": "generic-rechargeable-16",
    "leads": ["percutaneous-8", "percutaneous-8"],
    "trains": [
        {
            "waveform": "tonic",
            "amplitude_ma": 5.0,
            "pulse_width_us": 300,
            "rate_hz": 50,
            "recharge": "active",
            "contacts": {"L1.E4": -50, "L2.E4": -50, "L1.E5": 50, "L2.E5": 50},
        }
    ],
}
"""The shipped trial tonic program (its coverage table ships with neurostim.patient)."""


def _record(**changes: object) -> dict[str, object]:
    record = dict(demo_fixture()["patients"][0])
    record.update(changes)
    return record


def _dc_dermatomes_in_shipped_tonic_table() -> set[str]:
    """Read independently of the code under test: the dermatomes of the DC rows of the CSV."""
    text = resources.files("neurostim.patient").joinpath("data/coverage/tonic.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["dermatome"] for r in rows if r["population"] == "dc"}


def test_only_the_dermatomes_with_fibers_at_the_lead_have_numbers() -> None:
    expected = _dc_dermatomes_in_shipped_tonic_table()
    # the T10 lamination: T12 to S5 (anatomy/data/lamination/T10.csv)
    assert expected == {"T12", *(f"L{k}" for k in range(1, 6)), *(f"S{k}" for k in range(1, 6))}
    p = predict(TONIC, _record())
    assert p.status == "ok" and p.level == "T10"
    assert {c.partition("-")[0] for c in p.cells} == expected
    assert "T10-left" not in p.cells and not p.modelled("T10-left")
    assert p.modelled("S1-left") and p.modelled("L5-left")
    svg = str(body_map_svg(p))
    t10 = re.search(
        r'<path id="derm-front-T10-left"[^>]*data-state="(\w[\w-]*)"><title>([^<]*)', svg
    )
    assert t10 is not None and t10.group(1) == "unmodelled"
    assert "not covered by the model" in t10.group(2) and "%" not in t10.group(2)
    s1 = re.search(r'<path id="derm-back-S1-left"[^>]*data-dc-fraction="([0-9.]+)"', svg)
    assert s1 is not None and float(s1.group(1)) == p.cells["S1-left"]


def test_pain_outside_the_model_is_said_so_and_left_out_of_the_share() -> None:
    record = _record(pain_map=["T10-left", "L5-left"])
    p = predict(TONIC, record)
    assert p.pain_unmodelled == ("T10-left",)
    # only L5-left is judged: covered at 5 mA on the demo anatomy (PT about 1 mA) -> 1.0
    assert "L5-left" in p.covered and p.pain_covered_fraction == 1.0
    svg = str(body_map_svg(p))
    assert re.search(r'id="derm-front-T10-left"[^>]*data-state="pain-unmodelled"', svg)
    assert p.to_dict()["pain_unmodelled"] == ["T10-left"]


def test_a_lead_level_without_a_table_gives_no_numbers() -> None:
    p = predict(TONIC, _record(lead_level="T8"))
    assert p.status == "unavailable" and p.pt_ma is None and p.cells == {}
    assert p.pain_covered_fraction is None and p.pain_unmodelled == ()
    svg = str(body_map_svg(p))
    assert "not covered by the model" not in svg and "no prediction" in svg
    assert 'data-state="unmodelled"' not in svg
