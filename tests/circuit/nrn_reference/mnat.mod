: Written for neurostim's cross-check: Melnick SG sodium written from pain-circuit.md s1.4 equations
NEURON { SUFFIX mnat USEION na READ ena WRITE ina RANGE gbar }
UNITS { (mA) = (milliamp) (mV) = (millivolt) }
PARAMETER { gbar = 0.008 (S/cm2) }
STATE { m h }
ASSIGNED { v (mV) ena (mV) ina (mA/cm2) minf mtau hinf htau celsius }
BREAKPOINT { SOLVE states METHOD cnexp
  ina = gbar*m*m*m*h*(v-ena) }
INITIAL { rates(v) m = minf h = hinf }
DERIVATIVE states { rates(v) m' = (minf-m)/mtau h' = (hinf-h)/htau }
UNITSOFF
PROCEDURE rates(v) { LOCAL a, b, q
  q = 3^((celsius-23)/10)
  a = 0.182*q*X(-v-28, 9)  b = 0.124*q*X(v+28, 9)
  minf = a/(a+b) mtau = 1/(a+b)
  a = q*(0.061*X(-v-35, 3)+0.0166)  b = 0.0018*q*X(v+71, 18)
  hinf = 1/(1+exp((v+64)/9)) htau = 1/(a+b) }
FUNCTION X(x, y) { if (fabs(x/y) < 1e-6) { X = y*(1-x/y/2) } else { X = x/(exp(x/y)-1) } }
UNITSON
