"""Benchmark: an ECAP growth curve of 20 currents with 504 dorsal-column fibers on a cached
finite-element lead (issue 16, item 8: under 30 s on a 2-core machine, memory bounded).

Runs ``neurostim.ecap.ecap_growth`` on ``examples/programs/ecap.toml`` at T10 (coarse mesh):
first call (finite-element solve or cache read, thresholds, recorded runs), then the growth
curve again on the same setup (the thresholds kept), then a second full call in the same
process (the lead's field values at the fibers read from the cache). Prints a Markdown table.

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
    rows = []
    t0 = time.perf_counter()
    first = ecap_growth(program, anatomy=cord)
    rows.append(
        ("first call (FEM solve or cache read, thresholds, runs)", time.perf_counter() - t0, first)
    )
    t0 = time.perf_counter()
    setup = build_setup(program, anatomy=cord, level="T10", dcsf_mm=None, record=None,
                        conductor=None, fibers=None, train_index=None, mesh_level="coarse",
                        params=ecap_parameters(), seed=0)  # fmt: skip
    t_setup = time.perf_counter() - t0
    rows.append(("setup on the cached lead (field values read, thresholds)", t_setup, None))
    t0 = time.perf_counter()
    again = ecap_growth(program, setup=setup)
    rows.append(("growth curve, 20 currents, thresholds known", time.perf_counter() - t0, again))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("| step | wall time (s) |")
    print("|---|---|")
    for name, seconds, _ in rows:
        print(f"| {name} | {seconds:.1f} |")
    print(f"| cached lead, whole curve (setup + growth) | {t_setup + rows[-1][1]:.1f} |")
    c = again
    print()
    print(
        f"fibers: {c.n_fibers} DC (standing for {c.fibers_represented:.0f}); currents: "
        f"{c.amplitude_ma.size}; recruited at the top: {c.recruited[-1]}; timings {c.timings_s}"
    )
    print(
        f"ET {c.ecap_threshold_ma} mA, PT {c.perception_threshold_ma} mA, slope "
        f"{c.slope_uv_per_ma} uV/mA, CV {c.cv_m_per_s} m/s, template error {c.template_error}"
    )
    print(f"ecap_uv {np.round(c.ecap_uv, 1).tolist()}")
    print(f"neural_uv {np.round(c.neural_uv, 1).tolist()}")
    print(
        f"peak resident memory {peak_mb:.0f} MB; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
