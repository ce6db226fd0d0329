"""Dorsal-column fibers of a spinal-cord anatomy, tagged by dermatome and side."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.anatomy import dermatomes, load_anatomy
from neurostim.errors import InputError
from neurostim.fibers.spinal import dorsal_column_grid


def test_every_dermatome_of_the_level_has_fibers_on_both_sides() -> None:
    a = load_anatomy("T10")
    s = dorsal_column_grid(a, diameters_um=(10.0,), class_fractions=(1.0,), depths_mm=(0.2,))
    for side in ("left", "right"):
        assert set(s.dermatome[s.side == side]) == set(dermatomes("T10"))
    assert np.all((s.ml_mm < 0) == (s.side == "left"))
    assert s.population.tolist() == ["dc"] * s.n_fibers
    assert np.isclose(s.fibers.weight.sum(), 1.0)


def test_caudal_dermatomes_lie_medial() -> None:
    # docs/reference/spinal-cord.md §3.2: at any level the most caudal dermatomes lie medial
    a = load_anatomy("T10")
    s = dorsal_column_grid(a, diameters_um=(10.0,), class_fractions=(1.0,), depths_mm=(0.2,))
    right = s.side == "right"
    order = [str(d) for d in s.dermatome[right][np.argsort(s.ml_mm[right])]]
    assert order[0] == "S5" and order[-1] == dermatomes("T10")[-1]


def test_fibers_sit_their_depth_below_the_cord_surface() -> None:
    a = load_anatomy("T8")
    _, cy, semi_t, semi_ap = a.boundaries()["cord"]
    s = dorsal_column_grid(a, ml_mm=(0.0, 1.0), depths_mm=(0.25,), diameters_um=(10.0,),
                           class_fractions=(1.0,), seed=None)  # fmt: skip
    y = np.array([v[0, 1] for v in s.fibers.vertices_mm])
    surface = cy - semi_ap * np.sqrt(1 - (np.array([0.0, 1.0]) / semi_t) ** 2)
    np.testing.assert_allclose(y, surface + 0.25, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"depths_mm": (0.9,)}, "depths_mm"), ({"ml_mm": (9.0,)}, "ml_mm"),
     ({"class_fractions": (0.5, 0.5, 0.5)}, "class_fractions")],
)  # fmt: skip
def test_bad_grids_are_refused(kwargs, field) -> None:
    with pytest.raises(InputError, match=field):
        dorsal_column_grid(load_anatomy("T10"), **kwargs)
