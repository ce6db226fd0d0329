"""Train following at the T junction: the highest rate at which every pulse crosses it.

Protocol (drg.md §4 P4, constants in ``data/cells.toml`` [follow]): a neuron of a type at its
default diameters (``default_diameters_um``); an **intracellular** current pulse (an IClamp,
``pulse_width_ms`` 0.1 ms, ``amplitude_factor`` 2 × the single-pulse threshold found by
bisection to 1 %) at the branch node ``stim_distance_from_end_fraction`` (0.2) of the branch
length from its far end: on the peripheral branch (``orthodromic``, towards the cord) or on the
central branch (``antidromic``). A train of ``n_pulses`` (20) at each rate runs from rest, until
``tail_ms`` (20 ms) after the last pulse; **crossed** is the number of pulses whose AP arrives
at the other branch's end (``central_end`` orthodromically, ``peripheral_end`` antidromically),
i.e. passed the T junction; **initiated** the number whose AP started at the stimulated node.
APs are assigned to pulses by their arrival time (``pulses_answered``), so an echo (the Aβ
soma's late spike re-exciting the stem and sending a second AP out both branches) does not
count as a pulse; ``aps_at_far_end`` counts every AP there. The following rate
is the highest rate of the ascending list below the first rate at which a pulse failed to cross
(None when the lowest rate already fails); when every rate was followed it is only a lower
bound (``every_rate_followed`` in the JSON).

Time steps: 5 µs for the MRG cells, 10 µs for the Sundt C neuron, whose branches are shortened
to 2 mm for trains (the T region, stem and 100 µm T sections, is SU15's; ``c_branch_length_mm``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.drg.cells import cell_parameters, neuron_geometry
from neurostim.drg.neurons import NEURON_TYPES, neuron_types
from neurostim.errors import InputError
from neurostim.fibers._kernel import AP_THRESHOLD_MV
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.mrg import mrg_diameters_um
from neurostim.fibers.solver import simulate
from neurostim.units import S_TO_MS

DIRECTIONS = ("orthodromic", "antidromic")
MAX_PULSES = 1000
MAX_RATE_HZ = 2000.0
BISECTION_REL = 0.01
"""Relative width at which the intracellular threshold's bisection stops."""


@dataclass(frozen=True)
class RateOutcome:
    """One train: ``rate_hz``, ``pulses`` given, the pulses that ``initiated`` an AP at the
    stimulated node and those whose AP ``crossed`` (arrived at the far branch's end), and all
    APs counted at the far end (echoes included: ``pulses_answered``)."""

    rate_hz: float
    pulses: int
    initiated: int
    crossed: int
    aps_at_far_end: int

    @property
    def followed(self) -> bool:
        return self.crossed >= self.pulses


@dataclass(frozen=True)
class FollowResult:
    """Train following of one neuron type (module docstring)."""

    neuron_type: str
    mechanisms: str
    direction: str
    following_rate_hz: float | None
    rates: tuple[RateOutcome, ...]
    stim_section: int
    amplitude_na: float
    threshold_na: float
    dt_ms: float
    adelta_kinetics_provisional: bool

    def as_dict(self) -> dict[str, object]:
        """The JSON form: ``following_rate_hz`` and ``rates`` (``rate_hz``, ``crossed``,
        ``pulses``, ``initiated``) with the protocol's numbers."""
        return {
            "type": self.neuron_type,
            "mechanisms": self.mechanisms,
            "direction": self.direction,
            "following_rate_hz": self.following_rate_hz,
            "every_rate_followed": all(r.followed for r in self.rates),
            "rates": [
                {
                    "rate_hz": r.rate_hz,
                    "crossed": r.crossed,
                    "pulses": r.pulses,
                    "initiated": r.initiated,
                    "aps_at_far_end": r.aps_at_far_end,
                }
                for r in self.rates
            ],
            "stimulus": {
                "kind": "intracellular",
                "branch": "peripheral" if self.direction == "orthodromic" else "central",
                "amplitude_na": self.amplitude_na,
                "threshold_na": self.threshold_na,
                "pulse_width_ms": float(cell_parameters()["follow"]["pulse_width_ms"]),
            },
            "dt_ms": self.dt_ms,
            "adelta_kinetics_provisional": self.adelta_kinetics_provisional,
        }


