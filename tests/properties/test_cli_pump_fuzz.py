"""Fuzz ``neurostim pump check`` and ``neurostim pump simulate`` through the CLI.

Pump-program TOML files (valid programs with hostile fields: non-finite and huge numbers, dates
at the ends of the calendar, Rich markup in strings, wrong types, binary garbage) and hostile
option values are thrown at both commands. Every run must end in exactly one of:

* exit 0: a valid result (``--json`` parses; ``check`` says ``valid``; the refill reason is one
  of the three and the refill date is not after the stability date);
* exit 1: only for a well-formed program that breaks a drug or device limit (``check --json``
  says ``valid: false``; ``simulate`` says the program was refused);
* exit 2: one ``error:`` line on stderr naming the field (``field = value: ...``).

Never a traceback. Option values are ones the command-line parser accepts (numbers, including
``nan`` and ``inf``): a non-number is refused by the parser itself, before the command runs.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()
REASONS = {"stability", "empty", "low-reservoir-alarm", None}
ERROR_LINE = re.compile(r"^error: \S+ = .+")


# ---- a small TOML writer (quoted keys, inline tables) ----


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(type(value))


def to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in data.items())


# ---- programs ----

text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12
) | st.sampled_from(["[battery]", "$x$", "[/x]", "[bold red]", "$\\frac$", ""])
hostile_float = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1.0, 1e-300, 1e308, -0.0, 1e6, 1e6 + 1]),
)
hostile = st.one_of(
    hostile_float,
    st.integers(-(2**70), 2**70),
    text,
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.lists(hostile_float, max_size=3),
    st.dictionaries(st.sampled_from(["dose", "x", "start"]), hostile_float, max_size=2),
)

valid_base = st.fixed_dictionaries(
    {
        "pump": st.sampled_from(
            ["synchromed-ii-20", "synchromed-ii-40", "prometra-20", "prometra-ii-40"]
        ),
        "drug": st.sampled_from(
            ["morphine", "hydromorphone", "ziconotide", "baclofen", "clonidine", "fentanyl"]
        ),
        "concentration": st.sampled_from([1.0, 10.0, 25.0, 100.0, 500.0, 2000.0]),
        "fill_ml": st.floats(0.5, 45.0),
        "mode": st.just("simple-continuous"),
        "dose_per_day": st.floats(0.0, 50.0),
        "fill_date": st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)),
    },
    optional={
        "low_reservoir_alarm_ml": st.floats(0.0, 10.0),
        "first_fill": st.booleans(),
        "label_region": st.sampled_from(["us", "eu"]),
        "indication": st.sampled_from(["pain", "spinal", "cerebral"]),
        "implant_date": st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)),
        "patient_bolus": st.fixed_dictionaries(
            {
                "dose": st.floats(0.01, 2.0),
                "duration_min": st.floats(1.0, 60.0),
                "lockout_h": st.floats(0.5, 12.0),
                "max_per_24h": st.integers(1, 8),
            }
        ),
    },
)

FIELDS = [
    "pump",
    "drug",
    "concentration",
    "fill_ml",
    "low_reservoir_alarm_ml",
    "mode",
    "dose_per_day",
    "fill_date",
    "implant_date",
    "programmed_at",
    "first_fill",
    "indication",
    "label_region",
    "patient_bolus",
    "flex",
    "single_bolus",
    "priming",
    "unknown_key",
]


@st.composite
def programs(draw: st.DrawFn) -> bytes:
    """A program TOML: valid, or with up to three hostile fields, or garbage bytes."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=40))
    data = draw(valid_base)
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        data[key] = draw(hostile)
    return to_toml(data).encode("utf-8")


# ---- options ----

number = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e309", "1e-9", "1e9"]),
    st.floats(-1e3, 1e3).map(repr),
)
day = st.one_of(number, st.sampled_from(["0.5", "1", "2.9"]))
start = st.one_of(
    st.dates().map(dt.date.isoformat), st.sampled_from(["9999-12-31", "0001-01-01", "soon"])
)
CHECK_OPTIONS = {"--start-date": start}
SIMULATE_OPTIONS = {
    "--start-date": start,
    "--dt-h": st.one_of(number, st.sampled_from(["0.5", "1"])),
    "--bolus-requests-per-day": number,
    "--seed": st.integers(-5, 2**64).map(str),
    "--accuracy": st.one_of(number, st.sampled_from(["0.8", "1.1", "1.5"])),
    "--mri-at-day": day,
    "--refill-concentration": st.one_of(number, st.sampled_from(["25", "150"])),
    "--catheter-fault": st.sampled_from(["occlusion", "disconnection", "kink", "[x]"]),
    "--catheter-fault-day": day,
    "--catheter-port-error-at-refill": st.integers(-3, 3).map(str),
}


@st.composite
def option_lists(draw: st.DrawFn, table: dict[str, st.SearchStrategy[str]]) -> list[str]:
    names = draw(st.lists(st.sampled_from(sorted(table)), max_size=4, unique=True))
    out: list[str] = []
    for name in names:
        out += [name, draw(table[name])]
    return out


def _invoke(args: list[str], program: bytes) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "program.toml"
        path.write_bytes(program)
        return runner.invoke(app, ["pump", args[0], str(path), *args[1:]])


def _assert_contract(result: Any, command: str, as_json: bool) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and ERROR_LINE.match(lines[0]), result.stderr
        return
    if result.exit_code == 1:
        if command == "check" and as_json:
            assert json.loads(result.stdout)["valid"] is False
        if command == "simulate":
            assert "refused" in result.stderr
        return
    if as_json:
        data = json.loads(result.stdout)
        assert data["refill_reason"] in REASONS
        if command == "check":
            assert data["valid"] is True
            stable = data.get("stability_refill_date")
            if stable is not None and data["refill_date"] is not None:
                assert data["refill_date"] <= stable


def _check(program: bytes, options: list[str], as_json: bool) -> None:
    args = ["check", *options] + (["--json"] if as_json else [])
    _assert_contract(_invoke(args, program), "check", as_json)


def _simulate(program: bytes, options: list[str], days: str, as_json: bool) -> None:
    args = ["simulate", "--days", days, *options] + (["--json"] if as_json else [])
    _assert_contract(_invoke(args, program), "simulate", as_json)


SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
DAYS = st.sampled_from(["1", "3", "0", "-2", "nan", "1e9"])


@settings(max_examples=60, **SETTINGS)
@given(programs(), option_lists(CHECK_OPTIONS), st.booleans())
def test_check_fuzz(program: bytes, options: list[str], as_json: bool) -> None:
    _check(program, options, as_json)


@settings(max_examples=40, **SETTINGS)
@given(programs(), option_lists(SIMULATE_OPTIONS), DAYS, st.booleans())
def test_simulate_fuzz(program: bytes, options: list[str], days: str, as_json: bool) -> None:
    _simulate(program, options, days, as_json)


@pytest.mark.slow
@settings(max_examples=1500, **SETTINGS)
@given(programs(), option_lists(CHECK_OPTIONS), st.booleans())
def test_check_fuzz_slow(program: bytes, options: list[str], as_json: bool) -> None:
    _check(program, options, as_json)


@pytest.mark.slow
@settings(max_examples=600, **SETTINGS)
@given(
    programs(),
    option_lists(SIMULATE_OPTIONS),
    st.sampled_from(["1", "10", "45", "0", "nan"]),
    st.booleans(),
)
def test_simulate_fuzz_slow(program: bytes, options: list[str], days: str, as_json: bool) -> None:
    _simulate(program, options, days, as_json)
