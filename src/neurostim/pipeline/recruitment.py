"""Program-driven recruitment: which fibers of a population one program train recruits.

::

    Program ──program_drive──────► I_k(t) = A i_k w(t), first unit of one train, solver dt
    leads + LeadPlacement ───────► contacts in the tissue frame (placement.py)
    VolumeConductor ─────────────► V_k(x) at every section centre of every fiber (mV per mA)
    superpose_mv(V, i_k) ────────► phi(x) = Σ_k i_k V_k(x), the field per mA of amplitude
    find_thresholds (one lock-step batch per fiber geometry) ──► threshold amplitude per fiber

The volume conductor is any :class:`neurostim.field.VolumeConductor` (default: homogeneous,
isotropic 0.2 S/m); this module never computes a potential itself. The engine's sign convention
is kept: a cathodic-first source of magnitude A is ``amplitude = -A`` times ``-phi`` (positive
under the cathode), polarity -1; thresholds are reported as program amplitudes A > 0.
"""

from __future__ import annotations

import signal
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim._budget import check_memory, memory_budget_bytes
from neurostim.device import Program
from neurostim.errors import InputError
from neurostim.fibers import FiberPopulation, find_thresholds
from neurostim.fibers.batch import process_context
from neurostim.fibers.geometry import CableGeometry, points_along_polyline
from neurostim.fibers.threshold import ThresholdResult, activating_function_estimate_ma
from neurostim.field import (
    Contact,
    VolumeConductor,
    conductor_from_spec,
)
from neurostim.pipeline.drive import ProgramDrive, program_drive
from neurostim.pipeline.placement import LeadPlacement, program_contacts
from neurostim.units import UM_TO_MM

MAX_TSTOP_MS = 1000.0
"""Longest simulated window of one threshold search (ms)."""
_ARRAYS_PER_SECTION = 40
"""float64 arrays per fiber section held at once (coordinates, field, solver state) [ours]."""
GROUPS_AT_ONCE = 2
"""Geometry groups searched at once at most: group k starts from the results of groups 0 to
k - GROUPS_AT_ONCE, so that one process and several give the same thresholds [ours]."""
PILOT_FIBERS = 8
"""Fibers of each of the two largest geometry groups searched first from the activating-function
estimate when neighbour estimates are on (one lane load of the lock-step kernel) [ours]."""
FIRST_STEP = 1.25
"""First bracketing step from the activating-function estimate (the engine's ``down_factor``
and ``up_factor``)."""
NEIGHBOUR_FIRST_STEP = 1.02
"""First bracketing step from a neighbour's start (:func:`neighbour_estimate_ma`); each further
step in the same direction squares it, up to ``FIRST_STEP`` (``find_thresholds(first_step=
...)``). In the cuff of the PNS benchmark half the starts lie within 1.7 % of the threshold:
a 2 % first bracket needs one bisection to reach 1 % [ours]."""


def estimate_memory_bytes(population: FiberPopulation, n_contacts: int, workers: int = 1) -> int:
    """Estimated peak bytes of one recruitment: the sections of the geometry groups searched at
    once (the largest ``min(workers, GROUPS_AT_ONCE)``) times the arrays held per section
    (``_ARRAYS_PER_SECTION`` plus one unit potential per contact)."""
    sizes = sorted(
        (len(idx) * population.fiber(idx[0]).geometry.n_sections
         for idx in _groups(population).values()), reverse=True,
    )  # fmt: skip
    at_once = sum(sizes[: max(1, min(workers, GROUPS_AT_ONCE))])
    return int(at_once * (_ARRAYS_PER_SECTION + n_contacts) * 8)


def _groups(population: FiberPopulation) -> dict[tuple[str, float, int], list[int]]:
    groups: dict[tuple[str, float, int], list[int]] = defaultdict(list)
    for i in range(population.n_fibers):
        key = (population.model[i], float(population.diameter_um[i]), int(population.n_nodes[i]))
        groups[key].append(i)
    return groups


