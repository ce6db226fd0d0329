"""The same backward-Euler step in plain NumPy, vectorised over cases (reference and benchmark).

A second, independent implementation of ``_kernel.run_cases`` (no AP detection, no early exit):
per step it assembles the 2x2 block-tridiagonal system of every case and runs the block Thomas
algorithm with a Python loop over sections and NumPy operations over the batch. It exists to
cross-check the compiled kernel (tests/fibers/test_solver.py) and to measure which of the two
is faster (benchmarks/fiber_thresholds.py); the compiled kernel wins.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neurostim.fibers.channels import mrg_node_gates, sundt_gates
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.solver import resting_state

_vec_mrg = np.vectorize(mrg_node_gates, otypes=[float] * 8)
_vec_sundt = np.vectorize(sundt_gates, otypes=[float] * 8)


def _gates(g: CableGeometry, v: NDArray[np.float64]) -> tuple:
    p = g.channel_params
    if g.model == "mrg":
        return _vec_mrg(v, p[5], p[6], p[7])
    return _vec_sundt(v, p[4], p[5])


def simulate_numpy(
    g: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    amplitude_ma: NDArray[np.float64],
    waveform: NDArray[np.float64],
    dt_ms: float,
    n_steps: int,
) -> NDArray[np.float64]:
    """Membrane potential after every step, shape (n_cases, n_steps, n_sections).

    ``phi_mv_per_ma`` (n_cases, n_sections), ``amplitude_ma`` (n_cases,), ``waveform``
    (n_steps,) shared by all cases.
    """
    amp = np.asarray(amplitude_ma, float)
    nc, n = amp.size, g.n_sections
    v0, u0, g0 = resting_state(g)
    v = np.tile(v0, (nc, 1))
    u = np.tile(u0, (nc, 1))
    x = np.tile(g0, (nc, 1, 1))
    act = g.active_sections
    area_us = g.active_area_cm2 * 1e6
    p = g.channel_params
    c = g.capacitance_nf / dt_ms
    cmy = g.c_myelin_nf / dt_ms
    m = g.g_myelin_us + cmy
    ga, gp, fixed = g.g_axial_us, g.g_periaxonal_us, g.u_fixed
    sa = np.zeros(n)
    sp = np.zeros(n)
    sa[:-1] += ga
    sa[1:] += ga
    sp[:-1] += gp
    sp[1:] += gp
    out = np.empty((nc, n_steps, n))
    e_old = np.zeros((nc, n))
    for step in range(n_steps):
        e_new = (amp * waveform[step])[:, None] * phi_mv_per_ma
        gam = np.tile(g.g_leak_us, (nc, 1))
        eta = np.tile(g.g_leak_us * g.e_leak_mv, (nc, 1))
        a, b, cc, d = x[..., 0], x[..., 1], x[..., 2], x[..., 3]
        if g.model == "mrg":
            g_na = p[0] * a**3 * b + p[1] * cc**3
            g_k = p[2] * d
            e_na, e_k = p[3], p[4]
        else:
            g_na = p[0] * a**3 * b
            g_k = p[1] * cc**3 * d
            e_na, e_k = p[2], p[3]
        gam[:, act] += (g_na + g_k) * area_us
        eta[:, act] += (g_na * e_na + g_k * e_k) * area_us
        cg = c + gam
        d00 = cg + sa
        d01 = np.broadcast_to(sa, (nc, n)).copy()
        d10 = np.where(fixed, 0.0, -cg)
        d11 = np.where(fixed, 1.0, m + sp) + 0.0 * cg
        r0 = c * v + eta
        r1 = np.where(fixed, e_new, m * e_new - cmy * (e_old - u) - c * v - eta)
        dinv = np.empty((nc, n, 4))
        rp = np.empty((nc, n, 2))
        for i in range(n):
            q00, q01, q10, q11 = d00[:, i], d01[:, i], d10[:, i], d11[:, i]
            s0, s1 = r0[:, i], r1[:, i]
            if i > 0:
                gl = ga[i - 1]
                gpl = 0.0 if fixed[i] else gp[i - 1]
                gpu = 0.0 if fixed[i - 1] else gp[i - 1]
                di = dinv[:, i - 1]
                w00 = -gl * (di[:, 0] + di[:, 2])
                w01 = -gl * (di[:, 1] + di[:, 3])
                w10 = -gpl * di[:, 2]
                w11 = -gpl * di[:, 3]
                q00 = q00 + gl * w00
                q01 = q01 + gl * w00 + gpu * w01
                q10 = q10 + gl * w10
                q11 = q11 + gl * w10 + gpu * w11
                s0 = s0 - (w00 * rp[:, i - 1, 0] + w01 * rp[:, i - 1, 1])
                s1 = s1 - (w10 * rp[:, i - 1, 0] + w11 * rp[:, i - 1, 1])
            det = q00 * q11 - q01 * q10
            dinv[:, i] = np.stack([q11 / det, -q01 / det, -q10 / det, q00 / det], axis=1)
            rp[:, i, 0], rp[:, i, 1] = s0, s1
        x0 = np.zeros(nc)
        x1 = np.zeros(nc)
        for i in range(n - 1, -1, -1):
            s0, s1 = rp[:, i, 0].copy(), rp[:, i, 1].copy()
            if i < n - 1:
                s0 += ga[i] * (x0 + x1)
                s1 += (0.0 if fixed[i] else gp[i]) * x1
            di = dinv[:, i]
            x0 = di[:, 0] * s0 + di[:, 1] * s1
            x1 = di[:, 2] * s0 + di[:, 3] * s1
            v[:, i], u[:, i] = x0, x1
        rates = _gates(g, v[:, act])
        for gi in range(4):
            xinf, tau = rates[2 * gi], rates[2 * gi + 1]
            x[..., gi] = xinf + (x[..., gi] - xinf) * np.exp(-dt_ms / tau)
        e_old = e_new
        out[:, step] = v
    return out


__all__ = ["simulate_numpy"]
