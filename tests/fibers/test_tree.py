"""Branched cells: the tree solver against the chain solver, a dense solve, and itself.

The checks are independent of the tree path: a straight fiber numbered from its middle (a tree
whose root has two children) must give the chain's answer; a Y-shaped two-layer tree must give
the backward-Euler solution of numpy.linalg.solve on the full matrix written out here from the
cable equations (fiber-models.md section 8); the backends must agree with each other; the
membrane currents of a sealed tree must sum to zero (Kirchhoff) in every step.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import ProtocolCase, find_thresholds, mrg_geometry, simulate
from neurostim.fibers.cells import c_neuron_geometry, tree_geometry
from neurostim.fibers.channels import MRGNodeChannels
from neurostim.fibers.mrg import mrg_parameters
from neurostim.fibers.tree import check_topology, cut_end_nodes, reroot
from neurostim.testing import assert_close

# --- a straight fiber as a tree --------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "diameter_um", "distance_mm", "n_nodes"),
    [("mrg", 10.0, 1.0, 11), ("sundt", 1.0, 0.1, 61)],
)
def test_chain_numbered_from_its_middle_gives_the_chain_answer(
    model: str, diameter_um: float, distance_mm: float, n_nodes: int
) -> None:
    case = ProtocolCase(model, diameter_um, distance_mm, "monophasic-cathodic", 0.1,
                        n_nodes=n_nodes, dt_ms=0.005, tstop_ms=3.0)  # fmt: skip
    chain = case.geometry()
    tree = reroot(chain, int(chain.node_sections[chain.center_node]))
    old = tree.extra["old_index"]
    assert not tree.is_chain and np.sum(tree.parents == 0) == 2  # the root has two children
    phi = case.phi_mv_per_ma(chain)
    wave = case.unit_waveform()[:400]
    amps = np.array([-1.5, -0.5, -0.05]) * (0.1 if model == "mrg" else 0.05)
    for amp in (amps, amps[:1]):  # lanes kernel and single-case kernel
        ref = simulate(chain, phi, amp, wave, n_steps=400, record_sections=old)
        got = simulate(tree, phi[old], amp, wave, n_steps=400,
                       record_sections=np.arange(tree.n_sections))  # fmt: skip
        # the same backward-Euler solution: traces within 1e-10 of their scale (rounding only)
        scale = np.abs(ref.v_trace_mv).max()
        assert_close(got.v_trace_mv, ref.v_trace_mv, atol=1e-10 * scale,
                     what=f"{model} trace, tree vs chain", unit="mV")  # fmt: skip
        np.testing.assert_array_equal(got.ap_count, ref.ap_count)
        np.testing.assert_array_equal(got.first_ap_time_ms, ref.first_ap_time_ms)
    assert ref.ap_count.sum() > 0
    pol = np.array([-1.0])
    kw = {"dt_ms": 0.005, "tstop_ms": 3.0, "tolerance_rel": 1e-4}
    t_chain = find_thresholds(chain, phi, case.unit_waveform(), pol, **kw)
    t_tree = find_thresholds(tree, phi[old], case.unit_waveform(), pol, **kw)
    assert t_chain.status[0] == "ok"
    assert_close(t_tree.threshold_ma, t_chain.threshold_ma, rtol=1e-10,
                 what=f"{model} threshold, tree vs chain", unit="mA")  # fmt: skip


# --- a Y-shaped two-layer tree against a dense solve -----------------------------------------

# parents first; free (myelinated) runs 1-2, 4-5, 8, 10; node 3 is a branch point with an
# internode child (4) and an adjacent node child (7); the root has two children (1 and 10)
PARENT = np.array([-1, 0, 1, 2, 3, 4, 5, 3, 7, 8, 0, 10])
TIED = np.array([1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1], bool)


def _random_topology(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random tree numbered parents first: nodes with 1-3 children, each reached through a
    run of 0-3 sections under myelin (free runs consecutive, as ``check_topology`` demands)."""
    parent, tied = [-1], [True]

    def grow(p: int, depth: int) -> None:
        for _ in range(int(rng.integers(1, 4)) if depth < 3 else 0):
            prev = p
            for _ in range(int(rng.integers(0, 4))):
                parent.append(prev)
                tied.append(False)
                prev = len(parent) - 1
            parent.append(prev)
            tied.append(True)
            grow(len(parent) - 1, depth + 1)

    grow(0, 0)
    return np.array(parent), np.array(tied)


