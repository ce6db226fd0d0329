"""Benchmark: one second of a 10 kHz program at 1 us resolution (claim: under 100 ms).

Times ``neurostim.device.synthesize_waveform`` on the 10 kHz example program (2.5 mA, 30 us,
10,000 Hz, one percutaneous-8 lead: an array of 9 contacts x 1,000,000 samples) and, as the
baseline in the same run, a plain per-pulse Python loop writing the same pulses. Prints a
Markdown table with the machine. Run: ``python benchmarks/waveform_synthesis.py``.
"""

from __future__ import annotations

import platform
import statistics
import time
from pathlib import Path

import numpy as np

from neurostim.device import load_program, synthesize_waveform

PROGRAM = (
    Path(__file__).resolve().parents[1] / "examples" / "programs" / "high-frequency-10khz.toml"
)
N_REPEATS = 7


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loop_baseline(n_contacts: int, n_samples: int) -> np.ndarray:
    """The same array built one pulse at a time (what vectorisation replaces)."""
    out = np.zeros((n_contacts, n_samples))
    for k in range(10_000):
        s = k * 100
        for row, sign in ((0, -1.0), (1, 1.0)):
            out[row, s : s + 30] = sign * 2.5
            out[row, s + 50 : s + 80] = -sign * 2.5
    return out


def timed(fn, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    program = load_program(PROGRAM)
    w = synthesize_waveform(program, duration_s=1.0, dt_us=1.0)  # warm-up, and the check
    base = loop_baseline(*w.current_ma.shape)
    assert np.array_equal(w.current_ma, base), "baseline and neurostim disagree"
    ours = timed(lambda: synthesize_waveform(program, duration_s=1.0, dt_us=1.0), N_REPEATS)
    loop = timed(lambda: loop_baseline(*w.current_ma.shape), 3)
    t_ours, t_loop = statistics.median(ours), statistics.median(loop)
    print("| what | median time (ms) | ratio |")
    print("|---|---|---|")
    print(
        f"| neurostim `synthesize_waveform`, 10 kHz, 1 s at 1 us, "
        f"{w.current_ma.shape[0]} x {w.current_ma.shape[1]:,} | {t_ours * 1e3:.1f} | 1 |"
    )
    print(
        f"| per-pulse Python loop (baseline, same run) | {t_loop * 1e3:.1f} | "
        f"{t_loop / t_ours:.1f}x slower |"
    )
    print()
    print(
        f"Machine: {cpu_name()}, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}; median of {N_REPEATS} runs "
        f"(min {min(ours) * 1e3:.1f} ms, max {max(ours) * 1e3:.1f} ms). Target: < 100 ms."
    )


if __name__ == "__main__":
    main()
