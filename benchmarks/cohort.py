"""Benchmark: drawing virtual-patient cohorts (neurostim.patient.generate_cohort).

Claim (issue 12, Deliver 1): 10,000 patients of any indication well under 1 s on the 2-core
machine; with a protocol's inclusion criteria (rejection sampling) as well.

Run:  nice python benchmarks/cohort.py [--patients 10000] [--repeats 5]
Prints a Markdown table (machine, best of the repeats per indication) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from neurostim.patient import generate_cohort, indication_names

INCLUSION = {"baseline_nrs_min": 6.0, "mme_max": 120.0, "age_min": 65.0}


def best_s(indication: str, n: int, repeats: int, inclusion: dict | None) -> float:
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        generate_cohort(indication, n, seed, inclusion=inclusion)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    generate_cohort("fbss", 10, 0)  # imports and data loading out of the timing
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores\n")
    print(f"| indication | {args.patients} patients (s) | with {INCLUSION} (s) |")
    print("|---|---|---|")
    for name in indication_names():
        plain = best_s(name, args.patients, args.repeats, None)
        included = best_s(name, args.patients, args.repeats, INCLUSION)
        print(f"| {name} | {plain:.4f} | {included:.4f} |")


if __name__ == "__main__":
    main()
