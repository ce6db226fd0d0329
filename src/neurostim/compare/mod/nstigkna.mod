TITLE Na-activated K, Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g w (v - ek), w = pmax/(1 + (ec50/nai)^hill), instantaneous.
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
    SUFFIX nstigkna
    USEION na READ nai
    USEION k READ ek WRITE ik
    RANGE gbar
}

PARAMETER {
    gbar = 0.00042 (S/cm2)
    ec50 = 38.7 (mM)
    pmax = 0.37
    hill = 3.5
}

ASSIGNED {
    v (mV)
    ek (mV)
    nai (mM)
    ik (mA/cm2)
}

BREAKPOINT {
    ik = gbar * pmax / (1 + (ec50 / nai) ^ hill) * (v - ek)
}
