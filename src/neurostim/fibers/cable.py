"""The cable step's equations, written once, and the system's reduction to the nodes.

Backward Euler on the two-layer cable gives a block-tridiagonal system with 2x2 blocks
(V, U per section; fiber-models.md section 8). Its pieces are defined here once and used by
every backend (the Numba kernels, the NumPy reference, JAX): ``step_coefficients`` (the
per-section terms for a step dt), ``diagonal_block`` and ``coupling_block`` (the matrix),
``section_rhs`` and ``node_rhs`` (the right side). They are plain arithmetic, valid on floats
(compiled for the kernels: ``NUMBA_STEP``) and on NumPy or JAX arrays.

The internodal sections are passive, so their
part of the matrix is the same at every step. ``reduce_to_nodes`` factorises each internode
(a run of sections under myelin between two nodes, ``tree.node_topology``) once (block Thomas)
and expresses its solution as

    x_internode = z - V_left zeta_L - V_right zeta_R,

z being the internode's response to its own right-hand side with the bounding node voltages at
zero, and zeta_L, zeta_R its responses to a unit voltage at the bounding node on the parent
side (left) and on the child side (right). Substituting this into the node equations leaves a
system in the node voltages alone whose only time-varying entries are the channel conductances
on its diagonal, with the sparsity of the node tree: tridiagonal for a straight fiber, one
coupling per node and parent node for a branched cell (every branch point is a node,
``tree.check_topology``). Per step the kernel then does a forward/back sweep with precomputed
factors per internode section (no divisions) and Hines' elimination over the nodes (leaves
first, then back from the root: ``hines_solve`` is its NumPy form). The result is the same
backward-Euler solution, to rounding (tests/fibers/test_solver.py compares with the plain
block elimination of the NumPy reference, tests/fibers/test_tree.py with a dense solve).

Membrane currents. The current a section sends into the extracellular medium during a step is
the net longitudinal current flowing into it at the step's end (charge is conserved in every
section: what comes in along the fiber leaves through its outer surface),

    I_i = sum_j [ G_a,ij ((V'_j + U'_j) - (V'_i + U'_i)) + G_p,ij (U'_j - U'_i) ] + I_stim,i,

over the neighbours j, with U' = E' where the periaxonal layer is tied to the bath
(``link_current``; outward positive, nA). By the section's two rows of the backward-Euler system
this is, at an internodal section, the current crossing the myelin, G_my (U' - E') +
(C_my/dt)((U' - E') - (U - E)), and at a node its membrane current (capacitive + ionic, with
the step's linearised channels) plus the periaxonal current arriving from the neighbouring
MYSA, which enters the bath there. A link between two sections both tied to the bath carries
no fiber current (G_p taken as 0: ``bath_periaxonal_us``). The sum over a sealed fiber
telescopes to the injected intracellular current (0 without one) in every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.tree import check_topology, link_sum, node_topology


@dataclass(frozen=True)
class NodeReduction:
    """Precomputed factors for one geometry and time step (arrays over sections unless noted).

    fixed : (n_fixed,) sections whose periaxonal potential is tied to the bath (the nodes).
    active_fixed : (n_active,) position of each active section in ``fixed``.
    parent : (n_sections,) parent section (-1 for the root; ``tree.py``).
    dinv, w : (n_sections, 4) block-Thomas inverse diagonal blocks and multipliers of the
        internode sections (row-major 2x2).
    zeta_l, zeta_r : (n_sections, 2) internode responses to unit voltage at the node on the
        parent side (left) and on the child side (right).
    diag0 : (n_fixed,) diagonal of the node system without the channel conductances.
    node_parent : (n_fixed,) parent node (index into ``fixed``, -1 for the root).
    lower, upper : (n_fixed,) the node system's coupling of node f and its parent node:
        coefficient of V_parent in f's row and of V_f in the parent's row (0 at the root).
    span_start, span_end, span_left, span_right : (n_spans,) each internode's first and last
        section and its bounding nodes (indices into ``fixed``), ``tree.NodeTopology``.
    link_node, link_index, link_other, link_other_free : (n_node_links,) every link that ends
        at a node: the node (index into ``fixed``), the link, the section at its other end, and
        1 where that section is an internode section (its reduced solution enters the node's
        right side) or 0 where it is a node (its E' does).
    c, m, cmy, eta0, sa : (n_sections,) C/dt, G_my + C_my/dt, C_my/dt, passive g E, sum of G_a.
    gp_bath : (n_sections - 1,) periaxonal coupling of each link as seen by the membrane
        currents (``bath_periaxonal_us``).
    """

    fixed: NDArray[np.int64]
    active_fixed: NDArray[np.int64]
    parent: NDArray[np.int64]
    dinv: NDArray[np.float64]
    w: NDArray[np.float64]
    zeta_l: NDArray[np.float64]
    zeta_r: NDArray[np.float64]
    diag0: NDArray[np.float64]
    node_parent: NDArray[np.int64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    span_start: NDArray[np.int64]
    span_end: NDArray[np.int64]
    span_left: NDArray[np.int64]
    span_right: NDArray[np.int64]
    link_node: NDArray[np.int64]
    link_index: NDArray[np.int64]
    link_other: NDArray[np.int64]
    link_other_free: NDArray[np.int64]
    c: NDArray[np.float64]
    m: NDArray[np.float64]
    cmy: NDArray[np.float64]
    eta0: NDArray[np.float64]
    sa: NDArray[np.float64]
    gp_bath: NDArray[np.float64]


def diagonal_block(cg: Any, sa: Any, msp: Any) -> tuple[Any, Any, Any, Any]:
    """Diagonal block of an internode section, rows (V, U): [[cg + S_a, S_a], [-cg, m + S_p]].

    ``cg`` = C/dt + the section's linearised membrane conductance, ``sa`` = S_a, ``msp`` =
    G_my + C_my/dt + S_p. A section whose periaxonal layer is tied to the bath has the U row
    [0, 1] instead (U' = E'). Returned row-major (d00, d01, d10, d11).
    """
    return cg + sa, sa, -cg, msp


def coupling_block(ga: Any, gp: Any) -> tuple[Any, Any, Any, Any]:
    """Block coupling neighbours i, j (both directions): [[-G_a, -G_a], [0, -G_p]], row-major.

    The V row couples through -G_a (V_j + U_j) (the intracellular potential V + U), the U row
    through -G_p U_j; a row whose U is tied to the bath has no U coupling (G_p taken as 0).
    """
    return -ga, -ga, 0.0 * gp, -gp


def section_rhs(
    c: Any, m: Any, cmy: Any, v_mv: Any, u_mv: Any, eta: Any, e_new_mv: Any, e_old_mv: Any
) -> tuple[Any, Any]:
    """Right side of a section's (V, U) rows for the step to E' = ``e_new_mv``.

    c V + eta and m E' - (C_my/dt)(E - U) - (c V + eta), with c = C/dt, m = G_my + C_my/dt,
    eta the linearised membrane current's constant part (nA); couplings to the bounding nodes
    are added by the caller.
    """
    r0 = c * v_mv + eta
    return r0, m * e_new_mv - cmy * (e_old_mv - u_mv) - r0


def node_rhs(c: Any, v_mv: Any, eta: Any, sa: Any, e_new_mv: Any) -> Any:
    """Right side of a node's V row (its U is E'): c V + eta - S_a E', before the couplings."""
    return c * v_mv + eta - sa * e_new_mv


