"""Benchmark: the interpolated MRG geometry against Table 1, and its speed against NEURON.

Usage: python benchmarks/mrg_interpolation.py [--no-neuron]

Prints two Markdown tables:

1. At the nine published diameters: the fit's node spacing, node and axon diameter, FLUT length
   and lamellae relative to McIntyre 2002 Table 1, and what the difference does to thresholds
   (1 mm cathodic 0.1 ms and 2 mm biphasic 0.2 ms, searched to 0.01 %) and conduction
   velocity (the mrg_cv.csv protocol): ``mrg-interpolation`` / ``mrg`` - 1.
2. Seconds per threshold, neurostim (one lock-step batch over the diameters) and NEURON
   (``neurostim.compare.neuron_mrg``, one case at a time) on the same cases in the same run,
   and their agreement; skipped with ``--no-neuron`` or when NEURON is not installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from neurostim.fibers import ProtocolCase, model_conduction_velocity, protocol_thresholds
from neurostim.fibers.mrg import mrg_parameters
from neurostim.fibers.mrg_interpolation import mrg_interpolation_row

COLUMNS = ("node_spacing_um", "node_diameter_um", "axon_diameter_um", "flut_length_um",
           "lamellae")  # fmt: skip
CASES = ((1.0, "monophasic-cathodic", 0.1), (2.0, "biphasic-cathodic-first", 0.2))
SPEED_DIAMETERS_UM = (2.0, 3.5, 7.3, 12.4)
TOL = 1e-4


def pct(x: float) -> str:
    return f"{100 * x:+.1f} %"


def table_vs_fit() -> None:
    rows = mrg_parameters()["diameters"]
    ds = [float(r["fiber_diameter_um"]) for r in rows]
    cases = {m: [ProtocolCase(m, d, *c) for d in ds for c in CASES]
             for m in ("mrg", "mrg-interpolation")}  # fmt: skip
    thr = {m: protocol_thresholds(c, tolerance_rel=TOL).threshold_ma for m, c in cases.items()}
    print("| D (µm) | spacing | node Ø | axon Ø | FLUT | lamellae | threshold 1 mm mono 0.1 ms "
          "| threshold 2 mm biphasic 0.2 ms | CV |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        d = ds[i]
        fit = mrg_interpolation_row(d)
        geo = [pct(fit[k] / r[k] - 1) for k in COLUMNS]
        t = [pct(thr["mrg-interpolation"][2 * i + k] / thr["mrg"][2 * i + k] - 1) for k in (0, 1)]
        cv = model_conduction_velocity("mrg-interpolation", d) / model_conduction_velocity("mrg", d)
        print(f"| {d:g} | " + " | ".join([*geo, *t, pct(cv - 1)]) + " |")


def speed() -> None:
    from neurostim.compare import neuron_available

    if not neuron_available():
        print("\nNEURON not installed: speed comparison skipped")
        return
    from neurostim.compare.neuron_mrg import neuron_threshold

    cases = [ProtocolCase("mrg-interpolation", d, 1.0, "monophasic-cathodic", 0.1)
             for d in SPEED_DIAMETERS_UM]  # fmt: skip
    protocol_thresholds(cases[:1], tolerance_rel=0.1)  # compile outside the timing
    t0 = time.perf_counter()
    mine = protocol_thresholds(cases, tolerance_rel=TOL)
    t_mine = (time.perf_counter() - t0) / len(cases)
    refs = [neuron_threshold(c.diameter_um, 1.0, "monophasic-cathodic", 0.1, tolerance_rel=TOL,
                             model="mrg-interpolation", verify=False) for c in cases]  # fmt: skip
    t_ref = float(np.mean([r["seconds"] for r in refs]))
    err = max(abs(a / r["threshold_ma"] - 1) for a, r in zip(mine.threshold_ma, refs, strict=True))
    print("\n| cases | neurostim s/threshold | NEURON s/threshold | ratio | max difference |")
    print("|---|---|---|---|---|")
    print(f"| {len(cases)} (D {', '.join(f'{d:g}' for d in SPEED_DIAMETERS_UM)} µm, 1 mm, "
          f"0.1 ms, to 0.01 %) | {t_mine:.3f} | {t_ref:.2f} | {t_ref / t_mine:.0f}x "
          f"| {100 * err:.4f} % |")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-neuron", action="store_true", help="Skip the NEURON speed table.")
    args = ap.parse_args()
    table_vs_fit()
    if not args.no_neuron:
        speed()
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip


if __name__ == "__main__":
    main()
