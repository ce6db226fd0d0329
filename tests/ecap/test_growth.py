"""Recorded ECAPs through the fiber engine on the analytic medium, with a small population
(fast); the finite-element versions are in test_validation_fem.py (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import load_program
from neurostim.ecap import Montage, ecap_growth, recording_lead_fields
from neurostim.errors import InputError
from neurostim.fibers import MRGFiber, simulate, straight_fibers
from neurostim.fibers.spinal import dorsal_column_grid
from neurostim.field import HomogeneousConductor, RingContact


def small_fibers(anatomy, ml_mm=(-0.4, 0.4)):
    """Four DC fibers (10 and 16 um at two mediolateral positions, 0.1 mm deep), long enough
    to pass every contact of the lead."""
    return dorsal_column_grid(
        anatomy,
        depths_mm=(0.1,),
        ml_mm=list(ml_mm),
        diameters_um=(10.0, 16.0),
        class_fractions=(0.5, 0.5),
        n_nodes=55,
        seed=0,
    )


@pytest.fixture(scope="module")
def program(examples_dir):
    return load_program(examples_dir / "programs" / "ecap.toml")


@pytest.fixture(scope="module")
def curve(program):
    cord = load_anatomy("T10")
    return ecap_growth(
        program, anatomy=cord, conductor="homogeneous", fibers=small_fibers(cord), seed=0
    )


def test_pe1_reciprocity_sum_equals_the_direct_forward_computation() -> None:
    """P-E1 (ecap.md §5): one MRG fiber in a homogeneous medium, a point-contact recording;
    the engine's streamed sum Σ Φ_rec(x_m) I_m against the potential of every compartment's
    current as a point source at the contact, 1 / (4 pi sigma r) written out here; < 1 %."""
    fiber = straight_fibers([0.0], [0.0], [10.0], n_nodes=21)
    points = fiber.section_points_mm(0)
    geometry = MRGFiber(10.0, 21).geometry
    sigma = 0.2
    stim = np.array([0.0, 1.0, points[len(points) // 2, 2]])
    # I / (4 pi sigma r): 1 mA / (S/m x mm) = 1 V = 1e3 mV
    phi = 1e3 / (4 * np.pi * sigma * np.linalg.norm(points - stim, axis=1))  # mV per mA
    wave = np.zeros(1000)
    wave[20:40] = 1.0
    contact = RingContact((0.0, 2.0, 8.0), diameter_mm=1e-3, length_mm=1e-3, n_axial=1, n_around=1)
    montage = Montage(labels=["rec"], weights=np.ones((1, 1)), contact_ids=["rec"])
    lead = recording_lead_fields(HomogeneousConductor(), [contact], montage, points)
    res = simulate(
        geometry,
        phi,
        np.array([-3.0]),
        wave,
        dt_ms=0.005,
        n_steps=1000,
        recording_phi=lead,
        record_membrane_current=True,
    )
    assert res.detected[0]
    source = np.asarray(contact.source_points()[0][0])
    r_m = np.linalg.norm(points - source, axis=1) * 1e-3  # m
    direct_uv = (res.membrane_current_na[0] * 1e-9 / (4 * np.pi * sigma * r_m[:, None])).sum(
        0
    ) * 1e6
    peak = np.max(np.abs(direct_uv))
    assert peak > 0
    err = np.max(np.abs(res.recorded_uv[0, 0] - direct_uv)) / peak
    assert err < 0.01, f"reciprocity vs direct: {err:.2e} of the peak {peak:.3g} uV"


def test_zero_current_gives_no_ecap(curve) -> None:
    assert curve.amplitude_ma[0] == 0.0
    assert curve.neural_uv[0] == 0.0 and curve.recruited[0] == 0
    assert curve.status[0] == "below_noise"
    assert np.all(curve.traces.neural_uv[0] == 0.0)


def test_recruitment_and_ecap_grow_with_current(curve) -> None:
    assert np.all(np.diff(curve.recruited) >= 0)
    assert curve.recruited[-1] == 4
    assert curve.neural_uv[-1] > curve.neural_uv[curve.recruited == 0].max()
    assert curve.perception_threshold_ma is not None
    assert curve.amplitude_ma[-1] == pytest.approx(2 * curve.perception_threshold_ma)


def test_the_passive_shortcut_matches_the_full_sum(curve) -> None:
    """ecap.md §6: the full sum (every fiber run at the top current) against the shortcut;
    within 5 % of the peak [ours]."""
    (err,) = curve.template_error.values()
    assert err < 0.05


def test_the_noise_is_seeded(program) -> None:
    cord = load_anatomy("T10")
    fibers = small_fibers(cord, ml_mm=(0.4,))

    def run(seed: int):
        return ecap_growth(
            program,
            anatomy=cord,
            conductor="homogeneous",
            fibers=fibers,
            seed=seed,
            amplitudes_ma=[0.0, 2.0, 4.0],
            check_amplitudes_ma=[],
        )

    a, b, c = run(0), run(0), run(1)
    assert np.array_equal(a.ecap_uv, b.ecap_uv)
    assert not np.array_equal(a.ecap_uv, c.ecap_uv)
    assert np.array_equal(a.neural_uv, c.neural_uv)


def test_json_keys(curve) -> None:
    d = curve.to_dict()
    for key in (
        "ecap_threshold_ma",
        "perception_threshold_ma",
        "slope_uv_per_ma",
        "cv_m_per_s",
        "growth",
        "recordings",
    ):
        assert key in d
    assert set(d["growth"][0]) >= {"amplitude_ma", "ecap_uv", "recruited", "status"}
    assert set(d["recordings"][0]) >= {"contact", "n1_latency_ms", "p2_latency_ms"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amplitudes_ma": [1.0, 30.0]}, "amplitudes_ma"),
        ({"amplitudes_ma": [-1.0]}, "amplitudes_ma"),
        ({"record": "E9"}, "record"),
        ({"seed": -1}, "seed"),
    ],
)
def test_impossible_requests_are_refused_before_any_work(program, kwargs, field) -> None:
    with pytest.raises(InputError) as err:
        ecap_growth(program, conductor="homogeneous", **kwargs)
    assert err.value.field == field


def test_steady_state_ecap_per_rate(program) -> None:
    """At 20 Hz the fibers recover fully between pulses: the fourth pulse's ECAP equals the
    first's (within 2 %); 200 Hz does not raise it."""
    from neurostim.ecap import ecap_frequency

    cord = load_anatomy("T10")
    fibers = small_fibers(cord, ml_mm=(0.4,))
    r = ecap_frequency(program, [20.0, 200.0], anatomy=cord, conductor="homogeneous", fibers=fibers)
    assert r.first_pulse_uv[0] > 0
    assert abs(r.ecap_uv[0] - r.first_pulse_uv[0]) <= 0.02 * r.first_pulse_uv[0]
    assert r.ecap_uv[1] <= r.ecap_uv[0] * 1.02
    with pytest.raises(InputError) as err:
        ecap_frequency(program, [2.0], anatomy=cord, conductor="homogeneous")
    assert err.value.field == "rates_hz"