def link_current(ga: Any, gp: Any, v_i: Any, u_i: Any, v_j: Any, u_j: Any) -> Any:
    """Current (nA) flowing along the fiber from section j into its neighbour i at the step's end.

    G_a ((V_j + U_j) - (V_i + U_i)) + G_p (U_j - U_i): the axial current (intracellular
    potential V + U) plus the periaxonal current; ``gp`` from ``bath_periaxonal_us``.
    """
    return ga * ((v_j + u_j) - (v_i + u_i)) + gp * (u_j - u_i)


def bath_periaxonal_us(g: CableGeometry) -> NDArray[np.float64]:
    """G_p of each link, 0 where both ends are tied to the bath (shape (n_sections - 1,)).

    Between two such sections the periaxonal conductor joins two points of the bath; the cable
    equations do not contain it and no current crosses the fiber's surface through it.
    """
    tied = np.asarray(g.u_fixed, bool)
    parent = g.parents
    return np.where(tied[parent[1:]] & tied[1:], 0.0, g.g_periaxonal_us)


class StepEquations(NamedTuple):
    """The right-side equations and the link current, compiled for one backend."""

    section_rhs: Callable[..., tuple[Any, Any]]
    node_rhs: Callable[..., Any]
    link_current: Callable[..., Any]


_jit = njit(cache=True, error_model="numpy", inline="always")
NUMBA_STEP = StepEquations(_jit(section_rhs), _jit(node_rhs), _jit(link_current))
"""``section_rhs``, ``node_rhs`` and ``link_current`` compiled for the Numba kernels."""


