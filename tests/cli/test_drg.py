"""``neurostim drg follow``: the JSON contract, the table, and bad input (exit 2, one line)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from neurostim.cli import app


def test_follow_json_contract() -> None:
    # Abeta, 3 pulses at 20 and 100 Hz: an Abeta neuron follows both (its refractory period is
    # about a millisecond), so every pulse crosses and the following rate is the highest
    r = CliRunner().invoke(app, ["drg", "follow", "--type", "abeta", "--rates-hz", "100,20",
                                 "--pulses", "3", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["following_rate_hz"] == 100.0 and data["every_rate_followed"] is True
    assert [x["rate_hz"] for x in data["rates"]] == [20.0, 100.0]
    for row in data["rates"]:
        assert {"rate_hz", "crossed", "pulses"} <= set(row)
        assert row["pulses"] == 3 and row["crossed"] == 3
    assert data["stimulus"]["kind"] == "intracellular"
    assert data["adelta_kinetics_provisional"] is False


def test_follow_table() -> None:
    r = CliRunner().invoke(app, ["drg", "follow", "--type", "abeta", "--rates-hz", "50",
                                 "--pulses", "2"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "following rate: >= 50 Hz" in r.output


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--type", "abeta", "--mechanisms", "m"], "mechanisms"),
     (["--type", "b"], "type"),
     (["--type", "c", "--rates-hz", "10,x"], "rates_hz"),
     (["--type", "c", "--rates-hz", "-5"], "rates_hz"),
     (["--type", "c", "--pulses", "0"], "pulses"),
     (["--type", "c", "--direction", "sideways"], "direction")],
)  # fmt: skip
def test_follow_refuses_bad_input_in_one_line(args: list[str], field: str) -> None:
    r = CliRunner().invoke(app, ["drg", "follow", *args])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field} = ")
    assert "Traceback" not in r.output
