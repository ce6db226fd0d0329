"""Benchmark: mesh convergence of SCS fiber thresholds (issue #11 items 6 and 8).

Protocol [ours where the issue leaves it open]:

- anatomy: ``load_anatomy("T10")`` as shipped (100 mm model, dCSF 5.1 mm, leads on the dura);
- program: ``examples/programs/tonic.toml`` (two 8-contact percutaneous leads, 16 contacts,
  L1.E4 cathode / L1.E5 anode, 300 us; every contact is meshed, the 14 unused ones floating);
- fibers: the default population of ``neurostim scs map`` (seed 0): 198 dorsal-column and 96
  dorsal-root MRG fibers, the same fibers on every mesh;
- thresholds: ``scs_map`` with a 0.1 % threshold bracket (``THRESHOLD_TOL``), so that the
  search adds at most 0.1 % to the mesh's error;
- meshes: ``MESH_LEVELS`` coarse, medium and fine, P2, equipotential contacts, CG tol 1e-10,
  each from an empty cache directory.

Per level it prints elements, DoFs, mesh / assemble / solve / total FEM time, the map's wall
time, and the errors against the finest level run (or a stored reference, ``--reference``):
max and median |relative error| over fibers of status ``ok`` on both meshes (DC and DR apart),
the perception-threshold (first DC fiber) error and the DR/DC threshold-ratio error. Run::

    PYTHONPATH=src python benchmarks/fem_convergence.py [--levels coarse,medium,fine]
        [--reference tests/reference/data/scs_fine_thresholds.csv] [--out DIR]
        [--write-reference tests/reference/data/scs_fine_thresholds.csv]

``--out`` keeps one CSV of thresholds per level (``thresholds_<level>.csv``); a level whose
CSV is already there is read instead of recomputed unless ``--force``. ``--write-reference``
writes the finest level's thresholds with a ``#`` header (protocol, mesh, geometry, versions,
date, machine, load). ``--sizes '{"coarse": {"dorsal_maxh_mm": 0.5}}' --tag X`` tries other
element sizes for a level (kept as ``thresholds_coarseX.csv``); ``--cache-dir`` keeps the
finite-element entries (the slow test reads them through ``NEUROSTIM_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.anatomy import SpinalCordAnatomy, load_anatomy
from neurostim.device import Program, parse_program_text
from neurostim.fibers.spinal import SpinalFibers
from neurostim.field.fem import MESH_LEVELS
from neurostim.field.fem.solved import peak_rss_mb
from neurostim.pipeline.anatomy import layered_cord
from neurostim.pipeline.scs import SpinalMap, _default_fibers, read_fiber_table, scs_map

ROOT = Path(__file__).resolve().parents[1]
PROGRAM_FILE = ROOT / "examples" / "programs" / "tonic.toml"
LEVEL = "T10"
SEED = 0
THRESHOLD_TOL = 1e-3
"""Relative width of the threshold bracket (``scs_map(tolerance_rel=...)``)."""
FIBER_COLUMNS = ("index", "population", "dermatome", "side", "diameter_um", "depth_mm", "ml_mm")
COLUMNS = (*FIBER_COLUMNS, "threshold_ma", "status")


def protocol() -> tuple[Program, SpinalCordAnatomy, SpinalFibers]:
    """The program, anatomy and fibers of the protocol (module docstring)."""
    program = parse_program_text(PROGRAM_FILE.read_text(encoding="utf-8"))
    anatomy = load_anatomy(LEVEL)
    return program, anatomy, _default_fibers(anatomy, SEED)


def run_level(
    level: str,
    program: Program,
    anatomy: SpinalCordAnatomy,
    fibers: SpinalFibers,
    cache_dir: str | None = None,
) -> tuple[SpinalMap, float]:
    """The map on one mesh level (from nothing unless ``cache_dir`` holds the entry), and its
    wall time in seconds."""
    options: dict[str, Any] = {} if cache_dir is None else {"cache_dir": cache_dir}
    t0 = time.perf_counter()
    result, _ = scs_map(
        program, anatomy, fibers=fibers, mesh_level=level, seed=SEED,
        tolerance_rel=THRESHOLD_TOL, conductor_options=options,
    )  # fmt: skip
    return result, time.perf_counter() - t0


def rows_of(result: SpinalMap) -> list[dict[str, Any]]:
    rows = result.fiber_rows()
    for i, row in enumerate(rows):
        row["index"] = i
    return rows


def write_csv(path: Path, rows: Sequence[dict[str, Any]], header: Sequence[str] = ()) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            out = dict(row)
            out["threshold_ma"] = "" if row["threshold_ma"] is None else repr(row["threshold_ma"])
            writer.writerow(out)


def read_csv(path: Path) -> list[dict[str, Any]]:
    return read_fiber_table(path)[1]


def same_fibers(a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]]) -> bool:
    """True when both tables describe the same fibers in the same order."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for col in FIBER_COLUMNS:
            x, y = ra[col], rb[col]
            if isinstance(x, float) and not np.isclose(x, y, rtol=1e-9, atol=1e-12):
                return False
            if not isinstance(x, float) and x != y:
                return False
    return True


