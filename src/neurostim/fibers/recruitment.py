"""Program-driven runs: which fibers of a population a device program recruits.

Pipeline (docs/recruitment.md)::

    Program ──synthesize_waveform──► I_k(t), first unit of one train, on the solver's dt
    leads + LeadPlacement ─────────► RingContact / RectangleContact in tissue coordinates
    unit_potentials_mv ────────────► V_k(x) at every section centre of every fiber (mV per mA)
    V_e(x, t) = Σ_k I_k(t) V_k(x) = A · w(t) · Σ_k i_k V_k(x)
    find_thresholds (one lock-step batch per fiber geometry) ──► threshold amplitude per fiber

A program's per-contact currents are I_k(t) = A · i_k · w(t): A the train's ``amplitude_ma``,
i_k the signed current of contact k in the first (cathodic) phase per mA of A (cathodes < 0),
w(t) the unit waveform with first phase +1, including the interphase gap and the active or
passive recharge exactly as :func:`neurostim.device.synthesize_waveform` samples it. The
factorisation is checked on the synthesised array (to 1e-12 relative), so what drives the
fibers is the per-contact waveform itself, not only the shares. The engine's sign convention
is kept: a cathodic-first source of magnitude A is ``amplitude = -A`` times ``phi = -Σ i_k V_k``
(positive under the cathode), polarity -1; thresholds are reported as program amplitudes A > 0.

Coordinates (tissue frame, mm): z along the cord axis, x mediolateral (0 = dorsal midline),
y dorsoventral, growing ventrally. A :class:`LeadPlacement` maps lead coordinates (device
convention: z along the lead from the centre of E1, x lateral, y dorsal-ventral) into it.
Default: lead k of n parallel to z at x = (k - (n - 1)/2) · 2 mm, y = 0, E1 at z = 0.

The return current of a ``case`` anode is not modelled (the can is far away), as in
:func:`neurostim.field.superpose_mv`. Medium: infinite and homogeneous (isotropic or diagonal
anisotropic :class:`neurostim.field.Medium`); no spinal-cord layers yet.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.device import Program, load_lead, synthesize_waveform
from neurostim.errors import InputError
from neurostim.fibers._population import (
    FiberPopulation,
    dorsal_column_population,
    straight_fibers,
)
from neurostim.fibers.cases import PULSE_START_MS
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.threshold import activating_function_estimate_ma, find_thresholds
from neurostim.field import Contact, Medium, RectangleContact, RingContact, unit_potentials_mv
from neurostim.units import MS_TO_US, S_TO_US, US_TO_MS

DEFAULT_LEAD_SPACING_MM = 2.0
"""Centre-to-centre distance of side-by-side leads in the default placement [ours]."""
FACTOR_TOLERANCE = 1e-12
"""Largest |I_k(t) - A i_k w(t)| relative to max |I| accepted as one common waveform."""
_POINT_CHUNK = 2048


@dataclass(frozen=True)
class LeadPlacement:
    """Where one lead lies in tissue coordinates (mm).

    Parameters
    ----------
    origin_mm : tuple of 3 floats
        Tissue position of the lead-coordinate origin (the centre of E1).
    axis : tuple of 3 floats
        Tissue direction of the lead's +z (from E1 towards the proximal contacts).
    lateral : tuple of 3 floats
        Tissue direction of the lead's +x (across a paddle); orthogonalised against ``axis``.
        The lead's +y is axis x lateral.
    """

    origin_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    axis: tuple[float, float, float] = (0.0, 0.0, 1.0)
    lateral: tuple[float, float, float] = (1.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        o = np.asarray(self.origin_mm, np.float64)
        if o.shape != (3,) or not np.all(np.isfinite(o)):
            raise InputError("origin_mm", self.origin_mm, "must be three finite coordinates (mm)")
        self.frame()

    def frame(self) -> NDArray[np.float64]:
        """Rotation lead -> tissue, shape (3, 3): columns are the lead's x, y, z in tissue."""
        ez = np.asarray(self.axis, np.float64)
        ex = np.asarray(self.lateral, np.float64)
        if ez.shape != (3,) or not np.all(np.isfinite(ez)) or np.linalg.norm(ez) == 0:
            raise InputError("axis", self.axis, "must be a nonzero finite 3-vector")
        ez = ez / np.linalg.norm(ez)
        if ex.shape != (3,) or not np.all(np.isfinite(ex)):
            raise InputError("lateral", self.lateral, "must be a finite 3-vector")
        ex = ex - np.dot(ex, ez) * ez
        if np.linalg.norm(ex) < 1e-9:
            raise InputError("lateral", self.lateral, "must not be parallel to axis")
        ex = ex / np.linalg.norm(ex)
        return np.column_stack([ex, np.cross(ez, ex), ez])

    def to_tissue_mm(self, lead_xyz_mm: ArrayLike) -> NDArray[np.float64]:
        """Lead coordinates (n, 3) or (3,) -> tissue coordinates of the same shape (mm)."""
        p = np.asarray(lead_xyz_mm, np.float64)
        return p @ self.frame().T + np.asarray(self.origin_mm, np.float64)


