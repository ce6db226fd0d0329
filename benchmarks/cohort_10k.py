"""Benchmark: 10,000 virtual patients through 24 months, and the speed-up with Dask workers.

Issue #12 item 9: 10,000 virtual patients through 24 months on a 2-core machine in under
10 minutes end to end; near-linear speed-up with Dask workers, shown with 1, 2 and 4 local
workers; memory bounded (streaming to Parquet, no cohort held twice).

Protocol: ``neurostim.clinic.cohorts.simulate_cohort`` (what ``neurostim cohort simulate``
runs): FBSS patients under the shipped tonic trial program (tabulated spinal-cord coverage and
circuit relief), trial phase, implant, visits to 24 months, chunks of 1000 patients, written to
Parquet. The same seed with 1, 2 and 4 local Dask workers (each a single-threaded process,
cluster start included in the time), plus the same work in this process (``workers=0``), which
is the reference the speed-ups are measured against in the same run; the Parquet files must be
identical whatever the workers. Memory: the peak resident memory of this process and of each
worker (the largest), against the size of the cohort's table.

No other tool simulates a trial cohort, so the ratio printed is against this package's own
single-process run and against the issue's 10-minute target. Run::

    PYTHONPATH=src python benchmarks/cohort_10k.py [--n 10000] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from neurostim.clinic.cohorts import simulate_cohort
from neurostim.clinic.protocol import shipped_program_path

TARGET_S = 600.0


def digest(path: Path) -> str:
    import pyarrow.parquet as pq

    h = hashlib.sha256()
    for batch in pq.ParquetFile(path).iter_batches(batch_size=20_000):  # bounded memory
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            h.update(name.encode())
            h.update(repr(column.to_pylist()).encode())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--months", type=float, default=24.0)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--chunk-size", type=int, default=1000)
    args = ap.parse_args()
    program = str(shipped_program_path("tonic"))
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{args.n} FBSS patients, tonic program, {args.months:g} months, "
          f"chunks of {args.chunk_size}")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in [0, *[int(w) for w in args.workers.split(",")]]:
            out = Path(tmp) / f"cohort-{workers}.parquet"
            t0 = time.perf_counter()
            run = simulate_cohort(
                "fbss", args.n, out, therapy={"kind": "scs", "program": program},
                months=args.months, seed=1, chunk_size=args.chunk_size, workers=workers,
                progress=False,
            )  # fmt: skip
            wall = time.perf_counter() - t0
            # peak RSS so far (this process holds the scheduler of a local cluster); the digest
            # below reads the file back in batches after the measurement
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            rows.append((workers, wall, run.n_rows, out.stat().st_size / 1e6, rss, kids,
                         digest(out)))  # fmt: skip
            print(f"workers {workers}: {wall:.1f} s, {run.n_rows} rows, "
                  f"{out.stat().st_size / 1e6:.1f} MB parquet, peak RSS here {rss:.0f} MB, "
                  f"largest worker {kids:.0f} MB", flush=True)  # fmt: skip
    base = rows[0][1]
    print()
    print("| workers | wall s | speed-up vs in-process | vs 10-min target | rows | parquet MB |"
          " peak RSS main / worker MB | table digest |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for workers, wall, n_rows, mb, rss, kids, dig in rows:
        label = "0 (in process)" if workers == 0 else str(workers)
        print(f"| {label} | {wall:.1f} | {base / wall:.2f} | {TARGET_S / wall:.1f}x under |"
              f" {n_rows} | {mb:.1f} | {rss:.0f} / {kids:.0f} | {dig} |")  # fmt: skip
    same = len({r[6] for r in rows}) == 1
    print(f"\nidentical tables for every number of workers: {same}")


if __name__ == "__main__":
    main()
