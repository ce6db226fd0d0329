"""Tigerholm C-nociceptor axon kinetics (kinetic model ``tigerholm``).

Tigerholm et al. (2014, J Neurophysiol 111:1721; ModelDB 189112 [TI14]) with the uniform axon
densities of PyFibers' ``TigerholmFiber``; parameters in data/tigerholm.toml. Equations restated
from the published NMODL files (V in mV, t in ms, concentrations in mM, currents in mA/cm2). Every
gate x obeys dx/dt = (x_inf - x)/tau, tau divided by Q10^((T - T_ref)/10) (``[q10]``), advanced by
cnexp at the new voltage. s(x) = 1/(1 + exp(x)) below.

Nav1.7 (``nattxs``), I = g m^3 h s (V - E_Na):
    a_m = 15.5 s((V - 5)/-12.08), b_m = 35.2 s((V + 72.7)/16.7);
    a_h = 0.38685 s((V + 122.35)/15.29), b_h = -0.00283 + 2.00283 s((V + 5.5266)/-12.70195);
    a_s = 3e-5 + 0.00092 s((V + 93.9)/16.6), b_s = 132.05 - 132.05 s((V - 384.9)/28.5).
Nav1.8 (``nav1p8``), I = g m^3 h s u (V - E_Na):
    a_m = 2.85 - 2.839 s((V - 1.159)/13.95), b_m = 7.6205 s((V + 46.463)/8.8289);
    h_inf = s((V + 32.2)/4), tau_h = 1.218 + 42.043 exp(-(V + 38.1)^2/(2 15.19^2));
    s_inf = s((V + 45)/8), a_s = 5.4203e-3 s((V + 79.816)/16.269),
    b_s = 5.0757e-3 s(-(V + 15.968)/11.542);
    u_inf = s((V + 51)/8), a_u = 4.0868e-4 s((V + 67.499)/19.51),
    b_u = 3.9904e-4 s(-(V + 30.963)/14.792).
Nav1.9 (``nav1p9``), I = g m h s (V - E_Na):
    a_m = 1.032 s((V + 6.99)/-14.87115), b_m = 5.79 s((V + 130.4)/22.9);
    a_h = 0.06435 s((V + 73.26415)/3.71928), b_h = 0.13496 s((V + 10.27853)/-9.09334);
    a_s = 1.6e-7 exp(-V/12), b_s = 0.0005 s(-(V + 32)/23).
Kdr (``kdrTiger``), I = g n^4 (V - E_K): n_inf = s(-(V + 25)/15.4);
    tau = 0.16 + 0.8 exp(-0.0267 (V + 11)) for V >= -31,
    1000 (0.000688 + 1/(exp((V + 75.2)/6.5) + exp(-(V - 131.5)/34.8))) below.
KM (``ks``), I = g (ns/4 + 3 nf/4) (V - E_K): ns_inf = nf_inf = s(-(V + 30)/6);
    tau_ns = 13 V + 1000 for V >= -60, 219 below; tau_nf = 1/(a + b),
    a = 0.00395 exp((V + 30)/40), b = 0.00395 exp(-(V + 30)/20).
KA (``kf``, half-activation shifted by -15 mV), I = g m h (V - E_K): m_inf = s(-(V - 9.6)/16.4)^4,
    h_inf = s((V + 34.9)/4.6);
    tau_m = 0.25 + 10.04 exp(-(V + 24.67)^2/(2 34.8^2)),
    tau_h = max(5, 20 + 50 exp(-(V + 40)^2/(2 40^2))).
HCN (``h``), g = g_h (ns + nf)/2, I_Na = g/2 (V - E_Na), I_K = g/2 (V - E_K):
    n_inf = s((V + 87.2)/9.7); tau_s = 300 + 542 exp(-(V + 25)/20) (V >= -70),
    2500 + 100 exp((V + 240)/50) below; tau_f = 140 + 50 exp(-(V + 25)/20) (V >= -70),
    250 + 12 exp((V + 240)/50) below.
KNa (``kna``), I = g w (V - E_K), w = 0.37/(1 + (38.7/[Na]_i)^3.5) (instantaneous).
Na/K pump (``nakpump``), I_K = a/(1 + b1/[K]_o)^2 (1.62/(1 + (6.7/([Na]_i + 8))^3)
    + 1/(1 + (67.6/([Na]_i + 8))^3)) (a < 0: inward K), I_Na = -1.5 I_K (no temperature factor).
Leak and balance (``leak``, ``extrapump``, PyFibers' ``balance``): at V_rest = -55 mV, with every
    gate at rest, the Na channel and pump current I_Na,0 is cancelled by a Na leak
    g_NaL = -I_Na,0/(V_rest - E_Na) where that is >= 0, by a constant current -I_Na,0 otherwise;
    likewise for K. The leak follows the moving E_Na and E_K; the constant currents do not.
Concentrations (``naoiTiger``, ``koiTiger``), for X = Na, K, I_X the section's total X current:
    d[X]_i/dt = -4e4 I_X/(F d) (d the diameter, um);
    d[X]_o/dt = (1e4/theta)(I_X/F - 1e-8 ([X]_o - [X]_o,0)) (theta 0.029 um: tau 290 ms);
    E_X = (R T/F) ln([X]_o/[X]_i) each step (NEURON's ion mechanism), T the fiber temperature.

State per active section (``TIGERHOLM_STATES``, 21): the gates above, then [Na]_i, [Na]_o, [K]_i,
[K]_o. The concentrations are advanced with the currents of the step's start (NEURON's order):
[X]_i by explicit Euler, [X]_o by cnexp of its linear equation.

Differences from [TI14] (stated): this is PyFibers' uniform axon (one density set, any diameter),
not the paper's whole fiber, whose geometry and densities were not checked against the paper here;
the published mechanisms default to 32 C (``celsiusT`` of ks and nakpump), the case's temperature
(37 C by default) is used here. PyFibers balances
the leak after ``finitialize`` with the Nernst potentials of NEURON's default 6.3 C (its
``celsius`` is set later); here the balance uses the fiber's temperature.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, NamedTuple

import numpy as np

from neurostim.units import MV_TO_V

TIGERHOLM_CHANNELS = ("nav17", "nav18", "nav19", "kdr", "km", "ka", "h", "kna", "pump")
"""Scalable conductances (and the Na/K pump) of ``tigerholm``, the columns of ``channel_scale``."""
TIGERHOLM_STATES = (
    "m17", "h17", "s17", "m18", "h18", "s18", "u18", "m19", "h19", "s19", "n_kdr",
    "ns_km", "nf_km", "m_ka", "h_ka", "ns_h", "nf_h", "na_i_mm", "na_o_mm", "k_i_mm", "k_o_mm",
)  # fmt: skip
"""State variables of ``tigerholm`` per active section, in the kernels' order."""
N_GATES = 17


