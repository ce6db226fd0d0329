"""The PNS map's outputs follow their definitions (peripheral-nerve.md §7), recounted here from
the per-fiber table of a map whose thresholds are drawn at random (no field, no solver), and the
C class switches to ``tigerholm`` as soon as a model of that name is registered."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from neurostim.device import load_program
from neurostim.errors import InputError
from neurostim.fibers import models as fiber_models
from neurostim.fibers.nerve import nerve_fibers
from neurostim.nerve import load_nerve
from neurostim.pipeline.pns import (
    FIBER_COLUMNS,
    NerveMap,
    class_models,
    fiber_node_counts,
    with_electrode,
)
from neurostim.pipeline.recruitment import RecruitmentResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
THREE = [
    {"x_mm": -0.5, "y_mm": 0.0, "major_um": 400.0, "minor_um": 400.0, "function": "cutaneous"},
    {"x_mm": 0.0, "y_mm": 0.3, "major_um": 400.0, "minor_um": 400.0, "function": "muscle"},
    {"x_mm": 0.5, "y_mm": 0.0, "major_um": 400.0, "minor_um": 400.0, "function": "cutaneous"},
]
CONTRACT = {"nerve", "electrode", "sensation_threshold_ma", "discomfort_threshold_ma",
            "fascicles", "selectivity", "fem", "undetermined_fibers"}  # fmt: skip


def _map(amplitude_ma: float = 2.0, seed: int = 3) -> NerveMap:
    nerve = load_nerve("vagus", fascicles=THREE)
    fibers = nerve_fibers(nerve, per_class_per_fascicle=10, seed=0)
    rng = np.random.default_rng(seed)
    cls = np.asarray(fibers.fiber_class)
    scale = np.select([cls == "Abeta", cls == "Adelta"], [1.0, 4.0], 20.0)
    thr = scale * rng.uniform(0.5, 3.0, fibers.n_fibers) * (1.0 + fibers.fascicle)
    status = np.where(rng.uniform(size=fibers.n_fibers) < 0.1, "end-excitation", "ok")
    status[-3:] = "not-bracketed"  # quiet up to 200 mA
    lower = np.where(status == "not-bracketed", 200.0, 0.99 * thr)
    upper = np.where(status == "not-bracketed", np.nan, thr)
    thr = np.where(status == "not-bracketed", np.nan, thr)
    n = fibers.n_fibers
    rec = RecruitmentResult(
        threshold_ma=thr, status=status.astype("<U16"), lower_ma=lower, upper_ma=upper,
        n_sims=np.ones(n, np.int64), initiation_node=np.zeros(n, np.int64),
        weight=fibers.fibers.weight.copy(), amplitude_ma=amplitude_ma, drive=None,  # type: ignore[arg-type]
        conductor={"elements": 10, "cache_hit": True},
    )  # fmt: skip
    program = load_program(EXAMPLES / "programs" / "vns-cuff.toml")
    return NerveMap(program=program, train_index=0, nerve=nerve, electrode="cuff:livanova-2000",
                    fibers=fibers, recruitment=rec, status=rec.status,
                    models=class_models())  # fmt: skip


def _rows(m: NerveMap) -> list[dict]:
    return m.fiber_rows()


def _ok(rows: list[dict], **match: object) -> list[float]:
    return sorted(
        r["threshold_ma"]
        for r in rows
        if r["status"] == "ok" and all(r[k] == v for k, v in match.items())
    )


def test_fiber_table_has_the_contract_columns() -> None:
    rows = _rows(_map())
    assert tuple(rows[0]) == FIBER_COLUMNS  # exact names and order (issue 18, contract)
    assert all(r["threshold_ma"] is None for r in rows if r["status"] != "ok")


def test_sensation_and_discomfort_follow_their_definitions() -> None:
    m = _map()
    rows = _rows(m)
    d = m.to_dict()
    assert set(d) >= CONTRACT
    cutaneous = _ok(rows, **{"class": "Abeta", "fascicle": 0}) + _ok(
        rows, **{"class": "Abeta", "fascicle": 2}
    )
    assert d["sensation_threshold_ma"] == min(cutaneous)  # the first cutaneous Abeta fiber
    first_ad = min(_ok(rows, **{"class": "Adelta"}))
    muscle = sorted(
        r["threshold_ma"] if r["status"] == "ok" else math.inf
        for r in rows
        if r["fascicle"] == 1 and r["class"] == "Abeta"
    )
    twitch = muscle[math.ceil(0.05 * len(muscle)) - 1]  # 5 % of the muscle fascicle's Abeta
    assert d["discomfort_threshold_ma"] == min(first_ad, twitch)
    assert d["discomfort_rule"] == ("first-adelta" if first_ad < twitch else "motor-twitch:f1")


def test_fascicle_rows_recount_from_the_fibers() -> None:
    m = _map(amplitude_ma=6.0)
    rows = _rows(m)
    for f in m.to_dict()["fascicles"]:
        i = int(f["id"][1:])
        for c in f["classes"]:
            sel = [r for r in rows if r["fascicle"] == i and r["class"] == c["class"]]
            ok = sorted(r["threshold_ma"] for r in sel if r["status"] == "ok")
            assert c["n_fibers"] == len(sel) == 10
            assert c["threshold_min_ma"] == (ok[0] if ok else None)
            k = math.ceil(0.5 * len(sel))  # equal weights in one fascicle and class
            assert c["i50_ma"] == (ok[k - 1] if len(ok) >= k else None)
            fired = sum(t <= 6.0 for t in ok)
            assert c["fraction_at_program"] == pytest.approx(fired / len(sel))


def test_selectivity_index_recounts_from_the_fibers() -> None:
    m = _map()
    rows = _rows(m)
    w = m.fibers.fibers.weight
    for s in m.to_dict()["selectivity"]:
        if s["target"] not in ("f0", "f1", "f2"):
            continue
        i = int(s["target"][1:])
        a = s["amplitude_ma"]

        def share(inside: bool, a: float = a, i: int = i) -> float:
            idx = [j for j, r in enumerate(rows) if r["class"] == "Abeta"
                   and (r["fascicle"] == i) == inside]  # fmt: skip
            fired = [j for j in idx if rows[j]["status"] == "ok" and rows[j]["threshold_ma"] <= a]
            return float(w[fired].sum() / w[idx].sum())

        rt, ro = share(True), share(False)
        assert rt >= 0.5  # evaluated at the target's Abeta I50
        assert s["index"] == pytest.approx((rt - ro) / (rt + ro))
    targets = {s["target"] for s in m.to_dict()["selectivity"]}
    assert targets == {"f0", "f1", "f2", "cutaneous", "muscle"}  # fascicles and groups


def test_undetermined_fibers_leave_out_fibers_quiet_above_the_program() -> None:
    m = _map()
    status = m.status
    expected = int(np.sum(status != "ok")) - 3  # the 3 quiet up to 200 mA are known: off
    assert m.to_dict()["undetermined_fibers"] == expected
    assert m.to_dict()["status_counts"]["not-bracketed"] == 3


def test_coverage_counts_cutaneous_fascicles_reaching_the_fraction() -> None:
    m = _map(amplitude_ma=3.0)
    rows = _rows(m)
    cov = m.to_dict()["coverage"]
    for i in (0, 2):
        sel = [r for r in rows if r["fascicle"] == i and r["class"] == "Abeta"]
        frac = sum(r["status"] == "ok" and r["threshold_ma"] <= 3.0 for r in sel) / len(sel)
        assert (f"f{i}" in cov["fascicles"]) == (frac >= 0.1)
    assert "f1" not in cov["fascicles"]  # a muscle fascicle is no territory


def test_c_class_runs_on_tigerholm_and_falls_back_to_sundt(monkeypatch) -> None:
    assert class_models() == {"Abeta": "mrg-interpolation", "Adelta": "mrg-interpolation",
                              "C": "tigerholm"}  # fmt: skip
    fiber_models.fiber_model_names()  # built-ins loaded
    registry = {k: v for k, v in fiber_models._REGISTRY.items() if k != "tigerholm"}
    monkeypatch.setattr(fiber_models, "_REGISTRY", registry)
    assert class_models()["C"] == "sundt"  # without Tigerholm, the class's own model


def test_every_fiber_lies_inside_the_model() -> None:
    nerve = load_nerve("vagus")
    counts = fiber_node_counts(60.0, {k: v for k, v in class_models().items() if v})
    fibers = nerve_fibers(nerve, per_class_per_fascicle=5, seed=1, n_nodes=counts,
                          models={"C": "sundt"}, diameter_step_um=0.25)  # fmt: skip
    f = fibers.fibers
    for i in range(f.n_fibers):
        z = f.section_points_mm(i)[:, 2]
        assert np.abs(z).max() < 30.0  # the cuff model spans |z| <= 30 mm
        assert round(f.diameter_um[i] / 0.25, 9) == round(f.diameter_um[i] / 0.25)  # on the grid


def test_electrode_option_swaps_the_lead_or_refuses() -> None:
    program = load_program(EXAMPLES / "programs" / "pns-sprint.toml")
    assert with_electrode(program, "sprint").leads == ["sprint-microlead"]
    swapped = with_electrode(load_program(EXAMPLES / "programs" / "vns-cuff.toml"),
                             "cuff:livanova-3000")  # fmt: skip
    assert swapped.leads == ["cuff-livanova-3000"]
    with pytest.raises(InputError) as info:
        with_electrode(program, "cuff:nonesuch")
    assert info.value.field == "electrode"
    with pytest.raises(InputError) as info:  # the coil has no E2
        with_electrode(load_program(EXAMPLES / "programs" / "vns-cuff.toml"), "sprint")
    assert "L1.E2" in info.value.message


def test_lead_segments_of_a_multi_contact_lead_and_the_model_checks() -> None:
    """An 8-ring occipital lead becomes 8 contact segments and 7 insulating gaps along its
    axis; a contact's area is its side plus each free end (only the two end rings have one);
    a lead reaching past the model's end is refused before meshing."""
    from neurostim.device import parse_program_text
    from neurostim.nerve import ReturnElectrode
    from neurostim.pipeline import nerve_lead_fem_model, nerve_placements
    from neurostim.pipeline.nerve_fem import lead_segments

    program = parse_program_text(
        'name = "ons"\nstimulator = "generic-rechargeable-16"\nleads = ["ons-percutaneous-8"]\n'
        '[[trains]]\nwaveform = "tonic"\namplitude_ma = 2.0\npulse_width_us = 200\n'
        'rate_hz = 40\ncontacts = { "L1.E4" = -100, "case" = 100 }\n'
    )
    nerve = load_nerve("gon_occipital")
    placements = nerve_placements(program, nerve, distance_mm=3.0, angle_deg=90.0)
    segments = lead_segments(program, placements)
    contacts = [s for s in segments if s["contact"]]
    assert len(contacts) == 8 and len(segments) == 15
    r, length = contacts[0]["radius_mm"], contacts[0]["length_mm"]
    side, cap = 2 * math.pi * r * length, math.pi * r * r
    areas = [s["area_mm2"] for s in contacts]
    assert areas[0] == pytest.approx(side + cap) and areas[-1] == pytest.approx(side + cap)
    assert areas[1:-1] == pytest.approx([side] * 6)
    axis = np.array(segments[0]["axis"])
    starts = np.array([s["start_mm"] for s in segments])
    assert np.allclose(np.diff(starts @ axis), [s["length_mm"] for s in segments[:-1]])
    model = nerve_lead_fem_model(nerve, program, placements, distance_mm=3.0,
                                 return_electrode=ReturnElectrode("skin_pad"))  # fmt: skip
    assert model.n_contacts == 8 and model.return_pad is not None
    along = nerve_placements(program, nerve, distance_mm=3.0, angle_deg=0.0)  # 31 mm along z
    with pytest.raises(InputError) as info:
        nerve_lead_fem_model(nerve, program, along, distance_mm=3.0, length_mm=20.0)
    assert info.value.field.startswith("leads.") and "|z| < 10" in info.value.message


def test_figure_is_written(tmp_path) -> None:
    """The cross-section coloured by Aβ recruitment and the curves per fascicle and class."""
    from neurostim.pipeline import plot_pns_map

    m = _map()
    # the synthetic map has no placements: draw it as placed at the nerve's centre
    from neurostim.pipeline.placement import LeadPlacement

    m = dataclasses.replace(m, placements=(LeadPlacement(origin_mm=(0.0, 0.0, 0.0)),))
    fig = plot_pns_map(m, tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 10_000
    left, right = fig.axes[0], fig.axes[1]
    assert len(left.patches) == 1 + 3 + 1  # nerve, three fascicles, the cuff
    assert len(right.lines) == 9 + 3  # 3 fascicles x 3 classes, sensation/discomfort/program
