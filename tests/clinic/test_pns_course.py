"""The 60-day percutaneous PNS course (neurostim.clinic.pns): seeded reruns, the placebo arm and
its crossover, coverage as the stimulation model's input, lead types from the device catalog,
refusals, and the provenance of every shipped number. The published targets (P8, P9) are in
tests/reference/test_pns_cohorts.py."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurostim.clinic.pns import (
    coverage_from_map,
    lead_type,
    load_pns_parameters,
    parameters_from_tables,
    pns_study,
    pns_study_names,
    run_pns_study,
    simulate_pns_course,
)
from neurostim.errors import InputError
from neurostim.patient import generate_cohort

REPO_ROOT = Path(__file__).resolve().parents[2]


def _cohort(n: int = 2000, indication: str = "post_amputation", seed: int = 3):  # type: ignore[no-untyped-def]
    return generate_cohort(indication, n, seed)


def test_the_shipped_studies() -> None:
    assert pns_study_names() == ["gilmore-2019", "gilmore-2021", "cohen-2019", "real-world-2022"]
    s = pns_study("gilmore-2019")
    assert [(a.id, a.n, a.therapy, a.crossover_day) for a in s.arms] == [
        ("pns", 12, "pns", None), ("placebo", 14, "placebo", 28.0)]  # fmt: skip
    assert s.blinded and s.indications == ("post_amputation",)


def test_same_seed_same_table_other_seed_other_table() -> None:
    a = run_pns_study("gilmore-2019", replicates=20, seed=4).table()
    b = run_pns_study("gilmore-2019", replicates=20, seed=4).table()
    c = run_pns_study("gilmore-2019", replicates=20, seed=5).table()
    assert a == b
    assert [r["pooled"] for r in a] != [r["pooled"] for r in c]


def test_placebo_gives_no_specific_relief_until_the_crossover() -> None:
    """Without coverage a PNS arm is a placebo arm (same draws, same numbers); a placebo arm
    crossing over on day 28 improves after it and not before."""
    cohort = _cohort()
    kw: dict[str, Any] = {"coverage": 0.0, "blinded": True}
    sham = simulate_pns_course(cohort, np.random.default_rng(1), therapy="placebo", **kw)
    off = simulate_pns_course(cohort, np.random.default_rng(1), therapy="pns", **kw)
    np.testing.assert_array_equal(sham.change, off.change)
    cross = simulate_pns_course(cohort, np.random.default_rng(1), therapy="placebo",
                                crossover_day=28.0, coverage=1.0, blinded=True)  # fmt: skip
    before = cross.visit_days <= 28.0
    np.testing.assert_array_equal(cross.change[:, before], sham.change[:, before])
    assert cross.change[:, -1].mean() > sham.change[:, -1].mean() + 0.3


def test_coverage_scales_the_relief() -> None:
    cohort = _cohort()
    means = [
        simulate_pns_course(cohort, np.random.default_rng(2), coverage=c).change[:, 6].mean()
        for c in (0.0, 0.5, 1.0)
    ]
    assert means[0] < means[1] < means[2]


def test_late_responders_start_low_and_faders_end_low() -> None:
    c = simulate_pns_course(_cohort(5000), np.random.default_rng(3), coverage=1.0)
    early = ~c.late & ~c.fader
    assert c.change[c.late, 0].mean() < c.change[early, 0].mean() - 0.2
    assert c.change[c.fader, -1].mean() < c.change[early, -1].mean() - 0.2
    p = load_pns_parameters()
    assert abs(c.late.mean() - p.late_share) < 0.03
    assert abs(c.fader.mean() - p.fade_share) < 0.02


def test_an_infection_ends_the_course() -> None:
    c = simulate_pns_course(_cohort(5000), np.random.default_rng(4), lead="pns-4", coverage=1.0)
    assert c.infected.any()
    assert np.all(c.removal_day[c.infected] < 60.0)
    assert np.all(c.removal_day[~c.infected] == 60.0)
    assert c.lead_days == pytest.approx(2 * c.removal_day.sum())
    # leads out before day 28: no specific relief at week 8, like the uninfected sham
    gone = c.infected & (c.removal_day < 28.0)
    sham = simulate_pns_course(_cohort(5000), np.random.default_rng(4), lead="pns-4",
                               coverage=0.0)  # fmt: skip
    assert c.change[gone, 7].mean() < sham.change[:, 7].mean() + 0.1


def test_lead_types_come_from_the_catalog() -> None:
    assert lead_type("sprint-microlead") == "coiled"
    assert lead_type("pns-4") == "straight"
    with pytest.raises(InputError, match="percutaneous PNS lead"):
        lead_type("paddle-16")
    with pytest.raises(InputError, match="device catalog"):
        lead_type("no-such-lead")


def test_coverage_from_a_pns_map_result() -> None:
    cov = {"fascicles": ["f0", "f2"], "cutaneous_fascicles": ["f0", "f1", "f2", "f3"]}
    m = {"comfort_window_ma": [0.5, 1.2], "coverage": cov}
    assert coverage_from_map(m) == 0.5
    assert coverage_from_map({**m, "comfort_window_ma": None}) == 0.0
    with pytest.raises(InputError, match="pns map"):
        coverage_from_map({"sensation_threshold_ma": 1.0})


def test_refusals() -> None:
    cohort = _cohort(10)
    with pytest.raises(InputError, match="therapy"):
        simulate_pns_course(cohort, np.random.default_rng(0), therapy="scs")
    with pytest.raises(InputError, match="coverage"):
        simulate_pns_course(cohort, np.random.default_rng(0), coverage=1.2)
    with pytest.raises(InputError, match="PNS indication"):
        simulate_pns_course(_cohort(10, "fbss"), np.random.default_rng(0))
    with pytest.raises(InputError, match="replicates"):
        run_pns_study("cohen-2019", replicates=0)
    text = resources.files("neurostim.clinic").joinpath("data/pns.toml").read_text()
    data = tomllib.loads(text)
    data["response"]["late_share"]["value"] = 0.95
    with pytest.raises(InputError, match="at most 1"):
        parameters_from_tables(data)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_every_source_key_is_listed_in_the_documentation() -> None:
    """Source keys (a key followed by its tag, ``Gi19 [S]``) of pns.toml and of the PNS
    indications are listed under "Sources" in docs/clinic-protocols.md; every value of pns.toml
    carries a source or is marked fitted with the row it was fitted to."""
    doc = (REPO_ROOT / "docs" / "clinic-protocols.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^- \*\*([\w-]+)\*\*", doc.split("## Sources", 1)[1], flags=re.M))
    pns = tomllib.loads(resources.files("neurostim.clinic").joinpath("data/pns.toml").read_text())
    ind = tomllib.loads(
        resources.files("neurostim.patient").joinpath("data/indications.toml").read_text()
    )["indications"]
    texts = _strings(pns) + _strings(ind["post_amputation"]) + _strings(ind["low_back_mb"])
    keys = {k for t in texts for k in re.findall(r"\b([A-Z][\w-]*) \[[SRV]\]", t)}
    assert {"Gi19", "Gi20", "Gi21", "Co19", "PR22", "Il17", "K170902", "SPR-ML"} <= keys
    assert keys <= listed, f"not in docs/clinic-protocols.md Sources: {sorted(keys - listed)}"
    for table in ("response", "course", "infection", "leads", "lead_types"):
        for name, row in pns[table].items():
            assert "source" in row, f"{table}.{name}"
            if row.get("fitted"):
                assert row["source"].startswith("fitted to "), f"{table}.{name}"
