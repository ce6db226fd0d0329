"""Each dorsal-column fiber's threshold for the ECAP program's unit waveform over the recording
window, searched to the tolerance or bracketed between the currents of a growth curve.

A fiber is recruited at a current I iff its threshold is <= I (thresholds of one train are
taken as monotone in current, as the threshold search itself takes them). A growth curve needs
only

- the perception threshold PT = the lowest ``ok`` dorsal-column threshold, to the search's
  tolerance (it sets the default currents, 0 to 2 x PT, and is an output), and
- at each current of the curve, which fibers fire there.

Three ways (``build_setup``'s ``thresholds``, then :func:`bracket_on_grid`):

- ``all`` (:func:`recording_thresholds`): every fiber searched to ``SEARCH_TOLERANCE_REL``
  (``find_thresholds``, lock-step per geometry): the reference.
- ``lowest`` (:func:`lowest_thresholds`): the search runs for the dorsal-column fibers whose
  activating-function estimate is within ``CANDIDATE_RATIO`` of the lowest; with their lowest
  ``ok`` threshold PT_C, every other fiber runs once at c = PT_C / (1 - tol / 2). A fiber that
  fires there is searched too; one that stays quiet has a true threshold above c, so its
  searched threshold (the midpoint of a bracket [lo, hi], hi >= threshold, (hi - lo)/hi < tol)
  would exceed c (1 - tol / 2) = PT_C: PT is the same as ``all`` gives, to the last bit (the
  searches are per fiber, the same trials whatever else runs beside them).
- :func:`bracket_on_grid`: the fibers not searched are placed between two consecutive currents
  of the curve by bisection over the currents (the top first: a fiber quiet there is done in
  one trial): status ``bracketed`` (quiet at ``lower_ma``, fires at ``upper_ma``) or
  ``above-grid`` (quiet at every current up to ``lower_ma``). Recruitment at each current of
  the curve is then exactly what the searched thresholds give (but for a fiber whose searched
  threshold would fall within the tolerance of a current).

Every trial is the search's own: the cut waveform, the engine stopped at the action potential
at the detection node, or once the fiber is back at rest after the active phases
(``quiet_from_ms``: the passive recharge that follows is weak and only decays, and cannot make
a fiber at rest fire). Results are kept by content (``_cache``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.ecap._cache import load, store
from neurostim.errors import InputError
from neurostim.fibers import simulate
from neurostim.fibers.cases import PULSE_START_MS
from neurostim.fibers.threshold import (
    BLOCK_MIN_NODES,
    QUIET_MV,
    activating_function_estimate_ma,
    find_thresholds,
)
from neurostim.fibers.tree import cut_end_nodes
from neurostim.pipeline.recruitment import RecruitmentResult

if TYPE_CHECKING:
    from neurostim.ecap._sfap import EcapSetup

SEARCH_TOLERANCE_REL = 0.01
"""Relative width of each fiber's final threshold bracket (the map's recruitment search's)."""
MAX_SEARCH_MA = 1e3
"""Largest amplitude a threshold search tries; a fiber quiet up to it is ``not-bracketed``."""
CANDIDATE_RATIO = 1.1
"""``lowest``: dorsal-column fibers whose activating-function estimate is within this factor of
the lowest estimate are searched first [ours]; a fiber it misses is found by the run at c and
searched then, so the factor sets the work, never the answer."""
THRESHOLD_SEARCHES = ("all", "lowest")
PENDING = "pending"
BRACKETED = "bracketed"
ABOVE_GRID = "above-grid"


def search_window(setup: EcapSetup) -> tuple[NDArray[np.float64], float]:
    """The trials' waveform (the unit waveform cut at the recording window, (n_steps,)) and
    the time (ms, engine clock) from which a quiet fiber ends its trial: the end of the
    active phases."""
    from neurostim.ecap._sfap import stimulus_end_ms

    drive = setup.drive
    n_steps = round(setup.tstop_ms / drive.dt_ms)
    wave = np.ascontiguousarray(drive.waveform[:n_steps])
    return wave, PULSE_START_MS + stimulus_end_ms(drive)


