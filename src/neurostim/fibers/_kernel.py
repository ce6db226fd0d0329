"""Compiled time-stepping kernel: backward Euler on the two-layer cable, NEURON's staggered scheme.

One step dt from (V, U, gates, E^n) with the new input E^{n+1} [fiber-models.md section 8]:

1. channel currents linearised with frozen gates, I_ion = gamma V - eta;
2. backward Euler for (V', U'), a block-tridiagonal system with 2x2 blocks per section:
   diagonal [[c + gamma + S_a, S_a], [-(c + gamma), m + S_p]], off-diagonal
   [[-G_a, -G_a], [0, -G_p]], right side [c V + eta + I_stim, m E' - (C_my/dt)(E - U) - c V - eta]
   with c = C/dt, m = G_my + C_my/dt; rows whose periaxonal layer is tied to the bath read U' = E';
   solved by block Thomas elimination (O(n_sections));
3. gates advanced with the new voltage: x' = x_inf(V') + (x - x_inf(V')) exp(-dt/tau(V'));
4. AP detectors (NEURON APCount, -30 mV) at every node on V'.

Cases are independent; each runs its own time loop and stops on its own once its outcome is
decided. The kernel is serial: parallelism comes from processes (``batch.run_thresholds``,
local or Dask), which on a shared machine beat Numba threads (measured: OpenMP threads spinning
on a loaded 2-core machine were 3x slower than one thread).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from neurostim.fibers.channels import mrg_node_gates, sundt_gates

AP_THRESHOLD_MV = -30.0
QUIET_STEPS = 20


@njit(cache=True, error_model="numpy")
def _gates(kind, v, prm):
    if kind == 0:
        return mrg_node_gates(v, prm[5], prm[6], prm[7])
    return sundt_gates(v, prm[4], prm[5])


@njit(cache=True, error_model="numpy")
def _channel_g(kind, m, h, p, s, prm):
    """Conductance density (S/cm2) and conductance x reversal of the gated channels."""
    if kind == 0:
        g_na = prm[0] * m * m * m * h + prm[1] * p * p * p
        g_k = prm[2] * s
        return g_na + g_k, g_na * prm[3] + g_k * prm[4]
    g_na = prm[0] * m * m * m * h
    g_k = prm[1] * p * p * p * s  # (n, l) of the delayed rectifier
    return g_na + g_k, g_na * prm[2] + g_k * prm[3]


@njit(cache=True)
def init_gates(kind, prm, v_mv, n_active):
    """Gates at their steady state for ``v_mv``; shape (n_active, 4)."""
    out = np.empty((n_active, 4))
    r = _gates(kind, v_mv, prm)
    for j in range(n_active):
        out[j, 0] = r[0]
        out[j, 1] = r[2]
        out[j, 2] = r[4]
        out[j, 3] = r[6]
    return out


@njit(cache=True, error_model="numpy")
def run_cases(
    kind,
    prm,
    cap_nf,
    g_leak_us,
    e_leak_mv,
    ga_us,
    gp_us,
    gmy_us,
    cmy_nf,
    u_fixed,
    active,
    active_area_cm2,
    nodes,
    det_node,
    phi_mv,
    amp,
    wave,
    wave_idx,
    istim_sec,
    istim_na,
    dt,
    n_steps,
    stop_on_detect,
    quiet_mv,
    wave_end,
    v_rest_nodes,
    v,
    u,
    gates,
    ap_count,
    ap_time,
    ap_time_interp,
    last_ap_time,
    steps_done,
    status,
    v_trace_sec,
    v_trace,
):
    """Advance every case ``n_steps`` (or until its AP at the detection node).

    Shapes: per-section arrays (n_sections,), couplings (n_sections - 1,), ``phi_mv`` (n_cases,
    n_sections) unit-current potentials, ``amp`` (n_cases,), ``wave`` (n_waves, n_steps),
    ``wave_idx`` (n_cases,), ``istim_na`` (n_steps,) intracellular current into section
    ``istim_sec`` (ignored when < 0), state ``v``, ``u`` (n_cases, n_sections) and ``gates``
    (n_cases, n_active, 4) updated in place, detector outputs (n_cases, n_nodes),
    ``steps_done``/``status`` (n_cases,), ``v_trace`` (n_cases, n_trace, n_steps) for the
    sections ``v_trace_sec``. status: 0 ok, 1 non-finite voltage.

    With ``quiet_mv`` > 0 a case also stops once its waveform is over (step >= ``wave_end``
    of its wave) and every node has stayed within ``quiet_mv`` of its resting potential
    ``v_rest_nodes`` (n_nodes,) for ``QUIET_STEPS`` consecutive steps without an AP.
    """
    n_cases, n = v.shape
    n_act = active.size
    n_nodes = nodes.size
    n_tr = v_trace_sec.size
    c = cap_nf / dt
    mcoef = gmy_us + cmy_nf / dt
    cmy_dt = cmy_nf / dt
    sa = np.zeros(n)
    sp = np.zeros(n)
    for i in range(n - 1):
        sa[i] += ga_us[i]
        sa[i + 1] += ga_us[i]
        sp[i] += gp_us[i]
        sp[i + 1] += gp_us[i]
    for k in range(n_cases):
        gam = np.empty(n)
        eta = np.empty(n)
        dinv = np.empty((n, 4))
        rp = np.empty((n, 2))
        e_new = np.empty(n)
        firing = np.zeros(n_nodes, dtype=np.bool_)
        v_old = np.empty(n_nodes)
        for j in range(n_nodes):
            firing[j] = v[k, nodes[j]] >= AP_THRESHOLD_MV
        w = wave_idx[k]
        a_k = amp[k]
        vk = v[k]
        uk = u[k]
        done = 0
        quiet_run = 0
        end_k = wave_end[w]
        for step in range(n_steps):
            s_new = a_k * wave[w, step]
            s_old = a_k * wave[w, step - 1] if step > 0 else 0.0
            for i in range(n):
                gam[i] = g_leak_us[i]
                eta[i] = g_leak_us[i] * e_leak_mv[i]
                e_new[i] = s_new * phi_mv[k, i]
            for j in range(n_act):
                gg, ge = _channel_g(
                    kind, gates[k, j, 0], gates[k, j, 1], gates[k, j, 2], gates[k, j, 3], prm
                )
                i = active[j]
                gam[i] += gg * active_area_cm2[j] * 1e6
                eta[i] += ge * active_area_cm2[j] * 1e6
            i_in = istim_na[step] if istim_sec >= 0 else 0.0
            for j in range(n_nodes):
                v_old[j] = vk[nodes[j]]
            # forward elimination
            for i in range(n):
                cg = c[i] + gam[i]
                d00 = cg + sa[i]
                d01 = sa[i]
                r0 = c[i] * vk[i] + eta[i]
                if i == istim_sec:
                    r0 += i_in
                if u_fixed[i]:
                    d10 = 0.0
                    d11 = 1.0
                    r1 = e_new[i]
                else:
                    d10 = -cg
                    d11 = mcoef[i] + sp[i]
                    r1 = (
                        mcoef[i] * e_new[i]
                        - cmy_dt[i] * (s_old * phi_mv[k, i] - uk[i])
                        - c[i] * vk[i]
                        - eta[i]
                    )
                if i > 0:
                    ga = ga_us[i - 1]
                    gpl = 0.0 if u_fixed[i] else gp_us[i - 1]
                    gpu = 0.0 if u_fixed[i - 1] else gp_us[i - 1]
                    # L = [[-ga, -ga], [0, -gpl]], Uprev = [[-ga, -ga], [0, -gpu]]
                    q0 = dinv[i - 1, 0]
                    q1 = dinv[i - 1, 1]
                    q2 = dinv[i - 1, 2]
                    q3 = dinv[i - 1, 3]
                    w00 = -ga * (q0 + q2)
                    w01 = -ga * (q1 + q3)
                    w10 = -gpl * q2
                    w11 = -gpl * q3
                    # D -= W @ Uprev
                    d00 -= -ga * w00
                    d01 -= -ga * w00 - gpu * w01
                    d10 -= -ga * w10
                    d11 -= -ga * w10 - gpu * w11
                    r0 -= w00 * rp[i - 1, 0] + w01 * rp[i - 1, 1]
                    r1 -= w10 * rp[i - 1, 0] + w11 * rp[i - 1, 1]
                det = d00 * d11 - d01 * d10
                dinv[i, 0] = d11 / det
                dinv[i, 1] = -d01 / det
                dinv[i, 2] = -d10 / det
                dinv[i, 3] = d00 / det
                rp[i, 0] = r0
                rp[i, 1] = r1
            # back substitution: x_i = Dinv_i (r'_i - U_i x_{i+1})
            x0 = 0.0
            x1 = 0.0
            for i in range(n - 1, -1, -1):
                r0 = rp[i, 0]
                r1 = rp[i, 1]
                if i < n - 1:
                    ga = ga_us[i]
                    gpu = 0.0 if u_fixed[i] else gp_us[i]
                    r0 += ga * (x0 + x1)
                    r1 += gpu * x1
                x0 = dinv[i, 0] * r0 + dinv[i, 1] * r1
                x1 = dinv[i, 2] * r0 + dinv[i, 3] * r1
                vk[i] = x0
                uk[i] = x1
            # gates with the new voltage (cnexp)
            for j in range(n_act):
                vv = vk[active[j]]
                r = _gates(kind, vv, prm)
                for gi in range(4):
                    xinf = r[2 * gi]
                    decay = math.exp(-dt / r[2 * gi + 1])
                    gates[k, j, gi] = xinf + (gates[k, j, gi] - xinf) * decay
            t_new = (step + 1) * dt
            for tr in range(n_tr):
                v_trace[k, tr, step] = vk[v_trace_sec[tr]]
            for j in range(n_nodes):
                vv = vk[nodes[j]]
                if vv >= AP_THRESHOLD_MV:
                    if not firing[j]:
                        firing[j] = True
                        if ap_count[k, j] == 0:
                            ap_time[k, j] = t_new
                            ap_time_interp[k, j] = step * dt + dt * (AP_THRESHOLD_MV - v_old[j]) / (
                                vv - v_old[j]
                            )
                        ap_count[k, j] += 1
                        last_ap_time[k, j] = t_new
                elif firing[j]:
                    firing[j] = False
            done = step + 1
            if not math.isfinite(vk[nodes[det_node]]):
                status[k] = 1
                break
            if stop_on_detect and ap_count[k, det_node] > 0:
                break
            if quiet_mv > 0.0 and step >= end_k:
                calm = True
                for j in range(n_nodes):
                    if firing[j] or abs(vk[nodes[j]] - v_rest_nodes[j]) > quiet_mv:
                        calm = False
                        break
                quiet_run = quiet_run + 1 if calm else 0
                if quiet_run >= QUIET_STEPS:
                    break
        steps_done[k] = done
