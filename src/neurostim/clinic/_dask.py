"""Run independent tasks in this process or on Dask, in order, with a progress bar.

Trials (replicates) and cohorts (chunks of patients) are lists of independent tasks whose
random streams are fixed by their index (``SeedSequence(seed, spawn_key=(index,))``), so the
results do not depend on where or in which order the tasks run. :func:`map_tasks` yields each
result in task order as soon as it and every earlier one are done, keeping at most
``max_in_flight`` tasks submitted (memory stays bounded however many tasks there are).

``workers=0`` runs in this process (no cluster); otherwise a local cluster of ``workers``
single-threaded processes (default: the machine's cores), or the running scheduler at
``scheduler`` (``tcp://host:8786``). A cluster started here is closed on exit, Ctrl-C included,
so no worker process outlives the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from neurostim.errors import InputError

MAX_WORKERS = 256
BYTES_PER_PATIENT_VISIT = 4096
"""Peak memory per simulated patient and visit while an arm runs through the pathway: the
records (NRS per region, overall, ODI, MME, PGIC, status), the pain model's per-visit arrays and
their copies, the Parquet table of a chunk (an upper bound of the measured ~1.5 kB)."""


def check_task_memory(
    field: str, value: object, patient_visits_per_task: int, workers: int, budget_mb: float | None
) -> None:
    """Refuse, before any work, tasks whose patients would not fit the memory budget: a task's
    patient-visits times :data:`BYTES_PER_PATIENT_VISIT`, times the tasks held at once (four per
    worker, at least one worker: the in-process run holds one)."""
    from neurostim._budget import check_memory, memory_budget_bytes

    in_flight = 1 if workers == 0 else 4 * workers
    estimate = int(patient_visits_per_task * BYTES_PER_PATIENT_VISIT * in_flight)
    budget = memory_budget_bytes(budget_mb)
    check_memory(field, value, estimate, budget, f" ({in_flight} tasks in memory at once)")


def default_workers() -> int:
    """Worker processes of a local cluster when none is given: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def check_workers(workers: int | None) -> int:
    """``workers`` or the default, refused outside 0..MAX_WORKERS."""
    if workers is None:
        return default_workers()
    if not isinstance(workers, int) or isinstance(workers, bool) or not 0 <= workers <= MAX_WORKERS:
        raise InputError("workers", workers, f"an integer 0-{MAX_WORKERS} (0 = in this process)")
    return workers


def check_scheduler(scheduler: str | None) -> None:
    """A scheduler address looks like ``tcp://host:8786`` (refused otherwise, before any work)."""
    if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
        raise InputError("scheduler", scheduler, "an address such as tcp://host:8786")


def _progress(enabled: bool, label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=False,
    )


def map_tasks(
    function: Callable[..., Any],
    tasks: Sequence[Any],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    label: str = "tasks",
    max_in_flight: int | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    """``function(task, **kwargs)`` for every task, yielded in task order."""
    n_workers = check_workers(workers)
    with ExitStack() as stack:
        bar = stack.enter_context(_progress(progress, label))
        job = bar.add_task(label, total=len(tasks))
        if scheduler is None and n_workers == 0:
            for task in tasks:
                yield function(task, **kwargs)
                bar.advance(job)
            return
        client = stack.enter_context(_client(scheduler, n_workers))
        yield from _ordered(client, function, tasks, bar, job, max_in_flight, kwargs)


def _client(scheduler: str | None, n_workers: int) -> Any:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        check_scheduler(scheduler)
        try:
            return Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError("scheduler", scheduler, f"a running Dask scheduler ({exc})") from None
    cluster = LocalCluster(
        n_workers=max(1, n_workers),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    return _ClusterClient(cluster)


class _ClusterClient:
    """A client whose exit also closes the local cluster it was made for."""

    def __init__(self, cluster: Any) -> None:
        from distributed import Client

        self.cluster = cluster
        self.client = Client(cluster)

    def __enter__(self) -> Any:
        return self.client

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.close()
        finally:
            self.cluster.close()


def _ordered(
    client: Any,
    function: Callable[..., Any],
    tasks: Sequence[Any],
    bar: Progress,
    job: Any,
    max_in_flight: int | None,
    kwargs: dict[str, Any],
) -> Iterator[Any]:
    from distributed import as_completed

    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    limit = max_in_flight or 4 * n_workers
    scattered = {k: client.scatter(v, broadcast=True) for k, v in kwargs.items()}
    pending: dict[int, Any] = {}
    done: dict[int, Any] = {}
    next_submit = 0
    next_yield = 0
    futures = as_completed()
    try:
        while next_yield < len(tasks):
            while next_submit < len(tasks) and len(pending) + len(done) < limit:
                fut = client.submit(function, tasks[next_submit], pure=False, **scattered)
                pending[next_submit] = fut
                futures.add(fut)
                next_submit += 1
            fut = next(futures)
            index = next(i for i, f in pending.items() if f is fut)
            del pending[index]
            done[index] = fut.result()
            bar.advance(job)
            while next_yield in done:
                yield done.pop(next_yield)
                next_yield += 1
    finally:
        for fut in pending.values():
            fut.cancel()
