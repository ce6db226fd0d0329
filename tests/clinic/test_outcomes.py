"""Outcome measures and analysis sets on small hand-built records; expected values worked out by
hand in the comments (not with the code under test)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.clinic import (
    analysis_set,
    endpoint_result,
    endpoint_value,
    evaluate_differences,
    evaluate_endpoints,
    protocol_from_dict,
    wilson_ci95,
)
from neurostim.clinic.outcomes import is_mcid, is_remitter, is_responder, percent_change
from neurostim.clinic.protocol import Endpoint
from neurostim.clinic.records import VisitRecords
from neurostim.errors import InputError

NAN = math.nan
MONTHS = [3.0, 6.0, 12.0]
REGIONS = ("back", "leg_left", "leg_right")


def _scs_arm() -> VisitRecords:
    """Four SCS patients, visits at 3, 6, 12 months.

    p0: implanted, on therapy throughout; overall 8 -> 4, 3, 2; leg_left only (6 -> 4).
    p1: implanted, crossed over after the 6-month visit; overall 6 -> 5, 5, 6; legs 4/8 -> 2/4.
    p2: not implanted; overall 7 -> 7, 7, 7; no leg pain.
    p3: implanted, explanted for infection at 9 months; overall 10 -> 2, 1, (none).
    """
    overall = np.array([[4, 3, 2], [5, 5, 6], [7, 7, 7], [2, 1, NAN]], float)
    baseline_overall = np.array([8, 6, 7, 10], float)
    baseline_nrs = np.array([[8, 6, NAN], [6, 4, 8], [7, NAN, NAN], [10, 5, 5]], float)
    nrs = np.full((4, 3, 3), NAN)
    nrs[:, :, 0] = overall
    nrs[0, :, 1] = [4, 4, 4]
    nrs[1, :, 1:] = [[2, 4], [2, 4], [3, 6]]
    nrs[3, :2, 1:] = [[1, 2], [1, 1]]
    status = np.array(
        [
            ["on_therapy"] * 3,
            ["on_therapy", "on_therapy", "crossed_over"],
            ["not_implanted"] * 3,
            ["on_therapy", "on_therapy", "explanted"],
        ]
    )
    return VisitRecords(
        arm="scs",
        therapy_kind="scs",
        months=np.array(MONTHS),
        region_names=REGIONS,
        baseline_nrs=baseline_nrs,
        nrs=nrs,
        overall_nrs=overall,
        baseline_overall_nrs=baseline_overall,
        odi=np.array([[45, 40, 35], [40, 40, 38], [60, 60, 60], [50, 45, NAN]], float),
        baseline_odi=np.array([50, 40, 60, 70], float),
        mme_per_day=np.array([[50, 30, 30], [0, 10, 10], [30, 30, 30], [60, 45, NAN]], float),
        baseline_mme_per_day=np.array([60, 0, 30, 90], float),
        pgic=np.array([[2, 1, 1], [4, 4, 3], [4, 0, 4], [1, 2, 0]], np.int64),
        status=status,
        trial_done=np.array([True, True, True, True]),
        trial_success=np.array([True, True, False, True]),
        implanted=np.array([True, True, False, True]),
        crossed_over_month=np.array([NAN, 6, NAN, NAN]),
        explant_month=np.array([NAN, NAN, NAN, 9]),
        explant_reason=np.array(["", "", "", "infection"]),
        event_patient=np.array([0, 3, 0, 3], np.int64),
        event_month=np.array([1.0, 2.0, 8.0, 9.0]),
        event_kind=np.array(["migration", "infection", "revision", "explant"]),
    )


def _cmm_arm() -> VisitRecords:
    """Two CMM patients: p0 stays (7 -> 7, 7, 6); p1 crosses to SCS after 6 months (8 -> 8, 8, 2)
    and has an infection at 7 months, after the crossover."""
    overall = np.array([[7, 7, 6], [8, 8, 2]], float)
    nrs = np.full((2, 3, 3), NAN)
    nrs[:, :, 0] = overall
    return VisitRecords(
        arm="cmm",
        therapy_kind="cmm",
        months=np.array(MONTHS),
        region_names=REGIONS,
        baseline_nrs=np.array([[7, NAN, NAN], [8, NAN, NAN]], float),
        nrs=nrs,
        overall_nrs=overall,
        baseline_overall_nrs=np.array([7, 8], float),
        odi=np.full((2, 3), 50.0),
        baseline_odi=np.full(2, 50.0),
        mme_per_day=np.zeros((2, 3)),
        baseline_mme_per_day=np.zeros(2),
        pgic=np.full((2, 3), 4, np.int64),
        status=np.array([["on_therapy"] * 3, ["on_therapy", "on_therapy", "crossed_over"]]),
        trial_done=np.array([False, False]),
        trial_success=np.array([False, False]),
        implanted=np.array([False, True]),
        crossed_over_month=np.array([NAN, 6]),
        explant_month=np.array([NAN, NAN]),
        explant_reason=np.array(["", ""]),
        event_patient=np.array([1], np.int64),
        event_month=np.array([7.0]),
        event_kind=np.array(["infection"]),
    )


def _ep(measure: str, kind: str, month: float, analysis: str, **kw: object) -> Endpoint:
    return Endpoint(id="e", measure=measure, kind=kind, month=month, analysis=analysis, **kw)


def test_analysis_sets() -> None:
    rec = _scs_arm()
    assert analysis_set(rec, "itt", 6).tolist() == [True, True, True, True]
    assert analysis_set(rec, "mitt", 6).tolist() == [True, True, False, True]
    # at 6 months p1 is still on SCS (the crossover takes effect after the visit)
    assert analysis_set(rec, "pp", 6).tolist() == [True, True, False, True]
    assert analysis_set(rec, "pp", 12).tolist() == [True, False, False, False]
    assert analysis_set(rec, "crossed_over", 12).tolist() == [False, True, False, False]
    with pytest.raises(InputError, match="no visit"):
        analysis_set(rec, "itt", 9)


@pytest.mark.parametrize(
    ("measure", "kind", "month", "analysis", "expected"),
    [
        # responders at 6: p0 1-3/8 = .625 yes, p1 1-5/6 no, p2 failure, p3 1-1/10 = .9 yes
        ("nrs", "responder", 6, "itt", 2 / 4),
        ("nrs", "responder", 6, "mitt", 2 / 3),
        ("nrs", "responder", 6, "pp", 2 / 3),
        # at 12: only p0 (1-2/8) is an observed responder; p1 crossed, p3 explanted
        ("nrs", "responder", 12, "itt", 1 / 4),
        ("nrs", "responder", 12, "mitt", 1 / 3),
        ("nrs", "responder", 12, "pp", 1.0),
        ("nrs", "responder", 12, "crossed_over", 0.0),  # p1: 6 -> 6
        ("nrs", "responder80", 6, "pp", 1 / 3),  # p3 only (0.9)
        ("nrs", "remitter", 3, "pp", 1 / 3),  # p3 (2 <= 2.5)
        ("nrs", "mcid", 3, "pp", 2 / 3),  # p0 -4 points, p3 -8; p1 -1 point, 17 %
        ("nrs", "responder30", 6, "pp", 2 / 3),
        # ITT mean at 12, baseline carried forward for failures: (2 + 6 + 7 + 10) / 4
        ("nrs", "mean", 12, "itt", 25 / 4),
        # ITT mean change at 3: (-4 - 1 + 0 - 8) / 4
        ("nrs", "mean_change", 3, "itt", -13 / 4),
        # PP percent change at 3: (-50 - 100/6 - 80) / 3
        ("nrs", "percent_change", 3, "pp", (-50 - 100 / 6 - 80) / 3),
        # leg score = mean of the painful legs: p0 6 -> 4 (.33), p1 6 -> 3 (.5 exactly), p3 5 -> 1.5
        ("leg_nrs", "responder", 3, "pp", 2 / 3),
        ("back_nrs", "responder", 6, "itt", 2 / 4),
        # ODI: p0 50 -> 35 (-15) is the only pp patient at 12; ITT: (-15 + 0 + 0 + 0) / 4
        ("odi", "mcid", 12, "pp", 1.0),
        ("odi", "mean_change", 12, "itt", -15 / 4),
        # MME at 6, p1 (no opioid at baseline) left out: p0 60 -> 30, p3 90 -> 45
        ("mme", "percent_change", 6, "pp", -50.0),
        ("mme", "responder", 6, "pp", 1.0),
        ("mme", "mean", 6, "pp", (30 + 10 + 45) / 3),
        # PGIC at 6: p0 1, p1 4, p3 2 on therapy; p2 a failure in ITT
        ("pgic", "responder", 6, "pp", 2 / 3),
        ("pgic", "responder", 6, "itt", 2 / 4),
        ("pgic", "mean", 6, "pp", 7 / 3),
        # rates: migration p0 at 1, infection p3 at 2, revision p0 at 8, explant p3 at 9
        ("infection", "rate", 3, "itt", 1 / 4),
        ("migration", "rate", 3, "itt", 1 / 4),
        ("complication", "rate", 12, "itt", 2 / 4),
        ("explant", "rate", 6, "itt", 0.0),
        ("explant", "rate", 12, "itt", 1 / 4),
        ("explant", "rate", 12, "mitt", 1 / 3),
        ("revision", "rate", 12, "pp", 1.0),
        ("implant", "rate", 3, "itt", 3 / 4),
    ],
)
def test_endpoint_values(
    measure: str, kind: str, month: float, analysis: str, expected: float
) -> None:
    value = endpoint_value(_scs_arm(), _ep(measure, kind, month, analysis))
    assert value == pytest.approx(expected, abs=1e-12)


def test_region_threshold_and_reason() -> None:
    rec = _scs_arm()
    # right leg: p1 8 -> 4 (0.5), p3 5 -> 2 (0.6); p0 and p2 have no right-leg pain
    res = endpoint_result(rec, _ep("nrs", "responder", 3, "pp", region="leg_right"))
    assert (res.value, res.n) == (1.0, 2)
    # remitter at 3 with the threshold raised to 4: p0 (4) and p3 (2) yes, p1 (5) no
    assert endpoint_value(rec, _ep("nrs", "remitter", 3, "pp", threshold=4.0)) == 2 / 3
    assert endpoint_value(rec, _ep("explant", "rate", 12, "itt", reason="infection")) == 1 / 4
    assert endpoint_value(rec, _ep("explant", "rate", 12, "itt", reason="pain")) == 0.0
    with pytest.raises(InputError, match="region"):
        endpoint_value(rec, _ep("nrs", "responder", 3, "pp", region="arm_left"))


def test_crossover_month_is_counted() -> None:
    assert endpoint_value(_scs_arm(), _ep("crossover", "rate", 6, "itt")) == 1 / 4
    assert endpoint_value(_scs_arm(), _ep("crossover", "rate", 3, "itt")) == 0.0


def _two_arm_protocol() -> dict:
    return {
        "name": "t",
        "design": "parallel",
        "indication": "fbss",
        "follow_up_months": MONTHS,
        "arms": [
            {"id": "scs", "n": 4, "therapy": {"kind": "scs", "program": "p.toml"}},
            {"id": "cmm", "n": 2, "therapy": {"kind": "cmm"}},
        ],
        "crossover": {"month": 6, "rule": "relief < 0.5"},
        "endpoints": [
            {"id": "r12", "measure": "nrs", "kind": "responder", "month": 12, "analysis": "itt"},
            {
                "id": "r12_at",
                "measure": "nrs",
                "kind": "responder",
                "month": 12,
                "analysis": "as_treated",
            },
            {
                "id": "inf_at",
                "measure": "infection",
                "kind": "rate",
                "month": 12,
                "analysis": "as_treated",
            },
        ],
        "differences": [
            {"id": "d", "endpoint": "r12", "arms": ["scs", "cmm"]},
            {"id": "q", "endpoint": "r12", "arms": ["scs", "cmm"], "scale": "ratio"},
        ],
    }


def test_evaluate_endpoints_as_treated() -> None:
    protocol = protocol_from_dict(_two_arm_protocol(), check_files=False)
    rows = evaluate_endpoints({"scs": _scs_arm(), "cmm": _cmm_arm()}, protocol)
    got = {(r["id"], r["arm"]): (r["value"], r["n"]) for r in rows}
    # ITT at 12: scs 1/4 (above); cmm: p0 7 -> 6 no, p1 crossed = failure -> 0/2
    assert got[("r12", "scs")] == (0.25, 4)
    assert got[("r12", "cmm")] == (0.0, 2)
    # as treated at 12: SCS = scs p0 (.75 yes) + cmm p1 on SCS (8 -> 2, .75 yes) -> 2/2;
    # CMM = cmm p0 (no) + scs p1 on CMM (6 -> 6, no) -> 0/2
    assert got[("r12_at", "scs")] == (1.0, 2)
    assert got[("r12_at", "cmm")] == (0.0, 2)
    # infections while on SCS: scs p0, p1, p3 received it (p3 infected) + cmm p1 infected at 7
    # after crossing at 6 -> 2/4; on CMM: cmm p0, p1 (its infection came after it left CMM)
    # + scs p1 (no event after 6) -> 0/3
    assert got[("inf_at", "scs")] == (0.5, 4)
    assert got[("inf_at", "cmm")] == (0.0, 3)
    diffs = {d["id"]: d["value"] for d in evaluate_differences(rows, protocol)}
    assert diffs["d"] == 0.25
    assert math.isinf(diffs["q"])  # 0.25 / 0
    with pytest.raises(InputError, match="no records"):
        evaluate_endpoints({"scs": _scs_arm()}, protocol)


def test_per_patient_measures() -> None:
    base = np.array([8.0, 6.0, 10.0, 0.0, NAN])
    value = np.array([4.0, 3.5, 2.0, 0.0, 3.0])
    assert is_responder(base, value).tolist() == [True, False, True, False, False]
    assert is_responder(base, value, 0.8).tolist() == [False, False, True, False, False]
    assert is_remitter(value).tolist() == [False, False, True, True, False]
    # MCID: -4 points; -2.5 points; -8; 0 -> 0 none; NaN baseline none
    assert is_mcid(base, value).tolist() == [True, True, True, False, False]
    # 30 % alone (1.5 points of 5 is 30 %)
    assert is_mcid(np.array([5.0]), np.array([3.5])).tolist() == [True]
    assert is_mcid(np.array([50.0, 50.0]), np.array([40.0, 41.0]), "odi").tolist() == [True, False]
    np.testing.assert_allclose(percent_change(base[:3], value[:3]), [-50.0, -100 * 2.5 / 6, -80.0])


def test_wilson_interval() -> None:
    # score interval: roots p of (p - k/n)^2 = z^2 p (1 - p) / n, solved here as a quadratic
    z, k, n = 1.959963984540054, 24, 50
    a, b, c = 1 + z * z / n, -(2 * k / n + z * z / n), (k / n) ** 2
    roots = sorted(np.roots([a, b, c]))
    assert wilson_ci95(k / n, n) == pytest.approx(tuple(roots), abs=1e-12)
    with pytest.raises(InputError):
        wilson_ci95(0.5, 0)


def _random_records(arm: str, kind: str, months: list[float], seed: int) -> VisitRecords:
    """An arm of 40 patients with random scores, statuses and events (no hand values)."""
    rng = np.random.default_rng(seed)
    n, v = 40, len(months)
    base = rng.uniform(5, 10, (n, 3))
    base[:, 1:][rng.random((n, 2)) < 0.2] = NAN  # every patient has back pain
    nrs = np.clip(base[:, None, :] * rng.uniform(0, 1.2, (n, v, 3)), 0, 10)  # NaN stays NaN
    overall = np.nanmean(base, axis=1)
    implanted = rng.random(n) < (0.8 if kind in ("scs", "intrathecal") else 0.0)
    crossed = np.where(rng.random(n) < 0.2, months[0], NAN)
    explant = np.where(rng.random(n) < 0.1, rng.uniform(0, months[-1], n), NAN)
    status = np.full((n, v), "on_therapy", dtype="<U16")
    if kind in ("scs", "intrathecal"):
        status[~implanted] = "not_implanted"
    for k, m in enumerate(months):
        status[(crossed < m) & (status[:, k] == "on_therapy"), k] = "crossed_over"
        status[explant < m, k] = "explanted"
    n_events = 30
    return VisitRecords(
        arm=arm,
        therapy_kind=kind,
        months=np.array(months),
        region_names=REGIONS,
        baseline_nrs=base,
        nrs=nrs,
        overall_nrs=np.nanmean(nrs, axis=2),
        baseline_overall_nrs=overall,
        odi=rng.uniform(0, 100, (n, v)),
        baseline_odi=rng.uniform(20, 80, n),
        mme_per_day=rng.uniform(0, 100, (n, v)),
        baseline_mme_per_day=np.where(rng.random(n) < 0.2, 0.0, rng.uniform(10, 200, n)),
        pgic=rng.integers(1, 8, (n, v)),
        status=status,
        trial_done=implanted | (rng.random(n) < 0.5),
        trial_success=implanted,
        implanted=implanted,
        crossed_over_month=crossed,
        explant_month=explant,
        explant_reason=np.where(np.isfinite(explant), "infection", ""),
        event_patient=rng.integers(0, n, n_events),
        event_month=rng.uniform(0, months[-1], n_events),
        event_kind=rng.choice(["infection", "migration", "revision", "hardware"], n_events),
    )


@pytest.mark.parametrize("name", __import__("neurostim.clinic").clinic.list_protocols())
def test_shipped_endpoints_evaluate_within_their_units(name: str) -> None:
    from neurostim.clinic import shipped_protocol

    protocol = shipped_protocol(name, check_files=False)
    records = {
        a.id: _random_records(a.id, a.therapy.kind, list(protocol.follow_up_months), i)
        for i, a in enumerate(protocol.arms)
    }
    rows = evaluate_endpoints(records, protocol)
    assert len(rows) == sum(len(protocol.endpoint_arms(e)) for e in protocol.endpoints)
    for row in rows:
        e = protocol.endpoint(str(row["id"]))
        value = float(row["value"])  # type: ignore[arg-type]
        if row["n"] == 0:
            assert math.isnan(value)
            continue
        if e.kind in ("responder", "responder30", "responder80", "remitter", "mcid", "rate"):
            assert 0.0 <= value <= 1.0, row
        elif e.kind == "percent_change":
            assert value >= -100.0, row
        elif e.kind == "mean" and e.measure in ("nrs", "back_nrs", "leg_nrs"):
            assert 0.0 <= value <= 10.0, row
    assert len(evaluate_differences(rows, protocol)) == len(protocol.differences)


def test_outcome_thresholds_are_all_read() -> None:
    """Every threshold of data/outcomes.toml is used by the code (none shipped but unused)."""
    from pathlib import Path

    from neurostim.clinic._params import OutcomeParameters

    src = Path(__file__).resolve().parents[2] / "src" / "neurostim" / "clinic"
    code = "\n".join(p.read_text(encoding="utf-8") for p in src.glob("*.py"))
    unread = []
    for table, info in OutcomeParameters.model_fields.items():
        for field in info.annotation.model_fields:  # type: ignore[union-attr]
            if field != "source" and not (
                f".{field}" in code or (table.startswith("responder") and field == "relief_min")
            ):
                unread.append(f"{table}.{field}")
    assert not unread
