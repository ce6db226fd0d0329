"""Benchmark: a cuff on a 5-fascicle nerve, from nothing to the thresholds of about 1,000 fibers
(issue 18 item 8), then again with the field cached, and NEURON on a subset in the same run.

Usage: python benchmarks/pns_map.py [--fibers-per-class 67] [--classes Abeta,Adelta,C]
       [--cache-dir DIR] [--skip-cold] [--subset 6] [--no-neuron] [--workers 2] [--compare]
       [--far-factor F]

Model: ``examples/nerves/bucksot-rabbit-sciatic.toml`` (ASCENT's rabbit-sciatic mock, P4) in
the ``bucksot`` cuff, ``examples/programs/pns-cuff-bucksot.toml`` (bipolar, 100 us), coarse
mesh (graded along the nerve; ``--far-factor 1``: the cuff's sizes along all of it),
thin-layer perineurium; fibers of the chosen classes in every fascicle, thresholds to 1 %.

1. **Cold** (unless ``--skip-cold``): an empty cache; meshing, the two unit solves, the
   potentials at every section of every fiber and every threshold.
2. **Cached**: the map with the solution in the cache (``--cache-dir``, default the cold
   run's): potentials and thresholds, searched by ``--workers`` processes (default 2).
   ``--compare``: then, in the same process (solution loaded), the thresholds of the same
   fibers by the search of ``main`` before neighbour estimates (activating-function starts,
   25 % steps, one process) and by the current one on one process and on ``--workers``: wall
   and CPU time (worker processes included), trials, statuses and the largest difference.
3. **NEURON** (``neurostim.compare``, the project's NEURON build of the interpolated MRG): the
   same potentials and waveform on ``--subset`` myelinated fibers of the map, one at a time, to
   the same 1 %; neurostim's time per threshold on the same subset in the same run (one
   lock-step call) gives the ratio, and so does its time per threshold in the map.

Prints Markdown tables, the FEM report, the machine and the load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurostim.device import load_program
from neurostim.fibers.populations import FiberPopulation
from neurostim.nerve import cuff, load_nerve
from neurostim.pipeline import nerve_fem, phi_per_ma, pns_map, program_contacts, program_drive
from neurostim.pipeline.recruitment import recruitment

ROOT = Path(__file__).resolve().parents[1]
NERVE = ROOT / "examples" / "nerves" / "bucksot-rabbit-sciatic.toml"
PROGRAM = ROOT / "examples" / "programs" / "pns-cuff-bucksot.toml"
TOL = 0.01


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _map(
    cache_dir: str,
    n: int,
    classes: tuple[str, ...],
    workers: int,
    far_factor: float | None = None,
) -> tuple[float, float, Any, Any]:
    nerve = load_nerve(file=NERVE)
    program = load_program(PROGRAM)
    conductor = nerve_fem(nerve, cuff("bucksot"), mesh_level="coarse", cache_dir=cache_dir,
                          far_factor=far_factor)  # fmt: skip
    t0, c0 = time.perf_counter(), _cpu_s()
    m = pns_map(program, nerve, conductor=conductor, fibers_per_class=n, seed=0, classes=classes,
                workers=workers)  # fmt: skip
    return time.perf_counter() - t0, _cpu_s() - c0, m, conductor


def _compare(m: Any, conductor: Any, workers: int) -> list[tuple[str, float, float, Any]]:
    """The map's thresholds again (solution loaded): main's search, then the current one."""
    kw = {"conductor": conductor, "placements": list(m.placements),
          "train_index": m.train_index, "tolerance_rel": TOL,
          "max_amplitude_ma": m.max_amplitude_ma}  # fmt: skip
    new = "neighbour starts (1/d scaled), 2 % first steps,"
    paths = (("activating-function starts, 25 % steps, 1 process (before)", False, 1),
             (f"{new} 1 process", True, 1),
             (f"{new} {workers} processes", True, workers))  # fmt: skip
    rows = []
    for name, neighbours, w in paths:
        t0, c0 = time.perf_counter(), _cpu_s()
        r = recruitment(m.program, m.fibers.fibers, neighbour_estimates=neighbours, workers=w,
                        **kw)  # fmt: skip
        rows.append((name, time.perf_counter() - t0, _cpu_s() - c0, r))
    return rows


def _neuron(m: Any, conductor: Any, n_subset: int) -> tuple[float, float, float, float, int]:
    from neurostim.compare._nrn_search import threshold_search
    from neurostim.compare.neuron_mrg import build_mrg_fiber

    program, fibers, placements = m.program, m.fibers.fibers, list(m.placements)
    ok = np.flatnonzero((m.status == "ok") & (np.asarray(m.fibers.fiber_class) != "C"))
    pick = np.sort(np.random.default_rng(0).choice(ok, size=min(n_subset, ok.size), replace=False))
    paths = tuple(fibers.vertices_mm[i] for i in pick)
    sub = FiberPopulation(
        diameter_um=fibers.diameter_um[pick], vertices_mm=paths,
        start_arc_mm=fibers.start_arc_mm[pick], n_nodes=fibers.n_nodes[pick],
        weight=np.full(pick.size, 1.0 / pick.size), model=tuple(fibers.model[i] for i in pick),
    )  # fmt: skip
    t0 = time.perf_counter()
    mine = recruitment(program, sub, conductor=conductor, placements=placements,
                       tolerance_rel=TOL, max_amplitude_ma=200.0)  # fmt: skip
    t_mine = (time.perf_counter() - t0) / pick.size
    drive = program_drive(program, dt_ms=0.005)
    ids, contacts = program_contacts(program, placements)
    tstop = max(5.0, drive.end_ms + 3.0)
    w = np.zeros(round(tstop / 0.005))
    w[: min(w.size, drive.waveform.size)] = drive.waveform[: w.size]
    times, cpus, errs = [], [], []
    for j, i in enumerate(pick):
        t1, c1 = time.perf_counter(), time.process_time()
        fiber = build_mrg_fiber(float(fibers.diameter_um[i]), int(fibers.n_nodes[i]),
                                model="mrg-interpolation")  # fmt: skip
        phi = -phi_per_ma(drive, ids, contacts, sub.section_points_mm(j), conductor)
        r = threshold_search(fiber, phi, w, -1.0, 0.005, tstop, TOL,
                             float(mine.threshold_ma[j]) * 0.9, verify=False)  # fmt: skip
        times.append(time.perf_counter() - t1)
        cpus.append(time.process_time() - c1)
        errs.append(abs(abs(r["threshold_ma"]) / mine.threshold_ma[j] - 1.0))
    return t_mine, float(np.mean(times)), float(np.mean(cpus)), float(max(errs)), int(pick.size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fibers-per-class", type=int, default=67)
    ap.add_argument("--classes", default="Abeta,Adelta,C")
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--subset", type=int, default=6)
    ap.add_argument("--no-neuron", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--far-factor", type=float, default=None)
    args = ap.parse_args()
    classes = tuple(args.classes.split(","))
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pns-bench-") as tmp:
        cache_dir = args.cache_dir or tmp
        rows = []
        if not args.skip_cold:
            t_cold, _, m, _ = _map(cache_dir, args.fibers_per_class, classes, args.workers,
                                   args.far_factor)  # fmt: skip
            rows.append(("from nothing (mesh, solve, potentials, thresholds)", t_cold, "< 120"))
        t_cached, cpu_cached, m, conductor = _map(
            cache_dir, args.fibers_per_class, classes, args.workers, args.far_factor
        )
        rows.append((f"field cached (potentials and thresholds, {args.workers} processes; CPU "
                     f"{cpu_cached:.1f} s)", t_cached, "< 10"))  # fmt: skip
        d = m.to_dict()
        fem = m.recruitment.conductor
        print(f"fibers: {m.fibers.n_fibers} ({d['n_fibers']}); statuses {d['status_counts']}")
        times = ", ".join(
            f"{k} {fem.get(k + '_s', 0):.0f} s" for k in ("mesh", "assemble", "solve")
        )
        print(
            f"FEM: {fem.get('elements')} elements, {fem.get('dofs')} DoFs; cache hit "
            f"{fem.get('cache_hit')}; when solved: {times}, CG iterations "
            f"{fem.get('cg_iterations')}, peak RSS {fem.get('peak_rss_mb', 0):.0f} MB\n"
        )
        print("| step | seconds | target (s) |\n|---|---|---|")
        for name, sec, target in rows:
            print(f"| {name} | {sec:.1f} | {target} |")
        per_threshold = (t_cached, cpu_cached)
        if args.compare:
            cmp = _compare(m, conductor, args.workers)
            ref = cmp[0][3]
            print("\n| thresholds of the same fibers (solution loaded) | wall s | CPU s | "
                  "trials | statuses | largest difference from before |\n"
                  "|---|---|---|---|---|---|")  # fmt: skip
            for name, wall, cpu, r in cmp:
                same = "same" if np.array_equal(r.status, ref.status) else "DIFFERENT"
                ok = (r.status == "ok") & (ref.status == "ok")
                dev = float(np.max(np.abs(r.threshold_ma[ok] / ref.threshold_ma[ok] - 1.0)))
                print(f"| {name} | {wall:.1f} | {cpu:.1f} | {int(r.n_sims.sum())} | {same} | "
                      f"{100 * dev:.2f} % |")  # fmt: skip
            ident = all(np.array_equal(getattr(cmp[1][3], k), getattr(cmp[2][3], k))
                        for k in ("threshold_ma", "n_sims", "status"))  # fmt: skip
            print(f"\n1 and {args.workers} processes: identical thresholds {ident}")
            per_threshold = (cmp[2][1], cmp[2][2])
        if not args.no_neuron:
            from neurostim.compare import neuron_available

            if neuron_available():
                t_mine, t_ref, cpu_ref, err, n = _neuron(m, conductor, args.subset)
                wall_map, cpu_map = (x / m.fibers.n_fibers for x in per_threshold)
                print(f"\n| fibers | neurostim s/threshold | NEURON s/threshold | ratio | "
                      f"max difference |\n|---|---|---|---|---|\n| {n} myelinated, same "
                      f"potentials, to 1 % | {t_mine:.3f} | {t_ref:.2f} | {t_ref / t_mine:.0f}x "
                      f"| {100 * err:.2f} % |\n| the map ({m.fibers.n_fibers} fibers, wall) | "
                      f"{wall_map:.4f} | {t_ref:.2f} | {t_ref / wall_map:.0f}x | — |\n"
                      f"| the map, CPU time (NEURON: CPU time of the same subset) | "
                      f"{cpu_map:.4f} | {cpu_ref:.2f} | {cpu_ref / cpu_map:.0f}x "
                      "| — |")  # fmt: skip
            else:
                print("\nNEURON not installed: ratio skipped")
    load1 = os.getloadavg()
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"Python {platform.python_version()}; load average {load0[0]:.1f} at the start, "
          f"{load1[0]:.1f} at the end")  # fmt: skip


if __name__ == "__main__":
    main()
