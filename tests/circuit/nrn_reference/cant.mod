: Written for neurostim's cross-check from the equations of pain-circuit.md s1.3-1.4 (Zhang 2014 WDR/EX).
NEURON { SUFFIX cant USEION ca READ cai NONSPECIFIC_CURRENT i RANGE gbar, ecan }
PARAMETER { gbar = 0 ecan = 0 }
STATE { m }
ASSIGNED { v cai i minf mtau celsius }
BREAKPOINT { SOLVE states METHOD cnexp  i = gbar*m*m*(v-ecan) }
INITIAL { rates(cai) m = minf }
DERIVATIVE states { rates(cai) m' = (minf-m)/mtau }
PROCEDURE rates(c) { LOCAL r
  r = (c/0.0005)^2 minf = r/(1+r) mtau = 40/(0.002*(1+r))/3^((celsius-22)/10)
  if (mtau < 0.1) { mtau = 0.1 } }
