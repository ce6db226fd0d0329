"""In-silico trials: a protocol's replicate trials, on Dask, summarized as the paper's table.

One replicate (:func:`simulate_replicate`) draws the protocol's patients from its indication and
inclusion criteria (:func:`neurostim.patient.generate_cohort`), randomizes them to the arms,
runs each arm through the pathway (:func:`neurostim.clinic.pathway.simulate_arm`) and evaluates
every endpoint (:func:`neurostim.clinic.outcomes.evaluate_endpoints`). :func:`run_trial` runs
``replicates`` of them (replicate ``r`` draws from ``SeedSequence(seed, spawn_key=(r,))``, so a
seed gives the same table on any number of workers) and reports, per endpoint and arm, the
median over replicates and the central 95 % of the replicate trials (``ci95``): the spread a
trial of the protocol's size would show from sampling alone, against which a published value is
judged (patient-clinic.md §6.4).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from neurostim.clinic._dask import check_task_memory, check_workers, map_tasks
from neurostim.clinic.outcomes import evaluate_differences, evaluate_endpoints
from neurostim.clinic.pathway import simulate_arm
from neurostim.clinic.protocol import Protocol, load_protocol
from neurostim.errors import InputError
from neurostim.patient.cohort import generate_cohort
from neurostim.patient.pain import (
    IntrathecalTherapy,
    NoTherapy,
    PainModel,
    PainParameters,
    ScsTherapy,
    Therapy,
    load_parameters,
)

MAX_REPLICATES = 100_000
MAX_SEED = 2**63 - 1
ID_STRIDE = 10_000_000
"""Patient ids of replicate r start at r * ID_STRIDE."""
BATCH = 5
"""Replicates per Dask task (one task's overhead is about a few ms; a replicate tens of ms)."""


# --- therapies ----------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _scs_parts(program_path: str, level: str) -> tuple[Any, Any, str, str]:
    from neurostim.device import load_program
    from neurostim.patient.coverage import coverage_table
    from neurostim.patient.relief import paradigm_of, relief_table

    program = load_program(program_path)
    return (
        coverage_table(program_path, level=level),
        relief_table(),
        paradigm_of(program),
        (program.name or Path(program_path).stem),
    )


@lru_cache(maxsize=8)
def _it_response(program_path: str) -> Any:
    from neurostim.patient.relief import intrathecal_response

    return intrathecal_response(program_path)


def build_therapy(
    therapy: Any, program: Path | str | None, params: PainParameters, *, level: str = "T10"
) -> Therapy:
    """The :class:`~neurostim.patient.pain.Therapy` of a protocol arm's ``therapy`` table, its
    program file resolved (``Protocol.program_path``)."""
    kind = therapy.kind
    if kind in ("cmm", "placebo"):
        return NoTherapy(kind)
    if kind == "scs":
        coverage, relief, paradigm, name = _scs_parts(str(program), level)
        return ScsTherapy(coverage, relief, paradigm, params, name=name)
    if kind == "intrathecal":
        return IntrathecalTherapy(_it_response(str(program)), params, program_path=str(program))
    raise InputError("therapy.kind", kind, "scs, cmm, placebo or intrathecal")


# --- one replicate -------------------------------------------------------------------------------
def replicate_rng(seed: int, replicate: int) -> np.random.Generator:
    """The random stream of replicate ``replicate`` of a run seeded ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate,)))


def simulate_replicate(
    protocol: Protocol,
    replicate: int,
    seed: int,
    params: PainParameters | None = None,
) -> dict[str, Any]:
    """One replicate trial: ``{"replicate", "patients", "rows"}``, ``rows`` the endpoint values
    ``{"id", "arm", "month", "value"}`` (the endpoints at their months and, for the plot, at every
    follow-up month: ``"curve": True``)."""
    params = load_parameters() if params is None else params
    rng = replicate_rng(seed, replicate)
    model = PainModel(params)
    n_arms = [arm.n for arm in protocol.arms]
    n_total = int(sum(n_arms))
    level = _level(protocol)
    cohort = generate_cohort(
        protocol.indication, n_total, rng, inclusion=protocol.inclusion.as_mapping(), level=level
    )
    # ids unique across replicates: per-patient hashed draws (posture habits, visit noise of
    # secondary measures) must not repeat from one replicate trial to the next
    cohort = replace(cohort, patient_id=cohort.patient_id + replicate * ID_STRIDE)
    assignment = rng.permutation(np.repeat(np.arange(len(n_arms)), n_arms))
    therapies = {
        arm.id: build_therapy(arm.therapy, protocol.program_path(arm.id), params, level=level)
        for arm in protocol.arms
    }
    records = {}
    for a, arm in enumerate(protocol.arms):
        target = protocol.crossover_target(arm.id)
        other = None if target is None else therapies[target]
        records[arm.id] = simulate_arm(
            cohort.subset(assignment == a), therapies[arm.id], protocol, arm.id, model, rng,
            crossover_therapy=other,
        )  # fmt: skip
    main = evaluate_endpoints(records, protocol)
    rows = [dict(r, curve=False) for r in main]
    rows += [dict(r, curve=False, difference=True) for r in evaluate_differences(main, protocol)]
    for row in evaluate_endpoints(records, curve_protocol(protocol)):
        rows.append(dict(row, curve=True))
    return {"replicate": replicate, "patients": n_total, "rows": rows}


def curve_protocol(protocol: Protocol) -> Protocol:
    """``protocol`` with each endpoint evaluated at every follow-up month (the figure's curves)."""
    endpoints = [
        e.model_copy(update={"month": float(m)})
        for e in protocol.endpoints
        for m in protocol.follow_up_months
    ]
    return protocol.model_copy(update={"endpoints": endpoints, "differences": []})


def _level(protocol: Protocol) -> str:
    for arm in protocol.arms:
        level = getattr(arm.therapy, "lead_level", None)
        if level:
            return "T10" if level in ("T8", "T9", "T10", "T11") else str(level)
    return "T10"


def _batch(
    replicates: Sequence[int], *, protocol: Protocol, seed: int, params: PainParameters
) -> list[dict[str, Any]]:
    return [simulate_replicate(protocol, r, seed, params) for r in replicates]


# --- many replicates --------------------------------------------------------------------------
@dataclass
class TrialResult:
    """Replicate trials of one protocol, summarized (:meth:`to_dict` is the JSON contract)."""

    protocol: Protocol
    replicates: int
    seed: int
    runtime_s: float
    patients_simulated: int
    values: dict[tuple[str, str, float, bool], np.ndarray] = field(repr=False)
    """(endpoint id, arm, month, curve) -> (replicates,) values"""
    difference_values: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    """(difference id, arm a, arm b) -> (replicates,) values of the protocol's [[differences]]"""

    def endpoints(self, curve: bool = False) -> list[dict[str, Any]]:
        """Median and central 95 % per endpoint and arm (``curve``: at every follow-up month)."""
        out = []
        for (eid, arm, month, is_curve), v in self.values.items():
            if is_curve != curve:
                continue
            out.append({"id": eid, "arm": arm, "month": month, **_summary(v)})
        return out

    def differences(self) -> list[dict[str, Any]]:
        """The protocol's ``[[differences]]`` (with its published value), then, per endpoint
        with two or more arms, the first arm minus each other arm; per replicate, summarized."""
        out = []
        by_id = {d.id: d for d in self.protocol.differences}
        for (did, a, b), v in self.difference_values.items():
            d = by_id[did]
            out.append({"id": did, "arms": [a, b], **_summary(v), "scale": d.scale,
                        "published": d.published})  # fmt: skip
        arms = [a.id for a in self.protocol.arms]
        for endpoint in self.protocol.endpoints:
            key0 = (endpoint.id, arms[0], float(endpoint.month), False)
            if key0 not in self.values:
                continue
            for other in arms[1:]:
                key1 = (endpoint.id, other, float(endpoint.month), False)
                if key1 in self.values:
                    diff = self.values[key0] - self.values[key1]
                    out.append({"id": endpoint.id, "arms": [arms[0], other], **_summary(diff),
                                "scale": "difference", "published": None})  # fmt: skip
        return out

    def table(self) -> list[dict[str, Any]]:
        """One row per endpoint and arm with the protocol's published value and whether it lies
        inside the simulated interval (None where the protocol gives none)."""
        rows = []
        by_id = {e.id: e for e in self.protocol.endpoints}
        for row in self.endpoints():
            endpoint = by_id[row["id"]]
            published = endpoint.published_for(row["arm"])
            lo, hi = row["ci95"]
            inside = None
            if published is not None and lo is not None:
                inside = bool(lo <= published <= hi)
            rows.append({
                "id": row["id"], "arm": row["arm"], "month": row["month"],
                "measure": endpoint.measure, "kind": endpoint.kind, "analysis": endpoint.analysis,
                "median": row["median"], "ci95_lo": lo, "ci95_hi": hi,
                "published": published, "inside": inside,
            })  # fmt: skip
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol.name,
            "replicates": self.replicates,
            "seed": self.seed,
            "runtime_s": round(self.runtime_s, 3),
            "patients_simulated": self.patients_simulated,
            "endpoints": self.endpoints(),
            "differences": self.differences(),
            "table": self.table(),
        }


def _summary(values: np.ndarray) -> dict[str, Any]:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"median": None, "ci95": [None, None], "n_replicates": 0}
    lo, med, hi = np.percentile(v, [2.5, 50.0, 97.5])
    return {"median": float(med), "ci95": [float(lo), float(hi)], "n_replicates": int(v.size)}


