"""Conductivity sets: the values of spec §2 with a source per value; Khadka corners."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.anatomy import TISSUES, conductivity_corners, conductivity_names, conductivity_set
from neurostim.errors import InputError

# spec §2 (S/m): default set (JN-T1 tissues, dura 0.6 Lempka/Howell), Twente dura 0.03,
# Khadka 2025 spreads dura 0.02-0.6 and epidural 0.025-0.25
DEFAULT = {
    "grey": 0.23,
    "white_longitudinal": 0.6,
    "white_transverse": 0.083,
    "csf": 1.7,
    "dura": 0.6,
    "epidural": 0.04,
    "bone": 0.02,
    "outer": 0.25,
}


def test_shipped_names() -> None:
    assert conductivity_names() == ["khadka-high", "khadka-low", "lempka-like", "twente"]


def test_default_set_is_spec_2() -> None:
    assert conductivity_set().values_s_per_m() == DEFAULT


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("twente", {"dura": 0.03}),
        ("khadka-low", {"dura": 0.02, "epidural": 0.025}),
        ("khadka-high", {"dura": 0.6, "epidural": 0.25}),
    ],
)
def test_other_sets_differ_from_the_default_only_where_spec_says(name: str, changes: dict) -> None:
    assert conductivity_set(name).values_s_per_m() == {**DEFAULT, **changes}


@pytest.mark.parametrize("name", ["khadka-high", "khadka-low", "lempka-like", "twente"])
def test_every_value_has_a_tagged_source(name: str) -> None:
    s = conductivity_set(name)
    assert set(s.sources) == set(TISSUES)
    for tissue, text in s.sources.items():
        assert text.startswith(("[S]", "[R]", "[ours]")) and len(text) > 12, tissue


def test_khadka_corners_span_both_ranges() -> None:
    corners = conductivity_corners()
    pairs = {(c.dura, c.epidural) for c in corners}
    assert pairs == {(0.02, 0.025), (0.02, 0.25), (0.6, 0.025), (0.6, 0.25)}
    for c in corners:
        assert (c.grey, c.csf, c.bone) == (0.23, 1.7, 0.02)


def test_user_set_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    rows = "\n".join(
        f'{t} = {{ value = {v}, tag = "ours", source = "bench" }}'
        for t, v in {**DEFAULT, "outer": 1.6}.items()
    )
    f.write_text('name = "bath"\n' + rows + "\n")
    s = conductivity_set(f)
    assert (s.name, s.outer) == ("bath", 1.6)
    f.write_text('name = "bath"\n' + rows.replace("value = 0.23", "value = -1") + "\n")
    with pytest.raises(InputError) as err:
        conductivity_set(f)
    assert err.value.field == "conductivity.grey" and "S/m" in err.value.message


def test_with_values_validates_and_names_the_change() -> None:
    s = conductivity_set().with_values(dura=0.1)
    assert s.dura == 0.1 and "dura=0.1" in s.name
    with pytest.raises(InputError):
        conductivity_set().with_values(dura=float("nan"))
    with pytest.raises(InputError):
        conductivity_set().with_values(fat=0.1)


def test_unknown_set() -> None:
    with pytest.raises(InputError) as err:
        conductivity_set("lempka")
    assert "lempka-like" in err.value.message
