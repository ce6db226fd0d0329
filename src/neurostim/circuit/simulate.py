"""Batched simulation: many independent conditions advance together in one compiled run.

A :class:`Condition` is one paradigm x parameter x recruitment x seed. :func:`simulate` builds
each condition's afferent trains (:mod:`~neurostim.circuit.afferents`), packs them into one
event list with a leading condition axis, and advances all conditions in one call of the
parallel kernel (:mod:`~neurostim.circuit._kernel`), in float64. Results are identical for a
fixed seed: the natural trains of a condition depend only on its seed (so an unstimulated run
with the same seed sees the same natural input), the stimulation draws on a second stream.

Time step: ``dt_ms = 0.025`` by default (NEURON ran the published model at 0.0125 ms);
tests/circuit/test_convergence.py checks that WDR and EX rates at 0.025 and 0.0125 ms agree
within 5 % over a 5 s window.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from neurostim.circuit._kernel import (
    LANES,
    build_calcium_table,
    build_voltage_table,
    run_kernel,
)
from neurostim.circuit.afferents import (
    SpikeTrains,
    evoked_spikes,
    explicit_evoked_spikes,
    fiber_margins,
    merge_trains,
    ongoing_trains,
    pain_state,
    renewal_train,
)
from neurostim.circuit.network import Network, build_network, load_parameters
from neurostim.circuit.programs import KilohertzTrain
from neurostim.errors import InputError

DEFAULT_DT_MS = 0.025
V_INIT_MV = -65.0


@dataclass(frozen=True)
class Condition:
    """One simulated condition.

    Parameters
    ----------
    program : a program of :mod:`neurostim.circuit.programs`, or None (no stimulation).
    seed : int, seeds the natural trains (stream 0) and the stimulation draws (stream 1).
    block : "none" or "gaba-a".
    realization : "foreman" (surround inhibition) or "windup" (none).
    recruitment : fraction of Abeta fibres (local and surround) recruited by a pulse, with
        thresholds spread lognormally (afferents.toml ``threshold_spread``); ignored when
        ``abeta_margins`` is given.
    abeta_margins : optional ndarray (n_abeta + n_abeta_surround,): each Abeta fibre's pulse
        amplitude over its own threshold (local fibres first, then surround), from a fibre
        model (``neurostim.pipeline``); a fibre fires on a pulse when margin x the pulse's
        amplitude scale >= 1 (and the recovery cycle allows). No spread is drawn then.
        Ignored, like ``recruitment``, when ``evoked_spikes`` is given.
    recovery_cycle : apply the axon's recovery cycle (False: every pulse recruits every
        recruited fibre, the published protocol).
    pain_state : named ongoing-activity state of afferents.toml.
    nociceptive_scale : multiplies the ongoing C and Adelta rates.
    duration_ms, stim_start_ms, stim_stop_ms : the run and the stimulation window.
    extra_spikes : optional (times_ms, fiber) arrays added to the natural input (e.g. the
        wind-up volleys), subject to collision like natural spikes.
    collateral_failure_per_khz : probability per kHz of mean pulse rate that an evoked spike
        fails in the collaterals (s2, Rogers 2024, [ours]); None = afferents.toml (0).
    evoked_spikes : optional (times_ms (n,), fiber (n,) of int, pulse (n,) of int): explicit
        stimulation-evoked arrival times at the synapses, for any fibre of any group (global
        numbering), each with the index of the program's pulse (in this condition's pulse
        times) that evoked it, e.g. from a biophysical cell simulation
        (``neurostim.drg.run``). Given, they replace the margin-based evoked Abeta
        spikes (``abeta_margins`` must then be None and ``recovery_cycle`` False: the cell
        model already decided which pulses fire); the
        collision rules still apply (``afferents.explicit_evoked_spikes``). Not for kilohertz
        programs.
    """

    program: Any = None
    seed: int = 1
    block: str = "none"
    realization: str = "foreman"
    recruitment: float = 1.0
    abeta_margins: NDArray[np.float64] | None = None
    recovery_cycle: bool = False
    pain_state: str = "protocol_row1"
    nociceptive_scale: float = 1.0
    duration_ms: float = 7000.0
    stim_start_ms: float = 1000.0
    stim_stop_ms: float | None = None
    extra_spikes: tuple[NDArray[np.float64], NDArray[np.int64]] | None = None
    collateral_failure_per_khz: float | None = None
    evoked_spikes: tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]] | None = None
    label: dict[str, Any] = field(default_factory=dict)

    def unstimulated(self) -> Condition:
        """The same condition (same seed, same natural input) without stimulation."""
        return replace(self, program=None)


@dataclass(frozen=True)
class BatchResult:
    """Spikes of every cell in every condition.

    Attributes
    ----------
    conditions : tuple of Condition (n_cond,)
    cell_names : tuple of str (n_cells,)
    spike_times_ms : ndarray (n_cond, n_cells, max_spikes), NaN-padded.
    n_spikes : ndarray (n_cond, n_cells) of int64.
    inputs : tuple of SpikeTrains (n_cond,)
    status : tuple of str (n_cond,): "ok", or "spike-buffer-overflow" (counts are then
        lower bounds and rates must not be used).
    dt_ms : float
    """

    conditions: tuple[Condition, ...]
    cell_names: tuple[str, ...]
    spike_times_ms: NDArray[np.float64]
    n_spikes: NDArray[np.int64]
    inputs: tuple[SpikeTrains, ...]
    status: tuple[str, ...]
    dt_ms: float

    def spikes(self, condition: int, cell: str) -> NDArray[np.float64]:
        """Spike times (n,) of one cell in one condition."""
        k = self.cell_names.index(cell)
        return self.spike_times_ms[condition, k, : self.n_spikes[condition, k]]


def build_inputs(net: Network, cond: Condition) -> tuple[SpikeTrains, NDArray[np.float64]]:
    """Afferent trains and per-cell bias current (nA, (n_cells,)) of one condition."""
    aff = load_parameters("afferents")
    if not np.isfinite(cond.duration_ms) or not 0.0 < cond.duration_ms <= 600_000.0:
        raise InputError("duration_ms", cond.duration_ms, "must be in (0, 600000] ms")
    if cond.collateral_failure_per_khz is not None and not (
        0.0 <= cond.collateral_failure_per_khz <= 1.0
    ):
        raise InputError(
            "collateral_failure_per_khz", cond.collateral_failure_per_khz, "must be in [0, 1]"
        )
    if not np.isfinite(cond.nociceptive_scale) or cond.nociceptive_scale < 0:
        raise InputError("nociceptive_scale", cond.nociceptive_scale, "must be >= 0")
    state = pain_state(cond.pain_state)
    rng_nat = np.random.default_rng([cond.seed, 0])
    rng_stim = np.random.default_rng([cond.seed, 1])
    natural = ongoing_trains(
        rng_nat, state["rate_hz"], state["cv"], cond.duration_ms, scale=cond.nociceptive_scale
    )
    if cond.extra_spikes is not None:
        t_x, f_x = cond.extra_spikes
        for i in np.unique(f_x):
            natural[i] = np.sort(np.concatenate([natural[i], t_x[f_x == i]]))
    n_total = len(natural)
    evoked = [np.empty(0) for _ in range(n_total)]
    bias = np.zeros(net.n_cells)
    prog = cond.program
    stop = cond.duration_ms if cond.stim_stop_ms is None else cond.stim_stop_ms
    pulse_ms = np.empty(0)
    if prog is not None:
        pulse_ms, scale = prog.pulses(cond.stim_start_ms, stop)
        lat = aff["scs_latency"]
        given = _given_margins(net, cond.abeta_margins)
        explicit = _given_spikes(cond, n_total, pulse_ms.size)
        groups = () if explicit is not None else ("abeta", "abeta_surround")
        if explicit is not None:
            evoked, natural = explicit_evoked_spikes(pulse_ms, *explicit, natural)
        for group in groups:
            off, n = net.fiber_offset(group), int(net.n_fibers[net.fiber_group_names.index(group)])
            if given is None:
                margins = fiber_margins(
                    rng_stim, n, cond.recruitment, aff["threshold_spread"]["log_sd"]
                )
            else:
                margins, given = given[:n], given[n:]
            rng_lat = (lat[f"{group}_min_ms"], lat[f"{group}_max_ms"])
            nat = natural[off : off + n]
            if isinstance(prog, KilohertzTrain):
                ev, nat = _khz_spikes(rng_stim, prog, pulse_ms, margins, nat, rng_lat, cond)
            else:
                ev, nat = evoked_spikes(
                    rng_stim,
                    pulse_ms,
                    scale,
                    margins,
                    nat,
                    rng_lat,
                    recovery_cycle=cond.recovery_cycle,
                )
            natural[off : off + n] = nat
            evoked[off : off + n] = ev
        failure = cond.collateral_failure_per_khz
        if failure is None:
            failure = aff["khz"]["collateral_failure_per_khz"]
        if failure > 0.0 and pulse_ms.size:
            # collaterals fail to follow fast trains (Rogers 2024) [ours]: each evoked spike is
            # lost with probability failure x (mean pulse rate in kHz), capped at 1
            span_s = max(pulse_ms[-1] - pulse_ms[0], 1000.0 / max(pulse_ms.size, 1)) / 1000.0
            p_fail = min(1.0, failure * pulse_ms.size / span_s / 1000.0)
            evoked = [ev[rng_stim.random(ev.size) >= p_fail] for ev in evoked]
        if isinstance(prog, KilohertzTrain) and prog.interneuron_drive_na:
            for cell in ("in", "in_s"):
                bias[net.cell_names.index(cell)] = prog.interneuron_drive_na
    return merge_trains(natural, evoked, pulse_ms), bias


def _given_spikes(
    cond: Condition, n_fibers: int, n_pulses: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]] | None:
    """A condition's explicit evoked spikes, checked (InputError naming what is wrong)."""
    if cond.evoked_spikes is None:
        return None
    if isinstance(cond.program, KilohertzTrain):
        raise InputError("evoked_spikes", "kilohertz program", "explicit spikes need pulses")
    if cond.abeta_margins is not None:
        raise InputError("abeta_margins", "given", "give either abeta_margins or evoked_spikes")
    if cond.recovery_cycle:
        raise InputError("recovery_cycle", True, "must be False with explicit evoked_spikes")
    try:
        t, f, p = (np.asarray(a) for a in cond.evoked_spikes)
    except (TypeError, ValueError):
        kind = type(cond.evoked_spikes).__name__
        raise InputError("evoked_spikes", kind, "a tuple (times_ms, fiber, pulse)") from None
    if not (t.ndim == f.ndim == p.ndim == 1 and t.size == f.size == p.size):
        raise InputError("evoked_spikes", (t.shape, f.shape, p.shape), "three (n,) arrays")
    t = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(t >= cond.duration_ms):
        raise InputError("evoked_spikes.times_ms", "out of range",
                         f"finite times in [0, {cond.duration_ms:g}) ms")  # fmt: skip
    if not (np.issubdtype(f.dtype, np.integer) and np.all((f >= 0) & (f < n_fibers))):
        raise InputError("evoked_spikes.fiber", "out of range", f"fibre indices in [0, {n_fibers})")
    if not (np.issubdtype(p.dtype, np.integer) and np.all((p >= 0) & (p < n_pulses))):
        raise InputError("evoked_spikes.pulse", "out of range",
                         f"pulse indices in [0, {n_pulses}) (the condition's pulses)")  # fmt: skip
    return np.asarray(t, dtype=np.float64), f.astype(np.int64), p.astype(np.int64)


