"""The pathway of one arm: states, events in time order, crossover, explant, reproducibility.

Uses the transparent fakes of ``_fakes.py`` (relief, NRS and trial rules written out there) so
every expectation below is computed by hand from the records, independently of the pathway.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import pytest

from neurostim.clinic.parameters import load_pathway_parameters
from neurostim.clinic.pathway import simulate_arm
from neurostim.clinic.records import STATUSES
from neurostim.errors import InputError
from tests.clinic._fakes import FakeCrossover, FakePainModel, FakeProtocol, FakeTherapy, fake_cohort

DEVICE_EVENTS = {
    *("infection", "migration", "hardware", "ipg_failure", "ipg_pain", "csf_leak", "hematoma"),
    *("granuloma", "infection_superficial", "infection_deep", "bleeding", "neurological_injury"),
    *("implant", "revision", "explant", "reprogramming", "trial"),
}


def _params(**changes: object):  # type: ignore[no-untyped-def]
    return replace(load_pathway_parameters(), **changes)


def _frequent_complications():  # type: ignore[no-untyped-def]
    """SCS complications made frequent, so that interactions show in a small cohort."""
    p = load_pathway_parameters()
    scs = dict(p.complications["scs"])
    scs["infection"] = replace(scs["infection"], cumulative=0.3)
    scs["migration"] = replace(scs["migration"], cumulative=0.4)
    scs["hardware"] = replace(scs["hardware"], cumulative=0.6, cumulative_months=24.0)
    return replace(p, complications={**p.complications, "scs": scs})


def _run(
    therapy: FakeTherapy, n: int = 2000, seed: int = 1, protocol: FakeProtocol | None = None, **kw
):  # type: ignore[no-untyped-def]
    return simulate_arm(fake_cohort(n), therapy, protocol or FakeProtocol(), therapy.kind,
                        kw.pop("pain_model", FakePainModel(noise_sd=0.8)),
                        np.random.default_rng(seed), **kw)  # fmt: skip


def test_cmm_arm_has_no_implant_and_no_device_events() -> None:
    therapy = FakeTherapy("cmm")
    rec = _run(therapy)
    assert not rec.implanted.any() and not rec.trial_done.any()
    assert not set(rec.event_kind.tolist()) & DEVICE_EVENTS
    assert set(np.unique(rec.status).tolist()) <= {"on_therapy", "withdrawn"}
    assert therapy.calls == []  # non-specific effect only: no specific relief asked for
    assert np.all(np.isnan(rec.explant_month))


def test_records_have_every_field_with_its_shape() -> None:
    rec = _run(FakeTherapy("scs"), n=300)
    n, v, r = 300, 5, 3
    assert rec.nrs.shape == (n, v, r) and rec.overall_nrs.shape == (n, v)
    for name in ("odi", "mme_per_day", "pgic", "status"):
        assert getattr(rec, name).shape == (n, v)
    per_patient = ("trial_done", "trial_success", "implanted", "crossed_over_month")
    per_patient += ("explant_month", "explant_reason", "baseline_overall_nrs", "baseline_odi")
    for name in (*per_patient, "baseline_mme_per_day"):
        assert getattr(rec, name).shape == (n,)
    np.testing.assert_array_equal(rec.months, [1, 3, 6, 12, 24])
    assert set(np.unique(rec.status).tolist()) <= set(STATUSES)
    assert rec.event_patient.shape == rec.event_month.shape == rec.event_kind.shape


def test_status_arrays_are_consistent() -> None:
    rec = _run(FakeTherapy("scs"), n=3000, parameters=_frequent_complications())
    months = rec.months[None, :]
    withdrawn = rec.status == "withdrawn"
    # no visit after withdrawal: scores missing, PGIC 0; withdrawal is absorbing
    assert np.all(np.isnan(rec.overall_nrs[withdrawn])) and np.all(rec.pgic[withdrawn] == 0)
    assert np.all(np.isfinite(rec.overall_nrs[~withdrawn]))
    assert np.all(np.diff(withdrawn.astype(int), axis=1) >= 0)
    # explanted exactly from the explant month on (until withdrawal)
    explanted = rec.explant_month[:, None] <= months
    np.testing.assert_array_equal(rec.status == "explanted", explanted & ~withdrawn)
    assert np.all((rec.explant_reason != "") == np.isfinite(rec.explant_month))
    # not implanted = failed the trial; implanted patients passed it
    not_impl = (rec.status == "not_implanted").any(axis=1)
    np.testing.assert_array_equal(not_impl, ~rec.implanted & (rec.status[:, 0] != "withdrawn"))
    assert np.all(rec.trial_success[rec.implanted]) and np.all(rec.trial_done)
    # an explanted patient had an implant before the explant
    had = np.isfinite(rec.explant_month)
    assert np.all(rec.implanted[had])


def test_explant_stops_every_later_device_event() -> None:
    rec = _run(FakeTherapy("scs"), n=4000, parameters=_frequent_complications())
    device = np.isin(rec.event_kind, sorted(DEVICE_EVENTS - {"trial", "implant", "explant"}))
    after = rec.event_month > rec.explant_month[rec.event_patient]
    assert np.isfinite(rec.explant_month).sum() > 300  # the check has explants to look at
    assert not np.any(device & after)
    # each explant is recorded once, at the explant month, with a complication or efficacy reason
    ex = rec.event_kind == "explant"
    np.testing.assert_array_equal(
        np.sort(rec.event_patient[ex]), np.flatnonzero(np.isfinite(rec.explant_month))
    )
    np.testing.assert_allclose(rec.event_month[ex], rec.explant_month[rec.event_patient[ex]])
    reasons = set(rec.explant_reason[np.isfinite(rec.explant_month)].tolist())
    assert reasons <= {"infection", "migration", "hardware", "ipg_failure", "loss_of_efficacy"}


def test_device_events_follow_the_implant_and_stay_within_follow_up() -> None:
    rec = _run(FakeTherapy("scs"), n=3000, parameters=_frequent_complications())
    implant = np.full(rec.n_patients, np.nan)
    sel = rec.event_kind == "implant"
    implant[rec.event_patient[sel]] = rec.event_month[sel]
    comp = np.isin(rec.event_kind, ["infection", "migration", "hardware", "revision", "csf_leak"])
    assert np.all(rec.event_month[comp] >= implant[rec.event_patient[comp]])
    assert np.all(rec.event_month <= 24.0)
    # the implant follows a 3-8 day trial and a 7-28 day delay
    t_days = implant[rec.implanted] * 365.25 / 12
    assert t_days.min() >= 10.0 - 1e-9 and t_days.max() <= 36.0 + 1e-9


def _migration_run(level: float, revision_fraction: float):  # type: ignore[no-untyped-def]
    p = load_pathway_parameters()
    migration = p.complications["scs"]["migration"]
    scs = {"migration": replace(migration, cumulative=0.9, explant_fraction=0.0,
                                revision_fraction=revision_fraction)}  # fmt: skip
    params = replace(p, complications={**p.complications, "scs": scs},
                     background_explant_per_year=0.0, withdrawal_per_year=0.0)  # fmt: skip
    therapy = FakeTherapy("scs", level=level)
    rec = _run(therapy, n=500, protocol=FakeProtocol(trial_phase=False), parameters=params,
               pain_model=FakePainModel(noise_sd=0.0))  # fmt: skip

    def first(kind: str) -> np.ndarray:
        t = np.full(500, np.inf)
        t[rec.event_patient[rec.event_kind == kind]] = rec.event_month[rec.event_kind == kind]
        return t

    implant, mig, rev = first("implant"), first("migration"), first("revision")
    schedule = np.array([1.0, 3.0, 6.0, 12.0, 18.0, 24.0])  # protocol + routine visits
    shift = np.full((500, schedule.size), np.nan)  # shift seen at each visit on the device
    for call in therapy.calls:
        ids = call["ids"]
        month = call["months_on"] + implant[ids]
        v = np.abs(month[:, None] - schedule[None, :]).argmin(axis=1)
        shift[ids, v] = call["shift"]
    return rec, schedule, implant, mig, rev, shift


def test_a_migrated_lead_is_shifted_caudally_until_its_revision() -> None:
    """Relief 0.7 x (1 - 10/20) = 0.35 with the shifted lead: no reprogramming."""
    _, schedule, implant, mig, rev, shift = _migration_run(0.7, 1.0)
    on = implant[:, None] <= schedule[None, :]
    expect = np.where((mig[:, None] <= schedule) & (schedule < rev[:, None]), 10.0, 0.0)
    np.testing.assert_array_equal(shift[on], expect[on])
    assert (expect[on] > 0).sum() > 20 and np.isfinite(rev).sum() > 20
    np.testing.assert_allclose(rev[np.isfinite(rev)] - mig[np.isfinite(rev)], 30.0 / (365.25 / 12))


def test_reprogramming_recovers_half_of_an_unrevised_shift() -> None:
    """Relief 0.5 x 0.5 = 0.25 < 0.30 at the first visit after the migration: a reprogramming
    session, after which the lead is 5 mm off (relief 0.375, no further session)."""
    rec, schedule, implant, mig, rev, shift = _migration_run(0.5, 0.0)
    assert np.all(np.isinf(rev))
    checked = 0
    for i in np.flatnonzero(np.isfinite(mig)):
        visits = np.flatnonzero((schedule >= mig[i]) & (schedule >= implant[i]))
        if visits.size < 2:
            continue
        assert shift[i, visits[0]] == 10.0
        np.testing.assert_array_equal(shift[i, visits[1:]], 5.0)
        rp = rec.event_month[(rec.event_patient == i) & (rec.event_kind == "reprogramming")]
        np.testing.assert_array_equal(rp, schedule[visits[:1]])
        checked += 1
    assert checked > 100


def test_explant_for_loss_of_efficacy_after_k_visits_without_relief() -> None:
    """No relief at all: overall NRS = NRS0 >= 0.8 NRS0 at every visit on the device, so the
    explant comes at the third visit after the implant (routine visits count)."""
    p = load_pathway_parameters()
    params = replace(p, complications={"scs": {}, "intrathecal": {}},
                     background_explant_per_year=0.0, withdrawal_per_year=0.0)  # fmt: skip
    rec = _run(FakeTherapy("scs", level=0.0), n=400, protocol=FakeProtocol(trial_phase=False),
               parameters=params, pain_model=FakePainModel(noise_sd=0.0))  # fmt: skip
    implant = np.full(400, np.nan)
    sel = rec.event_kind == "implant"
    implant[rec.event_patient[sel]] = rec.event_month[sel]
    schedule = np.array([1.0, 3.0, 6.0, 12.0, 18.0, 24.0])
    expected = np.array([schedule[schedule >= t][2] for t in implant])
    np.testing.assert_array_equal(rec.explant_month, expected)
    assert set(rec.explant_reason.tolist()) == {"loss_of_efficacy"}


def test_good_relief_keeps_the_device() -> None:
    p = load_pathway_parameters()
    params = replace(
        p, complications={"scs": {}, "intrathecal": {}}, background_explant_per_year=0.0
    )
    rec = _run(FakeTherapy("scs", level=0.7), n=400, parameters=params,
               pain_model=FakePainModel(noise_sd=0.0))  # fmt: skip
    assert np.all(np.isnan(rec.explant_month))
    assert not np.any(rec.event_kind == "reprogramming")


def test_crossover_rule_is_applied_exactly() -> None:
    """PROCESS-like: at 6 months, patients with < 50 % leg relief continue under CMM."""
    protocol = FakeProtocol(crossover=FakeCrossover(6.0, "leg_relief < 0.5"))
    therapy = FakeTherapy("scs", level=0.5)
    rec = _run(therapy, n=3000, protocol=protocol, crossover_therapy=FakeTherapy("cmm"),
               pain_model=FakePainModel(noise_sd=1.0))  # fmt: skip
    v = 2  # the 6-month visit
    legs = [1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # withdrawn patients: no scores
        leg_relief = np.nanmean(1.0 - rec.nrs[:, v, legs] / rec.baseline_nrs[:, legs], axis=1)
    eligible = np.isin(rec.status[:, v], ["on_therapy", "not_implanted"])
    expected = eligible & (leg_relief < 0.5)
    crossed = rec.crossed_over_month == 6.0
    np.testing.assert_array_equal(crossed, expected)
    assert 100 < crossed.sum() < 2900
    assert np.all(np.isnan(rec.crossed_over_month[~crossed]))
    later = rec.status[crossed][:, 3:]
    assert set(np.unique(later).tolist()) <= {"crossed_over", "explanted", "withdrawn"}
    # after crossing to CMM no specific relief is asked for these patients
    ids_after = np.concatenate([c["ids"] for c in therapy.calls if np.all(c["months_on"] > 0)][-1:])
    assert not np.any(np.isin(ids_after, np.flatnonzero(crossed)))


def test_crossover_to_another_program_resets_months_on() -> None:
    protocol = FakeProtocol(trial_phase=False, crossover=FakeCrossover(6.0, "always"))
    second = FakeTherapy("scs", level=0.7)
    p = replace(load_pathway_parameters(), complications={"scs": {}, "intrathecal": {}},
                background_explant_per_year=0.0, withdrawal_per_year=0.0)  # fmt: skip
    rec = _run(FakeTherapy("scs", level=0.3), n=200, protocol=protocol, crossover_therapy=second,
               parameters=p, pain_model=FakePainModel(noise_sd=0.0))  # fmt: skip
    assert np.all(rec.crossed_over_month == 6.0)
    # visits after the crossover (12, 18, 24) see months_on = visit - 6
    np.testing.assert_allclose(
        sorted({float(c["months_on"][0]) for c in second.calls}), [6.0, 12.0, 18.0]
    )
    # relief 0.7 after crossover (no noise): NRS = 0.3 NRS0
    np.testing.assert_allclose(rec.nrs[:, -1], 0.3 * rec.baseline_nrs)


def test_cmm_patients_crossing_to_scs_get_a_trial_and_an_implant() -> None:
    protocol = FakeProtocol(crossover=FakeCrossover(6.0, "relief < 0.5"))
    rec = _run(FakeTherapy("cmm"), n=2000, protocol=protocol, crossover_therapy=FakeTherapy("scs"),
               parameters=_frequent_complications())  # fmt: skip
    crossed = rec.crossed_over_month == 6.0
    assert crossed.sum() > 1500  # no relief on CMM: nearly everyone qualifies
    assert np.all(rec.trial_done == crossed)
    np.testing.assert_array_equal(rec.implanted & crossed, rec.implanted)
    implant = rec.event_month[rec.event_kind == "implant"]
    assert np.all(implant > 6.0)
    dev = np.isin(rec.event_kind, ["infection", "migration", "hardware"])
    assert dev.sum() > 50 and np.all(rec.event_month[dev] > 6.0)


def test_intrathecal_arm_has_pump_complications_only() -> None:
    p = load_pathway_parameters()
    it = {
        k: replace(v, cumulative=min(0.5, v.cumulative * 20))
        for k, v in p.complications["intrathecal"].items()
    }
    params = replace(p, complications={**p.complications, "intrathecal": it})
    rec = _run(FakeTherapy("intrathecal"), n=2000, protocol=FakeProtocol(trial_phase=False),
               parameters=params)  # fmt: skip
    kinds = set(rec.event_kind.tolist())
    assert {"granuloma", "infection_deep"} <= kinds
    assert not kinds & {"migration", "csf_leak", "ipg_pain", "hardware"}
    assert rec.implanted.mean() > 0.9


def test_same_seed_same_records_and_another_seed_differs() -> None:
    kw = {"protocol": FakeProtocol(crossover=FakeCrossover(6.0, "leg_relief < 0.5")),
          "crossover_therapy": FakeTherapy("cmm")}  # fmt: skip
    a = _run(FakeTherapy("scs"), seed=4, **kw)
    b = _run(FakeTherapy("scs"), seed=4, **kw)
    c = _run(FakeTherapy("scs"), seed=5, **kw)
    for name in ("nrs", "overall_nrs", "status", "explant_month", "event_month", "event_kind",
                 "crossed_over_month", "mme_per_day", "pgic"):  # fmt: skip
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.overall_nrs, c.overall_nrs, equal_nan=True)


def test_ten_thousand_patients_through_24_months_in_seconds() -> None:
    cohort = fake_cohort(10_000)
    protocol = FakeProtocol(crossover=FakeCrossover(6.0, "leg_relief < 0.5"))
    start = time.perf_counter()
    rec = simulate_arm(cohort, FakeTherapy("scs"), protocol, "scs", FakePainModel(noise_sd=1.0),
                       np.random.default_rng(0), crossover_therapy=FakeTherapy("cmm"))  # fmt: skip
    elapsed = time.perf_counter() - start
    assert rec.n_patients == 10_000
    assert elapsed < 5.0, f"{elapsed:.2f} s"  # measured about 0.15 s on the 2-core machine


@pytest.mark.parametrize(
    ("rule", "field"),
    [("leg relief below half", "crossover.rule"), ("arm_relief < 0.5", "crossover.rule")],
)
def test_bad_rules_are_refused(rule: str, field: str) -> None:
    protocol = FakeProtocol(crossover=FakeCrossover(6.0, rule))
    with pytest.raises(InputError) as err:
        _run(FakeTherapy("scs"), n=50, protocol=protocol, crossover_therapy=FakeTherapy("cmm"))
    assert err.value.field == field


def test_unknown_therapy_kind_is_refused() -> None:
    with pytest.raises(InputError) as err:
        _run(FakeTherapy("drg"), n=10)
    assert err.value.field == "therapy.kind"


def test_infections_in_an_arm_follow_the_incidence_from_each_implant() -> None:
    """Observed infections by each visit = mean over implanted patients of
    F(visit - implant), F written out here with the data's timing (80 % of infections by 3
    months, shape 0.7; incidence raised to 20 % so the check has events), within sampling
    error."""
    p = load_pathway_parameters()
    infection = replace(p.complications["scs"]["infection"], cumulative=0.2, explant_fraction=0.0)
    params = replace(p, complications={"scs": {"infection": infection}, "intrathecal": {}},
                     background_explant_per_year=0.0, withdrawal_per_year=0.0)  # fmt: skip
    rec = _run(FakeTherapy("scs", level=0.7), n=20_000, parameters=params,
               pain_model=FakePainModel(noise_sd=0.0))  # fmt: skip
    implant = np.full(rec.n_patients, np.nan)
    sel = rec.event_kind == "implant"
    implant[rec.event_patient[sel]] = rec.event_month[sel]
    on = rec.implanted
    scale = 3.0 / (-np.log(1 - 0.8)) ** (1 / 0.7)
    for month in (0.5, 1.0, 2.0, 3.0, 6.0, 24.0):
        t = np.clip(month - implant[on], 0.0, None)
        expected = np.mean(0.2 * (1 - np.exp(-((t / scale) ** 0.7))))
        observed = rec.had_event("infection", month)[on].mean()
        se = np.sqrt(expected * (1 - expected) / on.sum())
        assert abs(observed - expected) <= 4.5 * se + 1e-12, (month, observed, expected)


def test_crossover_fraction_lets_a_share_of_the_qualifying_patients_cross() -> None:
    """SENZA-PDN-like: every CMM patient qualifies (no specific relief, no noise); with
    ``fraction = 0.8`` the crossers are Binomial(n, 0.8)."""
    protocol = FakeProtocol(crossover=FakeCrossover(6.0, "relief < 0.5", fraction=0.8))
    p = replace(load_pathway_parameters(), withdrawal_per_year=0.0)
    rec = _run(FakeTherapy("cmm"), n=5000, protocol=protocol, crossover_therapy=FakeTherapy("scs"),
               parameters=p, pain_model=FakePainModel(noise_sd=0.0))  # fmt: skip
    share = np.mean(rec.crossed_over_month == 6.0)
    assert abs(share - 0.8) <= 4.5 * np.sqrt(0.8 * 0.2 / 5000)
    bad = FakeProtocol(crossover=FakeCrossover(6.0, "relief < 0.5", fraction=1.5))
    with pytest.raises(InputError) as err:
        _run(FakeTherapy("cmm"), n=10, protocol=bad, crossover_therapy=FakeTherapy("scs"))
    assert err.value.field == "crossover.fraction"
