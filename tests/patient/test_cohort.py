"""Virtual-patient cohorts: seeding, marginals against the data and the spec, correlation,
inclusion criteria, refusals, chunked streams.

Statistical checks use n = 20,000 patients and a tolerance of 5 standard errors computed here from
the sample (a false alarm about once in 3 million per check); the expected values come from the
reference (patient-clinic.md §1.2-§1.5, the numbers restated beside each assert) or from scipy's
own distributions, not from the generator's code.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from neurostim.anatomy import level_parameters
from neurostim.errors import InputError
from neurostim.patient import (
    INCLUSION_KEYS,
    POSTURES,
    Cohort,
    concat_cohorts,
    generate_cohort,
    indication_names,
    iter_cohort_chunks,
    load_indications,
    posture_dcsf_mm,
)

N = 20_000
K = 5.0  # standard errors


@pytest.fixture(scope="module")
def fbss() -> Cohort:
    return generate_cohort("fbss", N, 12345)


def _array_fields(c: Cohort) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(c).items() if isinstance(v, np.ndarray)}


def _close_mean(x: np.ndarray, expected: float, what: str) -> None:
    se = x.std(ddof=1) / math.sqrt(x.size)
    assert abs(x.mean() - expected) < K * se, (
        f"{what}: mean {x.mean():.4f}, expected {expected:.4f} +- {K * se:.4f}"
    )


def _close_sd(x: np.ndarray, expected: float, what: str) -> None:
    s = x.std(ddof=1)
    m4 = np.mean((x - x.mean()) ** 4)
    se = math.sqrt(max(m4 - s**4, 0.0) / (4 * s**2 * x.size))
    assert abs(s - expected) < K * se, (
        f"{what}: SD {s:.4f}, expected {expected:.4f} +- {K * se:.4f}"
    )


def _close_share(hits: np.ndarray, p: float, what: str) -> None:
    se = math.sqrt(p * (1 - p) / hits.size)
    assert abs(hits.mean() - p) < K * se, (
        f"{what}: share {hits.mean():.4f}, expected {p:.4f} +- {K * se:.4f}"
    )


# --- seeding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fbss", "pdn", "it_refractory"])
def test_same_seed_gives_identical_arrays(name: str) -> None:
    a, b = generate_cohort(name, 500, 7), generate_cohort(name, 500, 7)
    for key, value in _array_fields(a).items():
        np.testing.assert_array_equal(value, getattr(b, key), err_msg=key)
    c = generate_cohort(name, 500, 8)
    assert not np.array_equal(a.age_years, c.age_years)


def test_a_generator_is_advanced_and_a_seed_sequence_accepted() -> None:
    rng = np.random.default_rng(3)
    first, second = generate_cohort("fbss", 50, rng), generate_cohort("fbss", 50, rng)
    assert not np.array_equal(first.odi, second.odi)
    by_seq = generate_cohort("fbss", 50, np.random.SeedSequence(3))
    np.testing.assert_array_equal(by_seq.odi, first.odi)


def test_shapes_ids_and_level(fbss: Cohort) -> None:
    assert fbss.n_patients == N
    np.testing.assert_array_equal(fbss.patient_id, np.arange(N))
    assert fbss.region_names == ("back", "leg_left", "leg_right")
    assert fbss.baseline_nrs.shape == (N, 3)
    assert fbss.posture_fraction.shape == (N, len(POSTURES))
    assert fbss.lead_level == "T10"
    assert generate_cohort("fbss", 5, 0, level="L1").lead_level == "T12"  # alias
    for key, value in _array_fields(fbss).items():
        assert value.shape[0] == N, key
    cols = fbss.subset(slice(0, 10)).to_columns()
    assert {"baseline_nrs_back", "supine_fraction", "dcsf_mm"} <= set(cols)


# --- marginals -----------------------------------------------------------------------------------


def _truncnorm(mean: float, sd: float, lo: float, hi: float) -> stats.rv_continuous:
    return stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)


def test_fbss_baseline_pain_is_the_truncated_senza_distribution(fbss: Cohort) -> None:
    # K16b: back 7.5 +- 1.3 / 7.8 +- 1.2, leg 7.1 +- 1.5 / 7.6 +- 1.4 (two arms); inclusion
    # back and leg >= 5 (K16). Spec §1.2: TruncNormal(mean, sd, low = threshold, high = 10).
    for j, (mean, sd) in enumerate([(7.65, 1.25), (7.35, 1.45), (7.35, 1.45)]):
        x = fbss.baseline_nrs[:, j]
        x = x[~np.isnan(x)]
        ref = _truncnorm(mean, sd, 5.0, 10.0)
        assert x.min() >= 5.0 and x.max() <= 10.0
        _close_mean(x, float(ref.mean()), f"NRS {fbss.region_names[j]}")
        _close_sd(x, float(ref.std()), f"NRS {fbss.region_names[j]}")


def test_fbss_pain_patterns(fbss: Cohort) -> None:
    painful = ~np.isnan(fbss.baseline_nrs)
    assert painful[:, 0].all()  # back pain in every FBSS patient
    assert (painful[:, 1] | painful[:, 2]).all()  # and leg pain on at least one side
    pattern_p = {p.regions: p.p for p in load_indications()["fbss"].patterns}
    _close_share(
        painful[:, 1] & painful[:, 2], pattern_p[("back", "leg_left", "leg_right")], "bilateral"
    )
    _close_share(painful[:, 1] & ~painful[:, 2], pattern_p[("back", "leg_left")], "left only")


@pytest.mark.parametrize(
    ("name", "region", "mean", "sd"),
    [
        ("pdn", "feet", 7.4, 1.3),  # P22: 7.6 / 7.2 averaged; SD 1.3 where only a mean is known
        ("nsrbp", "back", 7.4, 1.3),  # F20: low back 7.4
        ("it_refractory", "diffuse", 7.5, 1.3),  # S04: 7.36 / 7.79, 2:1 weighted
    ],
)
def test_baseline_pain_of_other_indications(name: str, region: str, mean: float, sd: float) -> None:
    c = generate_cohort(name, N, 99)
    x = c.baseline_nrs[:, c.region_names.index(region)]
    assert not np.isnan(x).any()  # the primary region hurts in every patient
    ref = _truncnorm(mean, sd, 5.0, 10.0)
    _close_mean(x, float(ref.mean()), f"{name} NRS")
    _close_sd(x, float(ref.std()), f"{name} NRS")


def test_back_leg_correlation_is_half_before_truncation(fbss: Cohort) -> None:
    # Spec §6.1: rho = 0.5 back-leg, through a Gaussian copula: the normal scores
    # Phi^-1(F_trunc(x)) of back and leg are bivariate normal with correlation 0.5. SE of a
    # correlation coefficient ~ (1 - rho^2) / sqrt(n).
    both = ~np.isnan(fbss.baseline_nrs[:, 0]) & ~np.isnan(fbss.baseline_nrs[:, 1])
    back, leg = fbss.baseline_nrs[both, 0], fbss.baseline_nrs[both, 1]
    zb = stats.norm.ppf(_truncnorm(7.65, 1.25, 5.0, 10.0).cdf(back))
    zl = stats.norm.ppf(_truncnorm(7.35, 1.45, 5.0, 10.0).cdf(leg))
    r = np.corrcoef(zb, zl)[0, 1]
    se = (1 - 0.5**2) / math.sqrt(both.sum())
    assert abs(r - 0.5) < K * se, f"normal-score correlation {r:.3f}, expected 0.5 +- {K * se:.3f}"
    # The values themselves: a Pearson correlation of transforms of a bivariate normal never
    # exceeds |rho| (Lancaster); truncation at 5 of a mean ~7.5 keeps most of it.
    raw = np.corrcoef(back, leg)[0, 1]
    assert 0.35 < raw < 0.5 + K * se, raw


def test_other_marginals(fbss: Cohort) -> None:
    c = fbss
    # usage_ratio ~ LogNormal(median 1.5, sigma_log 0.2) clipped [1.2, 2.5] (spec §1.4)
    assert c.usage_ratio.min() >= 1.2 and c.usage_ratio.max() <= 2.5
    _close_share(
        c.usage_ratio == 1.2, float(stats.norm.cdf(math.log(1.2 / 1.5) / 0.2)), "clipped at 1.2"
    )
    _close_share(c.usage_ratio < 1.5, 0.5, "below the median 1.5")
    # psy ~ Beta(2, 5) (spec §6.1)
    _close_mean(c.psy, 2 / 7, "psy")
    _close_sd(c.psy, float(stats.beta(2, 5).std()), "psy")
    # response_z ~ N(0, 1)
    _close_mean(c.response_z, 0.0, "response_z")
    _close_sd(c.response_z, 1.0, "response_z")
    # posture schedule: rows sum to 1, mean shares as in the data
    np.testing.assert_allclose(c.posture_fraction.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (c.posture_fraction >= 0).all()
    mean_shares = load_indications()["fbss"].shared["posture_fraction"]["mean"]
    for j, p in enumerate(mean_shares):
        _close_mean(c.posture_fraction[:, j], p, POSTURES[j])
    # opioids: 80-90 % of SCS patients (NPR16: about 90 %), dose > 0 for users only
    users = c.mme_per_day > 0
    assert 0.80 < users.mean() < 0.90
    _close_share(users, load_indications()["fbss"].shared["opioid_users"]["p"], "opioid users")
    assert not c.prior_scs.any()
    assert set(np.unique(c.female)) == {False, True}


def test_cancer_pump_cohort_opioid_dose() -> None:
    # S04: 98.5 % / 95 % on opioids (2:1), median 300 MME/day in the ziconotide arm.
    c = generate_cohort("it_refractory", N, 5)
    users = c.mme_per_day > 0
    _close_share(users, (2 * 0.985 + 0.95) / 3, "IT opioid users")
    _close_share(c.mme_per_day[users] < 300.0, 0.5, "below the median 300 MME")


def test_anatomy_at_the_lead_level(fbss: Cohort) -> None:
    row = level_parameters("T10")["dcsf_mm"]
    assert row.min is not None and row.max is not None
    assert fbss.dcsf_mm.min() >= row.min and fbss.dcsf_mm.max() <= row.max
    _close_mean(fbss.dcsf_mm, (row.min + row.max) / 2, "dcsf uniform mid-range")
    _close_sd(fbss.dcsf_mm, (row.max - row.min) / math.sqrt(12), "dcsf uniform SD")
    # Spec §1.3 (H94): cord 1.5-2.0 mm off the midline in about 40 %, random side.
    off = np.abs(fbss.cord_offset_mm)
    assert off.max() <= 2.0
    _close_share(off > 1.5, 0.4, "cord offset > 1.5 mm")
    _close_share(fbss.cord_offset_mm > 0, 0.5, "cord to the right")
    # T12 (H94: supine 1.5-4.5 mm, about +3.4 mm prone)
    t12 = generate_cohort("fbss", 2000, 1, level="T12")
    assert t12.dcsf_mm.min() >= 1.5 and t12.dcsf_mm.max() <= 4.5
    assert t12.prone_dcsf_shift_mm.min() >= 0.0 and t12.prone_dcsf_shift_mm.max() <= 3.4
    # the prone shift is the level's row: TruncNormal(mean, 0.25 (max - min), [min, max])
    shift = level_parameters("T10")["prone_dcsf_shift_mm"]
    assert shift.mean is not None and shift.min is not None and shift.max is not None
    ref = _truncnorm(shift.mean, 0.25 * (shift.max - shift.min), shift.min, shift.max)
    _close_mean(fbss.prone_dcsf_shift_mm, float(ref.mean()), "prone shift")


def test_posture_dcsf(fbss: Cohort) -> None:
    d = posture_dcsf_mm(fbss)
    assert d.shape == (N, 4)
    np.testing.assert_array_equal(d[:, POSTURES.index("supine")], fbss.dcsf_mm)
    np.testing.assert_allclose(d[:, 3], fbss.dcsf_mm + fbss.prone_dcsf_shift_mm)
    assert (d[:, 1] >= d[:, 0]).all() and (d[:, 1] <= d[:, 3]).all()


# --- inclusion -----------------------------------------------------------------------------------


def test_inclusion_criteria_are_met() -> None:
    crit = {"baseline_nrs_min": 6.0, "odi_min": 40, "odi_max": 70, "mme_max": 120.0,
            "age_min": 65, "age_max": 80}  # fmt: skip
    c = generate_cohort("fbss", 3000, 11, inclusion=crit)
    assert c.n_patients == 3000
    assert np.nanmin(c.baseline_nrs) >= 6.0
    assert c.odi.min() >= 40 and c.odi.max() <= 70
    assert c.mme_per_day.max() <= 120.0
    assert c.age_years.min() >= 65 and c.age_years.max() <= 80
    # the NRS floor replaces the truncation bound: TruncNormal(7.65, 1.25, 6, 10) for the back
    _close_mean(c.baseline_nrs[:, 0], float(_truncnorm(7.65, 1.25, 6.0, 10.0).mean()), "back >= 6")
    # the NRS floor applies to the primary regions only: NSRBP legs keep their own floor (1)
    ns = generate_cohort("nsrbp", 3000, 11, inclusion={"baseline_nrs_min": 6.0})
    assert ns.baseline_nrs[:, 0].min() >= 6.0
    assert np.nanmin(ns.baseline_nrs[:, 1:]) < 6.0


@pytest.mark.parametrize("prior", [True, False])
def test_prior_scs_is_respected(prior: bool) -> None:
    c = generate_cohort("fbss", 200, 2, inclusion={"prior_scs": prior})
    assert (c.prior_scs == prior).all()


@pytest.mark.parametrize(
    ("inclusion", "field", "words"),
    [
        ({"hba1c_max": 10}, "inclusion.hba1c_max", "baseline_nrs_min"),
        ({"odi_min": -1}, "inclusion.odi_min", "[0.0, 100.0]"),
        ({"baseline_nrs_min": 10}, "inclusion.baseline_nrs_min", "below 10"),
        ({"odi_min": 60, "odi_max": 40}, "inclusion.odi_max", "odi_min"),
        ({"prior_scs": "yes"}, "inclusion.prior_scs", "true or false"),
        ({"age_min": True}, "inclusion.age_min", "a number"),
        ({"mme_max": math.nan}, "inclusion.mme_max", "a number"),
        ({"age_min": 95}, "inclusion", "widen"),
        ({"age_min": 89.9, "age_max": 90.0}, "inclusion", "widen"),
    ],
)
def test_refused_inclusion(inclusion: dict, field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        generate_cohort("fbss", 100, 0, inclusion=inclusion)
    assert err.value.field == field
    assert words in str(err.value)


def test_refused_arguments() -> None:
    with pytest.raises(InputError, match="fbss, nsrbp"):
        generate_cohort("migraine", 10, 0)
    with pytest.raises(InputError, match="level"):
        generate_cohort("fbss", 10, 0, level="T4")
    with pytest.raises(InputError, match="n_patients"):
        generate_cohort("fbss", -1, 0)
    for seed in (True, -3, 1.5, None):
        with pytest.raises(InputError, match="seed"):
            generate_cohort("fbss", 10, seed)  # type: ignore[arg-type]
    assert set(INCLUSION_KEYS) == {"baseline_nrs_min", "odi_min", "odi_max", "prior_scs",
                                   "mme_max", "age_min", "age_max"}  # fmt: skip


# --- data file -----------------------------------------------------------------------------------


def test_every_shipped_indication_loads_with_sources() -> None:
    assert indication_names() == ["fbss", "nsrbp", "crps", "pdn", "radiculopathy", "focal",
                                  "it_refractory", "post_amputation", "low_back_mb"]  # fmt: skip
    for ind in load_indications().values():
        for d in [*ind.nrs.values(), *ind.shared.values()]:
            assert d.source or d.fitted
        assert ind.pattern_matrix.any(axis=1).all()


def _shipped_text() -> str:
    from importlib import resources

    return resources.files("neurostim.patient").joinpath("data/indications.toml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("[[1.0, 0.5, 0.5], [0.5, 1.0, 0.7]", "[[1.0, 0.9, 0.9], [0.9, 1.0, -0.9]", "correlation"),
        ("p = 0.3, source", "p = 0.35, source", "patterns"),
        (
            'psy = { a = 2.0, b = 5.0, source = "ours',
            'psy = { a = 2.0, b = 5.0, sauce = "ours',
            "psy.sauce",
        ),
        (
            'female = { p = 0.5, source = "ours: no sex ratio restated in the reference" }',
            "female = { p = 0.5 }",
            "female.source",
        ),
    ],
)
def test_bad_data_files_are_refused(tmp_path: Path, old: str, new: str, field: str) -> None:
    text = _shipped_text()
    assert old in text
    path = tmp_path / "indications.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_indications(path)
    assert field in err.value.field


def test_a_user_file_drives_the_generator(tmp_path: Path) -> None:
    path = tmp_path / "indications.toml"
    path.write_text(_shipped_text().replace("psy = { a = 2.0, b = 5.0", "psy = { a = 5.0, b = 5.0"))
    ind = load_indications(path)["pdn"]
    _close_mean(generate_cohort(ind, N, 0).psy, 0.5, "psy Beta(5, 5)")


# --- chunks --------------------------------------------------------------------------------------


def test_chunks_depend_on_seed_and_index_only() -> None:
    chunks = list(iter_cohort_chunks("fbss", 2500, 42, 1000))
    assert [c.n_patients for c in chunks] == [1000, 1000, 500]
    whole = concat_cohorts(chunks)
    np.testing.assert_array_equal(whole.patient_id, np.arange(2500))
    # chunk k is SeedSequence(seed).spawn(...)[k]: the same whoever draws it, in whatever order
    children = np.random.SeedSequence(42).spawn(3)
    second = generate_cohort("fbss", 1000, np.random.default_rng(children[1]))
    np.testing.assert_array_equal(second.baseline_nrs, chunks[1].baseline_nrs)
    np.testing.assert_array_equal(chunks[1].patient_id, np.arange(1000, 2000))
    # and independent of the total: the first chunks of a larger cohort are the same patients
    longer = list(iter_cohort_chunks("fbss", 5000, 42, 1000))
    np.testing.assert_array_equal(longer[1].odi, chunks[1].odi)
    assert not np.array_equal(chunks[0].odi, chunks[1].odi)


def test_concat_refuses_mixed_cohorts() -> None:
    a, b = generate_cohort("fbss", 3, 0), generate_cohort("pdn", 3, 0)
    with pytest.raises(InputError, match="same indication"):
        concat_cohorts([a, b])
    with pytest.raises(InputError):
        concat_cohorts([])
