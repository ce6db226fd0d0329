"""Protocol cases: point-source potentials and waveforms on the step grid.

Implements the stimulation of docs/reference/PROTOCOL.md sections 2-3:

- a monopolar point source at (0, distance, z_c) in a homogeneous isotropic medium
  (sigma = 0.2 S/m), z_c the centre of the middle node: Ve_i = I/(4 pi sigma r_i), so 1 mA at
  1 mm gives 397.887 mV;
- pulses in whole steps starting at step round(0.1 ms/dt) and lasting round(PW/dt) steps;
  cathodic and anodic use w = 1 (the sign is in the amplitude), biphasic cathodic-first
  w = +1 then -1 with no gap, trains repeat the biphasic pulse every 1000/rate_hz ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.mrg import mrg_diameters_um, mrg_geometry
from neurostim.fibers.sundt import sundt_geometry
from neurostim.field import point_source_potential_mv

WAVEFORMS = ("monophasic-cathodic", "monophasic-anodic", "biphasic-cathodic-first", "train")
MODELS = ("mrg", "sundt")
PULSE_START_MS = 0.1
SIGMA_S_PER_M = 0.2


def point_source_phi_mv_per_ma(
    points_mm: NDArray[np.float64], source_mm: NDArray[np.float64], sigma_s_per_m: float = 0.2
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
    """One stimulation case of the validation protocol (a row of mrg_thresholds.csv)."""

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

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise InputError("model", self.model, f"must be one of {', '.join(MODELS)}")
        if self.waveform not in WAVEFORMS:
            raise InputError("waveform", self.waveform, f"must be one of {', '.join(WAVEFORMS)}")
        for name in ("diameter_um", "distance_mm", "pulse_width_ms"):
            val = getattr(self, name)
            if not (np.isfinite(val) and val > 0):
                raise InputError(name, val, "must be a finite number > 0")
        if self.model == "mrg" and not any(
            abs(self.diameter_um - d) < 1e-9 for d in mrg_diameters_um()
        ):
            allowed = ", ".join(f"{d:g}" for d in mrg_diameters_um())
            raise InputError("diameter_um", self.diameter_um, f"MRG exists for {allowed} um only")
        if not 0.0 <= self.temperature_c <= 50.0:
            raise InputError("temperature_c", self.temperature_c, "must lie within 0-50 C")

    @property
    def is_train(self) -> bool:
        return self.waveform == "train" or self.n_pulses > 1

    def resolved(self) -> tuple[int, float, float]:
        """(n_nodes, dt_ms, tstop_ms) with the protocol defaults filled in."""
        if self.model == "mrg":
            n = self.n_nodes or (61 if self.waveform == "monophasic-anodic" else 41)
            dt = self.dt_ms or 0.005
        else:
            n = self.n_nodes or 265
            dt = self.dt_ms or 0.001
        if self.tstop_ms:
            tstop = self.tstop_ms
        elif self.is_train:
            tstop = self.n_pulses * 1000.0 / self.rate_hz
        else:
            tstop = 5.0 if self.model == "mrg" else 10.0
        return int(n), float(dt), float(tstop)

    def geometry(self) -> CableGeometry:
        n, _, _ = self.resolved()
        if self.model == "mrg":
            return mrg_geometry(self.diameter_um, n, self.temperature_c)
        return sundt_geometry(self.diameter_um, n, temperature_c=self.temperature_c)

    def phi_mv_per_ma(self, geometry: CableGeometry | None = None) -> NDArray[np.float64]:
        """Unit-current potential at every section centre, shape (n_sections,)."""
        g = geometry or self.geometry()
        z_mm = g.arc_um * 1e-3
        zc = g.arc_um[g.node_sections[g.center_node]] * 1e-3
        pts = np.column_stack([np.zeros_like(z_mm), np.zeros_like(z_mm), z_mm])
        return point_source_phi_mv_per_ma(pts, np.array([0.0, self.distance_mm, zc]), SIGMA_S_PER_M)

    def unit_waveform(self) -> NDArray[np.float64]:
        _, dt, tstop = self.resolved()
        n_steps = round(tstop / dt)
        kind = "train" if self.is_train else self.waveform
        return pulse_waveform(kind, self.pulse_width_ms, dt, n_steps, self.n_pulses, self.rate_hz)


def iclamp_na(
    amplitude_na: float, delay_ms: float, duration_ms: float, dt_ms: float, n_steps: int
) -> NDArray[np.float64]:
    """NEURON IClamp current per step (n_steps,): on when delay <= t_n + dt/2 < delay + dur."""
    t_mid = (np.arange(n_steps) + 0.5) * dt_ms
    return np.where((t_mid >= delay_ms) & (t_mid < delay_ms + duration_ms), amplitude_na, 0.0)


__all__ = [
    "MODELS",
    "WAVEFORMS",
    "ProtocolCase",
    "iclamp_na",
    "point_source_phi_mv_per_ma",
    "polarity",
    "pulse_waveform",
]