@functools.cache
def tigerholm_parameters() -> dict[str, Any]:
    """The Tigerholm parameter file (data/tigerholm.toml) as a dict."""
    text = resources.files("neurostim.fibers").joinpath("data/tigerholm.toml").read_text()
    return tomllib.loads(text)


class TigerholmChannels(NamedTuple):
    """Tigerholm axon channels, pump, leak and concentration constants at one temperature."""

    g_nav17_s_per_cm2: float
    g_nav18_s_per_cm2: float
    g_nav19_s_per_cm2: float
    g_kdr_s_per_cm2: float
    g_km_s_per_cm2: float
    g_ka_s_per_cm2: float
    g_h_s_per_cm2: float
    g_kna_s_per_cm2: float
    rate_nav17: float
    rate_nav18: float
    rate_nav19: float
    rate_kdr: float
    rate_km: float
    rate_ka: float
    rate_h: float
    kna_ec50_mm: float
    kna_p_max: float
    kna_hill: float
    pump_a_ma_per_cm2: float
    pump_b1_mm: float
    pump_km1_mm: float
    pump_km2_mm: float
    pump_na_offset_mm: float
    pump_w1: float
    pump_w2: float
    pump_na_per_k: float
    rt_f_mv: float
    faraday_c_per_mol: float
    na_i_rest_mm: float
    na_o_rest_mm: float
    k_i_rest_mm: float
    k_o_rest_mm: float
    inner_flux_factor: float
    shell_flux_per_um: float
    clearance_per_ms: float
    g_na_leak_s_per_cm2: float = 0.0
    g_k_leak_s_per_cm2: float = 0.0
    i_na_balance_ma_per_cm2: float = 0.0
    i_k_balance_ma_per_cm2: float = 0.0

    @classmethod
    def from_data(
        cls, table: Mapping[str, Any], temperature_c: float, v_rest_mv: float | None = None
    ) -> TigerholmChannels:
        """Parameters from data/tigerholm.toml at ``temperature_c``, balanced at ``v_rest_mv``
        (default the file's -55 mV)."""
        t = float(temperature_c)
        d, q, kna, pump = table["densities"], table["q10"], table["kna"], table["pump"]
        conc, nernst = table["concentrations"], table["nernst"]
        f = float(nernst["faraday_c_per_mol"])
        kelvin = nernst["zero_celsius_k"] + t
        shell = float(conc["shell_flux_factor"]) / float(conc["shell_um"])

        def rate(name: str) -> float:
            q10, t_ref = q[name]
            return float(q10 ** ((t - t_ref) / 10.0))

        g = {f"g_{c}_s_per_cm2": float(d[f"{c}_s_per_cm2"]) for c in TIGERHOLM_CHANNELS[:-1]}
        rates = {f"rate_{c}": rate(c) for c in ("nav17", "nav18", "nav19", "kdr", "km", "ka", "h")}
        p = cls(
            **g,
            **rates,
            kna_ec50_mm=float(kna["ec50_mm"]),
            kna_p_max=float(kna["p_max"]),
            kna_hill=float(kna["hill"]),
            pump_a_ma_per_cm2=float(pump["a_ma_per_cm2"]),
            pump_b1_mm=float(pump["b1_mm"]),
            pump_km1_mm=float(pump["km1_mm"]),
            pump_km2_mm=float(pump["km2_mm"]),
            pump_na_offset_mm=float(pump["na_offset_mm"]),
            pump_w1=float(pump["w1"]),
            pump_w2=float(pump["w2"]),
            pump_na_per_k=float(pump["na_per_k"]),
            rt_f_mv=nernst["gas_constant_j_per_mol_k"] * kelvin / f / MV_TO_V,
            faraday_c_per_mol=f,
            na_i_rest_mm=float(conc["na_i_mm"]),
            na_o_rest_mm=float(conc["na_o_mm"]),
            k_i_rest_mm=float(conc["k_i_mm"]),
            k_o_rest_mm=float(conc["k_o_mm"]),
            inner_flux_factor=float(conc["inner_flux_factor"]),
            shell_flux_per_um=shell,
            clearance_per_ms=shell * float(conc["diffusion"]) * float(conc["diffusion_factor"]),
        )
        v = float(table["constants"]["v_rest_mv"] if v_rest_mv is None else v_rest_mv)
        return balanced(p, v)


