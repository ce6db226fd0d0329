TITLE Nav1.9 (persistent TTX-resistant Na), Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g m h s (v - ena).
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
    SUFFIX nstignav19
    USEION na READ ena WRITE ina
    RANGE gbar
}

PARAMETER {
    gbar = 9.4779e-05 (S/cm2)
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
    ina = gbar * m * h * s * (v - ena)
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
    a = 1.032 * sg((v + 6.99) / -14.87115)
    b = 5.79 * sg((v + 130.4) / 22.9)
    minf = a / (a + b)
    mtau = 1 / (a + b) / q
    a = 0.06435 * sg((v + 73.26415) / 3.71928)
    b = 0.13496 * sg((v + 10.27853) / -9.09334)
    hinf = a / (a + b)
    htau = 1 / (a + b) / q
    a = 1.6e-7 * exp(-v / 12)
    b = 0.0005 * sg(-(v + 32) / 23)
    sinf = a / (a + b)
    stau = 1 / (a + b) / q
    UNITSON
}