def default_placements(
    n_leads: int, lead_spacing_mm: float = DEFAULT_LEAD_SPACING_MM
) -> list[LeadPlacement]:
    """Leads parallel to z, side by side across the dorsal midline, E1 at z = 0, y = 0."""
    return [
        LeadPlacement(origin_mm=((k - (n_leads - 1) / 2) * lead_spacing_mm, 0.0, 0.0))
        for k in range(n_leads)
    ]


def _xyz(a: NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(a[0]), float(a[1]), float(a[2]))


def program_contacts(
    program: Program, placements: list[LeadPlacement] | None = None
) -> tuple[list[str], list[Contact]]:
    """Field contacts of every lead contact of ``program`` in tissue coordinates.

    Returns the contact ids (layout order, ``case`` left out: its return is not modelled) and
    one RingContact (ring) or RectangleContact (rectangle, width across the lead) per id.
    """
    placements = default_placements(len(program.leads)) if placements is None else placements
    if len(placements) != len(program.leads):
        raise InputError(
            "placements", len(placements), f"give one placement per lead ({len(program.leads)})"
        )
    ids: list[str] = []
    contacts: list[Contact] = []
    for k, (ident, place) in enumerate(zip(program.leads, placements, strict=True)):
        lead = load_lead(ident)
        frame = place.frame()
        for c in lead.contacts:
            cid = f"L{k + 1}.{c.id}"
            centre = _xyz(place.to_tissue_mm(c.position_mm))
            if c.shape == "ring" and c.diameter_mm and c.length_mm:
                contacts.append(RingContact(centre, _xyz(frame[:, 2]), c.diameter_mm, c.length_mm))
            elif c.shape == "rectangle" and c.width_mm and c.length_mm:
                contacts.append(
                    RectangleContact(centre, _xyz(frame[:, 0]), _xyz(frame[:, 2]),
                                     c.width_mm, c.length_mm)
                )  # fmt: skip
            else:
                raise InputError(
                    f"leads[{k}].contacts.{c.id}",
                    c.shape,
                    "the field models ring contacts (diameter_mm, length_mm) and rectangle "
                    "contacts (width_mm, length_mm) only",
                )
            ids.append(cid)
    return ids, contacts


@dataclass(frozen=True)
class ProgramDrive:
    """The first unit of one train as it drives the fibers.

    Attributes
    ----------
    contact_ids : list of str, length n_contacts
        Program layout order (``case`` last).
    contact_current_per_ma : ndarray of shape (n_contacts,)
        i_k: signed current of each contact in the first phase per mA of amplitude.
    waveform : ndarray of shape (n_steps,)
        w(t) on the solver grid (entry n holds over [n dt, (n + 1) dt)), first phase +1,
        preceded by ``PULSE_START_MS`` of zeros.
    amplitude_ma, pulse_width_ms, dt_ms : float
    train_index : int
    """

    contact_ids: list[str]
    contact_current_per_ma: NDArray[np.float64]
    waveform: NDArray[np.float64]
    amplitude_ma: float
    pulse_width_ms: float
    dt_ms: float
    train_index: int

    @property
    def end_ms(self) -> float:
        """Time after which the waveform stays 0 (ms)."""
        nz = np.flatnonzero(self.waveform)
        return float((nz[-1] + 1) * self.dt_ms) if nz.size else 0.0


