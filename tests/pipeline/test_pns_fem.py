"""The PNS map on the finite-element nerve (slow): P3's monotone trends on a scaled cuff model,
and the command end to end on a small nerve in the LivaNova cuff (measured numbers in
docs/pns.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app
from neurostim.field.fem import NerveFEM
from tests.field.fem.nerve_models import centre_line_threshold_ma, one_fascicle

pytest.importorskip("ngsolve")
pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def test_p3_thresholds_rise_with_perineurium_and_fall_with_fiber_diameter(tmp_path) -> None:
    """P3 [Da23]: on the scaled P1 model (Ø 400 µm fascicle, 12 mm long, coarse), a 5.7 µm
    fiber on the fascicle's centre line needs more current when the perineurium is 0.06·d
    than 0.03·d; and the fiber's diameter matters more than that doubling (threshold ratio
    2 µm / 10 µm above the perineurium's ratio): monotone trends, no tolerance."""
    thin = NerveFEM(one_fascicle(length_mm=12.0, fraction=0.03), cache_dir=tmp_path)
    thick = NerveFEM(one_fascicle(length_mm=12.0, fraction=0.06), cache_dir=tmp_path)
    t_thin = centre_line_threshold_ma(thin, 5.7, 0.03)
    t_thick = centre_line_threshold_ma(thick, 5.7, 0.03)
    assert t_thick > t_thin
    t2, t10 = (centre_line_threshold_ma(thin, d_um, 0.03) for d_um in (2.0, 10.0))
    assert t2 / t10 > t_thick / t_thin > 1.0


def test_map_end_to_end_on_a_small_nerve_in_a_cuff(tmp_path, monkeypatch) -> None:
    """``neurostim pns map`` on a Ø 1 mm nerve (one cutaneous and one muscle fascicle) in the
    LivaNova 2000 cuff, coarse mesh, 4 fibers per class: the FEM block filled and converged,
    Aβ before Aδ in each fascicle, sensation and discomfort as defined (measured: the muscle
    fascicle twitches at 0.049 mA, before the first cutaneous Aβ at 0.058 mA)."""
    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
    nerve = tmp_path / "nerve.toml"
    nerve.write_text(
        '[nerve]\nsite = "vagus_cervical"\nshape = "circle"\nmajor_mm = 1.0\n'
        "epineurium_um = 40\n"
        "[[fascicles]]\nx_mm = -0.2\ny_mm = 0\nmajor_um = 350\nminor_um = 350\n"
        'function = "cutaneous"\n'
        "[[fascicles]]\nx_mm = 0.2\ny_mm = 0\nmajor_um = 300\nminor_um = 300\n"
        'function = "muscle"\n',
        encoding="utf-8",
    )
    program = str(EXAMPLES / "programs" / "vns-cuff.toml")
    r = runner.invoke(app, ["pns", "map", program, "--nerve", str(nerve),
                            "--fibers-per-class", "4", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["fem"]["solver_status"] == ["ok", "ok"] and d["fem"]["elements"] > 0
    for f in d["fascicles"]:
        c = {row["class"]: row for row in f["classes"]}
        assert c["Abeta"]["threshold_min_ma"] < c["Adelta"]["threshold_min_ma"]
    c = {f["function"]: {row["class"]: row for row in f["classes"]} for f in d["fascicles"]}
    assert d["sensation_threshold_ma"] == c["cutaneous"]["Abeta"]["threshold_min_ma"]
    # discomfort: the first Adelta, or 5 % of the muscle fascicle's 4 Abeta (its first fiber)
    first_ad = min(f["Adelta"]["threshold_min_ma"] for f in c.values())
    assert d["discomfort_threshold_ma"] == min(first_ad, c["muscle"]["Abeta"]["threshold_min_ma"])


def test_sprint_coil_near_a_small_nerve_end_to_end(tmp_path, monkeypatch) -> None:
    """``neurostim pns map`` with the SPRINT-type coil 3 mm from a Ø 1.6 mm nerve (two
    fascicles) at 30 deg, in muscle under 1 mm of fat (limb Ø 80 mm), the return on a skin pad
    (Ø 50 mm, §7), coarse mesh, 4 fibers per class: the coil is meshed as one equipotential
    contact of its geometric area, the solve converges, and in each fascicle Aβ fires before
    Aδ (P6's order, §5)."""
    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
    nerve = tmp_path / "nerve.toml"
    nerve.write_text(
        '[nerve]\nsite = "gon_occipital"\n'
        "[[fascicles]]\nx_mm = -0.3\ny_mm = 0\nmajor_um = 400\nminor_um = 400\n"
        'function = "cutaneous"\n'
        "[[fascicles]]\nx_mm = 0.3\ny_mm = 0.1\nmajor_um = 350\nminor_um = 350\n"
        "[tissue]\nlimb_radius_mm = 40\nnerve_depth_mm = 8\nfat_mm = 1\n",
        encoding="utf-8",
    )
    program = str(EXAMPLES / "programs" / "pns-sprint.toml")
    r = runner.invoke(app, ["pns", "map", program, "--nerve", str(nerve), "--electrode", "sprint",
                            "--distance-mm", "3", "--return", "skin_pad",
                            "--fibers-per-class", "4", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["electrode"] == {"lead": "sprint-microlead", "kind": "sprint", "return": "skin_pad"}
    assert d["fem"]["solver_status"] == ["ok"]
    for f in d["fascicles"]:
        c = {row["class"]: row for row in f["classes"]}
        assert c["Abeta"]["threshold_min_ma"] < c["Adelta"]["threshold_min_ma"]