def check_run_options(replicates: int, seed: int) -> None:
    """``replicates`` and ``seed`` in range (InputError naming the option)."""
    if isinstance(replicates, bool) or not isinstance(replicates, int):
        raise InputError("replicates", replicates, f"an integer 1-{MAX_REPLICATES}")
    if not 1 <= replicates <= MAX_REPLICATES:
        raise InputError("replicates", replicates, f"an integer 1-{MAX_REPLICATES}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError("seed", seed, f"an integer 0-{MAX_SEED}")


def run_trial(
    protocol: Protocol | str | Path,
    *,
    replicates: int = 200,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    params: PainParameters | None = None,
    memory_budget_mb: float | None = None,
) -> TrialResult:
    """Run ``replicates`` trials of ``protocol`` (a :class:`Protocol` or its TOML file).

    ``workers=0`` runs in this process; ``None`` starts a local Dask cluster with one worker per
    core; ``scheduler`` uses a running Dask scheduler instead. The same ``seed`` gives the same
    result whatever the workers.
    """
    check_run_options(replicates, seed)
    if not isinstance(protocol, Protocol):
        protocol = load_protocol(protocol)
    params = load_parameters() if params is None else params
    n_visits = len(protocol.follow_up_months) + 12  # routine and crossover visits
    check_task_memory(
        "replicates", replicates, BATCH * sum(a.n for a in protocol.arms) * n_visits,
        check_workers(workers) if scheduler is None else 1, memory_budget_mb,
    )  # fmt: skip
    start = time.perf_counter()
    batches = [list(range(i, min(i + BATCH, replicates))) for i in range(0, replicates, BATCH)]
    values: dict[tuple[str, str, float, bool], list[float]] = {}
    differences: dict[tuple[str, str, str], list[float]] = {}
    patients = 0
    for batch in map_tasks(
        _batch, batches, workers=workers, scheduler=scheduler, progress=progress,
        label=f"{protocol.name}: replicate trials (batches of {BATCH})",
        protocol=protocol, seed=seed, params=params,
    ):  # fmt: skip
        for rep in batch:
            patients += rep["patients"]
            for row in rep["rows"]:
                if row.get("difference"):
                    a, b = row["arms"]
                    differences.setdefault((row["id"], a, b), []).append(_float(row["value"]))
                    continue
                key = (row["id"], row["arm"], float(row["month"]), bool(row["curve"]))
                values.setdefault(key, []).append(_float(row["value"]))
    return TrialResult(
        protocol=protocol,
        replicates=replicates,
        seed=seed,
        runtime_s=time.perf_counter() - start,
        patients_simulated=patients,
        values={k: np.asarray(v) for k, v in values.items()},
        difference_values={k: np.asarray(v) for k, v in differences.items()},
    )


def _float(x: Any) -> float:
    if x is None:
        return math.nan
    return float(x)
