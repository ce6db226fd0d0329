TITLE L-type calcium current of the Sundt C neuron (neurostim reference)

COMMENT
Written for neurostim from the published equations of the L-type Ca current used by Sundt,
Gamper & Jaffe, J Neurophysiol 114:3140-3153, 2015 (ModelDB 187473, after Migliore et al.
1995), as restated in neurostim/fibers/slow_channels.py. Written as the ca ion's current, which
the SK mechanism reads; the reversal erev_ca is a parameter (the published mechanism's Nernst
value at a fixed Ca_i and 25 C, computed by neurostim).

I = gbar c^2 (v - erev_ca)
alpha_c = 15.69 F(81.5 - v, 10), F(x, y) = x/(exp(x/y) - 1) (y (1 - x/(2y)) if |x/y| < 1e-6)
beta_c = 0.29 exp(-v/10.86)
ENDCOMMENT

NEURON {
    SUFFIX nssundtcal
    USEION ca WRITE ica
    RANGE gbar, erev_ca
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gbar = 0.00025 (mho/cm2)
    erev_ca = 130 (mV)
}

STATE {
    c
}

ASSIGNED {
    v (mV)
    ica (mA/cm2)
    cinf
    ctau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar * c * c * (v - erev_ca)
}

INITIAL {
    rates(v)
    c = cinf
}

DERIVATIVE states {
    rates(v)
    c' = (cinf - c) / ctau
}

FUNCTION efun(x, y) {
    if (fabs(x / y) < 1e-6) {
        efun = y * (1 - x / (2 * y))
    } else {
        efun = x / (exp(x / y) - 1)
    }
}

PROCEDURE rates(vm (mV)) {
    LOCAL a
    a = 15.69 * efun(81.5 - vm, 10)
    ctau = 1 / (a + 0.29 * exp(-vm / 10.86))
    cinf = a * ctau
}