def balanced(p: TigerholmChannels, v_rest_mv: float) -> TigerholmChannels:
    """``p`` with the Na and K leak (or constant currents) that cancel each ion's channel and
    pump current at ``v_rest_mv`` with every gate at rest (PyFibers' ``balance``)."""
    kin = _NUMPY
    x = kin.rest(v_rest_mv, p)
    i_na, i_k = kin.ion_currents(x, v_rest_mv, np.ones(len(TIGERHOLM_CHANNELS)), p)
    e_na = p.rt_f_mv * math.log(p.na_o_rest_mm / p.na_i_rest_mm)
    e_k = p.rt_f_mv * math.log(p.k_o_rest_mm / p.k_i_rest_mm)
    g_na = -float(i_na) / (v_rest_mv - e_na)
    g_k = -float(i_k) / (v_rest_mv - e_k)
    return p._replace(
        g_na_leak_s_per_cm2=max(g_na, 0.0),
        i_na_balance_ma_per_cm2=-float(i_na) if g_na < 0 else 0.0,
        g_k_leak_s_per_cm2=max(g_k, 0.0),
        i_k_balance_ma_per_cm2=-float(i_k) if g_k < 0 else 0.0,
    )


class TigerholmKinetics(NamedTuple):
    """``Kinetics`` fields of ``tigerholm`` plus the per-ion currents (for the balance)."""

    n_states: int
    channels: tuple[str, ...]
    gates: Callable[..., tuple]
    rest: Callable[..., tuple]
    current: Callable[..., tuple]
    advance: Callable[..., tuple]
    ion_currents: Callable[..., tuple]


