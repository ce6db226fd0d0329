"""Benchmark: a 10-minute closed-loop trace at 50 Hz (30,000 pulses) from the precomputed maps
(claim: under 10 s, memory bounded).

Times ``neurostim.ecap.run_loop`` (per-pulse controller, the ``day`` schedule, the example
program ``examples/programs/ecap-loop.toml``, its shipped fiber-stage map) end to end: setup
(target, window, gain table), schedule, noise, the Numba loop, charge and battery. The first
call in the process (Numba's compiled code loaded from its cache, or compiled) is reported
apart. The reference in the same run is a plain-Python per-pulse loop of the same controller:
the same kernel source run by the interpreter (``neurostim.ecap._loop_kernel.python_kernels``),
checked equal. Peak memory of the run (tracemalloc) for 30,000 and 300,000 pulses shows the
per-pulse cost; ``data/loop.toml`` caps a trace at 5,000,000 pulses. Prints a Markdown table
with the machine. Run: ``python benchmarks/ecap_loop.py``.
"""

from __future__ import annotations

import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np

from neurostim.device import load_program
from neurostim.ecap import _loop_kernel as kernel
from neurostim.ecap import find_map, load_schedule, run_loop

PROGRAM = Path(__file__).resolve().parents[1] / "examples" / "programs" / "ecap-loop.toml"
N_REPEATS = 7


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def timed(fn, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def peak_mb(fn) -> float:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    program = load_program(PROGRAM)
    schedule = load_schedule("day")
    ecap_map, _ = find_map(program, schedule.level)

    def run(minutes: float = 10.0):  # type: ignore[no-untyped-def]
        return run_loop(program, schedule, ecap_map, mode="closed", seed=0, minutes=minutes)

    t0 = time.perf_counter()
    fast = run()
    first = time.perf_counter() - t0
    assert fast.n_pulses == 30_000
    ours = timed(run, N_REPEATS)
    numba_run_loop = kernel.run_loop
    kernel.run_loop = kernel.python_kernels()["run_loop"]
    try:
        t0 = time.perf_counter()
        slow = run()
        t_plain = time.perf_counter() - t0
    finally:
        kernel.run_loop = numba_run_loop
    np.testing.assert_allclose(slow.amplitude_ma, fast.amplitude_ma, rtol=1e-12)
    np.testing.assert_allclose(slow.ecap_uv, fast.ecap_uv, rtol=1e-12)
    mem_30k = peak_mb(run)
    mem_300k = peak_mb(lambda: run(100.0))
    t_ours = statistics.median(ours)
    print("| what | time (s) | ratio |")
    print("|---|---|---|")
    print(f"| neurostim `run_loop`, closed loop, 30,000 pulses (median of {N_REPEATS}) | "
          f"{t_ours:.3f} | 1 |")  # fmt: skip
    print(f"| same, first call in the process (Numba cache load) | {first:.3f} | "
          f"{first / t_ours:.1f}x |")  # fmt: skip
    print(f"| plain-Python per-pulse loop of the same controller (same run, checked equal) | "
          f"{t_plain:.3f} | {t_plain / t_ours:.0f}x slower |")  # fmt: skip
    print()
    print("| pulses | peak memory (MiB, tracemalloc) |")
    print("|---|---|")
    print(f"| 30,000 (10 min) | {mem_30k:.1f} |")
    print(f"| 300,000 (100 min) | {mem_300k:.1f} |")
    print()
    summary = fast.summary()
    print(f"Closed loop: mean |ECAP - target| {summary['mean_abs_deviation_uv']:.2f} uV, "
          f"time in window {100 * summary['time_in_window']:.1f} %.")  # fmt: skip
    print(f"Machine: {cpu_name()}, {platform.system()} {platform.release()}, Python "
          f"{platform.python_version()}, NumPy {np.__version__}, Numba {numba.__version__}. "
          f"Target: < 10 s.")  # fmt: skip


if __name__ == "__main__":
    main()
