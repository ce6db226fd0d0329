TITLE Na/K pump, Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. ik = a/(1 + b1/ko)^2 (w1/(1 + (km1/(nai + off))^3) + w2/(1 + (km2/(nai + off))^3)), ina = -1.5 ik.
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
    SUFFIX nstigpump
    USEION na READ nai WRITE ina
    USEION k READ ko WRITE ik
    RANGE a
}

PARAMETER {
    a = -0.0047891 (mA/cm2)
    b1 = 1 (mM)
    km1 = 6.7 (mM)
    km2 = 67.6 (mM)
    off = 8 (mM)
    w1 = 1.62
    w2 = 1
}

ASSIGNED {
    nai (mM)
    ko (mM)
    ina (mA/cm2)
    ik (mA/cm2)
}

BREAKPOINT {
    LOCAL r1, r2
    r1 = km1 / (nai + off)
    r2 = km2 / (nai + off)
    ik = a / ((1 + b1 / ko) * (1 + b1 / ko)) * (w1 / (1 + r1 * r1 * r1) + w2 / (1 + r2 * r2 * r2))
    ina = -1.5 * ik
}
