"""Membrane channel kinetics: MRG node (McIntyre 2002) and Sundt C-fiber (nahh + borgkdr), and
the Sundt C neuron with slow mechanisms (``sundt_slow``: equations in ``slow_channels.py``) and
the Tigerholm C-nociceptor axon (``tigerholm``: equations in ``tigerholm_channels.py``).

Each equation is written once, in ``equations``, with plain arithmetic and two functions handed
in: ``exp`` and ``where(condition, if_true, if_false)``. The backends build their own copy from
it: ``SCALAR`` (``math.exp``, compiled with Numba, for the kernels and scalar calls), ``ARRAY``
(``numpy``, any array shape: the NumPy reference) and, in ``_jax_backend``, ``jax.numpy``.
Parameters are named (``MRGNodeChannels``, ``SundtChannels``), built from the data files by
``from_data`` at a temperature.

Every gate x obeys dx/dt = (x_inf - x)/tau with x_inf = alpha/(alpha + beta), tau = 1/(alpha +
beta). Each model (``Kinetics``) has ``n_states`` state variables per active section and
``channels``, the names of its conductances: ``gates`` returns ``(x_inf, tau_ms)`` of its
voltage gates, ``rest`` the state at rest, ``current`` the gated conductance density and its
product with the reversal potentials (each conductance multiplied by its per-section factor,
``CableGeometry.channel_scale``), and ``advance`` the state after one step (gates by ``cnexp``
with the new voltage). The kernels store the states as (n_active, n_states) per case and call
these four; nothing in them depends on the model's number of states or channels.

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
I = g_Naf m^3 h (V - E_Na) + g_Nap p^3 (V - E_Na) + g_Ks s (V - E_K) (+ leak, passive).

Sundt C-fiber [Sundt 2015; fiber-models.md section 5], q = 3^((T-30)/10):
m: alpha = 0.32 q F(-45.9 - V, 4), beta = 0.28 q F(V + 18.9, 5), F(x, y) = x/(exp(x/y) - 1);
h: alpha = 0.128 q exp(-(V + 54)/18), beta = 4 q/(1 + exp(-(V + 31)/5));
n: x_inf = 1/(1 + a_n), a_n = exp(-5 kT (V + 32)), tau = exp(-2 kT (V + 32))/(0.03 q (1 + a_n));
l: x_inf = 1/(1 + a_l), a_l = exp(2 kT (V + 61)), tau = a_l/(0.001 q (1 + a_l));
kT = F/(R (273.16 + T)) in 1/mV (the .mod files' 273.16).
I = g_Na m^3 h (V - E_Na) + g_K n^3 l (V - E_K) (+ leak, passive).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numba.extending import overload

from neurostim.fibers.slow_channels import SundtSlowChannels, slow_kinetics
from neurostim.fibers.tigerholm_channels import TigerholmChannels, tigerholm_kinetics
from neurostim.units import MV_TO_V

MRG_CHANNELS = ("naf", "nap", "ks")
"""Scalable conductances of the MRG node: fast Na, persistent Na, slow K."""
SUNDT_CHANNELS = ("na", "k")
"""Scalable conductances of the Sundt fiber: Na (nahh), delayed-rectifier K (borgkdr)."""


class MRGNodeChannels(NamedTuple):
    """MRG node channels (``axnode_myel``) at one temperature; ``data/mrg.toml`` [node_channels].

    The Q10 rate factors are those at the fiber's temperature (1 at the reference temperature).
    """

    g_naf_s_per_cm2: float
    g_nap_s_per_cm2: float
    g_ks_s_per_cm2: float
    e_na_mv: float
    e_k_mv: float
    rate_factor_m_p: float
    rate_factor_h: float
    rate_factor_s: float

    @classmethod
    def from_data(cls, table: Mapping[str, Any], temperature_c: float) -> MRGNodeChannels:
        """Parameters from the [node_channels] table of data/mrg.toml at ``temperature_c``."""
        t = float(temperature_c)
        return cls(
            g_naf_s_per_cm2=float(table["g_naf_s_per_cm2"]),
            g_nap_s_per_cm2=float(table["g_nap_s_per_cm2"]),
            g_ks_s_per_cm2=float(table["g_ks_s_per_cm2"]),
            e_na_mv=float(table["e_na_mv"]),
            e_k_mv=float(table["e_k_mv"]),
            rate_factor_m_p=table["q10_m_p"] ** ((t - table["t_ref_mph_c"]) / 10),
            rate_factor_h=table["q10_h"] ** ((t - table["t_ref_mph_c"]) / 10),
            rate_factor_s=table["q10_s"] ** ((t - table["t_ref_s_c"]) / 10),
        )


class SundtChannels(NamedTuple):
    """Sundt C-fiber channels (``nahh``, ``borgkdr``) at one temperature; ``data/sundt.toml``.

    ``kt_per_mv`` = F/(R T_K) in 1/mV (the borgkdr exponent factor).
    """

    g_na_s_per_cm2: float
    g_k_s_per_cm2: float
    e_na_mv: float
    e_k_mv: float
    rate_factor: float
    kt_per_mv: float

    @classmethod
    def from_data(cls, table: Mapping[str, Any], temperature_c: float) -> SundtChannels:
        """Parameters from the [channels] table of data/sundt.toml at ``temperature_c``."""
        t = float(temperature_c)
        kelvin = table["zero_celsius_k"] + t
        return cls(
            g_na_s_per_cm2=float(table["g_na_s_per_cm2"]),
            g_k_s_per_cm2=float(table["g_k_s_per_cm2"]),
            e_na_mv=float(table["e_na_mv"]),
            e_k_mv=float(table["e_k_mv"]),
            rate_factor=table["q10"] ** ((t - table["t_ref_c"]) / 10),
            kt_per_mv=MV_TO_V
            * table["faraday_c_per_mol"]
            / (table["gas_constant_j_per_mol_k"] * kelvin),
        )


class Kinetics(NamedTuple):
    """The equations of one model over one math backend.

    A model has ``n_states`` state variables per active section (gates, and for some models
    concentrations) and ``channels`` (names of its scalable conductances, the columns of
    ``CableGeometry.channel_scale``). ``x`` and ``s`` below are indexable by position: a 1-D
    array (Numba kernels) or a sequence of arrays of one shape (NumPy, JAX).

    gates(v_mv, p) -> (x1_inf, tau1_ms, ...): the voltage-gated gates' steady states and time
        constants at ``v_mv``;
    rest(v_mv, p) -> (x_1, ..., x_n_states): the state at rest at ``v_mv`` (initialisation);
    current(x, s, p) -> (g_s_per_cm2, sum of g E in S/cm2 x mV): the channels linearised with
        the state frozen, I = g V - gE, each conductance scaled by its entry of ``s``;
    advance(x, v_old_mv, v_mv, dt_ms, s, diameter_um, p) -> new state after a step that went
        from ``v_old_mv`` to ``v_mv``: gates by cnexp at the new voltage, concentrations driven
        by the currents of the step (at the old state and voltage, as NEURON's state update
        reads the ionic currents of the step's BREAKPOINT).
    """

    n_states: int
    channels: tuple[str, ...]
    gates: Callable[..., tuple]
    rest: Callable[..., tuple]
    current: Callable[..., tuple]
    advance: Callable[..., tuple]


class Equations(NamedTuple):
    """Channel equations of every model over one math backend, and the gate update."""

    mrg: Kinetics
    sundt: Kinetics
    sundt_slow: Kinetics
    tigerholm: Kinetics
    cnexp: Callable[..., Any]

    def of(self, model: str) -> Kinetics:
        """The kinetics of ``model`` ("mrg", "sundt", "sundt_slow" or "tigerholm")."""
        return getattr(self, model)


def _identity(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def equations(
    exp: Callable[[Any], Any],
    where: Callable[[Any, Any, Any], Any],
    jit: Callable[[Callable[..., Any]], Callable[..., Any]] = _identity,
    log: Callable[[Any], Any] = np.log,
) -> Equations:
    """The channel equations built over ``exp``, ``where`` and ``log`` (compiled by ``jit``).

    Both branches of every ``where`` are evaluated; the guarded ones are made finite first (the
    same values as a branch, whatever the backend).
    """

    @jit
    def cnexp(x, x_inf, tau_ms, dt_ms):
        """x after a step dt with the new voltage: x_inf + (x - x_inf) exp(-dt/tau)."""
        return x_inf + (x - x_inf) * exp(-dt_ms / tau_ms)

    @jit
    def ex(x):
        """exp(x), or 0 when x < -100 (the NMODL guard of AXNODE.mod)."""
        return where(x < -100.0, 0.0, exp(where(x < -100.0, 0.0, x)))

    @jit
    def lin(v, a, b, c):
        z = (v + b) / c
        small = abs(z) < 1e-6
        return where(small, a * c, a * (v + b) / (1.0 - ex(-where(small, 1.0, z))))

    @jit
    def lin_minus(v, a, b, c):
        z = (v + b) / c
        small = abs(z) < 1e-6
        return where(small, a * c, -a * (v + b) / (1.0 - ex(where(small, 1.0, z))))

    @jit
    def mrg_gates(v, p):
        q1, q2, q3 = p.rate_factor_m_p, p.rate_factor_h, p.rate_factor_s
        a_p = q1 * where(v < -150.0, 8.6725e-4, lin(v, 0.01, 27.0, 10.2))
        b_p = q1 * where(v > 150.0, 1.5855e-5, lin_minus(v, 0.00025, 34.0, 10.0))
        a_m = q1 * where(v < -150.0, 0.15733, lin(v, 1.86, 21.4, 10.3))
        b_m = q1 * where(v > 150.0, 5.7268e-3, lin_minus(v, 0.086, 25.7, 9.16))
        a_h = q2 * where(v > 150.0, 3.2594e-3, lin_minus(v, 0.062, 114.0, 11.0))
        b_h = q2 * where(v < -150.0, 1.4054e-3, 2.3 / (1.0 + ex(-(v + 31.8) / 13.4)))
        a_s = q3 * where(v < -150.0, 3.3484e-5, 0.3 / (1.0 + ex((v + 80.0 - 27.0) / -5.0)))
        b_s = q3 * where(v < -150.0, 3.3484e-6, 0.03 / (1.0 + ex((v + 80.0 + 10.0) / -1.0)))
        t_m = 1.0 / (a_m + b_m)
        t_h = 1.0 / (a_h + b_h)
        t_p = 1.0 / (a_p + b_p)
        t_s = 1.0 / (a_s + b_s)
        return a_m * t_m, t_m, a_h * t_h, t_h, a_p * t_p, t_p, a_s * t_s, t_s

    @jit
    def mrg_rest(v, p):
        r = mrg_gates(v, p)
        return r[0], r[2], r[4], r[6]

    @jit
    def mrg_current(x, s, p):
        m, h, pp = x[0], x[1], x[2]
        g_na = p.g_naf_s_per_cm2 * s[0] * m * m * m * h + p.g_nap_s_per_cm2 * s[1] * pp * pp * pp
        g_k = p.g_ks_s_per_cm2 * s[2] * x[3]
        return g_na + g_k, g_na * p.e_na_mv + g_k * p.e_k_mv

    @jit
    def mrg_advance(x, v_old, v, dt, s, d_um, p):
        r = mrg_gates(v, p)
        return (cnexp(x[0], r[0], r[1], dt), cnexp(x[1], r[2], r[3], dt),
                cnexp(x[2], r[4], r[5], dt), cnexp(x[3], r[6], r[7], dt))  # fmt: skip

    @jit
    def f_trap(x, y):
        small = abs(x / y) < 1e-6
        safe = where(small, y, x)
        return where(small, y * (1.0 - x / (2.0 * y)), safe / (exp(safe / y) - 1.0))

    @jit
    def sundt_gates(v, p):
        q, kt = p.rate_factor, p.kt_per_mv
        a_m = 0.32 * q * f_trap(-45.9 - v, 4.0)
        b_m = 0.28 * q * f_trap(v + 18.9, 5.0)
        a_h = 0.128 * q * exp(-(v + 54.0) / 18.0)
        b_h = 4.0 * q / (1.0 + exp(-(v + 31.0) / 5.0))
        t_m = 1.0 / (a_m + b_m)
        t_h = 1.0 / (a_h + b_h)
        a_n = exp(-5.0 * kt * (v + 32.0))
        t_n = exp(-2.0 * kt * (v + 32.0)) / (0.03 * q * (1.0 + a_n))
        a_l = exp(2.0 * kt * (v + 61.0))
        t_l = a_l / (0.001 * q * (1.0 + a_l))
        return a_m * t_m, t_m, a_h * t_h, t_h, 1.0 / (1.0 + a_n), t_n, 1.0 / (1.0 + a_l), t_l

    @jit
    def sundt_rest(v, p):
        r = sundt_gates(v, p)
        return r[0], r[2], r[4], r[6]

    @jit
    def sundt_current(x, s, p):
        m, n = x[0], x[2]
        g_na = p.g_na_s_per_cm2 * s[0] * m * m * m * x[1]
        g_k = p.g_k_s_per_cm2 * s[1] * n * n * n * x[3]
        return g_na + g_k, g_na * p.e_na_mv + g_k * p.e_k_mv

    @jit
    def sundt_advance(x, v_old, v, dt, s, d_um, p):
        r = sundt_gates(v, p)
        return (cnexp(x[0], r[0], r[1], dt), cnexp(x[1], r[2], r[3], dt),
                cnexp(x[2], r[4], r[5], dt), cnexp(x[3], r[6], r[7], dt))  # fmt: skip

    return Equations(
        mrg=Kinetics(4, MRG_CHANNELS, mrg_gates, mrg_rest, mrg_current, mrg_advance),
        sundt=Kinetics(4, SUNDT_CHANNELS, sundt_gates, sundt_rest, sundt_current, sundt_advance),
        sundt_slow=Kinetics(*slow_kinetics(exp, where, log, jit, sundt_gates, f_trap, cnexp)),
        tigerholm=Kinetics(*tigerholm_kinetics(exp, where, log, jit, cnexp)[:6]),
        cnexp=cnexp,
    )


@njit(cache=True, inline="always")
def _select(condition, if_true, if_false):
    return if_true if condition else if_false


SCALAR = equations(
    math.exp, _select, njit(cache=True, error_model="numpy", inline="always"), math.log
)
"""The equations on floats, compiled with Numba (callable from Python and from kernels; inlined
into a kernel at Numba's level, which keeps the kernels as fast as hand-written rates)."""
ARRAY = equations(np.exp, np.where)
"""The equations on NumPy arrays of any shape (overflow in a discarded branch is harmless)."""
CHANNELS = {
    "mrg": MRGNodeChannels,
    "sundt": SundtChannels,
    "sundt_slow": SundtSlowChannels,
    "tigerholm": TigerholmChannels,
}
"""The parameter type of each model."""
_MODEL_OF = {cls: name for name, cls in CHANNELS.items()}


def model_gates(v_mv: float, p: Any) -> tuple:
    """``gates`` of the model whose parameters ``p`` are (from Python or a Numba kernel)."""
    return SCALAR.of(_MODEL_OF[type(p)]).gates(v_mv, p)


def model_rest(v_mv: float, p: Any) -> tuple:
    """``rest`` of the model whose parameters ``p`` are (Python or a Numba kernel)."""
    return SCALAR.of(_MODEL_OF[type(p)]).rest(v_mv, p)


def model_current(x: Any, s: Any, p: Any) -> tuple:
    """``current`` of the model whose parameters ``p`` are (Python or a Numba kernel)."""
    return SCALAR.of(_MODEL_OF[type(p)]).current(x, s, p)


def model_advance(
    x: Any, v_old_mv: float, v_mv: float, dt_ms: float, s: Any, diameter_um: float, p: Any
) -> tuple:
    """``advance`` of the model whose parameters ``p`` are (Python or a Numba kernel)."""
    return SCALAR.of(_MODEL_OF[type(p)]).advance(x, v_old_mv, v_mv, dt_ms, s, diameter_um, p)


def n_states(model: str) -> int:
    """State variables per active section of ``model`` (columns of the kernels' state array)."""
    return SCALAR.of(model).n_states


def channel_names(model: str) -> tuple[str, ...]:
    """The scalable conductances of ``model``, the columns of ``CableGeometry.channel_scale``."""
    return SCALAR.of(model).channels


@overload(model_gates, inline="always")
def _model_gates_numba(v_mv, p):
    gates = SCALAR.of(_MODEL_OF[p.instance_class]).gates
    return lambda v_mv, p: gates(v_mv, p)


@overload(model_rest, inline="always")
def _model_rest_numba(v_mv, p):
    rest = SCALAR.of(_MODEL_OF[p.instance_class]).rest
    return lambda v_mv, p: rest(v_mv, p)


@overload(model_current, inline="always")
def _model_current_numba(x, s, p):
    current = SCALAR.of(_MODEL_OF[p.instance_class]).current
    return lambda x, s, p: current(x, s, p)


@overload(model_advance, inline="always")
def _model_advance_numba(x, v_old_mv, v_mv, dt_ms, s, diameter_um, p):
    advance = SCALAR.of(_MODEL_OF[p.instance_class]).advance
    return lambda x, v_old_mv, v_mv, dt_ms, s, diameter_um, p: advance(
        x, v_old_mv, v_mv, dt_ms, s, diameter_um, p
    )


__all__ = [
    "ARRAY",
    "CHANNELS",
    "MRG_CHANNELS",
    "SCALAR",
    "SUNDT_CHANNELS",
    "Equations",
    "Kinetics",
    "MRGNodeChannels",
    "SundtChannels",
    "channel_names",
    "equations",
    "model_advance",
    "model_current",
    "model_gates",
    "model_rest",
    "n_states",
]
