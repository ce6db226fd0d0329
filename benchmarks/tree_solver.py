"""Claim: the tree solver costs within 1.5x the chain solver per compartment and step.

Times ``simulate`` (Numba kernels, no stimulus, no early exit) on straight fibers and on
branched cells of the same kinetics and prints the cost per compartment-step and the ratio:

- Sundt kinetics: a straight 1235-compartment Sundt fiber (1 um) against the pseudounipolar C
  neuron of ``cells.c_neuron_geometry`` (1235 compartments: soma, stem, T junction, two T
  sections and two 5 mm axons);
- MRG kinetics: a straight 10 um MRG fiber (51 nodes, 551 sections) against the same fiber
  numbered from its middle node (``tree.reroot``: a tree whose root has two branches).

Both the single-case kernel (1 case) and the 8-lane kernel (8 cases) are timed, best of
``--repeat``. ``--chain-only`` times the straight fibers alone, so that the same script run
against an older checkout (PYTHONPATH) gives the chain cost before the tree solver existed.

    PYTHONPATH=src python benchmarks/tree_solver.py [--steps 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from neurostim.fibers import mrg_geometry, simulate, sundt_geometry


def _runner(g, n_cases: int, n_steps: int):
    phi = np.zeros(g.n_sections)
    amp = np.zeros(n_cases)
    wave = np.zeros(n_steps)
    simulate(g, phi, amp, wave, n_steps=10)  # compile and cache the rest state

    def run() -> float:
        t0 = time.perf_counter()
        simulate(g, phi, amp, wave, n_steps=n_steps)
        return (time.perf_counter() - t0) / (n_cases * n_steps * g.n_sections) * 1e9

    return run


def costs_ns(geometries: list, n_cases: int, n_steps: int, repeat: int) -> list[float]:
    """Best wall time per compartment-step (ns) of ``n_cases`` cases of each geometry, the
    geometries timed in turn within each repeat (a shared machine's load hits them alike)."""
    runs = [_runner(g, n_cases, n_steps) for g in geometries]
    best = [np.inf] * len(runs)
    for _ in range(repeat):
        for k, run in enumerate(runs):
            best[k] = min(best[k], run())
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chain-only", action="store_true")
    args = ap.parse_args()
    pairs = [("Sundt", sundt_geometry(1.0, 1235)), ("MRG 10 um", mrg_geometry(10.0, 51))]
    trees = {}
    if not args.chain_only:
        from neurostim.fibers.cells import c_neuron_geometry
        from neurostim.fibers.tree import reroot

        mrg = pairs[1][1]
        trees = {
            "Sundt": ("C neuron", c_neuron_geometry()),
            "MRG 10 um": ("rerooted at node 25", reroot(mrg, int(mrg.node_sections[25]))),
        }
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    print(f"{args.steps} steps, best of {args.repeat}; ns per compartment-step\n")
    print("| kinetics | cases | chain (sections) | ns | tree (sections) | ns | tree / chain |")
    print("|---|---|---|---|---|---|---|")
    for name, chain in pairs:
        for n_cases in (1, 8):
            if name in trees:
                label, tree = trees[name]
                c, t = costs_ns([chain, tree], n_cases, args.steps, args.repeat)
                print(f"| {name} | {n_cases} | straight ({chain.n_sections}) | {c:.2f} | "
                      f"{label} ({tree.n_sections}) | {t:.2f} | {t / c:.2f} |")  # fmt: skip
            else:
                (c,) = costs_ns([chain], n_cases, args.steps, args.repeat)
                print(f"| {name} | {n_cases} | straight ({chain.n_sections}) | {c:.2f} | | | |")


if __name__ == "__main__":
    main()
