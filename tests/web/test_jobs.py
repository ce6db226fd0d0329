"""Slow predictions as background jobs (clinic-web §4): a configuration without a coverage table
shows "computing" while its table is built, never a number; the build's outcome is shown."""

from __future__ import annotations

import threading

import pytest

from neurostim.web import jobs
from tests.web.conftest import PATIENT, audit_rows
from tests.web.test_screens import EDIT, _configure


@pytest.fixture
def fake_builder(monkeypatch):  # type: ignore[no-untyped-def]
    """A build that waits for the test's signal, then fails like a build without NGSolve."""
    release = threading.Event()
    done = threading.Event()
    built_at: list[str] = []

    def build(program: object, level: str) -> None:
        built_at.append(level)
        release.wait(5)
        done.set()
        raise RuntimeError("no finite-element backend here")

    monkeypatch.setattr(jobs, "BUILDER", build)
    monkeypatch.setattr(jobs, "_JOBS", {})
    return release, done, built_at


def test_prediction_is_computing_then_shows_the_failure(signed_in, db_path, fake_builder) -> None:
    release, done, built_at = fake_builder
    clin, token = signed_in("clin1")
    _configure(clin, token, **{"pol_L1.E3": "-", "pol_L1.E5": "+"})  # no shipped table
    page = clin.get(f"{EDIT}/edit").text
    assert "status: unavailable" in page and "Compute the coverage" in page
    r = clin.post(f"{EDIT}/predict", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"], row["detail"]["status"], row["detail"]["level"]) == (
        "coverage.job", "ok", "computing", "T10",
    )  # fmt: skip
    page = clin.get(f"{EDIT}/edit").text
    assert "status: computing" in page and "no prediction yet: computing" in page
    assert "Perception threshold (mA)</th><td>-" in page  # no number while computing
    release.set()
    assert done.wait(5)
    assert built_at == ["T10"]  # the demo patient's lead level
    for _ in range(50):  # the job thread records its outcome just after the build returns
        job = next(iter(jobs._JOBS.values()))
        if job.status != "computing":
            break
        threading.Event().wait(0.02)
    page = clin.get(f"{EDIT}/edit").text
    assert "the last build failed: no finite-element backend here" in page


def test_the_table_is_built_at_the_patients_lead_level(signed_in, db_path, fake_builder) -> None:
    """A patient whose lead sits at T9 gets a T9 table built, and the page follows that job (a
    T10 job of the same configuration is another job)."""
    from neurostim.web import connect
    from neurostim.web.store import get_patient, update_record

    release, done, built_at = fake_builder
    conn = connect(db_path)
    try:
        record = get_patient(conn, PATIENT).record  # type: ignore[union-attr]
        update_record(conn, PATIENT, {**record, "lead_level": "T9"})
    finally:
        conn.close()
    clin, token = signed_in("clin1")
    _configure(clin, token, **{"pol_L1.E3": "-", "pol_L1.E5": "+"})
    clin.post(f"{EDIT}/predict", data={"csrf_token": token}, follow_redirects=False)
    assert audit_rows(db_path)[-1]["detail"]["level"] == "T9"
    page = clin.get(f"{EDIT}/edit").text
    assert "status: computing" in page
    release.set()
    assert done.wait(5)
    assert built_at == ["T9"]
    (only,) = jobs._JOBS.values()
    assert only.level == "T9"
