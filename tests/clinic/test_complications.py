"""Complication incidence and timing: sampled times against the published rates and an
independent statement of each cumulative-incidence formula."""

from __future__ import annotations

import math
import tomllib
from importlib import resources

import numpy as np
import pytest

from neurostim.clinic.complications import complication_from_table, sample_complications
from neurostim.clinic.parameters import load_pathway_parameters, parse_pathway_parameters
from neurostim.errors import InputError

N = 400_000
MONTHS = np.array([0.03, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 60.0, 120.0])


def _raw() -> dict:
    text = resources.files("neurostim.clinic").joinpath("data/pathway.toml").read_text()
    return tomllib.loads(text)


def _expected(table: dict, t: np.ndarray, leads: int) -> np.ndarray:
    """F(t) written from the data file's numbers, independently of the module."""
    q = table["cumulative"]
    if table.get("per_lead", False):
        q = 1.0 - (1.0 - q) ** leads
    if table["timing"] == "uniform":
        return q * np.clip(t / table["within_months"], 0.0, 1.0)
    k = table["shape"]
    if table["timing"] == "weibull":
        # 1 - exp(-(t/scale)^k) = q at t_ref  =>  (t/scale)^k = (t/t_ref)^k * (-ln(1-q))
        return 1.0 - (1.0 - q) ** ((t / table["cumulative_months"]) ** k)
    # mixture: the share s by t_s fixes the time course G(t) = 1 - (1-s)^((t/t_s)^k)
    g = 1.0 - (1.0 - table["share"]) ** ((t / table["share_months"]) ** k)
    t_ref = table["cumulative_months"]
    g_ref = (
        1.0
        if math.isinf(t_ref)
        else 1.0 - (1.0 - table["share"]) ** ((t_ref / table["share_months"]) ** k)
    )
    return q / g_ref * g


@pytest.mark.parametrize(
    ("device", "name"),
    [(d, k) for d in ("scs", "intrathecal") for k in _raw()[d]],
)
def test_sampled_incidence_by_month_matches_the_formula(device: str, name: str) -> None:
    params = load_pathway_parameters()
    kind = params.complications[device][name]
    leads = params.leads_per_patient if device == "scs" else 1
    t = kind.sample_months(np.random.default_rng(11), N, leads=leads)
    observed = (t[:, None] <= MONTHS[None, :]).mean(axis=0)
    expected = _expected(_raw()[device][name], MONTHS, leads)
    se = np.sqrt(expected * (1 - expected) / N)
    # within 4.5 binomial standard errors at every month (sampling error only)
    assert np.all(np.abs(observed - expected) <= 4.5 * se + 1e-12), (name, observed, expected)
    np.testing.assert_allclose(
        kind.cumulative_incidence(MONTHS, leads), expected, rtol=1e-12, atol=1e-15
    )


def _incidence(
    kind_name: str, by_months: float, device: str = "scs", leads: int = 1
) -> tuple[float, float]:
    kind = load_pathway_parameters().complications[device][kind_name]
    t = kind.sample_months(np.random.default_rng(5), N, leads=leads)
    p = float(np.mean(t <= by_months))
    return p, math.sqrt(p * (1 - p) / N)


@pytest.mark.parametrize(
    ("kind", "by_months", "published", "leads", "what"),
    [
        ("infection", 1200.0, 0.0245, 1, "infection 2.45 % of 2737 implants (Mig23/Inf17)"),
        ("migration", 1200.0, 0.0997, 1, "lead migration 9.97 %, 53 studies (Mig23)"),
        ("ipg_pain", 24.0, 0.083, 1, "implant-site pain 8.3 % over 24 months (Ta24)"),
        ("hematoma", 30.0 / 30.4375, 0.0071, 1, "spinal hematoma 0.71 % within 30 days (MS16)"),
        (
            "csf_leak",
            2.0 / 30.4375,
            1 - (1 - 0.0081) ** 2,
            2,
            "PDPH 0.81 % per lead, 2 leads (Si16)",
        ),
        ("hardware", 60.0, 0.06, 1, "electrode failure 3-9 % (AK-tab), mid value at 5 y"),
    ],
)
def test_incidence_matches_the_published_rate(
    kind: str, by_months: float, published: float, leads: int, what: str
) -> None:
    p, se = _incidence(kind, by_months, leads=leads)
    assert abs(p - published) <= 4.5 * se, f"{what}: simulated {p:.4f}"


