TITLE Na and K leak with balancing constant currents, Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. ina = gna (v - ena) + ina0, ik = gk (v - ek) + ik0.
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
    SUFFIX nstigleak
    USEION na READ ena WRITE ina
    USEION k READ ek WRITE ik
    RANGE gna, gk, ina0, ik0
}

PARAMETER {
    gna = 0 (S/cm2)
    gk = 0 (S/cm2)
    ina0 = 0 (mA/cm2)
    ik0 = 0 (mA/cm2)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ek (mV)
    ina (mA/cm2)
    ik (mA/cm2)
}

BREAKPOINT {
    ina = gna * (v - ena) + ina0
    ik = gk * (v - ek) + ik0
}
