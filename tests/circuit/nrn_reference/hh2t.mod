: Written for neurostim's cross-check from the equations of pain-circuit.md s1.3-1.4 (Zhang 2014 WDR/EX).
NEURON { SUFFIX hh2t USEION na READ ena WRITE ina USEION k READ ek WRITE ik RANGE gnabar, gkbar }
PARAMETER { gnabar = 0 gkbar = 0 }
STATE { m h n }
ASSIGNED { v ena ek ina ik minf mtau hinf htau ninf ntau }
BREAKPOINT { SOLVE states METHOD cnexp
  ina = gnabar*m*m*m*h*(v-ena)  ik = gkbar*n*n*n*n*(v-ek) }
INITIAL { rates(v) m = minf h = hinf n = ninf }
DERIVATIVE states { rates(v) m' = (minf-m)/mtau h' = (hinf-h)/htau n' = (ninf-n)/ntau }
PROCEDURE rates(vm) { LOCAL a, b, v2
  v2 = vm + 55
  a = 0.32*X(13-v2, 4) b = 0.28*X(v2-40, 5) minf = a/(a+b) mtau = 1/(a+b)
  a = 0.128*exp((12-v2)/18) b = 4/(1+exp((35-v2)/5)) hinf = a/(a+b) htau = 1/(a+b)
  a = 0.032*X(15-v2, 5) b = 0.5*exp((10-v2)/40) ninf = a/(a+b) ntau = 1/(a+b) }
FUNCTION X(x, y) { if (fabs(x/y) < 1e-6) { X = y*(1-x/y/2) } else { X = x/(exp(x/y)-1) } }
