"""The backward-Euler step in plain NumPy over all sections: the cross-check of the kernels.

The equations are the shared ones (``channels.ARRAY`` for the kinetics, ``cable`` for the step
terms, the matrix blocks and the right side); what is independent is the solution: per step
it assembles the 2x2 block system of every case over all sections and solves it by plain block
Hines elimination (block Thomas on a chain; a Python loop over sections from the last to the
first and back, NumPy over the batch), where the kernels reduce it to the nodes
(``cable.reduce_to_nodes``). No AP detection, no early
exit. It checks the kernels' reduction (tests/fibers/test_solver.py) and serves as
``backend="numpy"``; the compiled kernel is far faster (benchmarks/fiber_thresholds.py).
Membrane currents and their recorded potential: ``cable.link_current`` over all links.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from neurostim.fibers.cable import (
    bath_periaxonal_us,
    coupling_block,
    diagonal_block,
    link_current,
    section_rhs,
    step_coefficients,
)
from neurostim.fibers.channels import ARRAY
from neurostim.fibers.geometry import CableGeometry
from neurostim.units import NV_TO_UV


class NumpyRun(NamedTuple):
    """Outputs of ``run_numpy``.

    v_mv : (n_cases, n_steps, n_sections) membrane potential after every step.
    recorded_uv : (n_cases, n_leads, n_steps) or None, potential at the recording leads.
    current_na : (n_cases, n_sections, n_steps) or None, outward membrane currents.
    """

    v_mv: NDArray[np.float64]
    recorded_uv: NDArray[np.float64] | None
    current_na: NDArray[np.float64] | None


def membrane_currents_na(
    g: CableGeometry, v_mv: NDArray[np.float64], u_mv: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Outward current of every section, (n_cases, n_sections), from the state (v, u) of shape
    (n_cases, n_sections) (u = E' where tied to the bath): ``cable.link_current`` per link."""
    parent = g.parents
    flux = link_current(g.g_axial_us, bath_periaxonal_us(g), v_mv[:, 1:], u_mv[:, 1:],
                        v_mv[:, parent[1:]], u_mv[:, parent[1:]])  # fmt: skip
    out = np.zeros_like(v_mv)
    out[:, 1:] += flux
    np.add.at(out.T, parent[1:], -flux.T)
    return out


def _inv2(d: tuple) -> tuple:
    """Inverse of 2x2 blocks given row-major."""
    d00, d01, d10, d11 = d
    det = d00 * d11 - d01 * d10
    return d11 / det, -d01 / det, -d10 / det, d00 / det


