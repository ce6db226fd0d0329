"""Slow mechanisms of the Sundt C neuron: M current (KCNQ), L-type Ca, SK and the Na/K pump.

The kinetic model ``sundt_slow``: the Sundt channels (``channels.py``: nahh Na, borgkdr K) plus
the slow conductances Sundt, Gamper & Jaffe (2015, ModelDB 187473 [SU15]; drg.md section 3.1)
add in their Figs. 5d and 8c. Equations restated from the published ``.mod`` files (V in mV,
t in ms, concentrations in mM, currents in mA/cm2); parameters in data/sundt_slow.toml.

State per active section (``n_states`` = 9): m, h, n, l (Sundt), w (KCNQ), c (CaL), ca (the SK
Ca pool, mM), q (SK), na_i (intracellular Na, mM). Channels (columns of
``CableGeometry.channel_scale``): na, k, kcnq, cal, sk, pump; a factor 0 removes a mechanism
from a section (the mechanism sets of ``cells.c_neuron_geometry`` place them).

KCNQ / M current (``im.mod``, Yamada, Koch & Adams 1989), u = V + vshift (vshift -5 mV, SU15
"control"), phi = 3^((T - 23.5)/10):
    I = g_kcnq w (V - E_K);  w_inf = 1/(1 + exp(-(u + 35)/10));
    tau_w = 1000 / (3.3 (exp((u + 35)/20) + exp(-(u + 35)/20))) / phi.
L-type Ca (``cal.mod``, Migliore et al. 1995; no temperature factor):
    I_Ca = g_cal c^2 (V - E_Ca), E_Ca = (R T_0/2F) ln(Ca_o/Ca_i0), T_0 = 25 C, Ca_o 2 mM,
    Ca_i0 7e-5 mM (fixed: the published mechanism never updates its own Ca);
    alpha_c = 15.69 (81.5 - V)/(exp((81.5 - V)/10) - 1), beta_c = 0.29 exp(-V/10.86).
SK (``SK.mod``, after Aradi & Holmes 1999), x = 1e3 ca (uM):
    I = g_sk q^2 (V - E_K);
    dca/dt = -B f I_Ca - (ca - ca0)/tau_ca  (B 0.26 mM cm2/(mA ms), f 0.1, tau_ca 500 ms, Fig 8c);
    dq/dt = alpha_q (1 - q) - beta_q q, alpha_q = 0.00246/exp((12 log10(x^3) + 28.48)/-4.5),
    beta_q = 0.006/exp((12 log10(x^3) + 60.4)/35); ca is advanced first, q with the new ca.
Na/K pump (``fpump.mod``, Canavier 1999) with intracellular Na accumulation (``nadifl.mod``):
    P(na_i) = i_max/(1 + (K_m/na_i)^n) (i_max 0.001 mA/cm2 in Fig 8c, K_m 6.7 mM, n 1.5);
    I_Na,pump = 3 (P - P_0), I_K,pump = -2 (P - P_0), net outward P - P_0, P_0 = P(na_i0) (the
    published mechanism subtracts its initial current as a "leak"), na_i0 = 15 mM;
    d na_i/dt = -4e4 I_Na,total/(F d) (d the section diameter in um, I_Na,total the Na channel
    current plus 3 (P - P_0)), only where the pump is.

The currents that drive ca and na_i are those of the step's start (old V and state), the order
of NEURON's fixed step (the state update reads the ionic currents of the BREAKPOINT).

Differences from SU15 (stated, not hidden): E_Na and E_K stay fixed (SU15 Fig. 8c lets them
follow Na and K concentrations, with an extracellular K and Na shell, ``kextern.mod``); Na does
not diffuse along the fiber (``nadifl``'s 0.6 um2/ms); the leak reversal stays at -60 mV (the
PyFibers Sundt convention of ``sundt.toml``) instead of SU15's balancing of every compartment
at -60 mV; the CaL rates are computed, not read from NEURON's 200-point table.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, NamedTuple

from neurostim.units import MV_TO_V

SUNDT_SLOW_CHANNELS = ("na", "k", "kcnq", "cal", "sk", "pump")
"""Scalable conductances (and pump) of ``sundt_slow``, the columns of ``channel_scale``."""
SUNDT_SLOW_STATES = ("m", "h", "n", "l", "w", "c", "ca_mm", "q", "na_i_mm")
"""State variables of ``sundt_slow`` per active section, in the kernels' order."""


