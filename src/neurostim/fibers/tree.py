"""Branched cables: section topology, its checks, the tree of nodes, and re-rooting.

A cell is a tree of sections (one compartment each). ``parent[i]`` is the section that section
i hangs from, -1 for the root; link i - 1 joins section i to ``parent[i]`` and carries the
couplings ``g_axial_us[i - 1]`` and ``g_periaxonal_us[i - 1]`` (1/(r_i + r_parent), the series
sum of the two half-resistances, as NEURON joins sections). A straight fiber is the chain
parent = (-1, 0, 1, ..., n - 2): link i - 1 joins i - 1 and i, the arrays' chain meaning.

**Numbering: parents before children** (``parent[i] < i``, section 0 the root), as a depth-first
walk from the root lays it out: the first child of a section is the next index. Hines'
elimination (Hines 1984, as NEURON solves branched cells) then runs over the indices from the
last to the first, folding each section into its parent once all its children have been folded
into it, and substitutes back from the root: O(n), no fill-in, for any tree.

Sections whose periaxonal layer is free (internodal MYSA/FLUT/STIN under myelin) must form
unbranched runs between two sections tied to the bath: such a section is not the root and has
exactly one child, the next index. Every branch point, the root and every leaf is therefore a
node (U = E: nodes of Ranvier, the T node, soma, initial segment, all of a Sundt cable). The
solver reduces each run to its two bounding nodes (``cable.reduce_to_nodes``), which leaves the
*node tree* of ``node_topology`` for Hines' elimination. ``check_topology`` enforces the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError

if TYPE_CHECKING:
    from neurostim.fibers.geometry import CableGeometry


def chain_parent(n_sections: int) -> NDArray[np.int64]:
    """The parent array of a straight chain, (-1, 0, 1, ..., n_sections - 2)."""
    return np.arange(-1, n_sections - 1, dtype=np.int64)


def check_topology(parent: NDArray[np.int64], u_fixed: NDArray[np.bool_]) -> None:
    """Raise ``InputError`` unless ``parent`` (n_sections,) is a tree numbered parents first
    whose free (not tied to the bath) sections form unbranched runs between nodes."""
    p = np.asarray(parent)
    n = p.size
    if p.ndim != 1 or n < 1 or np.asarray(u_fixed).shape != (n,):
        raise InputError("parent", p.shape, "must have shape (n_sections,) like u_fixed")
    if p[0] != -1 or np.any(p[1:] < 0) or np.any(p[1:] >= np.arange(1, n)):
        raise InputError(
            "parent", p.tolist()[:12], "section 0 is the root (-1) and parent[i] < i for i > 0"
        )
    n_children = np.bincount(p[1:], minlength=n)
    free = np.flatnonzero(~np.asarray(u_fixed, bool))
    bad = [int(i) for i in free if i == 0 or n_children[i] != 1 or i + 1 >= n or p[i + 1] != i]
    if bad:
        raise InputError(
            "parent",
            f"free sections {bad[:6]}",
            "a section with a free periaxonal layer must have exactly one child, the next "
            "index; the root, leaves and branch points must be tied to the bath (nodes)",
        )


def link_sum(parent: NDArray[np.int64], link_values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum over each section's links of ``link_values`` (n_sections - 1,) -> (n_sections,)."""
    out = np.zeros(parent.size)
    out[1:] += link_values
    np.add.at(out, parent[1:], link_values)
    return out


def is_chain(parent: NDArray[np.int64]) -> bool:
    """True when ``parent`` is the straight chain (-1, 0, ..., n - 2)."""
    return bool(np.array_equal(parent, chain_parent(parent.size)))


@dataclass(frozen=True)
class NodeTopology:
    """The tree that remains once the free runs are reduced to their bounding nodes.

    fixed : (n_fixed,) sections tied to the bath (the nodes of the reduced system), ascending.
    node_parent : (n_fixed,) index into ``fixed`` of each node's parent node, -1 for the root;
        ``node_parent[f] < f``.
    span_start, span_end : (n_spans,) first and last section of each free run (consecutive
        indices, the run's parent side first).
    span_left, span_right : (n_spans,) index into ``fixed`` of the node on the parent side of
        the run (``parent[span_start]``) and on the child side (``span_end + 1``).
    """

    fixed: NDArray[np.int64]
    node_parent: NDArray[np.int64]
    span_start: NDArray[np.int64]
    span_end: NDArray[np.int64]
    span_left: NDArray[np.int64]
    span_right: NDArray[np.int64]