def _inv2(d: NDArray[np.float64]) -> NDArray[np.float64]:
    det = d[0, 0] * d[1, 1] - d[0, 1] * d[1, 0]
    return np.array([[d[1, 1], -d[0, 1]], [-d[1, 0], d[0, 0]]]) / det


def step_coefficients(
    g: CableGeometry, dt_ms: float
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
]:
    """Per-section terms of the backward-Euler matrix for the step ``dt_ms``.

    Returns
    -------
    c, cmy, m, sa, sp : ndarrays of shape (n_sections,)
        C/dt, C_my/dt, G_my + C_my/dt, and the sums of G_a and of G_p over each section's
        neighbours.
    """
    c = g.capacitance_nf / dt_ms
    cmy = g.c_myelin_nf / dt_ms
    m = g.g_myelin_us + cmy
    parent = g.parents
    return c, cmy, m, link_sum(parent, g.g_axial_us), link_sum(parent, g.g_periaxonal_us)


def reduce_to_nodes(g: CableGeometry, dt_ms: float) -> NodeReduction:
    """Factorise the internodes of ``g`` for the step ``dt_ms`` (see the module docstring).

    The internodes are the free runs of ``tree.node_topology``; what remains is a system in the
    node voltages with the node tree's sparsity (tridiagonal for a chain), solved per step by
    Hines' elimination over the nodes, leaves first.
    """
    n = g.n_sections
    parent = g.parents
    check_topology(parent, g.u_fixed)
    topo = node_topology(parent, g.u_fixed)
    fixed = topo.fixed
    pos = np.full(n, -1)
    pos[fixed] = np.arange(fixed.size)
    active_fixed = pos[g.active_sections].astype(np.int64)
    if np.any(active_fixed < 0):
        raise InputError("geometry", g.model, "channels are supported at nodes only")
    ga, gp = g.g_axial_us, g.g_periaxonal_us
    c, cmy, m, sa, sp = step_coefficients(g, dt_ms)
    dinv = np.zeros((n, 4))
    w = np.zeros((n, 4))
    zeta_l = np.zeros((n, 2))
    zeta_r = np.zeros((n, 2))
    n_f = fixed.size
    diag0 = c[fixed] + sa[fixed]
    lower = np.zeros(n_f)
    upper = np.zeros(n_f)
    for f in range(1, n_f):  # adjacent nodes: -G_a (V_j + E_j)
        s = fixed[f]
        if g.u_fixed[parent[s]]:
            lower[f] = upper[f] = -ga[s - 1]
    for k in range(topo.span_start.size):
        a, b = int(topo.span_start[k]), int(topo.span_end[k])
        f_l, f_r = topo.span_left[k], topo.span_right[k]
        blocks: dict[int, NDArray[np.float64]] = {}
        for i in range(a, b + 1):
            d = np.reshape(diagonal_block(c[i] + g.g_leak_us[i], sa[i], m[i] + sp[i]), (2, 2))
            if i > a:
                low = np.reshape(coupling_block(ga[i - 1], gp[i - 1]), (2, 2))
                up_prev = low  # symmetric couplings inside an internode
                wi = low @ blocks[i - 1]
                d = d - wi @ up_prev
                w[i] = wi.ravel()
            blocks[i] = _inv2(d)
            dinv[i] = blocks[i].ravel()

        def solve(rhs: NDArray[np.float64], a: int = a, b: int = b) -> NDArray[np.float64]:
            rp = rhs.copy()
            for i in range(a + 1, b + 1):
                rp[i] -= w[i].reshape(2, 2) @ rp[i - 1]
            x = np.zeros_like(rp)
            for i in range(b, a - 1, -1):
                s = rp[i].copy()
                if i < b:
                    s -= np.reshape(coupling_block(ga[i], gp[i]), (2, 2)) @ x[i + 1]
                x[i] = dinv[i].reshape(2, 2) @ s
            return x

        rhs = np.zeros((n, 2))
        rhs[a, 0] = -ga[a - 1]
        zeta_l[a : b + 1] = solve(rhs)[a : b + 1]
        rhs = np.zeros((n, 2))
        rhs[b, 0] = -ga[b]
        zeta_r[a : b + 1] = solve(rhs)[a : b + 1]
        # the parent-side node f_l and the child-side node f_r, whose parent node f_l is
        diag0[f_l] += ga[a - 1] * (zeta_l[a, 0] + zeta_l[a, 1])
        upper[f_r] = ga[a - 1] * (zeta_r[a, 0] + zeta_r[a, 1])
        diag0[f_r] += ga[b] * (zeta_r[b, 0] + zeta_r[b, 1])
        lower[f_r] = ga[b] * (zeta_l[b, 0] + zeta_l[b, 1])
    # links ending at a node: (node, link, other end)
    link_node, link_index, link_other = [], [], []
    for s in range(1, n):
        for here, there in ((s, parent[s]), (parent[s], s)):
            if g.u_fixed[here]:
                link_node.append(pos[here])
                link_index.append(s - 1)
                link_other.append(there)
    other = np.array(link_other, np.int64)
    return NodeReduction(
        fixed=fixed,
        active_fixed=active_fixed,
        parent=np.ascontiguousarray(parent, np.int64),
        dinv=dinv,
        w=w,
        zeta_l=zeta_l,
        zeta_r=zeta_r,
        diag0=diag0,
        node_parent=topo.node_parent,
        lower=lower,
        upper=upper,
        span_start=topo.span_start,
        span_end=topo.span_end,
        span_left=topo.span_left,
        span_right=topo.span_right,
        link_node=np.array(link_node, np.int64),
        link_index=np.array(link_index, np.int64),
        link_other=other,
        link_other_free=(~np.asarray(g.u_fixed, bool)[other]).astype(np.int64),
        c=c,
        m=m,
        cmy=cmy,
        eta0=g.g_leak_us * g.e_leak_mv,
        sa=sa,
        gp_bath=bath_periaxonal_us(g),
    )


