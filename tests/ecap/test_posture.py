"""Posture schedules: dCSF over time from the file, and every bad file refused by field."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.ecap import list_schedules, load_schedule, parse_schedule
from neurostim.errors import InputError
from tests.ecap.loop_plant import schedule, schedule_doc


def test_the_day_schedule_resolves_postures_from_the_level() -> None:
    s = load_schedule("day")
    assert "day" in list_schedules()
    # T10: supine mean 5.125 mm and prone shift 2.2 mm (patient-clinic.md §1.3); shares of the
    # prone shift supine 0, sitting/standing 0.5, prone 1 (as neurostim.patient)
    expected = {"supine": 5.125, "sitting": 5.125 + 1.1, "standing": 5.125 + 1.1, "prone": 7.325}
    for name, d in expected.items():
        assert s.posture_dcsf_mm[s.postures.index(name)] == pytest.approx(d)
    assert s.duration_s == 600.0
    assert s.programming_posture == "sitting"
    # held in the middle of the prone segment (270-360 s, no event there except a sneeze at 330)
    assert s.dcsf_mm(300.0)[0] == pytest.approx(7.325)
    assert s.postures[s.posture_index(300.0)[0]] == "prone"


def test_a_patients_own_dcsf_replaces_the_levels() -> None:
    s = load_schedule("day", supine_dcsf_mm=3.0, prone_shift_mm=3.4)
    assert s.posture_dcsf_mm[s.postures.index("prone")] == pytest.approx(6.4)
    assert s.posture_dcsf_mm[s.postures.index("sitting")] == pytest.approx(4.7)


def test_transitions_are_linear_and_the_schedule_repeats() -> None:
    s = schedule([("supine", 10.0), ("prone", 10.0)])
    # 1 s ramp at the start of the prone segment: half-way at 10.5 s
    assert s.dcsf_mm(10.5)[0] == pytest.approx(0.5 * (5.125 + 7.325))
    assert s.dcsf_mm(10.25)[0] == pytest.approx(5.125 + 0.25 * 2.2)
    assert s.dcsf_mm(15.0)[0] == pytest.approx(7.325)
    # the second pass ramps from prone back to supine
    assert s.dcsf_mm(20.5)[0] == pytest.approx(0.5 * (5.125 + 7.325))
    assert s.dcsf_mm(25.0)[0] == pytest.approx(s.dcsf_mm(5.0)[0])


def test_a_cough_is_a_raised_cosine_of_its_depth_and_length() -> None:
    s = schedule([("supine", 20.0)], [{"kind": "cough", "start_s": 5.0, "dcsf_change_mm": -0.8,
                                        "duration_s": 0.8}])  # fmt: skip
    t = np.array([4.99, 5.0, 5.2, 5.4, 5.6, 5.8, 5.81])
    expected = 5.125 - 0.8 * 0.5 * (1 - np.cos(2 * np.pi * np.clip((t - 5.0) / 0.8, 0, 1)))
    expected[-1] = 5.125
    np.testing.assert_allclose(s.dcsf_mm(t), expected, atol=1e-12)
    assert s.dcsf_mm(5.4)[0] == pytest.approx(5.125 - 0.8)
    lo, hi = s.dcsf_range_mm()
    assert lo == pytest.approx(5.125 - 0.8) and hi == pytest.approx(5.125)


def test_a_cough_takes_its_kinds_defaults() -> None:
    s = schedule([("supine", 20.0)], [{"kind": "cough", "start_s": 5.0}])
    # data/transients.toml: cough -0.75 mm for 0.75 s (ECAP reference §6: -0.5 to -1 mm, 0.5-1 s)
    assert s.event_dcsf_change_mm[0] == -0.75 and s.event_duration_s[0] == 0.75


@pytest.mark.parametrize(
    ("change", "field", "allowed"),
    [
        ({"segments": [{"posture": "lying", "duration_s": 5.0}]}, "segments[0].posture",
         "supine, sitting, prone"),
        ({"segments": [{"posture": "supine", "duration_s": -5.0}]}, "segments[0].duration_s",
         "greater than 0"),
        ({"segments": []}, "segments", "at least 1"),
        ({"events": [{"kind": "cough", "start_s": 2.0, "dcsf_change_mm": -2.0}]},
         "events[0].dcsf_change_mm", "[-1, -0.5] mm"),
        ({"events": [{"kind": "cough", "start_s": 2.0, "duration_s": 3.0}]},
         "events[0].duration_s", "[0.5, 1] s"),
        ({"events": [{"kind": "hiccup", "start_s": 2.0}]}, "events[0].kind", "cough, sneeze, bend"),
        ({"events": [{"kind": "cough", "start_s": 59.9}]}, "events[0].start_s", "[0, 59.25] s"),
        ({"transition_s": 100.0}, "transition_s", "shortest segment"),
        ({"postures": {"supine": {"dcsf_mm": 5.0, "dcsf_shift_mm": 1.0}}}, "postures.supine",
         "exactly one of"),
        ({"postures": {"supine": {"dcsf_mm": float("nan")}}}, "postures.supine.dcsf_mm",
         "finite"),
        ({"postures": {"supine": {"dcsf_shift_mm": -4.9}}}, "postures.supine.dcsf_mm", ">= 0.5"),
        ({"colour": "red"}, "colour", "Extra inputs"),
        ({"level": "T99"}, "level", ""),
        ({"programming_posture": "standing"}, "programming_posture", "supine, sitting, prone"),
    ],
)  # fmt: skip
def test_bad_schedules_are_refused_naming_field_value_and_range(
    change: dict, field: str, allowed: str
) -> None:
    doc = schedule_doc([("supine", 30.0), ("sitting", 30.0)])
    change = dict(change)
    if "postures" in change:
        doc["postures"] = dict(doc["postures"]) | change.pop("postures")
    doc.update(change)
    with pytest.raises(InputError) as info:
        parse_schedule(doc)
    assert info.value.field == field
    assert allowed in info.value.message


def test_a_missing_or_malformed_file_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="shipped schedules: day"):
        load_schedule(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("segments = [", encoding="utf-8")
    with pytest.raises(InputError):
        load_schedule(bad)


def test_the_shipped_schedule_stays_within_the_map_range() -> None:
    lo, hi = load_schedule("day").dcsf_range_mm()
    assert lo >= 3.0 and hi <= 9.5
    assert math.isclose(lo, 5.125 - 1.0)  # the deepest cough in the supine segment
