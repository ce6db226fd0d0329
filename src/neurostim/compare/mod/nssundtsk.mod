TITLE SK current and its calcium pool, Sundt C neuron (neurostim reference)

COMMENT
Written for neurostim from the published equations of the SK current used by Sundt, Gamper &
Jaffe, J Neurophysiol 114:3140-3153, 2015 (ModelDB 187473, after Aradi & Holmes 1999), as
restated in neurostim/fibers/slow_channels.py.

I = gbar q^2 (v - erev_k)
ca' = -b f ica - (ca - ca0)/tau          (ica: the ca ion's current, from nssundtcal)
q'  = alpha (1 - q) - beta q, x = 1e3 ca (uM), L = 12 log10(x^3)
alpha = 0.00246/exp((L + 28.48)/(-4.5)),  beta = 0.006/exp((L + 60.4)/35)
ca is advanced before q, q with the new ca (the order of the statements).
ENDCOMMENT

NEURON {
    SUFFIX nssundtsk
    USEION ca READ ica
    NONSPECIFIC_CURRENT isk
    RANGE gbar, erev_k, ca0, tau, b, f
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
}

PARAMETER {
    gbar = 0.001 (mho/cm2)
    erev_k = -90.0 (mV)
    ca0 = 7e-5 (mM)
    tau = 500 (ms)
    b = 0.26
    f = 0.1
}

STATE {
    ca (mM)
    q
}

ASSIGNED {
    v (mV)
    ica (mA/cm2)
    isk (mA/cm2)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    isk = gbar * q * q * (v - erev_k)
}

INITIAL {
    ca = ca0
    q = alpha(ca) / (alpha(ca) + beta(ca))
}

DERIVATIVE states {
    ca' = -b * f * ica - (ca - ca0) / tau
    q' = alpha(ca) * (1 - q) - beta(ca) * q
}

FUNCTION alpha(c (mM)) {
    alpha = 0.00246 / exp((12 * log10((1000 * c) ^ 3) + 28.48) / (-4.5))
}

FUNCTION beta(c (mM)) {
    beta = 0.006 / exp((12 * log10((1000 * c) ^ 3) + 60.4) / 35)
}
