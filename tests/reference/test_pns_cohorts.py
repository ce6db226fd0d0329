"""Public PNS targets P8 (virtual 60-day PNS cohorts) and P9 (lead infection model) of
peripheral-nerve.md §5, against the clinical rows of its §6. Each test states its protocol and
tolerance beside the assert; the binomial and Poisson intervals are computed here with scipy,
independently of the package's own. Measured numbers: docs/pns.md ("Virtual 60-day PNS
cohorts").

P8 protocol: the shipped studies of ``neurostim.clinic.pns`` (data/pns.toml; the arms, sizes,
endpoints and published counts of §6), seeded replicate trials pooled to several thousand
virtual patients per arm; target: the pooled responder fraction inside the Clopper-Pearson
95 % interval of the published k/n. Three rows are the ones the three fitted parameters were
fitted to (marked ``fitted``): for them the test checks the fit, not a prediction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from neurostim.clinic.pns import load_pns_parameters, run_pns_study, simulate_pns_course
from neurostim.patient import generate_cohort

# replicate trials per study: 3600-7800 virtual patients per study (a Monte Carlo SD of the
# pooled fraction below 0.01), all studies in about 1 s
# (gilmore-2021: 74 000, its expectation lies on the edge of the published interval)
REPLICATES = {"gilmore-2019": 300, "gilmore-2021": 1000, "cohen-2019": 150, "real-world-2022": 8}
SEED = 20


def exact_ci(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 95 % interval (scipy's exact binomial test)."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


_RESULTS: dict[str, object] = {}


def _pooled(study: str, endpoint: str, arm: str) -> tuple[float, int, int]:
    if study not in _RESULTS:
        _RESULTS[study] = run_pns_study(study, replicates=REPLICATES[study], seed=SEED)
    result = _RESULTS[study]
    ep = next(e for e in result.study.endpoints if (e.id, e.arm) == (endpoint, arm))  # type: ignore[attr-defined]
    return result.pooled[(endpoint, arm)], ep.published_k, ep.published_n  # type: ignore[attr-defined]


# (study, endpoint, arm, §6 row); k/n are read from the shipped study and checked against the
# row's numbers here, so a transcription error fails too
P8_ROWS = [
    ("gilmore-2019", "responder_weeks_1_4", "pns", (7, 12), "Gi19: >= 50 % in weeks 1-4, PNS"),
    ("gilmore-2019", "responder_weeks_1_4", "placebo", (2, 14), "Gi19: weeks 1-4, placebo"),
    ("gilmore-2019", "responder_week_8", "pns", (8, 12), "Gi19: after 8 weeks (fitted)"),
    ("gilmore-2019", "responder_end_of_placebo", "placebo", (0, 14), "Gi20: end of placebo"),
    ("cohen-2019", "responder_day_60", "pns", (18, 24), "Co19: review, >= 50 % by day 60"),
    ("real-world-2022", "late_responder", "pns", (232, 747), "PR22: 31 % late (fitted)"),
    ("real-world-2022", "fader", "pns", (52, 747), "PR22: 7 % faded (fitted)"),
]


@pytest.mark.parametrize(("study", "endpoint", "arm", "kn", "row"), P8_ROWS,
                         ids=[f"{r[0]}:{r[1]}:{r[2]}" for r in P8_ROWS])  # fmt: skip
def test_p8_responder_fraction_inside_the_published_binomial_ci(
    study: str, endpoint: str, arm: str, kn: tuple[int, int], row: str
) -> None:
    """P8: pooled simulated responder fraction inside the exact 95 % CI of the §6 row."""
    fraction, k, n = _pooled(study, endpoint, arm)
    assert (k, n) == kn, f"{row}: shipped {k}/{n}"
    lo, hi = exact_ci(k, n)
    assert lo <= fraction <= hi, f"{row}: simulated {fraction:.3f} outside [{lo:.3f}, {hi:.3f}]"


@pytest.mark.xfail(
    strict=True,
    reason="P8 Gi21: the course predicts 82.68 % of low-back patients >= 30 % better at day 60 "
    "(74 000 virtual patients, seed 20) against 54/74 = 73 % (exact 95 % CI 61.39-82.65 %): "
    "just above the upper edge (seeds 0, 1: 82.67 %, 82.46 %); the low-back baseline and "
    "the lead count are [ours] (not read)",
)
def test_p8_low_back_medial_branch_responders_at_two_months() -> None:
    """P8 Gi21: >= 30 % lower back pain after 2 months, 54/74; the day-60 visit."""
    fraction, k, n = _pooled("gilmore-2021", "responder30_day_60", "pns")
    assert (k, n) == (54, 74)
    lo, hi = exact_ci(k, n)
    assert lo <= fraction <= hi, f"simulated {fraction:.4f} outside [{lo:.4f}, {hi:.4f}]"


@pytest.mark.xfail(
    strict=True,
    reason="P8 Gi20: 12 months after placement the model keeps no specific relief once the "
    "lead is withdrawn (after_removal = 0 [ours]): 7 % of the 8-week group >= 50 % better "
    "(the non-specific course alone) against 6/9 = 67 % (exact 95 % CI 30-93 %)",
)
def test_p8_post_amputation_relief_lasts_twelve_months() -> None:
    """P8 Gi20: >= 50 % lower average pain at 12 months in 6/9 of the 8-week PNS group."""
    fraction, k, n = _pooled("gilmore-2019", "responder_month_12", "pns")
    assert (k, n) == (6, 9)
    lo, hi = exact_ci(k, n)
    assert lo <= fraction <= hi, f"simulated {fraction:.3f} outside [{lo:.3f}, {hi:.3f}]"


def test_p8_pns_beats_placebo_in_weeks_1_to_4() -> None:
    """Gi19's contrast: the PNS arm's responder fraction exceeds the placebo arm's in every
    replicate-pooled comparison, and the late responders make week 8 better than weeks 1-4
    (7/12 -> 8/12 in Gi19)."""
    pns, _, _ = _pooled("gilmore-2019", "responder_weeks_1_4", "pns")
    placebo, _, _ = _pooled("gilmore-2019", "responder_weeks_1_4", "placebo")
    week8, _, _ = _pooled("gilmore-2019", "responder_week_8", "pns")
    assert pns > placebo + 0.2
    assert week8 > pns


def test_p8_a_one_week_trial_misclassifies_late_responders_and_faders() -> None:
    """PR22: 38 % would be misclassified by a 1-week trial (31 % late + 7 % faded); the two
    fitted rows add up to the third row of the same report, inside its exact CI."""
    late, _, n = _pooled("real-world-2022", "late_responder", "pns")
    fade, _, _ = _pooled("real-world-2022", "fader", "pns")
    lo, hi = exact_ci(round(0.38 * n), n)
    assert lo <= late + fade <= hi, f"{late + fade:.3f} outside [{lo:.3f}, {hi:.3f}]"


# --- P9 ----------------------------------------------------------------------------------------


def _course(lead: str, n: int, seed: int) -> object:
    cohort = generate_cohort("post_amputation", n, seed)
    return simulate_pns_course(cohort, np.random.default_rng(seed), lead=lead)


def _poisson_ci(k: int) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval of a Poisson count ``k``."""
    lo = 0.0 if k == 0 else stats.chi2.ppf(0.025, 2 * k) / 2.0
    return float(lo), float(stats.chi2.ppf(0.975, 2 * k + 2) / 2.0)


