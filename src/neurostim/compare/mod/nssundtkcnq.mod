TITLE KCNQ / M current of the Sundt C neuron (neurostim reference)

COMMENT
Written for neurostim from the published equations of the M current used by Sundt, Gamper &
Jaffe, J Neurophysiol 114:3140-3153, 2015 (ModelDB 187473, after Yamada, Koch & Adams 1989),
as restated in neurostim/fibers/slow_channels.py.

I = gbar w (v - erev_k);  u = v + vshift + 35;  phi = q10^((T - tref)/10)
w_inf = 1/(1 + exp(-u/10)),  tau_w = 1000/(3.3 (exp(u/20) + exp(-u/20)))/phi
ENDCOMMENT

NEURON {
    SUFFIX nssundtkcnq
    NONSPECIFIC_CURRENT ikcnq
    RANGE gbar, erev_k, vshift, q10, tref
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gbar = 0.0004 (mho/cm2)
    erev_k = -90.0 (mV)
    vshift = -5.0 (mV)
    q10 = 3.0
    tref = 23.5 (degC)
    celsius (degC)
}

STATE {
    w
}

ASSIGNED {
    v (mV)
    ikcnq (mA/cm2)
    winf
    wtau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ikcnq = gbar * w * (v - erev_k)
}

INITIAL {
    rates(v)
    w = winf
}

DERIVATIVE states {
    rates(v)
    w' = (winf - w) / wtau
}

PROCEDURE rates(vm (mV)) {
    LOCAL u, phi
    phi = q10 ^ ((celsius - tref) / 10)
    u = vm + vshift + 35
    winf = 1 / (1 + exp(-u / 10))
    wtau = 1000 / (3.3 * (exp(u / 20) + exp(-u / 20))) / phi
}