def tigerholm_kinetics(
    exp: Callable[[Any], Any],
    where: Callable[[Any, Any, Any], Any],
    log: Callable[[Any], Any],
    jit: Callable[[Callable[..., Any]], Callable[..., Any]],
    cnexp: Callable[..., Any],
) -> TigerholmKinetics:
    """The ``tigerholm`` equations over the backend's ``exp``, ``where`` and ``log``."""

    @jit
    def sig(x):
        return 1.0 / (1.0 + exp(x))

    @jit
    def gates(v, p):
        """(x_inf, tau_ms) of the 17 gates, in state order, Q10 applied."""
        q = p.rate_nav17
        a, b = 15.5 * sig((v - 5.0) / -12.08), 35.2 * sig((v + 72.7) / 16.7)
        t_m17 = 1.0 / (a + b)
        m17 = a * t_m17
        a, b = (
            0.38685 * sig((v + 122.35) / 15.29),
            -0.00283 + 2.00283 * sig((v + 5.5266) / -12.70195),
        )
        t_h17 = 1.0 / (a + b)
        h17 = a * t_h17
        a = 0.00003 + 0.00092 * sig((v + 93.9) / 16.6)
        b = 132.05 - 132.05 * sig((v - 384.9) / 28.5)
        t_s17 = 1.0 / (a + b)
        s17 = a * t_s17
        q8 = p.rate_nav18
        a, b = 2.85 - 2.839 * sig((v - 1.159) / 13.95), 7.6205 * sig((v + 46.463) / 8.8289)
        t_m18 = 1.0 / (a + b)
        m18 = a * t_m18
        h18 = sig((v + 32.2) / 4.0)
        t_h18 = 1.218 + 42.043 * exp(-((v + 38.1) ** 2) / (2.0 * 15.19**2))
        a, b = 0.0054203 * sig((v + 79.816) / 16.269), 0.0050757 * sig(-(v + 15.968) / 11.542)
        t_s18 = 1.0 / (a + b)
        a, b = (
            0.0002 * 2.0434 * sig((v + 67.499) / 19.51),
            0.0002 * 1.9952 * sig(-(v + 30.963) / 14.792),
        )
        t_u18 = 1.0 / (a + b)
        q9 = p.rate_nav19
        a, b = 1.032 * sig((v + 6.99) / -14.87115), 5.79 * sig((v + 130.4) / 22.9)
        t_m19 = 1.0 / (a + b)
        m19 = a * t_m19
        a, b = 0.06435 * sig((v + 73.26415) / 3.71928), 0.13496 * sig((v + 10.27853) / -9.09334)
        t_h19 = 1.0 / (a + b)
        h19 = a * t_h19
        a, b = 0.00000016 * exp(-v / 12.0), 0.0005 * sig(-(v + 32.0) / 23.0)
        t_s19 = 1.0 / (a + b)
        s19 = a * t_s19
        n = sig(-(v + 25.0) / 15.4)
        t_n = where(
            v < -31.0,
            1000.0 * (0.000688 + 1.0 / (exp((v + 75.2) / 6.5) + exp((v - 131.5) / -34.8))),
            0.16 + 0.8 * exp(-0.0267 * (v + 11.0)),
        )
        ns = sig(-(v + 30.0) / 6.0)
        t_ns = where(v < -60.0, 219.0, 13.0 * v + 1000.0)
        t_nf = 1.0 / (0.00395 * exp((v + 30.0) / 40.0) + 0.00395 * exp(-(v + 30.0) / 20.0))
        m_a = sig(-(v - 9.6) / 16.4)
        m_a = m_a * m_a * m_a * m_a
        h_a = sig((v + 34.9) / 4.6)
        t_ma = 0.25 + 10.04 * exp(-((v + 24.67) ** 2) / (2.0 * 34.8**2))
        t_ha = 20.0 + 50.0 * exp(-((v + 40.0) ** 2) / (2.0 * 40.0**2))
        t_ha = where(t_ha < 5.0, 5.0, t_ha)
        n_h = sig((v + 87.2) / 9.7)
        t_hs = where(v < -70.0, 2500.0 + 100.0 * exp((v + 240.0) / 50.0),
                     300.0 + 542.0 * exp((v + 25.0) / -20.0))  # fmt: skip
        t_hf = where(v < -70.0, 250.0 + 12.0 * exp((v + 240.0) / 50.0),
                     140.0 + 50.0 * exp((v + 25.0) / -20.0))  # fmt: skip
        qk, qm, qa, qh = p.rate_kdr, p.rate_km, p.rate_ka, p.rate_h
        return (m17, t_m17 / q, h17, t_h17 / q, s17, t_s17 / q,
                m18, t_m18 / q8, h18, t_h18 / q8, sig((v + 45.0) / 8.0), t_s18 / q8,
                sig((v + 51.0) / 8.0), t_u18 / q8,
                m19, t_m19 / q9, h19, t_h19 / q9, s19, t_s19 / q9,
                n, t_n / qk, ns, t_ns / qm, ns, t_nf / qm, m_a, t_ma / qa, h_a, t_ha / qa,
                n_h, t_hs / qh, n_h, t_hf / qh)  # fmt: skip

    @jit
    def rest(v, p):
        r = gates(v, p)
        return (r[0], r[2], r[4], r[6], r[8], r[10], r[12], r[14], r[16], r[18], r[20], r[22],
                r[24], r[26], r[28], r[30], r[32], p.na_i_rest_mm, p.na_o_rest_mm,
                p.k_i_rest_mm, p.k_o_rest_mm)  # fmt: skip

    @jit
    def parts(x, s, p):
        """(g_Na, g_K, E_Na, E_K, pump I_Na, pump I_K): gated conductances incl. the leak (S/cm2),
        Nernst potentials (mV) and the concentration-dependent constant currents (mA/cm2)."""
        na_i, k_o = x[17], x[20]
        m17, m18, n = x[0], x[3], x[10]
        g_na = (p.g_nav17_s_per_cm2 * s[0] * m17 * m17 * m17 * x[1] * x[2]
                + p.g_nav18_s_per_cm2 * s[1] * m18 * m18 * m18 * x[4] * x[5] * x[6]
                + p.g_nav19_s_per_cm2 * s[2] * x[7] * x[8] * x[9])  # fmt: skip
        g_hcn = p.g_h_s_per_cm2 * s[6] * 0.25 * (x[15] + x[16])
        w = p.kna_p_max / (1.0 + (p.kna_ec50_mm / na_i) ** p.kna_hill)
        g_k = (p.g_kdr_s_per_cm2 * s[3] * n * n * n * n
               + p.g_km_s_per_cm2 * s[4] * (0.25 * x[11] + 0.75 * x[12])
               + p.g_ka_s_per_cm2 * s[5] * x[13] * x[14]
               + p.g_kna_s_per_cm2 * s[7] * w)  # fmt: skip
        nai8 = na_i + p.pump_na_offset_mm
        r1 = p.pump_km1_mm / nai8
        r2 = p.pump_km2_mm / nai8
        ko = 1.0 + p.pump_b1_mm / k_o
        saturation = p.pump_w1 / (1.0 + r1 * r1 * r1) + p.pump_w2 / (1.0 + r2 * r2 * r2)
        i_pump_k = s[8] * p.pump_a_ma_per_cm2 / (ko * ko) * saturation
        e_na = p.rt_f_mv * log(x[18] / na_i)
        e_k = p.rt_f_mv * log(k_o / x[19])
        return (g_na + g_hcn + p.g_na_leak_s_per_cm2, g_k + g_hcn + p.g_k_leak_s_per_cm2, e_na,
                e_k, p.pump_na_per_k * i_pump_k + p.i_na_balance_ma_per_cm2,
                i_pump_k + p.i_k_balance_ma_per_cm2)  # fmt: skip

    @jit
    def current(x, s, p):
        g_na, g_k, e_na, e_k, i_na, i_k = parts(x, s, p)
        return g_na + g_k, g_na * e_na + g_k * e_k - i_na - i_k

    @jit
    def ion_currents(x, v, s, p):
        """(I_Na, I_K) in mA/cm2 at ``v`` with the state ``x``."""
        g_na, g_k, e_na, e_k, i_na, i_k = parts(x, s, p)
        return g_na * (v - e_na) + i_na, g_k * (v - e_k) + i_k

    @jit
    def advance(x, v_old, v, dt, s, d_um, p):
        i_na, i_k = ion_currents(x, v_old, s, p)
        r = gates(v, p)
        inner = p.inner_flux_factor / (p.faraday_c_per_mol * d_um)
        k = p.clearance_per_ms
        na_o_inf = p.na_o_rest_mm + p.shell_flux_per_um * i_na / (p.faraday_c_per_mol * k)
        k_o_inf = p.k_o_rest_mm + p.shell_flux_per_um * i_k / (p.faraday_c_per_mol * k)
        return (cnexp(x[0], r[0], r[1], dt), cnexp(x[1], r[2], r[3], dt),
                cnexp(x[2], r[4], r[5], dt), cnexp(x[3], r[6], r[7], dt),
                cnexp(x[4], r[8], r[9], dt), cnexp(x[5], r[10], r[11], dt),
                cnexp(x[6], r[12], r[13], dt), cnexp(x[7], r[14], r[15], dt),
                cnexp(x[8], r[16], r[17], dt), cnexp(x[9], r[18], r[19], dt),
                cnexp(x[10], r[20], r[21], dt), cnexp(x[11], r[22], r[23], dt),
                cnexp(x[12], r[24], r[25], dt), cnexp(x[13], r[26], r[27], dt),
                cnexp(x[14], r[28], r[29], dt), cnexp(x[15], r[30], r[31], dt),
                cnexp(x[16], r[32], r[33], dt),
                x[17] - dt * inner * i_na, cnexp(x[18], na_o_inf, 1.0 / k, dt),
                x[19] - dt * inner * i_k, cnexp(x[20], k_o_inf, 1.0 / k, dt))  # fmt: skip

    return TigerholmKinetics(
        len(TIGERHOLM_STATES), TIGERHOLM_CHANNELS, gates, rest, current, advance, ion_currents
    )


def _cnexp(x, x_inf, tau_ms, dt_ms):
    return x_inf + (x - x_inf) * np.exp(-dt_ms / tau_ms)


_NUMPY = tigerholm_kinetics(np.exp, np.where, np.log, lambda f: f, _cnexp)


__all__ = [
    "TIGERHOLM_CHANNELS",
    "TIGERHOLM_STATES",
    "TigerholmChannels",
    "TigerholmKinetics",
    "balanced",
    "tigerholm_kinetics",
    "tigerholm_parameters",
]
