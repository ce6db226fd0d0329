"""Membrane channel kinetics of the Zhang 2014 cells, as pointwise scalar kernels.

Each function takes a membrane potential ``v_mv`` (and a calcium concentration where needed) and
returns steady states and time constants; the integrator (``_kernel.py``) batches them. All
equations are from pain-circuit.md s1.4, checked against the published mod files (ModelDB 168414):

- Traub HH (``HH2.mod``, vtraub = -55 mV, 36 degC so tadj = 1), with ``v = V + 55``::

      am = 0.32 X(13 - v, 4)       bm = 0.28 X(v - 40, 5)
      ah = 0.128 exp((12 - v)/18)  bh = 4 / (1 + exp((35 - v)/5))
      an = 0.032 X(15 - v, 5)      bn = 0.5 exp((10 - v)/40)

  where ``X(x, y) = x / (exp(x/y) - 1)``; I_Na = g m^3 h (V - E_Na), I_K = g n^4 (V - E_K).
- Persistent Na (``iNaP.mod``): as HH with m using 11 - v, v - 42 and h with (35 - v)/10;
  I = g m h (V - E_Na).
- L-type Ca (``iCaL.mod``): I = p m^2 GHK(V, Ca_i, Ca_o = 2 mM, z = 2),
  m_inf = 1/(1 + exp(-(V + 10)/10)), tau = 1/(1.6/(1 + exp(-0.072 (V - 5))) + 0.02 X(V - 1.31,
  5.36)) / 3^((36 - 23.5)/10).
- Ca-activated K (``iKCa.mod``): r = (Ca_i / 1 uM)^2, m_inf = r/(1 + r),
  tau = max(0.1, 1/(0.03 (1 + r)) / 3^((36 - 22)/10)); I = g m^3 (V - E_K).
- Ca-activated cation (``iCaAN.mod``): r = (Ca_i / 0.5 uM)^2, m_inf = r/(1 + r),
  tau = max(0.1, 40/(0.002 (1 + r)) / 3^1.4); I = g m^2 (V - E_CAN). The spec writes E_CAN =
  -20 mV (the mod file's PARAMETER); as NEURON runs the published model it is 0 mV (the default
  of the new ion ``can``, which no template sets), the value used here (``e_can_mv`` in
  zhang2014.toml).
- Melnick 2004 SG Na (``B_NA.mod``) and inactivating K_DR (``KDRI.mod``), q = 3^((36 - 23)/10).
"""

from __future__ import annotations

import math

from numba import njit

from neurostim.units import C_PER_MOL_MM_TO_MC_PER_CM3, MV_TO_V

FARADAY_C_PER_MOL = 96485.309
GAS_CONSTANT_J_PER_MOL_K = 8.31441
TEMPERATURE_C = 36.0
Q10_CAL = 3.0 ** ((TEMPERATURE_C - 23.5) / 10.0)
Q10_CA_ACTIVATED = 3.0 ** ((TEMPERATURE_C - 22.0) / 10.0)
Q10_MELNICK = 3.0 ** ((TEMPERATURE_C - 23.0) / 10.0)
VTRAUB_MV = -55.0


@njit(cache=True, inline="always")
def vtrap(x: float, y: float) -> float:
    """``x / (exp(x/y) - 1)`` with its limit ``y (1 - x/(2y))`` near ``x = 0``."""
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)


@njit(cache=True)
def hh_rates(v_mv: float) -> tuple[float, float, float, float, float, float]:
    """Traub HH: (m_inf, tau_m, h_inf, tau_h, n_inf, tau_n), times in ms."""
    v2 = v_mv - VTRAUB_MV
    a = 0.32 * vtrap(13.0 - v2, 4.0)
    b = 0.28 * vtrap(v2 - 40.0, 5.0)
    m_inf, tau_m = a / (a + b), 1.0 / (a + b)
    a = 0.128 * math.exp((12.0 - v2) / 18.0)
    b = 4.0 / (1.0 + math.exp((35.0 - v2) / 5.0))
    h_inf, tau_h = a / (a + b), 1.0 / (a + b)
    a = 0.032 * vtrap(15.0 - v2, 5.0)
    b = 0.5 * math.exp((10.0 - v2) / 40.0)
    return m_inf, tau_m, h_inf, tau_h, a / (a + b), 1.0 / (a + b)


@njit(cache=True)
def hh_k_rates(v_mv: float) -> tuple[float, float]:
    """Traub HH delayed rectifier alone: (n_inf, tau_n)."""
    v2 = v_mv - VTRAUB_MV
    a = 0.032 * vtrap(15.0 - v2, 5.0)
    b = 0.5 * math.exp((10.0 - v2) / 40.0)
    return a / (a + b), 1.0 / (a + b)