def test_early_events_fall_mostly_in_90_days() -> None:
    """Infection and migration are early: 80 % of the events by 3 months (shape < 1)."""
    params = load_pathway_parameters()
    for name in ("infection", "migration"):
        kind = params.complications["scs"][name]
        assert kind.shape < 1.0
        t = kind.sample_months(np.random.default_rng(3), N)
        t = t[np.isfinite(t)]
        share = np.mean(t <= 3.0)
        assert abs(share - 0.8) <= 4.5 * math.sqrt(0.16 / t.size)


def test_hardware_hazard_rises_with_time() -> None:
    """Late events: more failures in the fifth year than in the first."""
    kind = load_pathway_parameters().complications["scs"]["hardware"]
    f = kind.cumulative_incidence(np.array([0.0, 12.0, 48.0, 60.0]))
    assert f[3] - f[2] > 2 * (f[1] - f[0])


def test_outcome_shares_follow_the_data() -> None:
    """77.6 % of infections explanted (Mig23); 96 % of migrations revised or explanted."""
    params = load_pathway_parameters()
    draw = sample_complications(params.complications["scs"], np.random.default_rng(2), N)
    names = list(draw.names)
    out = draw.outcome[:, names.index("infection")]
    assert abs(np.mean(out == 2) - 0.776) <= 4.5 * math.sqrt(0.776 * 0.224 / N)
    out = draw.outcome[:, names.index("migration")]
    assert abs(np.mean(out > 0) - 0.96) <= 4.5 * math.sqrt(0.96 * 0.04 / N)
    assert draw.months.shape == (N, len(names))


def test_horizon_turns_late_times_into_never() -> None:
    kind = load_pathway_parameters().complications["scs"]["hardware"]
    t = kind.sample_months(np.random.default_rng(0), 10_000, horizon_months=24.0)
    assert np.all(np.isinf(t) | (t <= 24.0))
    assert np.isinf(t).mean() > 0.9


def test_same_seed_same_times() -> None:
    kinds = load_pathway_parameters().complications["scs"]
    a = sample_complications(kinds, np.random.default_rng(9), 1000)
    b = sample_complications(kinds, np.random.default_rng(9), 1000)
    np.testing.assert_array_equal(a.months, b.months)
    np.testing.assert_array_equal(a.outcome, b.outcome)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timing": "lognormal"}, "scs.x.timing"),
        ({"effect": "worse"}, "scs.x.effect"),
        ({"explant_fraction": 0.7, "revision_fraction": 0.5}, "scs.x.revision_fraction"),
        ({"cumulative": 0.5, "cumulative_months": 0.1}, "scs.x.cumulative"),
        ({"shape": -1.0}, "scs.x.shape"),
        ({"colour": "red"}, "scs.x"),
    ],
)
def test_bad_complication_tables_are_refused(change: dict, field: str) -> None:
    table = dict(_raw()["scs"]["infection"]) | change
    with pytest.raises(InputError) as err:
        complication_from_table("x", table, "scs.x")
    assert err.value.field == field


def test_fitted_tables_are_named_and_unknown_tables_refused() -> None:
    params = parse_pathway_parameters(_raw())
    assert set(params.fitted) == {"explant_loss_of_efficacy", "withdrawal"}
    bad = _raw() | {"extra": {}}
    with pytest.raises(InputError):
        parse_pathway_parameters(bad)
