TITLE Sundt C-fiber delayed-rectifier potassium current (Borg-Graham form) (neurostim reference)

COMMENT
Written for neurostim from the published equations (Borg-Graham LJ 1987 delayed rectifier as
used by Sundt, Gamper & Jaffe, J Neurophysiol 114:3140-3153, 2015), as stated in neurostim's
docs/reference/fiber-models.md section 5.

I = gkbar n^3 l (v - erev_k)
kT = 1e-3 F / (R (273.16 + T)), F = 9.648e4, R = 8.315;  q = 3^((T - 30)/10)
n: a_n = exp(-5 kT (v + 32)),  ninf = 1/(1 + a_n),  taun = exp(-2 kT (v + 32)) / (0.03 q (1 + a_n))
l: a_l = exp( 2 kT (v + 61)),  linf = 1/(1 + a_l),  taul = exp( 2 kT (v + 61)) / (0.001 q (1 + a_l))
ENDCOMMENT

NEURON {
    SUFFIX nssundtkdr
    NONSPECIFIC_CURRENT ik_s
    RANGE gkbar, erev_k, ik_s, ninf, linf, ntau, ltau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gkbar = 0.04 (mho/cm2)
    erev_k = -90.0 (mV)
    celsius (degC)
}

STATE {
    n l
}

ASSIGNED {
    v (mV)
    ik_s (mA/cm2)
    ninf linf
    ntau (ms)
    ltau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik_s = gkbar * n * n * n * l * (v - erev_k)
}

INITIAL {
    rates(v)
    n = ninf
    l = linf
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n) / ntau
    l' = (linf - l) / ltau
}

PROCEDURE rates(vm (mV)) {
    LOCAL q, kt, a
    q = 3.0 ^ ((celsius - 30) / 10)
    kt = 1e-3 * 9.648e4 / (8.315 * (273.16 + celsius))
    a = exp(-5 * kt * (vm + 32))
    ninf = 1 / (1 + a)
    ntau = exp(-2 * kt * (vm + 32)) / (0.03 * q * (1 + a))
    a = exp(2 * kt * (vm + 61))
    linf = 1 / (1 + a)
    ltau = a / (0.001 * q * (1 + a))
}