def _y_tree(active: bool, parent=PARENT, tied=TIED, seed: int = 7):
    """MRG-like properties: nodes 3.3 um x 1 um, myelinated sections 10 um x 40-120 um."""
    rng = np.random.default_rng(seed)
    n = parent.size
    diam = np.where(tied, 3.3, 10.0)
    length = np.where(tied, 1.0, rng.uniform(40.0, 120.0, n))
    ra = np.where(tied, 70.0, 70.0 * (10.0 / 6.9) ** 2)
    cm = np.where(tied, 2.0, 2.0 * 6.9 / 10.0)
    g_pas = np.where(tied, 0.007 if active else 0.002, 1e-4)
    e_pas = np.where(tied, -90.0 if active else -75.0, -80.0)
    xr = np.where(tied, 337397.0, 80684.0)
    xg = np.where(tied, 0.0, 4.1667e-6)
    xc = np.where(tied, 0.0, 4.1667e-4)
    prm = MRGNodeChannels.from_data(mrg_parameters()["node_channels"], 37.0)
    g = tree_geometry(
        model="mrg", kind=tuple("node" if t else "stin" for t in tied), parent=parent,
        diameter_um=diam, length_um=length, ra_ohm_cm=ra, cm_uf_per_cm2=cm,
        g_pas_s_per_cm2=g_pas, e_pas_mv=e_pas, u_fixed=tied,
        active=tied & active, channel_params=prm, v_rest_mv=-80.0, temperature_c=37.0,
        xraxial_mohm_per_cm=xr, xg_s_per_cm2=xg, xc_uf_per_cm2=xc,
        named_sections={"leaf_b": 9} if n > 9 and tied[9] else {},
        detection_section=9 if n > 9 and tied[9] else None,
    )  # fmt: skip
    return g, (diam, length, ra, cm, g_pas, e_pas, xr, xg, xc, parent, tied)


def _dense_step(props, v, u, e_old, e_new, dt):
    """One backward-Euler step of the passive two-layer tree, the full 2n x 2n matrix written
    from the cable equations (fiber-models.md section 8) and solved by numpy.linalg.solve."""
    diam, length, ra, cm, g_pas, e_pas, xr, xg, xc, parent, tied = props
    n = parent.size
    area = np.pi * diam * length * 1e-8  # cm2
    c = cm * area * 1e3 / dt  # nF/ms = uS
    gl = g_pas * area * 1e6  # uS
    gmy = xg * area * 1e6
    cmy = xc * area * 1e3 / dt
    r_half = ra * (length / 2 * 1e-4) / (np.pi * (diam * 1e-4) ** 2 / 4) / 1e6  # MOhm
    p_half = xr * length / 2 * 1e-4
    a = np.zeros((2 * n, 2 * n))
    b = np.zeros(2 * n)
    for i in range(n):
        iv, iu = 2 * i, 2 * i + 1
        # intracellular: c (V' - V) + gl (V' - E_L) = sum G_a ((V'+U')_j - (V'+U')_i)
        a[iv, iv] += c[i] + gl[i]
        b[iv] += c[i] * v[i] + gl[i] * e_pas[i]
        if tied[i]:
            a[iu, iu] = 1.0
            b[iu] = e_new[i]
        else:  # G_my (U'-E') + C_my/dt ((U'-E') - (U-E)) = c (V'-V) + gl (V'-E_L) + sum G_p
            a[iu, iu] += gmy[i] + cmy[i]
            b[iu] += (gmy[i] + cmy[i]) * e_new[i] - cmy[i] * (e_old[i] - u[i])
            a[iu, iv] -= c[i] + gl[i]
            b[iu] -= c[i] * v[i] + gl[i] * e_pas[i]
    for s in range(1, n):
        p = parent[s]
        ga = 1.0 / (r_half[s] + r_half[p])
        gp = 1.0 / (p_half[s] + p_half[p])
        for i, j in ((s, p), (p, s)):
            a[2 * i, [2 * i, 2 * i + 1]] += ga
            a[2 * i, [2 * j, 2 * j + 1]] -= ga
            if not tied[i]:
                a[2 * i + 1, 2 * i + 1] += gp
                a[2 * i + 1, 2 * j + 1] -= gp
    x = np.linalg.solve(a, b)
    return x[0::2], x[1::2]


