"""Benchmark: an ECAP growth curve of 20 currents with 504 dorsal-column fibers on a cached
finite-element lead (issue 16, item 8: under 30 s on a 2-core machine, memory bounded).

Runs ``neurostim.ecap.ecap_growth`` on ``examples/programs/ecap.toml`` at T10 (coarse mesh),
whole curves from the cached finite-element solve (cord, lead fields at the fibers,
thresholds, recorded runs, the full-sum check on ``growth.check_fibers`` fibers), three ways
in one process, each with its own per-fiber cache:

- exact (the reference): every fiber's threshold searched to 1 % over the recording window
  (``threshold_search="exact"``), an empty per-fiber cache;
- grid (the default): thresholds searched only where they decide the perception threshold,
  every other fiber bracketed between two currents of the curve (``threshold_search="grid"``),
  an empty per-fiber cache;
- grid, second curve on the same lead: everything read back from the per-fiber cache the
  run before wrote.

Prints a Markdown table of wall and CPU times with the load average, the ratio, and the
largest differences between grid and exact (recruited fibers, noise-free and measured ECAP,
ECAP threshold, slope, CV). ``--with-whole-unit`` adds the earlier path (every threshold
searched over the whole unit and its 12 ms recharge tail, ``threshold_window="train"``).
Run it once before to fill the finite-element cache and compile the kernels:

    NEUROSTIM_CACHE_DIR=.cache nice -n 10 python benchmarks/ecap_growth.py
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurostim.anatomy import load_anatomy
from neurostim.device import load_program
from neurostim.ecap import _cache, build_setup, ecap_growth, ecap_parameters

ROOT = Path(__file__).resolve().parents[1]


def whole_curve(program: Any, cord: Any, way: str) -> tuple[Any, Any, float]:
    """The setup, the curve and the setup's time (s) of one way."""
    t0 = time.perf_counter()
    setup = build_setup(program, anatomy=cord, level="T10", dcsf_mm=None, record=None,
                        conductor=None, fibers=None, train_index=None, mesh_level="coarse",
                        params=ecap_parameters(), seed=0,
                        threshold_window="train" if way == "whole unit" else "recording",
                        thresholds="lowest" if way.startswith("grid") else "all")  # fmt: skip
    t_setup = time.perf_counter() - t0
    return setup, ecap_growth(program, setup=setup), t_setup


def _recruited(rec: Any, amps: Any) -> Any:
    from neurostim.ecap._thresholds import recruited_at

    return recruited_at(rec, amps)