def _pick_train(program: Program, train_index: int | None) -> int:
    if train_index is None:
        if len(program.trains) > 1:
            raise InputError(
                "train_index",
                None,
                f"the program has {len(program.trains)} interleaved trains; name one "
                f"(0..{len(program.trains) - 1}): the fiber engine takes one waveform per fiber",
            )
        return 0
    if not (isinstance(train_index, int) and 0 <= train_index < len(program.trains)):
        raise InputError("train_index", train_index, f"must be 0..{len(program.trains) - 1}")
    return train_index


def program_drive(
    program: Program, *, train_index: int | None = None, dt_ms: float = 0.005
) -> ProgramDrive:
    """Per-contact drive of the first unit (pulse, or burst) of one train of ``program``.

    The train is synthesised alone over one period at ``dt_ms`` (pulse widths and the
    interphase gap must be whole multiples of it), cut after its last nonzero sample and
    factorised as I_k(t) = A i_k w(t); InputError if the contacts do not share one waveform.
    """
    t = _pick_train(program, train_index)
    train = program.trains[t]
    if not train.amplitude_ma > 0:
        raise InputError(f"trains[{t}].amplitude_ma", train.amplitude_ma, "must be > 0 here")
    if not (isinstance(dt_ms, int | float) and math.isfinite(dt_ms) and dt_ms > 0):
        raise InputError("dt_ms", dt_ms, "must be a positive time step (ms)")
    alone = program.model_copy(update={"trains": [train]})
    dt_us = dt_ms * MS_TO_US
    period_us = S_TO_US / float(train.rate_hz)
    n_period = math.floor(period_us / dt_us + 1e-9)
    wave = synthesize_waveform(alone, duration_s=n_period * dt_us / S_TO_US, dt_us=dt_us)
    current = wave.current_ma[:, :n_period] / float(train.amplitude_ma)
    active = np.flatnonzero(np.any(current != 0, axis=0))
    if active.size == 0:
        raise InputError(f"trains[{t}]", train.waveform, "no pulse fits in one period at dt_ms")
    current = current[:, : active[-1] + 1]
    first = current[:, active[0]]
    k = int(np.argmax(np.abs(first)))
    w = current[k] / first[k] + 0.0  # + 0.0 turns -0.0 into 0.0
    residual = np.max(np.abs(current - np.outer(first, w)))
    if residual > FACTOR_TOLERANCE * np.max(np.abs(current)):
        raise InputError(
            f"trains[{t}]",
            f"residual {residual:.3g}",
            "the contacts do not share one waveform; the fiber engine needs I_k(t) = A i_k w(t)",
        )
    lead_in = np.zeros(round(PULSE_START_MS / dt_ms))
    return ProgramDrive(
        contact_ids=wave.contact_ids,
        contact_current_per_ma=first,
        waveform=np.concatenate([lead_in, w]),
        amplitude_ma=float(train.amplitude_ma),
        pulse_width_ms=float(train.pulse_width_us) * US_TO_MS,
        dt_ms=float(dt_ms),
        train_index=t,
    )


def phi_per_ma(
    drive: ProgramDrive,
    contact_ids: list[str],
    contacts: list[Contact],
    points_mm: NDArray[np.float64],
    medium: Medium,
) -> NDArray[np.float64]:
    """Σ_k i_k V_k(x): potential in the first phase per mA of amplitude, shape (n_points,)."""
    rows = {cid: r for r, cid in enumerate(drive.contact_ids)}
    used = [j for j, cid in enumerate(contact_ids) if drive.contact_current_per_ma[rows[cid]]]
    weights = np.array([drive.contact_current_per_ma[rows[contact_ids[j]]] for j in used])
    out = np.empty(points_mm.shape[0])
    for s in range(0, points_mm.shape[0], _POINT_CHUNK):
        v = unit_potentials_mv([contacts[j] for j in used], points_mm[s : s + _POINT_CHUNK], medium)
        out[s : s + _POINT_CHUNK] = weights @ v
    return out


