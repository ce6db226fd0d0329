"""Calibration against the published trials of patient-clinic.md §5, and the report of it.

The shipped protocols (:func:`neurostim.clinic.protocol.list_protocols`) are the calibration
studies of the specification, each endpoint with its published value. :func:`calibration_rows`
runs every study's replicate trials and gives, per endpoint and arm, the published value, the
simulated median and central 95 % of replicate trials, and whether the published value lies
inside (patient-clinic.md §6.4: accept when it does; misses are reported, never hidden).

:func:`fit` adjusts the pain model's parameters marked ``fitted = true`` (within their ``min`` -
``max``) to those studies only, minimizing the sum over published values of the squared
distance between the simulated median and the published value in units of the value's sampling
error in a trial of the study's size (a binomial SE for fractions, fixed scales for points).
Replicates use common random numbers (the same seeds at every evaluation), so the objective is
a deterministic function of the parameters. ``scripts/fit_clinic.py`` runs it and freezes the
result as ``neurostim/patient/data/fitted.toml``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from neurostim.clinic.protocol import list_protocols, load_protocol, shipped_protocol_path
from neurostim.clinic.trial import TrialResult, run_trial
from neurostim.patient.pain import PainParameters, fitted_parameters, load_parameters

FRACTION_KINDS = ("responder", "responder30", "responder80", "remitter", "mcid", "rate")
SCALE_POINTS = 0.5
"""Scale of an NRS or ODI-point endpoint in the objective (points)."""
SCALE_PERCENT = 6.0
"""Scale of a percent-change endpoint (percent of baseline)."""
FLOOR_FRACTION = 0.02
"""Added to a fraction's binomial SE (so a published 0 % or 100 % keeps a finite weight)."""


def _scale(kind: str, published: float, n_arm: int) -> float:
    if kind in FRACTION_KINDS:
        p = min(max(published, 0.0), 1.0)
        return math.sqrt(p * (1 - p) / max(n_arm, 1)) + FLOOR_FRACTION
    if kind == "percent_change":
        return SCALE_PERCENT
    return SCALE_POINTS


def run_studies(
    params: PainParameters,
    *,
    studies: Sequence[str] | None = None,
    replicates: int = 40,
    seed: int = 0,
    workers: int | None = 0,
    progress: bool = False,
) -> dict[str, TrialResult]:
    """Replicate trials of each shipped study (all by default) under ``params``."""
    names = list(list_protocols() if studies is None else studies)
    return {
        name: run_trial(
            load_protocol(shipped_protocol_path(name)),
            replicates=replicates,
            seed=seed,
            workers=workers,
            progress=progress,
            params=params,
        )
        for name in names
    }


def calibration_rows(results: dict[str, TrialResult]) -> list[dict[str, Any]]:
    """Per study, endpoint and arm with a published value: the comparison row (with the
    value's ``tag``: S read in the source, V verified earlier, R recalled)."""
    rows = []
    for name, result in results.items():
        arms = {a.id: a.n for a in result.protocol.arms}
        for row in result.table():
            if row["published"] is None:
                continue
            tag = result.protocol.endpoint(row["id"]).tag(row["arm"])
            rows.append({"study": name, "n_arm": arms.get(row["arm"], 0), "tag": tag, **row})
    return rows


FIT_TAGS = ("S", "V")
"""Published values the fit uses: read in the source (S) or verified (V); recalled values (R)
are reported, not fitted."""


def objective(rows: Sequence[dict[str, Any]], tags: Sequence[str] = FIT_TAGS) -> float:
    """Sum of squared scaled distances between simulated medians and published values."""
    total = 0.0
    for r in rows:
        if r.get("tag", "S") not in tags:
            continue
        if r["median"] is None:
            total += 100.0
            continue
        z = (r["median"] - r["published"]) / _scale(r["kind"], r["published"], r["n_arm"])
        total += z * z
    return total


