"""Background jobs for slow predictions (clinic-web §4): a coverage table that is neither shipped
nor cached takes minutes of finite-element work (:func:`neurostim.patient.coverage.
coverage_table` with ``build=True``), so it is built in a thread while the page shows
"computing"; the table lands in the user cache and the next prediction reads it.

Jobs are keyed by the program key (what decides the fibers' thresholds) and the spinal level
the table is built at (the patient's lead level), so two requests for the same configuration at
the same level share one build. One job runs at a time (:data:`MAX_RUNNING`); the state
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
    """A build of program key ``key`` at ``level``: ``status`` is ``computing``, ``ok`` or
    ``failed`` (with ``message``)."""

    key: str
    level: str
    status: str = "computing"
    message: str = ""


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def _build(program: Any, level: str) -> None:
    from neurostim.patient.coverage import coverage_table

    coverage_table(program, level=level, build=True, progress=False)


BUILDER: Callable[[Any, str], None] = _build
"""What a job runs, with the parsed program and the level (tests replace it with a fast
stand-in)."""


def job_key(key: str, level: str) -> str:
    """The job of program key ``key`` at spinal level ``level`` (``"T10"``)."""
    return f"{key}@{level}"


def job(key: str, level: str) -> Job | None:
    """The job building program key ``key``'s table at ``level``, if one was started."""
    with _LOCK:
        return _JOBS.get(job_key(key, level))


def start(key: str, program: Any, level: str, on_done: Callable[[str], None] | None = None) -> Job:
    """Start building the coverage table of ``program`` (parsed; program key ``key``) at spinal
    level ``level`` unless a job for that key and level runs or finished well; refused (status
    ``failed``) while :data:`MAX_RUNNING` others run. ``on_done(key)`` runs after a build that
    succeeded."""
    with _LOCK:
        found = _JOBS.get(job_key(key, level))
        if found is not None and found.status in ("computing", "ok"):
            return found
        if sum(j.status == "computing" for j in _JOBS.values()) >= MAX_RUNNING:
            busy = "another coverage table is being built; try again later"
            return Job(key, level, "failed", busy)
        new = Job(key, level)
        _JOBS[job_key(key, level)] = new

    def run() -> None:
        try:
            BUILDER(program, level)
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


__all__ = ["BUILDER", "MAX_RUNNING", "Job", "job", "job_key", "start"]