def _array(rows: Sequence[dict[str, Any]], pop: str | None = None) -> NDArray[np.float64]:
    return np.array(
        [
            r["threshold_ma"] if r["status"] == "ok" and r["threshold_ma"] is not None else np.nan
            for r in rows
            if pop is None or r["population"] == pop
        ],
        dtype=np.float64,
    )


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """PT (lowest DC threshold), lowest DR threshold and DR/DC ratio of a table."""
    dc, dr = _array(rows, "dc"), _array(rows, "dr")
    pt = float(np.nanmin(dc)) if np.isfinite(dc).any() else None
    first_dr = float(np.nanmin(dr)) if np.isfinite(dr).any() else None
    ratio = None if pt is None or first_dr is None else first_dr / pt
    return {"pt_ma": pt, "dr_min_ma": first_dr, "dr_dc_ratio": ratio}


def errors(rows: Sequence[dict[str, Any]], ref: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Relative errors of ``rows`` against ``ref`` (same fibers): per population max and median
    |rel| over fibers ``ok`` in both, the number compared, and PT and DR/DC errors."""
    if not same_fibers(rows, ref):
        raise ValueError("the two threshold tables do not hold the same fibers")
    out: dict[str, Any] = {}
    for pop in ("dc", "dr", None):
        a, b = _array(rows, pop), _array(ref, pop)
        both = np.isfinite(a) & np.isfinite(b)
        rel = np.abs(a[both] / b[both] - 1.0)
        name = pop or "all"
        out[f"{name}_n"] = int(both.sum())
        out[f"{name}_max_rel"] = float(rel.max()) if rel.size else float("nan")
        out[f"{name}_median_rel"] = float(np.median(rel)) if rel.size else float("nan")
        out[f"{name}_only_one"] = int(np.sum(np.isfinite(a) != np.isfinite(b)))
    s, r = summary(rows), summary(ref)
    for key in ("pt_ma", "dr_dc_ratio"):
        x, y = s[key], r[key]
        out[f"{key}_rel"] = float("nan") if x is None or y is None else x / y - 1.0
    # the same on the fibers ok on both meshes: the discretisation error of the quantity,
    # without fibers whose status flips (an end-excitation near the threshold of an ok one)
    both = np.isfinite(_array(rows)) & np.isfinite(_array(ref))
    s = summary([x for x, keep in zip(rows, both, strict=True) if keep])
    r = summary([x for x, keep in zip(ref, both, strict=True) if keep])
    for key in ("pt_ma", "dr_dc_ratio"):
        x, y = s[key], r[key]
        out[f"{key}_rel_both"] = float("nan") if x is None or y is None else x / y - 1.0
    return out


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )


def reference_header(level: str, report: dict[str, Any]) -> list[str]:
    import netgen
    import ngsolve

    sizes = json.dumps(MESH_LEVELS[level], sort_keys=True)
    return [
        "Fine-mesh reference thresholds of the SCS map (benchmarks/fem_convergence.py).",
        f"protocol: anatomy load_anatomy('{LEVEL}') (length 100 mm); program "
        "examples/programs/tonic.toml (two percutaneous-8 leads, 16 contacts, L1.E4-/L1.E5+, "
        f"300 us); default scs map fibers, seed {SEED}; threshold bracket {THRESHOLD_TOL}",
        f"mesh: level {level} {sizes}; P2, equipotential contacts, CG tol 1e-10; "
        f"{report['elements']} elements, {report['dofs']} DoFs; solver status "
        f"{','.join(sorted(set(report['solver_status'])))}",
        f"geometry: {json.dumps(layered_cord(load_anatomy(LEVEL)).to_dict(), sort_keys=True)}",
        f"versions: NGSolve {ngsolve.__version__}, Netgen {netgen.__version__}",
        f"generated: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {report['load']} (at the end of the run); FEM {report['mesh_s']:.0f} s mesh, "
        f"{report['assemble_s']:.0f} s assemble, {report['solve_s']:.0f} s solve",
        "threshold_ma: program amplitude (mA) at which the fiber fires; status from the engine",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="coarse,medium,fine")
    parser.add_argument("--reference", type=Path, help="reference thresholds CSV")
    parser.add_argument("--out", type=Path, help="keep per-level threshold CSVs here")
    parser.add_argument("--force", action="store_true", help="recompute levels kept in --out")
    parser.add_argument("--write-reference", type=Path, help="write the last level's CSV here")
    parser.add_argument(
        "--sizes",
        type=json.loads,
        default={},
        help='element sizes to try, merged into MESH_LEVELS: \'{"coarse": {"cord_maxh_mm": 0.8}}\'',
    )
    parser.add_argument(
        "--cache-dir", help="keep the finite-element entries here (default: a fresh temporary one)"
    )
    parser.add_argument("--tag", default="", help="suffix of the kept CSV names (with --sizes)")
    args = parser.parse_args()
    levels = args.levels.split(",")
    for level, sizes in args.sizes.items():
        MESH_LEVELS[level].update({k: float(v) for k, v in sizes.items()})
        print(f"{level} sizes: {MESH_LEVELS[level]}")
    program, anatomy, fibers = protocol()
    print(f"machine: {machine()}")
    print(f"protocol: {LEVEL}, {PROGRAM_FILE.name}, {fibers.n_fibers} fibers\n")
    tables: dict[str, list[dict[str, Any]]] = {}
    reports: dict[str, dict[str, Any]] = {}
    for level in levels:
        kept = None if args.out is None else args.out / f"thresholds_{level}{args.tag}.csv"
        meta = None if kept is None else kept.with_suffix(".json")
        if kept is not None and meta is not None and kept.is_file() and not args.force:
            tables[level] = read_csv(kept)
            reports[level] = json.loads(meta.read_text(encoding="utf-8"))
            continue
        if args.cache_dir:
            result, wall_s = run_level(level, program, anatomy, fibers, args.cache_dir)
        else:
            with tempfile.TemporaryDirectory(prefix="neurostim-conv-") as cache_dir:
                result, wall_s = run_level(level, program, anatomy, fibers, cache_dir)
        c = result.recruitment.conductor
        reports[level] = {k: c.get(k) for k in ("elements", "dofs", "mesh_s", "assemble_s",
                                                "solve_s", "solver_status")}  # fmt: skip
        reports[level].update(map_s=wall_s, peak_rss_mb=peak_rss_mb(), load=machine(),
                              sizes=dict(MESH_LEVELS[level]))  # fmt: skip
        tables[level] = rows_of(result)
        if kept is not None and meta is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            write_csv(kept, tables[level])
            meta.write_text(json.dumps(reports[level], indent=1), encoding="utf-8")
        r = reports[level]
        print(f"{level}: {r['elements']} elements, {r['dofs']} DoFs, FEM "
              f"{r['mesh_s'] + r['assemble_s'] + r['solve_s']:.1f} s, map {wall_s:.1f} s "
              f"({r['load']})", flush=True)  # fmt: skip
    if args.write_reference is not None:
        last = levels[-1]
        write_csv(args.write_reference, tables[last], reference_header(last, reports[last]))
    ref = read_csv(args.reference) if args.reference else tables[levels[-1]]
    ref_name = str(args.reference) if args.reference else levels[-1]
    print(f"\nerrors against {ref_name}: PT {summary(ref)['pt_ma']:.4g} mA, "
          f"DR/DC {summary(ref)['dr_dc_ratio']:.4g}\n")  # fmt: skip
    print("| mesh | elements | DoFs | mesh s | assemble s | solve s | FEM total s | map s | "
          "DC max / median |rel| | DR max / median |rel| | PT mA (err) | DR/DC (err) | "
          "DR/DC err, fibers ok on both | status flips |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for level in levels:
        r, e, s = reports[level], errors(tables[level], ref), summary(tables[level])
        fem_s = r["mesh_s"] + r["assemble_s"] + r["solve_s"]
        print(
            f"| {level} | {r['elements']} | {r['dofs']} | {r['mesh_s']:.1f} | "
            f"{r['assemble_s']:.1f} | {r['solve_s']:.1f} | {fem_s:.1f} | {r['map_s']:.1f} | "
            f"{100 * e['dc_max_rel']:.2f} / {100 * e['dc_median_rel']:.2f} % (n {e['dc_n']}) | "
            f"{100 * e['dr_max_rel']:.2f} / {100 * e['dr_median_rel']:.2f} % (n {e['dr_n']}) | "
            f"{s['pt_ma']:.4g} ({100 * e['pt_ma_rel']:+.2f} %) | "
            f"{s['dr_dc_ratio']:.4g} ({100 * e['dr_dc_ratio_rel']:+.2f} %) | "
            f"{100 * e['dr_dc_ratio_rel_both']:+.2f} % | {e['all_only_one']} |"
        )


if __name__ == "__main__":
    main()
