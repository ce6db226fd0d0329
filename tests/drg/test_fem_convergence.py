"""Mesh convergence of the DRG field: the coarse mesh against the default one (slow).

RC-L5 as shipped, its lead with all four contacts, equipotential contacts, P2. Compared: the
unit potential of every contact at the somata and T-junctions of a seeded population (20 per
type, seed 1: 120 neurons, 240 points in the cell-body region and the fiber core), as
|V_coarse − V_default| relative to the largest |V_default| of that contact over the points (a
constant shift does not excite; the largest value sets the scale). Tolerance 1 % (measured
0.14 %, median 0.04 %; pointwise at most 0.16 %: docs/drg.md, "Finite-element field"). Both
levels mesh the thin layers at their thickness and are about the same size (695 000 and
683 000 elements), so this checks that the sizes outside the thin layers do not matter here.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.drg import DRGFEM, drg_population, load_drg_geometry

pytest.importorskip(
    "ngsolve", reason="the finite-element tests need NGSolve: neurostim[fem]", exc_type=ImportError
)

TOLERANCE = 0.01
"""Largest change, coarse to default, relative to each contact's largest potential."""


@pytest.mark.slow
def test_coarse_mesh_is_within_tolerance_of_the_default_mesh() -> None:
    g = load_drg_geometry("L5")
    pop = drg_population(g, n_per_type=20, seed=1)
    points = np.vstack([pop.soma_center_mm, pop.t_junction_mm])
    values = {}
    for level in ("coarse", "default"):
        fem = DRGFEM(g, mesh_level=level)
        values[level] = fem.unit_potentials_mv(fem.contacts, points)
        assert fem.describe()["solver_status"] == ["ok"] * 4
    ref = values["default"]
    scale = np.max(np.abs(ref), axis=1, keepdims=True)
    change = np.max(np.abs(values["coarse"] - ref) / scale)
    assert change <= TOLERANCE, f"coarse vs default: largest change {100 * change:.2f} %"
