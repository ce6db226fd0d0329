"""The JSON API contract: routes, keys, status codes; the checks answer as the CLI does."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from neurostim.cli import app as cli_app
from tests.web.conftest import PASSWORD, PATIENT, SANDBOX, sign_in, tonic_program

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _json_ready(value: Any) -> Any:
    """TOML values as JSON sends them (dates as ISO text)."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value


def _cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_healthz(client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_openapi_lists_the_contract_routes(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"post", "delete"} <= set(paths["/api/session"])
    for path, method in [
        ("/healthz", "get"),
        ("/api/programs/check", "post"),
        ("/api/pumps/check", "post"),
        ("/api/patients", "get"),
        ("/api/patients/{patient_id}/programs/{slot}", "put"),
        ("/api/patients/{patient_id}/programs/{slot}/limits", "put"),
        ("/api/audit", "get"),
    ]:
        assert method in paths[path], path
    assert client.get("/docs").status_code == 404  # no UI that would load scripts from a CDN


def test_login_returns_role_and_csrf_and_a_strict_httponly_cookie(client) -> None:
    r = client.post("/api/session", json={"username": "clin1", "password": PASSWORD})
    assert r.status_code == 200
    assert set(r.json()) == {"role", "csrf_token"} and r.json()["role"] == "clinician"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


@pytest.mark.parametrize(
    ("username", "password"), [("clin1", "wrong-password"), ("nobody", PASSWORD), ("", "")]
)
def test_failed_login_is_401_with_one_generic_message(client, username, password) -> None:
    r = client.post("/api/session", json={"username": username, "password": password})
    assert r.status_code == 401
    assert r.json() == {"detail": "unknown user or wrong password"}
    assert "set-cookie" not in r.headers


def test_logout_ends_the_session(client) -> None:
    csrf = sign_in(client, "clin1")
    assert client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/patients").status_code == 401


@pytest.mark.parametrize("name", ["tonic", "unsafe-but-valid", "multiplexed", "burst"])
def test_program_check_answers_what_the_cli_prints(client, name: str) -> None:
    path = EXAMPLES / "programs" / f"{name}.toml"
    csrf = sign_in(client, "clin1")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    r = client.post("/api/programs/check", json={"program": data}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert r.json() == _cli_json("program", "check", str(path), "--json")


def test_program_refused_by_the_stimulator_is_200_with_valid_false(client) -> None:
    csrf = sign_in(client, "clin1")
    body = {"program": tonic_program(amplitude_ma=99.0)}
    r = client.post("/api/programs/check", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    out = r.json()
    assert out["valid"] is False
    assert out["errors"][0]["field"] == "trains[0].amplitude_ma"


@pytest.mark.parametrize(
    ("program", "field"),
    [
        (tonic_program(amplitude_ma="abc"), "trains[0].amplitude_ma"),
        (tonic_program(amplitude_ma=-1.0), "trains[0].amplitude_ma"),
        (tonic_program(rate_hz=0), "trains[0].rate_hz"),
        ({**tonic_program(), "stimulator": "/etc/passwd.toml"}, "stimulator"),
        ({**tonic_program(), "leads": ["../x.toml"]}, "leads[0]"),
        ({**tonic_program(), "colour": "red"}, "colour"),
    ],
)
def test_malformed_program_is_422_with_field_value_allowed(client, program, field) -> None:
    csrf = sign_in(client, "clin1")
    r = client.post(
        "/api/programs/check", json={"program": program}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert all(set(e) == {"field", "value", "allowed"} for e in errors)
    assert errors[0]["field"] == field and errors[0]["allowed"]


@pytest.mark.parametrize(
    "name", ["morphine-continuous", "morphine-prometra-ptc", "refused-ziconotide"]
)
def test_pump_check_answers_what_the_cli_prints(client, name: str) -> None:
    path = EXAMPLES / "pumps" / f"{name}.toml"
    csrf = sign_in(client, "clin1")
    data = _json_ready(tomllib.loads(path.read_text(encoding="utf-8")))
    body = {"program": data, "start_date": "2025-01-01"}
    r = client.post("/api/pumps/check", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    cli = _cli_json("pump", "check", str(path), "--start-date", "2025-01-01", "--json")
    assert r.json() == cli


def test_malformed_pump_program_is_422(client) -> None:
    csrf = sign_in(client, "clin1")
    body = {"program": {"pump": "synchromed-ii-20", "drug": "unobtainium"}}
    r = client.post("/api/pumps/check", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    assert {"field", "value", "allowed"} == set(r.json()["errors"][0])


def test_patient_list_by_role(signed_in) -> None:
    clin, _ = signed_in("clin1")
    ids = {p["id"] for p in clin.get("/api/patients").json()}
    assert ids == {PATIENT, SANDBOX, "ITDD-01", "ITDD-01-SANDBOX"}
    stud, _ = signed_in("stud1")
    assert [p["id"] for p in stud.get("/api/patients").json()] == [SANDBOX, "ITDD-01-SANDBOX"]
    record = clin.get(f"/api/patients/{PATIENT}").json()
    assert record["stimulator"] == "multiwave-rechargeable-16"
    assert record["impedance_status"] == {"L1.E7": "open"}
    assert record["programs"] == []


def test_patient_reaches_only_their_own_record(signed_in) -> None:
    pat, _ = signed_in("pat1")
    assert pat.get("/api/patients").status_code == 403
    assert pat.get(f"/api/patients/{PATIENT}").status_code == 200
    assert pat.get(f"/api/patients/{SANDBOX}").status_code == 403
    assert pat.get("/api/me").json()["patient_id"] == PATIENT


def test_audit_is_for_the_instructor_and_verifies_its_chain(signed_in) -> None:
    clin, _ = signed_in("clin1")
    assert clin.get("/api/audit").status_code == 403
    instr, _ = signed_in("instr1")
    out = instr.get("/api/audit").json()
    assert out["chain"]["ok"] is True
    actions = [(r["action"], r["outcome"], r["username"]) for r in out["rows"]]
    assert ("access", "refused", "clin1") in actions  # the clinician's attempt above
    assert ("login", "ok", "instr1") in actions


def test_an_unexpected_error_is_a_generic_500_without_traceback(client, monkeypatch) -> None:
    def boom(conn):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr("neurostim.web.api.list_patients", boom)
    sign_in(client, "clin1")
    r = client.get("/api/patients")
    assert r.status_code == 500
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert "nothing was changed" in r.json()["detail"]


def test_security_headers_on_every_response(client) -> None:
    for path in ["/healthz", "/login", "/api/patients"]:
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_openapi_declares_the_program_file_schemas(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    program = schemas["ProgramCheckRequest"]["properties"]["program"]
    assert program == {"$ref": "#/components/schemas/Program"}
    assert {"stimulator", "leads", "trains"} <= set(schemas["Program"]["properties"])
    assert "amplitude_ma" in schemas["Train"]["properties"]
    assert "concentration" in schemas["PumpProgram"]["properties"]
    assert "amplitude_max_ma" in schemas["PatientLimits"]["properties"]


def test_every_openapi_reference_resolves(client) -> None:
    spec = client.get("/openapi.json").json()
    names = set(spec["components"]["schemas"])
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in names, ref


def test_unknown_paths_are_404_as_json_or_a_page(client) -> None:
    r = client.get("/api/no-such-route")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = client.get("/no-such-page")
    assert r.status_code == 404 and 'role="alert"' in r.text and "<html" in r.text