def default_diameters_um(neuron_type: str) -> tuple[float, float, float]:
    """(peripheral, stem, central) diameters of a type's default neuron (neurons.toml):
    central = the MRG table entry nearest the ratio where the type snaps to the table."""
    if neuron_type not in NEURON_TYPES:
        raise InputError("type", neuron_type, f"allowed: {', '.join(NEURON_TYPES)}")
    t = neuron_types()[neuron_type]
    p = t.peripheral_diameter_um
    central = p * t.central_over_peripheral
    if t.central_snap == "mrg_table":
        table = np.array(mrg_diameters_um())
        central = float(table[np.argmin(np.abs(table - central))])
    return p, p * t.stem_over_peripheral, central


def follow_geometry(neuron_type: str, mechanisms: str = "na-k") -> CableGeometry:
    """The neuron the protocol runs: default diameters, C branches shortened for trains."""
    p, s, c = default_diameters_um(neuron_type)
    f = cell_parameters()["follow"]
    length = float(f["c_branch_length_mm"]) if neuron_type == "c" else None
    return neuron_geometry(neuron_type, peripheral_um=p, stem_um=s, central_um=c,
                           branch_length_mm=length, mechanisms=mechanisms)  # fmt: skip


def _stim_node(g: CableGeometry, branch: str) -> int:
    """Index into node_sections of the branch node nearest the protocol's stimulation point."""
    f = cell_parameters()["follow"]
    end = g.named_sections[f"{branch}_end"]
    dist = np.asarray(g.extra["distance_from_t_um"], float)
    target = dist[end] * (1.0 - float(f["stim_distance_from_end_fraction"]))
    on_branch = np.array([g.extra["branch"][s] == branch for s in g.node_sections])
    cand = np.flatnonzero(on_branch)
    return int(cand[np.argmin(np.abs(dist[g.node_sections[cand]] - target))])


def _train(n_steps: int, dt_ms: float, onsets_ms: NDArray[np.float64], amp_na: float,
           width_ms: float) -> NDArray[np.float64]:  # fmt: skip
    """IClamp current per step (n_steps,): on where the step's midpoint lies in a pulse."""
    t_mid = (np.arange(n_steps) + 0.5) * dt_ms
    on = np.zeros(n_steps, bool)
    for t0 in onsets_ms:
        on |= (t_mid > t0) & (t_mid < t0 + width_ms)
    return np.where(on, amp_na, 0.0)


def _upstrokes_ms(v_mv: NDArray[np.float64], dt_ms: float) -> NDArray[np.float64]:
    """Step-end times (ms) of every upward -30 mV crossing of a trace (n_steps,)."""
    k = np.flatnonzero((v_mv[1:] > AP_THRESHOLD_MV) & (v_mv[:-1] <= AP_THRESHOLD_MV)) + 1
    start = [0] if v_mv[0] > AP_THRESHOLD_MV else []
    return (np.concatenate([start, k]) + 1) * dt_ms


def pulses_answered(ap_times_ms: NDArray[np.float64], onsets_ms: NDArray[np.float64]) -> int:
    """How many pulses (onsets, (n_pulses,), ascending, evenly spaced) an AP answered at a node.

    The first AP fixes the latency L; each AP is assigned to the pulse whose expected arrival
    (onset + L) is nearest (within half a period); a pulse answered by several APs (an echo:
    the soma's late spike re-exciting the stem) counts once.
    """
    t = np.asarray(ap_times_ms, float)
    if t.size == 0:
        return 0
    if onsets_ms.size == 1:
        return 1
    period = float(onsets_ms[1] - onsets_ms[0])
    latency = float(t[0] - onsets_ms[0])
    k = np.rint((t - latency - onsets_ms[0]) / period).astype(np.int64)
    return int(np.unique(k[(k >= 0) & (k < onsets_ms.size)]).size)


def _fires(g: CableGeometry, node: int, amp_na: float, dt_ms: float, width_ms: float) -> bool:
    n = round(3.0 / dt_ms)
    r = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=dt_ms, n_steps=n,
                 intracellular_section=int(g.node_sections[node]),
                 intracellular_na=_train(n, dt_ms, np.array([0.1]), amp_na, width_ms))  # fmt: skip
    return bool(r.ap_count[0, node] > 0)


def intracellular_threshold_na(g: CableGeometry, node: int, dt_ms: float, width_ms: float) -> float:
    """Single-pulse threshold (nA) at node index ``node``, bisected to 1 %."""
    hi = 0.05
    while not _fires(g, node, hi, dt_ms, width_ms):
        hi *= 2.0
        if hi > 1e4:
            raise InputError("stimulus", "intracellular", "no AP up to 10 uA at the node")
    lo = 0.0
    while hi - lo > BISECTION_REL * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if _fires(g, node, mid, dt_ms, width_ms) else (mid, hi)
    return hi