@functools.cache
def slow_parameters() -> dict[str, Any]:
    """The slow-mechanism file (data/sundt_slow.toml) as a dict."""
    text = resources.files("neurostim.fibers").joinpath("data/sundt_slow.toml").read_text()
    return tomllib.loads(text)


class SundtSlowChannels(NamedTuple):
    """Sundt channels plus KCNQ, CaL, SK and the Na/K pump at one temperature."""

    g_na_s_per_cm2: float
    g_k_s_per_cm2: float
    e_na_mv: float
    e_k_mv: float
    rate_factor: float
    kt_per_mv: float
    g_kcnq_s_per_cm2: float
    kcnq_vshift_mv: float
    kcnq_rate_factor: float
    g_cal_s_per_cm2: float
    e_ca_mv: float
    g_sk_s_per_cm2: float
    ca_rest_mm: float
    ca_tau_ms: float
    sk_b_mm_cm2_per_ma_ms: float
    sk_ca_fraction: float
    pump_max_ma_per_cm2: float
    pump_km_mm: float
    pump_hill: float
    na_i_rest_mm: float
    na_flux_mm_um_per_ms: float

    @classmethod
    def from_data(
        cls, sundt: Mapping[str, Any], slow: Mapping[str, Any], temperature_c: float
    ) -> SundtSlowChannels:
        """From the [channels] table of sundt.toml and data/sundt_slow.toml at a temperature."""
        t = float(temperature_c)
        kelvin = sundt["zero_celsius_k"] + t
        kc, cal, sk, pump = slow["kcnq"], slow["cal"], slow["sk"], slow["pump"]
        const = slow["constants"]
        f = const["faraday_c_per_mol"]
        return cls(
            g_na_s_per_cm2=float(sundt["g_na_s_per_cm2"]),
            g_k_s_per_cm2=float(sundt["g_k_s_per_cm2"]),
            e_na_mv=float(sundt["e_na_mv"]),
            e_k_mv=float(sundt["e_k_mv"]),
            rate_factor=sundt["q10"] ** ((t - sundt["t_ref_c"]) / 10),
            kt_per_mv=MV_TO_V
            * sundt["faraday_c_per_mol"]
            / (sundt["gas_constant_j_per_mol_k"] * kelvin),
            g_kcnq_s_per_cm2=float(kc["g_s_per_cm2"]),
            kcnq_vshift_mv=float(kc["vshift_mv"]),
            kcnq_rate_factor=kc["q10"] ** ((t - kc["t_ref_c"]) / 10),
            g_cal_s_per_cm2=float(cal["g_s_per_cm2"]),
            e_ca_mv=calcium_reversal_mv(cal, const),
            g_sk_s_per_cm2=float(sk["g_s_per_cm2"]),
            ca_rest_mm=float(sk["ca_rest_mm"]),
            ca_tau_ms=float(sk["ca_tau_ms"]),
            sk_b_mm_cm2_per_ma_ms=float(sk["b_mm_cm2_per_ma_ms"]),
            sk_ca_fraction=float(sk["ca_fraction"]),
            pump_max_ma_per_cm2=float(pump["i_max_ma_per_cm2"]),
            pump_km_mm=float(pump["km_mm"]),
            pump_hill=float(pump["hill"]),
            na_i_rest_mm=float(pump["na_i_rest_mm"]),
            na_flux_mm_um_per_ms=pump["na_flux_factor"] / f,
        )


def calcium_reversal_mv(cal: Mapping[str, Any], const: Mapping[str, Any]) -> float:
    """E_Ca = (R T/2F) ln(Ca_o/Ca_i) at the CaL mechanism's fixed 25 C, in mV."""
    kelvin = const["zero_celsius_k"] + cal["t_nernst_c"]
    rt_2f_v = const["gas_constant_j_per_mol_k"] * kelvin / (2.0 * const["faraday_c_per_mol"])
    return rt_2f_v / MV_TO_V * math.log(cal["ca_out_mm"] / cal["ca_in_mm"])


