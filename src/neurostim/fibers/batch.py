"""Thresholds of many protocol cases: grouped by geometry, each group searched in lock-step.

Before anything is allocated, :func:`run_thresholds` estimates the memory of the chunks that
run at once (:func:`thresholds_memory_bytes`) and refuses work above the memory budget
(:func:`neurostim._budget.memory_budget_bytes`: by default half of the memory available when
the run starts),
naming the largest case's fields, the estimate and the limit. The estimate of one chunk of
``n_cases`` cases of ``n_sections`` sections over ``n_steps`` steps is, in bytes::

    8 * (n_cases * (WAVE_ARRAYS * n_steps + STATE_ARRAYS * n_sections)
         + SHARED_ARRAYS * n_sections)

with the waveforms (one per case), the per-case state (voltages, gates, field, results) and the
arrays shared by the chunk (cable coefficients, the solver's lane buffers);
tests/fibers/test_cases.py checks that it bounds the measured peak.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurostim._budget import check_memory, memory_budget_bytes
from neurostim.errors import InputError
from neurostim.fibers.cases import ProtocolCase, polarity
from neurostim.fibers.threshold import ThresholdResult, find_thresholds

BYTES_PER_FLOAT = 8
WAVE_ARRAYS = 6
"""Floats per time step and case: the waveform, its copies into the batch and each round's
trials, the solver's end-of-waveform mask (measured peak: about 4.5)."""
STATE_ARRAYS = 16
"""Floats per section and case: voltages, periaxonal voltages, field, gates and their copies."""
SHARED_ARRAYS = 160
"""Floats per section shared by a chunk: cable and reduction coefficients (about 30) and the
compiled solver's lane buffers (about 100 for 8 lanes)."""
SCHEDULER_TIMEOUT_S = 5.0
"""Seconds to wait for a Dask scheduler before giving up."""


def process_context() -> Any:
    """The multiprocessing context for local worker processes: ``fork`` where the platform
    has it (the compiled kernels come along, nothing is imported again), unless JAX is loaded:
    its runtime is multithreaded and a forked child can deadlock, so ``forkserver`` (or the
    platform's default) starts the workers instead."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and "jax" not in sys.modules:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else None)


def simulation_bytes(n_sections: int, n_steps: int, n_cases: int = 1) -> int:
    """Estimated peak memory (bytes) of simulating ``n_cases`` cases of one cable together."""
    per_case = WAVE_ARRAYS * n_steps + STATE_ARRAYS * n_sections
    return BYTES_PER_FLOAT * (n_cases * per_case + SHARED_ARRAYS * n_sections)


def _group_key(case: ProtocolCase) -> tuple:
    """Cases with the same key share one geometry and run in one lock-step batch."""
    return (case.model, case.diameter_um, *case.resolved(), case.temperature_c)


def _empty_result(n_cases: int) -> ThresholdResult:
    """A result to fill in: NaN thresholds and brackets, status "ok", initiation node -1."""
    return ThresholdResult(
        np.full(n_cases, np.nan),
        np.full(n_cases, np.nan),
        np.full(n_cases, np.nan),
        np.zeros(n_cases, np.int64),
        np.full(n_cases, "ok", dtype="<U16"),
        np.full(n_cases, -1, np.int64),
        np.zeros(n_cases, np.int64),
    )


def _store(out: ThresholdResult, idx: list[int], r: ThresholdResult) -> None:
    """Write the results ``r`` of the cases ``idx`` into ``out``."""
    out.threshold_ma[idx] = r.threshold_ma
    out.lower_ma[idx] = r.lower_ma
    out.upper_ma[idx] = r.upper_ma
    out.n_sims[idx] = r.n_sims
    out.status[idx] = r.status
    out.initiation_node[idx] = r.initiation_node
    out.lower_fired_nodes[idx] = r.lower_fired_nodes


def protocol_thresholds(
    cases: Sequence[ProtocolCase],
    *,
    tolerance_rel: float = 1e-3,
    progress: Callable[[int], None] | None = None,
) -> ThresholdResult:
    """Thresholds of ``cases`` (any mix of models, diameters, waveforms), in input order.

    Cases sharing model, diameter, node count, dt, tstop and temperature form one lock-step
    batch. Returns a ThresholdResult of shape (n_cases,).
    """
    out = _empty_result(len(cases))
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        groups[_group_key(c)].append(i)
    for key, idx in groups.items():
        members = [cases[i] for i in idx]
        g = members[0].geometry()
        _, dt, tstop = key[2:5]
        phi = np.array([c.phi_mv_per_ma(g) for c in members])
        waves = np.array([c.unit_waveform() for c in members])
        r = find_thresholds(
            g, phi, waves, np.array([polarity(c.waveform) for c in members]),
            wave_index=np.arange(len(members)),
            pulse_width_ms=np.array([c.pulse_width_ms for c in members]),
            dt_ms=dt, tstop_ms=tstop, tolerance_rel=tolerance_rel, progress=progress,
        )  # fmt: skip
        _store(out, idx, r)
    return out


def _chunks(cases: Sequence[ProtocolCase], chunk_size: int) -> list[list[int]]:
    """Case indices grouped by geometry, then split into chunks of at most ``chunk_size``."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        groups[_group_key(c)].append(i)
    return [
        idx[j : j + chunk_size] for idx in groups.values() for j in range(0, len(idx), chunk_size)
    ]


def _chunk_bytes(cases: Sequence[ProtocolCase], idx: list[int]) -> int:
    c = cases[idx[0]]  # the cases of a chunk share one cable and one time grid
    _, dt, tstop = c.resolved()
    return simulation_bytes(c.n_sections(), round(tstop / dt), len(idx))


