TITLE Delayed-rectifier K, Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g n^4 (v - ek).
Time constants divided by q10^((celsius - tref)/10).
ENDCOMMENT

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
    (mM) = (milli/liter)
    (um) = (micron)
}

NEURON {
    SUFFIX nstigkdr
    USEION k READ ek WRITE ik
    RANGE gbar
}

PARAMETER {
    gbar = 0.018002 (S/cm2)
    q10 = 3.3
    tref = 22
}

ASSIGNED {
    v (mV)
    celsius
    ek (mV)
    ik (mA/cm2)
    ninf
    ntau (ms)
}

STATE { n }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * n * n * n * n * (v - ek)
}

INITIAL {
    rates(v)
    n = ninf
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n) / ntau
}

PROCEDURE rates(v (mV)) {
    UNITSOFF
    ninf = 1 / (1 + exp(-(v + 25) / 15.4))
    if (v < -31) {
        ntau = 1000 * (0.000688 + 1 / (exp((v + 75.2) / 6.5) + exp((v - 131.5) / -34.8)))
    } else {
        ntau = 0.16 + 0.8 * exp(-0.0267 * (v + 11))
    }
    ntau = ntau / q10 ^ ((celsius - tref) / 10)
    UNITSON
}
