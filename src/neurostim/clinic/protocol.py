"""Trial protocols as data: one TOML file per study (format: docs/clinic-protocols.md).

A protocol names the population (``indication``, ``[inclusion]``), the pathway (``trial_phase``,
``trial_success_relief``, ``follow_up_months``, ``[crossover]``), the arms (``[[arms]]``, each a
therapy and a number randomized) and what is measured (``[[endpoints]]``, ``[[differences]]``),
with the published value of each endpoint where a paper gave one. Months count from
randomization. :func:`load_protocol` reads a file and refuses unknown keys and impossible values
with an :class:`~neurostim.errors.InputError` naming the field (``arms[1].therapy.kind``), the
value and what is allowed. The calibration studies ship in ``data/trials``
(:func:`list_protocols`, :func:`shipped_protocol`).
"""

from __future__ import annotations

import re
import typing
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictBool, model_validator

from neurostim.anatomy._io import validated
from neurostim.clinic.rules import parse_rule
from neurostim.device._private import read_toml
from neurostim.errors import InputError

DESIGNS = ("parallel", "crossover", "single_arm")
INDICATIONS = ("fbss", "nsrbp", "crps", "pdn", "radiculopathy", "focal", "it_refractory")
THERAPY_KINDS = ("scs", "cmm", "placebo", "intrathecal")
MAX_MONTHS = 120.0
"""Longest follow-up a protocol may ask for (10 years)."""

MeasureName = Literal[
    "nrs", "back_nrs", "leg_nrs", "odi", "mme", "pgic",
    "explant", "complication", "infection", "migration", "revision", "implant", "crossover",
]  # fmt: skip
KindName = Literal[
    "responder", "responder30", "responder80", "remitter", "mcid", "mean", "mean_change",
    "percent_change", "rate",
]  # fmt: skip
AnalysisName = Literal["itt", "mitt", "pp", "as_treated", "crossed_over"]
MEASURES: tuple[str, ...] = typing.get_args(MeasureName)
PAIN_MEASURES = MEASURES[:3]
EVENT_MEASURES = MEASURES[6:]
KINDS: tuple[str, ...] = typing.get_args(KindName)
ANALYSES: tuple[str, ...] = typing.get_args(AnalysisName)

_PAIN_KINDS = ("responder", "responder30", "responder80", "remitter", "mcid", "mean")
KINDS_BY_MEASURE: dict[str, tuple[str, ...]] = {
    **{m: (*_PAIN_KINDS, "mean_change", "percent_change") for m in PAIN_MEASURES},
    "odi": ("mcid", "mean", "mean_change", "percent_change"),
    "mme": ("responder", "mean", "mean_change", "percent_change"),
    "pgic": ("responder", "mean"),
    **{m: ("rate",) for m in EVENT_MEASURES},
}
"""The endpoint kinds each measure allows."""
ANALYSES_BY_MEASURE: dict[str, tuple[str, ...]] = {
    **{m: ANALYSES for m in (*PAIN_MEASURES, "odi", "mme", "pgic")},
    "explant": ("itt", "mitt", "as_treated"),
    "complication": ("itt", "mitt", "pp", "as_treated"),
    "infection": ("itt", "mitt", "pp", "as_treated"),
    "migration": ("itt", "mitt", "pp", "as_treated"),
    "revision": ("itt", "mitt", "pp", "as_treated"),
    "implant": ("itt",),
    "crossover": ("itt", "mitt"),
}
"""The analysis sets each measure allows (an explant rate among the patients still on therapy,
or an implant rate among the implanted, is 0 or 1 by construction and refused)."""

RULE_QUANTITIES = ("relief", "back_relief", "leg_relief")
RULE_OPERATORS = ("<=", ">=", "<", ">")
RULE_FLAGS = ("always", "dissatisfied")

_ID = r"^[a-z][a-z0-9_]*$"
_LEVEL = r"^(C[1-7]|T([1-9]|1[0-2])|L[1-5])$"

