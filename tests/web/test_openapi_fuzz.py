"""Schema-driven fuzzing of the clinic's OpenAPI document (clinic-web §4: schemathesis fuzzes
the OpenAPI spec): each operation, called through the ASGI app by a signed-in clinician with
the session's CSRF token, with requests that schemathesis generates from its schemas, valid
and invalid, on generated paths and on the demo patients' paths. No answer is a server error
(5xx) or shows a traceback, whatever the input.

A small budget by default (``NEUROSTIM_FUZZ_EXAMPLES`` examples per operation, 6 unless set;
derandomized, so a run is repeatable); skipped without the ``schemathesis`` package.
Schemathesis's own pytest integration does not run under pytest 9 (``Function._nodeid``), so
its strategies drive plain Hypothesis tests here.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("schemathesis") is None:
    pytest.skip("needs schemathesis (the dev extra)", allow_module_level=True)

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from neurostim.web import create_app
from neurostim.web.deps import SESSION_COOKIE
from tests.web.conftest import SECRET, sign_in

EXAMPLES = int(os.environ.get("NEUROSTIM_FUZZ_EXAMPLES", "6"))
SLOW = ("/predict",)
"""Operations left out: a coverage prediction is minutes of computation in the background."""


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the app's OpenAPI document."""
    with tempfile.TemporaryDirectory() as tmp:
        doc = create_app(Path(tmp) / "openapi.sqlite3", secret=SECRET).openapi()
    return [
        (method.upper(), path)
        for path, methods in doc["paths"].items()
        for method in methods
        if not path.endswith(SLOW)
    ]


OPERATIONS = _operations()


def _demo_path(path: str) -> dict[str, str]:
    """Path parameters naming the demo records (the pump patient on pump paths)."""
    fixed = {"patient_id": "ITDD-01" if "/pump" in path else "FBSS-01", "slot": "1"}
    return {k: v for k, v in fixed.items() if "{" + k + "}" in path}


def test_every_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 40
    assert ("PUT", "/api/patients/{patient_id}/programs/{slot}") in OPERATIONS


@pytest.fixture(scope="module")
def clinic(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo clinic and its loaded OpenAPI schema, shared by the module's operations."""
    path = tmp_path_factory.mktemp("fuzz") / "clinic.sqlite3"
    shutil.copy(demo_template, path)
    app = create_app(path, secret=SECRET)
    return app, schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_input_gives_a_server_error_or_a_traceback(clinic, method: str, path: str) -> None:
    from fastapi.testclient import TestClient

    app, schema = clinic
    client = TestClient(app)  # a new session for each operation (one may sign out)
    token = sign_in(client, "clin1")
    headers = {"Cookie": f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"}
    headers["X-CSRF-Token"] = token
    operation = schema[path][method]
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if _demo_path(path):
        strategies += [
            operation.as_strategy(mode, path_parameters=_demo_path(path)) for mode in GenerationMode
        ]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=headers)
        where = f"{case.method} {case.formatted_path}"
        assert response.status_code < 500, (where, response.text[:500])
        assert "Traceback" not in response.text, where

    check()
