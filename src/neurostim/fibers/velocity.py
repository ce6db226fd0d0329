"""Conduction velocity from an intracellular pulse (PROTOCOL.md section 10, fiber-models.md 10.2).

An IClamp pulse at a node starts an AP; the AP times at nodes a = int(0.25 (N - 1)) and
b = int(0.75 (N - 1)) give CV = (z_b - z_a)/(t_b - t_a). With ``interpolate=True`` the times are
the linearly interpolated upward -30 mV crossings (the mrg_cv.csv protocol); otherwise the
detector's step-end times (fiber-models.md 10.2).

:func:`model_conduction_velocity` runs a registered model (``mrg``, ``mrg-interpolation``,
``sundt``) with its own protocol (``FiberModel.cv``): for both MRG geometries 41 nodes, dt 5 us,
10 nA x 0.1 ms at node 2 and interpolated crossings at nodes 10 and 30, so an interpolated
diameter is measured exactly as the table diameters of mrg_cv.csv are.
"""

from __future__ import annotations

import numpy as np

from neurostim.errors import SolverError
from neurostim.fibers.cases import iclamp_na
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.models import fiber_model
from neurostim.fibers.solver import simulate
from neurostim.units import UM_TO_MM


def conduction_velocity(
    geometry: CableGeometry,
    *,
    dt_ms: float = 0.005,
    tstop_ms: float = 5.0,
    stim_node: int = 2,
    stim_na: float = 10.0,
    delay_ms: float = 0.1,
    duration_ms: float = 0.1,
    interpolate: bool = True,
) -> float:
    """Conduction velocity in m/s (= mm/ms) of one fiber at rest, stimulated intracellularly.

    Defaults are the mrg_cv.csv protocol (10 nA x 0.1 ms at node 2 from t = 0.1 ms, dt 5 us,
    interpolated crossings). Raises SolverError if either timing node does not fire.
    """
    n_steps = round(tstop_ms / dt_ms)
    current = iclamp_na(stim_na, delay_ms, duration_ms, dt_ms, n_steps)
    res = simulate(
        geometry,
        np.zeros(geometry.n_sections),
        np.zeros(1),
        np.zeros(n_steps),
        dt_ms=dt_ms,
        n_steps=n_steps,
        intracellular_section=int(geometry.node_sections[stim_node]),
        intracellular_na=current,
    )
    a = int(0.25 * (geometry.n_nodes - 1))
    b = int(0.75 * (geometry.n_nodes - 1))
    times = res.first_crossing_ms[0] if interpolate else res.first_ap_time_ms[0]
    if not (np.isfinite(times[a]) and np.isfinite(times[b])):
        raise SolverError(f"no AP at nodes {a} and {b}: the intracellular pulse did not propagate")
    if not times[b] > times[a]:
        raise SolverError(
            f"nodes {a} and {b} crossed at the same time ({times[a]:g} ms): the time step "
            f"dt_ms = {dt_ms:g} cannot resolve the velocity; use a smaller dt_ms or more nodes"
        )
    z = geometry.node_arc_um * UM_TO_MM
    return float((z[b] - z[a]) / (times[b] - times[a]))


def model_conduction_velocity(
    model: str,
    diameter_um: float,
    *,
    n_nodes: int | None = None,
    dt_ms: float | None = None,
    temperature_c: float = 37.0,
) -> float:
    """Conduction velocity (m/s) of a registered ``model`` at ``diameter_um`` by the model's
    protocol (``FiberModel.cv``); ``n_nodes`` and ``dt_ms`` override its defaults."""
    m = fiber_model(model)
    p = m.cv
    g = m.geometry(diameter_um, p.n_nodes if n_nodes is None else n_nodes, temperature_c)
    return conduction_velocity(
        g,
        dt_ms=p.dt_ms if dt_ms is None else dt_ms,
        tstop_ms=p.tstop_ms,
        stim_node=p.stim_node,
        stim_na=p.stim_na,
        interpolate=p.interpolate,
    )


__all__ = ["conduction_velocity", "model_conduction_velocity"]