def train_following(
    neuron_type: str,
    *,
    mechanisms: str = "na-k",
    rates_hz: list[float] | NDArray[np.float64] | None = None,
    n_pulses: int | None = None,
    direction: str = "orthodromic",
) -> FollowResult:
    """Run the protocol of the module docstring for one neuron type.

    Parameters
    ----------
    neuron_type : {"abeta", "adelta", "c"}
    mechanisms : str
        A set of ``cells.MECHANISMS`` that the type runs (``cells.AVAILABLE_MECHANISMS``:
        all four for the C neuron, ``na-k`` for the MRG cells).
    rates_hz : sequence of float, optional
        Train rates (Hz), default ``rates_hz`` of data/cells.toml [follow]; sorted ascending.
    n_pulses : int, optional
        Pulses per train (default 20).
    direction : {"orthodromic", "antidromic"}
    """
    f = cell_parameters()["follow"]
    if direction not in DIRECTIONS:
        raise InputError("direction", direction, f"allowed: {', '.join(DIRECTIONS)}")
    pulses = int(f["n_pulses"]) if n_pulses is None else n_pulses
    if not (isinstance(pulses, int | np.integer) and 1 <= pulses <= MAX_PULSES):
        raise InputError("pulses", n_pulses, f"an integer 1-{MAX_PULSES}")
    rates = np.asarray(f["rates_hz"] if rates_hz is None else rates_hz, dtype=np.float64)
    if rates.ndim != 1 or rates.size == 0 or not np.all(np.isfinite(rates)):
        raise InputError("rates_hz", rates_hz, "a list of rates in Hz")
    if np.any(rates <= 0) or np.any(rates > MAX_RATE_HZ):
        raise InputError("rates_hz", rates.tolist(), f"rates in (0, {MAX_RATE_HZ:g}] Hz")
    width = float(f["pulse_width_ms"])
    if pulses > 1 and np.any(S_TO_MS / rates <= width):
        raise InputError("rates_hz", rates.tolist(), f"pulses of {width} ms must not overlap")
    rates = np.unique(rates)
    g = follow_geometry(neuron_type, mechanisms)
    dt = float(f["dt_ms_sundt"] if g.model == "sundt" else f["dt_ms_mrg"])
    branch, far = (("peripheral", "central") if direction == "orthodromic"
                   else ("central", "peripheral"))  # fmt: skip
    node = _stim_node(g, branch)
    threshold = intracellular_threshold_na(g, node, dt, width)
    amp = float(f["amplitude_factor"]) * threshold
    far_node = g.node_index(f"{far}_end")
    out = []
    for rate in rates:
        onsets = 0.1 + np.arange(pulses) * S_TO_MS / rate
        n = round((onsets[-1] + float(f["tail_ms"])) / dt)
        stim_sec = int(g.node_sections[node])
        rec = np.array([stim_sec, int(g.node_sections[far_node])])
        r = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=dt, n_steps=n,
                     intracellular_section=stim_sec, record_sections=rec,
                     intracellular_na=_train(n, dt, onsets, amp, width))  # fmt: skip
        trace = r.v_trace_mv[0]  # type: ignore[index]
        out.append(RateOutcome(
            rate_hz=float(rate), pulses=pulses,
            initiated=pulses_answered(_upstrokes_ms(trace[0], dt), onsets),
            crossed=pulses_answered(_upstrokes_ms(trace[1], dt), onsets),
            aps_at_far_end=int(r.ap_count[0, far_node]),
        ))  # fmt: skip
    following = None
    for o in out:
        if not o.followed:
            break
        following = o.rate_hz
    return FollowResult(
        neuron_type=neuron_type,
        mechanisms=mechanisms,
        direction=direction,
        following_rate_hz=following,
        rates=tuple(out),
        stim_section=int(g.node_sections[node]),
        amplitude_na=amp,
        threshold_na=threshold,
        dt_ms=dt,
        adelta_kinetics_provisional=bool(g.extra["adelta_kinetics_provisional"]),
    )


__all__ = [
    "DIRECTIONS",
    "FollowResult",
    "RateOutcome",
    "default_diameters_um",
    "follow_geometry",
    "intracellular_threshold_na",
    "pulses_answered",
    "train_following",
]
