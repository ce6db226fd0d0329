: Written for neurostim's cross-check: difference-of-exponentials synapse, optional Mg block, a fraction of the current as Ca (pain-circuit.md s1.3)
NEURON { POINT_PROCESS syncat USEION ca WRITE ica NONSPECIFIC_CURRENT i RANGE tau1, tau2, e, cafrac, mgon }
PARAMETER { tau1 = 2 tau2 = 100 e = 0 cafrac = 0.1 mgon = 1 }
STATE { A B }
ASSIGNED { v i ica factor g }
INITIAL { LOCAL tp
  A = 0 B = 0
  tp = (tau1*tau2)/(tau2-tau1)*log(tau2/tau1)
  factor = 1/(-exp(-tp/tau1)+exp(-tp/tau2)) }
BREAKPOINT { LOCAL mg
  SOLVE state METHOD cnexp
  mg = 1
  if (mgon > 0) { mg = 1/(1+exp(-0.062*v)*1/3.57) }
  g = (B-A)*mg
  i = (1-cafrac)*g*(v-e)
  ica = cafrac*g*(v-e) }
DERIVATIVE state { A' = -A/tau1 B' = -B/tau2 }
NET_RECEIVE(weight) { A = A + weight*factor B = B + weight*factor }
