"""Benchmark: the cost of recording membrane currents in ``simulate`` (issue 16, item 1).

Usage: python benchmarks/fiber_recording.py [--n-cases 64] [--repeats 5] [--leads 8]

Prints a Markdown table of microseconds per case-step of the compiled kernels (MRG 10 um,
41 nodes, 1000 steps of 5 us, subthreshold so that no case stops early): without recording,
with ``--leads`` recording leads shared by all cases, with per-case leads, and with
``record_membrane_current``; each the minimum process time over ``--repeats`` runs, with the
overhead over the plain run, and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

from neurostim.fibers import ProtocolCase, simulate


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cases", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--leads", type=int, default=8)
    args = ap.parse_args()
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1)
    g = case.geometry()
    phi, wave = case.phi_mv_per_ma(g), case.unit_waveform()
    amps = np.full(args.n_cases, -0.01)
    rng = np.random.default_rng(0)
    leads = rng.uniform(50.0, 400.0, (args.leads, g.n_sections))  # mV/mA
    runs = {
        "no recording": {},
        f"{args.leads} leads, shared": {"recording_phi": leads},
        f"{args.leads} leads, per case": {
            "recording_phi": np.broadcast_to(leads, (args.n_cases, *leads.shape))
        },
        "membrane_current_na kept": {"record_membrane_current": True},
    }
    best = dict.fromkeys(runs, np.inf)
    for kw in runs.values():  # compile / load the kernel cache
        simulate(g, phi, amps, wave, n_steps=20, **kw)
    for _ in range(args.repeats):
        for name, kw in runs.items():
            t = time.process_time()
            simulate(g, phi, amps, wave, **kw)
            best[name] = min(best[name], time.process_time() - t)
    n_work = args.n_cases * wave.size
    base = best["no recording"] / n_work * 1e6
    print(f"MRG 10 um, {g.n_sections} sections, {args.n_cases} cases x {wave.size} steps\n")
    print("| run | us per case-step | overhead us per case-step | ratio |")
    print("|---|---|---|---|")
    for name, seconds in best.items():
        us = seconds / n_work * 1e6
        print(f"| {name} | {us:.3f} | {us - base:+.3f} | {us / base:.2f} |")
    print(f"\nMachine: {machine()}")


if __name__ == "__main__":
    main()
