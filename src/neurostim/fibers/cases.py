"""Protocol cases: point-source potentials and waveforms on the step grid.

Implements the stimulation of docs/reference/PROTOCOL.md sections 2-3:

- a monopolar point source at (0, distance, z_c) in a homogeneous isotropic medium
  (sigma = 0.2 S/m unless a case sets ``conductivity_s_per_m``), z_c the centre of the middle
  node: Ve_i = I/(4 pi sigma r_i), so 1 mA at 1 mm gives 397.887 mV;
- pulses in whole steps starting at step round(0.1 ms/dt) and lasting round(PW/dt) steps;
  cathodic and anodic use w = 1 (the sign is in the amplitude), biphasic cathodic-first
  w = +1 then -1 with no gap, trains repeat the biphasic pulse every 1000/rate_hz ms.

Allowed values of a case (checked when it is made; an InputError names the field, the value and
the range): the ranges in :data:`RANGES`, ``dt_ms <= pulse_width_ms``, pulses of a train that do
not overlap (2 pulse widths within 1000/rate_hz ms), the last pulse ending by ``tstop_ms``, and
at most :data:`MAX_STEPS` time steps. Zero never stands for "default": leave a field out (None)
to get the protocol default.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.models import fiber_model
from neurostim.field import point_source_potential_mv
from neurostim.units import UM_TO_MM

WAVEFORMS = ("monophasic-cathodic", "monophasic-anodic", "biphasic-cathodic-first", "train")
PULSE_START_MS = 0.1
SIGMA_S_PER_M = 0.2
"""Tissue conductivity of the protocol (S/m): the default of ``conductivity_s_per_m``."""
RANGES: dict[str, tuple[float, float]] = {
    "diameter_um": (0.05, 30.0),
    "distance_mm": (1e-3, 1000.0),
    "pulse_width_ms": (1e-4, 1000.0),
    "n_pulses": (1, 10_000),
    "rate_hz": (0.0, 10_000.0),
    "n_nodes": (5, 100_000),
    "length_mm": (1e-3, 1000.0),
    "dt_ms": (1e-4, 0.1),
    "tstop_ms": (1e-3, 10_000.0),
    "temperature_c": (0.0, 50.0),
    "conductivity_s_per_m": (1e-4, 100.0),
}
"""Allowed (min, max), inclusive, of the numbers of a case (units in the names)."""
MAX_STEPS = 10_000_000
"""Most time steps (tstop_ms / dt_ms) of one simulation."""
MAX_SECTION_STEPS = 10**11
"""Most section-steps (n_sections x n_steps) of one simulation, the work of one trial: about
250,000 times the protocol's single pulse (441 sections x 1000 steps), minutes per trial."""


def point_source_phi_mv_per_ma(
    points_mm: NDArray[np.float64],
    source_mm: NDArray[np.float64],
    sigma_s_per_m: float = SIGMA_S_PER_M,
) -> NDArray[np.float64]:
    """Potential (mV) of a 1 mA point source in an isotropic medium at ``points_mm`` (n, 3).

    Ve = I/(4 pi sigma r), computed by ``neurostim.field.point_source_potential_mv``.
    """
    r_mm = np.linalg.norm(np.asarray(points_mm, float) - np.asarray(source_mm, float), axis=-1)
    if np.any(r_mm <= 0):
        raise InputError("distance_mm", 0.0, "the source must not sit on a section centre")
    return point_source_potential_mv(1.0, source_mm, points_mm, sigma_s_per_m)


def pulse_waveform(
    waveform: str,
    pulse_width_ms: float,
    dt_ms: float,
    n_steps: int,
    n_pulses: int = 1,
    rate_hz: float = 0.0,
) -> NDArray[np.float64]:
    """Unit waveform on the step grid, shape (n_steps,): entry n is used for step n."""
    if waveform not in WAVEFORMS:
        raise InputError("waveform", waveform, f"must be one of {', '.join(WAVEFORMS)}")
    k = round(pulse_width_ms / dt_ms)
    if k < 1:
        raise InputError("pulse_width_ms", pulse_width_ms, f"must be >= dt_ms = {dt_ms}")
    w = np.zeros(n_steps)
    n_p = int(n_pulses) if waveform == "train" or n_pulses > 1 else 1
    if n_p > 1 and not rate_hz > 0:
        raise InputError("rate_hz", rate_hz, "must be > 0 for a train of pulses")
    biphasic = waveform in ("biphasic-cathodic-first", "train")
    for j in range(n_p):
        start = round((PULSE_START_MS + (j * 1000.0 / rate_hz if j else 0.0)) / dt_ms)
        w[start : start + k] = 1.0
        if biphasic:
            w[start + k : start + 2 * k] = -1.0
    return w


