TITLE Na/K pump with intracellular Na accumulation, Sundt C neuron (neurostim reference)

COMMENT
Written for neurostim from the published equations of the Na/K pump and Na accumulation used
by Sundt, Gamper & Jaffe, J Neurophysiol 114:3140-3153, 2015 (ModelDB 187473, pump after
Canavier 1999), as restated in neurostim/fibers/slow_channels.py: no longitudinal diffusion,
fixed reversal potentials.

P(nai) = imax / (1 + (km/nai)^hill),  P0 = P(nai0)
net pump current (outward) = P - P0: Na part 3 (P - P0), K part -2 (P - P0)
nai' = -flux (ina + 3 (P - P0)) / diam    (ina: the na ion's current, from nssundtna;
                                           flux = 4e4/F, mM um/ms per mA/cm2),
advanced by one forward-Euler step per time step
ENDCOMMENT

NEURON {
    SUFFIX nssundtpump
    USEION na READ ina
    NONSPECIFIC_CURRENT ipump
    RANGE imax, km, hill, nai0, flux
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
    (um) = (micron)
}

PARAMETER {
    imax = 0.001 (mA/cm2)
    km = 6.7 (mM)
    hill = 1.5
    nai0 = 15 (mM)
    flux = 0.41457
}

STATE {
    nas (mM)
}

ASSIGNED {
    v (mV)
    diam (um)
    ina (mA/cm2)
    ipump (mA/cm2)
}

BREAKPOINT {
    SOLVE states
    ipump = rate(nas) - rate(nai0)
}

INITIAL {
    nas = nai0
}

PROCEDURE states() {
    : one explicit (forward Euler) step with the step's Na current
    nas = nas - dt * flux * (ina + 3 * (rate(nas) - rate(nai0))) / diam
}

FUNCTION rate(c (mM)) {
    rate = imax / (1 + (km / c) ^ hill)
}
