"""Protocol files: a valid one loads; hostile ones are refused naming the field, the value and
what is allowed."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurostim.clinic import load_protocol, protocol_from_dict
from neurostim.clinic.rules import parse_rule
from neurostim.errors import InputError

VALID = """
name = "demo"
design = "parallel"
indication = "fbss"
trial_phase = true
trial_success_relief = 0.5
follow_up_months = [3, 6, 12, 24]

[inclusion]
baseline_nrs_min = 5.0
odi_min = 20
odi_max = 80
prior_scs = false

[[arms]]
id = "scs"
n = 50
therapy = { kind = "scs", program = "programs/tonic.toml", lead_level = "T9" }

[[arms]]
id = "cmm"
n = 45
therapy = { kind = "cmm" }

[crossover]
month = 6
rule = "leg_relief < 0.5"

[[endpoints]]
id = "leg_responder_6"
measure = "leg_nrs"
kind = "responder"
month = 6
analysis = "itt"
published = { scs = 0.48, cmm = 0.09 }
published_n = { scs = 50, cmm = 44 }
source = "P07"

[[endpoints]]
id = "explant_24"
measure = "explant"
kind = "rate"
month = 24
analysis = "mitt"
arms = ["scs"]

[[differences]]
id = "d6"
endpoint = "leg_responder_6"
arms = ["scs", "cmm"]
"""


@pytest.fixture
def protocol_file(tmp_path: Path) -> Path:
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "tonic.toml").write_text("# a program\n")
    path = tmp_path / "demo.toml"
    path.write_text(VALID)
    return path


def _data() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(VALID)


def test_valid_protocol_loads(protocol_file: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path.parent)  # program paths resolve against the file, not the cwd
    p = load_protocol(protocol_file)
    assert p.arm_ids == ("scs", "cmm")
    assert p.program_path("scs") == protocol_file.parent / "programs" / "tonic.toml"
    assert p.program_path("cmm") is None
    assert p.crossover_target("cmm") == "scs"
    assert p.crossover_target("scs") == "cmm"
    assert p.has_trial_phase("scs") and not p.has_trial_phase("cmm")
    assert p.endpoint_arms(p.endpoint("explant_24")) == ("scs",)
    assert p.inclusion.as_mapping() == {
        "baseline_nrs_min": 5.0,
        "odi_min": 20,
        "odi_max": 80,
        "prior_scs": False,
    }


def test_missing_program_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(VALID)
    with pytest.raises(InputError) as err:
        load_protocol(path)
    assert err.value.field == "arms[0].therapy.program"
    assert err.value.value == "programs/tonic.toml"
    assert load_protocol(path, check_files=False).name == "demo"


def _refused(change) -> InputError:
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(InputError) as err:
        protocol_from_dict(data, check_files=False)
    return err.value


@pytest.mark.parametrize(
    ("change", "field", "allowed"),
    [
        (lambda d: d.update(sponsor="x"), "sponsor", "allowed keys: name"),
        (lambda d: d["arms"][1].update(colour="red"), "arms[1].colour", "allowed keys: id, n"),
        (
            lambda d: d["arms"][1]["therapy"].update(dose=1),
            "arms[1].therapy.dose",
            "allowed keys: kind, program",
        ),
        (lambda d: d["inclusion"].update(bmi_max=45), "inclusion.bmi_max", "baseline_nrs_min"),
        (lambda d: d["endpoints"][0].update(unit="%"), "endpoints[0].unit", "allowed keys"),
        (lambda d: d["arms"][1]["therapy"].update(kind="drg"), "arms[1].therapy.kind", "'cmm'"),
        (lambda d: d["arms"][0].update(n=0), "arms[0].n", "[1,"),
        (lambda d: d["arms"][0].update(n=12.5), "arms[0].n", "integer"),
        (lambda d: d.update(follow_up_months=[3, 6, 121]), "follow_up_months[2]", "120"),
        (lambda d: d.update(follow_up_months=[3, 0, 6]), "follow_up_months[1]", "(0, 120]"),
        (lambda d: d.update(follow_up_months=[6, 3, 24]), "follow_up_months[1]", "increasing"),
        (lambda d: d.update(design="factorial"), "design", "'crossover'"),
        (lambda d: d.update(indication="migraine"), "indication", "'pdn'"),
        (lambda d: d.update(trial_success_relief=1.5), "trial_success_relief", "(0, 1]"),
        (lambda d: d.update(trial_phase="yes"), "trial_phase", "boolean"),
        (lambda d: d["endpoints"][0].update(measure="vas"), "endpoints[0].measure", "'back_nrs'"),
        (lambda d: d["endpoints"][0].update(kind="median"), "endpoints[0].kind", "'responder80'"),
        (lambda d: d["endpoints"][0].update(analysis="fas"), "endpoints[0].analysis", "'mitt'"),
        (lambda d: d["endpoints"][0].update(month=9), "endpoints[0].month", "3, 6, 12, 24"),
        (lambda d: d["endpoints"][1].update(kind="responder"), "endpoints[1].kind", "rate"),
        (lambda d: d["endpoints"][1].update(analysis="pp"), "endpoints[1].analysis", "mitt"),
        (lambda d: d["endpoints"][1].update(arms=["drg"]), "endpoints[1].arms[0]", "scs, cmm"),
        (lambda d: d["endpoints"][1].update(id="leg_responder_6"), "endpoints[1].id", "unique"),
        (
            lambda d: d["endpoints"][0].update(published={"scs": 48.0}),
            "endpoints[0].published.scs",
            "[0, 1]",
        ),
        (
            lambda d: d["endpoints"][0].update(published={"drg": 0.4}),
            "endpoints[0].published.drg",
            "scs, cmm",
        ),
        (
            lambda d: d["endpoints"][0].update(published_ci95={"scs": [0.6, 0.3]}),
            "endpoints[0].published_ci95.scs",
            "low",
        ),
        (lambda d: d["endpoints"][0].update(region="back"), "endpoints[0].region", "nrs"),
        (lambda d: d["endpoints"][0].update(threshold=5.0), "endpoints[0].threshold", "(0, 1]"),
        (lambda d: d["crossover"].update(month=36), "crossover.month", "24 months"),
        (lambda d: d["crossover"].update(month=9), "crossover.month", "visit"),
        (lambda d: d["crossover"].update(rule="relief < 50"), "crossover.rule", "[0, 1]"),
        (lambda d: d["crossover"].update(rule="pain > 3"), "crossover.rule", "leg_relief"),
        (lambda d: d["crossover"].update(to="drg"), "crossover.to", "scs, cmm"),
        (lambda d: d["arms"][1].update(id="scs"), "arms[1].id", "unique"),
        (lambda d: d["arms"][1].update(id="CMM arm"), "arms[1].id", "pattern"),
        (lambda d: d["arms"][0]["therapy"].pop("program"), "arms[0].therapy.program", "program"),
        (
            lambda d: d["arms"][1]["therapy"].update(program="x.toml"),
            "arms[1].therapy.program",
            "no program",
        ),
        (
            lambda d: d["arms"][1]["therapy"].update(lead_level="T9"),
            "arms[1].therapy.lead_level",
            "scs",
        ),
        (
            lambda d: d["arms"][0]["therapy"].update(lead_level="T13"),
            "arms[0].therapy.lead_level",
            "pattern",
        ),
        (lambda d: d["inclusion"].update(odi_max=10), "inclusion.odi_max", "odi_min"),
        (lambda d: d["inclusion"].update(baseline_nrs_min=11), "inclusion.baseline_nrs_min", "10"),
        (lambda d: d.update(design="single_arm"), "arms", "exactly one arm"),
        (lambda d: d.pop("crossover") and d.update(design="crossover"), "crossover", "needs"),
        (lambda d: d["differences"][0].update(endpoint="nope"), "differences[0].endpoint", "no"),
        (lambda d: d["differences"][0].update(arms=["scs", "scs"]), "differences[0].arms", "two"),
        (lambda d: d.pop("name"), "name", "required"),
    ],
)
def test_hostile_protocols_are_refused(change, field: str, allowed: str) -> None:
    err = _refused(change)
    assert err.field == field, str(err)
    assert allowed in err.message, str(err)


def test_nan_and_inf_refused() -> None:
    err = _refused(lambda d: d.update(follow_up_months=[3, 6, math.inf]))
    assert err.field == "follow_up_months[2]"
    err = _refused(lambda d: d["endpoints"][0].update(published={"scs": math.nan}))
    assert err.field.startswith("endpoints[0].published")


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such protocol file"):
        load_protocol(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(InputError, match="malformed TOML"):
        load_protocol(bad)
    extra = tmp_path / "extra.toml"
    extra.write_text("x = 1\n" + VALID)
    with pytest.raises(InputError) as err:
        load_protocol(extra, check_files=False)
    assert err.value.field == "x"


def test_crossover_rule() -> None:
    from neurostim.clinic.rules import evaluate_rule

    assert [c[0] for c in parse_rule("relief < 0.5 and dissatisfied")] == ["relief", "dissatisfied"]
    with pytest.raises(InputError, match="always"):
        parse_rule("always and relief < 0.5")
    data = _data()
    data["crossover"]["rule"] = "relief < 0.5 and dissatisfied"
    c = protocol_from_dict(data, check_files=False).crossover
    assert c is not None
    base = np.full((4, 1), 8.0)
    visit = {"overall_nrs": np.array([4.8, 3.2, np.nan, 7.2]), "baseline_overall_nrs": base[:, 0],
             "nrs": base * 0.5, "baseline_nrs": base, "pgic": np.array([5, 5, 5, 3])}  # fmt: skip
    # relief 0.4, 0.6, NaN, 0.1; PGIC 4 (no change) or worse is dissatisfied; NaN fails
    assert evaluate_rule(c.rule, visit, ("back",)).tolist() == [True, False, False, False]


def test_choice_lists_match_the_schema() -> None:
    import typing

    from neurostim.clinic import protocol as mod

    fields = mod.Protocol.model_fields
    assert typing.get_args(fields["design"].annotation) == mod.DESIGNS
    assert typing.get_args(fields["indication"].annotation) == mod.INDICATIONS
    assert typing.get_args(mod.Therapy.model_fields["kind"].annotation) == mod.THERAPY_KINDS
    ep = mod.Endpoint.model_fields
    assert typing.get_args(ep["measure"].annotation) == mod.MEASURES
    assert typing.get_args(ep["kind"].annotation) == mod.KINDS
    assert typing.get_args(ep["analysis"].annotation) == mod.ANALYSES
    assert set(mod.KINDS_BY_MEASURE) == set(mod.MEASURES) == set(mod.ANALYSES_BY_MEASURE)
