"""MRG with interpolated geometry: the ASCENT relations, the range, and every way to reach it.

Reference relations (ASCENT MRG_INTERPOLATION, Musselman et al. 2021, as the PNS specification
section 1.3 restates them), written out
here independently of the data file: node spacing -8.215 D^2 + 272.4 D - 780.2 (D >= 5.643)
else 81.08 D + 37.84; FLUT length -0.1652 D^2 + 6.354 D - 0.2862; node diameter
0.01093 D^2 + 0.1008 D + 1.099; axon diameter 0.02361 D^2 + 0.3673 D + 0.7122; lamellae
-0.4749 D^2 + 16.85 D - 0.7648; node 1 um, MYSA 3 um.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neurostim.cli import app
from neurostim.errors import InputError
from neurostim.fibers import (
    Fiber,
    ProtocolCase,
    fiber_model,
    fiber_model_names,
    mrg_geometry,
    mrg_interpolation_geometry,
    protocol_thresholds,
    simulate,
    straight_fibers,
)
from neurostim.fibers.cases import n_sections
from neurostim.fibers.mrg import mrg_parameters
from neurostim.fibers.populations import node_spacing_mm
from neurostim.fibers.table import read_cases_csv
from neurostim.testing import assert_close


def spacing(d: float) -> float:
    return -8.215 * d**2 + 272.4 * d - 780.2 if d >= 5.643 else 81.08 * d + 37.84


def flut(d: float) -> float:
    return -0.1652 * d**2 + 6.354 * d - 0.2862


def node_d(d: float) -> float:
    return 0.01093 * d**2 + 0.1008 * d + 1.099


def axon_d(d: float) -> float:
    return 0.02361 * d**2 + 0.3673 * d + 0.7122


def lamellae(d: float) -> float:
    return -0.4749 * d**2 + 16.85 * d - 0.7648


def rp_mohm_per_cm(d_um: float, space_um: float) -> float:
    # fiber-models.md section 3: Rp = 7000/(pi((d/2 + delta)^2 - (d/2)^2)) MOhm/cm
    return 7000.0 / (np.pi * ((d_um / 2 + space_um) ** 2 - (d_um / 2) ** 2))


@pytest.mark.parametrize("d", [2.0, 3.5, 5.643, 7.3, 12.4, 16.0])
def test_geometry_follows_the_ascent_relations(d: float) -> None:
    g = mrg_interpolation_geometry(d, 11)
    assert g.model == "mrg" and g.extra["geometry"] == "mrg-interpolation"
    assert g.n_sections == 11 * 10 + 1
    dx = spacing(d)
    assert_close(np.diff(g.node_arc_um), dx, rtol=1e-12, what=f"node spacing {d} um", unit="um")
    lengths = dict(zip(g.kind, g.length_um, strict=False))
    assert_close(lengths["flut"], flut(d), rtol=1e-12, what="FLUT length", unit="um")
    assert_close(lengths["mysa"], 3.0, rtol=1e-12, what="MYSA length", unit="um")
    assert_close(lengths["node"], 1.0, rtol=1e-12, what="node length", unit="um")
    assert_close(lengths["stin"], (dx - 7.0 - 2 * flut(d)) / 6, rtol=1e-12, what="STIN", unit="um")
    assert_close(g.extra["xraxial_node"], rp_mohm_per_cm(node_d(d), 0.002), rtol=1e-12,
                 what="xraxial node (node diameter)", unit="MOhm/cm")  # fmt: skip
    assert_close(g.extra["xraxial_internode"], rp_mohm_per_cm(axon_d(d), 0.004), rtol=1e-12,
                 what="xraxial STIN (axon diameter)", unit="MOhm/cm")  # fmt: skip
    # myelin conductance per outer area: 0.001/(2 nl) S/cm2 over pi D L (STIN)
    stin = g.kind.index("stin")
    area_cm2 = np.pi * d * g.length_um[stin] * 1e-8
    assert_close(g.g_myelin_us[stin], 0.001 / (2 * lamellae(d)) * area_cm2 * 1e6, rtol=1e-12,
                 what="myelin conductance (lamellae)", unit="uS")  # fmt: skip


def test_node_spacing_branches_meet_at_5_643_um() -> None:
    below = mrg_interpolation_geometry(5.643 - 1e-9, 5).extra["node_spacing_um"]
    above = mrg_interpolation_geometry(5.643, 5).extra["node_spacing_um"]
    assert_close(below, above, atol=0.02, what="node spacing at the branch switch", unit="um")


@pytest.mark.parametrize("d", [1.99, 16.01, 0.5, float("nan"), float("inf")])
def test_diameter_outside_the_fitted_range_is_refused(d: float) -> None:
    with pytest.raises(InputError) as e:
        mrg_interpolation_geometry(d, 41)
    assert e.value.field == "diameter_um" and "2-16 um" in e.value.message


def test_fit_stays_near_table_1() -> None:
    # The fits reproduce McIntyre 2002 Table 1 (fiber-models.md Table 2.1) within a few
    # percent: largest relative differences over the nine diameters, measured once and stated
    # here as bounds (node spacing 3.2 %, node diameter 6.8 %, axon 5.1 %, lamellae 3.1 %,
    # FLUT length 12.7 % at 5.7 um).
    bounds = {"node_spacing_um": 0.035, "node_diameter_um": 0.07, "axon_diameter_um": 0.055,
              "lamellae": 0.035, "flut_length_um": 0.13}  # fmt: skip
    rel = {k: 0.0 for k in bounds}
    fits = {"node_spacing_um": spacing, "node_diameter_um": node_d, "axon_diameter_um": axon_d,
            "lamellae": lamellae, "flut_length_um": flut}  # fmt: skip
    for row in mrg_parameters()["diameters"]:
        d = row["fiber_diameter_um"]
        for k, f in fits.items():
            rel[k] = max(rel[k], abs(f(d) / row[k] - 1))
    for k, bound in bounds.items():
        assert rel[k] < bound, (k, rel[k])
    assert rel["flut_length_um"] > 0.1  # the fit is a fit: it does not return the table


def test_registry_and_case_defaults() -> None:
    assert "mrg-interpolation" in fiber_model_names()
    c = ProtocolCase("mrg-interpolation", 3.5, 1.0, "monophasic-cathodic", 0.1)
    assert c.resolved() == (41, 0.005, 5.0)
    anodic = ProtocolCase("mrg-interpolation", 3.5, 1.0, "monophasic-anodic", 0.1)
    assert anodic.resolved()[0] == 61
    assert c.geometry().n_sections == n_sections("mrg-interpolation", 3.5, 41) == 441
    with pytest.raises(InputError) as e:
        ProtocolCase("mrg", 3.5, 1.0, "monophasic-cathodic", 0.1)
    assert e.value.field == "diameter_um" and "mrg-interpolation" in e.value.message
    with pytest.raises(InputError) as e:
        ProtocolCase("mrg-interpolation", 1.5, 1.0, "monophasic-cathodic", 0.1)
    assert e.value.field == "diameter_um" and "2-16" in e.value.message
    with pytest.raises(InputError) as e:
        fiber_model("mrg-interp")
    assert e.value.field == "model" and "mrg-interpolation" in e.value.message


def test_case_csv_accepts_the_model(tmp_path) -> None:
    p = tmp_path / "cases.csv"
    p.write_text("model,diameter_um,distance_mm,waveform,pulse_width_ms\n"
                 "mrg-interpolation,3.5,1.0,monophasic-cathodic,0.1\n"
                 "mrg-interpolation,12.4,2.0,biphasic-cathodic-first,0.2\n")  # fmt: skip
    cases, _ = read_cases_csv(p)
    assert [(c.model, c.diameter_um) for c in cases] == [
        ("mrg-interpolation", 3.5), ("mrg-interpolation", 12.4)]  # fmt: skip
    p.write_text("model,diameter_um,distance_mm,waveform,pulse_width_ms\n"
                 "mrg-interpolation,1.0,1.0,monophasic-cathodic,0.1\n")  # fmt: skip
    with pytest.raises(InputError) as e:
        read_cases_csv(p)
    assert e.value.field == "line 2: diameter_um"


def test_thresholds_fall_with_diameter_and_cli_runs(tmp_path) -> None:
    # larger fibers have lower extracellular thresholds (McIntyre 2002; fiber-models.md 10.3)
    cases = [ProtocolCase("mrg-interpolation", d, 1.0, "monophasic-cathodic", 0.1)
             for d in (2.0, 4.0, 9.0)]  # fmt: skip
    r = protocol_thresholds(cases, tolerance_rel=1e-2)
    assert list(r.status) == ["ok"] * 3
    assert abs(r.threshold_ma[0]) > abs(r.threshold_ma[1]) > abs(r.threshold_ma[2])
    p = tmp_path / "cases.csv"
    p.write_text("model,diameter_um,distance_mm,waveform,pulse_width_ms\n"
                 "mrg-interpolation,4.0,1.0,monophasic-cathodic,0.1\n")  # fmt: skip
    args = ["fiber", "thresholds", str(p), "-o", str(tmp_path / "o.csv"), "--workers", "1",
            "--tolerance-rel", "0.01", "--json"]  # fmt: skip
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["statuses"] == {"ok": 1}
    cv = CliRunner().invoke(app, ["fiber", "cv", "--model", "mrg-interpolation",
                                  "--diameter-um", "3.5", "--json"])  # fmt: skip
    assert cv.exit_code == 0, cv.output
    assert 5.0 < json.loads(cv.output)["cv_m_per_s"] < 30.0


def test_populations_take_the_model() -> None:
    f = straight_fibers([0.0, 1.0], 2.0, [3.5, 7.3], n_nodes=21, model="mrg-interpolation")
    assert f.model == ("mrg-interpolation", "mrg-interpolation")
    assert f.fiber(0) == Fiber("mrg-interpolation", 3.5, 21)
    assert f.section_points_mm(0).shape == (11 * 20 + 1, 3)
    assert_close(node_spacing_mm(3.5, "mrg-interpolation"), spacing(3.5) * 1e-3, rtol=1e-12,
                 what="node spacing", unit="mm")  # fmt: skip
    mixed = straight_fibers(0.0, 2.0, [10.0, 3.5], model=["mrg", "mrg-interpolation"])
    assert mixed.fiber(0).geometry.extra["geometry"] == "mrg-table"
    assert mixed.fiber(1).geometry.extra["node_spacing_um"] == pytest.approx(spacing(3.5))
    with pytest.raises(InputError) as e:
        straight_fibers(0.0, 2.0, 3.5)  # MRG (the default) has no 3.5 um fiber
    assert e.value.field == "diameter_um"
    # at a table diameter the two models differ (a fit is not the table)
    assert mrg_geometry(10.0, 5).extra["node_spacing_um"] == 1150.0
    assert Fiber("mrg-interpolation", 10.0, 5).geometry.extra["node_spacing_um"] == pytest.approx(
        spacing(10.0)
    )


@pytest.mark.slow
def test_numpy_reference_backend_agrees() -> None:
    # the NumPy reference solves the full block system by plain block Thomas elimination, an
    # independent check of the node reduction on the interpolated coefficients
    c = ProtocolCase("mrg-interpolation", 2.0, 0.5, "monophasic-cathodic", 0.1, n_nodes=21)
    g = c.geometry()
    phi, w = c.phi_mv_per_ma(g), c.unit_waveform()[:300]  # 1.5 ms: the AP has arrived
    amp = np.array([-0.2, -0.1])  # above and below threshold (about -0.14 mA)
    a = simulate(g, phi, amp, w, record_sections=g.node_sections)
    b = simulate(g, phi, amp, w, record_sections=g.node_sections, backend="numpy")
    assert a.v_trace_mv is not None and b.v_trace_mv is not None
    assert_close(a.v_trace_mv, b.v_trace_mv, atol=1e-6, what="numba vs numpy traces", unit="mV")
    assert list(a.detected) == [True, False]