@dataclass(frozen=True)
class RecruitmentResult:
    """Thresholds of a population under one program train, and its recruitment.

    Attributes
    ----------
    threshold_ma : ndarray of shape (n_fibers,)
        Train amplitude (mA, > 0) at which each fiber fires at its detection node; NaN where the
        search did not bracket. Meaningful as a threshold only where ``status == "ok"``.
    status : ndarray of str, shape (n_fibers,)
        The engine's status per fiber (``neurostim.fibers.STATUSES``).
    lower_ma, upper_ma : ndarray of shape (n_fibers,)
        Final search bracket (amplitudes that did not / did fire).
    n_sims : ndarray of int, shape (n_fibers,)
    initiation_node : ndarray of int, shape (n_fibers,)
    weight : ndarray of shape (n_fibers,)
        Population shares.
    amplitude_ma : float
        The program's (train's) amplitude.
    drive : ProgramDrive
    """

    threshold_ma: NDArray[np.float64]
    status: NDArray[np.str_]
    lower_ma: NDArray[np.float64]
    upper_ma: NDArray[np.float64]
    n_sims: NDArray[np.int64]
    initiation_node: NDArray[np.int64]
    weight: NDArray[np.float64]
    amplitude_ma: float
    drive: ProgramDrive

    def states(self, amplitude_ma: ArrayLike) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Recruited and determined flags, each of shape (n_amplitudes, n_fibers).

        ``ok`` fibers: recruited iff amplitude >= threshold. A ``not-bracketed`` fiber that
        never fired (quiet up to ``lower_ma``) is not recruited up to ``lower_ma`` and
        undetermined above. Every other status is undetermined at every amplitude.
        """
        a = np.atleast_1d(np.asarray(amplitude_ma, np.float64))[:, None]
        ok = self.status == "ok"
        quiet = (self.status == "not-bracketed") & np.isfinite(self.lower_ma)
        quiet &= ~np.isfinite(self.upper_ma)
        recruited = ok & (a >= self.threshold_ma)
        determined = ok | (quiet & (a <= self.lower_ma))
        return recruited, determined

    def fractions(self, amplitude_ma: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Weighted recruited and undetermined fractions, each of shape (n_amplitudes,).

        The recruited fraction counts ``ok`` fibers only: it is a lower bound, and recruited +
        undetermined an upper bound.
        """
        recruited, determined = self.states(amplitude_ma)
        return recruited @ self.weight, (~determined) @ self.weight

    @property
    def recruited_fraction(self) -> float:
        """Weighted fraction recruited at the program's amplitude (``ok`` fibers only)."""
        return float(self.fractions(self.amplitude_ma)[0][0])

    @property
    def undetermined_fraction(self) -> float:
        """Weighted fraction whose state at the program's amplitude is not known."""
        return float(self.fractions(self.amplitude_ma)[1][0])

    def curve(
        self, amplitude_ma: ArrayLike | None = None, n_points: int = 201
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Recruitment curve: amplitudes (n_points,), recruited and undetermined fractions.

        Default amplitudes: 0 to 1.1 x max(program amplitude, largest ``ok`` threshold).
        """
        if amplitude_ma is None:
            ok = self.threshold_ma[self.status == "ok"]
            top = max(self.amplitude_ma, float(ok.max()) if ok.size else 0.0)
            amplitude_ma = np.linspace(0.0, 1.1 * top, n_points)
        a = np.asarray(amplitude_ma, np.float64)
        recruited, undetermined = self.fractions(a)
        return a, recruited, undetermined


def recruitment(
    program: Program,
    population: FiberPopulation,
    *,
    placements: list[LeadPlacement] | None = None,
    medium: Medium | None = None,
    train_index: int | None = None,
    dt_ms: float = 0.005,
    tstop_ms: float | None = None,
    tolerance_rel: float = 0.01,
    max_amplitude_ma: float = 1e3,
) -> RecruitmentResult:
    """Threshold of every fiber of ``population`` for one train of ``program``.

    Parameters
    ----------
    program : Program
        A validated program (``neurostim.device.load_program``).
    population : FiberPopulation
        Fibers in tissue coordinates (see ``dorsal_column_population``, ``straight_fibers``).
    placements : list of LeadPlacement, optional
        One per lead (default ``default_placements``).
    medium : Medium, optional
        Homogeneous volume conductor (default isotropic 0.2 S/m).
    train_index : int, optional
        Train of a multiplexed program (required when there are several).
    dt_ms : float
        Solver and waveform step (default 0.005 ms, the validation protocol's).
    tstop_ms : float, optional
        Simulated window; default max(5 ms, end of the waveform + 3 ms).
    tolerance_rel : float
        Relative width of the final threshold bracket (default 1 %).
    max_amplitude_ma : float
        Largest amplitude tried; a fiber quiet up to it is ``not-bracketed``.

    Returns
    -------
    RecruitmentResult
        Arrays of shape (n_fibers,) in population order. Fibers are searched in one lock-step
        ``find_thresholds`` call per fiber geometry (diameter, node count).
    """
    medium = Medium() if medium is None else medium
    drive = program_drive(program, train_index=train_index, dt_ms=dt_ms)
    ids, contacts = program_contacts(program, placements)
    if tstop_ms is None:
        tstop_ms = max(5.0, drive.end_ms + 3.0)
    n = population.n_fibers
    thr, lo, hi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    n_sims = np.zeros(n, np.int64)
    init = np.full(n, -1, np.int64)
    status = np.full(n, "ok", dtype="<U16")
    groups: dict[tuple[float, int], list[int]] = defaultdict(list)
    for i in range(n):
        groups[(float(population.diameter_um[i]), int(population.n_nodes[i]))].append(i)
    for idx in groups.values():
        geometry = population.fiber(idx[0]).geometry
        points = np.concatenate([population.section_points_mm(i) for i in idx])
        phi = -phi_per_ma(drive, ids, contacts, points, medium).reshape(len(idx), -1)
        polarity = np.full(len(idx), -1.0)
        r = find_thresholds(
            geometry, phi, drive.waveform, polarity,
            estimate_ma=_first_estimate_ma(geometry, phi, polarity, drive, max_amplitude_ma),
            dt_ms=dt_ms, tstop_ms=tstop_ms, tolerance_rel=tolerance_rel,
            max_amplitude_ma=max_amplitude_ma,
        )  # fmt: skip
        thr[idx], lo[idx], hi[idx] = -r.threshold_ma, r.lower_ma, r.upper_ma
        n_sims[idx], init[idx], status[idx] = r.n_sims, r.initiation_node, r.status
    return RecruitmentResult(
        threshold_ma=thr,
        status=status,
        lower_ma=lo,
        upper_ma=hi,
        n_sims=n_sims,
        initiation_node=init,
        weight=population.weight.copy(),
        amplitude_ma=drive.amplitude_ma,
        drive=drive,
    )


def _first_estimate_ma(
    geometry: CableGeometry,
    phi: NDArray[np.float64],
    polarity: NDArray[np.float64],
    drive: ProgramDrive,
    max_amplitude_ma: float,
) -> NDArray[np.float64]:
    """The engine's activating-function estimate, kept within (0, max_amplitude_ma].

    A fiber in a plane of zero potential (e.g. midway across a transverse bipole) has
    phi = 0: the engine's estimate would divide by zero; it starts at the largest amplitude.
    """
    pw = np.full(phi.shape[0], drive.pulse_width_ms)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        est = activating_function_estimate_ma(geometry, phi, polarity, pw)
    return np.where(np.isfinite(est) & (est > 0), np.minimum(est, max_amplitude_ma),
                    max_amplitude_ma)  # fmt: skip


def active_contact_center_mm(
    program: Program,
    placements: list[LeadPlacement] | None = None,
    *,
    train_index: int | None = None,
) -> NDArray[np.float64]:
    """Mean tissue position of the lead contacts one train uses, shape (3,) (mm)."""
    t = _pick_train(program, train_index)
    ids, contacts = program_contacts(program, placements)
    used = [c for cid, c in zip(ids, contacts, strict=True) if cid in program.trains[t].contacts]
    return np.mean([np.asarray(c.center_xyz_mm) for c in used], axis=0)


__all__ = [
    "DEFAULT_LEAD_SPACING_MM",
    "FiberPopulation",
    "LeadPlacement",
    "ProgramDrive",
    "RecruitmentResult",
    "active_contact_center_mm",
    "default_placements",
    "dorsal_column_population",
    "phi_per_ma",
    "program_contacts",
    "program_drive",
    "recruitment",
    "straight_fibers",
]
