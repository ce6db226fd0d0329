"""Benchmark: a 100-condition, 10-second sweep of the Zhang 2014 dorsal-horn network.

Claim (issue 7): the whole sweep in under 60 s on the 2-core machine, i.e. at least 100x faster
per condition than the published NEURON model, which the issue measured at about 35 s per
condition of 7 s simulated on one core of this machine (5.0 s per simulated second). NEURON's
published model (ModelDB 168414) is not installed here, so that figure is quoted, not re-measured
in the same run.

Run:  nice python benchmarks/circuit_sweep.py [--conditions 100] [--seconds 10]
Prints a Markdown table (machine, stage times, ratio) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import numpy as np

from neurostim.circuit import Condition, TonicTrain, simulate, window_rate_hz
from neurostim.circuit.network import build_network
from neurostim.circuit.simulate import build_inputs

NEURON_S_PER_SIMULATED_S = 35.0 / 7.0  # issue 7: ~35 s per 7 s condition, one core


def conditions(n: int, seconds: float) -> list[Condition]:
    rates = [0, 10, 20, 50, 100, 200, 500, 1000, 40, 80]
    return [
        Condition(
            program=None if rates[i % 10] == 0 else TonicTrain(rates[i % 10]),
            seed=1 + i // 10,
            duration_ms=seconds * 1000.0,
        )
        for i in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conditions", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    conds = conditions(args.conditions, args.seconds)

    t0 = time.perf_counter()
    simulate(conds[:1], network=None)  # compile (or load the cache) outside the timing
    t_warm = time.perf_counter() - t0

    # stage 1: input trains alone
    t0 = time.perf_counter()

    net = build_network()
    for c in conds:
        build_inputs(net, c)
    t_inputs = time.perf_counter() - t0

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    res = simulate(conds)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    t_kernel = wall - t_inputs
    rate = window_rate_hz(res, "wdr", (2000.0, args.seconds * 1000.0))
    assert all(s == "ok" for s in res.status)
    assert np.all(np.isfinite(rate))

    sim_s = args.conditions * args.seconds
    neuron_s = sim_s * NEURON_S_PER_SIMULATED_S
    per_cond_ours = wall / args.conditions
    per_cond_neuron = args.seconds * NEURON_S_PER_SIMULATED_S
    print(
        f"| machine | {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads |"
    )
    print("|---|---|")
    print(
        f"| sweep | {args.conditions} conditions x {args.seconds:g} s "
        f"({res.spike_times_ms.shape[1]} cells, {net.n_compartments} compartments, dt 0.025 ms) |"
    )
    print(f"| first call (compile or cache load) | {t_warm:.1f} s |")
    print(f"| wall time, whole sweep | {wall:.1f} s (CPU {cpu:.1f} s) |")
    print(f"| of which input trains (Python/NumPy) | {t_inputs:.1f} s |")
    print(f"| of which kernel (Numba, parallel over conditions) | {t_kernel:.1f} s |")
    print(f"| per condition | {per_cond_ours:.2f} s wall |")
    print(
        f"| NEURON, published model (issue 7 figure, not re-measured) | "
        f"{per_cond_neuron:.0f} s per {args.seconds:g} s condition; "
        f"{neuron_s:.0f} s for the sweep |"
    )
    print(f"| ratio per condition | {per_cond_neuron / per_cond_ours:.0f}x |")


if __name__ == "__main__":
    main()
