TITLE Sundt C-fiber sodium current (Traub-Miles form, NaV1.7/1.8 shifts) (neurostim reference)

COMMENT
Written for neurostim from the published equations:
Sundt D, Gamper N, Jaffe DB. Spike propagation through the dorsal root ganglia in an
unmyelinated sensory neuron: a modeling study. J Neurophysiol 114:3140-3153, 2015
(Traub RD, Miles R 1991 form with activation shifted by -6 mV and inactivation by +6 mV),
with the shifts folded into the numbers, as stated in neurostim's
docs/reference/fiber-models.md section 5.

I = gnabar m^3 h (v - erev_na), written as the na ion's current (so that the Na/K pump
mechanism nssundtpump can read it; no mechanism reads ena: the reversal is erev_na)
q = 3^((T - 30)/10);  F(x, y) = x / (exp(x/y) - 1), or y (1 - x/(2y)) when |x/y| < 1e-6
alpha_m = 0.32 q F(-45.9 - v, 4)      beta_m = 0.28 q F(v + 18.9, 5)
alpha_h = 0.128 q exp(-(v + 54)/18)   beta_h = 4 q / (1 + exp(-(v + 31)/5))
ENDCOMMENT

NEURON {
    SUFFIX nssundtna
    USEION na WRITE ina
    RANGE gnabar, erev_na, minf, hinf, mtau, htau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gnabar = 0.04 (mho/cm2)
    erev_na = 50.0 (mV)
    celsius (degC)
}

STATE {
    m h
}

ASSIGNED {
    v (mV)
    ina (mA/cm2)
    minf hinf
    mtau (ms)
    htau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gnabar * m * m * m * h * (v - erev_na)
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

FUNCTION efun(x, y) {
    if (fabs(x / y) < 1e-6) {
        efun = y * (1 - x / (2 * y))
    } else {
        efun = x / (exp(x / y) - 1)
    }
}

PROCEDURE rates(vm (mV)) {
    LOCAL q, a, b
    q = 3.0 ^ ((celsius - 30) / 10)
    a = 0.32 * q * efun(-45.9 - vm, 4)
    b = 0.28 * q * efun(vm + 18.9, 5)
    mtau = 1 / (a + b)
    minf = a / (a + b)
    a = 0.128 * q * exp(-(vm + 54) / 18)
    b = 4 * q / (1 + exp(-(vm + 31) / 5))
    htau = 1 / (a + b)
    hinf = a / (a + b)
}
