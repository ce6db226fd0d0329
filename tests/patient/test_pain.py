"""The pain model's equations (patient-clinic.md §6.2), checked against hand arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.patient.pain import (
    IntrathecalTherapy,
    NoTherapy,
    PainModel,
    ScsTherapy,
    load_parameters,
    overall_nrs,
    responsiveness,
)
from tests.patient.fakes import LinearCoverage, ProportionalRelief, cohort


def test_nrs_is_the_spec_formula() -> None:
    c = cohort()
    model = PainModel(load_parameters(nonspecific_sd=0.0, remission_share=0.0))
    relief = np.full((c.n_patients, 2), 0.3)
    months = np.full(c.n_patients, 2.0)
    noise = np.full((c.n_patients, 2), 0.5)
    got = model.nrs(c, relief, months, noise, "scs")
    p = model.params
    n_spec = p.nonspecific_initial * (1 + p.nonspecific_psy_gain * (0.3 - p.nonspecific_psy_mean))
    n_spec = n_spec * np.exp(-2.0 / p.nonspecific_tau_months) + p.nonspecific_late
    want = np.clip(c.baseline_nrs * 0.7 * (1 - n_spec) + 0.5, 0, 10)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_each_patient_keeps_his_own_course() -> None:
    c = cohort(n=4000)
    sd = 0.2
    model = PainModel(load_parameters(nonspecific_sd=sd, remission_share=0.0))
    flat = PainModel(load_parameters(nonspecific_sd=0.0, remission_share=0.0))
    for months in (0.0, 6.0):
        m = np.full(c.n_patients, months)
        course = model.nonspecific(c, m, "cmm") - flat.nonspecific(c, m, "cmm")
        assert abs(course.mean()) < 5 * sd / np.sqrt(c.n_patients)
        assert abs(course.std() - sd) < 0.05 * sd
    a = model.nonspecific(c, np.zeros(c.n_patients), "cmm")
    b = model.nonspecific(c, np.full(c.n_patients, 6.0), "cmm")
    assert np.corrcoef(a, b)[0, 1] > 0.9  # lasting, not redrawn at each visit


def test_a_share_of_patients_remits() -> None:
    c = cohort(n=20000)
    m = np.zeros(c.n_patients)
    quiet = dict(nonspecific_sd=0.0, remission_share=0.0)
    flat = PainModel(load_parameters(**quiet)).nonspecific(c, m, "cmm")
    model = PainModel(load_parameters(**{**quiet, "remission_share": 0.1, "remission_depth": 0.4}))
    extra = model.nonspecific(c, m, "cmm") - flat
    remits = extra > 0.2
    share = remits.mean()
    assert abs(share - 0.1) < 5 * np.sqrt(0.1 * 0.9 / c.n_patients)
    np.testing.assert_allclose(extra[remits], 0.4)
    np.testing.assert_allclose(extra[~remits], 0.0)


def test_placebo_adds_to_the_nonspecific_effect() -> None:
    c = cohort()
    model = PainModel()
    m = np.zeros(c.n_patients)
    diff = model.nonspecific(c, m, "placebo") - model.nonspecific(c, m, "cmm")
    np.testing.assert_allclose(diff, model.params.placebo_extra)


def test_nrs_is_clipped_and_nan_regions_stay_nan() -> None:
    c = cohort()
    base = c.baseline_nrs.copy()
    base[0, 1] = np.nan
    from dataclasses import replace

    c = replace(c, baseline_nrs=base)
    model = PainModel()
    out = model.nrs(c, np.zeros((c.n_patients, 2)), np.zeros(c.n_patients),
                    np.full((c.n_patients, 2), 20.0), "cmm")  # fmt: skip
    assert np.isnan(out[0, 1])
    assert np.nanmax(out) == 10.0


def test_overall_is_baseline_weighted() -> None:
    base = np.array([[8.0, 4.0], [6.0, np.nan]])
    nrs = np.array([[4.0, 2.0], [3.0, np.nan]])
    np.testing.assert_allclose(overall_nrs(base, nrs), [(8 * 4 + 4 * 2) / 12, 3.0])


def test_habituation_factor() -> None:
    p = load_parameters(habituation_tonic_h=0.4, habituation_tonic_tau_months=5.0)
    t = np.array([0.0, 5.0, 1e6])
    np.testing.assert_allclose(
        p.habituation_factor("tonic", t), [1.0, 1 - 0.4 * (1 - np.exp(-1.0)), 0.6]
    )


def test_scs_relief_by_posture_and_programming() -> None:
    c = cohort()
    params = load_parameters(posture_adjust_probability=1.0, habituation_tonic_h=0.0)
    therapy = ScsTherapy(LinearCoverage(), ProportionalRelief(), "tonic", params)
    ratios = therapy.amplitude_ratios(c)
    programmed = 1 + params.paresthesia_amplitude_position * (c.usage_ratio - 1)
    np.testing.assert_allclose(ratios, np.repeat(programmed[:, None], 4, axis=1))
    relief = therapy.relief(c, np.zeros(c.n_patients))
    f = np.clip(programmed - 1, 0, 1)
    want = (f >= 0.5) * np.minimum(2 * f, 1) * responsiveness(c, params)
    np.testing.assert_allclose(relief[:, 0], want, rtol=1e-12)
    np.testing.assert_allclose(relief[:, 1], want, rtol=1e-12)


def test_fixed_amplitude_meets_each_postures_threshold_capped_at_discomfort() -> None:
    c = cohort()
    params = load_parameters(posture_adjust_probability=0.0)
    therapy = ScsTherapy(LinearCoverage(), ProportionalRelief(), "tonic", params)
    ratios = therapy.amplitude_ratios(c)
    pt = lambda d: 1 + 0.2 * d  # noqa: E731
    from neurostim.patient.cohort import posture_dcsf_mm

    dcsf = posture_dcsf_mm(c)
    programmed = 1 + params.paresthesia_amplitude_position * (c.usage_ratio - 1)
    amp = programmed * pt(dcsf[:, 1])  # set seated
    for k in range(4):
        want = np.minimum(amp / pt(dcsf[:, k]), c.usage_ratio)
        np.testing.assert_allclose(ratios[:, k], want, rtol=1e-12)
    assert np.all(ratios[:, 0] >= ratios[:, 3])  # supine (thin CSF) above prone


def test_paresthesia_free_program_sits_below_threshold() -> None:
    c = cohort()
    params = load_parameters(posture_adjust_probability=1.0, habituation_khz_h=0.0)
    therapy = ScsTherapy(LinearCoverage(), ProportionalRelief(), "khz", params)
    np.testing.assert_allclose(therapy.amplitude_ratios(c), params.subperception_fraction)
    relief = therapy.relief(c, np.zeros(c.n_patients))
    # reach: the field a paresthesia program of this lead would have (ratio between PT and
    # discomfort); relief: the circuit's below-threshold value (0.4 in the stand-in)
    reach = 1 + params.paresthesia_amplitude_position * (c.usage_ratio - 1)
    covered = np.clip(reach - 1, 0, 1) >= 0.5
    want = covered * 0.4 * responsiveness(c, params)
    np.testing.assert_allclose(relief[:, 0], want, rtol=1e-12)
    assert covered.any() and not covered.all()


def test_no_therapy_gives_no_relief_and_refuses_other_kinds() -> None:
    c = cohort()
    assert np.all(NoTherapy("placebo").relief(c, np.zeros(c.n_patients)) == 0)
    with pytest.raises(InputError, match=r"therapy\.kind"):
        NoTherapy("scs")


def test_intrathecal_relief_follows_the_response() -> None:
    class Response:
        def relief(self, days, sensitivity):
            return np.minimum(days[None, :] / 30.0, 1.0) * np.ones((sensitivity.size, 1))

    c = cohort()
    params = load_parameters()
    therapy = IntrathecalTherapy(Response(), params)
    months = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 6.0])
    got = therapy.relief(c, months)
    days = months * 365.25 / 12
    want = params.intrathecal_relief_scale * responsiveness(c, params) * np.minimum(days / 30, 1)
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-3)
    np.testing.assert_array_equal(got[:, 0], got[:, 1])


def test_pgic_cuts() -> None:
    c = cohort(n=7)
    model = PainModel()
    base = overall_nrs(c.baseline_nrs, c.baseline_nrs)
    change = np.array([0.7, 0.4, 0.2, 0.0, -0.2, -0.4, -0.6])
    np.testing.assert_array_equal(model.pgic(c, base * (1 - change)), [1, 2, 3, 4, 5, 6, 7])


def test_secondary_measures() -> None:
    c = cohort()
    model = PainModel()
    base = overall_nrs(c.baseline_nrs, c.baseline_nrs)
    p = model.params
    mme = model.mme(c, base * 0.5, np.full(c.n_patients, 12.0), "scs")
    np.testing.assert_allclose(mme, 60 * (1 - p.mme_per_relief * 0.5))
    worse = model.mme(c, base * 1.1, np.full(c.n_patients, 12.0))
    np.testing.assert_allclose(worse, 60 * (1 + p.mme_drift_per_year))


def test_parameters_refused_with_the_name() -> None:
    with pytest.raises(InputError, match="noise_sd_nrs"):
        load_parameters(noise_sd_nrs=-1.0)
    with pytest.raises(InputError, match="pain model parameter"):
        load_parameters(no_such_thing=1.0)
    with pytest.raises(InputError, match="trial_optimism"):
        load_parameters(trial_optimism=1.5)


def test_odi_follows_pain_with_reproducible_visit_noise() -> None:
    c = cohort(n=2000)
    model = PainModel()
    base = overall_nrs(c.baseline_nrs, c.baseline_nrs)
    months = np.full(c.n_patients, 6.0)
    a = model.odi(c, base * 0.5, months)
    np.testing.assert_array_equal(a, model.odi(c, base * 0.5, months))
    want = 50 * (1 - model.params.odi_per_relief * 0.5)
    se = model.params.odi_noise_sd / np.sqrt(c.n_patients)
    assert abs(a.mean() - want) < 5 * se
    assert abs(a.std() - model.params.odi_noise_sd) < 0.1 * model.params.odi_noise_sd


def test_amplitude_is_capped_at_the_programs_patient_maximum() -> None:
    c = cohort()
    params = load_parameters(posture_adjust_probability=1.0)
    therapy = ScsTherapy(LinearCoverage(), ProportionalRelief(), "tonic", params,
                         amplitude_max_ma=2.0)  # fmt: skip
    ratios = therapy.amplitude_ratios(c)
    from neurostim.patient.cohort import posture_dcsf_mm

    pt = 1 + 0.2 * posture_dcsf_mm(c)
    programmed = 1 + params.paresthesia_amplitude_position * (c.usage_ratio - 1)
    np.testing.assert_allclose(ratios, np.minimum(programmed[:, None], 2.0 / pt))
    assert np.any(ratios < programmed[:, None])
