"""The time-stepping kernel: all conditions of a batch in one compiled loop.

Scheme (NEURON's fixed-step staggered method, the one the published model ran with):
at each step, (1) events due at t are added to the synapse states, (2) membrane currents are
linearised with the gates at t and the potential is advanced to t + dt by backward Euler (one
tridiagonal solve over the chain of compartments; the GHK Ca current is explicit), (3) the gates
are advanced to t + dt by exponential Euler at the new potential, the Ca pools by forward Euler,
and the synapse states by their exact exponential decay. Spikes are detected as upward
crossings of the threshold at each soma and delivered ``delay_steps`` later through a ring buffer.

Why Numba: a NumPy version advancing all conditions together needs, per step, a Python loop of
~2 x n_compartments vector operations for the tridiagonal solve alone; on (100, 82) arrays that
solve costs more than this whole kernel's step for 100 conditions (measurement in
docs/circuit.md). Inside the kernel, blocks of ``LANES`` = 8 conditions advance together with
the condition axis innermost (2.1x faster than one condition at a time, identical spikes). The
kernel releases the GIL (``nogil``); :func:`~neurostim.circuit.simulate` runs slices of the
condition axis in threads, one per core (no ``prange``: the same speed here and a third of the
compile time).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from neurostim.circuit.channels import (
    FARADAY_C_PER_MOL,
    cal_rates,
    can_rates,
    ghk_mc_per_cm3,
    hh_rates,
    kca_rates,
    kdri_rates,
    melnick_na_rates,
    mg_block,
    nap_rates,
)
from neurostim.units import CA_FLUX_TO_MM_PER_MS, UM2_MA_PER_CM2_TO_NA

CA_REST_MM = 50.0e-6
LANES = 8  # conditions advanced together in SIMD lanes
CA_STEP_MM = 2.0e-7
CA_TABLE_MAX_MM = 5.0e-3
V_MIN_MV = -200.0
V_MAX_MV = 150.0
V_STEP_MV = 0.01
# columns of the voltage table: (inf, 1 - exp(-dt/tau)) per gate, then GHK and Mg terms
(M_HH, H_HH, N_HH, M_NAP, H_NAP, M_CAL, M_MEL, H_MEL, N_KD, H_KD) = range(10)
COL_GHK_OUT, COL_GHK_IN, COL_MG = 20, 21, 22
N_COLS = 23


@njit(cache=True)
def build_voltage_table(dt_ms, mg_out_mm):
    """Gate steady states and exponential-Euler factors, GHK and Mg terms on a V grid.

    Shape (n_v, N_COLS); linear interpolation at 0.01 mV is exact to ~1e-6 relative.
    """
    n_v = int((V_MAX_MV - V_MIN_MV) / V_STEP_MV + 0.5) + 1
    tab = np.empty((n_v, N_COLS))
    for j in range(n_v):
        v = V_MIN_MV + j * V_STEP_MV
        mi, tm, hi, th, ni, tn = hh_rates(v)
        vals = (mi, tm, hi, th, ni, tn)
        for q in range(3):
            tab[j, 2 * q] = vals[2 * q]
            tab[j, 2 * q + 1] = 1.0 - math.exp(-dt_ms / vals[2 * q + 1])
        mi, tm, hi, th = nap_rates(v)
        tab[j, 2 * M_NAP], tab[j, 2 * M_NAP + 1] = mi, 1.0 - math.exp(-dt_ms / tm)
        tab[j, 2 * H_NAP], tab[j, 2 * H_NAP + 1] = hi, 1.0 - math.exp(-dt_ms / th)
        mi, tm = cal_rates(v)
        tab[j, 2 * M_CAL], tab[j, 2 * M_CAL + 1] = mi, 1.0 - math.exp(-dt_ms / tm)
        mi, tm, hi, th = melnick_na_rates(v)
        tab[j, 2 * M_MEL], tab[j, 2 * M_MEL + 1] = mi, 1.0 - math.exp(-dt_ms / tm)
        tab[j, 2 * H_MEL], tab[j, 2 * H_MEL + 1] = hi, 1.0 - math.exp(-dt_ms / th)
        ni, tn, hi, th = kdri_rates(v)
        tab[j, 2 * N_KD], tab[j, 2 * N_KD + 1] = ni, 1.0 - math.exp(-dt_ms / tn)
        tab[j, 2 * H_KD], tab[j, 2 * H_KD + 1] = hi, 1.0 - math.exp(-dt_ms / th)
        # GHK(v, ci, co) = co * A(v) + ci * B(v)
        a_out = ghk_mc_per_cm3(v, 0.0, 1.0)
        tab[j, COL_GHK_OUT] = a_out
        tab[j, COL_GHK_IN] = ghk_mc_per_cm3(v, 1.0, 0.0)
        tab[j, COL_MG] = mg_block(v, mg_out_mm)
    return tab


@njit(cache=True)
def build_calcium_table(dt_ms):
    """(m_inf, 1 - exp(-dt/tau)) of I_KCa and I_CAN on a Ca_i grid (0-5 uM, 0.2 nM steps).

    Shape (n_ca, 4); above the grid the kernel evaluates the rates directly.
    """
    n_ca = int(CA_TABLE_MAX_MM / CA_STEP_MM + 0.5) + 2
    tab = np.empty((n_ca, 4))
    for j in range(n_ca):
        mi, tm = kca_rates(j * CA_STEP_MM)
        tab[j, 0], tab[j, 1] = mi, 1.0 - math.exp(-dt_ms / tm)
        mi, tm = can_rates(j * CA_STEP_MM)
        tab[j, 2], tab[j, 3] = mi, 1.0 - math.exp(-dt_ms / tm)
    return tab


@njit(cache=True, inline="always")
def _ca_gate(ca_tab, cai, col, dt_ms):
    x = cai / CA_STEP_MM
    if x < ca_tab.shape[0] - 1:
        j = int(x)
        fr = x - j
        inf = ca_tab[j, col] * (1.0 - fr) + ca_tab[j + 1, col] * fr
        fac = ca_tab[j, col + 1] * (1.0 - fr) + ca_tab[j + 1, col + 1] * fr
        return inf, fac
    if col == 0:
        mi, tm = kca_rates(cai)
    else:
        mi, tm = can_rates(cai)
    return mi, 1.0 - math.exp(-dt_ms / tm)


@njit(cache=True, nogil=True)
def run_kernel(
    cap_nf,
    area_um2,
    g_axial_us,
    g_pas_us,
    e_pas_mv,
    e_na_mv,
    e_k_mv,
    g_na_hh_us,
    g_k_hh_us,
    g_nap_us,
    g_kca_us,
    g_can_us,
    g_na_mel_us,
    g_kdri_us,
    p_cal_cm_per_s,
    ca_tau_ms,
    ca_depth_um,
    group_comp,
    group_tau_rise_ms,
    group_tau_decay_ms,
    group_e_rev_mv,
    group_ca_fraction,
    group_mg,
    conn_group,
    weights_us,
    fiber_group_of_fiber,
    fg_conn_ptr,
    fg_conn,
    cell_conn_ptr,
    cell_conn,
    soma_index,
    bias_na,
    ev_ptr,
    ev_step,
    ev_fiber,
    dt_ms,
    n_steps,
    delay_steps,
    threshold_mv,
    mg_out_mm,
    ca_out_mm,
    v_init_mv,
    e_can_mv,
    tab,
    ca_tab,
    c_start,
    c_stop,
    spike_times,
    n_spikes,
    overflow,
):
    """Advance conditions ``c_start:c_stop``, writing their spikes into the output arrays.

    Conditions go through in blocks of ``LANES``: every state array has the lane (condition)
    axis innermost, so each compartment operation runs on ``LANES`` conditions at once (SIMD);
    each lane does exactly the arithmetic of a lone condition, so results do not depend on the
    blocking.

    Shapes: weights_us (n_cond, n_conn), bias_na (n_cond, n_cells), ev_ptr (n_cond + 1),
    ev_step/ev_fiber (n_events,), tab from :func:`build_voltage_table`, ca_tab from
    :func:`build_calcium_table`. Outputs (written in
    place): spike_times (n_cond, n_cells, max_spikes) NaN-padded, n_spikes (n_cond, n_cells)
    int64, overflow (n_cond,) bool.
    """
    n_cells = soma_index.shape[0]
    n = cap_nf.shape[0]
    n_groups = group_comp.shape[0]
    max_spikes = spike_times.shape[2]
    decay_r = np.exp(-dt_ms / group_tau_rise_ms)
    decay_d = np.exp(-dt_ms / group_tau_decay_ms)
    factor = np.empty(n_groups)
    for g in range(n_groups):
        tr, td = group_tau_rise_ms[g], group_tau_decay_ms[g]
        tp = tr * td / (td - tr) * math.log(td / tr)
        factor[g] = 1.0 / (math.exp(-tp / td) - math.exp(-tp / tr))
    ring_len = delay_steps + 2
    to_ma_cm2 = 1.0 / (area_um2 * UM2_MA_PER_CM2_TO_NA)  # nA in a compartment -> mA/cm2
    to_na = area_um2 * UM2_MA_PER_CM2_TO_NA  # mA/cm2 -> nA

    n_v = tab.shape[0]
    # the gates each compartment actually has (CSR over compartments)
    gate_ptr = np.zeros(n + 1, dtype=np.int64)
    gate_cols = np.empty(10 * n, dtype=np.int64)
    for i in range(n):
        cnt = gate_ptr[i]
        for q, on in (
            (M_HH, g_na_hh_us[i] > 0.0),
            (H_HH, g_na_hh_us[i] > 0.0),
            (N_HH, g_k_hh_us[i] > 0.0),
            (M_NAP, g_nap_us[i] > 0.0),
            (H_NAP, g_nap_us[i] > 0.0),
            (M_CAL, p_cal_cm_per_s[i] > 0.0),
            (M_MEL, g_na_mel_us[i] > 0.0),
            (H_MEL, g_na_mel_us[i] > 0.0),
            (N_KD, g_kdri_us[i] > 0.0),
            (H_KD, g_kdri_us[i] > 0.0),
        ):
            if on:
                gate_cols[cnt] = q
                cnt += 1
        gate_ptr[i + 1] = cnt
    for c0 in range(c_start, c_stop, LANES):
        nl = min(LANES, c_stop - c0)
        v = np.full((n, LANES), v_init_mv)
        gate = np.empty((n, 10, LANES))
        vj = np.empty((n, LANES), dtype=np.int64)
        vf = np.empty((n, LANES))
        cai = np.full((n, LANES), CA_REST_MM)
        m_kca = np.empty((n, LANES))
        m_can = np.empty((n, LANES))
        for i in range(n):
            x = (v_init_mv - V_MIN_MV) / V_STEP_MV
            j = min(max(int(x), 0), n_v - 2)
            fr = x - j
            m0, _ = kca_rates(CA_REST_MM)
            c0_, _ = can_rates(CA_REST_MM)
            for ln in range(LANES):
                vj[i, ln], vf[i, ln] = j, fr
                for q in range(10):
                    gate[i, q, ln] = tab[j, 2 * q] * (1.0 - fr) + tab[j + 1, 2 * q] * fr
                m_kca[i, ln] = m0
                m_can[i, ln] = c0_
        syn_a = np.zeros((n_groups, LANES))
        syn_b = np.zeros((n_groups, LANES))
        ring = np.zeros((ring_len, n_groups, LANES))
        diag = np.empty((n, LANES))
        rhs = np.empty((n, LANES))
        cprime = np.empty((n, LANES))
        ica_syn = np.zeros((n, LANES))
        ica_cal = np.zeros((n, LANES))
        gsum = np.empty(LANES)
        gesum = np.empty(LANES)
        e_ptr = np.zeros(LANES, dtype=np.int64)
        e_end = np.zeros(LANES, dtype=np.int64)
        bias = np.zeros((n_cells, LANES))
        for ln in range(nl):
            e_ptr[ln] = ev_ptr[c0 + ln]
            e_end[ln] = ev_ptr[c0 + ln + 1]
            for k in range(n_cells):
                bias[k, ln] = bias_na[c0 + ln, k]
        v_soma_prev = np.empty((n_cells, LANES))
        for k in range(n_cells):
            for ln in range(LANES):
                v_soma_prev[k, ln] = v[soma_index[k], ln]

        for step in range(n_steps):
            t = step * dt_ms
            # (1) events due now: afferent fibres, then delayed cell-to-cell deliveries
            for ln in range(nl):
                w = weights_us[c0 + ln]
                while e_ptr[ln] < e_end[ln] and ev_step[e_ptr[ln]] <= step:
                    fg = fiber_group_of_fiber[ev_fiber[e_ptr[ln]]]
                    for q in range(fg_conn_ptr[fg], fg_conn_ptr[fg + 1]):
                        kc = fg_conn[q]
                        g = conn_group[kc]
                        inc = w[kc] * factor[g]
                        syn_a[g, ln] += inc
                        syn_b[g, ln] += inc
                    e_ptr[ln] += 1
            slot = step % ring_len
            for g in range(n_groups):
                for ln in range(LANES):
                    if ring[slot, g, ln] != 0.0:
                        inc = ring[slot, g, ln] * factor[g]
                        syn_a[g, ln] += inc
                        syn_b[g, ln] += inc
                        ring[slot, g, ln] = 0.0

            # (2) linearised currents -> backward Euler for v
            for i in range(n):
                for ln in range(LANES):
                    gsum[ln] = g_pas_us[i]
                    gesum[ln] = g_pas_us[i] * e_pas_mv[i]
                if g_na_hh_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_na_hh_us[i] * gate[i, M_HH, ln] ** 3 * gate[i, H_HH, ln]
                        gsum[ln] += gx
                        gesum[ln] += gx * e_na_mv[i]
                if g_k_hh_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_k_hh_us[i] * gate[i, N_HH, ln] ** 4
                        gsum[ln] += gx
                        gesum[ln] += gx * e_k_mv[i]
                if g_nap_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_nap_us[i] * gate[i, M_NAP, ln] * gate[i, H_NAP, ln]
                        gsum[ln] += gx
                        gesum[ln] += gx * e_na_mv[i]
                if g_kca_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_kca_us[i] * m_kca[i, ln] ** 3
                        gsum[ln] += gx
                        gesum[ln] += gx * e_k_mv[i]
                if g_can_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_can_us[i] * m_can[i, ln] ** 2
                        gsum[ln] += gx
                        gesum[ln] += gx * e_can_mv
                if g_na_mel_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_na_mel_us[i] * gate[i, M_MEL, ln] ** 3 * gate[i, H_MEL, ln]
                        gsum[ln] += gx
                        gesum[ln] += gx * e_na_mv[i]
                if g_kdri_us[i] > 0.0:
                    for ln in range(LANES):
                        gx = g_kdri_us[i] * gate[i, N_KD, ln] ** 4 * gate[i, H_KD, ln]
                        gsum[ln] += gx
                        gesum[ln] += gx * e_k_mv[i]
                if p_cal_cm_per_s[i] > 0.0:
                    for ln in range(LANES):
                        j, fr = vj[i, ln], vf[i, ln]
                        a_out = tab[j, COL_GHK_OUT] * (1.0 - fr) + tab[j + 1, COL_GHK_OUT] * fr
                        a_in = tab[j, COL_GHK_IN] * (1.0 - fr) + tab[j + 1, COL_GHK_IN] * fr
                        ica_cal[i, ln] = (
                            p_cal_cm_per_s[i]
                            * gate[i, M_CAL, ln] ** 2
                            * (ca_out_mm * a_out + cai[i, ln] * a_in)
                        )
                else:
                    for ln in range(LANES):
                        ica_cal[i, ln] = 0.0
                for ln in range(LANES):
                    diag[i, ln] = cap_nf[i] / dt_ms + gsum[ln]
                    rhs[i, ln] = (
                        cap_nf[i] / dt_ms * v[i, ln] + gesum[ln] - ica_cal[i, ln] * to_na[i]
                    )
                    ica_syn[i, ln] = 0.0
            for g in range(n_groups):
                i = group_comp[g]
                for ln in range(LANES):
                    gs = syn_b[g, ln] - syn_a[g, ln]
                    if group_mg[g] > 0.0:
                        j, fr = vj[i, ln], vf[i, ln]
                        gs *= tab[j, COL_MG] * (1.0 - fr) + tab[j + 1, COL_MG] * fr
                    diag[i, ln] += gs
                    rhs[i, ln] += gs * group_e_rev_mv[g]
                    if group_ca_fraction[g] > 0.0:
                        ica_syn[i, ln] += group_ca_fraction[g] * gs * (v[i, ln] - group_e_rev_mv[g])
            for k in range(n_cells):
                for ln in range(LANES):
                    rhs[soma_index[k], ln] += bias[k, ln]
            for i in range(n - 1):
                for ln in range(LANES):
                    diag[i, ln] += g_axial_us[i]
                    diag[i + 1, ln] += g_axial_us[i]
            # Thomas algorithm; off-diagonals are -g_axial_us
            for ln in range(LANES):
                cprime[0, ln] = -g_axial_us[0] / diag[0, ln]
                rhs[0, ln] = rhs[0, ln] / diag[0, ln]
            for i in range(1, n):
                for ln in range(LANES):
                    den = diag[i, ln] + g_axial_us[i - 1] * cprime[i - 1, ln]
                    cprime[i, ln] = -g_axial_us[i] / den if i < n - 1 else 0.0
                    rhs[i, ln] = (rhs[i, ln] + g_axial_us[i - 1] * rhs[i - 1, ln]) / den
            for i in range(n - 2, -1, -1):
                for ln in range(LANES):
                    rhs[i, ln] = rhs[i, ln] - cprime[i, ln] * rhs[i + 1, ln]

            # (3) gates and calcium at the new potential (exponential Euler from the table)
            for i in range(n):
                for ln in range(LANES):
                    vn = rhs[i, ln]
                    v[i, ln] = vn
                    x = (vn - V_MIN_MV) / V_STEP_MV
                    j = min(max(int(x), 0), n_v - 2)
                    vj[i, ln] = j
                    vf[i, ln] = x - j
                for qq in range(gate_ptr[i], gate_ptr[i + 1]):
                    q = gate_cols[qq]
                    for ln in range(LANES):
                        j, fr = vj[i, ln], vf[i, ln]
                        inf = tab[j, 2 * q] * (1.0 - fr) + tab[j + 1, 2 * q] * fr
                        fac = tab[j, 2 * q + 1] * (1.0 - fr) + tab[j + 1, 2 * q + 1] * fr
                        gate[i, q, ln] += fac * (inf - gate[i, q, ln])
                if ca_tau_ms[i] > 0.0:
                    for ln in range(LANES):
                        ica = ica_cal[i, ln] + ica_syn[i, ln] * to_ma_cm2[i]
                        shell = 2.0 * FARADAY_C_PER_MOL * ca_depth_um[i]
                        drive = -CA_FLUX_TO_MM_PER_MS * ica / shell
                        if drive < 0.0:
                            drive = 0.0
                        cai[i, ln] += dt_ms * (drive + (CA_REST_MM - cai[i, ln]) / ca_tau_ms[i])
                    if g_kca_us[i] > 0.0:
                        for ln in range(LANES):
                            mi, fac = _ca_gate(ca_tab, cai[i, ln], 0, dt_ms)
                            m_kca[i, ln] += fac * (mi - m_kca[i, ln])
                    if g_can_us[i] > 0.0:
                        for ln in range(LANES):
                            mi, fac = _ca_gate(ca_tab, cai[i, ln], 2, dt_ms)
                            m_can[i, ln] += fac * (mi - m_can[i, ln])
            for g in range(n_groups):
                for ln in range(LANES):
                    syn_a[g, ln] *= decay_r[g]
                    syn_b[g, ln] *= decay_d[g]

            # spikes: upward threshold crossings at each soma, delivered after the delay
            for k in range(n_cells):
                for ln in range(nl):
                    vs = v[soma_index[k], ln]
                    if v_soma_prev[k, ln] < threshold_mv <= vs:
                        c = c0 + ln
                        frac = (threshold_mv - v_soma_prev[k, ln]) / (vs - v_soma_prev[k, ln])
                        ns = n_spikes[c, k]
                        if ns < max_spikes:
                            spike_times[c, k, ns] = t + frac * dt_ms
                            n_spikes[c, k] = ns + 1
                        else:
                            overflow[c] = True
                        target = (step + 1 + delay_steps) % ring_len
                        w = weights_us[c]
                        for q in range(cell_conn_ptr[k], cell_conn_ptr[k + 1]):
                            kc = cell_conn[q]
                            ring[target, conn_group[kc], ln] += w[kc]
                    v_soma_prev[k, ln] = vs