@njit(cache=True)
def nap_rates(v_mv: float) -> tuple[float, float, float, float]:
    """Persistent Na: (m_inf, tau_m, h_inf, tau_h)."""
    v2 = v_mv - VTRAUB_MV
    a = 0.32 * vtrap(11.0 - v2, 4.0)
    b = 0.28 * vtrap(v2 - 42.0, 5.0)
    m_inf, tau_m = a / (a + b), 1.0 / (a + b)
    a = 0.128 * math.exp((12.0 - v2) / 18.0)
    b = 4.0 / (1.0 + math.exp((35.0 - v2) / 10.0))
    return m_inf, tau_m, a / (a + b), 1.0 / (a + b)


@njit(cache=True)
def cal_rates(v_mv: float) -> tuple[float, float]:
    """L-type Ca activation: (m_inf, tau_m)."""
    a = 1.6 / (1.0 + math.exp(-0.072 * (v_mv - 5.0)))
    b = 0.02 * vtrap(v_mv - 1.31, 5.36)
    return 1.0 / (1.0 + math.exp(-(v_mv + 10.0) / 10.0)), 1.0 / (a + b) / Q10_CAL


@njit(cache=True)
def ghk_mc_per_cm3(v_mv: float, ca_in_mm: float, ca_out_mm: float) -> float:
    """Goldman-Hodgkin-Katz flux factor for Ca2+ (z = 2) in mC/cm3; times p (cm/s) -> mA/cm2."""
    z = 2.0
    rt = GAS_CONSTANT_J_PER_MOL_K * (TEMPERATURE_C + 273.16)
    w = v_mv * MV_TO_V * z * FARADAY_C_PER_MOL / rt
    e = w / (math.exp(w) - 1.0) if abs(w) > 1e-4 else 1.0 - w / 2.0
    zf = C_PER_MOL_MM_TO_MC_PER_CM3 * z * FARADAY_C_PER_MOL
    return -zf * (ca_out_mm - ca_in_mm * math.exp(w)) * e


@njit(cache=True)
def kca_rates(ca_in_mm: float) -> tuple[float, float]:
    """Ca-activated K: (m_inf, tau_m)."""
    r = (ca_in_mm / 0.001) ** 2
    tau = 1.0 / 0.03 / (1.0 + r) / Q10_CA_ACTIVATED
    return r / (1.0 + r), max(tau, 0.1)


@njit(cache=True)
def can_rates(ca_in_mm: float) -> tuple[float, float]:
    """Ca-activated non-specific cation current I_CAN: (m_inf, tau_m)."""
    r = (ca_in_mm / 5e-4) ** 2
    tau = 40.0 / (0.002 * (1.0 + r)) / Q10_CA_ACTIVATED
    return r / (1.0 + r), max(tau, 0.1)


@njit(cache=True)
def melnick_na_rates(v_mv: float) -> tuple[float, float, float, float]:
    """Melnick SG Na: (m_inf, tau_m, h_inf, tau_h)."""
    q = Q10_MELNICK
    a = q * 0.182 * vtrap(-v_mv - 28.0, 9.0)
    b = q * 0.124 * vtrap(v_mv + 28.0, 9.0)
    m_inf, tau_m = a / (a + b), 1.0 / (a + b)
    a = q * (0.061 * vtrap(-v_mv - 35.0, 3.0) + 0.0166)
    b = q * 0.0018 * vtrap(v_mv + 71.0, 18.0)
    return m_inf, tau_m, 1.0 / (1.0 + math.exp((v_mv + 64.0) / 9.0)), 1.0 / (a + b)


@njit(cache=True)
def kdri_rates(v_mv: float) -> tuple[float, float, float, float]:
    """Melnick inactivating K_DR: (n_inf, tau_n, h_inf, tau_h)."""
    q = Q10_MELNICK
    a = q * 0.035 * vtrap(-v_mv - 15.0, 9.0)
    b = q * 0.014 * math.exp((-v_mv + 12.0) / 46.0)
    n_inf, tau_n = a / (a + b), 1.0 / (a + b)
    a = q * 0.0083 * (1.0 / (math.exp((v_mv + 20.0) / 10.0) + 1.0) + 1.0)
    b = q * 0.0083 / (math.exp((-v_mv - 20.0) / 10.0) + 1.0)
    return n_inf, tau_n, a / (a + b), 1.0 / (a + b)


@njit(cache=True)
def mg_block(v_mv: float, mg_out_mm: float) -> float:
    """NMDA Mg2+ unblock fraction 1/(1 + exp(-0.062 V) [Mg]o/3.57) (Jahr & Stevens form)."""
    return 1.0 / (1.0 + math.exp(-0.062 * v_mv) * mg_out_mm / 3.57)
