"""Compiled time-stepping kernel: backward Euler on the two-layer cable, NEURON's staggered scheme.

One step dt from (V, U, gates, E^n) with the new input E^{n+1} [fiber-models.md section 8]
(the system is solved through its reduction to the nodes, ``cable.reduce_to_nodes``):

1. channel currents linearised with frozen gates, I_ion = gamma V - eta;
2. backward Euler for (V', U'), a block-tridiagonal system with 2x2 blocks per section:
   diagonal [[c + gamma + S_a, S_a], [-(c + gamma), m + S_p]], off-diagonal
   [[-G_a, -G_a], [0, -G_p]], right side [c V + eta + I_stim, m E' - (C_my/dt)(E - U) - c V - eta]
   with c = C/dt, m = G_my + C_my/dt; rows whose periaxonal layer is tied to the bath read U' = E';
   each internode reduced to its two bounding nodes by block Thomas, then the node system
   (tridiagonal for a fiber, the node tree of a branched cell) by Hines' elimination, leaves
   first (O(n_sections));
3. gates advanced with the new voltage: x' = x_inf(V') + (x - x_inf(V')) exp(-dt/tau(V'));
4. AP detectors (NEURON APCount, -30 mV) at every node on V';
5. if asked, the membrane currents of the step (``cable.link_current``: the net longitudinal
   current into each section at the new state, outward positive) and their recorded potential
   V_rec = sum_m R_m I_m per recording lead, streamed (no (n_sections, n_steps) store).

Cases are independent; each runs its own time loop and stops on its own once its outcome is
decided. ``_lanes.run_lanes`` runs the same arithmetic over 8 cases at a time (SIMD); this
one-case-at-a-time version serves single cases (initialisation, CV). Both are serial:
parallelism comes from processes (``batch.run_thresholds``, local or Dask), which on a shared
machine beat Numba threads (measured: OpenMP threads spinning on a loaded 2-core machine were
3x slower than one thread).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from neurostim.fibers.cable import NUMBA_STEP
from neurostim.fibers.channels import SCALAR, model_advance, model_current, model_rest
from neurostim.units import NV_TO_UV

AP_THRESHOLD_MV = -30.0
QUIET_STEPS = 20


def crossing_time_ms(step: Any, dt_ms: Any, v_old_mv: Any, v_mv: Any) -> Any:
    """Upward AP_THRESHOLD_MV crossing within step ``step`` (from v_old to v), linearly
    interpolated; plain arithmetic for floats and NumPy or JAX arrays."""
    return step * dt_ms + dt_ms * (AP_THRESHOLD_MV - v_old_mv) / (v_mv - v_old_mv)


crossing_time_nb = njit(cache=True, error_model="numpy", inline="always")(crossing_time_ms)
section_rhs, node_rhs = NUMBA_STEP.section_rhs, NUMBA_STEP.node_rhs
link_current = NUMBA_STEP.link_current
cnexp = SCALAR.cnexp


@njit(cache=True, error_model="numpy", inline="always")
def membrane_currents(parent, ga_us, gp_bath_us, v, u, istim_sec, i_in, out):
    """Outward current (nA) of every section into the bath at the state (v, u), into ``out``
    (n_sections,); ``v``, ``u`` (n_sections,) with u = E' where tied to the bath; link s - 1
    joins section s to ``parent[s]``."""
    n = v.size
    for i in range(n):
        out[i] = 0.0
    for s in range(1, n):
        p = parent[s]
        f = link_current(ga_us[s - 1], gp_bath_us[s - 1], v[s], u[s], v[p], u[p])
        out[s] += f
        out[p] -= f
    if istim_sec >= 0:
        out[istim_sec] += i_in


@njit(cache=True)
def init_gates(prm, v_mv, n_active):
    """The model's state at rest at ``v_mv`` (gates at steady state, concentrations at their
    resting values) in every active section; shape (n_active, n_states)."""
    r = model_rest(v_mv, prm)
    out = np.empty((n_active, len(r)))
    for j in range(n_active):
        for i in range(len(r)):
            out[j, i] = r[i]
    return out


@njit(cache=True, error_model="numpy")
def run_cases(
    prm,
    g_leak_us,
    e_leak_mv,
    ga_us,
    gp_us,
    active_g_us,
    scale,
    active_diameter_um,
    fixed,
    active_fixed,
    parent,
    dinv,
    wmul,
    zeta_l,
    zeta_r,
    diag0,
    node_parent,
    lower,
    upper,
    span_start,
    span_end,
    span_left,
    span_right,
    link_node,
    link_index,
    link_other,
    link_other_free,
    c,
    mcoef,
    cmy_dt,
    eta0,
    sa,
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
    gp_bath_us,
    rec_phi,
    recorded,
    current_trace,
):
    """Advance every case ``n_steps`` (or until its outcome is decided).

    Geometry and step factors come from ``cable.reduce_to_nodes`` (per-section arrays
    (n_sections,), couplings (n_sections - 1,), node arrays (n_fixed,), internode spans
    (n_spans,), node links (n_node_links,); ``NodeReduction`` says what each holds). ``phi_mv``
    (n_cases, n_sections) unit-current potentials, ``amp`` (n_cases,), ``wave`` (n_waves,
    n_steps), ``wave_idx`` (n_cases,), ``istim_na`` (n_steps,) intracellular current into
    section ``istim_sec`` (ignored when < 0); state ``v``, ``u`` (n_cases, n_sections) and
    ``gates`` (n_cases, n_active, n_states) updated in place (the model's state variables,
    ``channels.Kinetics``); ``scale`` (n_active, n_channels) conductance factors and
    ``active_diameter_um`` (n_active,) of the active sections; detector outputs (n_cases, n_nodes);
    ``steps_done``/``status`` (n_cases,) (status 0 ok, 1 non-finite voltage); ``v_trace``
    (n_cases, n_trace, n_steps) for the sections ``v_trace_sec``.

    Recording (skipped when both ``recorded`` and ``current_trace`` are empty): ``gp_bath_us``
    (n_sections - 1,) from ``cable.bath_periaxonal_us``; ``rec_phi`` (1 or n_cases, n_leads,
    n_sections) transfer resistances (ohm = mV/mA, shared by all cases when its first axis is
    1); ``recorded`` (n_cases, n_leads, n_steps) gets sum_m rec_phi[., lead, m] I_m in uV after
    every step; ``current_trace`` (n_cases, n_sections, n_steps) or (n_cases, 0, 0) gets I_m
    in nA. Entries after a case's last step are left as they are (zeros).

    With ``stop_on_detect`` a case stops at its first AP at the detection node. With
    ``quiet_mv`` > 0 it also stops once its waveform is over (step >= ``wave_end`` of its wave)
    and every node has stayed within ``quiet_mv`` of its resting potential ``v_rest_nodes``
    (n_nodes,) for ``QUIET_STEPS`` consecutive steps without an AP.
    """
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
    im = np.zeros(n)
    v_act_old = np.empty(n_act)
    for k in range(n_cases):
        kr = k if rec_phi.shape[0] > 1 else 0
        gamf = np.empty(n_f)
        etaf = np.empty(n_f)
        rp0 = np.empty(n)
        rp1 = np.empty(n)
        zv = np.empty(n)
        zu = np.empty(n)
        cp = np.empty(n_f)
        dp = np.empty(n_f)
        vf = np.empty(n_f)
        firing = np.zeros(n_nodes, dtype=np.bool_)
        v_old = np.empty(n_nodes)
        for j in range(n_nodes):
            firing[j] = v[k, nodes[j]] >= AP_THRESHOLD_MV
        w = wave_idx[k]
        a_k = amp[k]
        vk = v[k]
        uk = u[k]
        ph = phi_mv[k]
        done = 0
        quiet_run = 0
        end_k = wave_end[w]
        for step in range(n_steps):
            s_new = a_k * wave[w, step]
            s_old = a_k * wave[w, step - 1] if step > 0 else 0.0
            i_in = istim_na[step] if istim_sec >= 0 else 0.0
            for j in range(n_nodes):
                v_old[j] = vk[nodes[j]]
            # linearised currents at the nodes (gates frozen)
            for f in range(n_f):
                i = fixed[f]
                gamf[f] = g_leak_us[i]
                etaf[f] = g_leak_us[i] * e_leak_mv[i]
            for j in range(n_act):
                gg, ge = model_current(gates[k, j], scale[j], prm)
                f = active_fixed[j]
                v_act_old[j] = vk[fixed[f]]
                gamf[f] += gg * active_g_us[j]
                etaf[f] += ge * active_g_us[j]
            # internodes: response z with the bounding node voltages at zero
            for sp in range(n_spans):
                a = span_start[sp]
                b = span_end[sp]
                for i in range(a, b + 1):
                    r0, r1 = section_rhs(
                        c[i], mcoef[i], cmy_dt[i], vk[i], uk[i], eta0[i], s_new * ph[i],
                        s_old * ph[i],
                    )  # fmt: skip
                    if i == a:
                        e_l = s_new * ph[parent[a]]
                        r0 += ga_us[a - 1] * e_l
                        r1 += gp_us[a - 1] * e_l
                    else:
                        r0 -= wmul[i, 0] * rp0[i - 1] + wmul[i, 1] * rp1[i - 1]
                        r1 -= wmul[i, 2] * rp0[i - 1] + wmul[i, 3] * rp1[i - 1]
                    if i == b:
                        e_r = s_new * ph[b + 1]
                        r0 += ga_us[b] * e_r
                        r1 += gp_us[b] * e_r
                    rp0[i] = r0
                    rp1[i] = r1
                z0 = 0.0
                z1 = 0.0
                for i in range(b, a - 1, -1):
                    s0 = rp0[i]
                    s1 = rp1[i]
                    if i < b:
                        s0 += ga_us[i] * (z0 + z1)
                        s1 += gp_us[i] * z1
                    z0 = dinv[i, 0] * s0 + dinv[i, 1] * s1
                    z1 = dinv[i, 2] * s0 + dinv[i, 3] * s1
                    zv[i] = z0
                    zu[i] = z1
            # the node system (Hines: leaves first, then back from the root)
            for f in range(n_f):
                i = fixed[f]
                rhs = node_rhs(c[i], vk[i], etaf[f], sa[i], s_new * ph[i])
                if i == istim_sec:
                    rhs += i_in
                dp[f] = rhs
                cp[f] = diag0[f] + gamf[f]
            for q in range(n_links):
                o = link_other[q]
                if link_other_free[q]:
                    dp[link_node[q]] += ga_us[link_index[q]] * (zv[o] + zu[o])
                else:
                    dp[link_node[q]] += ga_us[link_index[q]] * s_new * ph[o]
            for f in range(n_f - 1, 0, -1):
                p = node_parent[f]
                m_f = upper[f] / cp[f]
                cp[p] -= m_f * lower[f]
                dp[p] -= m_f * dp[f]
            vf[0] = dp[0] / cp[0]
            for f in range(1, n_f):
                vf[f] = (dp[f] - lower[f] * vf[node_parent[f]]) / cp[f]
            # back to every section
            for f in range(n_f):
                i = fixed[f]
                vk[i] = vf[f]
                uk[i] = s_new * ph[i]
            for sp in range(n_spans):
                v_l = vf[span_left[sp]]
                v_r = vf[span_right[sp]]
                for i2 in range(span_start[sp], span_end[sp] + 1):
                    vk[i2] = zv[i2] - v_l * zeta_l[i2, 0] - v_r * zeta_r[i2, 0]
                    uk[i2] = zu[i2] - v_l * zeta_l[i2, 1] - v_r * zeta_r[i2, 1]
            # gates with the new voltage (cnexp), concentrations with the step's currents
            for j in range(n_act):
                vv = vk[fixed[active_fixed[j]]]
                new = model_advance(
                    gates[k, j], v_act_old[j], vv, dt, scale[j], active_diameter_um[j], prm
                )
                for gi in range(n_st):
                    gates[k, j, gi] = new[gi]
            t_new = (step + 1) * dt
            for tr in range(n_tr):
                v_trace[k, tr, step] = vk[v_trace_sec[tr]]
            if record:
                membrane_currents(parent, ga_us, gp_bath_us, vk, uk, istim_sec, i_in, im)
                if keep_current:
                    for i in range(n):
                        current_trace[k, i, step] = im[i]
                for ld in range(n_leads):
                    acc = 0.0
                    for i in range(n):
                        acc += rec_phi[kr, ld, i] * im[i]
                    recorded[k, ld, step] = acc * NV_TO_UV
            for j in range(n_nodes):
                vv = vk[nodes[j]]
                if vv >= AP_THRESHOLD_MV:
                    if not firing[j]:
                        firing[j] = True
                        if ap_count[k, j] == 0:
                            ap_time[k, j] = t_new
                            ap_time_interp[k, j] = crossing_time_nb(step, dt, v_old[j], vv)
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