def polarity(waveform: str) -> float:
    """Sign of the source current of the first phase: -1 cathodic, +1 anodic."""
    return 1.0 if waveform == "monophasic-anodic" else -1.0


@dataclass(frozen=True)
class ProtocolCase:
    """One stimulation case of the validation protocol (a row of mrg_thresholds.csv).

    ``model`` is a registered fiber model (``neurostim.fibers.models.fiber_model_names()``:
    ``mrg``, ``mrg-interpolation``, ``sundt``, ``tigerholm``); it sets the diameters allowed
    and the defaults of ``n_nodes``, ``dt_ms`` and ``tstop_ms``. A fiber's extent is ``n_nodes``
    (nodes; sections of an unmyelinated model) or ``length_mm``, which gives
    floor(length/node spacing) + 1 nodes (fiber-models.md section 1), made odd by the builder;
    not both.
    """

    model: str
    diameter_um: float
    distance_mm: float
    waveform: str
    pulse_width_ms: float
    n_pulses: int = 1
    rate_hz: float = 0.0
    n_nodes: int | None = None
    dt_ms: float | None = None
    tstop_ms: float | None = None
    temperature_c: float = 37.0
    conductivity_s_per_m: float = SIGMA_S_PER_M
    length_mm: float | None = None

    def __post_init__(self) -> None:
        model = fiber_model(self.model)
        if self.waveform not in WAVEFORMS:
            raise InputError("waveform", self.waveform, f"must be one of {', '.join(WAVEFORMS)}")
        for name, (lo, hi) in RANGES.items():
            val = getattr(self, name)
            if val is None:
                continue
            if isinstance(val, bool) or not isinstance(val, int | float):
                raise InputError(name, val, "must be a number")
            whole = name in ("n_pulses", "n_nodes")
            kind = "a whole number" if whole else "a finite number"
            if not (np.isfinite(val) and lo <= val <= hi) or (whole and val != int(val)):
                raise InputError(name, val, f"must be {kind} in {lo:g}..{hi:g}")
        model.check_diameter(float(self.diameter_um))
        if self.length_mm is not None:
            if self.n_nodes is not None:
                raise InputError("length_mm", self.length_mm, "give n_nodes or length_mm, not both")
            n = self.resolved()[0]
            if n < 5:
                spacing_mm = model.node_spacing_um(float(self.diameter_um)) * UM_TO_MM
                raise InputError(
                    "length_mm", self.length_mm,
                    f"must hold at least 5 nodes: >= {4 * spacing_mm:g} mm for this fiber",
                )  # fmt: skip
        self._check_timing()

    def _check_timing(self) -> None:
        """The pulses fit the step grid, each other and the run; the run fits MAX_STEPS."""
        if self.is_train and not self.rate_hz > 0:
            raise InputError("rate_hz", self.rate_hz, "must be > 0 when n_pulses > 1")
        _, dt, tstop = self.resolved()
        if self.pulse_width_ms < dt * (1 - 1e-9):
            raise InputError("pulse_width_ms", self.pulse_width_ms, f"must be >= dt_ms = {dt:g} ms")
        n_steps = round(tstop / dt)
        if n_steps > MAX_STEPS:
            raise InputError(
                "tstop_ms",
                tstop,
                f"gives {n_steps} steps of dt_ms = {dt:g}; at most {MAX_STEPS} are allowed "
                "(shorten tstop_ms or raise dt_ms)",
            )
        biphasic = self.is_train or self.waveform == "biphasic-cathodic-first"
        pulse_ms = (2.0 if biphasic else 1.0) * self.pulse_width_ms
        n_sec = self.n_sections()
        if n_sec * n_steps > MAX_SECTION_STEPS:
            n_nodes, _, _ = self.resolved()
            raise InputError(
                "n_nodes",
                n_nodes,
                f"{n_sec} sections x {n_steps} steps (tstop_ms = {tstop:g}, dt_ms = {dt:g}) "
                f"exceed the {MAX_SECTION_STEPS:.0e} section-steps one simulation may take; "
                "use fewer nodes or a shorter tstop_ms",
            )
        if self.is_train and pulse_ms > 1000.0 / self.rate_hz:
            raise InputError(
                "pulse_width_ms",
                self.pulse_width_ms,
                f"two phases of {self.pulse_width_ms:g} ms do not fit in the pulse period "
                f"{1000.0 / self.rate_hz:g} ms (rate_hz = {self.rate_hz:g}); shorten the pulse "
                "or lower the rate",
            )
        last_start_ms = (self.n_pulses - 1) * 1000.0 / self.rate_hz if self.is_train else 0.0
        end_ms = PULSE_START_MS + last_start_ms + pulse_ms
        if end_ms > tstop * (1 + 1e-9):
            raise InputError(
                "pulse_width_ms" if not self.is_train else "n_pulses",
                self.pulse_width_ms if not self.is_train else self.n_pulses,
                f"the stimulus ends at {end_ms:g} ms, after tstop_ms = {tstop:g} ms; shorten it "
                "or raise tstop_ms",
            )

    @property
    def is_train(self) -> bool:
        return self.waveform == "train" or self.n_pulses > 1

    def resolved(self) -> tuple[int, float, float]:
        """(n_nodes, dt_ms, tstop_ms) with the protocol defaults filled in."""
        m = fiber_model(self.model)
        default_n = m.n_nodes_anodic if self.waveform == "monophasic-anodic" else m.n_nodes
        default_dt = m.dt_ms
        n = default_n if self.n_nodes is None else self.n_nodes
        if self.length_mm is not None:
            spacing_mm = m.node_spacing_um(float(self.diameter_um)) * UM_TO_MM
            n = int(np.floor(self.length_mm / spacing_mm)) + 1
        dt = default_dt if self.dt_ms is None else self.dt_ms
        if self.tstop_ms is not None:
            tstop = self.tstop_ms
        elif self.is_train:
            tstop = self.n_pulses * 1000.0 / self.rate_hz
        else:
            tstop = m.tstop_ms
        return int(n), float(dt), float(tstop)

    def geometry(self) -> CableGeometry:
        n, _, _ = self.resolved()
        return fiber_model(self.model).geometry(self.diameter_um, n, self.temperature_c)

    def phi_mv_per_ma(self, geometry: CableGeometry | None = None) -> NDArray[np.float64]:
        """Unit-current potential at every section centre, shape (n_sections,)."""
        g = geometry or self.geometry()
        z_mm = g.arc_um * 1e-3
        zc = g.arc_um[g.node_sections[g.center_node]] * 1e-3
        pts = np.column_stack([np.zeros_like(z_mm), np.zeros_like(z_mm), z_mm])
        source = np.array([0.0, self.distance_mm, zc])
        return point_source_phi_mv_per_ma(pts, source, self.conductivity_s_per_m)

    def n_sections(self) -> int:
        """Sections of the case's cable, computed without building it (see :func:`n_sections`)."""
        n, _, _ = self.resolved()
        return n_sections(self.model, self.diameter_um, n)

    def unit_waveform(self) -> NDArray[np.float64]:
        _, dt, tstop = self.resolved()
        n_steps = round(tstop / dt)
        kind = "train" if self.is_train else self.waveform
        return pulse_waveform(kind, self.pulse_width_ms, dt, n_steps, self.n_pulses, self.rate_hz)


