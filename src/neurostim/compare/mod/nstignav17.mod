TITLE Nav1.7 (TTX-sensitive Na), Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g m^3 h s (v - ena).
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
    SUFFIX nstignav17
    USEION na READ ena WRITE ina
    RANGE gbar
}

PARAMETER {
    gbar = 0.10664 (S/cm2)
    q10 = 2.5
    tref = 21
}

ASSIGNED {
    v (mV)
    celsius
    ena (mV)
    ina (mA/cm2)
    minf hinf sinf
    mtau (ms) htau (ms) stau (ms)
}

STATE { m h s }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gbar * m * m * m * h * s * (v - ena)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
    s = sinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
    s' = (sinf - s) / stau
}

FUNCTION sg(x) {
    sg = 1 / (1 + exp(x))
}

PROCEDURE rates(v (mV)) {
    LOCAL a, b, q
    UNITSOFF
    q = q10 ^ ((celsius - tref) / 10)
    a = 15.5 * sg((v - 5) / -12.08)
    b = 35.2 * sg((v + 72.7) / 16.7)
    minf = a / (a + b)
    mtau = 1 / (a + b) / q
    a = 0.38685 * sg((v + 122.35) / 15.29)
    b = -0.00283 + 2.00283 * sg((v + 5.5266) / -12.70195)
    hinf = a / (a + b)
    htau = 1 / (a + b) / q
    a = 0.00003 + 0.00092 * sg((v + 93.9) / 16.6)
    b = 132.05 - 132.05 * sg((v - 384.9) / 28.5)
    sinf = a / (a + b)
    stau = 1 / (a + b) / q
    UNITSON
}