def test_growth_plot_marks_the_thresholds(curve, tmp_path) -> None:
    from neurostim.ecap import plot_growth

    out = plot_growth(curve, tmp_path / "growth.png")
    assert out.stat().st_size > 10_000
    with pytest.raises(InputError):
        plot_growth(curve, tmp_path / "growth.txt")


def test_recording_window_thresholds_equal_the_whole_unit_and_are_kept_by_content(
    program, tmp_path, monkeypatch
) -> None:
    """The threshold searched over the recording window (3 ms) equals the one searched over the
    whole unit with its 12 ms passive-recharge tail (the map's ``recruitment``), fiber by fiber:
    the tail after the window never changes whether a fiber fires there. A second setup reads
    the thresholds and recorded runs back from the cache (same values, no search run), and an
    empty cache directory is what the first one starts from."""
    from neurostim.ecap import build_setup, ecap_parameters
    from neurostim.ecap._sfap import passive_uv_per_ma

    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path))
    cord = load_anatomy("T10")
    kw = dict(anatomy=cord, level="T10", dcsf_mm=None, record=None, conductor="homogeneous",
              fibers=small_fibers(cord), train_index=None, mesh_level="coarse",
              params=ecap_parameters(), seed=0)  # fmt: skip
    whole = build_setup(program, threshold_window="train", cache=False, **kw)
    assert not (tmp_path / "ecap-fibers").exists()
    first = build_setup(program, **kw)
    kept = sorted((tmp_path / "ecap-fibers").glob("*.npz"))
    assert len(kept) == len(first.groups)
    assert np.array_equal(first.recruitment.status, whole.recruitment.status)
    assert np.array_equal(first.threshold_ma, whole.threshold_ma)
    assert np.array_equal(first.recruitment.n_sims, whole.recruitment.n_sims)
    p1 = passive_uv_per_ma(first)
    second = build_setup(program, **kw)
    assert np.array_equal(second.threshold_ma, first.threshold_ma)
    p2 = passive_uv_per_ma(second)
    assert np.array_equal(p1, p2)
    assert len(sorted((tmp_path / "ecap-fibers").glob("*.npz"))) == 2 * len(first.groups)
    with pytest.raises(InputError) as err:
        build_setup(program, threshold_window="tail", **kw)
    assert err.value.field == "threshold_window"


def test_the_full_sum_check_on_a_seeded_sample(program) -> None:
    """With ``growth.check_fibers`` below the population, the check runs that many fibers drawn
    with the seed; the curve itself does not change."""
    cord = load_anatomy("T10")
    kw = dict(anatomy=cord, conductor="homogeneous", fibers=small_fibers(cord), seed=0,
              amplitudes_ma=[0.0, 3.0, 6.0])  # fmt: skip
    every = ecap_growth(program, **kw)
    two = ecap_growth(program, params={"growth": {"check_fibers": 2}}, **kw)
    assert np.array_equal(every.ecap_uv, two.ecap_uv)
    assert np.array_equal(every.recruited, two.recruited)
    (e_all,) = every.template_error.values()
    (e_two,) = two.template_error.values()
    assert e_two < 0.05
    assert e_all != e_two
