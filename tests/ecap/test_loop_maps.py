"""ECAP maps: grid rows reproduced, interpolation error against direct runs, gains, files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from neurostim.ecap import EcapMap, build_map, find_map, interpolation_error, read_map
from neurostim.ecap.maps import closed_form_plant
from neurostim.ecap.maps.__main__ import main
from neurostim.errors import InputError
from tests.ecap.loop_plant import AMPLITUDES_MA, DCSF_GRID_MM, PLANT, plant_map, program


def test_grid_rows_are_returned_as_run() -> None:
    m = plant_map()
    for d in DCSF_GRID_MM:
        direct = PLANT(d, AMPLITUDES_MA)
        np.testing.assert_allclose(m.ecap_at(d, AMPLITUDES_MA), direct[0], rtol=1e-12)
        np.testing.assert_allclose(m.recruited_at(d, AMPLITUDES_MA), direct[1], rtol=1e-12)


def test_ecap_rises_with_current_and_falls_with_dcsf() -> None:
    # P-E5 shape of the plant (ECAP reference §5): larger dCSF, higher threshold, smaller ECAP
    m = plant_map()
    d = np.linspace(3.0, 9.5, 27)
    assert np.all(np.diff(m.threshold_at(d)) > 0)
    y = m.ecap_at(d[:, None], np.linspace(0.5, 15.0, 30)[None, :])
    assert np.all(np.diff(y, axis=1) > 0)
    assert np.all(np.diff(y, axis=0) < 0)


def test_interpolation_error_on_the_power_law_plant() -> None:
    # midpoints between grid dCSF, 0-20 mA: the closed-form plant's threshold and uV per fiber
    # are powers of dCSF, which log-log interpolation follows; what is left is the knee near
    # threshold (softplus width fixed in mA). Measured: largest |error| 0.25 uV, relative 6.6 %
    # (of ECAPs >= 2 uV), threshold 0.7 % (at 3.5 mm).
    e = interpolation_error(plant_map(), PLANT)
    np.testing.assert_allclose(e.dcsf_mm, [3.5, 4.5, 5.5, 6.5, 7.5, 8.75])
    assert e.max_abs_uv.max() < 0.3
    assert e.max_rel.max() < 0.07
    assert e.threshold_rel.max() < 0.008


def _exponential_plant(dcsf_mm: float, amplitudes_ma: np.ndarray) -> tuple:
    # not a power law: threshold and uV per fiber exponential in dCSF (length constants 3 and
    # 2.5 mm) [test case], slope 15 uV/mA and threshold 4 mA at 5.125 mm (ECAP reference §1.3)
    thr = 4.0 * np.exp((dcsf_mm - 5.125) / 3.0)
    n = 10.0 * 0.2 * np.logaddexp(0.0, (amplitudes_ma - thr) / 0.2)
    return 1.5 * np.exp(-(dcsf_mm - 5.125) / 2.5) * n, n


def test_interpolation_error_on_a_plant_that_is_not_a_power_law() -> None:
    m = build_map(_exponential_plant, DCSF_GRID_MM, AMPLITUDES_MA, threshold_uv=2.0)
    e = interpolation_error(m, _exponential_plant)
    # measured (midpoints, ECAPs >= 2 uV): relative error 5.5-9.2 % where the grid is 1 mm apart,
    # 21.7 % just above threshold in the 1.5 mm interval 8-9.5 mm; thresholds within 1.7 %
    assert e.max_rel[:5].max() < 0.10
    assert e.max_rel.max() < 0.25
    assert e.threshold_rel.max() < 0.02


def test_local_gain_matches_the_closed_form() -> None:
    # L = d log y / d log I = I * sigmoid(z) / (sigma * softplus(z)), z = (I - I_thr)/sigma,
    # the plant's derivative; the map is piecewise linear on a 0.25 mA grid (1 % tolerance
    # above the knee, 5 % near it)
    m = plant_map()
    d = 6.0
    current = np.array([5.5, 6.0, 7.0, 8.0, 10.0])
    z = (current - PLANT.threshold_at(d)) / 0.2
    exact = current * expit(z) / (0.2 * np.logaddexp(0.0, z))
    got = m.local_gain(d, current)
    np.testing.assert_allclose(got[1:], exact[1:], rtol=0.01)
    np.testing.assert_allclose(got[0], exact[0], rtol=0.05)
    # far above threshold the linear curve's L = I / (I - I_thr) (ECAP reference §4)
    assert m.local_gain(d, 19.0) == pytest.approx(19.0 / (19.0 - PLANT.threshold_at(d)), rel=0.01)


def test_current_for_inverts_the_curve() -> None:
    m = plant_map()
    i = m.current_for(6.225, 15.0)
    assert float(m.ecap_at(6.225, i)) == pytest.approx(15.0, rel=1e-9)
    with pytest.raises(InputError):
        m.current_for(6.225, 1e6)


def test_dcsf_outside_the_grid_is_refused() -> None:
    m = plant_map()
    with pytest.raises(InputError, match=r"3-9\.5 mm") as info:
        m.ecap_at(10.0, 5.0)
    assert info.value.field == "dcsf_mm"


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_map_files_roundtrip_with_their_key(tmp_path, suffix: str) -> None:
    m = plant_map()
    path = m.save(tmp_path / f"map{suffix}")
    back = read_map(path)
    assert back.key == m.key
    np.testing.assert_array_equal(back.ecap_uv, m.ecap_uv)
    np.testing.assert_array_equal(back.dcsf_mm, m.dcsf_mm)


def test_an_edited_map_is_refused(tmp_path) -> None:
    path = plant_map().save(tmp_path / "map.csv")
    text = path.read_text().replace("\n3.0,1.0,", "\n3.0,1.0,9", 1)
    path.write_text(text)
    with pytest.raises(InputError, match="map_key"):
        read_map(path)


def test_a_row_that_never_reaches_threshold_is_refused() -> None:
    with pytest.raises(InputError, match="extend the amplitude grid"):
        build_map(PLANT, [5.0], [0.0, 0.5, 1.0])


def test_the_shipped_example_map_is_the_closed_form_plant() -> None:
    m, own = find_map(program())
    assert not own
    assert m.header["growth"] == "neurostim.ecap.maps:closed_form_plant"
    rebuilt = build_map(closed_form_plant())
    assert rebuilt.key == m.key


def test_the_build_entry_point(tmp_path, capsys) -> None:
    out = tmp_path / "m.npz"
    growth = "neurostim.ecap.maps:closed_form_plant"
    assert main(["build", "--growth", growth, "--dcsf", "4,6", "-o", str(out)]) == 0
    assert read_map(out).dcsf_mm.tolist() == [4.0, 6.0]
    assert main(["build", "--growth", "no.such:thing", "-o", str(out)]) == 2
    assert "--growth" in capsys.readouterr().err


def test_the_documented_command_runs_without_a_warning(tmp_path) -> None:
    """``python -m neurostim.ecap.maps build`` as docs/ecap-loop.md writes it, with every
    warning an error (runpy warns when the module it runs was imported before)."""
    import os
    import subprocess
    import sys

    out = tmp_path / "m.csv"
    src = Path(__file__).resolve().parents[2] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [sys.executable, "-W", "error", "-m", "neurostim.ecap.maps", "build", "--growth",
         "neurostim.ecap.maps:closed_form_plant", "--dcsf", "4,6", "-o", str(out)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert read_map(out).dcsf_mm.tolist() == [4.0, 6.0]


def test_growth_curves_plug_in(tmp_path) -> None:
    from neurostim.ecap import growth_from_curves

    class Curve:
        def __init__(self, y: np.ndarray, n: np.ndarray) -> None:
            self.ecap_uv, self.recruited = y, n

    calls = []

    def ecap_growth(prog, *, level, dcsf_mm, amplitudes_ma):
        calls.append((level, dcsf_mm))
        return Curve(*PLANT(dcsf_mm, amplitudes_ma))

    m = build_map(growth_from_curves(ecap_growth, program(), "T10"), [4.0, 6.0], AMPLITUDES_MA)
    assert calls == [("T10", 4.0), ("T10", 6.0)]
    assert isinstance(m, EcapMap)


def test_a_failed_growth_curve_is_refused() -> None:
    from neurostim.ecap import growth_from_curves

    class Failed:
        status = "solver_failed"
        ecap_uv = recruited = np.zeros(3)

    growth = growth_from_curves(lambda *a, **k: Failed(), program(), "T10")
    with pytest.raises(InputError, match="an ok growth curve at dCSF 4 mm"):
        build_map(growth, [4.0], [0.0, 1.0, 2.0])
