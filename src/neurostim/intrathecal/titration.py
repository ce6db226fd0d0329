"""Titration: how fast a daily dose may rise, per the drug library's rule.

Reference ``intrathecal.md`` §2 and §4.

For an increase from the last accepted daily dose ``d0`` to ``d1``:

* ``d1 - d0 > max_increase_per_day`` or ``(d1 - d0) / d0 > max_increase_fraction`` -> the rule's
  severity (ziconotide, morphine: error; baclofen: warning);
* less than ``min_interval_h`` since the last increase -> the rule's severity;
* less than ``advised_interval_h`` since the last increase -> warning;
* more than ``max_increases_per_7_days`` increases in the rolling 7 days -> warning;
* within ``no_increase_within_h_of_start`` of therapy start (baclofen 24 h) -> error.

Decreases are always allowed (ziconotide: cut or stop by any amount); stopping a drug with
``taper_on_stop`` (clonidine, baclofen) warns. Comparisons allow a relative 1e-9 so that
7.2 - 4.8 = 2.4000000000000004 is not read as a step above 2.4. A step refused by an error is
not applied: the next step is compared with the last accepted dose. Checked by the worked case P5
in ``tests/intrathecal/test_titration.py`` (statuses exact).
"""

from __future__ import annotations

from dataclasses import dataclass

from neurostim.intrathecal.drugs import Drug
from neurostim.intrathecal.report import Finding
from neurostim.units import HOURS_PER_DAY

_REL = 1e-9


def _above(value: float, limit: float) -> bool:
    return value > limit * (1 + _REL) + 1e-12


def increase_findings(
    drug: Drug,
    indication: str,
    previous_dose_per_day: float,
    new_dose_per_day: float,
    hours_since_last_increase: float | None,
    increases_in_last_7_days: int = 0,
    hours_since_start: float | None = None,
    field: str = "dose_per_day",
) -> list[Finding]:
    """Findings for one change of the daily dose (empty when it follows the rule).

    ``hours_since_last_increase`` None: the interval is unknown (a warning says so).
    ``increases_in_last_7_days`` counts earlier increases in the 7 days before this one.
    """
    out: list[Finding] = []
    unit = f"{drug.unit}/day"
    d0, d1 = previous_dose_per_day, new_dose_per_day
    if d1 <= d0:
        if d1 == 0 and d0 > 0 and drug.taper_on_stop:
            out.append(
                Finding(
                    "warning",
                    "STOP_WITHOUT_TAPER",
                    field,
                    f"{drug.id} stopped from {d0:g} {unit}: taper instead "
                    f"(withdrawal risk {drug.withdrawal_risk})",
                )
            )
        return out
    rule = drug.titration_rule(indication)
    if (
        drug.no_increase_within_h_of_start is not None
        and hours_since_start is not None
        and hours_since_start < drug.no_increase_within_h_of_start
    ):
        out.append(
            Finding(
                "error",
                "INCREASE_TOO_SOON_AFTER_START",
                field,
                f"{field} = {d1:g} {unit} raises the dose {hours_since_start:g} h after "
                f"therapy start; {drug.id} allows no increase in the first "
                f"{drug.no_increase_within_h_of_start:g} h",
            )
        )
    if rule is None:
        out.append(
            Finding(
                "warning",
                "NO_TITRATION_RULE",
                field,
                f"{field} rises from {d0:g} to {d1:g} {unit}; the library has no titration rule "
                f"for {drug.id} ({indication}): check the step yourself",
            )
        )
        return out
    step = d1 - d0
    if rule.max_increase_per_day is not None and _above(step, rule.max_increase_per_day):
        out.append(
            Finding(
                rule.severity,
                "TITRATION_STEP",
                field,
                f"{field} = {d1:g} {unit} is a step of {step:g} {unit} from {d0:g}; {drug.id} "
                f"allows at most {rule.max_increase_per_day:g} {unit} per step ({rule.source})",
            )
        )
    if rule.max_increase_fraction is not None and d0 > 0:
        fraction = step / d0
        if _above(fraction, rule.max_increase_fraction):
            out.append(
                Finding(
                    rule.severity,
                    "TITRATION_STEP",
                    field,
                    f"{field} = {d1:g} {unit} is +{fraction:.0%} from {d0:g}; {drug.id} "
                    f"({indication}) allows at most +{rule.max_increase_fraction:.0%} per step "
                    f"({rule.source})",
                )
            )
    if hours_since_last_increase is None:
        out.append(
            Finding(
                "warning",
                "TITRATION_INTERVAL_UNKNOWN",
                "programmed_at",
                "programmed_at missing in this or the previous program: the interval since the "
                f"last increase (at least {rule.min_interval_h:g} h for {drug.id}) was not checked",
            )
        )
        return out
    h = hours_since_last_increase
    if h < rule.min_interval_h:
        out.append(
            Finding(
                rule.severity,
                "TITRATION_INTERVAL",
                "programmed_at",
                f"increase {h:g} h after the previous one; {drug.id} needs at least "
                f"{rule.min_interval_h:g} h between increases",
            )
        )
    elif rule.advised_interval_h is not None and h < rule.advised_interval_h:
        out.append(
            Finding(
                "warning",
                "TITRATION_INTERVAL_ADVISED",
                "programmed_at",
                f"increase {h:g} h after the previous one; {rule.advised_interval_h:g} h or more "
                f"is advised for {drug.id}",
            )
        )
    if (
        rule.max_increases_per_7_days is not None
        and increases_in_last_7_days + 1 > rule.max_increases_per_7_days
    ):
        out.append(
            Finding(
                "warning",
                "TITRATION_FREQUENCY",
                "programmed_at",
                f"{increases_in_last_7_days + 1} increases in 7 days; {drug.id} advises at most "
                f"{rule.max_increases_per_7_days}",
            )
        )
    return out


@dataclass(frozen=True)
class TitrationStep:
    """Outcome of one requested change: ``status`` ok | warning | error, and its findings."""

    time_h: float
    dose_per_day: float
    status: str
    findings: tuple[Finding, ...]


def review_titration(
    drug: Drug, indication: str, steps: list[tuple[float, float]]
) -> list[TitrationStep]:
    """Review a titration history ``[(time_h, dose_per_day), ...]`` (times increasing).

    The first entry starts therapy (from 0). Steps with an error are not applied.
    """
    out: list[TitrationStep] = []
    current = 0.0
    increases_h: list[float] = []
    start_h = steps[0][0] if steps else 0.0
    for t_h, dose in steps:
        since = t_h - increases_h[-1] if increases_h else None
        # the therapy start is not a titration increase: it counts for intervals, not frequency
        recent = sum(1 for g in increases_h[1:] if t_h - 7 * HOURS_PER_DAY < g <= t_h)
        if not increases_h and current == 0.0:
            findings = []
            if _above(dose, drug.start_dose_per_day[1]):
                findings.append(
                    Finding(
                        "warning",
                        "START_DOSE_HIGH",
                        "dose_per_day",
                        f"start dose {dose:g} {drug.unit}/day is above {drug.id}'s start range "
                        f"{drug.start_dose_per_day[0]:g}-{drug.start_dose_per_day[1]:g}",
                    )
                )
        else:
            findings = increase_findings(
                drug, indication, current, dose, since, recent, t_h - start_h
            )
        status = (
            "error"
            if any(f.severity == "error" for f in findings)
            else "warning"
            if findings
            else "ok"
        )
        if status != "error":
            if dose > current:
                increases_h.append(t_h)
            current = dose
        out.append(TitrationStep(t_h, dose, status, tuple(findings)))
    return out
