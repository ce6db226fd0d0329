"""Benchmark: an ECAP growth curve of 20 currents with 504 dorsal-column fibers on a cached
finite-element lead (issue 16, item 8: under 30 s on a 2-core machine, memory bounded).

Runs ``neurostim.ecap`` on ``examples/programs/ecap.toml`` at T10 (coarse mesh): the setup
(the finite-element solve read from the cache, the lead fields at the fibers, the thresholds),
then the growth curve on it (20 currents, recorded runs, the full-sum check). Run it once
before to fill the cache and compile the kernels. Prints a Markdown table.

    NEUROSTIM_CACHE_DIR=.cache nice -n 10 python benchmarks/ecap_growth.py
"""

from __future__ import annotations

import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

from neurostim.anatomy import load_anatomy
from neurostim.device import load_program
from neurostim.ecap import build_setup, ecap_growth, ecap_parameters

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    program = load_program(ROOT / "examples/programs/ecap.toml")
    cord = load_anatomy("T10")
    t0 = time.perf_counter()
    setup = build_setup(program, anatomy=cord, level="T10", dcsf_mm=None, record=None,
                        conductor=None, fibers=None, train_index=None, mesh_level="coarse",
                        params=ecap_parameters(), seed=0)  # fmt: skip
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    c = ecap_growth(program, setup=setup)
    t_growth = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("| step | wall time (s) |")
    print("|---|---|")
    print(
        f"| setup: cord (cached solve), lead fields at the fibers, {c.n_fibers} thresholds "
        f"| {t_setup:.1f} |"
    )
    print(f"| growth curve, {c.amplitude_ma.size} currents (thresholds known) | {t_growth:.1f} |")
    for k, v in c.timings_s.items():
        print(f"| - {k} | {v:.1f} |")
    print(f"| whole curve on the cached lead | {t_setup + t_growth:.1f} |")
    print()
    print(
        f"fibers: {c.n_fibers} DC (standing for {c.fibers_represented:.0f}); recruited at the "
        f"top: {c.recruited[-1]}"
    )
    print(
        f"ET {c.ecap_threshold_ma} mA, PT {c.perception_threshold_ma} mA, slope "
        f"{c.slope_uv_per_ma} uV/mA, CV {c.cv_m_per_s} m/s, template error {c.template_error}"
    )
    print(f"fit {c.fit}")
    print(f"amplitude_ma {np.round(c.amplitude_ma, 3).tolist()}")
    print(f"ecap_uv {np.round(c.ecap_uv, 1).tolist()}")
    print(f"neural_uv {np.round(c.neural_uv, 1).tolist()}")
    print(f"recruited {c.recruited.tolist()}")
    print(f"status {c.status.tolist()}")
    print(f"recordings {c.recordings}")
    print(
        f"peak resident memory {peak_mb:.0f} MB; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