def test_p9_coiled_lead_infections_per_1000_indwelling_days() -> None:
    """P9: SPRINT coiled lead (catalog sprint-microlead), 60 days, 2 leads per patient, 50 000
    virtual patients (6 million lead days). Targets: the simulated rate inside Il17's 0.03
    (0.01-0.13) per 1000 indwelling days; and the exact Poisson 95 % CI of the simulated count
    contains the Il17 point estimate 0.03 (the hazard is an input [S Il17]: this checks that
    the course applies it per lead and indwelling day, the denominator shortened by every
    removal)."""
    c = _course("sprint-microlead", 50_000, 9)
    infections, lead_days = int(c.infected.sum()), c.lead_days  # type: ignore[attr-defined]
    rate = 1000.0 * infections / lead_days
    assert 0.01 <= rate <= 0.13, f"{rate:.4f} per 1000 lead days outside Il17's 0.01-0.13"
    lo, hi = _poisson_ci(infections)
    assert 1000.0 * lo / lead_days <= 0.03 <= 1000.0 * hi / lead_days, f"rate {rate:.4f}"


def test_p9_straight_leads_infect_about_25_times_more() -> None:
    """Il17: 0.83 per 1000 indwelling days for non-coiled leads (the catalog's pns-4); the
    Poisson CI of the simulated count contains 0.83, and the indwelling days match the
    independent expectation n L E[min(T, 60)] with T ~ Exp(L h) (the first infection of a
    patient's L leads ends the course) within 0.5 %."""
    n, leads, h = 20_000, 2, 0.83e-3
    c = _course("pns-4", n, 10)
    infections, lead_days = int(c.infected.sum()), c.lead_days  # type: ignore[attr-defined]
    lo, hi = _poisson_ci(infections)
    assert 1000.0 * lo / lead_days <= 0.83 <= 1000.0 * hi / lead_days
    expected_days = n * leads * (-math.expm1(-leads * h * 60.0)) / (leads * h)
    assert abs(lead_days / expected_days - 1.0) < 0.005
    coiled = load_pns_parameters().infection_per_1000_days["coiled"]
    assert 0.83 / coiled == pytest.approx(27.7, abs=0.1)  # Il17's "25x" from rounded rates


@pytest.mark.xfail(
    strict=True,
    reason="§6 infection about 1-2 % commercially [SPR-ISI, SPR]: Il17's coiled-lead rate over "
    "60 days with 2 leads gives 0.36 % of patients (1 - exp(-2 x 60 x 0.03e-3)); the "
    "commercial figure counts infections of any depth and is not per indwelling day",
)
def test_p9_share_of_patients_infected_matches_the_commercial_rate() -> None:
    """§6: infection about 1-2 % of commercially treated patients (SPRINT, 60 days)."""
    c = _course("sprint-microlead", 50_000, 11)
    share = float(np.mean(c.infected))  # type: ignore[attr-defined]
    assert 0.01 <= share <= 0.02, f"{100 * share:.2f} % of patients infected"
