TITLE Intra- and extracellular Na and K, Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. X = Na, K: Xi' = -4e4 iX/(F diam); Xo' = (1e4/theta)(iX/F - kd (Xo - Xo0)), kd = 1e-8 (0.1 D with D 1e-7 as written in ModelDB 189112), theta 0.029 um.
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
    SUFFIX nstigconc
    USEION na READ ina WRITE nai, nao
    USEION k READ ik WRITE ki, ko
    RANGE nai0, nao0, ki0, ko0
}

PARAMETER {
    nai0 = 11.4 (mM)
    nao0 = 154 (mM)
    ki0 = 121.7 (mM)
    ko0 = 5.6 (mM)
    theta = 0.029 (um)
    kd = 1e-8
    FARADAY = 96485.33212
}

ASSIGNED {
    diam (um)
    ina (mA/cm2)
    ik (mA/cm2)
}

STATE { nai (mM) nao (mM) ki (mM) ko (mM) }

INITIAL {
    nai = nai0
    nao = nao0
    ki = ki0
    ko = ko0
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    UNITSOFF
    nai' = -4e4 * ina / (FARADAY * diam)
    nao' = 1e4 / theta * (ina / FARADAY - kd * (nao - nao0))
    ki' = -4e4 * ik / (FARADAY * diam)
    ko' = 1e4 / theta * (ik / FARADAY - kd * (ko - ko0))
    UNITSON
}
