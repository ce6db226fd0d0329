"""Crossover rules of a protocol, evaluated on the measures of one visit.

Grammar: clauses joined by ``and``; a clause is ``QUANTITY OP NUMBER`` with ``OP`` one of
``<``, ``<=``, ``>``, ``>=``, or the flag ``dissatisfied`` (PGIC at or above
``pgic.dissatisfied_min`` of ``data/outcomes.toml``). ``""`` or ``always`` (alone) lets every
eligible patient cross. The protocol checks a rule with :func:`parse_rule` when it is read.
Quantities, per patient at the visit:

* ``relief``: overall relief, ``1 - overall_nrs / baseline_overall_nrs``;
* ``nrs``: overall NRS;
* ``REGION_relief`` / ``REGION_nrs``: the mean over the patient's painful regions whose name is
  ``REGION`` or starts with ``REGION_`` (``leg_relief`` averages ``leg_left`` and ``leg_right``);
  region relief is ``1 - nrs / baseline_nrs``;
* ``pgic``: the 7-point global impression of change (1 = very much improved).

Examples: PROCESS ``leg_relief < 0.5`` at 6 months; SENZA-PDN ``relief < 0.5`` at 6 months.
"""

from __future__ import annotations

import operator
import re
import warnings
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError

OPERATORS: dict[str, Callable[[NDArray[np.float64], float], NDArray[np.bool_]]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CLAUSE = re.compile(
    r"^\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>)\s*([-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?)\s*$"
)


def _region_mean(
    values: NDArray[np.float64], names: tuple[str, ...], prefix: str
) -> NDArray[np.float64]:
    cols = [j for j, name in enumerate(names) if name == prefix or name.startswith(prefix + "_")]
    if not cols:
        return np.full(values.shape[0], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no such painful region
        return np.nanmean(values[:, cols], axis=1)


def rule_quantity(
    name: str, visit: Mapping[str, object], region_names: tuple[str, ...]
) -> NDArray[np.float64]:
    """(n,) the quantity ``name`` at a visit (keys: ``overall_nrs``, ``baseline_overall_nrs``,
    ``nrs``, ``baseline_nrs``, ``pgic``); NaN where undefined (then the clause is false)."""
    overall = np.asarray(visit["overall_nrs"], dtype=np.float64)
    base_overall = np.asarray(visit["baseline_overall_nrs"], dtype=np.float64)
    nrs = np.asarray(visit["nrs"], dtype=np.float64)
    base = np.asarray(visit["baseline_nrs"], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "relief":
            return 1.0 - overall / base_overall
        if name == "nrs":
            return overall
        if name == "pgic":
            return np.asarray(visit["pgic"], dtype=np.float64)
        for suffix in ("_relief", "_nrs"):
            if name.endswith(suffix):
                prefix = name[: -len(suffix)]
                if not any(r == prefix or r.startswith(prefix + "_") for r in region_names):
                    break
                values = 1.0 - nrs / base if suffix == "_relief" else nrs
                return _region_mean(values, region_names, prefix)
    regions = ", ".join(f"{r}_relief, {r}_nrs" for r in region_names)
    raise InputError("crossover.rule", name, f"a quantity among relief, nrs, pgic, {regions}")


FLAGS = ("dissatisfied",)


def parse_rule(rule: str | None) -> list[tuple[str, str, float]]:
    """The clauses ``(quantity, operator, value)`` of ``rule`` (empty = always); a flag is
    ``(flag, "", nan)``."""
    text = (rule or "").strip().lower()
    if text in ("", "always"):
        return []
    clauses: list[tuple[str, str, float]] = []
    for part in re.split(r"\s+and\s+", text):
        if part.strip() in FLAGS:
            clauses.append((part.strip(), "", float("nan")))
            continue
        match = _CLAUSE.match(part)
        if match is None:
            raise InputError(
                "crossover.rule", rule,
                "clauses 'QUANTITY OP NUMBER' or 'dissatisfied' joined by 'and' "
                "(OP: <, <=, >, >=), or 'always' alone",
            )  # fmt: skip
        name, value = match.group(1), float(match.group(3))
        _check_quantity(rule, name, value)
        clauses.append((name, match.group(2), value))
    if text.split()[0] == "always":
        raise InputError("crossover.rule", rule, "'always' cannot be combined with other clauses")
    return clauses


def _quantities() -> list[str]:
    from neurostim.patient.regions import load_regions

    prefixes = sorted({name.split("_")[0] for name in load_regions()} | set(load_regions()))
    return ["relief", "nrs", "pgic", *[f"{p}_{s}" for p in prefixes for s in ("relief", "nrs")]]


def _check_quantity(rule: str | None, name: str, value: float) -> None:
    allowed = _quantities()
    if name not in allowed:
        raise InputError("crossover.rule", rule, f"a quantity among {', '.join(allowed)}")
    if name.endswith("relief") and not 0.0 <= value <= 1.0:
        raise InputError("crossover.rule", rule, f"a relief threshold ({name}) in [0, 1]")


def evaluate_rule(
    rule: str | None, visit: Mapping[str, object], region_names: tuple[str, ...]
) -> NDArray[np.bool_]:
    """(n,) whether ``rule`` holds for each patient at the visit (see :func:`rule_quantity`)."""
    n = np.asarray(visit["overall_nrs"]).shape[0]
    holds = np.ones(n, dtype=bool)
    for name, op, value in parse_rule(rule):
        if name == "dissatisfied":
            from neurostim.clinic._params import outcome_parameters

            pgic = np.asarray(visit["pgic"])
            holds &= (pgic >= outcome_parameters().pgic.dissatisfied_min) & (pgic > 0)
            continue
        q = rule_quantity(name, visit, region_names)
        with np.errstate(invalid="ignore"):
            holds &= np.asarray(OPERATORS[op](q, value), dtype=bool) & np.isfinite(q)
    return holds


__all__ = ["OPERATORS", "evaluate_rule", "parse_rule", "rule_quantity"]
