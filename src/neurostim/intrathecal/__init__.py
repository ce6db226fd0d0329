"""neurostim.intrathecal: implanted drug pump, drug library, dosing arithmetic, CSF PK and effect.

Modules: ``pumps`` (profiles as data), ``drugs`` (library as data, user overrides), ``program``
(pump-program TOML models), ``checks`` (all refusals and warnings), ``calculations`` (the
programmer's arithmetic), ``bolus`` (patient-bolus gate), ``titration``, ``events`` (months of
pump life), ``pharmacokinetics`` and ``effect``. See ``docs/intrathecal.md``.
"""

from neurostim.intrathecal.bolus import BolusGate, decide_requests
from neurostim.intrathecal.calculations import (
    BatteryPlan,
    RefillPlan,
    battery_plan,
    bolus_rate_ml_per_day,
    catheter_volume_ml,
    daily_volume_ml,
    days_to_empty,
    days_to_low_reservoir_alarm,
    days_until_volume,
    drug_front_delay_days,
    earliest_refill_days,
    implanted_catheter_length_cm,
    priming_volume_ml,
    reconciliation_flagged,
    reconciliation_ratio,
    refill_date,
    refill_date_after_change,
    refill_plan,
    worst_case_daily_volume_ml,
)
from neurostim.intrathecal.checks import check_program
from neurostim.intrathecal.conversions import conversion_routes, to_intrathecal_morphine_mg
from neurostim.intrathecal.drugs import (
    AdvisoryLimit,
    Drug,
    TitrationRule,
    load_drug_library,
    shipped_drug_library,
)
from neurostim.intrathecal.effect import effect_over_time, effect_site_ng_per_ml, emax_fraction
from neurostim.intrathecal.events import PumpEvent, PumpSimulation, SimulationOptions, simulate_pump
from neurostim.intrathecal.history import concentration_for_history, history_rate_steps
from neurostim.intrathecal.pharmacokinetics import (
    EffectParameters,
    PKParameters,
    concentration_from_rate_steps,
    csf_concentration_ng_per_ml,
    get_pk,
    steady_state_ng_per_ml,
    time_to_fraction_h,
)
from neurostim.intrathecal.program import (
    FlexStep,
    PatientBolus,
    Priming,
    PumpProgram,
    SingleBolus,
    load_program,
    parse_program,
)
from neurostim.intrathecal.pumps import PumpProfile, get_pump, load_pump_profiles
from neurostim.intrathecal.report import CheckReport, Finding
from neurostim.intrathecal.spread import length_constants_cm, spread_fraction
from neurostim.intrathecal.titration import TitrationStep, increase_findings, review_titration

__all__ = [
    "AdvisoryLimit",
    "BatteryPlan",
    "BolusGate",
    "CheckReport",
    "Drug",
    "EffectParameters",
    "Finding",
    "FlexStep",
    "PKParameters",
    "PatientBolus",
    "Priming",
    "PumpEvent",
    "PumpProfile",
    "PumpProgram",
    "PumpSimulation",
    "RefillPlan",
    "SimulationOptions",
    "SingleBolus",
    "TitrationRule",
    "TitrationStep",
    "battery_plan",
    "bolus_rate_ml_per_day",
    "catheter_volume_ml",
    "check_program",
    "concentration_for_history",
    "concentration_from_rate_steps",
    "conversion_routes",
    "csf_concentration_ng_per_ml",
    "daily_volume_ml",
    "days_to_empty",
    "days_to_low_reservoir_alarm",
    "days_until_volume",
    "decide_requests",
    "drug_front_delay_days",
    "earliest_refill_days",
    "effect_over_time",
    "effect_site_ng_per_ml",
    "emax_fraction",
    "get_pk",
    "get_pump",
    "history_rate_steps",
    "implanted_catheter_length_cm",
    "increase_findings",
    "length_constants_cm",
    "load_drug_library",
    "load_program",
    "load_pump_profiles",
    "parse_program",
    "priming_volume_ml",
    "reconciliation_flagged",
    "reconciliation_ratio",
    "refill_date",
    "refill_date_after_change",
    "refill_plan",
    "review_titration",
    "shipped_drug_library",
    "simulate_pump",
    "spread_fraction",
    "steady_state_ng_per_ml",
    "time_to_fraction_h",
    "to_intrathecal_morphine_mg",
    "worst_case_daily_volume_ml",
]