def phi_per_ma(
    drive: ProgramDrive,
    contact_ids: list[str],
    contacts: list[Contact],
    points_mm: NDArray[np.float64],
    conductor: VolumeConductor,
) -> NDArray[np.float64]:
    """Σ_k i_k V_k(x): potential in the first phase per mA of amplitude, shape (n_points,).

    Only the contacts the train drives are evaluated, unless the conductor needs every placed
    contact (``needs_all_contacts``: floating contacts and lead bodies of a finite-element
    model); the sum is the conductor's ``superposed_mv`` (:func:`neurostim.field.superpose_mv`
    of its unit potentials, or, for the finite-element cord, one evaluation of the combined
    solution).
    """
    shares = drive.shares(contact_ids)
    used = np.flatnonzero(shares)
    if used.size == 0:
        raise InputError("contacts", drive.contact_ids, "the train drives no lead contact")
    if conductor.needs_all_contacts:
        used = np.arange(len(contacts))
    return conductor.superposed_mv([contacts[j] for j in used], shares[used], points_mm)


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
    conductor : dict
        The volume conductor's description (``VolumeConductor.describe()``).
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
    conductor: dict[str, Any] = field(default_factory=dict)

    @property
    def n_fibers(self) -> int:
        return int(self.threshold_ma.size)

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


def _check_search(tstop_ms: float, tolerance_rel: float, max_amplitude_ma: float) -> None:
    checks = (
        ("tstop_ms", tstop_ms, 0.0, MAX_TSTOP_MS, "ms"),
        ("tolerance_rel", tolerance_rel, 1e-6, 0.5, ""),
        ("max_amplitude_ma", max_amplitude_ma, 1e-6, 1e6, "mA"),
    )
    for name, value, lo, hi, unit in checks:
        if not (isinstance(value, int | float) and np.isfinite(value) and lo < value <= hi):
            raise InputError(name, value, f"must be in ({lo:g}, {hi:g}] {unit}".rstrip())


