"""No key of the shipped intrathecal data is shipped but never read.

Every key of every table in ``neurostim/intrathecal/data/*.toml`` must be registered below with
the line of package code that reads it; the test fails when a data file gains a key nobody reads
(register its reader or remove it) and when a registered reader disappears from the code.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import neurostim.intrathecal

PACKAGE = Path(neurostim.intrathecal.__file__).parent
CLI = PACKAGE.parent / "cli" / "pump.py"

# (table kind, key) -> (file under src/neurostim, code that reads the key)
READ_AT: dict[tuple[str, str], tuple[str, str]] = {
    # drugs.toml [drugs.<id>]
    ("drug", "name"): ("intrathecal/_summary.py", '"drug_name": drug.name'),
    ("drug", "unit"): ("intrathecal/_summary.py", '"unit": drug.unit'),
    ("drug", "opioid"): ("intrathecal/checks.py", "drug.opioid"),
    ("drug", "products"): ("intrathecal/_summary.py", "drug.products"),
    ("drug", "start_dose_per_day"): ("intrathecal/titration.py", "drug.start_dose_per_day"),
    ("drug", "max_dose_per_day"): ("intrathecal/drugs.py", "self.max_dose_per_day)"),
    ("drug", "max_dose_per_day_by_region"): (
        "intrathecal/drugs.py",
        "self.max_dose_per_day_by_region.get",
    ),
    ("drug", "max_concentration"): ("intrathecal/checks.py", "drug.max_concentration"),
    ("drug", "stability_days"): ("intrathecal/_summary.py", "drug.stability_days"),
    ("drug", "stability_days_diluted"): ("intrathecal/_summary.py", "drug.stability_days_diluted"),
    ("drug", "first_fill_stability_days"): (
        "intrathecal/_summary.py",
        "drug.first_fill_stability_days",
    ),
    ("drug", "stability_source"): ("intrathecal/_summary.py", "drug.stability_source"),
    ("drug", "withdrawal_risk"): ("intrathecal/checks.py", "drug.withdrawal_risk"),
    ("drug", "taper_on_stop"): ("intrathecal/titration.py", "drug.taper_on_stop"),
    ("drug", "no_increase_within_h_of_start"): (
        "intrathecal/titration.py",
        "drug.no_increase_within_h_of_start",
    ),
    ("drug", "titration"): ("intrathecal/drugs.py", "self.titration.get("),
    ("drug", "advisory"): ("intrathecal/checks.py", "drug.advisory"),
    ("drug", "source"): ("intrathecal/_summary.py", '"drug_source": drug.source'),
    ("drug", "confidence"): ("intrathecal/_summary.py", '"drug_confidence": drug.confidence'),
    # [drugs.<id>.titration.<indication>]
    ("titration", "max_increase_fraction"): (
        "intrathecal/titration.py",
        "rule.max_increase_fraction",
    ),
    ("titration", "max_increase_per_day"): (
        "intrathecal/titration.py",
        "rule.max_increase_per_day",
    ),
    ("titration", "min_interval_h"): ("intrathecal/titration.py", "rule.min_interval_h"),
    ("titration", "advised_interval_h"): ("intrathecal/titration.py", "rule.advised_interval_h"),
    ("titration", "max_increases_per_7_days"): (
        "intrathecal/titration.py",
        "rule.max_increases_per_7_days",
    ),
    ("titration", "severity"): ("intrathecal/titration.py", "rule.severity"),
    ("titration", "source"): ("intrathecal/titration.py", "({rule.source})"),
    # [[drugs.<id>.advisory]]
    ("advisory", "quantity"): ("intrathecal/checks.py", "adv.quantity"),
    ("advisory", "limit"): ("intrathecal/checks.py", "adv.limit"),
    ("advisory", "code"): ("intrathecal/checks.py", "adv.code"),
    ("advisory", "source"): ("intrathecal/checks.py", "adv.source"),
    # pumps.toml [pumps.<id>]
    ("pump", "name"): ("intrathecal/checks.py", "pump.name"),
    ("pump", "family"): ("intrathecal/_summary.py", '"pump_family": pump.family'),
    ("pump", "reservoir_ml"): ("intrathecal/checks.py", "pump.reservoir_ml"),
    ("pump", "min_rate_ml_per_day"): ("intrathecal/checks.py", "pump.min_rate_ml_per_day"),
    ("pump", "max_rate_ml_per_day"): ("intrathecal/checks.py", "pump.max_rate_ml_per_day"),
    ("pump", "flow_accuracy_fraction"): ("cli/pump.py", "pump.flow_accuracy_fraction"),
    ("pump", "default_low_reservoir_alarm_ml"): (
        "intrathecal/_summary.py",
        "pump.default_low_reservoir_alarm_ml",
    ),
    ("pump", "refill_residual_ml"): ("intrathecal/_summary.py", "pump.refill_residual_ml"),
    ("pump", "battery_life_years"): ("intrathecal/_summary.py", "pump.battery_life_years"),
    ("pump", "eri_to_eos_days"): ("intrathecal/_summary.py", "pump.eri_to_eos_days"),
    ("pump", "replacement_at_end_of_battery"): (
        "intrathecal/_summary.py",
        "pump.replacement_at_end_of_battery",
    ),
    ("pump", "mri_rule"): ("intrathecal/_summary.py", "pump.mri_rule"),
    ("pump", "mri_requires_empty_reservoir"): (
        "intrathecal/_summary.py",
        "pump.mri_requires_empty_reservoir",
    ),
    ("pump", "mri_hazard"): ("intrathecal/_event_steps.py", "pump.mri_hazard"),
    ("pump", "catheter_ml_per_cm"): ("intrathecal/_event_steps.py", "pump.catheter_ml_per_cm"),
    ("pump", "catheter_length_cm"): ("intrathecal/_event_steps.py", "pump.catheter_length_cm"),
    ("pump", "pump_dead_volume_ml"): ("intrathecal/_event_steps.py", "pump.pump_dead_volume_ml"),
    ("pump", "bolus_device"): ("intrathecal/checks.py", "pump.bolus_device"),
    ("pump", "bolus_forbidden_drugs"): ("intrathecal/checks.py", "pump.bolus_forbidden_drugs"),
    ("pump", "labelled_drugs"): ("intrathecal/checks.py", "pump.labelled_drugs"),
    ("pump", "representative"): ("intrathecal/_summary.py", "pump.representative"),
    ("pump", "source"): ("intrathecal/_summary.py", '"pump_source": pump.source'),
    # pharmacology.toml [pk.<drug>], [pk.<drug>.effect.<name>], [spread.<medium>]
    ("pk", "clearance_ml_per_min"): (
        "intrathecal/pharmacokinetics.py",
        "self.clearance_ml_per_min",
    ),
    ("pk", "half_life_h"): ("intrathecal/pharmacokinetics.py", "self.half_life_h"),
    ("pk", "volume_ml"): ("intrathecal/pharmacokinetics.py", "self.volume_ml"),
    ("pk", "effect"): ("intrathecal/events.py", "pk.effect.items()"),
    ("pk", "source"): ("cli/pump.py", "pk.source"),
    ("pk", "confidence"): ("cli/pump.py", "pk.confidence"),
    ("effect", "ke0_half_life_h"): ("intrathecal/effect.py", "params.ke0_half_life_h"),
    ("effect", "hill"): ("intrathecal/effect.py", "params.hill"),
    ("effect", "ec50_ng_per_ml"): ("intrathecal/effect.py", "params.ec50_ng_per_ml"),
    ("effect", "source"): ("cli/pump.py", "e.source"),
    ("spread", "length_constant_cm"): ("intrathecal/spread.py", ".length_constant_cm"),
    ("spread", "source"): ("intrathecal/spread.py", "source: str = Field(min_length=1)"),
    # conversions.toml [routes.<id>]
    ("route", "per_mg_it_morphine"): ("intrathecal/conversions.py", '["per_mg_it_morphine"]'),
    ("route", "per_mg_iv_morphine"): ("intrathecal/conversions.py", '["per_mg_iv_morphine"]'),
    ("route", "source"): ("intrathecal/conversions.py", "source: str = Field(min_length=1)"),
}


def _shipped(name: str) -> dict[str, Any]:
    text = resources.files("neurostim.intrathecal").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


def shipped_keys() -> set[tuple[str, str]]:
    """(table kind, key) of every key in the shipped data files."""
    out: set[tuple[str, str]] = set()
    for drug in _shipped("drugs.toml")["drugs"].values():
        out |= {("drug", k) for k in drug}
        for rule in drug.get("titration", {}).values():
            out |= {("titration", k) for k in rule}
        for advisory in drug.get("advisory", []):
            out |= {("advisory", k) for k in advisory}
    for pump in _shipped("pumps.toml")["pumps"].values():
        out |= {("pump", k) for k in pump}
    pharmacology = _shipped("pharmacology.toml")
    assert set(pharmacology) == {"pk", "spread"}
    for pk in pharmacology["pk"].values():
        out |= {("pk", k) for k in pk}
        for effect in pk.get("effect", {}).values():
            out |= {("effect", k) for k in effect}
    for medium in pharmacology["spread"].values():
        out |= {("spread", k) for k in medium}
    conversions = _shipped("conversions.toml")
    assert set(conversions) == {"routes"}
    for route in conversions["routes"].values():
        out |= {("route", k) for k in route}
    return out


def test_every_shipped_key_has_a_reader() -> None:
    unread = sorted(shipped_keys() - set(READ_AT))
    assert not unread, f"shipped but never read (register the reader or remove the key): {unread}"


def test_every_registered_reader_is_in_the_code() -> None:
    root = PACKAGE.parent
    missing = [
        (kind, key, path, snippet)
        for (kind, key), (path, snippet) in READ_AT.items()
        if snippet not in (root / path).read_text("utf-8")
    ]
    assert not missing, f"readers not found in the code: {missing}"


def test_registered_keys_are_all_shipped() -> None:
    # a key dropped from the data leaves a stale entry here: keep the two in step
    assert sorted(set(READ_AT) - shipped_keys()) == []