def _given_margins(net: Network, margins: NDArray[np.float64] | None) -> NDArray[np.float64] | None:
    """Per-fibre margins of a condition, checked against the network's Abeta fibre count."""
    if margins is None:
        return None
    m = np.asarray(margins, dtype=np.float64)
    n = sum(int(net.n_fibers[net.fiber_group_names.index(g)]) for g in ("abeta", "abeta_surround"))
    if m.shape != (n,):
        raise InputError("abeta_margins", m.shape, f"expected shape ({n},): local then surround")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise InputError("abeta_margins", "non-finite or negative", "margins must be finite, >= 0")
    return m


def _khz_spikes(rng, prog, pulse_ms, margins, natural, latency, cond):
    """Kilohertz regimes: none, asynchronous pulse-locked firing, or block of natural spikes."""
    n = len(natural)
    empty = [np.empty(0) for _ in range(n)]
    stop = cond.duration_ms if cond.stim_stop_ms is None else cond.stim_stop_ms
    if prog.regime == "none" or pulse_ms.size == 0:
        return empty, natural
    recruited = margins >= 1.0
    if prog.regime == "block":
        out = []
        for i, nat in enumerate(natural):
            inside = (nat >= cond.stim_start_ms) & (nat < stop)
            out.append(nat[~inside] if recruited[i] else nat)
        return empty, out
    evoked, nat_out = [], []
    period = 1000.0 / prog.rate_hz
    for i, nat in enumerate(natural):
        if not recruited[i] or prog.async_rate_hz == 0.0:
            evoked.append(np.empty(0))
            nat_out.append(nat)
            continue
        own = cond.stim_start_ms + renewal_train(
            rng, prog.async_rate_hz, prog.async_cv, stop - cond.stim_start_ms, 1.0
        )
        locked = np.unique(
            cond.stim_start_ms + np.ceil((own - cond.stim_start_ms) / period) * period
        )
        locked = locked[locked < stop]
        ev, nt = evoked_spikes(
            rng,
            locked,
            np.full(locked.size, 10.0),
            np.array([1.0]),
            [nat],
            latency,
            recovery_cycle=False,
        )
        evoked.append(ev[0])
        nat_out.append(nt[0])
    return evoked, nat_out