def fit(
    names: Sequence[str] | None = None,
    *,
    studies: Sequence[str] | None = None,
    replicates: int = 20,
    seed: int = 0,
    max_evaluations: int = 300,
    processes: int = 2,
    log: Callable[[str], None] | None = print,
) -> dict[str, Any]:
    """Fit the named pain-model parameters (default: all marked fitted) to the studies.

    Returns ``{"parameters": {name: value}, "objective", "start_objective", "evaluations",
    "runtime_s"}``. Bounded Powell search in the unit cube of each parameter's ``min``-``max``.
    """
    from scipy.optimize import minimize

    bounds_all = fitted_parameters()
    names = list(bounds_all if names is None else names)
    start = np.array([(bounds_all[n][0] - bounds_all[n][1]) / (bounds_all[n][2] - bounds_all[n][1])
                      for n in names])  # fmt: skip
    t0 = time.perf_counter()
    history: list[float] = []

    def values(u: np.ndarray) -> dict[str, float]:
        u = np.clip(u, 0.0, 1.0)
        return {n: bounds_all[n][1] + float(x) * (bounds_all[n][2] - bounds_all[n][1])
                for n, x in zip(names, u, strict=True)}  # fmt: skip

    study_names = list(list_protocols() if studies is None else studies)
    pool = ProcessPoolExecutor(max_workers=processes) if processes > 1 else None

    def f(u: np.ndarray) -> float:
        overrides = values(u)
        jobs = [(name, overrides, replicates, seed) for name in study_names]
        parts = pool.map(_study_rows, jobs) if pool is not None else map(_study_rows, jobs)
        rows = [r for part in parts for r in part]
        value = objective(rows)
        history.append(value)
        if log is not None and (len(history) % 10 == 1 or value <= min(history)):
            log(f"evaluation {len(history)}: objective {value:.2f} (best {min(history):.2f})")
        return value

    try:
        start_value = f(start)
        res = minimize(
            f, start, method="Powell", bounds=[(0.0, 1.0)] * len(names),
            options={"maxfev": max_evaluations, "xtol": 1e-2, "ftol": 1e-3},
        )  # fmt: skip
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return {
        "parameters": values(res.x),
        "objective": float(res.fun),
        "start_objective": float(start_value),
        "evaluations": len(history),
        "runtime_s": time.perf_counter() - t0,
        "replicates": replicates,
        "seed": seed,
        "studies": list(list_protocols() if studies is None else studies),
    }


def _study_rows(job: tuple[str, dict[str, float], int, int]) -> list[dict[str, Any]]:
    """The comparison rows of one study under parameter overrides (a process pool's task)."""
    name, overrides, replicates, seed = job
    params = load_parameters(None, **overrides)
    return calibration_rows(run_studies(params, studies=[name], replicates=replicates, seed=seed))


def merged_with_frozen(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with the frozen values of the fitted parameters it did not fit (a fit of a
    subset keeps the rest of ``fitted.toml``)."""
    frozen = {name: value[0] for name, value in fitted_parameters().items()}
    return {**result, "parameters": {**frozen, **result["parameters"]}}


def fitted_toml(result: dict[str, Any]) -> str:
    """The ``fitted.toml`` text of a :func:`fit` result (overrides of ``pain_model.toml``)."""
    lines = [
        "# Pain-model parameters fitted to the calibration studies of patient-clinic.md §5 by",
        "# scripts/fit_clinic.py (neurostim.clinic.calibration.fit); they override the values",
        "# of pain_model.toml. Do not edit by hand: rerun the script.",
        f"# studies: {', '.join(result['studies'])}",
        f"# replicates per study: {result['replicates']}, seed {result['seed']}; objective "
        f"{result['start_objective']:.2f} -> {result['objective']:.2f} in "
        f"{result['evaluations']} evaluations",
        "",
    ]
    habituation: dict[str, float] = {}
    for name, value in result["parameters"].items():
        if name.startswith("habituation_") and name.endswith("_h"):
            habituation[name.removeprefix("habituation_").removesuffix("_h")] = value
            continue
        lines += [f"[parameters.{name}]", f"value = {value:.6g}", ""]
    for paradigm, value in habituation.items():
        lines += [f"[parameters.habituation.{paradigm}]", f"h = {value:.6g}", ""]
    return "\n".join(lines)