@pytest.mark.parametrize("seed", [None, 1, 2, 3, 4])
def test_tree_matches_a_dense_solve_of_the_same_system(seed: int | None) -> None:
    # the Y tree above, and random trees
    topology = (PARENT, TIED) if seed is None else _random_topology(np.random.default_rng(seed))
    g, props = _y_tree(False, *topology, seed=7 if seed is None else seed)
    assert not g.is_chain
    n = g.n_sections
    phi = np.linspace(3.0, -2.0, n) ** 2 + 1.0  # any potentials
    n_steps, dt = 60, 0.005
    wave = np.zeros(n_steps)
    wave[5:25] = 1.0
    wave[25:35] = -0.5
    res = simulate(g, phi, np.array([-4.0]), wave, dt_ms=dt, n_steps=n_steps,
                   record_sections=np.arange(n))  # fmt: skip
    # the same initialisation: 40 steps of 5 ms from V = v_rest, U = 0
    v, u = np.full(n, -80.0), np.zeros(n)
    zero = np.zeros(n)
    for _ in range(40):
        v, u = _dense_step(props, v, u, zero, zero, 5.0)
    e_old = zero
    dense = np.empty((n, n_steps))
    for k in range(n_steps):
        e_new = -4.0 * wave[k] * phi
        v, u = _dense_step(props, v, u, e_old, e_new, dt)
        dense[:, k] = v
        e_old = e_new
    assert np.ptp(dense) > 1.0  # the stimulus moves the membrane
    assert_close(res.v_trace_mv[0], dense, atol=1e-9, what=f"V, tree {seed} vs dense solve",
                 unit="mV")  # fmt: skip


def test_backends_agree_on_an_active_tree_and_currents_sum_to_zero() -> None:
    g, _ = _y_tree(active=True)
    n = g.n_sections
    phi = 40.0 / (1.0 + 0.01 * np.abs(np.arange(n) - 3.0) ** 2)
    n_steps = 200
    wave = np.zeros(n_steps)
    wave[:20] = 1.0
    amps = np.array([-30.0, -1.0])
    kw = {"n_steps": n_steps, "record_sections": np.arange(n), "record_membrane_current": True}
    single = simulate(g, phi, amps[:1], wave, **kw)
    lanes = simulate(g, phi, amps, wave, **kw)
    numpy_ = simulate(g, phi, amps, wave, backend="numpy", **kw)
    assert lanes.ap_count[0].sum() > 0 and lanes.ap_count[1].sum() == 0
    assert lanes.detected[0]
    for other, name in ((numpy_, "numpy"), (single, "single-case kernel")):
        k = other.v_trace_mv.shape[0]
        assert_close(other.v_trace_mv, lanes.v_trace_mv[:k], atol=1e-8,
                     what=f"V, {name} vs lanes", unit="mV")  # fmt: skip
        assert_close(other.membrane_current_na, lanes.membrane_current_na[:k], atol=1e-9,
                     what=f"I_m, {name} vs lanes", unit="nA")  # fmt: skip
        np.testing.assert_array_equal(other.ap_count, lanes.ap_count[:k])
    pytest.importorskip("jax")
    jax_ = simulate(g, phi, amps, wave, backend="jax", **kw)
    assert_close(jax_.v_trace_mv, lanes.v_trace_mv, atol=1e-8, what="V, jax vs lanes", unit="mV")
    np.testing.assert_array_equal(jax_.ap_count, lanes.ap_count)
    # Kirchhoff: a sealed tree sends no net current into the bath in any step
    total = lanes.membrane_current_na.sum(axis=1)
    scale = np.abs(lanes.membrane_current_na).max()
    assert scale > 1.0
    assert_close(total, 0.0, atol=1e-12 * scale * n, what="sum of membrane currents", unit="nA")


