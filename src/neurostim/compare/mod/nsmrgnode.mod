TITLE MRG node of Ranvier: fast Na, persistent Na, slow K and leak (neurostim reference)

COMMENT
Written for neurostim from the published equations of the MRG node:
McIntyre CC, Richardson AG, Grill WM. Modeling the excitability of mammalian nerve fibers:
influence of afterpotentials on the recovery cycle. J Neurophysiol 87:995-1006, 2002.
Rate functions, Q10 factors and the substitute rates beyond +-150 mV as stated in
neurostim's docs/reference/fiber-models.md section 4 (which matches the PyFibers 0.13
reference used to produce tests/reference/data).

I = gnaf m^3 h (v - erev_na) + gnap p^3 (v - erev_na) + gks s (v - erev_k) + gl (v - erev_leak)
Lin(A, B, C)  =  A (v + B) / (1 - exp(-(v + B) / C)),  A C when |(v + B) / C| < 1e-6
Linm(A, B, C) = -A (v + B) / (1 - exp( (v + B) / C)),  A C when |(v + B) / C| < 1e-6
Every exponential exp(x) with x < -100 is taken as 0.
Q10 factors: q1 = 2.2^((T - 20)/10) (m, p), q2 = 2.9^((T - 20)/10) (h), q3 = 3^((T - 36)/10) (s).
The currents are nonspecific: reversal potentials are parameters of this mechanism.
ENDCOMMENT

NEURON {
    SUFFIX nsmrgnode
    NONSPECIFIC_CURRENT inaf, inap, iks, il
    RANGE gnafbar, gnapbar, gksbar, gl, erev_na, erev_k, erev_leak
    RANGE inaf, inap, iks, il
    RANGE minf, hinf, pinf, sinf, mtau, htau, ptau, stau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
}

PARAMETER {
    gnafbar = 3.0 (mho/cm2)
    gnapbar = 0.01 (mho/cm2)
    gksbar = 0.08 (mho/cm2)
    gl = 0.007 (mho/cm2)
    erev_na = 50.0 (mV)
    erev_k = -90.0 (mV)
    erev_leak = -90.0 (mV)
    celsius (degC)
}

STATE {
    m h p s
}

ASSIGNED {
    v (mV)
    inaf (mA/cm2)
    inap (mA/cm2)
    iks (mA/cm2)
    il (mA/cm2)
    minf hinf pinf sinf
    mtau (ms)
    htau (ms)
    ptau (ms)
    stau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    inaf = gnafbar * m * m * m * h * (v - erev_na)
    inap = gnapbar * p * p * p * (v - erev_na)
    iks = gksbar * s * (v - erev_k)
    il = gl * (v - erev_leak)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
    p = pinf
    s = sinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
    p' = (pinf - p) / ptau
    s' = (sinf - s) / stau
}

FUNCTION cutexp(x) {
    if (x < -100) {
        cutexp = 0
    } else {
        cutexp = exp(x)
    }
}

FUNCTION lin(vm, a, b, c) {
    if (fabs((vm + b) / c) < 1e-6) {
        lin = a * c
    } else {
        lin = a * (vm + b) / (1 - cutexp(-(vm + b) / c))
    }
}

FUNCTION linm(vm, a, b, c) {
    if (fabs((vm + b) / c) < 1e-6) {
        linm = a * c
    } else {
        linm = -a * (vm + b) / (1 - cutexp((vm + b) / c))
    }
}

PROCEDURE rates(vm (mV)) {
    LOCAL q1, q2, q3, a, b
    q1 = 2.2 ^ ((celsius - 20) / 10)
    q2 = 2.9 ^ ((celsius - 20) / 10)
    q3 = 3.0 ^ ((celsius - 36) / 10)

    : persistent Na activation p
    if (fabs((vm + 27) / 10.2) >= 1e-6 && vm < -150) {
        a = 8.6725e-4
    } else {
        a = lin(vm, 0.01, 27, 10.2)
    }
    if (fabs((vm + 34) / 10) >= 1e-6 && vm > 150) {
        b = 1.5855e-5
    } else {
        b = linm(vm, 0.00025, 34, 10)
    }
    a = q1 * a
    b = q1 * b
    ptau = 1 / (a + b)
    pinf = a / (a + b)

    : fast Na activation m
    if (fabs((vm + 21.4) / 10.3) >= 1e-6 && vm < -150) {
        a = 0.15733
    } else {
        a = lin(vm, 1.86, 21.4, 10.3)
    }
    if (fabs((vm + 25.7) / 9.16) >= 1e-6 && vm > 150) {
        b = 5.7268e-3
    } else {
        b = linm(vm, 0.086, 25.7, 9.16)
    }
    a = q1 * a
    b = q1 * b
    mtau = 1 / (a + b)
    minf = a / (a + b)

    : fast Na inactivation h
    if (fabs((vm + 114) / 11) >= 1e-6 && vm > 150) {
        a = 3.2594e-3
    } else {
        a = linm(vm, 0.062, 114, 11)
    }
    if (vm < -150) {
        b = 1.4054e-3
    } else {
        b = 2.3 / (1 + cutexp(-(vm + 31.8) / 13.4))
    }
    a = q2 * a
    b = q2 * b
    htau = 1 / (a + b)
    hinf = a / (a + b)

    : slow K activation s
    if (vm < -150) {
        a = 3.3484e-5
        b = 3.3484e-6
    } else {
        a = 0.3 / (1 + cutexp(-(vm + 53) / 5))
        b = 0.03 / (1 + cutexp(-(vm + 90)))
    }
    a = q3 * a
    b = q3 * b
    stau = 1 / (a + b)
    sinf = a / (a + b)
}