def node_topology(parent: NDArray[np.int64], u_fixed: NDArray[np.bool_]) -> NodeTopology:
    """The node tree of a checked topology (``check_topology``)."""
    tied = np.asarray(u_fixed, bool)
    fixed = np.flatnonzero(tied).astype(np.int64)
    pos = np.full(parent.size, -1, np.int64)
    pos[fixed] = np.arange(fixed.size)
    # the run a free section belongs to starts where its parent is a node
    starts = [int(i) for i in np.flatnonzero(~tied) if tied[parent[i]]]
    ends = []
    for a in starts:
        b = a
        while not tied[b + 1]:
            b += 1
        ends.append(b)
    span_start = np.array(starts, np.int64)
    span_end = np.array(ends, np.int64)
    span_left = pos[parent[span_start]] if starts else np.zeros(0, np.int64)
    span_right = pos[span_end + 1] if starts else np.zeros(0, np.int64)
    node_parent = np.full(fixed.size, -1, np.int64)
    for f, s in enumerate(fixed[1:], start=1):
        p = parent[s]
        node_parent[f] = pos[p] if tied[p] else -2  # through a run: set below
    node_parent[span_right] = span_left
    return NodeTopology(fixed, node_parent, span_start, span_end, span_left, span_right)


def cut_end_nodes(g: CableGeometry) -> NDArray[np.bool_]:
    """Detector nodes at the cut ends of a cell, shape (n_nodes,): for a chain nodes 0, 1,
    N - 2, N - 1; for a tree every leaf but the root (the cell body) and the detector node next
    to it. An AP that starts there is an artifact of the sealed end (``end-excitation``)."""
    n_nodes = g.n_nodes
    out = np.zeros(n_nodes, bool)
    if g.is_chain:
        out[[0, 1, n_nodes - 2, n_nodes - 1]] = True
        return out
    parent = g.parents
    where = np.full(g.n_sections, -1)
    where[g.node_sections] = np.arange(n_nodes)
    has_child = np.zeros(g.n_sections, bool)
    has_child[parent[1:]] = True
    for leaf in np.flatnonzero(~has_child):
        found = 0
        s = int(leaf)
        while s > 0 and found < 2:
            if where[s] >= 0:
                out[where[s]] = True
                found += 1
            s = int(parent[s])
    return out


def reroot(g: CableGeometry, root_section: int) -> CableGeometry:
    """The same cell numbered from another root (a node): a depth-first walk from it.

    Every coefficient and link conductance is carried over; ``node_sections`` and
    ``active_sections`` keep their order (so results per node compare directly), holding the
    new indices. Returns the geometry and, in ``extra["old_index"]``, the old index of every new
    section (n_sections,).
    """
    n = g.n_sections
    if not (0 <= root_section < n and g.u_fixed[root_section]):
        raise InputError("root_section", root_section, "must be a section tied to the bath")
    parent = g.parents
    nbrs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for s in range(1, n):
        nbrs[s].append((int(parent[s]), s - 1))
        nbrs[int(parent[s])].append((s, s - 1))
    order: list[int] = []
    new_parent_old: list[int] = []
    link_of: list[int] = []
    stack = [(int(root_section), -1, -1)]
    seen = np.zeros(n, bool)
    while stack:
        s, p, link = stack.pop()
        seen[s] = True
        order.append(s)
        new_parent_old.append(p)
        link_of.append(link)
        for t, lk in sorted(nbrs[s], reverse=True):  # lowest old index visited first
            if not seen[t]:
                stack.append((t, s, lk))
    old = np.array(order, np.int64)
    new_of = np.empty(n, np.int64)
    new_of[old] = np.arange(n)
    new_parent = np.array([-1] + [int(new_of[p]) for p in new_parent_old[1:]], np.int64)
    links = np.array(link_of[1:], np.int64)
    tied = np.asarray(g.u_fixed, bool)[old]
    check_topology(new_parent, tied)
    return replace(
        g,
        kind=tuple(g.kind[i] for i in old),
        length_um=g.length_um[old],
        arc_um=g.arc_um[old],
        capacitance_nf=g.capacitance_nf[old],
        g_leak_us=g.g_leak_us[old],
        e_leak_mv=g.e_leak_mv[old],
        g_axial_us=g.g_axial_us[links],
        g_periaxonal_us=g.g_periaxonal_us[links],
        g_myelin_us=g.g_myelin_us[old],
        c_myelin_nf=g.c_myelin_nf[old],
        u_fixed=tied,
        active_sections=new_of[g.active_sections],
        node_sections=new_of[g.node_sections],
        parent=new_parent,
        named_sections={k: int(new_of[v]) for k, v in g.named_sections.items()},
        extra={**g.extra, "old_index": old},
    )


__all__ = [
    "NodeTopology",
    "chain_parent",
    "check_topology",
    "cut_end_nodes",
    "is_chain",
    "link_sum",
    "node_topology",
    "reroot",
]
