"""Benchmark: an ECAP growth curve of 20 currents with 504 dorsal-column fibers on a cached
finite-element lead (issue 16, item 8: under 30 s on a 2-core machine, memory bounded).

Runs ``neurostim.ecap`` on ``examples/programs/ecap.toml`` at T10 (coarse mesh), whole curves
from the cached finite-element solve (cord, lead fields at the fibers, thresholds, recorded
runs, the full-sum check), three ways in one process:

- old: every threshold searched over the whole unit (the 210 us pulse and its 12 ms passive
  recharge tail; the map's ``recruitment``), the full-sum check on every fiber;
- new: every threshold searched over the recording window (``threshold_window="recording"``),
  nothing read from the per-fiber cache (an empty one), the full-sum check on
  ``growth.check_fibers`` fibers drawn with the seed;
- new, second curve on the same lead: thresholds and passive responses read from the
  per-fiber cache (written by the run before).

Prints Markdown tables, the ratio, and the largest differences between old and new (ECAP µV,
recruited fibers, thresholds). Run it once before to fill the finite-element cache and compile
the kernels:

    NEUROSTIM_CACHE_DIR=.cache nice -n 10 python benchmarks/ecap_growth.py
"""

from __future__ import annotations

import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurostim.anatomy import load_anatomy
from neurostim.device import load_program
from neurostim.ecap import _sfap, build_setup, ecap_growth, ecap_parameters

ROOT = Path(__file__).resolve().parents[1]


def whole_curve(
    program: Any, cord: Any, window: str, cache: bool, check_fibers: int
) -> tuple[Any, Any, float]:
    t0 = time.perf_counter()
    params = ecap_parameters({"growth": {"check_fibers": check_fibers}})
    setup = build_setup(program, anatomy=cord, level="T10", dcsf_mm=None, record=None,
                        conductor=None, fibers=None, train_index=None, mesh_level="coarse",
                        params=params, seed=0, threshold_window=window,
                        cache=cache)  # fmt: skip
    t_setup = time.perf_counter() - t0
    c = ecap_growth(program, setup=setup, params={"growth": {"check_fibers": check_fibers}})
    return setup, c, t_setup


def main() -> None:
    program = load_program(ROOT / "examples/programs/ecap.toml")
    cord = load_anatomy("T10")
    fiber_cache = tempfile.TemporaryDirectory()
    _sfap._cache_dir = lambda: Path(fiber_cache.name)  # a cold per-fiber cache for this run
    runs: dict[str, Any] = {}
    cpu: dict[str, float] = {}
    n_check = int(ecap_parameters()["growth"]["check_fibers"])
    ways = (("old", "train", False, 10**6), ("new", "recording", True, n_check),
            ("new, second curve", "recording", True, n_check))  # fmt: skip
    for name, window, cache, check in ways:
        t0, cpu0 = time.perf_counter(), time.process_time()
        setup, c, t_setup = whole_curve(program, cord, window, cache, check)
        runs[name] = (setup, c, t_setup, time.perf_counter() - t0)
        cpu[name] = time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("| step | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    rows = [("setup: cord (cached solve), lead fields, thresholds", lambda r: r[2])]
    for k in runs["old"][1].timings_s:
        if k != "setup_s":
            rows.append((f"- {k}", lambda r, k=k: r[1].timings_s[k]))
    rows.append(("**whole curve on the cached lead**", lambda r: r[3]))
    for label, get in rows:
        print(f"| {label} | " + " | ".join(f"{get(r):.1f}" for r in runs.values()) + " |")
    print("| whole curve, CPU time of the process | " + " | ".join(f"{v:.1f}" for v in cpu.values())
          + " |")  # fmt: skip
    old, new = runs["old"], runs["new"]
    print()
    print(f"speed-up old / new: {old[3] / new[3]:.1f}x; old / second curve: "
          f"{old[3] / runs['new, second curve'][3]:.1f}x")  # fmt: skip
    print(f"threshold simulations: old {old[0].recruitment.n_sims.sum()}, new "
          f"{new[0].recruitment.n_sims.sum()}")  # fmt: skip
    ok = old[0].ok & new[0].ok
    rel = np.abs(new[0].threshold_ma[ok] / old[0].threshold_ma[ok] - 1.0)
    same = np.mean(old[0].recruitment.status == new[0].recruitment.status)
    print(f"thresholds: same status {same:.3f}, max |new/old - 1| {rel.max():.4f}, "
          f"median {np.median(rel):.4f}")  # fmt: skip
    co, cn = old[1], new[1]
    same_amps = np.array_equal(co.amplitude_ma, cn.amplitude_ma)
    print(f"same currents: {same_amps} (PT old {co.perception_threshold_ma}, new "
          f"{cn.perception_threshold_ma})")  # fmt: skip
    d_ecap = np.max(np.abs(cn.ecap_uv - co.ecap_uv))
    d_neural = np.max(np.abs(cn.neural_uv - co.neural_uv))
    print(f"max |ECAP new - old|: {d_ecap:.2f} uV (largest ECAP {np.max(co.ecap_uv):.1f} uV); "
          f"noise-free {d_neural:.2f} uV")  # fmt: skip
    print(
        f"max |recruited new - old|: {np.max(np.abs(cn.recruited - co.recruited))} of {cn.n_fibers}"
    )
    print(f"status equal: {bool(np.all(cn.status == co.status))}")
    for name, (_, c, _, _) in runs.items():
        print(f"{name}: ET {c.ecap_threshold_ma}, PT {c.perception_threshold_ma}, slope "
              f"{c.slope_uv_per_ma}, CV {c.cv_m_per_s}")  # fmt: skip
        print(f"  template error {c.template_error}")
        print(f"  neural_uv {np.round(c.neural_uv, 2).tolist()}")
        print(f"  ecap_uv {np.round(c.ecap_uv, 1).tolist()}")
        print(f"  recruited {c.recruited.tolist()}")
    print(f"amplitude_ma {np.round(cn.amplitude_ma, 3).tolist()}")
    print(f"status {cn.status.tolist()}")
    print(
        f"peak resident memory {peak_mb:.0f} MB; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    fiber_cache.cleanup()


if __name__ == "__main__":
    main()