Months = Annotated[float, Field(gt=0.0, le=MAX_MONTHS, allow_inf_nan=False)]
Fraction = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Tag = Literal["S", "V", "R"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Inclusion(_Model):
    """Who may be randomized: pain, disability, opioid dose, age, prior SCS (absent = any)."""

    baseline_nrs_min: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] | None = None
    """lowest baseline pain score (0-10) in the indication's primary regions"""
    odi_min: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] | None = None
    odi_max: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] | None = None
    prior_scs: StrictBool | None = None
    """true: only patients who had SCS before; false: only SCS-naive patients"""
    mme_max: Annotated[float, Field(ge=0.0, le=10_000.0, allow_inf_nan=False)] | None = None
    """highest opioid dose, morphine milligram equivalents per day"""
    age_min: Annotated[float, Field(ge=0.0, le=120.0, allow_inf_nan=False)] | None = None
    age_max: Annotated[float, Field(ge=0.0, le=120.0, allow_inf_nan=False)] | None = None
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Inclusion:
        for low, high in (("odi_min", "odi_max"), ("age_min", "age_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise InputError(f"inclusion.{high}", hi, f"must be at least {low} = {lo:g}")
        return self

    def as_mapping(self) -> dict[str, Any]:
        """The criteria that are set, as the ``inclusion`` of a cohort generator."""
        keys = ("baseline_nrs_min", "odi_min", "odi_max", "prior_scs", "mme_max", "age_min")
        out = {k: getattr(self, k) for k in (*keys, "age_max")}
        return {k: v for k, v in out.items() if v is not None}


class Therapy(_Model):
    """What an arm receives; ``program`` is a device or pump program file (TOML)."""

    kind: Literal["scs", "cmm", "placebo", "intrathecal"]
    program: str | None = None
    """path of the program, relative to the protocol file; scs and intrathecal only"""
    lead_level: Annotated[str, Field(pattern=_LEVEL)] | None = None
    """vertebral level of the lead's centre, e.g. "T9"; scs only"""


class Arm(_Model):
    """One randomized arm."""

    id: Annotated[str, Field(pattern=_ID, max_length=40)]
    n: Annotated[int, Field(ge=1, le=1_000_000)]
    """patients randomized to the arm (a crossover design: patients starting on it)"""
    therapy: Therapy
    ratio: Annotated[float, Field(gt=0.0, le=100.0, allow_inf_nan=False)] | None = None
    """randomization ratio as the paper states it (documentation; ``n`` is what is simulated)"""
    trial_phase: StrictBool | None = None
    """overrides the protocol's ``trial_phase`` for this arm (TRIAL-STIM's no-trial arm)"""
    note: str = ""


class Crossover(_Model):
    """Who may switch arm, when, and to which arm (the switch takes effect after the visit)."""

    month: Months
    """the visit at which the rule is applied; one of follow_up_months"""
    rule: Annotated[str, Field(min_length=1)]
    """grammar: :func:`neurostim.clinic.rules.parse_rule` ("relief < 0.5 and dissatisfied")"""
    arms: tuple[str, ...] | None = None
    """arms whose patients may cross (default: every arm)"""
    to: str | None = None
    """the arm crossed to (default: the other arm of a two-arm protocol)"""
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _grammar(self) -> Crossover:
        parse_rule(self.rule)
        return self


PerArm = dict[str, Finite]


class Endpoint(_Model):
    """One measure at one visit in one analysis set, evaluated in each arm."""

    id: Annotated[str, Field(pattern=_ID, max_length=60)]
    measure: MeasureName
    kind: KindName
    month: Months
    """one of follow_up_months"""
    analysis: AnalysisName
    arms: tuple[str, ...] | None = None
    """the arms it is evaluated in (default: every arm)"""
    region: str | None = None
    """measure "nrs" only: one pain region's score instead of the overall score"""
    threshold: Finite | None = None
    """responder: relief fraction (default 0.5); remitter: highest NRS (default 2.5)"""
    reason: str | None = None
    """measure "explant" only: count explants for this reason (e.g. "infection")"""
    published: PerArm | None = None
    """the paper's value per arm, in the endpoint's unit"""
    published_ci95: dict[str, tuple[Finite, Finite]] | None = None
    published_sd: dict[str, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]] | None = None
    published_n: dict[str, Annotated[int, Field(ge=1)]] | None = None
    """the denominator the paper reported (patients analysed) per arm"""
    published_tag: dict[str, Tag] | None = None
    """per arm: S read in the source (default), V checked earlier, R recalled"""
    source: str = ""
    note: str = ""

    def published_for(self, arm: str) -> float | None:
        """The published value of ``arm`` (None where the protocol gives none)."""
        if self.published is None:
            return None
        value = self.published.get(arm)
        return None if value is None else float(value)

    def tag(self, arm: str) -> str:
        """The tag of the published value of ``arm`` ("S" unless ``published_tag`` says)."""
        return (self.published_tag or {}).get(arm, "S")


class Difference(_Model):
    """A between-arm comparison of one endpoint: ``arms[0]`` minus (or over) ``arms[1]``."""

    id: Annotated[str, Field(pattern=_ID, max_length=60)]
    endpoint: str
    arms: tuple[str, str]
    scale: Literal["difference", "ratio"] = "difference"
    published: Finite | None = None
    published_ci95: tuple[Finite, Finite] | None = None
    published_tag: Tag = "S"
    source: str = ""
    note: str = ""


class Protocol(_Model):
    """A trial protocol (see the module docstring and docs/clinic-protocols.md)."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    title: str = ""
    source: str = ""
    note: str = ""
    design: Literal["parallel", "crossover", "single_arm"]
    indication: Literal["fbss", "nsrbp", "crps", "pdn", "radiculopathy", "focal", "it_refractory"]
    inclusion: Inclusion = Inclusion()
    trial_phase: StrictBool = False
    trial_success_relief: Fraction = 0.5
    """relief (fraction) the trial phase must reach for an implant"""
    trial_days: Annotated[float, Field(gt=0.0, le=90.0, allow_inf_nan=False)] | None = None
    follow_up_months: Annotated[list[Months], Field(min_length=1, max_length=200)]
    arms: Annotated[list[Arm], Field(min_length=1, max_length=20)]
    crossover: Crossover | None = None
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]
    differences: list[Difference] = []

    _base_dir: Path | None = PrivateAttr(default=None)

    @property
    def arm_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.arms)

    def arm(self, arm_id: str) -> Arm:
        """The arm of id ``arm_id``."""
        for a in self.arms:
            if a.id == arm_id:
                return a
        raise InputError("arm", arm_id, f"no such arm; arms: {', '.join(self.arm_ids)}")

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint of id ``endpoint_id``."""
        for e in self.endpoints:
            if e.id == endpoint_id:
                return e
        ids = ", ".join(e.id for e in self.endpoints)
        raise InputError("endpoint", endpoint_id, f"no such endpoint; endpoints: {ids}")

    def endpoint_arms(self, endpoint: Endpoint) -> tuple[str, ...]:
        """The arms ``endpoint`` is evaluated in."""
        return endpoint.arms if endpoint.arms is not None else self.arm_ids

    def has_trial_phase(self, arm_id: str) -> bool:
        """Whether patients of ``arm_id`` go through a trial phase before an implant."""
        arm = self.arm(arm_id)
        if arm.therapy.kind not in ("scs", "intrathecal"):
            return False
        return self.trial_phase if arm.trial_phase is None else arm.trial_phase

    def crossover_target(self, arm_id: str) -> str | None:
        """The arm whose therapy patients of ``arm_id`` cross to (None: they may not cross)."""
        c = self.crossover
        if c is None or (c.arms is not None and arm_id not in c.arms):
            return None
        if c.to is not None:
            return None if c.to == arm_id else c.to
        others = [a for a in self.arm_ids if a != arm_id]
        return others[0] if len(others) == 1 else None

    def program_path(self, arm_id: str) -> Path | None:
        """The program file of ``arm_id``, resolved against the protocol file's folder."""
        program = self.arm(arm_id).therapy.program
        if program is None:
            return None
        p = Path(program).expanduser()
        return p if p.is_absolute() or self._base_dir is None else self._base_dir / p

    @property
    def path_dir(self) -> Path | None:
        """The folder of the file the protocol was read from (None if built in code)."""
        return self._base_dir

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        _check_visits(self)
        _check_arms(self)
        _check_crossover(self)
        for i, e in enumerate(self.endpoints):
            _check_endpoint(self, i, e)
        _check_differences(self)
        return self


def _choices(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def _months(months: list[float]) -> str:
    return ", ".join(f"{m:g}" for m in months)


def _check_visits(p: Protocol) -> None:
    months = p.follow_up_months
    for i in range(1, len(months)):
        if months[i] <= months[i - 1]:
            raise InputError(
                f"follow_up_months[{i}]",
                months[i],
                f"visits must be strictly increasing (previous visit {months[i - 1]:g})",
            )


def _is_visit(p: Protocol, month: float) -> bool:
    return any(abs(month - m) <= 1e-9 for m in p.follow_up_months)


def _check_arms(p: Protocol) -> None:
    if p.design == "single_arm" and len(p.arms) != 1:
        raise InputError("arms", len(p.arms), "a single_arm design has exactly one arm")
    if p.design != "single_arm" and len(p.arms) < 2:
        raise InputError("arms", len(p.arms), f"a {p.design} design has at least two arms")
    seen: set[str] = set()
    for i, arm in enumerate(p.arms):
        if arm.id in seen:
            raise InputError(f"arms[{i}].id", arm.id, "arm ids must be unique")
        seen.add(arm.id)
        t, where = arm.therapy, f"arms[{i}].therapy"
        if t.kind in ("scs", "intrathecal") and t.program is None:
            raise InputError(f"{where}.program", None, f"a {t.kind} arm needs a program file")
        if t.kind in ("cmm", "placebo") and t.program is not None:
            raise InputError(f"{where}.program", t.program, f"a {t.kind} arm takes no program")
        if t.lead_level is not None and t.kind != "scs":
            raise InputError(f"{where}.lead_level", t.lead_level, "only an scs arm has a lead")


def _check_crossover(p: Protocol) -> None:
    c = p.crossover
    if c is None:
        if p.design == "crossover":
            raise InputError("crossover", None, "a crossover design needs a [crossover] table")
        return
    if p.design == "single_arm":
        raise InputError("crossover", "{...}", "a single_arm design has no arm to cross to")
    if c.month > p.follow_up_months[-1]:
        raise InputError(
            "crossover.month",
            c.month,
            f"after the last follow-up visit ({p.follow_up_months[-1]:g} months)",
        )
    if not _is_visit(p, c.month):
        raise InputError(
            "crossover.month",
            c.month,
            f"must be a visit; follow_up_months: {_months(p.follow_up_months)}",
        )
    for j, a in enumerate(c.arms or ()):
        if a not in p.arm_ids:
            raise InputError(f"crossover.arms[{j}]", a, f"no such arm; arms: {_choices(p.arm_ids)}")
    if c.to is not None and c.to not in p.arm_ids:
        raise InputError("crossover.to", c.to, f"no such arm; arms: {_choices(p.arm_ids)}")
    if c.to is None and len(p.arms) > 2:
        raise InputError("crossover.to", None, "with more than two arms, name the arm crossed to")


_PUBLISHED_RANGE: dict[str, tuple[float, float]] = {
    "responder": (0.0, 1.0),
    "responder30": (0.0, 1.0),
    "responder80": (0.0, 1.0),
    "remitter": (0.0, 1.0),
    "mcid": (0.0, 1.0),
    "rate": (0.0, 1.0),
    "percent_change": (-100.0, 10_000.0),
}
_SCALE = {"odi": 100.0, "mme": 10_000.0, "pgic": 7.0}


def _published_range(e: Endpoint) -> tuple[float, float]:
    if e.kind in _PUBLISHED_RANGE:
        return _PUBLISHED_RANGE[e.kind]
    top = _SCALE.get(e.measure, 10.0)
    if e.kind == "mean":
        return (1.0 if e.measure == "pgic" else 0.0, top)
    return (-top, top)  # mean_change


def _check_endpoint(p: Protocol, i: int, e: Endpoint) -> None:
    where = f"endpoints[{i}]"
    if any(o.id == e.id for o in p.endpoints[:i]):
        raise InputError(f"{where}.id", e.id, "endpoint ids must be unique")
    if e.kind not in KINDS_BY_MEASURE[e.measure]:
        raise InputError(
            f"{where}.kind",
            e.kind,
            f"measure {e.measure} allows: {_choices(KINDS_BY_MEASURE[e.measure])}",
        )
    if e.analysis not in ANALYSES_BY_MEASURE[e.measure]:
        raise InputError(
            f"{where}.analysis",
            e.analysis,
            f"measure {e.measure} allows: {_choices(ANALYSES_BY_MEASURE[e.measure])}",
        )
    needs_crossover = e.analysis in ("as_treated", "crossed_over") or e.measure == "crossover"
    if needs_crossover and p.crossover is None:
        what = f"analysis {e.analysis}" if e.measure != "crossover" else "measure crossover"
        raise InputError(f"{where}.analysis", e.analysis, f"{what} needs a [crossover] table")
    if not _is_visit(p, e.month):
        raise InputError(
            f"{where}.month", e.month, f"must be a visit; follow_up_months: "
            f"{_months(p.follow_up_months)}",
        )  # fmt: skip
    if e.region is not None and e.measure != "nrs":
        raise InputError(f"{where}.region", e.region, "only the measure nrs takes a region")
    if e.reason is not None and e.measure != "explant":
        raise InputError(f"{where}.reason", e.reason, "only the measure explant takes a reason")
    if e.threshold is not None:
        pain_responder = e.kind == "responder" and e.measure in PAIN_MEASURES
        ok = (pain_responder and 0.0 < e.threshold <= 1.0) or (
            e.kind == "remitter" and 0.0 <= e.threshold <= 10.0
        )
        if not ok:
            raise InputError(
                f"{where}.threshold",
                e.threshold,
                "a pain responder's relief fraction in (0, 1] or a remitter's NRS in [0, 10]",
            )
    arms = p.endpoint_arms(e)
    for j, a in enumerate(e.arms or ()):
        if a not in p.arm_ids:
            raise InputError(f"{where}.arms[{j}]", a, f"no such arm; arms: {_choices(p.arm_ids)}")
    lo, hi = _published_range(e)
    tables: dict[str, dict[str, Any] | None] = {
        "published": e.published,
        "published_ci95": e.published_ci95,
        "published_sd": e.published_sd,
        "published_n": e.published_n,
        "published_tag": e.published_tag,
    }
    for key, table in tables.items():
        for arm, value in (table or {}).items():
            if arm not in arms:
                raise InputError(
                    f"{where}.{key}.{arm}", value, f"not an arm of the endpoint: {_choices(arms)}"
                )
            values = value if isinstance(value, tuple) else (value,)
            if key in ("published", "published_ci95"):
                for v in values:
                    if not lo <= v <= hi:
                        unit = _unit(e)
                        raise InputError(
                            f"{where}.{key}.{arm}", value, f"allowed [{lo:g}, {hi:g}] {unit}"
                        )
            if key == "published_ci95" and values[0] > values[1]:
                raise InputError(f"{where}.{key}.{arm}", value, "low must not exceed high")


def _unit(e: Endpoint) -> str:
    """The unit of an endpoint's value, in words."""
    if e.kind in ("responder", "responder30", "responder80", "remitter", "mcid", "rate"):
        return "(fraction of the analysis set)"
    if e.kind == "percent_change":
        return "(percent of baseline)"
    return {"odi": "ODI points", "mme": "mg/day (MME)", "pgic": "PGIC score"}.get(
        e.measure, "NRS points"
    )


def _check_differences(p: Protocol) -> None:
    ids = {e.id for e in p.endpoints}
    for i, d in enumerate(p.differences):
        where = f"differences[{i}]"
        if any(o.id == d.id for o in p.differences[:i]):
            raise InputError(f"{where}.id", d.id, "difference ids must be unique")
        if d.endpoint not in ids:
            raise InputError(f"{where}.endpoint", d.endpoint, f"no such endpoint: {_choices(ids)}")
        arms = p.endpoint_arms(p.endpoint(d.endpoint))
        for j, a in enumerate(d.arms):
            if a not in arms:
                raise InputError(f"{where}.arms[{j}]", a, f"not an arm of {d.endpoint}: {arms}")
        if d.arms[0] == d.arms[1]:
            raise InputError(f"{where}.arms", list(d.arms), "two different arms")
        if d.published_ci95 is not None and d.published_ci95[0] > d.published_ci95[1]:
            raise InputError(f"{where}.published_ci95", d.published_ci95, "low above high")


def endpoint_unit(endpoint: Endpoint) -> str:
    """The unit of ``endpoint``'s value in words (fraction, percent, NRS/ODI points, mg/day)."""
    return _unit(endpoint)


def _allowed_keys(field: str) -> str:
    """The keys allowed at the table holding ``field`` (a dotted path into a protocol)."""
    model: Any = Protocol
    parts = [p for p in re.split(r"\.|\[\d+\]", field) if p][:-1]
    for part in parts:
        info = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if info is None:
            return ""
        model = _inner_model(info.annotation)
        if model is None:
            return ""
    return _choices(model.model_fields)


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def protocol_from_dict(
    data: Any, *, base_dir: str | Path | None = None, check_files: bool = True
) -> Protocol:
    """A :class:`Protocol` from a parsed TOML table; program paths resolve against ``base_dir``.

    ``check_files=False`` skips the check that every program file exists (for protocols whose
    programs are written later); every other check runs.
    """
    if not isinstance(data, dict):
        raise InputError("protocol", type(data).__name__, "expected a table of keys")
    try:
        protocol: Protocol = validated(Protocol, data)
    except InputError as exc:
        if exc.message.startswith("Extra inputs are not permitted"):
            allowed = _allowed_keys(exc.field)
            raise InputError(
                exc.field, exc.value, f"unknown key; allowed keys: {allowed}"
            ) from None
        raise
    protocol._base_dir = None if base_dir is None else Path(base_dir)
    if check_files:
        for i, arm in enumerate(protocol.arms):
            path = protocol.program_path(arm.id)
            if path is not None and not path.is_file():
                raise InputError(
                    f"arms[{i}].therapy.program",
                    arm.therapy.program,
                    f"no such file ({path}); program paths are relative to the protocol file",
                )
    return protocol


def load_protocol(path: str | Path, *, check_files: bool = True) -> Protocol:
    """Read and check the protocol file at ``path`` (TOML; see docs/clinic-protocols.md).

    Program paths in ``[[arms]] therapy.program`` are relative to the file's folder.
    ``check_files=False`` skips the existence check of those program files (only for protocols
    whose programs do not exist yet).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("protocol", str(p), "no such protocol file")
    data = read_toml(p, "protocol")
    return protocol_from_dict(data, base_dir=p.resolve().parent, check_files=check_files)


def _trials_dir() -> Path:
    return Path(str(resources.files("neurostim.clinic").joinpath("data", "trials")))


def shipped_protocol_path(name: str) -> Path:
    """The file of the shipped protocol ``name`` (one of :func:`list_protocols`)."""
    names = list_protocols()
    if name not in names:
        raise InputError(
            "protocol", name, f"no such file or shipped protocol; choose one of {_choices(names)}"
        )
    return _trials_dir() / f"{name}.toml"


def shipped_program_path(name: str) -> Path:
    """The shipped trial program ``name`` (``data/trials/programs/<name>.toml``)."""
    folder = _trials_dir() / "programs"
    names = sorted(p.stem for p in folder.glob("*.toml"))
    if name not in names:
        raise InputError("program", name, f"a shipped trial program: {_choices(names)}")
    return folder / f"{name}.toml"


def list_protocols() -> list[str]:
    """Names of the shipped calibration protocols (files ``data/trials/<name>.toml``)."""
    return sorted(p.stem for p in _trials_dir().glob("*.toml"))


def shipped_protocol(name: str, *, check_files: bool = True) -> Protocol:
    """The shipped protocol ``name`` (one of :func:`list_protocols`)."""
    names = list_protocols()
    if name not in names:
        raise InputError(
            "protocol", name, f"no such shipped protocol; choose one of {_choices(names)}"
        )
    return load_protocol(_trials_dir() / f"{name}.toml", check_files=check_files)
