: Written for neurostim's cross-check from the equations of pain-circuit.md s1.3-1.4 (Zhang 2014 WDR/EX).
NEURON { SUFFIX kcat USEION ca READ cai USEION k READ ek WRITE ik RANGE gbar }
PARAMETER { gbar = 0 }
STATE { m }
ASSIGNED { v cai ek ik minf mtau celsius }
BREAKPOINT { SOLVE states METHOD cnexp  ik = gbar*m*m*m*(v-ek) }
INITIAL { rates(cai) m = minf }
DERIVATIVE states { rates(cai) m' = (minf-m)/mtau }
PROCEDURE rates(c) { LOCAL r
  r = (c/0.001)^2 minf = r/(1+r) mtau = 1/0.03/(1+r)/3^((celsius-22)/10)
  if (mtau < 0.1) { mtau = 0.1 } }
