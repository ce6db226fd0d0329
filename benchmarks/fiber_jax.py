"""Benchmark: the JAX backend against the Numba kernel on the same batch of MRG cases.

Usage: python benchmarks/fiber_jax.py [--n-cases 256] [--tstop-ms 5] [--repeats 2]

One batch: MRG 10 um, 41 nodes, point source at 1 mm, 0.1 ms cathodic pulse, dt 5 us,
amplitudes spread over 0.5-2.5x threshold. Two settings: the whole window for every case
(equal work for both backends) and the threshold-trial setting (``stop_on_detect`` and
``quiet_mv``: the Numba kernel exits early per case, JAX masks and runs the whole window).
Prints a Markdown table: first call (JAX: includes jit compilation), best steady-state call,
microseconds per step per case, the JAX/Numba ratio, the node solve JAX uses
(``tridiagonal_solve`` and a scan-based Thomas sweep, both timed), whether the AP counts of
both backends agree, and the machine with JAX's device.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import jax
import numpy as np

from neurostim.fibers import ProtocolCase, simulate
from neurostim.fibers import _jax_backend as jax_backend


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    dev = jax.devices()[0]
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, load average {load:.1f}, Python "
        f"{sys.version.split()[0]}, NumPy {np.__version__}, JAX {jax.__version__} on "
        f"{dev.platform} ({dev.device_kind})"
    )


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """(first call s, best of ``repeats`` further calls s, last result)."""
    t0 = time.perf_counter()
    res = fn()
    first = time.perf_counter() - t0
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t0)
    return first, best, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cases", type=int, default=256)
    ap.add_argument("--tstop-ms", type=float, default=5.0)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1)
    g = case.geometry()
    phi = case.phi_mv_per_ma(g)
    wave = case.unit_waveform()
    amps = -np.linspace(0.06, 0.30, args.n_cases)  # threshold about -0.122 mA
    n_steps = round(args.tstop_ms / 0.005)
    rows = []
    settings = {
        "whole window": {},
        "threshold trials (stops)": {"stop_on_detect": True, "quiet_mv": 1.0},
    }
    for name, kw in settings.items():
        run = {}
        for label, backend, tri in (
            ("Numba", "numba", None),
            ("JAX, tridiagonal_solve", "jax", "lapack"),
            ("JAX, Thomas scan", "jax", "thomas"),
        ):
            if tri is not None:
                jax_backend.TRIDIAGONAL = tri

            def call(backend=backend, kw=kw):
                return simulate(g, phi, amps, wave, tstop_ms=args.tstop_ms, backend=backend, **kw)

            first, best, res = timed(call, args.repeats)
            run[label] = (first, best, res)
            steps = res.steps_done.sum() if backend == "numba" else args.n_cases * n_steps
            same = np.array_equal(res.ap_count, run["Numba"][2].ap_count)
            rows.append(
                f"| {name} | {label} | {first:.2f} | {best:.2f} | {1e6 * best / steps:.1f} | "
                f"{best / run['Numba'][1]:.2f} | {'yes' if same else 'NO'} |"
            )
    jax_backend.TRIDIAGONAL = "lapack"
    print(f"MRG 10 um, {g.n_nodes} nodes ({g.n_sections} sections), {args.n_cases} cases, "
          f"{n_steps} steps of 5 us\n")  # fmt: skip
    print("| setting | backend | first call (s) | best call (s) | us per step per case "
          "| ratio to Numba | same AP counts |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nus per step per case: steps actually run (Numba exits early; JAX runs all "
          f"{n_steps}).\nMachine: {machine()}")  # fmt: skip


if __name__ == "__main__":
    main()