def thresholds_memory_bytes(
    cases: Sequence[ProtocolCase], *, chunk_size: int = 64, workers: int = 1
) -> tuple[int, int]:
    """Estimated peak memory of :func:`run_thresholds` (bytes) and the index of the case whose
    chunk needs the most: the ``workers`` largest chunks run at once."""
    chunks = _chunks(cases, chunk_size)
    if not chunks:
        return 0, -1
    sizes = sorted(((_chunk_bytes(cases, idx), idx[0]) for idx in chunks), reverse=True)
    return sum(b for b, _ in sizes[: max(workers, 1)]), sizes[0][1]


def _run_chunk(cases: list[ProtocolCase], tolerance_rel: float) -> ThresholdResult:
    return protocol_thresholds(cases, tolerance_rel=tolerance_rel)


def check_thresholds_memory(
    cases: Sequence[ProtocolCase],
    *,
    chunk_size: int = 64,
    workers: int = 1,
    memory_budget_mb: float | None = None,
) -> int:
    """Raise InputError when :func:`run_thresholds` would need more memory than the budget.

    ``workers``: chunks that run at once (1 for a Dask cluster: one chunk per worker there).
    The error names the field that makes the work large (a case's ``tstop_ms`` or ``n_nodes``,
    or ``chunk_size``), its value, the estimate and the budget. Returns the estimate (bytes).
    """
    budget = memory_budget_bytes(memory_budget_mb)
    at_once = workers
    estimate, worst = thresholds_memory_bytes(cases, chunk_size=chunk_size, workers=at_once)
    if worst >= 0 and estimate > budget:
        c = cases[worst]
        n_nodes, dt, tstop = c.resolved()
        n_steps, n_sec = round(tstop / dt), c.n_sections()
        value: float
        if simulation_bytes(n_sec, n_steps, 1) <= budget:
            field, value = "chunk_size", chunk_size
            what = f" with {at_once} chunk(s) at once"
        elif WAVE_ARRAYS * n_steps >= STATE_ARRAYS * n_sec:
            field, value = f"case {worst + 1}: tstop_ms", tstop
            what = f" ({n_steps} steps of dt_ms = {dt:g})"
        else:
            field, value = f"case {worst + 1}: n_nodes", n_nodes
            what = f" ({n_sec} sections)"
        check_memory(field, value, estimate, budget, what)
    return estimate


def connect_scheduler(scheduler: Any) -> Any:
    """A Dask client for ``scheduler`` (an address or a Client); InputError if it cannot be
    reached within SCHEDULER_TIMEOUT_S (the caller closes a client it did not pass in)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(
            "scheduler", scheduler, "needs dask.distributed; install neurostim[distributed]"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler
    try:
        return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
    except Exception as exc:  # any failure to connect is the address's problem
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        raise InputError(
            "scheduler",
            scheduler,
            f"cannot connect within {SCHEDULER_TIMEOUT_S:g} s ({reason}); give a running "
            "scheduler's address, e.g. tcp://host:8786",
        ) from None


def run_thresholds(
    cases: Sequence[ProtocolCase],
    *,
    tolerance_rel: float = 1e-3,
    scheduler: str | None = None,
    workers: int = 1,
    chunk_size: int = 64,
    progress: Callable[[int], None] | None = None,
    memory_budget_mb: float | None = None,
) -> ThresholdResult:
    """Thresholds of ``cases`` in chunks: in this process (``workers=1``), in local processes,
    or on a Dask distributed cluster (``scheduler="tcp://host:port"``, or a ``Client``).

    ``progress`` is called with the number of cases finished (per round in-process, per chunk
    otherwise). Results are in input order.

    Raises
    ------
    InputError
        ``chunk_size`` or ``workers`` < 1; work whose estimated memory exceeds the budget
        (``memory_budget_mb``, default half the available memory; for a Dask cluster, one
        chunk must fit it); a scheduler that cannot be reached within SCHEDULER_TIMEOUT_S.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError("chunk_size", chunk_size, "must be a whole number >= 1")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError("workers", workers, "must be a whole number >= 1")
    check_thresholds_memory(
        cases, chunk_size=chunk_size, workers=1 if scheduler is not None else workers,
        memory_budget_mb=memory_budget_mb,
    )  # fmt: skip
    out = _empty_result(len(cases))
    chunks = _chunks(cases, chunk_size)

    if scheduler is not None:
        client = connect_scheduler(scheduler)
        from dask.distributed import Client, as_completed

        try:
            futures = {
                client.submit(_run_chunk, [cases[i] for i in idx], tolerance_rel, pure=False): idx
                for idx in chunks
            }
            for fut in as_completed(futures):
                idx = futures[fut]
                _store(out, idx, fut.result())
                if progress is not None:
                    progress(len(idx))
        finally:
            if not isinstance(scheduler, Client):
                client.close()
    elif workers > 1 and len(chunks) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures import as_completed as done

        with ProcessPoolExecutor(max_workers=workers) as pool:
            futs = {
                pool.submit(_run_chunk, [cases[i] for i in idx], tolerance_rel): idx
                for idx in chunks
            }
            for fut in done(futs):
                _store(out, futs[fut], fut.result())
                if progress is not None:
                    progress(len(futs[fut]))
    else:
        for idx in chunks:
            chunk = [cases[i] for i in idx]
            r = protocol_thresholds(chunk, tolerance_rel=tolerance_rel, progress=progress)
            _store(out, idx, r)
    return out


__all__ = [
    "check_thresholds_memory",
    "connect_scheduler",
    "process_context",
    "protocol_thresholds",
    "run_thresholds",
    "simulation_bytes",
    "thresholds_memory_bytes",
]
