"""Benchmark: MRG thresholds per second, neurostim vs NEURON, same cases, same run.

Usage: python benchmarks/fiber_thresholds.py [--n-cases 500] [--n-neuron 6] [--tolerance 0.02]
       [--memory-cases 10000]

Prints a Markdown table: seconds per threshold for neurostim (the whole batch, lock-step,
Numba threads over the machine's cores) and for NEURON (``neurostim.compare.neuron_mrg``, one
case at a time, the protocol of docs/reference/PROTOCOL.md), their ratio, the agreement on
the cases both ran, peak memory of a 10,000-case batch, a profile of where neurostim's time
goes, and the machine. NEURON is reported as unavailable when it is not installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from dataclasses import replace

import numpy as np

from neurostim.fibers import ProtocolCase, _kernel, _lanes, mrg_diameters_um, simulate
from neurostim.fibers._numpy_reference import simulate_numpy
from neurostim.fibers.batch import run_thresholds

WAVEFORMS = ("monophasic-cathodic", "biphasic-cathodic-first", "monophasic-anodic")
PWS_MS = (0.03, 0.06, 0.1, 0.2, 0.5, 1.0)


def make_cases(n: int, seed: int = 1) -> list[ProtocolCase]:
    """n protocol cases over the nine diameters, 0.5-3 mm, six pulse widths, three waveforms."""
    rng = np.random.default_rng(seed)
    diam = mrg_diameters_um()
    return [
        ProtocolCase(
            "mrg",
            float(rng.choice(diam)),
            float(np.round(rng.uniform(0.5, 3.0), 2)),
            str(rng.choice(WAVEFORMS, p=[0.5, 0.3, 0.2])),
            float(rng.choice(PWS_MS)),
        )
        for _ in range(n)
    ]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    py = sys.version.split()[0]
    return f"{cpu}, {os.cpu_count()} logical CPUs, load average {load:.1f}, Python {py}"


def kernel_share(cases: list[ProtocolCase], tol: float) -> tuple[float, float]:
    """Wall seconds of the whole search and of the compiled kernel alone."""
    spent = [0.0]
    inner = (_kernel.run_cases, _lanes.run_lanes)

    def wrap(fn):
        def timed(*a):
            t = time.perf_counter()
            fn(*a)
            spent[0] += time.perf_counter() - t

        return timed

    _kernel.run_cases, _lanes.run_lanes = wrap(inner[0]), wrap(inner[1])
    try:
        t0 = time.perf_counter()
        run_thresholds(cases, tolerance_rel=tol)
        total = time.perf_counter() - t0
    finally:
        _kernel.run_cases, _lanes.run_lanes = inner
    return total, spent[0]


def step_costs() -> tuple[float, float, float]:
    """Microseconds per step per case (10 um, 41 nodes): compiled kernel, the same kernel with
    the node channels frozen out (passive fiber), and the NumPy implementation (batch of 64)."""
    c = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1)
    g = c.geometry()
    passive = replace(
        g, active_sections=g.active_sections[:1], active_area_cm2=g.active_area_cm2[:1]
    )
    phi, w = c.phi_mv_per_ma(g), c.unit_waveform()
    best = {}
    for name, geo in (("full", g), ("passive", passive)) * 3:
        t = time.process_time()
        simulate(geo, phi, np.full(32, -0.01), w)
        us = (time.process_time() - t) / 32 / w.size * 1e6
        best[name] = min(best.get(name, np.inf), us)
    t = time.process_time()
    simulate_numpy(g, np.tile(phi, (64, 1)), np.full(64, -0.01), w, 0.005, 50)
    numpy_us = (time.process_time() - t) / 64 / 50 * 1e6
    return best["full"], best["passive"], numpy_us


def peak_memory_gb(n_cases: int) -> tuple[float, float]:
    """Peak resident memory (GB) and seconds of one lock-step round over n_cases cases."""
    c = ProtocolCase("mrg", 16.0, 1.0, "monophasic-cathodic", 0.1)
    g = c.geometry()
    phi = np.tile(c.phi_mv_per_ma(g), (n_cases, 1))
    t = time.perf_counter()
    simulate(g, phi, -np.linspace(0.05, 0.2, n_cases), c.unit_waveform(), tstop_ms=0.5)
    dt = time.perf_counter() - t
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cases", type=int, default=500)
    ap.add_argument("--n-neuron", type=int, default=6)
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--memory-cases", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    cases = make_cases(args.n_cases)
    run_thresholds(cases[:2], tolerance_rel=args.tolerance)  # compile / load the kernel cache
    t0 = time.perf_counter()
    res = run_thresholds(cases, tolerance_rel=args.tolerance, workers=args.workers)
    ns_s = (time.perf_counter() - t0) / len(cases)
    statuses = {str(s): int((res.status == s).sum()) for s in sorted(set(res.status))}

    sub = cases[: args.n_neuron]
    nrn_s = float("nan")
    agree = "n/a"
    nrn_note = "NEURON not installed"
    try:
        from neurostim.compare.neuron_mrg import neuron_threshold

        try:
            from neurostim.compare.neuron_mrg import neuron_available
        except ImportError:
            from neurostim.compare import neuron_available

        have = neuron_available()
    except ImportError:
        have = False
    if have and sub:
        times, vals = [], []
        for c in sub:
            r = neuron_threshold(c.diameter_um, c.distance_mm, c.waveform, c.pulse_width_ms,
                                 tolerance_rel=args.tolerance, verify=False)  # fmt: skip
            times.append(r["seconds"])
            vals.append(r["threshold_ma"])
        nrn_s = float(np.mean(times))
        mine = res.threshold_ma[: len(sub)]
        rel = np.abs(np.asarray(vals) / mine - 1)
        agree = f"max {rel.max():.2%}, median {np.median(rel):.2%} (both at {args.tolerance:.0%})"
        nrn_note = f"mean of {len(sub)} cases, one process, verification runs off"
    total, kern = kernel_share(cases[: min(100, len(cases))], args.tolerance)
    full_us, passive_us, numpy_us = step_costs()
    mem_gb, mem_s = peak_memory_gb(args.memory_cases)

    print(f"machine: {machine()}")
    print(f"worker processes: {args.workers}\n")
    print("| quantity | value |")
    print("|---|---|")
    print(f"| cases (neurostim batch) | {len(cases)} MRG, 9 diameters, 0.5-3 mm, 6 PWs, "
          f"cathodic/biphasic/anodic |")  # fmt: skip
    print(f"| tolerance | {args.tolerance:.1%} (final bracket) |")
    print(f"| neurostim s/threshold | {ns_s:.4f} |")
    print(f"| neurostim mean simulations/threshold | {res.n_sims.mean():.2f} |")
    print(f"| neurostim statuses | {statuses} |")
    print(f"| NEURON s/threshold | {nrn_s:.3f} ({nrn_note}) |")
    print(f"| ratio NEURON/neurostim | {nrn_s / ns_s:.0f}x |")
    print(f"| agreement on the NEURON cases | {agree} |")
    print(f"| share of time in the compiled kernel | {kern / total:.0%} |")
    print(f"| CPU us per step per case: compiled kernel | {full_us:.1f} |")
    print(f"| ... of which node channels (kernel minus passive fiber) | "
          f"{full_us - passive_us:.1f} |")  # fmt: skip
    print(f"| CPU us per step per case: NumPy batched over 64 cases | {numpy_us:.1f} |")
    print(f"| peak memory, one round of {args.memory_cases} cases | {mem_gb:.2f} GB "
          f"({mem_s:.1f} s for 0.5 ms) |")  # fmt: skip


if __name__ == "__main__":
    main()
