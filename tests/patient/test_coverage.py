"""Coverage tables: shipped tables, interpolation rules, and the error against direct maps.

The independent reference at grid points is computed here from the CSV rows with the csv
module and the definitions of neurostim.pipeline.scs (PT = lowest dorsal-column threshold;
a cell's fraction = weight of its fibers with threshold <= amplitude / weight of its fibers).
"""

from __future__ import annotations

import csv
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from neurostim.device import load_program
from neurostim.errors import InputError
from neurostim.patient import CoverageTable, coverage_table, load_regions
from neurostim.patient.coverage import (
    default_grid,
    is_symmetric,
    main,
    program_key,
    shipped_programs_dir,
)

PROGRAMS = ("tonic", "khz10", "burst", "dtm")
REGIONS = load_regions()
BACK = REGIONS["back"]
LEG_LEFT = REGIONS["leg_left"]
CRITERION = 0.1  # neurostim.pipeline.scs.DEFAULT_COVERAGE_FRACTION (docs/scs.md)


def _program(name: str) -> Path:
    return shipped_programs_dir() / f"{name}.toml"


@pytest.fixture(scope="module", params=PROGRAMS)
def table(request: pytest.FixtureRequest) -> CoverageTable:
    return coverage_table(_program(request.param), build=False)


def _rows(name: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    path = resources.files("neurostim.patient").joinpath(f"data/coverage/{name}.csv")
    header, lines = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            k, _, v = line[2:].partition(": ")
            header[k] = v
        else:
            lines.append(line)
    return header, list(csv.DictReader(lines))


def _direct_cells(name: str, dcsf: float, off: float, ratio: float) -> tuple[float, dict]:
    """PT and {(dermatome, side): DC fraction} at one grid point, straight from the CSV."""
    header, rows = _rows(name)
    amps = [float(a) for a in header["train_amplitude_ma"].split()]
    fibers: dict[int, dict] = {}
    for r in rows:
        if float(r["dcsf_mm"]) != dcsf or float(r["cord_offset_mm"]) != off:
            continue
        f = fibers.setdefault(int(r["fiber"]), {"pop": r["population"], "derm": r["dermatome"],
                                                "side": r["side"], "w": float(r["weight"]),
                                                "thr": np.inf})  # fmt: skip
        if r["status"] == "ok":
            thr = float(r["threshold_ma"]) * amps[0] / amps[int(r["train"])]
            f["thr"] = min(f["thr"], thr)
    pt = min(f["thr"] for f in fibers.values() if f["pop"] == "dc")
    cells: dict[tuple[str, str], list[float]] = {}
    for f in fibers.values():
        if f["pop"] != "dc":
            continue
        acc = cells.setdefault((f["derm"], f["side"]), [0.0, 0.0])
        acc[1] += f["w"]
        if f["thr"] <= ratio * pt:
            acc[0] += f["w"]
    return pt, {k: a / b for k, (a, b) in cells.items()}


# --- shipped programs and tables ------------------------------------------------------------
@pytest.mark.parametrize("name", PROGRAMS)
def test_shipped_programs_are_valid_and_say_what_they_are(name: str) -> None:
    from neurostim.device import check_program

    assert check_program(_program(name)).valid
    first = _program(name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and "program" in first


def test_shipped_programs_have_tables(table: CoverageTable) -> None:
    dcsf, offsets = default_grid("T10")
    assert table.level == "T10"
    assert table.mirrored
    np.testing.assert_array_equal(table.dcsf_mm, dcsf)
    np.testing.assert_array_equal(table.cord_offset_mm, offsets)
    assert np.all(np.isfinite(table.pt_grid_ma)) and np.all(table.pt_grid_ma > 0)


def test_paradigms() -> None:
    got = {n: coverage_table(_program(n), build=False).paradigm for n in PROGRAMS}
    assert got == {"tonic": "tonic", "khz10": "khz", "burst": "burst", "dtm": "dtm"}


def test_pt_rises_with_dcsf(table: CoverageTable) -> None:
    # thicker CSF -> the lead is farther from the cord -> higher threshold (patient-clinic §1.4)
    assert np.all(np.diff(table.pt_grid_ma, axis=0) > 0)


def test_key_ignores_name_and_nominal_amplitude(tmp_path: Path) -> None:
    text = _program("tonic").read_text().replace("amplitude_ma = 5.0", "amplitude_ma = 3.2")
    text = text.replace('name = "tonic"', 'name = "my tonic"')
    assert "3.2" in text
    p = tmp_path / "mine.toml"
    p.write_text(text)
    assert program_key(load_program(p)) == program_key(load_program(_program("tonic")))
    assert coverage_table(p, build=False).key == coverage_table(_program("tonic"), build=False).key


# --- exact at grid points ------------------------------------------------------------------
@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("point", [(3.0, 0.0), (6.0, 1.0), (9.5, 2.0)])
def test_grid_points_reproduce_the_stored_thresholds(name: str, point: tuple) -> None:
    t = coverage_table(_program(name), build=False)
    d, o = point
    for ratio in (1.0, 1.3, 1.6, 2.5):
        pt, cells = _direct_cells(name, d, o, ratio)
        assert t.pt_ma(d, o)[0] == pytest.approx(pt, rel=1e-12)
        for region in (BACK, LEG_LEFT):
            want = [cells.get(cell, 0.0) for cell in region.cells]
            got = t.cell_fractions(d, o, ratio, region.dermatomes, region.sides)[0]
            np.testing.assert_allclose(got, want, atol=1e-12)
            c, f = t.region_coverage(d, o, ratio, region.dermatomes, region.sides)
            assert f[0] == pytest.approx(np.mean(want), abs=1e-12)
            assert c[0] == pytest.approx(np.mean(np.array(want) >= CRITERION), abs=1e-12)


# --- interpolation rules -------------------------------------------------------------------
def test_monotone_in_amplitude_ratio(table: CoverageTable) -> None:
    rng = np.random.default_rng(1)
    n = 200
    d, o = rng.uniform(3.0, 9.5, n), rng.uniform(-2.0, 2.0, n)
    ratios = np.linspace(0.0, 4.0, 41)
    prev = [np.zeros(n)] * 3
    for r in ratios:
        q = table.query(d, o, np.full(n, r), BACK.dermatomes, BACK.sides)
        for a, b in zip(prev, (q.c, q.f, q.dr_fraction), strict=True):
            assert np.all(b >= a - 1e-12)
        prev = [q.c, q.f, q.dr_fraction]
    at_pt = table.query(d, o, np.ones(n), BACK.dermatomes, BACK.sides)
    assert np.all(prev[1] > at_pt.f)  # and it does grow: more of the back at 4 x PT than at PT
    q0 = table.query(d, o, np.zeros(n), BACK.dermatomes, BACK.sides)
    assert np.all(q0.f == 0) and np.all(q0.c == 0)


def test_negative_offset_mirrors_the_sides(table: CoverageTable) -> None:
    rng = np.random.default_rng(2)
    n = 100
    d, o, r = rng.uniform(3.0, 9.5, n), rng.uniform(0.0, 2.0, n), rng.uniform(0.8, 3.0, n)
    left = table.cell_fractions(d, -o, r, ["L4", "L5", "S1"], ["left"])
    right = table.cell_fractions(d, o, r, ["L4", "L5", "S1"], ["right"])
    np.testing.assert_array_equal(left, right)
    np.testing.assert_array_equal(table.pt_ma(d, -o), table.pt_ma(d, o))
    # and the side matters: with the cord 2 mm off, left and right cells differ somewhere
    ratios = np.linspace(1.0, 3.0, 41)
    lumbar = ["L1", "L2", "L3", "L4", "L5", "S1"]
    q_r = table.cell_fractions(6.0, 2.0, ratios, lumbar, ["right"])
    q_l = table.cell_fractions(6.0, 2.0, ratios, lumbar, ["left"])
    assert not np.array_equal(q_r, q_l)


def _fiber_ratios(name: str, dcsf: float, off: float) -> dict[int, tuple]:
    """{fiber: (population, dermatome, side, weight, threshold / PT)} at a grid point."""
    header, rows = _rows(name)
    amps = [float(a) for a in header["train_amplitude_ma"].split()]
    thr: dict[int, float] = {}
    meta: dict[int, tuple] = {}
    for r in rows:
        if float(r["dcsf_mm"]) != dcsf or float(r["cord_offset_mm"]) != off:
            continue
        k = int(r["fiber"])
        meta[k] = (r["population"], r["dermatome"], r["side"], float(r["weight"]))
        value = np.inf
        if r["status"] == "ok":
            value = float(r["threshold_ma"]) * amps[0] / amps[int(r["train"])]
        thr[k] = min(thr.get(k, np.inf), value)
    pt = min(t for k, t in thr.items() if meta[k][0] == "dc")
    return {k: (*meta[k], thr[k] / pt) for k in thr}


@pytest.mark.parametrize("name", ["tonic", "dtm"])
def test_between_grid_points_each_fiber_is_interpolated(name: str) -> None:
    # halfway between two dCSF points: a fiber fires at ratio r when the geometric mean of
    # its threshold / PT at the two points is at most r (log ratio linear in dCSF)
    t = coverage_table(_program(name), build=False)
    a, b = _fiber_ratios(name, 4.5, 1.0), _fiber_ratios(name, 6.0, 1.0)
    for ratio in (1.2, 1.6, 2.0, 2.4):
        want = []
        for cell in LEG_LEFT.cells:
            ks = [k for k, v in a.items() if v[0] == "dc" and (v[1], v[2]) == cell]
            w = np.array([a[k][3] for k in ks])
            fired = np.array([np.sqrt(a[k][4] * b[k][4]) <= ratio for k in ks])
            want.append(float(np.sum(w * fired) / np.sum(w)))
        got = t.cell_fractions(5.25, 1.0, ratio, LEG_LEFT.dermatomes, LEG_LEFT.sides)[0]
        np.testing.assert_allclose(got, want, atol=1e-9)
    pt = t.pt_ma([4.5, 6.0, 5.25], 1.0)
    assert pt[2] == pytest.approx(np.sqrt(pt[0] * pt[1]), rel=1e-12)


def test_fraction_interpolation_is_bilinear_and_agrees_at_grid_points() -> None:
    t = coverage_table(_program("tonic"), build=False)
    args = (BACK.dermatomes, BACK.sides)
    ratios = np.array([1.0, 1.6, 2.0, 2.5])
    fiber = t.cell_fractions(6.0, 1.0, ratios, *args)
    t.interpolation = "fraction"
    try:
        np.testing.assert_allclose(t.cell_fractions(6.0, 1.0, ratios, *args), fiber, atol=1e-12)
        a = t.cell_fractions(4.5, 1.0, ratios, *args)
        b = t.cell_fractions(6.0, 1.0, ratios, *args)
        mid = t.cell_fractions(5.25, 1.0, ratios, *args)
        np.testing.assert_allclose(mid, 0.5 * (a + b), atol=1e-12)
    finally:
        t.interpolation = "fiber"


def test_unmodelled_dermatome_counts_as_uncovered() -> None:
    t = coverage_table(_program("tonic"), build=False)
    c, f = t.region_coverage(6.0, 0.0, 5.0, ["T4"], ["left", "right"])
    assert c[0] == 0 and f[0] == 0


def test_ten_thousand_patients_fast(table: CoverageTable) -> None:
    rng = np.random.default_rng(3)
    n = 10_000
    d, o, r = rng.uniform(3.0, 10.0, n), rng.uniform(-2.0, 2.0, n), rng.uniform(0.5, 2.5, n)
    start = time.perf_counter()
    q = table.query(d, o, r, BACK.dermatomes, BACK.sides)
    assert time.perf_counter() - start < 1.0
    assert q.c.shape == q.f.shape == q.pt_ma.shape == (n,)


# --- out of range and bad input ------------------------------------------------------------
def test_clamped_with_a_status(table: CoverageTable) -> None:
    args = (BACK.dermatomes, BACK.sides)
    q = table.query([2.0, 10.5, 5.0, 5.0], [0.0, 0.0, 2.3, 1.0], 1.6, *args)
    np.testing.assert_array_equal(q.in_range, [False, False, False, True])
    edge = table.query([3.0, 9.5, 5.0], [0.0, 0.0, 2.0], 1.6, *args)
    np.testing.assert_array_equal(q.f[:3], edge.f)
    np.testing.assert_array_equal(q.pt_ma[:3], edge.pt_ma)
    assert list(table.in_range([2.0, 3.0], 0.0)) == [False, True]


@pytest.mark.parametrize(
    ("dcsf", "offset", "ratio", "field"),
    [
        (1.0, 0.0, 1.0, "dcsf_mm"),
        (12.0, 0.0, 1.0, "dcsf_mm"),
        (np.nan, 0.0, 1.0, "dcsf_mm"),
        (5.0, 3.0, 1.0, "cord_offset_mm"),
        (5.0, -3.0, 1.0, "cord_offset_mm"),
        (5.0, 0.0, -0.1, "amplitude_ratio"),
        (5.0, 0.0, np.inf, "amplitude_ratio"),
    ],
)
def test_refused_queries(table: CoverageTable, dcsf, offset, ratio, field) -> None:
    with pytest.raises(InputError) as err:
        table.query(dcsf, offset, ratio, BACK.dermatomes, BACK.sides)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("dermatomes", "sides"),
    [([], ["left"]), (["L4"], []), (["L4"], ["middle"]), (["X9"], ["left"]), ("L4", ["left"])],
)
def test_refused_regions(table: CoverageTable, dermatomes, sides) -> None:
    with pytest.raises(InputError):
        table.region_coverage(5.0, 0.0, 1.5, dermatomes, sides)


def test_bad_programs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError):
        coverage_table(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nleads = ["percutaneous-8"]\n')
    with pytest.raises(InputError):
        coverage_table(bad)
    with pytest.raises(InputError):
        coverage_table(_program("tonic"), level="T99")
    with pytest.raises(InputError):
        coverage_table(42)  # type: ignore[arg-type]
    # a valid program with no table, and building refused: a clear error, no solve
    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
    text = _program("tonic").read_text().replace("pulse_width_us = 300", "pulse_width_us = 210")
    other = tmp_path / "other.toml"
    other.write_text(text)
    with pytest.raises(InputError) as err:
        coverage_table(other, build=False)
    assert "build" in err.value.message
    assert main(["build", str(tmp_path / "missing.toml")]) == 2


def test_symmetry_and_signed_grids(examples_dir: Path) -> None:
    assert all(is_symmetric(load_program(_program(n))) for n in PROGRAMS)
    one_sided = load_program(examples_dir / "programs" / "tonic.toml")  # L1 only, two leads
    assert not is_symmetric(one_sided)
    _, offsets = default_grid("T10", symmetric=False)
    assert offsets == (-2.0, -1.0, 0.0, 1.0, 2.0)


# --- against direct maps (slow: one finite-element solve) ------------------------------------
INTERPOLATION_TOLERANCE = {"pt_rel": 0.02, "c": 0.34, "f": 0.06}
"""The tolerances of docs/patient-coverage.md (largest errors measured at 10 off-grid maps of the
four programs, ratios 1.0-2.5: PT 1.7 %, c 0.33, f 0.056)."""


@pytest.mark.slow
def test_interpolation_error_against_a_direct_map() -> None:
    from neurostim.anatomy import load_anatomy
    from neurostim.pipeline.scs import scs_map

    d, o = 5.2, 0.5
    program = load_program(_program("tonic"))
    m, _ = scs_map(
        program, load_anatomy("T10", dcsf_mm=d, cord_ml_offset_mm=o), mesh_level="coarse"
    )
    pt = m.perception_threshold_ma
    t = coverage_table(_program("tonic"), build=False)
    assert abs(t.pt_ma(d, o)[0] / pt - 1) <= INTERPOLATION_TOLERANCE["pt_rel"]
    for ratio in (1.0, 1.3, 1.6, 2.0, 2.5):
        rows = {
            (r["name"], r["side"]): r["dc_fraction"] or 0.0 for r in m.dermatome_rows(ratio * pt)
        }
        for name in ("back", "leg_left", "leg_right", "feet"):
            region = REGIONS[name]
            cells = np.array([rows.get(cell, 0.0) for cell in region.cells])
            c, f = t.region_coverage(d, o, ratio, region.dermatomes, region.sides)
            assert abs(c[0] - np.mean(cells >= CRITERION)) <= INTERPOLATION_TOLERANCE["c"] + 1e-9
            assert abs(f[0] - np.mean(cells)) <= INTERPOLATION_TOLERANCE["f"]


@pytest.mark.slow
def test_a_new_program_is_built_once_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neurostim.patient import coverage as cov

    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cov, "default_grid", lambda level, symmetric=True: ((3.0,), (0.0,)))
    text = _program("tonic").read_text().replace("pulse_width_us = 300", "pulse_width_us = 210")
    program = tmp_path / "tonic-210.toml"
    program.write_text(text)
    built = coverage_table(program, progress=False)
    cached = list((tmp_path / "cache" / "coverage").glob("*.csv"))
    assert [p.stem for p in cached] == [built.key]
    again = coverage_table(program, build=False)
    assert again.key == built.key
    np.testing.assert_array_equal(again.pt_grid_ma, built.pt_grid_ma)
    # a shorter pulse needs more current than the shipped 300 us program at the same anatomy
    shipped = coverage_table(_program("tonic"), build=False)
    assert built.pt_grid_ma[0, 0] > shipped.pt_grid_ma[0, 0]
