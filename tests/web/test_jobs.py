"""Slow predictions as background jobs (clinic-web §4): a configuration without a coverage table
shows "computing" while its table is built, never a number; the build's outcome is shown."""

from __future__ import annotations

import threading

import pytest

from neurostim.web import jobs
from tests.web.conftest import audit_rows
from tests.web.test_screens import EDIT, _configure


@pytest.fixture
def fake_builder(monkeypatch):  # type: ignore[no-untyped-def]
    """A build that waits for the test's signal, then fails like a build without NGSolve."""
    release = threading.Event()
    done = threading.Event()

    def build(program: object) -> None:
        release.wait(5)
        done.set()
        raise RuntimeError("no finite-element backend here")

    monkeypatch.setattr(jobs, "BUILDER", build)
    monkeypatch.setattr(jobs, "_JOBS", {})
    return release, done


def test_prediction_is_computing_then_shows_the_failure(signed_in, db_path, fake_builder) -> None:
    release, done = fake_builder
    clin, token = signed_in("clin1")
    _configure(clin, token, **{"pol_L1.E3": "-", "pol_L1.E5": "+"})  # no shipped table
    page = clin.get(f"{EDIT}/edit").text
    assert "status: unavailable" in page and "Compute the coverage" in page
    r = clin.post(f"{EDIT}/predict", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"], row["detail"]["status"]) == (
        "coverage.job", "ok", "computing",
    )  # fmt: skip
    page = clin.get(f"{EDIT}/edit").text
    assert "status: computing" in page and "no prediction yet: computing" in page
    assert "Perception threshold (mA)</th><td>-" in page  # no number while computing
    release.set()
    assert done.wait(5)
    for _ in range(50):  # the job thread records its outcome just after the build returns
        job = next(iter(jobs._JOBS.values()))
        if job.status != "computing":
            break
        threading.Event().wait(0.02)
    page = clin.get(f"{EDIT}/edit").text
    assert "the last build failed: no finite-element backend here" in page
