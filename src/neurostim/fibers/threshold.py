"""Batched threshold search: all cases bracket and bisect in lock-step.

Search for each case (PROTOCOL.md sections 5, 6 and 12), amplitudes as magnitudes of the signed
first-phase current:

1. **Bracket from below.** The first trial is the estimate divided by ``first_factor``. While a
   trial shows any AP (at the detection node, or only locally: a blocked or partial response),
   divide by ``down_factor`` (with ``first_step``: by that factor first, squared at each
   further step up to ``down_factor``). The first trial with no AP anywhere is ``lo``: in the
   protocol's physics it lies below threshold (the block window always shows local firing,
   section 12).
   The lowest supra-threshold trial so far is ``hi``; it is kept only if hi <= 4 lo
   (``MAX_BRACKET_RATIO``), because then [lo, hi] lies inside the first excitation window,
   which spans threshold to 5x threshold or more. Otherwise multiply lo by ``up_factor``
   (<= 4) until the detection node fires. Approaching from below in such steps keeps the
   search out of the block window.
2. **Bisect** (arithmetic mean) until (hi - lo)/hi < ``tolerance_rel``; report (lo + hi)/2.
3. **Status** per case: ``ok``; ``not-bracketed`` (no supra-threshold amplitude below
   ``max_amplitude_ma`` or no quiet one above ``min_amplitude_ma``); ``block-suspected`` (the
   final sub-threshold trial fired ``BLOCK_MIN_NODES`` or more nodes without reaching the
   detection node: the transition may be the edge of a block window, not activation);
   ``end-excitation`` (the earliest AP of the final supra-threshold trial is at node 0, 1,
   N-2 or N-1; in a branched cell at a cut end, ``tree.cut_end_nodes``); ``unstable`` (a
   non-finite voltage).

Early exit: supra-threshold trials stop at the AP at the detection node; sub-threshold trials
stop once the waveform is over and the fiber is back at rest (``QUIET_MV``). Every trial of the
batch is advanced together by one ``simulate`` call per round. A trial at an amplitude the case
has already run is not run again: its recorded outcome is used (``reuse_trials``).

The first estimate blends the activating function [Rattay 1986] and the peak potential:
I_est = K (1 + tau/PW)/(AF^b phi^(1 - b)), with AF = max_k(-s (phi_{k-1} - 2 phi_k + phi_{k+1}))
over the nodes (mV/mA), s the polarity, phi the largest nodal potential per mA. K, tau, b
(``ESTIMATE``) were fitted to this engine's own 10 and 16 um thresholds (distances 0.5-3 mm,
PW 0.03-0.5 ms; worst error x1.25). They only choose the first trial, never the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.solver import simulate
from neurostim.fibers.tree import cut_end_nodes

BLOCK_MIN_NODES = {"mrg": 3, "sundt": 12, "sundt_slow": 12, "tigerholm": 24}
"""Nodes that must fire in the final sub-threshold trial to call it blocked (a propagating AP
stopped short of the detection node). MRG: one or two nodes are a passive excursion above
-30 mV under the electrode during a short strong pulse. Sundt (8.3 um compartments): a local
response just below threshold covers about 5 compartments (40 um); a blocked AP at 7x threshold
covers about 21 (175 um). Tigerholm (8.3 um compartments): the local response just below
threshold of a 0.8 um fiber 0.1 mm from a 0.1 ms point source covers 15 compartments (125 um)."""
MAX_BRACKET_RATIO = 4.0
"""Largest hi/lo accepted as a first bracket (the first excitation window is >= 5x wide)."""
QUIET_MV = 1.0
"""A sub-threshold trial stops once the waveform is over and every node has stayed within this
many mV of rest for 20 steps (0.1 ms at dt 5 us): a fiber back at rest with no input cannot fire
later. The full reference table gives identical outcomes with and without this exit
(tests/reference/test_mrg_thresholds.py); pass ``quiet_mv=0`` to run every window to tstop."""
REUSE_REL = 1e-9
"""Relative distance within which two trial amplitudes of a case count as the same trial (the
search's divisions and multiplications by one factor return to an amplitude to rounding)."""
STATUSES = ("ok", "not-bracketed", "block-suspected", "end-excitation", "unstable")
ESTIMATE = {  # (K, tau_ms, b) per polarity of the first phase
    "cathodic": (8.32, 0.17, 0.38),
    "anodic": (68.7, 0.20, 0.26),
}


@dataclass(frozen=True)
class ThresholdResult:
    """Thresholds of n_cases cases.

    Attributes
    ----------
    threshold_ma : ndarray of shape (n_cases,)
        Signed source current (negative = cathodic first phase); NaN unless bracketed.
    lower_ma, upper_ma : ndarray of shape (n_cases,)
        Final bracket (magnitudes).
    n_sims : ndarray of int, shape (n_cases,)
        Simulations run for each case.
    status : ndarray of str, shape (n_cases,)
        One of ``STATUSES``.
    initiation_node : ndarray of int, shape (n_cases,)
        Node of the earliest AP in the final supra-threshold trial (-1 if none).
    lower_fired_nodes : ndarray of int, shape (n_cases,)
        Nodes that fired in the trial at ``lower_ma`` without reaching the detection node (0
        for a quiet trial or where no lower bracket was found): with no upper bracket, a count
        of ``BLOCK_MIN_NODES`` or more means that the case did answer at its highest trial,
        only not at the detection node within the window.
    """

    threshold_ma: NDArray[np.float64]
    lower_ma: NDArray[np.float64]
    upper_ma: NDArray[np.float64]
    n_sims: NDArray[np.int64]
    status: NDArray[np.str_]
    initiation_node: NDArray[np.int64]
    lower_fired_nodes: NDArray[np.int64]


def activating_function_estimate_ma(
    geometry: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    polarity: NDArray[np.float64],
    pulse_width_ms: NDArray[np.float64],
) -> NDArray[np.float64]:
    """First-trial magnitude (mA) from the nodal activating function, shape (n_cases,)."""
    phi = np.atleast_2d(phi_mv_per_ma)[:, geometry.node_sections]
    af = phi[:, :-2] - 2.0 * phi[:, 1:-1] + phi[:, 2:]
    pol = np.broadcast_to(np.asarray(polarity, float), (phi.shape[0],))
    drive = np.max(-pol[:, None] * af, axis=1)
    drive = np.where(drive > 0, drive, np.max(np.abs(af), axis=1))
    peak = np.max(np.abs(phi), axis=1)
    pw = np.asarray(pulse_width_ms, float)
    est = np.empty(phi.shape[0])
    for name, sel in (("cathodic", pol < 0), ("anodic", pol >= 0)):
        k, tau, b = ESTIMATE[name]
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero field: no finite estimate
            est[sel] = (k * (1.0 + tau / pw) / (drive**b * peak ** (1.0 - b)))[sel]
    return np.where(np.isfinite(est), est, np.inf)


def find_thresholds(
    geometry: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    waveform: NDArray[np.float64],
    polarity: NDArray[np.float64],
    *,
    wave_index: NDArray[np.int64] | None = None,
    estimate_ma: NDArray[np.float64] | None = None,
    pulse_width_ms: NDArray[np.float64] | float = 0.1,
    dt_ms: float = 0.005,
    tstop_ms: float = 5.0,
    tolerance_rel: float = 1e-3,
    first_factor: float = 1.0,
    down_factor: float = 1.25,
    up_factor: float = 1.25,
    first_step: NDArray[np.float64] | float | None = None,
    min_amplitude_ma: float = 1e-5,
    max_amplitude_ma: float = 1e3,
    max_rounds: int = 80,
    quiet_mv: float = QUIET_MV,
    quiet_from_ms: float | None = None,
    progress: Callable[[int], None] | None = None,
    backend: str = "numba",
    reuse_trials: bool = True,
    block_min_nodes: int | None = None,
) -> ThresholdResult:
    """Activation thresholds of n_cases cases of one geometry, searched in lock-step.

    Parameters
    ----------
    geometry : CableGeometry
    phi_mv_per_ma : ndarray of shape (n_cases, n_sections) or (n_sections,)
        Unit-current extracellular potential at the section centres.
    waveform : ndarray of shape (n_waves, n_steps) or (n_steps,)
        Unit waveforms (first phase +1); ``wave_index`` (n_cases,) picks one per case.
    polarity : ndarray of shape (n_cases,) or float
        Sign of the first-phase source current (-1 cathodic, +1 anodic).
    estimate_ma : ndarray of shape (n_cases,), optional
        First guess of the magnitude; default: activating-function estimate.
    tolerance_rel : float
        Stop when (hi - lo)/hi < tolerance_rel (default 0.1 %).
    first_step : ndarray of shape (n_cases,) or float, optional
        Factor of each case's first bracketing step (in (1, ``MAX_BRACKET_RATIO``]); each
        further step in the same search squares it, up to ``down_factor`` going down and
        ``up_factor`` going up. For a first trial known to lie close to the threshold (a
        neighbour's ratio): the first bracket is narrower and fewer bisections follow. Default:
        every step is ``down_factor`` / ``up_factor``.
    quiet_from_ms : float, optional
        Passed to ``simulate``: a sub-threshold trial may end from this time on although a
        weak, decaying tail of the waveform (a passive recharge) goes on.
    progress : callable, optional
        Called with the number of cases finished in each round.
    backend : {"numba", "numpy", "jax"}
        Passed to ``simulate`` (the same thresholds; "jax" needs the ``gpu`` extra).
    reuse_trials : bool
        A trial at an amplitude the case has already run (within ``REUSE_REL``: the search
        walks down from local firing and back up by the same factor) takes that trial's
        outcome instead of running again; the simulation is deterministic, so the search and
        its result are the same as with ``False`` (every trial run), with fewer ``n_sims``.
    block_min_nodes : int, optional
        Nodes that must fire in the final sub-threshold trial for ``block-suspected`` (default
        ``BLOCK_MIN_NODES`` of the model, counted on its validated compartment length; a
        coarser grid of the same model passes the count that covers the same length).
    """
    if not 0 < tolerance_rel < 1:
        raise InputError("tolerance_rel", tolerance_rel, "must lie in (0, 1)")
    if not 1 < up_factor <= MAX_BRACKET_RATIO:
        raise InputError("up_factor", up_factor, f"must lie in (1, {MAX_BRACKET_RATIO}]")
    phi = np.atleast_2d(np.asarray(phi_mv_per_ma, float))
    n_cases = max(phi.shape[0], np.size(polarity), 1 if wave_index is None else len(wave_index))
    phi = np.broadcast_to(phi, (n_cases, geometry.n_sections))
    pol = np.sign(np.broadcast_to(np.asarray(polarity, float), (n_cases,))).copy()
    pol[pol == 0] = -1.0
    widx = np.zeros(n_cases, np.int64) if wave_index is None else np.asarray(wave_index, np.int64)
    if estimate_ma is None:
        pw = np.broadcast_to(np.asarray(pulse_width_ms, float), (n_cases,))
        estimate_ma = activating_function_estimate_ma(geometry, phi, pol, pw)
    trial = np.abs(np.broadcast_to(np.asarray(estimate_ma, float), (n_cases,))) / first_factor
    # The first trial stays inside the search range; a field too weak for a finite estimate
    # starts at the ceiling and ends not-bracketed if it stays quiet there.
    trial = np.clip(np.nan_to_num(trial, nan=max_amplitude_ma), min_amplitude_ma, max_amplitude_ma)
    step = None
    if first_step is not None:
        step = np.broadcast_to(np.asarray(first_step, float), (n_cases,)).copy()
        if not np.all((step > 1.0) & (step <= MAX_BRACKET_RATIO)):
            raise InputError("first_step", first_step, f"must lie in (1, {MAX_BRACKET_RATIO}]")
    lo = np.full(n_cases, np.nan)
    hi = np.full(n_cases, np.nan)
    lo_local = np.zeros(n_cases, bool)
    lo_fired = np.zeros(n_cases, np.int64)
    init_node = np.full(n_cases, -1, np.int64)
    n_sims = np.zeros(n_cases, np.int64)
    status = np.full(n_cases, "ok", dtype="<U16")
    active = np.ones(n_cases, bool)
    n_nodes = geometry.n_nodes
    min_block = BLOCK_MIN_NODES[geometry.model] if block_min_nodes is None else block_min_nodes
    if min_block < 1:
        raise InputError("block_min_nodes", block_min_nodes, "a count >= 1")
    # outcome of every trial run, per case: (amplitude, unstable, detected, earliest AP node,
    # any AP, nodes that fired); a trial the search comes back to is not run again
    seen: list[list[tuple[float, bool, bool, int, bool, int]]] = [[] for _ in range(n_cases)]

    def step_case(k: int, out: tuple[float, bool, bool, int, bool, int]) -> None:
        _, unstable, detected, node, fired, n_fired = out
        if unstable:
            status[k] = "unstable"
            active[k] = False
            return
        if detected:
            hi[k] = trial[k]
            init_node[k] = node
        elif np.isnan(lo[k]) and fired:
            pass  # local firing before any quiet trial: keep going down
        else:
            lo[k] = trial[k]
            lo_local[k] = n_fired >= min_block
            lo_fired[k] = n_fired
        if not np.isnan(lo[k]) and hi[k] > MAX_BRACKET_RATIO * lo[k]:
            hi[k] = np.nan  # too far above lo to be sure it is in the first window
        if np.isnan(lo[k]):
            f = down_factor if step is None else step[k]
            trial[k] = trial[k] / f
            if step is not None:
                step[k] = min(f * f, down_factor)
            if trial[k] < min_amplitude_ma:
                status[k], active[k] = "not-bracketed", False
        elif np.isnan(hi[k]):
            f = up_factor if step is None else step[k]
            trial[k] = trial[k] * f
            if step is not None:
                step[k] = min(f * f, up_factor)
            if trial[k] > max_amplitude_ma:
                status[k], active[k] = "not-bracketed", False
        elif (hi[k] - lo[k]) / hi[k] < tolerance_rel:
            active[k] = False
        else:
            trial[k] = 0.5 * (lo[k] + hi[k])

    def known(k: int) -> tuple[float, bool, bool, int, bool, int] | None:
        if not reuse_trials:
            return None
        for out in seen[k]:
            if abs(out[0] - trial[k]) <= REUSE_REL * trial[k]:
                return out
        return None

    for _ in range(max_rounds):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        res = simulate(
            geometry, phi[idx], pol[idx] * trial[idx], waveform, wave_index=widx[idx],
            dt_ms=dt_ms, tstop_ms=tstop_ms, stop_on_detect=True, quiet_mv=quiet_mv,
            quiet_from_ms=quiet_from_ms, backend=backend,
        )  # fmt: skip
        n_sims[idx] += 1
        fired = res.ap_count > 0
        finished = 0
        for j, k in enumerate(idx.tolist()):
            node = int(np.nanargmin(res.first_ap_time_ms[j])) if res.detected[j] else -1
            out = (float(trial[k]), bool(res.unstable[j]), bool(res.detected[j]), node,
                   bool(fired[j].any()), int(fired[j].sum()))  # fmt: skip
            seen[k].append(out)
            step_case(k, out)
            while active[k] and (again := known(k)) is not None:
                step_case(k, again)
            if not active[k]:
                finished += 1
        if progress is not None:
            progress(finished)
    else:
        status[active] = "not-bracketed"
    thr = pol * 0.5 * (lo + hi)
    ok = status == "ok"
    status[ok & lo_local] = "block-suspected"
    ends = cut_end_nodes(geometry)[np.clip(init_node, 0, n_nodes - 1)]
    status[(status == "ok") & ends] = "end-excitation"
    thr[~np.isfinite(lo) | ~np.isfinite(hi)] = np.nan
    return ThresholdResult(
        threshold_ma=thr,
        lower_ma=lo,
        upper_ma=hi,
        n_sims=n_sims,
        status=status,
        initiation_node=init_node,
        lower_fired_nodes=lo_fired,
    )


__all__ = ["STATUSES", "ThresholdResult", "activating_function_estimate_ma", "find_thresholds"]
