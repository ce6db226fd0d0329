: Written for neurostim's cross-check: Melnick inactivating K_DR written from pain-circuit.md s1.4 equations
NEURON { SUFFIX mkdr USEION k READ ek WRITE ik RANGE gbar }
UNITS { (mA) = (milliamp) (mV) = (millivolt) }
PARAMETER { gbar = 0.0043 (S/cm2) }
STATE { n h }
ASSIGNED { v (mV) ek (mV) ik (mA/cm2) ninf ntau hinf htau celsius }
BREAKPOINT { SOLVE states METHOD cnexp
  ik = gbar*n*n*n*n*h*(v-ek) }
INITIAL { rates(v) n = ninf h = hinf }
DERIVATIVE states { rates(v) n' = (ninf-n)/ntau h' = (hinf-h)/htau }
UNITSOFF
PROCEDURE rates(v) { LOCAL a, b, q
  q = 3^((celsius-23)/10)
  a = 0.035*q*X(-v-15, 9)  b = 0.014*q*exp((12-v)/46)
  ninf = a/(a+b) ntau = 1/(a+b)
  a = 0.0083*q*(1/(exp((v+20)/10)+1)+1)  b = 0.0083*q/(exp(-(v+20)/10)+1)
  hinf = a/(a+b) htau = 1/(a+b) }
FUNCTION X(x, y) { if (fabs(x/y) < 1e-6) { X = y*(1-x/y/2) } else { X = x/(exp(x/y)-1) } }
UNITSON
