"""Dorsal-column lamination (spec §3.2): caudal dermatomes medial, the entering segment lateral."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurostim.anatomy import dermatome_at, dermatomes, lamination, level_names, load_anatomy
from neurostim.errors import InputError

# rostro-caudal rank of every dermatome, written out independently of the package
ORDER = (
    [f"C{i}" for i in range(1, 9)]
    + [f"T{i}" for i in range(1, 13)]
    + [f"L{i}" for i in range(1, 6)]
    + [f"S{i}" for i in range(1, 6)]
)
RANK = {name: i for i, name in enumerate(ORDER)}


@pytest.mark.parametrize("level", ["C5", "T8", "T10", "T12"])
def test_bands_run_from_s5_to_the_entering_segment(level: str) -> None:
    names = dermatomes(level)
    segment = load_anatomy(level).cord_segment
    assert names[0] == "S5"  # the most caudal dermatome at the midline
    assert names[-1] == segment  # the root entering at this segment lies laterally
    # every dermatome from the segment down to S5 once, nothing rostral to the segment
    assert sorted(names, key=RANK.__getitem__) == ORDER[RANK[segment] :]


@pytest.mark.parametrize("level", ["C5", "T8", "T10", "T12"])
def test_sacral_bands_narrower_others_equal(level: str) -> None:
    t = lamination(level)
    width = t.x_outer_fraction - t.x_inner_fraction
    sacral = np.array([n.startswith("S") for n in t.dermatomes])
    assert np.allclose(width[~sacral], width[~sacral][0], atol=2e-6)
    assert np.all(width[sacral] < width[~sacral][0])
    assert t.x_inner_fraction[0] == 0.0 and t.x_outer_fraction[-1] == 1.0


@settings(max_examples=200, deadline=None)
@given(
    level=st.sampled_from(["C5", "T8", "T10", "T12"]),
    x=st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=30),
)
def test_caudal_dermatome_never_lateral_of_a_rostral_one(level: str, x: list[float]) -> None:
    names = dermatome_at(level, x, 2.0)
    lateral = np.abs(np.asarray(x))
    ranks = np.array([RANK[n] for n in names])
    order = np.argsort(lateral, kind="stable")
    # moving outwards from the midline, the rank (caudal = larger) never increases
    assert np.all(np.diff(ranks[order]) <= 0)


def test_vectorised_shape_side_and_edges() -> None:
    x = np.array([[0.0, 1.0], [-1.0, 1.5]])
    names = dermatome_at("T10", x, 1.5)
    assert names.shape == (2, 2)
    assert names[0, 1] == names[1, 0]  # left and right mirror
    assert names[0, 0] == "S5" and names[1, 1] == "T12"
    assert dermatome_at("T10", 0.0, 1.0).shape == ()


def test_band_edges_from_the_table() -> None:
    # T10 (cord segment T12): 5 sacral bands of weight 1/2 and 6 others (L5..L1, T12) of 1;
    # total weight 8.5, so S1 ends at 2.5/8.5 and L5 spans 2.5/8.5 to 3.5/8.5 of the half-width
    w = 8.5
    assert dermatome_at("T10", [2.4 / w, 2.6 / w, 3.4 / w, 3.6 / w], 1.0).tolist() == [
        "S1",
        "L5",
        "L5",
        "L4",
    ]


@pytest.mark.parametrize(
    ("x", "w", "field"),
    [
        ([0.0, 1.2], 1.0, "x_mm"),
        ([np.nan], 1.0, "x_mm"),
        ([0.1], 0.0, "half_width_mm"),
        ([0.1], -1.0, "half_width_mm"),
        ([0.1], float("inf"), "half_width_mm"),
    ],
)
def test_refusals(x: list[float], w: float, field: str) -> None:
    with pytest.raises(InputError) as err:
        dermatome_at("T10", x, w)
    assert err.value.field == field


def test_user_table_replaces_the_shipped_one(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "# two bands\ndermatome,x_inner_fraction,x_outer_fraction,weight,tag\n"
        "L5,0,0.3,1,ours\nL4,0.3,1.0,2,ours\n"
    )
    assert dermatome_at("T10", [0.2, 0.5], 1.0, file=f).tolist() == ["L5", "L4"]
    f.write_text(
        "dermatome,x_inner_fraction,x_outer_fraction,weight,tag\nL5,0,0.3,1,x\nL4,0.4,1.0,1,x\n"
    )
    with pytest.raises(InputError, match="tile"):
        lamination(file=f)
    f.write_text("dermatome,x_inner_fraction,x_outer_fraction,weight,tag\nQ9,0,1,1,x\n")
    with pytest.raises(InputError, match="dermatome"):
        lamination(file=f)


def test_every_shipped_level_has_a_table() -> None:
    for level in level_names():
        assert len(dermatomes(level)) >= 3