def hines_solve(
    node_parent: NDArray[np.int64],
    diag: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    rhs: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Solve the node system by Hines' elimination (NumPy, batched over leading axes).

    ``diag``, ``rhs`` (..., n_fixed); ``node_parent``, ``lower``, ``upper`` (n_fixed,) as in
    ``NodeReduction``. Leaves first (descending index) folds every node into its parent, then
    the root's value and the substitution back down the tree.
    """
    d = np.array(diag, dtype=np.float64, copy=True)
    r = np.array(rhs, dtype=np.float64, copy=True)
    for f in range(node_parent.size - 1, 0, -1):
        p = node_parent[f]
        mult = upper[f] / d[..., f]
        d[..., p] -= mult * lower[f]
        r[..., p] -= mult * r[..., f]
    x = np.empty_like(r)
    x[..., 0] = r[..., 0] / d[..., 0]
    for f in range(1, node_parent.size):
        x[..., f] = (r[..., f] - lower[f] * x[..., node_parent[f]]) / d[..., f]
    return x


__all__ = [
    "NUMBA_STEP",
    "NodeReduction",
    "StepEquations",
    "bath_periaxonal_us",
    "coupling_block",
    "diagonal_block",
    "hines_solve",
    "link_current",
    "node_rhs",
    "reduce_to_nodes",
    "section_rhs",
    "step_coefficients",
]