def _mul2(a: tuple, b: tuple) -> tuple:
    """Product of 2x2 blocks given row-major."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3])  # fmt: skip


def simulate_numpy(
    g: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    amplitude_ma: NDArray[np.float64],
    waveform: NDArray[np.float64],
    dt_ms: float,
    n_steps: int,
    *,
    rest: tuple | None = None,
) -> NDArray[np.float64]:
    """Membrane potential after every step, shape (n_cases, n_steps, n_sections).

    ``phi_mv_per_ma`` (n_cases, n_sections), ``amplitude_ma`` (n_cases,), ``waveform``
    (n_steps,) or (n_steps, n_cases); ``rest`` = (v, u, gates) to start from (default
    ``solver.resting_state``).
    """
    return run_numpy(g, phi_mv_per_ma, amplitude_ma, waveform, dt_ms, n_steps, rest=rest).v_mv


def run_numpy(
    g: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    amplitude_ma: NDArray[np.float64],
    waveform: NDArray[np.float64],
    dt_ms: float,
    n_steps: int,
    *,
    rest: tuple | None = None,
    recording_phi: NDArray[np.float64] | None = None,
    keep_current: bool = False,
) -> NumpyRun:
    """``simulate_numpy`` with the membrane currents: ``recording_phi`` (1 or n_cases,
    n_leads, n_sections) in mV/mA gives ``recorded_uv``; ``keep_current`` keeps ``current_na``.
    """
    from neurostim.fibers.solver import active_diameter_um, resting_state

    amp = np.asarray(amplitude_ma, float)
    nc, n = amp.size, g.n_sections
    if rest is None:
        rest = resting_state(g)
    v0, u0, g0 = rest
    v = np.tile(v0, (nc, 1))
    u = np.tile(u0, (nc, 1))
    x = np.tile(g0, (nc, 1, 1))
    act = g.active_sections
    kinetics, p = ARRAY.of(g.model), g.channel_params
    n_st = x.shape[-1]
    scale = list(g.channel_scales.T)  # per channel, (n_active,)
    diameter_um = active_diameter_um(g)
    c, cmy, m, sa, sp = step_coefficients(g, dt_ms)
    ga, gp, fixed = g.g_axial_us, g.g_periaxonal_us, g.u_fixed
    parent = g.parents
    # link s - 1 as seen from the row of section s (child) and of parent[s]: no U coupling in
    # a row whose U is tied to the bath
    gp_child_row = np.where(fixed[1:], 0.0, gp)
    gp_parent_row = np.where(fixed[parent[1:]], 0.0, gp)
    out = np.empty((nc, n_steps, n))
    rec_phi = (
        None
        if recording_phi is None
        else np.broadcast_to(recording_phi, (nc, *np.shape(recording_phi)[1:]))
    )
    recorded = None if rec_phi is None else np.zeros((nc, rec_phi.shape[1], n_steps))
    current = np.zeros((nc, n, n_steps)) if keep_current else None
    e_old = np.zeros((nc, n))
    for step in range(n_steps):
        e_new = (amp * waveform[step])[:, None] * phi_mv_per_ma
        v_old_act = v[:, act].copy()
        gam = np.tile(g.g_leak_us, (nc, 1))
        eta = np.tile(g.g_leak_us * g.e_leak_mv, (nc, 1))
        xs = [x[..., i] for i in range(n_st)]
        g_ch, ge_ch = kinetics.current(xs, scale, p)
        gam[:, act] += g_ch * g.active_g_us
        eta[:, act] += ge_ch * g.active_g_us
        d00, d01, d10, d11 = diagonal_block(c + gam, sa, m + sp)
        d01 = np.broadcast_to(d01, d00.shape)
        d10 = np.where(fixed, 0.0, d10)  # U' = E' where the layer is tied to the bath
        d11 = np.broadcast_to(np.where(fixed, 1.0, d11), d00.shape)
        r0, r1 = section_rhs(c, m, cmy, v, u, eta, e_new, e_old)
        r1 = np.where(fixed, e_new, r1)
        q = [(d00[:, i], d01[:, i], d10[:, i], d11[:, i]) for i in range(n)]
        rp = [(r0[:, i], r1[:, i]) for i in range(n)]
        dinv: list[tuple] = [()] * n
        for i in range(n - 1, -1, -1):  # leaves first: fold section i into its parent
            dinv[i] = _inv2(q[i])
            if i == 0:
                break
            par = parent[i]
            up = coupling_block(ga[i - 1], gp_parent_row[i - 1])  # parent's row, column i
            low = coupling_block(ga[i - 1], gp_child_row[i - 1])  # row i, parent's column
            w = _mul2(up, dinv[i])
            wl = _mul2(w, low)
            q[par] = tuple(qk - wk for qk, wk in zip(q[par], wl, strict=True))
            s0, s1 = rp[i]
            rp[par] = (rp[par][0] - (w[0] * s0 + w[1] * s1), rp[par][1] - (w[2] * s0 + w[3] * s1))
        for i in range(n):  # back substitution from the root
            s0, s1 = rp[i]
            if i > 0:
                low = coupling_block(ga[i - 1], gp_child_row[i - 1])
                x0, x1 = v[:, parent[i]], u[:, parent[i]]
                s0 = s0 - (low[0] * x0 + low[1] * x1)
                s1 = s1 - (low[2] * x0 + low[3] * x1)
            di = dinv[i]
            v[:, i], u[:, i] = di[0] * s0 + di[1] * s1, di[2] * s0 + di[3] * s1
        with np.errstate(over="ignore"):  # a discarded branch of a guarded rate may overflow
            new = kinetics.advance(xs, v_old_act, v[:, act], dt_ms, scale, diameter_um, p)
            x = np.stack(np.broadcast_arrays(*new), axis=-1)
        e_old = e_new
        out[:, step] = v
        if recorded is not None or current is not None:
            i_m = membrane_currents_na(g, v, u)
            if current is not None:
                current[:, :, step] = i_m
            if recorded is not None and rec_phi is not None:
                recorded[:, :, step] = (rec_phi @ i_m[:, :, None])[..., 0] * NV_TO_UV
    return NumpyRun(out, recorded, current)


__all__ = ["NumpyRun", "membrane_currents_na", "run_numpy", "simulate_numpy"]