def main() -> None:
    program = load_program(ROOT / "examples/programs/ecap.toml")
    cord = load_anatomy("T10")
    folders = {"exact": tempfile.TemporaryDirectory(), "grid": tempfile.TemporaryDirectory(),
               "whole unit": tempfile.TemporaryDirectory()}  # fmt: skip
    ways = ["exact", "grid", "grid, second curve"]
    if "--with-whole-unit" in sys.argv:
        ways.insert(0, "whole unit")
    runs: dict[str, dict[str, Any]] = {}
    for way in ways:
        folder = folders[way.split(",")[0]].name
        _cache.cache_dir = lambda folder=folder: Path(folder)  # type: ignore[misc]
        load0 = os.getloadavg()[0]
        t0, cpu0 = time.perf_counter(), time.process_time()
        setup, c, t_setup = whole_curve(program, cord, way)
        runs[way] = {"curve": c, "setup": setup, "setup_s": t_setup,
                     "wall": time.perf_counter() - t0, "cpu": time.process_time() - cpu0,
                     "load": (load0, os.getloadavg()[0])}  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("| step (wall s) | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    setup_label = "setup: cord (cached solve), lead fields, thresholds (grid: those of PT)"
    print(f"| {setup_label} | " + " | ".join(f"{r['setup_s']:.1f}" for r in runs.values())
          + " |")  # fmt: skip
    for k in runs["exact"]["curve"].timings_s:
        if k != "setup_s":
            print(f"| - {k} | " + " | ".join(f"{r['curve'].timings_s.get(k, 0.0):.1f}"
                                             for r in runs.values()) + " |")  # fmt: skip
    print("| **whole curve on the cached lead** | " + " | ".join(
        f"**{r['wall']:.1f}**" for r in runs.values()) + " |")  # fmt: skip
    print("| CPU time of the process | " + " | ".join(f"{r['cpu']:.1f}" for r in runs.values())
          + " |")  # fmt: skip
    print("| load average (1 min) before, after | " + " | ".join(
        f"{r['load'][0]:.1f}, {r['load'][1]:.1f}" for r in runs.values()) + " |")  # fmt: skip
    ex, gr = runs["exact"], runs["grid"]
    print()
    print(f"speed-up exact / grid: {ex['wall'] / gr['wall']:.1f}x wall, "
          f"{ex['cpu'] / gr['cpu']:.1f}x CPU; exact / second curve: "
          f"{ex['wall'] / runs['grid, second curve']['wall']:.1f}x wall")  # fmt: skip
    ce, cg = ex["curve"], gr["curve"]
    print(f"same currents: {np.array_equal(ce.amplitude_ma, cg.amplitude_ma)} (PT exact "
          f"{ce.perception_threshold_ma}, grid {cg.perception_threshold_ma})")  # fmt: skip
    print(f"recruited equal at every current: {np.array_equal(ce.recruited, cg.recruited)}")
    d_neural = np.max(np.abs(cg.neural_uv - ce.neural_uv))
    d_ecap = np.max(np.abs(cg.ecap_uv - ce.ecap_uv))
    d_trace = np.max(np.abs(cg.traces.neural_uv - ce.traces.neural_uv)) / np.max(
        np.abs(ce.traces.neural_uv)
    )
    print(f"max |noise-free ECAP grid - exact| {d_neural:.4f} uV (largest "
          f"{np.max(ce.neural_uv):.2f} uV); measured {d_ecap:.4f} uV; noise-free traces "
          f"{100 * d_trace:.4f} % of their peak")  # fmt: skip
    print(f"status equal: {bool(np.all(cg.status == ce.status))}")
    se, sg = ex["setup"].recruitment, gr["setup"].recruitment
    print(f"threshold trials: exact {se.n_sims.sum()}, grid {sg.n_sims.sum()}; grid statuses "
          f"{dict(zip(*np.unique(sg.status, return_counts=True), strict=True))}")  # fmt: skip
    differ = np.flatnonzero(np.any(
        _recruited(se, ce.amplitude_ma) != _recruited(sg, ce.amplitude_ma), axis=0))  # fmt: skip
    for f in differ:
        near = ce.amplitude_ma[np.argmin(np.abs(ce.amplitude_ma - se.threshold_ma[f]))]
        print(f"  fiber {f}: exact threshold {se.threshold_ma[f]:.4f} mA (bracket "
              f"{se.lower_ma[f]:.4f}-{se.upper_ma[f]:.4f}), grid {sg.status[f]} "
              f"{sg.lower_ma[f]:.4f}-{sg.upper_ma[f]:.4f} mA; nearest current "
              f"{near:.4f} mA")  # fmt: skip
    for name, r in runs.items():
        c = r["curve"]
        print(f"{name}: ET {c.ecap_threshold_ma}, PT {c.perception_threshold_ma}, slope "
              f"{c.slope_uv_per_ma}, CV {c.cv_m_per_s}, "
              f"template error {c.template_error}")  # fmt: skip
        print(f"  neural_uv {np.round(c.neural_uv, 3).tolist()}")
        print(f"  ecap_uv {np.round(c.ecap_uv, 2).tolist()}")
        print(f"  recruited {c.recruited.tolist()}")
    print(f"amplitude_ma {np.round(cg.amplitude_ma, 3).tolist()}")
    print(
        f"peak resident memory {peak_mb:.0f} MB; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    for f in folders.values():
        f.cleanup()


if __name__ == "__main__":
    main()