def _estimates(setup: EcapSetup, key: tuple[float, int]) -> NDArray[np.float64]:
    """First trial of each fiber of a geometry group (mA, magnitude), shape (n_group,)."""
    phi, _ = setup.fields(key)
    n = phi.shape[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        est = activating_function_estimate_ma(
            setup.geometry(key), phi, np.full(n, -1.0), np.full(n, setup.drive.pulse_width_ms)
        )
    return np.where(np.isfinite(est) & (est > 0), np.minimum(est, MAX_SEARCH_MA), MAX_SEARCH_MA)


def _search(
    setup: EcapSetup, key: tuple[float, int], rows: NDArray[np.int64], use_cache: bool
) -> dict[str, NDArray[Any]]:
    """``find_thresholds`` for the fibers ``rows`` of a geometry group (positions in
    ``setup.groups[key]``): arrays of shape (n_rows,), thresholds as magnitudes (mA)."""
    ck = setup.group_key(key, "thresholds", SEARCH_TOLERANCE_REL, MAX_SEARCH_MA, rows)
    got = load(ck) if use_cache else None
    if got is not None:
        return got
    phi, _ = setup.fields(key)
    wave, quiet_from = search_window(setup)
    r = find_thresholds(
        setup.geometry(key), phi[rows], wave, np.full(rows.size, -1.0),
        estimate_ma=_estimates(setup, key)[rows], dt_ms=setup.drive.dt_ms,
        tstop_ms=setup.tstop_ms, tolerance_rel=SEARCH_TOLERANCE_REL,
        max_amplitude_ma=MAX_SEARCH_MA, quiet_from_ms=quiet_from,
    )  # fmt: skip
    got = {"threshold_ma": -r.threshold_ma, "lower_ma": r.lower_ma, "upper_ma": r.upper_ma,
           "n_sims": r.n_sims, "initiation_node": r.initiation_node,
           "status": r.status}  # fmt: skip
    if use_cache:
        store(ck, got)
    return got


def _trial(
    setup: EcapSetup, key: tuple[float, int], rows: NDArray[np.int64], amplitude_ma: Any
) -> Any:
    """One search trial of the fibers ``rows`` at ``amplitude_ma`` (mA, (n_rows,))."""
    phi, _ = setup.fields(key)
    wave, quiet_from = search_window(setup)
    return simulate(
        setup.geometry(key), phi[rows], -np.asarray(amplitude_ma, np.float64), wave,
        dt_ms=setup.drive.dt_ms, tstop_ms=setup.tstop_ms, stop_on_detect=True,
        quiet_mv=QUIET_MV, quiet_from_ms=quiet_from,
    )  # fmt: skip


class _Table:
    """Per-fiber threshold arrays being filled, shape (n_fibers,) each."""

    def __init__(self, setup: EcapSetup, base: RecruitmentResult | None = None) -> None:
        n = setup.fibers.n_fibers
        if base is None:
            self.thr, self.lo, self.hi = np.full(n, np.nan), np.zeros(n), np.full(n, np.nan)
            self.n_sims, self.init = np.zeros(n, np.int64), np.full(n, -1, np.int64)
            self.status = np.full(n, PENDING, dtype="<U16")
        else:
            self.thr, self.lo, self.hi = (base.threshold_ma.copy(), base.lower_ma.copy(),
                                          base.upper_ma.copy())  # fmt: skip
            self.n_sims, self.init = base.n_sims.copy(), base.initiation_node.copy()
            self.status = base.status.astype("<U16")
        self.setup = setup

    def fill(self, idx: NDArray[np.int64], got: dict[str, NDArray[Any]]) -> None:
        self.thr[idx], self.lo[idx], self.hi[idx] = got["threshold_ma"], got["lower_ma"], got[
            "upper_ma"]  # fmt: skip
        self.n_sims[idx] += got["n_sims"]
        self.init[idx], self.status[idx] = got["initiation_node"], got["status"]

    def search(self, chosen: NDArray[np.bool_], use_cache: bool) -> None:
        """Search the thresholds of the fibers ``chosen`` (n_fibers,) to the tolerance."""
        for key, members in self.setup.groups.items():
            idx = np.asarray(members, np.int64)
            rows = np.flatnonzero(chosen[idx])
            if rows.size:
                self.fill(idx[rows], _search(self.setup, key, rows, use_cache))

    def result(self) -> RecruitmentResult:
        s = self.setup
        return RecruitmentResult(
            threshold_ma=self.thr, status=self.status, lower_ma=self.lo, upper_ma=self.hi,
            n_sims=self.n_sims, initiation_node=self.init, weight=s.fibers.fibers.weight.copy(),
            amplitude_ma=s.drive.amplitude_ma, drive=s.drive, conductor=s.conductor.describe(),
        )  # fmt: skip


def recording_thresholds(setup: EcapSetup, *, use_cache: bool) -> RecruitmentResult:
    """Every fiber's threshold over the recording window, searched to the tolerance."""
    table = _Table(setup)
    table.search(np.ones(setup.fibers.n_fibers, bool), use_cache)
    return table.result()


def lowest_thresholds(setup: EcapSetup, *, use_cache: bool) -> RecruitmentResult:
    """The thresholds that decide PT searched, every other fiber ``pending`` with the current
    it stayed quiet at as ``lower_ma`` (module docstring)."""
    table = _Table(setup)
    dc = setup.fibers.population == "dc"
    if not dc.any():
        return table.result()
    est = np.empty(setup.fibers.n_fibers)
    for key, members in setup.groups.items():
        est[members] = _estimates(setup, key)
    table.search(dc & (est <= CANDIDATE_RATIO * est[dc].min()), use_cache)
    ok_dc = dc & (table.status == "ok")
    if not ok_dc.any():  # no usable candidate: search every fiber
        table.search(table.status == PENDING, use_cache)
        return table.result()
    c = float(table.thr[ok_dc].min()) / (1.0 - SEARCH_TOLERANCE_REL / 2.0)
    fired = np.zeros(setup.fibers.n_fibers, bool)
    for key, members in setup.groups.items():
        idx = np.asarray(members, np.int64)
        rows = np.flatnonzero(table.status[idx] == PENDING)
        if rows.size == 0:
            continue
        ck = setup.group_key(key, "quiet-at", c, rows)
        got = load(ck) if use_cache else None
        if got is None:
            res = _trial(setup, key, rows, np.full(rows.size, c))
            got = {"detected": res.detected, "unstable": res.unstable}
            if use_cache:
                store(ck, got)
        sel = idx[rows]
        table.n_sims[sel] += 1
        fired[sel] = got["detected"] & ~got["unstable"]
        quiet = ~got["detected"] & ~got["unstable"]
        table.lo[sel[quiet]] = c
        table.status[sel[got["unstable"]]] = "unstable"
    table.search(fired, use_cache)
    return table.result()


def bracket_on_grid(setup: EcapSetup, amplitudes_ma: ArrayLike, *, use_cache: bool) -> None:
    """Place every fiber not searched (``pending``, or bracketed on other currents) between
    two consecutive currents of ``amplitudes_ma`` (module docstring); replaces
    ``setup.recruitment``. Nothing runs when every fiber's state is known at these currents."""
    grid = np.unique(np.asarray(amplitudes_ma, np.float64))
    grid = grid[grid > 0]
    rec = setup.recruitment
    open_: NDArray[np.bool_] = np.asarray(_undetermined(rec, grid).any(axis=0))
    if grid.size == 0 or not open_.any():
        return
    table = _Table(setup, rec)
    for key, members in setup.groups.items():
        idx = np.asarray(members, np.int64)
        rows = np.flatnonzero(open_[idx])
        if rows.size == 0:
            continue
        sel = idx[rows]
        prior_lo = np.nan_to_num(table.lo[sel], nan=0.0)
        prior_hi = np.where(np.isfinite(table.hi[sel]), table.hi[sel], np.inf)
        ck = setup.group_key(key, "grid", grid, rows, prior_lo, prior_hi)
        got = load(ck) if use_cache else None
        if got is None:
            got = _bisect(setup, key, rows, grid, prior_lo, prior_hi)
            if use_cache:
                store(ck, got)
        table.thr[sel] = np.nan
        table.lo[sel], table.hi[sel] = got["lower_ma"], got["upper_ma"]
        table.n_sims[sel] += got["n_sims"]
        table.init[sel], table.status[sel] = got["initiation_node"], got["status"]
    setup.recruitment = table.result()


def _bisect(
    setup: EcapSetup,
    key: tuple[float, int],
    rows: NDArray[np.int64],
    grid: NDArray[np.float64],
    prior_lo: NDArray[np.float64],
    prior_hi: NDArray[np.float64],
) -> dict[str, NDArray[Any]]:
    """Bisection over the indices of ``grid`` (ascending) of the fibers ``rows`` of a group,
    known quiet at ``prior_lo`` and firing at ``prior_hi`` (inf: unknown)."""
    n, top = rows.size, grid.size
    lo = np.searchsorted(grid, prior_lo, side="right") - 1  # highest current known quiet
    hi = np.searchsorted(grid, prior_hi, side="left")  # lowest current known to fire
    n_sims, init = np.zeros(n, np.int64), np.full(n, -1, np.int64)
    local = np.zeros(n, np.int64)
    unstable = np.zeros(n, bool)
    trial = np.where(hi >= top, top - 1, (lo + hi) // 2)
    active = hi - lo > 1
    while active.any():
        a = np.flatnonzero(active)
        res = _trial(setup, key, rows[a], grid[trial[a]])
        n_sims[a] += 1
        fired = res.detected & ~res.unstable
        unstable[a] |= res.unstable
        hi[a[fired]] = trial[a[fired]]
        if fired.any():
            t = res.first_ap_time_ms[fired]
            init[a[fired]] = np.argmin(np.where(np.isnan(t), np.inf, t), axis=1)
        quiet = ~res.detected & ~res.unstable
        lo[a[quiet]] = trial[a[quiet]]
        local[a[quiet]] = (res.ap_count[quiet] > 0).sum(axis=1)
        active = (hi - lo > 1) & ~unstable
        trial = (lo + hi) // 2
    lower = np.where(lo >= 0, grid[np.clip(lo, 0, top - 1)], prior_lo)
    above = np.where(np.isfinite(prior_hi), prior_hi, np.nan)
    upper = np.where(hi < top, grid[np.clip(hi, 0, top - 1)], above)
    status = np.where(np.isfinite(upper), BRACKETED, ABOVE_GRID).astype("<U16")
    geometry = setup.geometry(key)
    blocked = local >= BLOCK_MIN_NODES[geometry.model]
    status[(status == BRACKETED) & blocked] = "block-suspected"
    ends = cut_end_nodes(geometry)[np.clip(init, 0, geometry.n_nodes - 1)]
    status[(status == BRACKETED) & (init >= 0) & ends] = "end-excitation"
    status[unstable] = "unstable"
    return {"lower_ma": lower, "upper_ma": upper, "n_sims": n_sims, "initiation_node": init,
            "status": status}  # fmt: skip


def _undetermined(rec: RecruitmentResult, amplitudes_ma: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Fibers whose state is unknown at each current, shape (n_amplitudes, n_fibers)."""
    a = np.asarray(amplitudes_ma, np.float64)[:, None]
    pending = rec.status == PENDING
    bracketed = rec.status == BRACKETED
    above = rec.status == ABOVE_GRID
    lo = np.nan_to_num(rec.lower_ma, nan=0.0)
    return ((pending | above) & (a > lo)) | (bracketed & (a > lo) & (a < rec.upper_ma))


def recruited_at(rec: RecruitmentResult, amplitudes_ma: ArrayLike) -> NDArray[np.bool_]:
    """Fibers recruited at each current, shape (n_amplitudes, n_fibers): ``ok`` fibers at and
    above their threshold, ``bracketed`` ones at and above ``upper_ma``; a fiber whose search
    did not end ``ok`` never fires. A state not known at a current (bracketed on other
    currents) is refused: bracket the fibers on these currents first."""
    a = np.atleast_1d(np.asarray(amplitudes_ma, np.float64))
    unknown = _undetermined(rec, a)
    if unknown.any():
        n, f = np.argwhere(unknown)[0]
        raise InputError(
            "amplitudes_ma", float(a[n]),
            f"currents at which every fiber's state is known (fiber {f} is {rec.status[f]} "
            "there: bracket_on_grid with these currents first)",
        )  # fmt: skip
    ok = rec.status == "ok"
    bracketed = rec.status == BRACKETED
    return (ok & (rec.threshold_ma <= a[:, None])) | (bracketed & (rec.upper_ma <= a[:, None]))


def passive_amplitude_ma(rec: RecruitmentResult, factor: float, fallback_ma: float) -> Any:
    """The passive run's current of each fiber (mA, (n_fibers,)): ``factor`` x its searched
    threshold (``ok``), x the middle of its bracket (``bracketed``), x the highest current it
    stayed quiet at (``above-grid``); ``fallback_ma`` for the others."""
    amp = np.full(rec.n_fibers, fallback_ma)
    ok = rec.status == "ok"
    amp[ok] = factor * rec.threshold_ma[ok]
    br = rec.status == BRACKETED
    amp[br] = factor * 0.5 * (rec.lower_ma[br] + rec.upper_ma[br])
    above = (rec.status == ABOVE_GRID) & (rec.lower_ma > 0)
    amp[above] = factor * rec.lower_ma[above]
    return amp


def check_search(thresholds: str, threshold_window: str) -> None:
    """Refuse an unknown search or one the whole-unit window cannot run."""
    if thresholds not in THRESHOLD_SEARCHES:
        raise InputError("thresholds", thresholds, ", ".join(THRESHOLD_SEARCHES))
    if thresholds != "all" and threshold_window != "recording":
        raise InputError(
            "thresholds", thresholds, "all (the whole-unit window searches every fiber)"
        )


__all__: list[str] = []
