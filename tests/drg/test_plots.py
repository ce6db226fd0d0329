"""The DRG figure: written atomically; each neuron type differs in colour and in marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.drg import drg_population, load_drg_geometry, place_lead, plot_drg
from neurostim.drg.plots import TYPE_STYLE
from neurostim.errors import InputError


def test_colour_is_never_the_only_cue() -> None:
    styles = list(TYPE_STYLE.values())
    assert len({s["marker"] for s in styles}) == len(styles)
    assert len({s["color"] for s in styles}) == len(styles)


def test_plot_written(tmp_path: Path) -> None:
    g = load_drg_geometry(sleeve_csf_mm=0.3)
    out = plot_drg(g, tmp_path / "map.png", population=drg_population(g, 20, seed=1),
                   placement=place_lead(g), section_x_mm=-2.0)  # fmt: skip
    assert out.exists() and out.stat().st_size > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no partial file left


def test_plot_refuses_a_bad_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        plot_drg(load_drg_geometry(), tmp_path / "map.txt")
    assert err.value.field == "plot"