def recruitment(
    program: Program,
    population: FiberPopulation,
    *,
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    placements: list[LeadPlacement] | None = None,
    train_index: int | None = None,
    dt_ms: float = 0.005,
    tstop_ms: float | None = None,
    tolerance_rel: float = 0.01,
    max_amplitude_ma: float = 1e3,
    memory_budget_mb: float | None = None,
    window_ms: float | str | None = "auto",
    neighbour_estimates: bool = True,
    workers: int = 1,
) -> RecruitmentResult:
    """Threshold of every fiber of ``population`` for one train of ``program``.

    Parameters
    ----------
    program : Program
        A validated program (``neurostim.device.load_program``).
    population : FiberPopulation
        Fibers in tissue coordinates (see ``dorsal_column_population``, ``straight_fibers``).
    conductor : VolumeConductor, name or table, optional
        The volume conductor (default: homogeneous, isotropic 0.2 S/m); see
        :func:`neurostim.field.conductor_from_spec`.
    placements : list of LeadPlacement, optional
        One per lead (default ``default_placements``).
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
    memory_budget_mb : float, optional
        Refuse (InputError) before any work when the estimated peak memory exceeds it; default
        half the memory available (``neurostim._budget``).
    window_ms : float, "auto" or None
        Drive the train over this window (whole periods) instead of its first unit: the
        threshold is then the lowest amplitude at which the train fires the fiber at least
        once within the window (for kilohertz trains, whose effect builds over many pulses).
        "auto" (default): one unit below 1 kHz, 20 ms at kilohertz rates
        (``drive.DEFAULT_KHZ_WINDOW_MS``); None: one unit.
    neighbour_estimates : bool
        Start each search from the threshold-to-estimate ratio of the nearest fiber already
        searched (:func:`neighbour_estimate_ma`; default True): the searches take fewer trials
        and end within ``tolerance_rel`` of the searches started from the activating-function
        estimate alone (False). Such a search's first bracketing step is
        ``NEIGHBOUR_FIRST_STEP`` (2 %) instead of 25 %, growing while it does not bracket.
    workers : int
        Processes searching geometry groups at once (default 1; at most ``GROUPS_AT_ONCE``
        are used). Group k starts from groups 0 to k - ``GROUPS_AT_ONCE`` only, whatever the
        number of processes, so the thresholds do not depend on it. Ctrl-C or ``kill`` ends
        the worker processes before the exception leaves this function.

    Returns
    -------
    RecruitmentResult
        Arrays of shape (n_fibers,) in population order. Fibers are searched in lock-step
        ``find_thresholds`` calls of one fiber geometry each (model, diameter, node count;
        with neighbour estimates the two largest groups are split into a pilot of
        ``PILOT_FIBERS`` fibers and the rest, :func:`_search_units`).
    """
    conductor = conductor_from_spec(conductor)
    drive = program_drive(program, train_index=train_index, dt_ms=dt_ms, window_ms=window_ms)
    ids, contacts = program_contacts(program, placements)
    if tstop_ms is None:
        tstop_ms = max(5.0, drive.end_ms + 3.0)
    _check_search(tstop_ms, tolerance_rel, max_amplitude_ma)
    if tstop_ms < drive.end_ms:
        raise InputError(
            "tstop_ms", tstop_ms, f"must cover the waveform (>= {drive.end_ms:g} ms) here"
        )
    n = population.n_fibers
    thr, lo, hi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    n_sims = np.zeros(n, np.int64)
    init = np.full(n, -1, np.int64)
    status = np.full(n, "ok", dtype="<U16")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError("workers", workers, "must be a whole number >= 1")
    check_memory(
        "population",
        f"{population.n_fibers} fibers",
        estimate_memory_bytes(population, int(np.count_nonzero(drive.shares(ids))), workers),
        memory_budget_bytes(memory_budget_mb),
        "; split the population into several calls",
    )
    est = np.full(n, np.nan)
    centre = np.array([np.mean(population.vertices_mm[i], axis=0) for i in range(n)])
    # the largest groups first: their fibers are the neighbours of the later ones
    groups = _search_units(population, neighbour_estimates)
    group_of = np.empty(n, np.int64)
    for k, idx in enumerate(groups):
        group_of[idx] = k
    search = {"dt_ms": drive.dt_ms, "tstop_ms": tstop_ms, "tolerance_rel": tolerance_rel,
              "max_amplitude_ma": max_amplitude_ma}  # fmt: skip

    def submit(k: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Arguments of group k's search; its neighbours are the groups 0 .. k - GROUPS_AT_ONCE
        (done by then in every schedule, so one process and several give the same starts)."""
        idx = groups[k]
        geometry = population.fiber(idx[0]).geometry
        # the group's fibers share one cable: its section arcs placed along each path
        arc_mm = geometry.arc_um * UM_TO_MM
        points = np.concatenate([
            points_along_polyline(population.vertices_mm[i], arc_mm + population.start_arc_mm[i])
            for i in idx
        ])  # fmt: skip
        phi = -phi_per_ma(drive, ids, contacts, points, conductor).reshape(len(idx), -1)
        polarity = np.full(len(idx), -1.0)
        est[idx] = _first_estimate_ma(geometry, phi, polarity, drive, max_amplitude_ma)
        options: dict[str, Any] = {"estimate_ma": est[idx], **search}
        if neighbour_estimates:
            seen = np.where(group_of <= k - GROUPS_AT_ONCE, status, "")
            start, found = _neighbour_starts(population, centre, np.asarray(idx), est, thr,
                                             seen, max_amplitude_ma)  # fmt: skip
            options["estimate_ma"] = start
            options["first_step"] = np.where(found, NEIGHBOUR_FIRST_STEP, FIRST_STEP)
        return (geometry, phi, drive.waveform, polarity), options

    def store(k: int, r: ThresholdResult) -> None:
        idx = groups[k]
        thr[idx], lo[idx], hi[idx] = -r.threshold_ma, r.lower_ma, r.upper_ma
        n_sims[idx], init[idx], status[idx] = r.n_sims, r.initiation_node, r.status

    _search_groups(len(groups), submit, store, workers)
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
        conductor=conductor.describe(),
    )


def _search_units(population: FiberPopulation, neighbour_estimates: bool) -> list[list[int]]:
    """Fiber indices of each lock-step search, in search order: the geometry groups, largest
    first; with neighbour estimates, ``PILOT_FIBERS`` fibers spread over each of the two largest
    groups go first (searched from the activating-function estimate, all later searches start
    from their ratios), then the rest of those groups, then the other groups."""
    groups = sorted(_groups(population).values(), key=len, reverse=True)
    if not neighbour_estimates:
        return groups
    pilots, rests = [], []
    for idx in groups[:GROUPS_AT_ONCE]:
        step = max(1, len(idx) // PILOT_FIBERS)
        pick = set(idx[::step][:PILOT_FIBERS])
        pilots.append([i for i in idx if i in pick])
        rests.append([i for i in idx if i not in pick])
    return [u for u in (*pilots, *rests, *groups[GROUPS_AT_ONCE:]) if u]


def _search(args: tuple[Any, ...], options: dict[str, Any]) -> ThresholdResult:
    """One geometry group's lock-step search (in this process or a worker)."""
    return find_thresholds(*args, **options)


def _worker_signals() -> None:
    """Workers leave Ctrl-C to the parent, which ends them (``Pool.terminate``); ``kill``
    (SIGTERM, sent by ``terminate``) ends a worker at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _search_groups(
    n_groups: int,
    submit: Callable[[int], tuple[tuple[Any, ...], dict[str, Any]]],
    store: Callable[[int, ThresholdResult], None],
    workers: int,
) -> None:
    """Search groups 0 .. n_groups - 1 in order: ``submit(k)`` (called once groups 0 .. k -
    GROUPS_AT_ONCE are stored) gives group k's arguments, ``store(k, result)`` keeps its result.
    With ``workers`` > 1 up to GROUPS_AT_ONCE groups run at once in worker processes, which
    are terminated (and joined) however this function is left."""
    processes = min(workers, GROUPS_AT_ONCE, n_groups)
    if processes <= 1:
        for k in range(n_groups):
            store(k, _search(*submit(k)))
        return
    with process_context().Pool(processes, initializer=_worker_signals) as pool:
        running: dict[int, Any] = {}
        for k in range(n_groups):
            for j in sorted(running):
                if j <= k - GROUPS_AT_ONCE:
                    store(j, running.pop(j).get())
            running[k] = pool.apply_async(_search, submit(k))
        for j in sorted(running):
            store(j, running.pop(j).get())


NEIGHBOUR_DIAMETER_MM = 2.0
"""Distance (mm) that counts as much as a factor e in diameter when the nearest searched fiber
is chosen (:func:`neighbour_estimate_ma`) [ours: fitted with the diameter scaling below on the
1,000 fibers of the PNS benchmark, median start 1.7 % from the threshold]."""


def neighbour_estimate_ma(
    population: FiberPopulation,
    centre_mm: NDArray[np.float64],
    idx: NDArray[np.int64],
    estimate_ma: NDArray[np.float64],
    threshold_ma: NDArray[np.float64],
    status: NDArray[np.str_],
    max_amplitude_ma: float,
) -> NDArray[np.float64]:
    """First trials of the fibers ``idx``, shape (len(idx),): each one's activating-function
    estimate times threshold/estimate of the nearest fiber of the same model already searched
    (threshold finite, status ``ok``), times that fiber's diameter over its own (a myelinated
    fiber's threshold falls as 1/diameter at a given place; the estimate does not see the
    diameter); the estimate itself where there is none. Distance: between the fibers' mean
    vertices (``centre_mm``, (n_fibers, 3)) plus ``NEIGHBOUR_DIAMETER_MM`` per factor e in
    diameter. Kept within (0, max_amplitude_ma]."""
    return _neighbour_starts(population, centre_mm, idx, estimate_ma, threshold_ma, status,
                             max_amplitude_ma)[0]  # fmt: skip


def _neighbour_starts(
    population: FiberPopulation,
    centre_mm: NDArray[np.float64],
    idx: NDArray[np.int64],
    estimate_ma: NDArray[np.float64],
    threshold_ma: NDArray[np.float64],
    status: NDArray[np.str_],
    max_amplitude_ma: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """:func:`neighbour_estimate_ma` and whether each fiber had a neighbour, (len(idx),)."""
    model = np.asarray(population.model)
    done = np.flatnonzero((status == "ok") & np.isfinite(threshold_ma) & (estimate_ma > 0))
    out = estimate_ma[idx].copy()
    found = np.zeros(len(idx), bool)
    if done.size == 0:
        return np.clip(out, 1e-12, max_amplitude_ma), found
    log_d = np.log(population.diameter_um)
    for j, i in enumerate(idx):
        cand = done[model[done] == model[i]]
        if cand.size == 0:
            continue
        dist = np.linalg.norm(centre_mm[cand] - centre_mm[i], axis=1)
        dist += NEIGHBOUR_DIAMETER_MM * np.abs(log_d[cand] - log_d[i])
        k = cand[np.argmin(dist)]
        scale = population.diameter_um[k] / population.diameter_um[i]  # threshold ~ 1/d
        out[j] = estimate_ma[i] * threshold_ma[k] / estimate_ma[k] * scale
        found[j] = True
    return np.clip(out, 1e-12, max_amplitude_ma), found


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


__all__ = [
    "FIRST_STEP",
    "GROUPS_AT_ONCE",
    "NEIGHBOUR_FIRST_STEP",
    "PILOT_FIBERS",
    "RecruitmentResult",
    "estimate_memory_bytes",
    "neighbour_estimate_ma",
    "phi_per_ma",
    "recruitment",
]
