TITLE Nav1.8 (TTX-resistant Na), Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g m^3 h s u (v - ena).
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
    SUFFIX nstignav18
    USEION na READ ena WRITE ina
    RANGE gbar
}

PARAMETER {
    gbar = 0.24271 (S/cm2)
    q10 = 2.5
    tref = 22
}

ASSIGNED {
    v (mV)
    celsius
    ena (mV)
    ina (mA/cm2)
    minf hinf sinf uinf
    mtau (ms) htau (ms) stau (ms) utau (ms)
}

STATE { m h s u }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gbar * m * m * m * h * s * u * (v - ena)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
    s = sinf
    u = uinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
    s' = (sinf - s) / stau
    u' = (uinf - u) / utau
}

FUNCTION sg(x) {
    sg = 1 / (1 + exp(x))
}

PROCEDURE rates(v (mV)) {
    LOCAL a, b, q
    UNITSOFF
    q = q10 ^ ((celsius - tref) / 10)
    a = 2.85 - 2.839 * sg((v - 1.159) / 13.95)
    b = 7.6205 * sg((v + 46.463) / 8.8289)
    minf = a / (a + b)
    mtau = 1 / (a + b) / q
    hinf = sg((v + 32.2) / 4)
    htau = (1.218 + 42.043 * exp(-(v + 38.1) * (v + 38.1) / (2 * 15.19 * 15.19))) / q
    a = 0.0054203 * sg((v + 79.816) / 16.269)
    b = 0.0050757 * sg(-(v + 15.968) / 11.542)
    sinf = sg((v + 45) / 8)
    stau = 1 / (a + b) / q
    a = 0.00040868 * sg((v + 67.499) / 19.51)
    b = 0.00039904 * sg(-(v + 30.963) / 14.792)
    uinf = sg((v + 51) / 8)
    utau = 1 / (a + b) / q
    UNITSON
}
