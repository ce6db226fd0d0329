"""Posture schedules: the lead-to-cord spacing (dCSF) over time, as data.

Posture changes the dorsal CSF thickness under the lead, so the same current gives another
dose and another ECAP (ECAP reference §1.4; patient-clinic.md §1.3-1.4). A schedule file
(TOML; shipped ones in ``neurostim/ecap/data/postures/``) names its postures, each with its
dCSF given one of three ways, the postures held in turn, and transient events::

    name = "day"
    level = "T10"                 # whose supine dCSF and prone shift resolve the postures
    programming_posture = "sitting"
    transition_s = 2.0            # linear ramp from one posture's dCSF to the next's
    [postures.supine]
    prone_shift_fraction = 0.0    # or dcsf_shift_mm = 0.0 (added to the supine dCSF)
    [postures.prone]              # or dcsf_mm = 7.3 (absolute)
    prone_shift_fraction = 1.0
    [[segments]]
    posture = "supine"
    duration_s = 120.0
    [[events]]
    kind = "cough"                # data/transients.toml: cough, sneeze, bend
    start_s = 45.0                # dcsf_change_mm and duration_s optional, within the kind's range

dCSF at time t (a schedule shorter than the run repeats)::

    d(t) = d_seg(t) + sum_e Δ_e · (1 - cos(2π (t - t_e)/T_e)) / 2     for t_e <= t < t_e + T_e

with ``d_seg`` held through a segment and ramped linearly over the first ``transition_s`` of
each segment from the previous segment's value. The posture label of a ramp is the new one.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from neurostim._data import read_data_toml
from neurostim.device._private import read_toml, validate_model
from neurostim.errors import InputError

MAX_SCHEDULE_S = 86400.0
"""Longest schedule accepted (one day)."""
MIN_DCSF_MM = 0.5
"""Thinnest dorsal CSF a posture or event may reach (the lead would touch the cord)."""


class PostureSpec(BaseModel):
    """One posture's dCSF: exactly one of ``dcsf_mm``, ``dcsf_shift_mm``,
    ``prone_shift_fraction``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dcsf_mm: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    dcsf_shift_mm: float | None = Field(default=None, ge=-5, le=10, allow_inf_nan=False)
    prone_shift_fraction: float | None = Field(default=None, ge=-1, le=2, allow_inf_nan=False)
    source: StrictStr = ""


class SegmentSpec(BaseModel):
    """A posture held for ``duration_s``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    posture: StrictStr
    duration_s: float = Field(gt=0, le=MAX_SCHEDULE_S, allow_inf_nan=False)


class EventSpec(BaseModel):
    """A transient (cough, sneeze, bend) starting at ``start_s``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: StrictStr
    start_s: float = Field(ge=0, allow_inf_nan=False)
    dcsf_change_mm: float | None = Field(default=None, allow_inf_nan=False)
    duration_s: float | None = Field(default=None, allow_inf_nan=False)


