"""The DRG neuron builder: geometry against the published numbers it restates, sites, layout.

Independent checks: the C neuron at its defaults equals ``fibers.cells.c_neuron_geometry``
(built separately from the same SU15 data) section by section; the Aβ stem and branch
internodes are recomputed here from the GRc/AD03 numbers of drg.md §3.1 (node-to-node lengths
201, 168, 130, 85 µm; FLUT 35 µm; lamellae × 1, 0.662, 0.486, 0.077; first branch internodes
0.294/0.428/0.714 and 0.247/0.538/0.807 of the MRG node spacing).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.drg import (
    SITES,
    neuron_geometry,
    section_layout,
    section_points_mm,
    section_sites,
)
from neurostim.errors import InputError
from neurostim.fibers.cells import c_neuron_geometry
from neurostim.fibers.mrg import mrg_parameters


def _abeta(**kw: float) -> object:
    return neuron_geometry("abeta", peripheral_um=12.8, stem_um=12.8, central_um=10.0, **kw)


def test_c_neuron_at_its_defaults_is_the_sundt_cell() -> None:
    g = neuron_geometry("c", peripheral_um=0.8, stem_um=1.4, central_um=0.4)
    ref = c_neuron_geometry()
    assert g.kind == ref.kind and g.named_sections == ref.named_sections
    for key in ("length_um", "capacitance_nf", "g_leak_us", "e_leak_mv", "g_axial_us",
                "active_area_cm2", "node_sections", "parent"):  # fmt: skip
        np.testing.assert_array_equal(getattr(g, key), getattr(ref, key), err_msg=key)
    assert g.detection == ref.detection and g.channel_params == ref.channel_params
    np.testing.assert_array_equal(g.channel_scales, ref.channel_scales)  # soma Na 0.02/0.04


@pytest.mark.parametrize("mechanisms", ["m", "m-ca-sk", "m-ca-sk-pump"])
def test_c_neuron_slow_mechanisms_are_placed_as_in_the_sundt_cell(mechanisms: str) -> None:
    g = neuron_geometry("c", peripheral_um=0.8, stem_um=1.4, central_um=0.4,
                        mechanisms=mechanisms)  # fmt: skip
    ref = c_neuron_geometry(mechanisms=mechanisms)
    assert g.model == ref.model == "sundt_slow" and g.channel_params == ref.channel_params
    np.testing.assert_array_equal(g.channel_scales, ref.channel_scales)
    np.testing.assert_array_equal(g.g_axial_us, ref.g_axial_us)
    np.testing.assert_array_equal(g.e_leak_mv, ref.e_leak_mv)  # balanced at -60 mV


def test_abeta_stem_restates_the_graham_hybrid() -> None:
    g = _abeta()
    tab = g.extra["section_table"]
    sites = np.array(section_sites(g))
    stem = (sites == "stem") | (sites == "t_junction")
    stem &= np.array(g.extra["branch"]) == "stem"
    kinds = np.array(g.kind)
    stin = np.flatnonzero(stem & (kinds == "stin"))
    flut = np.flatnonzero(stem & (kinds == "flut"))
    assert stin.size == 24 and flut.size == 8
    # soma -> T order: internodes 85, 130, 168, 201 um node to node (1 um nodes, 3 um MYSA)
    for k, spacing in enumerate((85.0, 130.0, 168.0, 201.0)):
        assert g.length_um[stin[6 * k]] == pytest.approx((spacing - 1 - 6 - 70) / 6, rel=1e-12)
    np.testing.assert_allclose(g.length_um[flut], 35.0)
    lamellae = 135 * np.array([0.07747, 0.48592, 0.66197, 1.0])  # MRG 12.8 um: 135 lamellae
    g_lamella = mrg_parameters()["constants"]["myelin_lamella_g_s_per_cm2"]
    np.testing.assert_allclose(tab["xg"][stin[::6]], g_lamella / (2 * lamellae), rtol=1e-12)
    # soma 80 x 80 and IS 5 x 200, one compartment each, Na x 0.15 and x 0.25 of the node
    assert (g.kind[0], g.kind[1]) == ("soma", "initial_segment")
    assert (tab["diameter_um"][0], g.length_um[0]) == (80.0, 80.0)
    assert (tab["diameter_um"][1], g.length_um[1]) == (5.0, 200.0)
    np.testing.assert_allclose(g.channel_scales[:2], [[0.15, 0.15, 1.0], [0.25, 0.25, 1.0]])


@pytest.mark.parametrize(
    ("branch", "diameter_um", "spacing_um", "fractions"),
    [("peripheral", 12.8, 1350.0, (461 / 1567, 670 / 1567, 1119 / 1567)),
     ("central", 10.0, 1150.0, (358 / 1450, 780 / 1450, 1170 / 1450))],
)  # fmt: skip
def test_abeta_branch_nodes_follow_ad03_then_mrg(
    branch: str, diameter_um: float, spacing_um: float, fractions: tuple[float, ...]
) -> None:
    g = _abeta()
    lay = section_layout(g)
    nodes = [s for s in g.node_sections if lay.branch[s] == branch]
    d = lay.distance_from_t_um[nodes]
    gaps = np.diff(d)
    np.testing.assert_allclose(gaps[:3], spacing_um * np.array(fractions), rtol=1e-12)
    np.testing.assert_allclose(gaps[3:], spacing_um, rtol=1e-12)
    assert d[-1] + 0.5 <= 10_000.0  # the branch stays within its 10 mm


def test_sites_and_named_sections() -> None:
    for kind, (p, s, c) in {"abeta": (12.8, 12.8, 10.0), "adelta": (3.0, 3.0, 2.0),
                            "c": (0.8, 1.4, 0.4)}.items():  # fmt: skip
        g = neuron_geometry(kind, peripheral_um=p, stem_um=s, central_um=c)
        sites = section_sites(g)
        assert set(sites) <= set(SITES) and len(sites) == g.n_sections
        ns = g.named_sections
        assert sites[ns["soma"]] == "soma" and sites[ns["t_junction"]] == "t_junction"
        assert sites[ns["peripheral_end"]] == "peripheral"
        assert sites[ns["central_end"]] == "central"
        assert g.detection_node == g.node_index("central_end")
        # the junction and the first node on each of its three sides
        assert sites.count("t_junction") == 4
        assert ("initial_segment" in sites) == (kind == "abeta")
        assert g.extra["adelta_kinetics_provisional"] == (kind == "adelta")


def test_section_points_follow_the_stem_and_the_root_axis() -> None:
    g = _abeta()
    t = np.array([1.0, 2.0, 3.0])
    pts = section_points_mm(g, t_junction_mm=t, stem_direction=np.array([0.0, 1.0, 0.0]),
                            root_axis=np.array([2.0, 0.0, 0.0]))  # fmt: skip
    ns = g.named_sections
    np.testing.assert_allclose(pts[ns["t_junction"]], t)
    # soma centre: T node (1 um) + 584 um of stem node spacings + IS 200 + half the soma (40)
    np.testing.assert_allclose(pts[ns["soma"]], t - [0.0, 0.825, 0.0])
    assert pts[ns["peripheral_end"], 0] > 8.0 and pts[ns["central_end"], 0] < -8.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"neuron_type": "b"}, "neuron_type"), ({"mechanisms": "m"}, "mechanisms"),
     ({"mechanisms": "x"}, "mechanisms"), ({"peripheral_um": -1.0}, "peripheral_um"),
     ({"branch_length_mm": 1.0}, "branch_length_mm"), ({"node_offset": 1.0}, "node_offset"),
     ({"peripheral_um": 20.0}, "diameter_um")],
)  # fmt: skip
def test_bad_input_is_refused_with_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"neuron_type": "abeta", "peripheral_um": 12.8, "stem_um": 12.8,
                               "central_um": 10.0}  # fmt: skip
    args.update(kwargs)
    kind = args.pop("neuron_type")
    with pytest.raises(InputError) as err:
        neuron_geometry(kind, **args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_every_cell_parameter_has_a_tag_and_a_source() -> None:
    import tomllib
    from importlib import resources

    text = resources.files("neurostim.drg").joinpath("data/cells.toml").read_text("utf-8")
    for table, rows in tomllib.loads(text).items():
        for key, row in rows.items():
            assert row.get("tag") in {"S", "R", "V", "ours"}, (table, key)
            assert str(row.get("source", "")).strip(), (table, key)


def test_c_compartment_length() -> None:
    # 16.667 um pieces: half the compartments of the spec's 8.333 um on the 75 um stem (9 -> 4
    # plus rounding), the 100 um T sections (12 -> 6) and the 5 mm axons (600 -> 300); the
    # same total length; the A cells (node grids) refuse the option
    from neurostim.drg.cells import neuron_geometry

    kw = dict(peripheral_um=0.8, stem_um=1.4, central_um=0.4, branch_length_mm=5.1)
    fine = neuron_geometry("c", **kw)
    coarse = neuron_geometry("c", compartment_length_um=16.667, **kw)
    assert fine.n_sections == 1235
    assert coarse.n_sections == 1 + 4 + 1 + 2 * (6 + 300)
    np.testing.assert_allclose(coarse.length_um.sum(), fine.length_um.sum(), rtol=1e-12)
    with pytest.raises(InputError, match="compartment_length_um"):
        neuron_geometry("abeta", peripheral_um=10.0, stem_um=10.0, central_um=10.0,
                        compartment_length_um=16.667)  # fmt: skip
    with pytest.raises(InputError, match="compartment_length_um"):
        neuron_geometry("c", compartment_length_um=0.0, **kw)
