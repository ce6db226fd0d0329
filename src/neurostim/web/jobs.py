"""Background jobs for slow predictions (clinic-web §4): a coverage table that is neither shipped
nor cached takes minutes of finite-element work (:func:`neurostim.patient.coverage.
coverage_table` with ``build=True``), so it is built in a thread while the page shows
"computing"; the table lands in the user cache and the next prediction reads it.

Jobs are keyed by the program key (what decides the fibers' thresholds), so two requests for
the same configuration share one build. One job runs at a time (:data:`MAX_RUNNING`); the state
lives in this process only: a restart forgets running jobs, never a finished table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_RUNNING = 1
"""Builds at once (each is minutes of CPU)."""


@dataclass
class Job:
    """A build: ``status`` is ``computing``, ``ok`` or ``failed`` (with ``message``)."""

    key: str
    status: str = "computing"
    message: str = ""


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def _build(program: Any) -> None:
    from neurostim.patient.coverage import coverage_table

    coverage_table(program, build=True, progress=False)


BUILDER: Callable[[Any], None] = _build
"""What a job runs (tests replace it with a fast stand-in)."""


def job(key: str) -> Job | None:
    with _LOCK:
        return _JOBS.get(key)


def start(key: str, program: Any, on_done: Callable[[str], None] | None = None) -> Job:
    """Start building the coverage table of ``program`` (parsed) unless a job for ``key`` runs
    or finished well; refused (status ``failed``) while :data:`MAX_RUNNING` others run."""
    with _LOCK:
        found = _JOBS.get(key)
        if found is not None and found.status in ("computing", "ok"):
            return found
        if sum(j.status == "computing" for j in _JOBS.values()) >= MAX_RUNNING:
            return Job(key, "failed", "another coverage table is being built; try again later")
        new = Job(key)
        _JOBS[key] = new

    def run() -> None:
        try:
            BUILDER(program)
        except Exception as exc:  # reported on the page, never raised into a request
            with _LOCK:
                new.status, new.message = "failed", str(exc)
        else:
            with _LOCK:
                new.status = "ok"
            if on_done is not None:
                on_done(key)

    threading.Thread(target=run, name=f"coverage-{key[:8]}", daemon=True).start()
    return new


__all__ = ["BUILDER", "MAX_RUNNING", "Job", "job", "start"]
