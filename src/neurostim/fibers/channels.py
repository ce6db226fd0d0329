"""Membrane channel kinetics: MRG node (McIntyre 2002) and Sundt C-fiber (nahh + borgkdr).

Pointwise scalar kernels (compiled with Numba, callable from Python) that the solver batches.
Every gate x obeys dx/dt = (x_inf - x)/tau with x_inf = alpha/(alpha + beta), tau = 1/(alpha +
beta); each function returns ``(x_inf, tau_ms)`` for the four gates of its model.

MRG node, ``axnode_myel`` [MRG; fiber-models.md section 4], V in mV, rates in 1/ms:

=====  ==============================  ====================================  ======
gate   alpha (before Q10)              beta (before Q10)                     Q10
=====  ==============================  ====================================  ======
p      Lin(0.01, 27, 10.2)             Lin-(0.00025, 34, 10)                 q1
m      Lin(1.86, 21.4, 10.3)           Lin-(0.086, 25.7, 9.16)               q1
h      Lin-(0.062, 114, 11)            2.3/(1 + exp(-(V + 31.8)/13.4))      q2
s      0.3/(1 + exp(-(V + 53)/5))      0.03/(1 + exp(-(V + 90)))             q3
=====  ==============================  ====================================  ======

Lin(A, B, C) = A(V + B)/(1 - exp(-(V + B)/C)), Lin-(A, B, C) = -A(V + B)/(1 - exp((V + B)/C)),
both A*C when |(V + B)/C| < 1e-6; an exponent below -100 gives 0; PyFibers' constant
substitutes beyond +-150 mV are applied before the Q10 factor. q1 = 2.2^((T-20)/10),
q2 = 2.9^((T-20)/10), q3 = 3^((T-36)/10).

Sundt C-fiber [Sundt 2015; fiber-models.md section 5], q = 3^((T-30)/10):
m: alpha = 0.32 q F(-45.9 - V, 4), beta = 0.28 q F(V + 18.9, 5), F(x, y) = x/(exp(x/y) - 1);
h: alpha = 0.128 q exp(-(V + 54)/18), beta = 4 q/(1 + exp(-(V + 31)/5));
n: x_inf = 1/(1 + a_n), a_n = exp(-5 kT (V + 32)), tau = exp(-2 kT (V + 32))/(0.03 q (1 + a_n));
l: x_inf = 1/(1 + a_l), a_l = exp(2 kT (V + 61)), tau = a_l/(0.001 q (1 + a_l));
kT = 1e-3 F/(R (273.16 + T)).
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, error_model="numpy")
def _ex(x: float) -> float:
    """exp(x), or 0 when x < -100 (the NMODL guard of AXNODE.mod)."""
    if x < -100.0:
        return 0.0
    return math.exp(x)


@njit(cache=True, error_model="numpy")
def _lin(v: float, a: float, b: float, c: float) -> float:
    z = (v + b) / c
    if abs(z) < 1e-6:
        return a * c
    return a * (v + b) / (1.0 - _ex(-z))


@njit(cache=True, error_model="numpy")
def _lin_minus(v: float, a: float, b: float, c: float) -> float:
    z = (v + b) / c
    if abs(z) < 1e-6:
        return a * c
    return -a * (v + b) / (1.0 - _ex(z))


@njit(cache=True, error_model="numpy")
def mrg_node_gates(v_mv: float, q1: float, q2: float, q3: float) -> tuple:
    """Steady states and time constants of the MRG node gates (m, h, p, s) at ``v_mv``.

    Returns
    -------
    tuple of 8 floats
        (m_inf, tau_m, h_inf, tau_h, p_inf, tau_p, s_inf, tau_s), tau in ms.
    """
    v = v_mv
    # persistent Na
    a_p = 8.6725e-4 if v < -150.0 else _lin(v, 0.01, 27.0, 10.2)
    b_p = 1.5855e-5 if v > 150.0 else _lin_minus(v, 0.00025, 34.0, 10.0)
    a_p *= q1
    b_p *= q1
    # fast Na activation
    a_m = 0.15733 if v < -150.0 else _lin(v, 1.86, 21.4, 10.3)
    b_m = 5.7268e-3 if v > 150.0 else _lin_minus(v, 0.086, 25.7, 9.16)
    a_m *= q1
    b_m *= q1
    # fast Na inactivation
    a_h = 3.2594e-3 if v > 150.0 else _lin_minus(v, 0.062, 114.0, 11.0)
    b_h = 1.4054e-3 if v < -150.0 else 2.3 / (1.0 + _ex(-(v + 31.8) / 13.4))
    a_h *= q2
    b_h *= q2
    # slow K
    a_s = 3.3484e-5 if v < -150.0 else 0.3 / (1.0 + _ex((v + 80.0 - 27.0) / -5.0))
    b_s = 3.3484e-6 if v < -150.0 else 0.03 / (1.0 + _ex((v + 80.0 + 10.0) / -1.0))
    a_s *= q3
    b_s *= q3
    t_m = 1.0 / (a_m + b_m)
    t_h = 1.0 / (a_h + b_h)
    t_p = 1.0 / (a_p + b_p)
    t_s = 1.0 / (a_s + b_s)
    return a_m * t_m, t_m, a_h * t_h, t_h, a_p * t_p, t_p, a_s * t_s, t_s


@njit(cache=True, error_model="numpy")
def _f_trap(x: float, y: float) -> float:
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / (2.0 * y))
    return x / (math.exp(x / y) - 1.0)


@njit(cache=True, error_model="numpy")
def sundt_gates(v_mv: float, q: float, kt_per_mv: float) -> tuple:
    """Steady states and time constants of the Sundt gates (m, h, n, l) at ``v_mv``.

    Returns
    -------
    tuple of 8 floats
        (m_inf, tau_m, h_inf, tau_h, n_inf, tau_n, l_inf, tau_l), tau in ms.
    """
    v = v_mv
    a_m = 0.32 * q * _f_trap(-45.9 - v, 4.0)
    b_m = 0.28 * q * _f_trap(v + 18.9, 5.0)
    a_h = 0.128 * q * math.exp(-(v + 54.0) / 18.0)
    b_h = 4.0 * q / (1.0 + math.exp(-(v + 31.0) / 5.0))
    t_m = 1.0 / (a_m + b_m)
    t_h = 1.0 / (a_h + b_h)
    a_n = math.exp(-5.0 * kt_per_mv * (v + 32.0))
    t_n = math.exp(-2.0 * kt_per_mv * (v + 32.0)) / (0.03 * q * (1.0 + a_n))
    a_l = math.exp(2.0 * kt_per_mv * (v + 61.0))
    t_l = a_l / (0.001 * q * (1.0 + a_l))
    return a_m * t_m, t_m, a_h * t_h, t_h, 1.0 / (1.0 + a_n), t_n, 1.0 / (1.0 + a_l), t_l


__all__ = ["mrg_node_gates", "sundt_gates"]
