"""The trial runner: replicates seeded by index, identical on any number of Dask workers,
summaries as the JSON contract of issue #12 names them."""

from __future__ import annotations

import numpy as np
import pytest

import neurostim.clinic.trial as trial_module
from neurostim.clinic.protocol import shipped_protocol
from neurostim.clinic.trial import TrialResult, run_trial, simulate_replicate
from neurostim.errors import InputError
from tests.patient.fakes import LinearCoverage, ProportionalRelief


class _Response:
    def relief(self, days, sensitivity):
        return np.minimum(days[None, :] / 30.0, 1.0) * 0.5 * np.ones((sensitivity.size, 1))


@pytest.fixture
def fake_tables(monkeypatch):
    """Transparent stand-ins for the tabulated spinal cord and circuit (no FEM here)."""
    monkeypatch.setattr(
        trial_module, "_scs_parts",
        lambda path, level: (LinearCoverage(), ProportionalRelief(), "tonic", "fake"),
    )  # fmt: skip
    monkeypatch.setattr(trial_module, "_it_response", lambda path: _Response())


def test_replicate_is_fixed_by_seed_and_index(fake_tables) -> None:
    p = shipped_protocol("process", check_files=False)
    a = simulate_replicate(p, 3, seed=7)
    b = simulate_replicate(p, 3, seed=7)
    c = simulate_replicate(p, 4, seed=7)
    assert a["rows"] == b["rows"]
    assert a["rows"] != c["rows"]
    assert a["patients"] == sum(arm.n for arm in p.arms)


def test_summary_is_the_central_95_percent_of_replicates(fake_tables) -> None:
    p = shipped_protocol("process", check_files=False)
    result = run_trial(p, replicates=12, seed=2, workers=0, progress=False)
    assert isinstance(result, TrialResult)
    d = result.to_dict()
    assert set(d) >= {"protocol", "replicates", "seed", "runtime_s", "patients_simulated",
                      "endpoints", "differences"}  # fmt: skip
    assert d["patients_simulated"] == 12 * sum(arm.n for arm in p.arms)
    for row in d["endpoints"]:
        assert set(row) >= {"id", "arm", "month", "median", "ci95"}
        key = (row["id"], row["arm"], row["month"], False)
        v = result.values[key]
        v = v[np.isfinite(v)]
        lo, med, hi = np.percentile(v, [2.5, 50, 97.5])
        assert row["median"] == pytest.approx(med)
        assert row["ci95"] == pytest.approx([lo, hi])
    for row in d["differences"]:
        assert set(row) >= {"id", "arms", "median", "ci95"}
        assert len(row["arms"]) == 2


def test_same_table_on_dask_workers_as_in_process(fake_tables, monkeypatch) -> None:
    """Workers are separate processes: they import the stand-ins through this test module."""
    p = shipped_protocol("process", check_files=False)
    here = run_trial(p, replicates=10, seed=5, workers=0, progress=False)
    pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(__import__("tests.patient.fakes").patient.fakes)
    monkeypatch.setattr(trial_module, "_batch", _batch_with_fakes)
    dask = run_trial(p, replicates=10, seed=5, workers=2, progress=False)
    assert here.values.keys() == dask.values.keys()
    for key, v in here.values.items():
        np.testing.assert_array_equal(v, dask.values[key])


def _batch_with_fakes(replicates, *, protocol, seed, params):
    import neurostim.clinic.trial as t
    from tests.patient.fakes import LinearCoverage, ProportionalRelief

    t._scs_parts = lambda path, level: (LinearCoverage(), ProportionalRelief(), "tonic", "fake")
    t._it_response = lambda path: _Response()
    return [t.simulate_replicate(protocol, r, seed, params) for r in replicates]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"replicates": 0}, "replicates"), ({"replicates": 10**6}, "replicates"),
     ({"seed": -1}, "seed"), ({"workers": -2}, "workers")],
)  # fmt: skip
def test_bad_options_are_refused(fake_tables, kwargs, field) -> None:
    p = shipped_protocol("process", check_files=False)
    with pytest.raises(InputError) as err:
        run_trial(p, progress=False, **{"replicates": 2, "workers": 0, **kwargs})
    assert err.value.field == field


def test_intrathecal_arm_carries_the_pumps_refills_not_as_complications() -> None:
    """Staats 2004's pump program followed for 6 months: every patient with the pump in gets
    the refills of the pump's own event simulation, at their months; none counts as a
    complication."""
    from neurostim.clinic.outcomes import had_event
    from neurostim.clinic.pathway import simulate_arm
    from neurostim.patient import generate_cohort
    from neurostim.patient.pain import PainModel, load_parameters, pump_events

    p = shipped_protocol("staats-2004", check_files=False)
    p = p.model_copy(update={"follow_up_months": [1.0, 6.0], "crossover": None})
    arm = p.arms[0]
    assert arm.therapy.kind == "intrathecal" and not p.has_trial_phase(arm.id)
    params = load_parameters()
    path = p.program_path(arm.id)
    therapy = trial_module.build_therapy(arm.therapy, path, params)
    rng = np.random.default_rng(0)
    rec = simulate_arm(generate_cohort(p.indication, 40, rng), therapy, p, arm.id,
                       PainModel(params), rng)  # fmt: skip
    refills = np.array([m for m, k in pump_events(str(path), 6.0) if k == "pump_refill"])
    assert refills.size >= 2  # the pump needs refilling within 6 months
    sel = rec.event_kind == "pump_refill"
    # the infusion starts at randomization (no trial phase): events at the refill months
    assert np.all(np.isin(np.round(rec.event_month[sel], 9), np.round(refills, 9)))
    in_all = rec.implanted & ~(rec.explant_month <= 6.0) & (rec.status[:, -1] != "withdrawn")
    for m in refills:
        got = set(rec.event_patient[sel & np.isclose(rec.event_month, m)].tolist())
        assert set(np.flatnonzero(in_all).tolist()) <= got
    complication = had_event(rec, "complication", 6.0)
    for i in np.flatnonzero(complication):
        kinds = set(rec.event_kind[rec.event_patient == i].tolist())
        assert any(not k.startswith("pump_") for k in kinds)