def test_recorded_potential_is_the_weighted_sum_on_a_tree() -> None:
    g, _ = _y_tree(active=True)
    n = g.n_sections
    rec = np.random.default_rng(3).uniform(-1.0, 1.0, (2, n))
    wave = np.zeros(100)
    wave[:20] = 1.0
    res = simulate(g, np.full(n, 10.0), np.array([-30.0]), wave, n_steps=100,
                   recording_phi=rec, record_membrane_current=True)  # fmt: skip
    expected = np.einsum("lm,cmt->clt", rec, res.membrane_current_na) * 1e-3  # nV -> uV
    assert_close(res.recorded_uv, expected, rtol=1e-12, atol=1e-15, what="V_rec", unit="uV")


# --- detection in the C neuron ---------------------------------------------------------------


def test_c_neuron_counts_aps_at_the_central_end_and_at_named_sections() -> None:
    g = c_neuron_geometry(axon_length_um=500.0)
    ns = g.named_sections
    assert g.node_sections[g.detection_node] == ns["central_end"]
    dt, n_steps = 0.005, 2400
    istim = np.zeros(n_steps)
    istim[20:40] = 0.5  # 0.5 nA for 0.1 ms
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n_steps), dt_ms=dt,
                   n_steps=n_steps, intracellular_section=ns["peripheral_end"] - 1,
                   intracellular_na=istim)  # fmt: skip
    t = {name: res.first_ap_time_ms[0, g.node_index(name)] for name in ns}
    assert res.detected[0]
    # orthodromic: the peripheral end first, then the T junction, then the central end
    assert t["peripheral_end"] < t["t_junction"] < t["central_end"]
    assert np.isfinite(t["soma"])  # the soma is invaded
    with pytest.raises(InputError, match="name"):
        g.node_index("axon_hillock")
    # the branches' cut ends (and the node next to each) are ends; the soma (the root) is not
    ends = np.flatnonzero(cut_end_nodes(g))
    expected = [g.node_index(n) + k for n in ("peripheral_end", "central_end") for k in (-1, 0)]
    np.testing.assert_array_equal(ends, sorted(expected))


# --- topology checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "tied", "why"),
    [
        ([-1, 2, 0, 1], [1, 1, 1, 1], "parent\\[i\\] < i"),  # a parent numbered after its child
        ([-1, 0, 1, 1], [1, 0, 1, 1], "exactly one child"),  # a free section branches
        ([-1, 0, 1], [1, 1, 0], "exactly one child"),  # a free leaf
        ([-1, 0, 1], [0, 1, 1], "exactly one child"),  # a free root
        ([-1, 0, 0, 2], [1, 0, 1, 1], "exactly one child"),  # a free run's child not next
    ],
)
def test_bad_topologies_are_refused(parent: list[int], tied: list[int], why: str) -> None:
    with pytest.raises(InputError, match=why):
        check_topology(np.array(parent), np.array(tied, bool))
    check_topology(PARENT, TIED)  # the Y tree above is valid


def test_reroot_needs_a_node() -> None:
    g = mrg_geometry(10.0, 5)
    with pytest.raises(InputError, match="root_section"):
        reroot(g, 3)  # a STIN


def test_builders_refuse_bad_input() -> None:
    g, _ = _y_tree(active=False)
    with pytest.raises(InputError, match="detection"):
        type(g)(**{**g.__dict__, "detection": g.n_nodes})  # past the last node
    with pytest.raises(InputError, match="parent"):
        type(g)(**{**g.__dict__, "parent": np.array([-1, 0, 1, 2, 3, 4, 5, 3, 7, 8, 0, 0])})
    with pytest.raises(InputError, match="axon_length_um"):
        c_neuron_geometry(axon_length_um=1.0)