class ScheduleSpec(BaseModel):
    """A schedule file (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: StrictStr = "schedule"
    description: StrictStr = ""
    source: StrictStr = ""
    level: StrictStr = "T10"
    programming_posture: StrictStr | None = None
    transition_s: float = Field(default=2.0, ge=0, le=600, allow_inf_nan=False)
    postures: dict[StrictStr, PostureSpec] = Field(min_length=1)
    segments: list[SegmentSpec] = Field(min_length=1, max_length=10000)
    events: list[EventSpec] = Field(default_factory=list, max_length=100000)


@dataclass(frozen=True)
class TransientKind:
    """Allowed range and default of one transient kind (``data/transients.toml``)."""

    name: str
    dcsf_change_mm: tuple[float, float, float]
    """(default, min, max) mm."""
    duration_s: tuple[float, float, float]
    """(default, min, max) s."""
    source: str


@functools.cache
def transient_kinds() -> dict[str, TransientKind]:
    """The transient kinds of ``data/transients.toml``."""
    doc = read_data_toml("neurostim.ecap", "transients.toml", None, "transients")
    out = {}
    for name, row in doc.items():
        c, d = row["dcsf_change_mm"], row["duration_s"]
        out[name] = TransientKind(
            name,
            (float(c["default"]), float(c["min"]), float(c["max"])),
            (float(d["default"]), float(d["min"]), float(d["max"])),
            str(row["source"]),
        )
    return out


@dataclass(frozen=True)
class PostureSchedule:
    """A resolved schedule: every posture's dCSF in mm.

    Attributes
    ----------
    name : str
    postures : tuple of str, length n_postures
        Posture names, in the order of the file; ``posture_index`` arrays index it.
    posture_dcsf_mm : ndarray of shape (n_postures,)
    segment_posture : ndarray of int, shape (n_segments,)
    segment_start_s, segment_duration_s : ndarray of shape (n_segments,)
    transition_s : float
    event_kind : tuple of str, length n_events
    event_start_s, event_duration_s, event_dcsf_change_mm : ndarray of shape (n_events,)
    programming_posture : str
        The posture the program was titrated in (the closed loop's reference).
    level : str
    """

    name: str
    postures: tuple[str, ...]
    posture_dcsf_mm: NDArray[np.float64]
    segment_posture: NDArray[np.int64]
    segment_start_s: NDArray[np.float64]
    segment_duration_s: NDArray[np.float64]
    transition_s: float
    event_kind: tuple[str, ...]
    event_start_s: NDArray[np.float64]
    event_duration_s: NDArray[np.float64]
    event_dcsf_change_mm: NDArray[np.float64]
    programming_posture: str
    level: str

    @property
    def duration_s(self) -> float:
        """Length of one pass through the segments."""
        return float(self.segment_start_s[-1] + self.segment_duration_s[-1])

    @property
    def programming_dcsf_mm(self) -> float:
        """dCSF of the programming posture."""
        return float(self.posture_dcsf_mm[self.postures.index(self.programming_posture)])

    def _segment(self, t_s: NDArray[np.float64]) -> NDArray[np.intp]:
        tau = np.mod(t_s, self.duration_s)
        return np.clip(
            np.searchsorted(self.segment_start_s, tau, side="right") - 1,
            0,
            self.segment_start_s.size - 1,
        )

    def posture_index(self, t_s: ArrayLike) -> NDArray[np.intp]:
        """(n,) index into :attr:`postures` at each time (s)."""
        t = np.atleast_1d(np.asarray(t_s, np.float64))
        return self.segment_posture[self._segment(t)].astype(np.intp)

    def dcsf_mm(self, t_s: ArrayLike) -> NDArray[np.float64]:
        """(n,) dCSF in mm at each time (s): held postures, linear transitions, transients."""
        t = np.atleast_1d(np.asarray(t_s, np.float64))
        seg = self._segment(t)
        tau = np.mod(t, self.duration_s)
        held = self.posture_dcsf_mm[self.segment_posture]
        previous = np.roll(held, 1)  # the first segment ramps from the last (the schedule repeats)
        d = held[seg]
        if self.transition_s > 0:
            ramp = np.clip((tau - self.segment_start_s[seg]) / self.transition_s, 0.0, 1.0)
            d = previous[seg] + (held[seg] - previous[seg]) * ramp
        if self.event_start_s.size:
            order = np.argsort(tau, kind="stable")
            sorted_tau = tau[order]
            first = np.searchsorted(sorted_tau, self.event_start_s, side="left")
            last = np.searchsorted(sorted_tau, self.event_start_s + self.event_duration_s, "left")
            for a, b, start, length, change in zip(
                first, last, self.event_start_s, self.event_duration_s,
                self.event_dcsf_change_mm, strict=True,
            ):  # fmt: skip
                idx = order[a:b]
                phase = (tau[idx] - start) / length
                d[idx] += change * 0.5 * (1.0 - np.cos(2.0 * np.pi * phase))
        return d

    def dcsf_range_mm(self) -> tuple[float, float]:
        """Lowest and highest dCSF the schedule reaches (held postures and transients)."""
        # held values, ramps (linear, so their ends), and 41 points across each event
        ends = np.concatenate(
            [self.segment_start_s, self.segment_start_s + self.transition_s, [self.duration_s]]
        )
        u = np.linspace(0.0, 1.0, 41)
        inside = (self.event_start_s[:, None] + u[None, :] * self.event_duration_s[:, None]).ravel()
        t = np.clip(np.concatenate([ends, inside]), 0.0, np.nextafter(self.duration_s, 0.0))
        d = self.dcsf_mm(t)
        return float(d.min()), float(d.max())


def _resolve_posture(
    name: str, spec: PostureSpec, supine_dcsf_mm: float, prone_shift_mm: float
) -> float:
    given = [
        k
        for k in ("dcsf_mm", "dcsf_shift_mm", "prone_shift_fraction")
        if getattr(spec, k) is not None
    ]
    if len(given) != 1:
        raise InputError(
            f"postures.{name}",
            given,
            "give exactly one of dcsf_mm, dcsf_shift_mm, prone_shift_fraction",
        )
    if spec.dcsf_mm is not None:
        d = float(spec.dcsf_mm)
    elif spec.dcsf_shift_mm is not None:
        d = supine_dcsf_mm + float(spec.dcsf_shift_mm)
    else:
        assert spec.prone_shift_fraction is not None
        d = supine_dcsf_mm + float(spec.prone_shift_fraction) * prone_shift_mm
    if d < MIN_DCSF_MM:
        raise InputError(f"postures.{name}.dcsf_mm", d, f"must be >= {MIN_DCSF_MM:g} mm")
    return d


def level_dcsf_mm(level: str) -> tuple[float, float]:
    """(supine dCSF, prone shift) in mm: the level's means in ``neurostim.anatomy``."""
    from neurostim.anatomy.levels import level_parameters

    rows = level_parameters(level)
    supine, shift = rows["dcsf_mm"].mean, rows["prone_dcsf_shift_mm"].mean
    assert supine is not None and shift is not None
    return float(supine), float(shift)


def resolve_schedule(
    spec: ScheduleSpec,
    *,
    supine_dcsf_mm: float | None = None,
    prone_shift_mm: float | None = None,
) -> PostureSchedule:
    """A :class:`PostureSchedule` from a validated file; ``supine_dcsf_mm`` and
    ``prone_shift_mm`` (a patient's) replace the level's means."""
    from neurostim.anatomy._io import resolve_level

    try:
        level = resolve_level(spec.level)
    except InputError as exc:
        raise InputError("level", spec.level, exc.message) from None
    lvl_supine, lvl_shift = level_dcsf_mm(level)
    supine = lvl_supine if supine_dcsf_mm is None else float(supine_dcsf_mm)
    shift = lvl_shift if prone_shift_mm is None else float(prone_shift_mm)
    for field, v in (("supine_dcsf_mm", supine), ("prone_shift_mm", shift)):
        if not math.isfinite(v) or (field == "supine_dcsf_mm" and v < MIN_DCSF_MM):
            raise InputError(field, v, f"must be a finite number >= {MIN_DCSF_MM:g} mm")
    names = tuple(spec.postures)
    dcsf = np.array(
        [_resolve_posture(n, spec.postures[n], supine, shift) for n in names], np.float64
    )
    seg_posture = []
    for i, seg in enumerate(spec.segments):
        if seg.posture not in spec.postures:
            raise InputError(f"segments[{i}].posture", seg.posture, f"one of {', '.join(names)}")
        seg_posture.append(names.index(seg.posture))
    durations = np.array([s.duration_s for s in spec.segments], np.float64)
    total = float(durations.sum())
    if total > MAX_SCHEDULE_S:
        raise InputError("segments", total, f"total duration must be <= {MAX_SCHEDULE_S:g} s")
    if spec.transition_s > durations.min():
        raise InputError(
            "transition_s",
            spec.transition_s,
            f"must be <= the shortest segment ({durations.min():g} s)",
        )
    prog = spec.programming_posture or spec.segments[0].posture
    if prog not in spec.postures:
        raise InputError("programming_posture", prog, f"one of {', '.join(names)}")
    kinds = transient_kinds()
    ev_kind, ev_start, ev_len, ev_change = [], [], [], []
    for i, ev in enumerate(spec.events):
        if ev.kind not in kinds:
            raise InputError(f"events[{i}].kind", ev.kind, f"one of {', '.join(kinds)}")
        k = kinds[ev.kind]
        change = k.dcsf_change_mm[0] if ev.dcsf_change_mm is None else ev.dcsf_change_mm
        length = k.duration_s[0] if ev.duration_s is None else ev.duration_s
        for field, v, (_, lo, hi), unit in (
            ("dcsf_change_mm", change, k.dcsf_change_mm, "mm"),
            ("duration_s", length, k.duration_s, "s"),
        ):
            if not lo <= v <= hi:
                raise InputError(
                    f"events[{i}].{field}",
                    v,
                    f"for a {ev.kind}: in [{lo:g}, {hi:g}] {unit}",
                )
        if ev.start_s + length > total:
            raise InputError(
                f"events[{i}].start_s",
                ev.start_s,
                f"the event must end within the schedule: start in [0, {total - length:g}] s",
            )
        ev_kind.append(ev.kind)
        ev_start.append(ev.start_s)
        ev_len.append(length)
        ev_change.append(change)
    schedule = PostureSchedule(
        name=spec.name,
        postures=names,
        posture_dcsf_mm=dcsf,
        segment_posture=np.array(seg_posture, np.int64),
        segment_start_s=np.concatenate([[0.0], np.cumsum(durations)[:-1]]),
        segment_duration_s=durations,
        transition_s=float(spec.transition_s),
        event_kind=tuple(ev_kind),
        event_start_s=np.array(ev_start, np.float64),
        event_duration_s=np.array(ev_len, np.float64),
        event_dcsf_change_mm=np.array(ev_change, np.float64),
        programming_posture=prog,
        level=level,
    )
    lo, _ = schedule.dcsf_range_mm()
    if lo < MIN_DCSF_MM:
        raise InputError("events", lo, f"the dCSF must stay >= {MIN_DCSF_MM:g} mm during events")
    return schedule


def _postures_dir() -> Path:
    return Path(str(resources.files("neurostim.ecap").joinpath("data/postures")))


def list_schedules() -> list[str]:
    """Names of the shipped schedules (``data/postures/*.toml``)."""
    return sorted(p.stem for p in _postures_dir().glob("*.toml"))


def load_schedule(
    schedule: str | Path,
    *,
    supine_dcsf_mm: float | None = None,
    prone_shift_mm: float | None = None,
) -> PostureSchedule:
    """Load a schedule file, or a shipped one by name (``"day"``), and resolve its dCSF
    (:func:`resolve_schedule`). Every problem is an InputError naming the field, the value and
    what is allowed."""
    path = Path(schedule)
    if not path.is_file() and str(schedule) in list_schedules():
        path = _postures_dir() / f"{schedule}.toml"
    if not path.is_file():
        raise InputError(
            "posture",
            str(schedule),
            f"no such schedule file; shipped schedules: {', '.join(list_schedules())}",
        )
    data: Any = read_toml(path, "posture")
    spec = validate_model(ScheduleSpec, data)
    return resolve_schedule(spec, supine_dcsf_mm=supine_dcsf_mm, prone_shift_mm=prone_shift_mm)


def parse_schedule(data: dict[str, Any], **kwargs: Any) -> PostureSchedule:
    """A schedule from a dict (a parsed TOML document); see :func:`load_schedule`."""
    return resolve_schedule(validate_model(ScheduleSpec, data), **kwargs)
