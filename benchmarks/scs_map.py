"""Benchmark: the SCS map (finite-element cord + fiber thresholds) from nothing and cached.

Issue #11 item 8: a map on a cached lead with at least 500 fibers in under 10 s, peak memory
under 4 GB. Protocol: ``load_anatomy("T10")`` as shipped (100 mm model), the tonic example
program (two 8-contact percutaneous leads, 16 contacts, bipole L1.E4-/L1.E5+, 300 us), coarse
mesh. Three runs in one process, each a full ``scs_map`` call:

1. ``empty cache``: mesh, 16 unit-current solves, evaluation at the fibers, thresholds of the
   default population (dorsal-column grid and dorsal roots);
2. ``cached``: the same map again (the cord read from the cache);
3. ``cached, >= 500 fibers``: a denser dorsal-column grid (five diameters 5.7-16 um at five
   depths) and the dorsal roots, on the cached cord (point location and evaluation at the
   fibers' 285 000 sections, stored beside the solution);
4. the same fibers again (a new program on the same lead, anatomy and fibers: the potentials
   at the sections come from the cache, only the thresholds are computed).

No reference simulator for the layered cord is installed (published SCS models use COMSOL), so
the figures are absolute, against the issue's targets. Run::

    PYTHONPATH=src python benchmarks/scs_map.py
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

from neurostim.anatomy import load_anatomy
from neurostim.device import load_program
from neurostim.fibers.spinal import SpinalFibers, dorsal_column_grid, dorsal_root_fibers
from neurostim.field.fem.solved import peak_rss_mb
from neurostim.pipeline.scs import fitting_n_nodes, root_n_nodes, scs_map

ROOT = Path(__file__).resolve().parents[1]
DENSE_DIAMETERS_UM = (5.7, 8.7, 10.0, 12.8, 16.0)
DENSE_FRACTIONS = (0.5, 0.2, 0.15, 0.1, 0.05)
DENSE_DEPTHS_MM = (0.1, 0.2, 0.3, 0.4, 0.5)


def dense_fibers() -> SpinalFibers:
    a = load_anatomy("T10")
    dc = dorsal_column_grid(
        a,
        depths_mm=DENSE_DEPTHS_MM,
        diameters_um=DENSE_DIAMETERS_UM,
        class_fractions=DENSE_FRACTIONS,
        n_nodes=fitting_n_nodes(a, DENSE_DIAMETERS_UM),
    )
    dr = dorsal_root_fibers(a, n_nodes=root_n_nodes(a, a.fibers.dr_diameters_um))
    return SpinalFibers.concat(dc, dr)


def timed(label: str, **kwargs: object) -> None:
    program = load_program(ROOT / "examples" / "programs" / "tonic.toml")
    t0 = time.perf_counter()
    result, _ = scs_map(program, load_anatomy("T10"), **kwargs)  # type: ignore[arg-type]
    dt = time.perf_counter() - t0
    fem = result.recruitment.conductor
    print(
        f"| {label} | {result.fibers.n_fibers} | {dt:.1f} | "
        f"{fem.get('mesh_s', 0.0):.1f} | {fem.get('solve_s', 0.0):.1f} | "
        f"{fem.get('cache_hit')} | {result.perception_threshold_ma:.3f} | {peak_rss_mb():.0f} |"
    )


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}\n")
    print("| run | fibers | map s | mesh s | solve s | cache hit | PT mA | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as cache_dir:
        options = {"cache_dir": cache_dir}
        timed("empty cache", conductor_options=options)
        timed("cached", conductor_options=options)
        dense = dense_fibers()
        timed("cached, >= 500 fibers", conductor_options=options, fibers=dense)
        timed("cached, the same >= 500 fibers again", conductor_options=options, fibers=dense)


if __name__ == "__main__":
    main()
