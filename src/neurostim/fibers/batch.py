"""Thresholds of many protocol cases: grouped by geometry, each group searched in lock-step."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from neurostim.fibers.cases import ProtocolCase, polarity
from neurostim.fibers.threshold import ThresholdResult, find_thresholds


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
    )


def _store(out: ThresholdResult, idx: list[int], r: ThresholdResult) -> None:
    """Write the results ``r`` of the cases ``idx`` into ``out``."""
    out.threshold_ma[idx] = r.threshold_ma
    out.lower_ma[idx] = r.lower_ma
    out.upper_ma[idx] = r.upper_ma
    out.n_sims[idx] = r.n_sims
    out.status[idx] = r.status
    out.initiation_node[idx] = r.initiation_node


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


def _run_chunk(cases: list[ProtocolCase], tolerance_rel: float) -> ThresholdResult:
    return protocol_thresholds(cases, tolerance_rel=tolerance_rel)


def run_thresholds(
    cases: Sequence[ProtocolCase],
    *,
    tolerance_rel: float = 1e-3,
    scheduler: str | None = None,
    workers: int = 1,
    chunk_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> ThresholdResult:
    """Thresholds of ``cases`` in chunks: in this process (``workers=1``), in local processes,
    or on a Dask distributed cluster (``scheduler="tcp://host:port"``, or a ``Client``).

    ``progress`` is called with the number of cases finished (per round in-process, per chunk
    otherwise). Results are in input order.
    """
    out = _empty_result(len(cases))
    chunks = _chunks(cases, chunk_size)

    if scheduler is not None:
        from dask.distributed import Client, as_completed

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
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


__all__ = ["protocol_thresholds", "run_thresholds"]