def simulate(
    conditions: list[Condition] | tuple[Condition, ...],
    *,
    dt_ms: float = DEFAULT_DT_MS,
    network: Network | None = None,
    max_rate_hz: float = 1500.0,
    n_threads: int | None = None,
) -> BatchResult:
    """Simulate every condition in one batched run.

    Parameters
    ----------
    conditions : sequence of Condition (n_cond,); all must share ``duration_ms``.
    dt_ms : integration step (default 0.025 ms, see the module docstring).
    network : a prebuilt network (default: the Zhang 2014 network, fine=False).
    max_rate_hz : size of the spike buffer per cell; a cell that exceeds it sets the
        condition's status to "spike-buffer-overflow".
    n_threads : threads over the condition axis (default: numba's thread count, i.e. the
        cores). Results do not depend on it.
    """
    conditions = tuple(conditions)
    if not conditions:
        raise InputError("conditions", 0, "give at least one condition")
    if not np.isfinite(dt_ms) or not 0.001 <= dt_ms <= 0.1:
        raise InputError("dt_ms", dt_ms, "must be between 0.001 and 0.1 ms")
    durations = {c.duration_ms for c in conditions}
    if len(durations) != 1:
        raise InputError("duration_ms", sorted(durations), "all conditions of a batch share it")
    duration_ms = durations.pop()
    net = network or build_network("foreman")
    weights = np.stack([_weights_for(net, c) for c in conditions])
    inputs, biases = zip(*(build_inputs(net, c) for c in conditions), strict=True)
    n_steps = int(np.rint(duration_ms / dt_ms))
    ev_step = [np.rint(tr.times_ms / dt_ms).astype(np.int64) for tr in inputs]
    ev_ptr = np.zeros(len(conditions) + 1, dtype=np.int64)
    ev_ptr[1:] = np.cumsum([s.size for s in ev_step])
    fg = net.fiber_group_of_fiber
    n_groups_f = len(net.fiber_group_names)
    fg_conn = [[k for k, pre in enumerate(net.conn_pre) if pre == g] for g in net.fiber_group_names]
    cell_conn = [[k for k, pre in enumerate(net.conn_pre) if pre == c] for c in net.cell_names]
    meta = net.meta
    max_spikes = int(max_rate_hz * duration_ms / 1000.0) + 16
    n_cond = len(conditions)
    times = np.full((n_cond, net.n_cells, max_spikes), np.nan)
    counts = np.zeros((n_cond, net.n_cells), dtype=np.int64)
    overflow = np.zeros(n_cond, dtype=np.bool_)
    tab = build_voltage_table(float(dt_ms), float(meta["mg_out_mm"]))
    args = (
        net.capacitance_nf,
        net.area_um2,
        net.g_axial_us,
        net.g_pas_us,
        net.e_pas_mv,
        net.e_na_mv,
        net.e_k_mv,
        net.g_na_hh_us,
        net.g_k_hh_us,
        net.g_nap_us,
        net.g_kca_us,
        net.g_can_us,
        net.g_na_mel_us,
        net.g_kdri_us,
        net.p_cal_cm_per_s,
        net.ca_tau_ms,
        net.ca_depth_um,
        net.group_compartment,
        net.group_tau_rise_ms,
        net.group_tau_decay_ms,
        net.group_e_rev_mv,
        net.group_ca_fraction,
        net.group_mg_block,
        net.conn_group,
        weights,
        fg,
        _ptr(fg_conn, n_groups_f),
        _flat(fg_conn),
        _ptr(cell_conn, net.n_cells),
        _flat(cell_conn),
        net.soma_index,
        np.stack(biases),
        ev_ptr,
        np.concatenate(ev_step) if ev_step else np.empty(0, np.int64),
        np.concatenate([tr.fiber for tr in inputs]),
        float(dt_ms),
        n_steps,
        int(np.rint(meta["connection_delay_ms"] / dt_ms)),
        float(meta["spike_threshold_mv"]),
        float(meta["mg_out_mm"]),
        float(meta["ca_out_mm"]),
        V_INIT_MV,
        float(meta["e_can_mv"]),
        tab,
        build_calcium_table(float(dt_ms)),
    )
    # numba.config sets NUMBA_NUM_THREADS at runtime, so its stubs do not declare it
    n_default: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    n_threads = max(1, min(n_threads or n_default, n_cond))
    # slices aligned to the kernel's SIMD blocks of LANES conditions
    n_blocks = -(-n_cond // LANES)
    bounds = np.minimum(np.linspace(0, n_blocks, n_threads + 1).astype(int) * LANES, n_cond)
    if n_threads == 1:
        run_kernel(*args, 0, n_cond, times, counts, overflow)
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            futures = [
                pool.submit(run_kernel, *args, int(a), int(b), times, counts, overflow)
                for a, b in itertools.pairwise(bounds)
            ]
            for f in futures:
                f.result()
    status = tuple("spike-buffer-overflow" if o else "ok" for o in overflow)
    return BatchResult(
        conditions=conditions,
        cell_names=net.cell_names,
        spike_times_ms=times,
        n_spikes=counts,
        inputs=tuple(inputs),
        status=status,
        dt_ms=float(dt_ms),
    )


def _weights_for(net: Network, cond: Condition) -> NDArray[np.float64]:
    return replace(net, realization=cond.realization).weights_us(cond.block)


def _ptr(lists: list[list[int]], n: int) -> NDArray[np.int64]:
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    return ptr


def _flat(lists: list[list[int]]) -> NDArray[np.int64]:
    return np.array([k for x in lists for k in x], dtype=np.int64)