@functools.lru_cache(maxsize=64)
def _sections_line(model: str, diameter_um: float) -> tuple[int, int]:
    """(a, b) with n_sections = a * n_nodes + b for odd n_nodes, from two small cables."""
    m = fiber_model(model)
    s5 = m.geometry(diameter_um, 5).n_sections
    s7 = m.geometry(diameter_um, 7).n_sections
    a = (s7 - s5) // 2
    return a, s5 - 5 * a


def n_sections(model: str, diameter_um: float, n_nodes: int) -> int:
    """Sections of a ``model`` cable of ``n_nodes`` nodes (made odd as the builders do), found
    without allocating it: a cost estimate may then refuse a cable too large to build."""
    fiber_model(model)
    n = int(n_nodes)
    n = n - 1 if n % 2 == 0 else n
    a, b = _sections_line(model, float(diameter_um))
    return a * n + b


def iclamp_na(
    amplitude_na: float, delay_ms: float, duration_ms: float, dt_ms: float, n_steps: int
) -> NDArray[np.float64]:
    """NEURON IClamp current per step (n_steps,): on when delay <= t_n + dt/2 < delay + dur."""
    t_mid = (np.arange(n_steps) + 0.5) * dt_ms
    return np.where((t_mid >= delay_ms) & (t_mid < delay_ms + duration_ms), amplitude_na, 0.0)


__all__ = [
    "MAX_SECTION_STEPS",
    "MAX_STEPS",
    "RANGES",
    "SIGMA_S_PER_M",
    "WAVEFORMS",
    "ProtocolCase",
    "iclamp_na",
    "n_sections",
    "point_source_phi_mv_per_ma",
    "polarity",
    "pulse_waveform",
]
