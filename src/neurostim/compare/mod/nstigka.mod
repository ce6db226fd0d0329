TITLE Fast K (KA), Tigerholm C-nociceptor axon (neurostim reference)

COMMENT
Written for neurostim from the equations of Tigerholm et al., J Neurophysiol 111:1721-1735,
2014 (ModelDB 189112) as restated in neurostim/fibers/tigerholm_channels.py. I = g m h (v - ek), half-activations shifted by -15 mV.
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
    SUFFIX nstigka
    USEION k READ ek WRITE ik
    RANGE gbar
}

PARAMETER {
    gbar = 0.012756 (S/cm2)
    q10 = 3.3
    tref = 23
}

ASSIGNED {
    v (mV)
    celsius
    ek (mV)
    ik (mA/cm2)
    minf hinf
    mtau (ms) htau (ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * m * h * (v - ek)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
}

PROCEDURE rates(v (mV)) {
    LOCAL q
    UNITSOFF
    q = q10 ^ ((celsius - tref) / 10)
    minf = (1 / (1 + exp(-(v - 9.6) / 16.4))) ^ 4
    hinf = 1 / (1 + exp((v + 34.9) / 4.6))
    mtau = (0.25 + 10.04 * exp(-(v + 24.67) * (v + 24.67) / (2 * 34.8 * 34.8))) / q
    htau = 20 + 50 * exp(-(v + 40) * (v + 40) / (2 * 40 * 40))
    if (htau < 5) {
        htau = 5
    }
    htau = htau / q
    UNITSON
}
