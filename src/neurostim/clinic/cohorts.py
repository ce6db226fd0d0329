"""A cohort through the care pathway under one therapy, streamed to Parquet.

:func:`simulate_cohort` is what ``neurostim cohort simulate`` calls: ``n_patients`` of one
indication, drawn in chunks of ``chunk_size`` (chunk ``k`` draws from ``SeedSequence(seed,
spawn_key=(k,))``, so the table is the same on any number of workers), each chunk through the
pathway of a single-arm protocol (trial phase with the usual 50 % rule, implant, visits at 1,
3, 6 months and every 6 months after, up to ``months``), written to Parquet chunk by chunk in
order: one row per patient and visit. At most a few chunks are in memory at once, whatever
``n_patients``; the file appears only when it is complete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neurostim._files import written_atomically
from neurostim.clinic._dask import check_task_memory, check_workers, map_tasks
from neurostim.clinic.pathway import simulate_arm
from neurostim.clinic.protocol import Protocol, protocol_from_dict
from neurostim.clinic.records import VisitRecords
from neurostim.errors import InputError
from neurostim.patient.cohort import generate_cohort
from neurostim.patient.pain import PainModel, PainParameters, load_parameters

MAX_PATIENTS = 10_000_000
MAX_MONTHS = 120
DEFAULT_CHUNK = 1000


def visit_months(months: float) -> list[float]:
    """Visits at 1, 3 and 6 months, then every 6 months, up to ``months``."""
    out = [m for m in (1.0, 3.0) if m <= months]
    out += [float(m) for m in range(6, int(months) + 1, 6)]
    if months not in out:
        out.append(float(months))
    return sorted(set(out))


def cohort_protocol(
    indication: str, therapy: dict[str, Any], months: float, n_patients: int
) -> Protocol:
    """The single-arm protocol a cohort runs through."""
    return protocol_from_dict({
        "name": f"cohort {indication}",
        "design": "single_arm",
        "indication": indication,
        "trial_phase": therapy["kind"] in ("scs", "intrathecal"),
        "trial_success_relief": 0.5,
        "follow_up_months": visit_months(months),
        # the arm's size is nominal here (chunks set how many patients are drawn at a time);
        # protocol files allow at most 1,000,000 per arm
        "arms": [{"id": therapy["kind"], "n": min(n_patients, 1_000_000), "therapy": therapy}],
        # a protocol names at least one endpoint; a cohort's table holds every visit anyway
        "endpoints": [{"id": "nrs_mean", "measure": "nrs", "kind": "mean",
                       "month": visit_months(months)[-1], "analysis": "itt"}],
    })  # fmt: skip


def records_table(records: VisitRecords, columns: dict[str, Any], id_offset: int) -> Any:
    """A pyarrow Table, one row per patient and visit, patient columns repeated."""
    import pyarrow as pa

    n, n_visits = records.overall_nrs.shape
    patient = np.repeat(np.arange(n), n_visits)
    data: dict[str, Any] = {
        "patient_id": (patient + id_offset).astype(np.int64),
        "month": np.tile(records.months, n),
        "therapy": np.full(n * n_visits, records.therapy_kind),
        "status": records.status.reshape(-1).astype(str),
    }
    for j, region in enumerate(records.region_names):
        data[f"nrs_{region}"] = records.nrs[:, :, j].reshape(-1)
    data["overall_nrs"] = records.overall_nrs.reshape(-1)
    data["odi"] = records.odi.reshape(-1)
    data["mme_per_day"] = records.mme_per_day.reshape(-1)
    data["pgic"] = records.pgic.reshape(-1)
    per_patient = {
        "implanted": records.implanted,
        "trial_success": records.trial_success,
        "explant_month": records.explant_month,
        "explant_reason": records.explant_reason.astype(str),
    }
    for name, value in {**per_patient, **columns}.items():
        if name in ("patient_id",):
            continue
        data[name if name not in data else f"baseline_{name}"] = np.repeat(value, n_visits)
    return pa.table(data)


def _chunk(
    chunk: tuple[int, int, int],
    *,
    protocol: Protocol,
    seed: int,
    params: PainParameters,
) -> Any:
    from neurostim.clinic.trial import build_therapy

    index, start, size = chunk
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    cohort = generate_cohort(
        protocol.indication, size, rng, inclusion=protocol.inclusion.as_mapping()
    )
    arm = protocol.arms[0]
    therapy = build_therapy(arm.therapy, protocol.program_path(arm.id), params)
    records = simulate_arm(cohort, therapy, protocol, arm.id, PainModel(params), rng)
    return records_table(records, cohort.to_columns(), start)


@dataclass(frozen=True)
class CohortRun:
    """What :func:`simulate_cohort` wrote."""

    path: Path
    n_patients: int
    n_rows: int
    runtime_s: float
    chunks: int


def simulate_cohort(
    indication: str,
    n_patients: int,
    output: str | Path,
    *,
    therapy: dict[str, Any] | None = None,
    months: float = 24.0,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    params: PainParameters | None = None,
    memory_budget_mb: float | None = None,
) -> CohortRun:
    """Simulate ``n_patients`` of ``indication`` under ``therapy`` (``{"kind": "scs",
    "program": path}``, default conventional medical management) for ``months``; Parquet at
    ``output``."""
    if isinstance(n_patients, bool) or not isinstance(n_patients, int):
        raise InputError("n", n_patients, f"an integer 1-{MAX_PATIENTS}")
    if not 1 <= n_patients <= MAX_PATIENTS:
        raise InputError("n", n_patients, f"an integer 1-{MAX_PATIENTS}")
    if not (isinstance(months, int | float) and 1 <= months <= MAX_MONTHS):
        raise InputError("months", months, f"1-{MAX_MONTHS} months")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError("chunk_size", chunk_size, "a positive integer")
    if Path(output).suffix.lower() != ".parquet":
        raise InputError("output", str(output), "a .parquet file")
    protocol = cohort_protocol(indication, therapy or {"kind": "cmm"}, months, n_patients)
    size = min(chunk_size, n_patients)
    n_visits = len(protocol.follow_up_months) + 12  # routine and crossover visits
    check_task_memory("chunk_size", chunk_size, size * n_visits,
                      check_workers(workers) if scheduler is None else 1,
                      memory_budget_mb)  # fmt: skip
    params = load_parameters() if params is None else params
    chunks = [
        (k, start, min(chunk_size, n_patients - start))
        for k, start in enumerate(range(0, n_patients, chunk_size))
    ]
    t0 = time.perf_counter()
    import pyarrow.parquet as pq

    rows = 0
    with written_atomically(output, field="output") as tmp:
        writer = None
        try:
            for table in map_tasks(
                _chunk, chunks, workers=workers, scheduler=scheduler, progress=progress,
                label=f"{indication}: patients (chunks of {chunk_size})",
                protocol=protocol, seed=seed, params=params,
            ):  # fmt: skip
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                rows += table.num_rows
        finally:
            if writer is not None:
                writer.close()
    return CohortRun(Path(output), n_patients, rows, time.perf_counter() - t0, len(chunks))
