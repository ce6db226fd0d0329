: Written for neurostim's cross-check from the equations of pain-circuit.md s1.3-1.4 (Zhang 2014 WDR/EX).
NEURON { SUFFIX cadt USEION ca READ ica WRITE cai RANGE depth, taur }
PARAMETER { depth = 0.1 taur = 1 cainf = 5e-5 }
STATE { ca }
ASSIGNED { ica cai drive }
BREAKPOINT { SOLVE states METHOD euler }
INITIAL { ca = cainf cai = ca }
DERIVATIVE states {
  drive = -10000*ica/(2*96485.309*depth)
  if (drive < 0) { drive = 0 }
  ca' = drive + (cainf-ca)/taur
  cai = ca }
