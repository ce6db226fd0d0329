"""The Zhang 2014 cells in NEURON, built from pain-circuit.md s1.3-1.4, for the kernel cross-check.

Run by tests/circuit/test_neuron_crosscheck.py in a folder where the .mod files beside this
script were compiled: ``python cells.py inputs.npz out.npz``. ``inputs.npz`` holds the synaptic
event times (ms) of every input stream; each cell is driven by the same events the kernel saw,
cell-to-cell events at the times the kernel delivered them. Writes the spike times (-30 mV at
the soma) of ``in``, ``in_s``, ``ex`` and ``wdr``.
"""

import sys

import numpy as np
from neuron import h

h.load_file("stdrun.hoc")
DT_MS = 0.025
ev = dict(np.load(sys.argv[1]))
keep = []


def section(name, length, d0, d1, nseg, ra, g_pas, e_pas):
    s = h.Section(name=name)
    s.L, s.nseg, s.Ra, s.cm = length, nseg, ra, 1.0
    for seg in s:
        seg.diam = d0 + (d1 - d0) * seg.x
    s.insert("pas")
    for seg in s:
        seg.g_pas, seg.e_pas = g_pas, e_pas
    keep.append(s)
    return s


def aguiar(name, dend_l, dend_d, g_kca, with_ca):
    """Aguiar WDR (with_ca) or Aguiar 'IN' (EX): dendrite - soma - hillock - axon."""
    dend = section(name + "d", dend_l, dend_d, dend_d, 5, 150, 4.2e-5, -65)
    soma = section(name + "s", 20, 20, 20, 3, 150, 4.2e-5, -65)
    hill = section(name + "h", 9, 2, 1, 3, 150, 4.2e-5, -65)
    axon = section(name + "a", 1000, 1, 1, 5, 150, 0.0 if with_ca else 4.2e-5, -65)
    dend.connect(soma(0))
    hill.connect(soma(1))
    axon.connect(hill(1))
    for s in (dend, soma, hill):
        s.insert("hh2t")
    for s in (dend, soma):
        s.insert("kcat")
        s.insert("cadt")
        for seg in s:
            seg.ek = -70
    for seg in hill:
        seg.ena, seg.ek, seg.gnabar_hh2t, seg.gkbar_hh2t = 50, -77, 3.45, 0.076
    for seg in soma:
        seg.ena, seg.gkbar_hh2t, seg.gbar_kcat, seg.taur_cadt = 50, 1.075e-3, g_kca[0], 1
    for seg in dend:
        seg.gkbar_hh2t, seg.gbar_kcat, seg.taur_cadt = 0.036, g_kca[1], 2
    if with_ca:
        for s, p in ((soma, 1e-4), (dend, 3e-5)):
            s.insert("calt")
            for seg in s:
                seg.p_calt = p
        soma.insert("napt")
        dend.insert("cant")
        for seg in soma:
            seg.gbar_napt = 1e-4
        for seg in dend:
            seg.gbar_cant = 9.1e-5
    return soma, dend


def melnick(name):
    """Melnick 2004 tonic SG cell: dendrite - soma - hillock."""
    dend = section(name + "d", 1371, 1.4, 1.4, 21, 80, 1.1e-5, -70)
    soma = section(name + "s", 10, 10, 10, 1, 80, 1.1e-5, -70)
    hill = section(name + "h", 30, 1, 0.5, 3, 80, 1.1e-5, -70)
    dend.connect(soma(0))
    hill.connect(soma(1))
    for s, g_na, g_k in ((dend, 0, 0.034), (soma, 0.008, 0.0043), (hill, 3.45, 0.076)):
        s.insert("mkdr")
        if g_na:
            s.insert("mnat")
        for seg in s:
            seg.ek, seg.gbar_mkdr = -84, g_k
            if g_na:
                seg.ena, seg.gbar_mnat = 60, g_na
    return soma, dend


def synapse(dend, stream, weight_ns, tau_rise, tau_decay, e_rev=0.0, ca_fraction=0.0, mg=0):
    if ca_fraction:
        s = h.syncat(dend(0.5))
        s.cafrac, s.mgon = ca_fraction, mg
    else:
        s = h.Exp2Syn(dend(0.5))
    s.tau1, s.tau2, s.e = tau_rise, tau_decay, e_rev
    nc = h.NetCon(None, s)
    nc.weight[0] = weight_ns * 1e-3
    keep.extend([s, nc])
    return nc, ev[stream]


h.cao0_ca_ion, h.cai0_ca_ion = 2.0, 5e-5
cells = {
    "in": melnick("in"),
    "in_s": melnick("ins"),
    "ex": aguiar("ex", 400, 3, (2e-3, 2e-3), False),
    "wdr": aguiar("wdr", 350, 2.5, (1e-4, 1e-3), True),
}
d = {k: v[1] for k, v in cells.items()}
inputs = [
    synapse(d["in"], "abeta", 0.97067, 0.1, 5),
    synapse(d["in_s"], "abeta_surround", 1.333, 0.1, 5),
    synapse(d["ex"], "c", 8.0, 0.1, 5),
    synapse(d["ex"], "c", 4.0, 2, 100, ca_fraction=0.1, mg=1),
    synapse(d["ex"], "c", 6.7e-4, 100, 3000, ca_fraction=0.1),
    synapse(d["ex"], "in_to", 5.32, 0.1, 20, -70),
    synapse(d["ex"], "in_s_to", 7.315, 0.1, 20, -70),
    synapse(d["wdr"], "abeta_adelta", 1.6, 0.1, 5),
    synapse(d["wdr"], "abeta_adelta", 0.066667, 2, 100, ca_fraction=0.1, mg=1),
    synapse(d["wdr"], "c", 4.5e-4, 200, 3000, ca_fraction=0.1),
    synapse(d["wdr"], "in_to", 5.32, 0.1, 10, -70),
    synapse(d["wdr"], "in_to", 5.32, 0.1, 20, -70),
    synapse(d["wdr"], "in_s_to", 2 * 7.315, 0.1, 20, -70),
    synapse(d["wdr"], "ex_to", 30 * 0.012, 0.1, 5),
    synapse(d["wdr"], "ex_to", 30 * 0.0096, 2, 100, ca_fraction=0.1, mg=1),
]


def queue():
    for nc, times in inputs:
        for t in times:
            nc.event(float(t))


fih = h.FInitializeHandler(queue)
spikes = {}
for name, (soma, _) in cells.items():
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = -30
    spikes[name] = h.Vector()
    det.record(spikes[name])
    keep.append(det)
h.celsius, h.dt, h.steps_per_ms = 36, DT_MS, 1 / DT_MS
h.finitialize(-65)
h.continuerun(float(ev["duration_ms"][0]))
np.savez(sys.argv[2], **{k: np.array(v) for k, v in spikes.items()})
