TITLE HCN (h current), Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. g = gbar (ns + nf)/2; half of it Na, half K.
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
    SUFFIX nstigh
    USEION na READ ena WRITE ina
    USEION k READ ek WRITE ik
    RANGE gbar
}

PARAMETER {
    gbar = 0.0025377 (S/cm2)
    q10 = 3
    tref = 22
}

ASSIGNED {
    v (mV)
    celsius
    ena (mV)
    ek (mV)
    ina (mA/cm2)
    ik (mA/cm2)
    ninf
    stau (ms) ftau (ms)
}

STATE { ns nf }

BREAKPOINT {
    LOCAL g
    SOLVE states METHOD cnexp
    g = gbar * 0.5 * (ns + nf)
    ina = 0.5 * g * (v - ena)
    ik = 0.5 * g * (v - ek)
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
    ninf = 1 / (1 + exp((v + 87.2) / 9.7))
    if (v < -70) {
        stau = 2500 + 100 * exp((v + 240) / 50)
        ftau = 250 + 12 * exp((v + 240) / 50)
    } else {
        stau = 300 + 542 * exp((v + 25) / -20)
        ftau = 140 + 50 * exp((v + 25) / -20)
    }
    stau = stau / q
    ftau = ftau / q
    UNITSON
}
