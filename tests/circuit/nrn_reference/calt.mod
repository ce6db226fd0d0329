: Written for neurostim's cross-check from the equations of pain-circuit.md s1.3-1.4 (Zhang 2014 WDR/EX).
NEURON { SUFFIX calt USEION ca READ cai, cao WRITE ica RANGE p }
PARAMETER { p = 0 }
STATE { m }
ASSIGNED { v cai cao ica minf mtau celsius }
BREAKPOINT { SOLVE states METHOD cnexp  ica = p*m*m*ghk(v, cai, cao) }
INITIAL { rates(v) m = minf }
DERIVATIVE states { rates(v) m' = (minf-m)/mtau }
PROCEDURE rates(vm) { LOCAL a, b
  a = 1.6/(1+exp(-0.072*(vm-5))) b = 0.02*X(vm-1.31, 5.36)
  minf = 1/(1+exp(-(vm+10)/10)) mtau = 1/(a+b)/3^((celsius-23.5)/10) }
FUNCTION ghk(vm, ci, co) { LOCAL w, e
  w = vm*1e-3*2*96485.309/(8.31441*(celsius+273.16))
  if (fabs(w) > 1e-4) { e = w/(exp(w)-1) } else { e = 1-w/2 }
  ghk = -1e-3*2*96485.309*(co-ci*exp(w))*e }
FUNCTION X(x, y) { if (fabs(x/y) < 1e-6) { X = y*(1-x/y/2) } else { X = x/(exp(x/y)-1) } }
