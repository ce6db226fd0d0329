: Written for neurostim's cross-check from the equations of pain-circuit.md s1.3-1.4 (Zhang 2014 WDR/EX).
NEURON { SUFFIX napt USEION na READ ena WRITE ina RANGE gbar }
PARAMETER { gbar = 0 }
STATE { m h }
ASSIGNED { v ena ina minf mtau hinf htau }
BREAKPOINT { SOLVE states METHOD cnexp  ina = gbar*m*h*(v-ena) }
INITIAL { rates(v) m = minf h = hinf }
DERIVATIVE states { rates(v) m' = (minf-m)/mtau h' = (hinf-h)/htau }
PROCEDURE rates(vm) { LOCAL a, b, v2
  v2 = vm + 55
  a = 0.32*X(11-v2, 4) b = 0.28*X(v2-42, 5) minf = a/(a+b) mtau = 1/(a+b)
  a = 0.128*exp((12-v2)/18) b = 4/(1+exp((35-v2)/10)) hinf = a/(a+b) htau = 1/(a+b) }
FUNCTION X(x, y) { if (fabs(x/y) < 1e-6) { X = y*(1-x/y/2) } else { X = x/(exp(x/y)-1) } }