def slow_kinetics(
    exp: Callable[[Any], Any],
    where: Callable[[Any, Any, Any], Any],
    log: Callable[[Any], Any],
    jit: Callable[[Callable[..., Any]], Callable[..., Any]],
    sundt_gates: Callable[..., tuple],
    f_trap: Callable[..., Any],
    cnexp: Callable[..., Any],
) -> tuple:
    """(n_states, channels, gates, rest, current, advance) of ``sundt_slow`` (``Kinetics``),
    built over the backend's ``exp``, ``where`` and ``log`` and the Sundt helpers of
    ``channels.equations``."""
    ln10 = math.log(10.0)

    @jit
    def kcnq_gate(v, p):
        u = v + p.kcnq_vshift_mv + 35.0
        tau = 1000.0 / (3.3 * (exp(u / 20.0) + exp(-u / 20.0))) / p.kcnq_rate_factor
        return 1.0 / (1.0 + exp(-u / 10.0)), tau

    @jit
    def cal_gate(v, p):
        a = 15.69 * f_trap(81.5 - v, 10.0)
        tau = 1.0 / (a + 0.29 * exp(-v / 10.86))
        return a * tau, tau

    @jit
    def sk_gate(ca_mm, p):
        # 12 log10(x^3), x = ca in uM
        lx = 36.0 * log(1e3 * ca_mm) / ln10
        a = 0.00246 / exp((lx + 28.48) / -4.5)
        b = 0.006 / exp((lx + 60.4) / 35.0)
        tau = 1.0 / (a + b)
        return a * tau, tau

    @jit
    def pump_rate(na_i, p):
        return p.pump_max_ma_per_cm2 / (1.0 + (p.pump_km_mm / na_i) ** p.pump_hill)

    @jit
    def gates(v, p):
        r = sundt_gates(v, p)
        w_inf, t_w = kcnq_gate(v, p)
        c_inf, t_c = cal_gate(v, p)
        return r + (w_inf, t_w, c_inf, t_c)  # noqa: RUF005 (Numba: tuple concatenation)

    @jit
    def rest(v, p):
        r = sundt_gates(v, p)
        q_inf, _ = sk_gate(p.ca_rest_mm, p)
        return (r[0], r[2], r[4], r[6], kcnq_gate(v, p)[0], cal_gate(v, p)[0], p.ca_rest_mm,
                q_inf, p.na_i_rest_mm)  # fmt: skip

    @jit
    def parts(x, s, p):
        """Conductances (Na, K, Ca) and the pump's extra current (Na part, net) in mA/cm2."""
        m, n, c, q = x[0], x[2], x[5], x[7]
        g_na = p.g_na_s_per_cm2 * s[0] * m * m * m * x[1]
        g_k = (p.g_k_s_per_cm2 * s[1] * n * n * n * x[3] + p.g_kcnq_s_per_cm2 * s[2] * x[4]
               + p.g_sk_s_per_cm2 * s[4] * q * q)  # fmt: skip
        g_ca = p.g_cal_s_per_cm2 * s[3] * c * c
        extra = s[5] * (pump_rate(x[8], p) - pump_rate(p.na_i_rest_mm, p))
        return g_na, g_k, g_ca, extra

    @jit
    def current(x, s, p):
        g_na, g_k, g_ca, pump = parts(x, s, p)
        g_e = g_na * p.e_na_mv + g_k * p.e_k_mv + g_ca * p.e_ca_mv
        return g_na + g_k + g_ca, g_e - pump

    @jit
    def advance(x, v_old, v, dt, s, d_um, p):
        g_na, _, g_ca, pump = parts(x, s, p)
        i_ca = g_ca * (v_old - p.e_ca_mv)
        i_na = g_na * (v_old - p.e_na_mv) + 3.0 * pump
        r = sundt_gates(v, p)
        w_inf, t_w = kcnq_gate(v, p)
        c_inf, t_c = cal_gate(v, p)
        ca_inf = p.ca_rest_mm - p.sk_b_mm_cm2_per_ma_ms * p.sk_ca_fraction * i_ca * p.ca_tau_ms
        ca = cnexp(x[6], ca_inf, p.ca_tau_ms, dt)
        q_inf, t_q = sk_gate(ca, p)
        na_rate = where(s[5] > 0.0, -p.na_flux_mm_um_per_ms * i_na / d_um, 0.0)
        return (cnexp(x[0], r[0], r[1], dt), cnexp(x[1], r[2], r[3], dt),
                cnexp(x[2], r[4], r[5], dt), cnexp(x[3], r[6], r[7], dt),
                cnexp(x[4], w_inf, t_w, dt), cnexp(x[5], c_inf, t_c, dt), ca,
                cnexp(x[7], q_inf, t_q, dt), x[8] + dt * na_rate)  # fmt: skip

    return len(SUNDT_SLOW_STATES), SUNDT_SLOW_CHANNELS, gates, rest, current, advance


__all__ = [
    "SUNDT_SLOW_CHANNELS",
    "SUNDT_SLOW_STATES",
    "SundtSlowChannels",
    "calcium_reversal_mv",
    "slow_kinetics",
    "slow_parameters",
]
