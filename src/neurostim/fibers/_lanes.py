"""The step kernel over LANES cases at once: the same arithmetic as ``_kernel.run_cases``,
with the case index innermost so that the compiler vectorises the sweeps (SIMD) and the
sweeps' dependency chains of several cases overlap.

Each lane holds one case; when its case is decided (AP at the detection node, quiet fiber, or
end of the window) the lane loads the next pending case from its resting state, so lanes do not
idle while others finish. Every lane keeps its own step counter and waveform. Results are
identical to ``_kernel.run_cases`` to rounding (tests/fibers/test_solver.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from neurostim.fibers._kernel import (
    AP_THRESHOLD_MV,
    QUIET_STEPS,
    crossing_time_nb,
    link_current,
    node_rhs,
    section_rhs,
)
from neurostim.fibers.channels import model_advance, model_current
from neurostim.units import NV_TO_UV

LANES = 8


@njit(cache=True, error_model="numpy")
def run_lanes(
    prm, g_leak_us, e_leak_mv, ga_us, gp_us, active_g_us, scale, active_diameter_um, fixed,
    active_fixed, parent,
    dinv, wmul, zeta_l, zeta_r, diag0, node_parent, lower, upper, span_start, span_end,
    span_left, span_right, link_node, link_index, link_other, link_other_free, c, mcoef,
    cmy_dt, eta0, sa, nodes,
    det_node, phi_mv, amp, wave, wave_idx, istim_sec, istim_na, dt, n_steps, stop_on_detect,
    quiet_mv, wave_end, v_rest_nodes, v, u, gates, ap_count, ap_time, ap_time_interp,
    last_ap_time, steps_done, status, v_trace_sec, v_trace, gp_bath_us, rec_phi, recorded,
    current_trace,
):  # fmt: skip
    """Same arguments and outputs as ``_kernel.run_cases`` (see there)."""
    n_cases, n = v.shape
    n_act = active_fixed.size
    n_st = gates.shape[2]
    n_f = fixed.size
    n_spans = span_start.size
    n_links = link_node.size
    n_nodes = nodes.size
    n_tr = v_trace_sec.size
    n_leads = recorded.shape[1]
    keep_current = current_trace.shape[1] > 0
    record = n_leads > 0 or keep_current
    shared_rec = rec_phi.shape[0] == 1
    L = LANES
    imb = np.zeros((n if record else 0, L))
    acc = np.zeros(L)
    # per-case recording leads, lane-major (only when they differ between cases)
    rpb = np.zeros((n_leads if not shared_rec else 0, n, L))
    vb = np.zeros((n, L))
    ub = np.zeros((n, L))
    phb = np.zeros((n, L))
    gb = np.zeros((n_act, L, n_st))  # state of each active section, lane-major
    v_act_old = np.zeros((n_act, L))
    rp0 = np.zeros((n, L))
    rp1 = np.zeros((n, L))
    zv = np.zeros((n, L))
    zu = np.zeros((n, L))
    gamf = np.zeros((n_f, L))
    etaf = np.zeros((n_f, L))
    cp = np.zeros((n_f, L))
    dp = np.zeros((n_f, L))
    vf = np.zeros((n_f, L))
    s_new = np.zeros(L)
    s_old = np.zeros(L)
    i_in = np.zeros(L)
    case = np.full(L, -1, np.int64)
    step = np.zeros(L, np.int64)
    quiet_run = np.zeros(L, np.int64)
    firing = np.zeros((n_nodes, L), np.bool_)
    v_old = np.zeros((n_nodes, L))
    next_case = 0
    n_live = 0
    # fill the lanes
    for ln in range(L):
        if next_case < n_cases:
            k = next_case
            next_case += 1
            case[ln] = k
            n_live += 1
            for i in range(n):
                vb[i, ln] = v[k, i]
                ub[i, ln] = u[k, i]
                phb[i, ln] = phi_mv[k, i]
            for ld in range(rpb.shape[0]):
                for i in range(n):
                    rpb[ld, i, ln] = rec_phi[k, ld, i]
            for j in range(n_act):
                for gi in range(n_st):
                    gb[j, ln, gi] = gates[k, j, gi]
            for j in range(n_nodes):
                firing[j, ln] = v[k, nodes[j]] >= AP_THRESHOLD_MV
    while n_live > 0:
        for ln in range(L):
            k = case[ln]
            if k >= 0:
                w = wave_idx[k]
                s_new[ln] = amp[k] * wave[w, step[ln]]
                s_old[ln] = amp[k] * wave[w, step[ln] - 1] if step[ln] > 0 else 0.0
                i_in[ln] = istim_na[step[ln]] if istim_sec >= 0 else 0.0
            else:
                s_new[ln] = 0.0
                s_old[ln] = 0.0
                i_in[ln] = 0.0
        for j in range(n_nodes):
            for ln in range(L):
                v_old[j, ln] = vb[nodes[j], ln]
        for f in range(n_f):
            i = fixed[f]
            for ln in range(L):
                gamf[f, ln] = g_leak_us[i]
                etaf[f, ln] = g_leak_us[i] * e_leak_mv[i]
        for j in range(n_act):
            f = active_fixed[j]
            area = active_g_us[j]
            sj = scale[j]
            i = fixed[f]
            for ln in range(L):
                gg, ge = model_current(gb[j, ln], sj, prm)
                gamf[f, ln] += gg * area
                etaf[f, ln] += ge * area
                v_act_old[j, ln] = vb[i, ln]
        # internodes
        for sp in range(n_spans):
            a = span_start[sp]
            b = span_end[sp]
            for i in range(a, b + 1):
                ci = c[i]
                mi = mcoef[i]
                cm = cmy_dt[i]
                e0 = eta0[i]
                for ln in range(L):
                    p = phb[i, ln]
                    rp0[i, ln], rp1[i, ln] = section_rhs(
                        ci, mi, cm, vb[i, ln], ub[i, ln], e0, s_new[ln] * p, s_old[ln] * p
                    )
                if i == a:
                    g0 = ga_us[a - 1]
                    g1 = gp_us[a - 1]
                    left = parent[a]
                    for ln in range(L):
                        e_l = s_new[ln] * phb[left, ln]
                        rp0[i, ln] += g0 * e_l
                        rp1[i, ln] += g1 * e_l
                else:
                    w0 = wmul[i, 0]
                    w1 = wmul[i, 1]
                    w2 = wmul[i, 2]
                    w3 = wmul[i, 3]
                    for ln in range(L):
                        q0 = rp0[i - 1, ln]
                        q1 = rp1[i - 1, ln]
                        rp0[i, ln] -= w0 * q0 + w1 * q1
                        rp1[i, ln] -= w2 * q0 + w3 * q1
                if i == b:
                    g0 = ga_us[b]
                    g1 = gp_us[b]
                    for ln in range(L):
                        e_r = s_new[ln] * phb[b + 1, ln]
                        rp0[i, ln] += g0 * e_r
                        rp1[i, ln] += g1 * e_r
            d0 = dinv[b, 0]
            d1 = dinv[b, 1]
            d2 = dinv[b, 2]
            d3 = dinv[b, 3]
            for ln in range(L):
                zv[b, ln] = d0 * rp0[b, ln] + d1 * rp1[b, ln]
                zu[b, ln] = d2 * rp0[b, ln] + d3 * rp1[b, ln]
            for i in range(b - 1, a - 1, -1):
                g0 = ga_us[i]
                g1 = gp_us[i]
                d0 = dinv[i, 0]
                d1 = dinv[i, 1]
                d2 = dinv[i, 2]
                d3 = dinv[i, 3]
                for ln in range(L):
                    s0 = rp0[i, ln] + g0 * (zv[i + 1, ln] + zu[i + 1, ln])
                    s1 = rp1[i, ln] + g1 * zu[i + 1, ln]
                    zv[i, ln] = d0 * s0 + d1 * s1
                    zu[i, ln] = d2 * s0 + d3 * s1
        # the node system (Hines: leaves first, then back from the root)
        for f in range(n_f):
            i = fixed[f]
            ci = c[i]
            si = sa[i]
            d = diag0[f]
            for ln in range(L):
                rhs = node_rhs(ci, vb[i, ln], etaf[f, ln], si, s_new[ln] * phb[i, ln])
                if i == istim_sec:
                    rhs += i_in[ln]
                dp[f, ln] = rhs
                cp[f, ln] = d + gamf[f, ln]
        for q in range(n_links):
            o = link_other[q]
            f = link_node[q]
            g0 = ga_us[link_index[q]]
            if link_other_free[q]:
                for ln in range(L):
                    dp[f, ln] += g0 * (zv[o, ln] + zu[o, ln])
            else:
                for ln in range(L):
                    dp[f, ln] += g0 * s_new[ln] * phb[o, ln]
        for f in range(n_f - 1, 0, -1):
            p = node_parent[f]
            up = upper[f]
            lo = lower[f]
            for ln in range(L):
                m_f = up / cp[f, ln]
                cp[p, ln] -= m_f * lo
                dp[p, ln] -= m_f * dp[f, ln]
        for ln in range(L):
            vf[0, ln] = dp[0, ln] / cp[0, ln]
        for f in range(1, n_f):
            p = node_parent[f]
            lo = lower[f]
            for ln in range(L):
                vf[f, ln] = (dp[f, ln] - lo * vf[p, ln]) / cp[f, ln]
        for f in range(n_f):
            i = fixed[f]
            for ln in range(L):
                vb[i, ln] = vf[f, ln]
                ub[i, ln] = s_new[ln] * phb[i, ln]
        for sp in range(n_spans):
            f_l = span_left[sp]
            f_r = span_right[sp]
            for i2 in range(span_start[sp], span_end[sp] + 1):
                zl0 = zeta_l[i2, 0]
                zl1 = zeta_l[i2, 1]
                zr0 = zeta_r[i2, 0]
                zr1 = zeta_r[i2, 1]
                for ln in range(L):
                    v_l = vf[f_l, ln]
                    v_r = vf[f_r, ln]
                    vb[i2, ln] = zv[i2, ln] - v_l * zl0 - v_r * zr0
                    ub[i2, ln] = zu[i2, ln] - v_l * zl1 - v_r * zr1
        # membrane currents and their recorded potentials (cable.link_current)
        if record:
            for i in range(n):
                for ln in range(L):
                    imb[i, ln] = 0.0
            for i in range(1, n):
                p = parent[i]
                g0 = ga_us[i - 1]
                g1 = gp_bath_us[i - 1]
                for ln in range(L):
                    fl = link_current(g0, g1, vb[i, ln], ub[i, ln], vb[p, ln], ub[p, ln])
                    imb[i, ln] += fl
                    imb[p, ln] -= fl
            if istim_sec >= 0:
                for ln in range(L):
                    imb[istim_sec, ln] += i_in[ln]
            for ld in range(n_leads):
                for ln in range(L):
                    acc[ln] = 0.0
                if shared_rec:
                    for i in range(n):
                        r = rec_phi[0, ld, i]
                        for ln in range(L):
                            acc[ln] += r * imb[i, ln]
                else:
                    for i in range(n):
                        for ln in range(L):
                            acc[ln] += rpb[ld, i, ln] * imb[i, ln]
                for ln in range(L):
                    k = case[ln]
                    if k >= 0:
                        recorded[k, ld, step[ln]] = acc[ln] * NV_TO_UV
            if keep_current:
                for ln in range(L):
                    k = case[ln]
                    if k >= 0:
                        for i in range(n):
                            current_trace[k, i, step[ln]] = imb[i, ln]
        # gates, detection, exits: per lane
        for ln in range(L):
            k = case[ln]
            if k < 0:
                continue
            for j in range(n_act):
                x = gb[j, ln]
                new = model_advance(x, v_act_old[j, ln], vb[fixed[active_fixed[j]], ln], dt,
                                    scale[j], active_diameter_um[j], prm)  # fmt: skip
                for gi in range(n_st):
                    x[gi] = new[gi]
            st = step[ln]
            t_new = (st + 1) * dt
            for tr in range(n_tr):
                v_trace[k, tr, st] = vb[v_trace_sec[tr], ln]
            for j in range(n_nodes):
                vv = vb[nodes[j], ln]
                if vv >= AP_THRESHOLD_MV:
                    if not firing[j, ln]:
                        firing[j, ln] = True
                        if ap_count[k, j] == 0:
                            ap_time[k, j] = t_new
                            vo = v_old[j, ln]
                            ap_time_interp[k, j] = crossing_time_nb(st, dt, vo, vv)
                        ap_count[k, j] += 1
                        last_ap_time[k, j] = t_new
                elif firing[j, ln]:
                    firing[j, ln] = False
            step[ln] = st + 1
            finished = step[ln] >= n_steps
            if not math.isfinite(vb[nodes[det_node], ln]):
                status[k] = 1
                finished = True
            elif stop_on_detect and ap_count[k, det_node] > 0:
                finished = True
            elif quiet_mv > 0.0 and st >= wave_end[wave_idx[k]]:
                calm = True
                for j in range(n_nodes):
                    if firing[j, ln] or abs(vb[nodes[j], ln] - v_rest_nodes[j]) > quiet_mv:
                        calm = False
                        break
                quiet_run[ln] = quiet_run[ln] + 1 if calm else 0
                if quiet_run[ln] >= QUIET_STEPS:
                    finished = True
            if finished:
                steps_done[k] = step[ln]
                for i in range(n):
                    v[k, i] = vb[i, ln]
                    u[k, i] = ub[i, ln]
                for j in range(n_act):
                    for gi in range(n_st):
                        gates[k, j, gi] = gb[j, ln, gi]
                case[ln] = -1
                n_live -= 1
                if next_case < n_cases:
                    k2 = next_case
                    next_case += 1
                    case[ln] = k2
                    n_live += 1
                    step[ln] = 0
                    quiet_run[ln] = 0
                    for i in range(n):
                        vb[i, ln] = v[k2, i]
                        ub[i, ln] = u[k2, i]
                        phb[i, ln] = phi_mv[k2, i]
                    for ld in range(rpb.shape[0]):
                        for i in range(n):
                            rpb[ld, i, ln] = rec_phi[k2, ld, i]
                    for j in range(n_act):
                        for gi in range(n_st):
                            gb[j, ln, gi] = gates[k2, j, gi]
                    for j in range(n_nodes):
                        firing[j, ln] = v[k2, nodes[j]] >= AP_THRESHOLD_MV
