"""``neurostim devices``: list and show, tables and JSON, unknown ids."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()


def test_list_shows_every_catalog_entry() -> None:
    result = runner.invoke(app, ["devices", "list"])
    assert result.exit_code == 0, result.output
    for ident in ("percutaneous-8", "paddle-16", "drg-4", "pns-4", "drg-trial-4"):
        assert ident in result.output
    data = json.loads(runner.invoke(app, ["devices", "list", "--json"]).stdout)
    assert {p["id"] for p in data["profiles"]} >= {
        "generic-rechargeable-16",
        "hf-rechargeable-16",
        "burst-primary-16",
        "drg-trial-4",
    }
    assert {x["id"]: x["n_contacts"] for x in data["leads"]}["paddle-16"] == 16


def test_show_lead_and_profile() -> None:
    result = runner.invoke(app, ["devices", "show", "percutaneous-8"])
    assert result.exit_code == 0 and "12.25" in result.output and "E8" in result.output
    result = runner.invoke(app, ["devices", "show", "drg-trial-4"])
    assert result.exit_code == 0
    assert "0-2 mA in 0.025 mA steps, 2-6 mA in 0.05 mA" in " ".join(result.output.split())
    data = json.loads(
        runner.invoke(app, ["devices", "show", "hf-rechargeable-16", "--json"]).stdout
    )
    assert data["type"] == "profile" and data["battery"]["kind"] == "rechargeable"
    data = json.loads(runner.invoke(app, ["devices", "show", "drg-4", "--json"]).stdout)
    assert data["type"] == "lead" and len(data["contacts"]) == 4


def test_show_unknown_id_is_one_line_exit_2() -> None:
    result = runner.invoke(app, ["devices", "show", "nope"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "percutaneous-8" in result.stderr


def test_markup_in_a_user_lead_prints_as_typed(tmp_path, monkeypatch) -> None:
    from importlib import resources

    text = (resources.files("neurostim.device") / "data" / "leads" / "pns-4.toml").read_text()
    name = "[battery] $x$ [/bold] lead"
    text = text.replace('id = "pns-4"', 'id = "my-lead"').replace(
        'name = "PNS lead, 4 ring contacts"', f'name = "{name}"'
    )
    (tmp_path / "my-lead.toml").write_text(text)
    monkeypatch.setenv("NEUROSTIM_LEAD_PATH", str(tmp_path))
    for args in (["devices", "list"], ["devices", "show", "my-lead"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        for token in name.split():  # tables may wrap the name; each token prints as typed
            assert token in result.stdout


def test_show_unknown_id_with_markup_is_one_line() -> None:
    result = runner.invoke(app, ["devices", "show", "[red]x[/red]"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "[red]x[/red]" in result.stderr
