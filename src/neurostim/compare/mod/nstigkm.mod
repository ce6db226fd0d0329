TITLE Slow K (KM), Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g (ns/4 + 3 nf/4) (v - ek).
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
    SUFFIX nstigkm
    USEION k READ ek WRITE ik
    RANGE gbar
}

PARAMETER {
    gbar = 0.0069733 (S/cm2)
    q10 = 3.3
    tref = 21
}

ASSIGNED {
    v (mV)
    celsius
    ek (mV)
    ik (mA/cm2)
    ninf
    stau (ms) ftau (ms)
}

STATE { ns nf }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * (0.25 * ns + 0.75 * nf) * (v - ek)
}

INITIAL {
    rates(v)
    ns = ninf
    nf = ninf
}

DERIVATIVE states {
    rates(v)
    ns' = (ninf - ns) / stau
    nf' = (ninf - nf) / ftau
}

PROCEDURE rates(v (mV)) {
    LOCAL q
    UNITSOFF
    q = q10 ^ ((celsius - tref) / 10)
    ninf = 1 / (1 + exp(-(v + 30) / 6))
    if (v < -60) {
        stau = 219
    } else {
        stau = 13 * v + 1000
    }
    stau = stau / q
    ftau = 1 / (0.00395 * exp((v + 30) / 40) + 0.00395 * exp(-(v + 30) / 20)) / q
    UNITSON
}
