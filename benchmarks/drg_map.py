"""Claim (issue 17, item 8): a DRG map of 300 neurons per type on a cached lead in under 20 s
on the 2-core development machine.

Runs ``neurostim.drg.map.drg_map`` on ``examples/programs/drg.toml`` at RC-L5 (L5, gap
0.3 mm, coarse mesh) and prints a Markdown table of the wall time per stage (cells, field:
the unit potentials at every section, thresholds per type), the CPU time of the process and
its workers (the machine is shared: compare CPU times across runs), the mean number of
simulations per neuron, the machine and its load average. Run it twice: the first run of a
lead position meshes and solves (minutes) and the first of a population evaluates its points
(about a minute at 300 per type); the claim is about the second (``fem.cache_hit`` true, the
points read back from the cache). ``--conductor homogeneous`` times the same map on the
analytic medium (no finite elements).

No NEURON ratio: the reference tool has no DRG map to compare with; the cells' solver is
compared with NEURON per cell in tests/drg (``neuron`` marker) and its cost per compartment
with the chain solver in benchmarks/tree_solver.py.

    NEUROSTIM_CACHE_DIR=.cache PYTHONPATH=src python benchmarks/drg_map.py [--neurons 300]
        [--workers 2]

``--workers`` (default 2, the machine's cores) splits each cable's threshold searches among
local processes (``drg_map(workers=...)``: the same thresholds as one process).
``--c-compartment-um 16.667`` times the coarser C cell (``drg_map(c_compartment_length_um=
...)``; not the default: see docs/benchmarks.md "DRG map").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from neurostim.device import check_program
from neurostim.drg import load_drg_geometry
from neurostim.drg.map import drg_map

PROGRAM = Path(__file__).resolve().parents[1] / "examples" / "programs" / "drg.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=300, help="neurons per type")
    ap.add_argument("--conductor", default="drg-fem", choices=("drg-fem", "homogeneous"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2, help="processes for the searches")
    ap.add_argument(
        "--c-compartment-um",
        type=float,
        default=None,
        help="C cells' compartment length (default data/map.toml: the spec's 8.333)",
    )
    ap.add_argument("--json-out", type=Path, help="also write the map's JSON here")
    ap.add_argument("--plot", type=Path, help="also draw the map figure here")
    args = ap.parse_args()
    program = check_program(PROGRAM).program
    geometry = load_drg_geometry("L5")
    load = os.getloadavg()
    cpu0 = os.times()
    t0 = time.perf_counter()
    m = drg_map(program, geometry, n_per_type=args.neurons, seed=args.seed,
                conductor=args.conductor, base_dir=PROGRAM.parent,
                workers=args.workers,
                c_compartment_length_um=args.c_compartment_um)  # fmt: skip
    total = time.perf_counter() - t0
    cpu1 = os.times()
    cpu = sum(cpu1[:4]) - sum(cpu0[:4])  # user + system, this process and its workers
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load average before {load[0]:.1f}, "
          f"after {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(
        f"conductor {args.conductor}, cache hit: {m.fem.get('cache_hit')}, "
        f"{m.n_neurons} neurons ({args.neurons} per type), {args.workers} worker(s)\n"
    )
    print("| stage | s |")
    print("|---|---|")
    for k, v in m.timings_s.items():
        print(f"| {k.removesuffix('_s')} | {v:.1f} |")
    print(f"| **total** | **{total:.1f}** |\n")
    print(f"CPU time (user + system, this process and its workers): {cpu:.1f} s\n")
    print("| type | mean simulations per neuron | statuses |")
    print("|---|---|---|")
    for t in m.types_present():
        sel = m.population.type == t
        statuses = dict(zip(*np.unique(m.status[sel], return_counts=True), strict=True))
        text = ", ".join(f"{k} {int(v)}" for k, v in statuses.items())
        print(f"| {t} | {float(np.mean(m.n_sims[sel])):.1f} | {text} |")
    print(f"\nclaim < 20 s: {'met' if total < 20 else 'missed'} ({total:.1f} s)")
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(m.to_dict(), indent=1, default=float) + "\n")
    if args.plot is not None:
        from neurostim.drg.map_plots import plot_map

        plot_map(m, args.plot)


if __name__ == "__main__":
    main()
