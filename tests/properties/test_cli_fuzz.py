"""Fuzz the command line: ``devices``, ``program``, ``fiber`` and ``circuit`` with hostile input.

Every generated invocation (options, program TOML files, thresholds CSV files) must end in one
of three ways, and never in a traceback (``result.exception`` is None or a SystemExit):

- exit 0 with a valid result (parsable JSON with the documented keys);
- exit 1, only from ``program check``/``plot`` for a well-formed program that its stimulator
  refuses (every error of kind ``"limit"``);
- exit 2 with exactly one line on stderr, ``error: <field> = <value>: <what is allowed>``,
  naming the field, and nothing on stdout.

The fast variants run in the default test set (well under a minute on two cores): they draw
hostile values from small pools and keep simulations short (coarse tolerance, small fibers; for
the circuit, a tiny memory budget so that accepted option sets stop at the memory check).
``-m slow`` runs longer variants that let the circuit and the fibers simulate.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from neurostim.cli import app

runner = CliRunner()
ERROR_LINE = re.compile(r"^error: (?P<field>[^\n]+?) = (?P<value>[^\n]*?): [^\n]+$")

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
SLOW = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

HOSTILE_TEXT = [
    "",
    " ",
    "[battery]",
    "[/bold]",
    "$x^$",
    "$\\frac{1}{$",
    "déjà-vu ü 電",
    "\x00",
    "a" * 300,
    "nan",
    "-1",
    "1e999",
    "../../etc/passwd",
]
HOSTILE_NUMBERS = [
    "nan",
    "-nan",
    "inf",
    "-inf",
    "0",
    "-0",
    "-1",
    "1e308",
    "1e-308",
    "99999999999999999999",
    "0.5",
    "abc",
    "",
    "1,5",
    "[red]1",
]


def check_contract(result: Result, *, exit_1_ok: bool = False) -> str:
    """Assert the contract of the module docstring; return "ok", "limit" or the error line."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"traceback: {exc!r}\n{result.output}"
    assert "Traceback" not in result.output
    code = result.exit_code
    event(f"exit {code}")  # the outcome mix: pytest --hypothesis-show-statistics
    assert code in ((0, 1, 2) if exit_1_ok else (0, 2)), (code, result.output)
    if code == 2:
        assert result.stdout == "", result.output
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        match = ERROR_LINE.match(lines[0])
        assert match is not None, lines[0]
        assert match["field"].strip(), lines[0]
        return lines[0]
    return "ok" if code == 0 else "limit"


# --------------------------------------------------------------------------------------------
# devices


@FAST
@given(ident=st.one_of(st.sampled_from([*HOSTILE_TEXT, "pns-4", "burst-primary-16"]), st.text()))
def test_devices_show(ident: str) -> None:
    if "\x00" in ident:  # the operating system refuses NUL in argv; nothing to test
        return
    result = runner.invoke(app, ["devices", "show", ident, "--json"])
    if check_contract(result) == "ok":
        assert json.loads(result.stdout)["type"] in ("lead", "profile")


# --------------------------------------------------------------------------------------------
# program check / plot (TOML)

BASE_PROGRAM: dict[str, Any] = {
    "name": "p",
    "stimulator": "burst-primary-16",
    "leads": ["percutaneous-8"],
    "train": {
        "waveform": "burst",
        "amplitude_ma": "0.6",
        "pulse_width_us": "1000",
        "rate_hz": "40",
        "pulses_per_burst": "5",
        "intraburst_rate_hz": "500",
        "recharge": '"passive"',
    },
    "contacts": {"L1.E4": "-100", "L1.E5": "100"},
    "patient": {"amplitude_min_ma": "0.0", "amplitude_max_ma": "1.0"},
    "dosing": {"on_s": "30", "off_s": "90"},
    "impedance_ohm": {"L1.E4": "600"},
}
TOML_VALUES = [
    "nan",
    "-nan",
    "inf",
    "-inf",
    "0",
    "-1",
    "0.0",
    "1e308",
    "1e-300",
    "99999999999999999999",
    "1000000000",
    "2.55",
    "25.5",
    "true",
    '"5"',
    '"[battery]"',
    "[1, 2]",
    "{ a = 1 }",
]


def _quote(text: str) -> str:
    return json.dumps(text)  # a TOML basic string is JSON-compatible for these characters


def program_toml(doc: dict[str, Any]) -> str:
    t = doc["train"]
    lines = [
        f"name = {_quote(doc['name'])}",
        f"stimulator = {_quote(doc['stimulator'])}",
        f"leads = [{', '.join(_quote(x) for x in doc['leads'])}]",
        "[[trains]]",
        f"waveform = {_quote(t['waveform'])}",
    ]
    lines += [f"{k} = {v}" for k, v in t.items() if k != "waveform"]
    contacts = ", ".join(f"{_quote(k)} = {v}" for k, v in doc["contacts"].items())
    lines.append(f"contacts = {{ {contacts} }}")
    for table in ("patient", "dosing", "impedance_ohm"):
        lines.append(f"[{table}]")
        lines += [f"{_quote(k)} = {v}" for k, v in doc[table].items()]
    return "\n".join(lines) + "\n"


mutation = st.one_of(
    st.tuples(
        st.just("train"),
        st.sampled_from(list(BASE_PROGRAM["train"])[1:]),
        st.sampled_from(TOML_VALUES),
    ),
    st.tuples(
        st.sampled_from(["patient", "dosing", "impedance_ohm", "contacts"]),
        st.sampled_from(
            ["amplitude_min_ma", "amplitude_max_ma", "on_s", "off_s", "duty", "L1.E4", "L1.E5"]
        ),
        st.sampled_from(TOML_VALUES),
    ),
    st.tuples(
        st.just("text"),
        st.sampled_from(["name", "stimulator", "waveform"]),
        st.sampled_from([*HOSTILE_TEXT[:7], "tonic", "high-frequency", "generic-rechargeable-16"]),
    ),
)


def mutated_program(mutations: list[tuple[str, str, str]]) -> str:
    doc = json.loads(json.dumps(BASE_PROGRAM))
    for where, key, value in mutations:
        if where == "text":
            if key == "waveform":
                doc["train"]["waveform"] = value
            else:
                doc[key] = value
        elif where == "train":
            doc["train"][key] = value
        else:
            doc[where][key] = value
    return program_toml(doc)


def _check_program_result(result: Result, path: Path) -> None:
    outcome = check_contract(result, exit_1_ok=True)
    if outcome == "ok":
        data = json.loads(result.stdout)
        assert data["valid"] is True and data["errors"] == []
        for c in data["contacts"]:
            q = c["charge_per_phase_uc"]
            assert q is not None and math.isfinite(q) and q >= 0
    elif outcome == "limit":
        data = json.loads(result.stdout)
        assert data["valid"] is False and data["errors"]
        assert all(e["kind"] == "limit" for e in data["errors"]), data["errors"]


@FAST
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_program_check(tmp_path: Path, mutations: list[tuple[str, str, str]]) -> None:
    path = tmp_path / "p.toml"
    path.write_text(mutated_program(mutations), encoding="utf-8")
    result = runner.invoke(app, ["program", "check", str(path), "--json"])
    _check_program_result(result, path)
    # the table output follows the same exit code and never interprets markup
    tables = runner.invoke(app, ["program", "check", str(path)])
    assert tables.exit_code == result.exit_code
    check_contract(tables, exit_1_ok=True)


@FAST
@given(
    option=st.sampled_from(["--density-limit", "--k-limit"]),
    value=st.sampled_from(HOSTILE_NUMBERS),
)
def test_program_check_options(tmp_path: Path, option: str, value: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(program_toml(BASE_PROGRAM), encoding="utf-8")
    result = runner.invoke(app, ["program", "check", str(path), "--json", option, value])
    outcome = check_contract(result)
    if outcome != "ok":
        assert "limit" in outcome or option in outcome or "Invalid value" in outcome


@settings(FAST, max_examples=8)
@given(
    mutations=st.lists(mutation, max_size=2),
    suffix=st.sampled_from([".png", ".svg", ".xyz", "", ".PNG"]),
    cycles=st.sampled_from(["1", "0", "-1", "1001", "nan", "2"]),
)
def test_program_plot(
    tmp_path: Path, mutations: list[tuple[str, str, str]], suffix: str, cycles: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(mutated_program(mutations), encoding="utf-8")
    out = tmp_path / f"[out]{suffix}"
    if out.exists():  # tmp_path is shared by the examples
        out.unlink()
    result = runner.invoke(app, ["program", "plot", str(path), "-o", str(out), "--cycles", cycles])
    outcome = check_contract(result, exit_1_ok=True)
    if outcome == "ok":
        assert out.stat().st_size > 0
    else:
        assert not out.exists()
    if outcome == "limit":  # the same program is refused by check with exit 1 too
        check = runner.invoke(app, ["program", "check", str(path), "--json"])
        assert check.exit_code == 1


@settings(FAST, max_examples=15)
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_program_files_of_any_bytes(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(content)
    result = runner.invoke(app, ["program", "check", str(path), "--json"])
    check_contract(result, exit_1_ok=True)


# --------------------------------------------------------------------------------------------
# fiber thresholds (CSV) and fiber cv

CSV_COLUMNS = [
    "model",
    "diameter_um",
    "distance_mm",
    "waveform",
    "pulse_width_ms",
    "n_pulses",
    "rate_hz",
    "n_nodes",
    "dt_ms",
    "tstop_ms",
    "temperature_c",
    "conductivity_s_per_m",
]
# cheap valid values first (small fibers, short runs), then hostile ones
CSV_VALUES: dict[str, list[str]] = {
    "model": ["mrg", "sundt", "MRG", "", "[x]"],
    "diameter_um": ["10.0", "16", "1.0", "9", "nan", "-1", "1e308"],
    "distance_mm": ["1.0", "0.5", "3", "0", "-1", "inf", "1e9"],
    "waveform": ["monophasic-cathodic", "biphasic-cathodic-first", "train", "sine", ""],
    "pulse_width_ms": ["0.1", "0.05", "0", "-0.1", "nan", "1e6", "4.99"],
    "n_pulses": ["1", "", "2", "0", "-3", "1.5", "1e9"],
    "rate_hz": ["0", "", "100", "-5", "nan", "1e9"],
    "n_nodes": ["", "21", "5", "4", "0", "1e8", "3.5"],
    "dt_ms": ["", "0.01", "0", "-0.005", "nan", "1"],
    "tstop_ms": ["", "2", "0", "1e12", "nan"],
    "temperature_c": ["", "37", "nan", "-300", "1e9"],
    "conductivity_s_per_m": ["", "0.2", "0.4", "0", "-1", "nan", "inf"],
}


@st.composite
def csv_rows(draw: st.DrawFn) -> list[str]:
    n = draw(st.integers(1, 2))
    rows = []
    for _ in range(n):
        rows.append(",".join(draw(st.sampled_from(CSV_VALUES[c])) for c in CSV_COLUMNS))
    return rows


def _thresholds_run(tmp_path: Path, text: bytes, *extra: str) -> tuple[Result, Path]:
    cases = tmp_path / "cases.csv"
    cases.write_bytes(text)
    out = tmp_path / "out.csv"
    if out.exists():
        out.unlink()
    args = ["fiber", "thresholds", str(cases), "-o", str(out), "--json", "--workers", "1"]
    return runner.invoke(app, [*args, "--tolerance-rel", "0.5", *extra]), out


@settings(FAST, max_examples=20)
@given(rows=csv_rows(), bom=st.booleans())
def test_fiber_thresholds_csv(tmp_path: Path, rows: list[str], bom: bool) -> None:
    text = ("\ufeff" if bom else "") + "\n".join([",".join(CSV_COLUMNS), *rows]) + "\n"
    result, out = _thresholds_run(tmp_path, text.encode("utf-8"))
    if check_contract(result) == "ok":
        summary = json.loads(result.stdout)
        assert summary["n_cases"] == len(rows)
        written = out.read_text(encoding="utf-8").splitlines()
        assert len(written) == len(rows) + 1
    else:
        assert not out.exists()


@settings(FAST, max_examples=15)
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_fiber_thresholds_any_bytes(tmp_path: Path, content: bytes) -> None:
    result, _ = _thresholds_run(tmp_path, content)
    check_contract(result)


@FAST
@given(
    option=st.sampled_from(
        ["--chunk-size", "--workers", "--tolerance-rel", "--memory-budget-mb", "--scheduler"]
    ),
    value=st.sampled_from([*HOSTILE_NUMBERS, "tcp://", "[x]"]),
)
def test_fiber_thresholds_options(tmp_path: Path, option: str, value: str) -> None:
    if option == "--scheduler" and value not in ("tcp://", "[x]", "", "abc"):
        return  # a numeric "address" would wait for the connect timeout; covered in tests/cli
    text = ",".join(CSV_COLUMNS) + "\nmrg,10.0,1.0,monophasic-cathodic,0.1,1,0,21,,,,\n"
    result, _ = _thresholds_run(tmp_path, text.encode(), option, value)
    outcome = check_contract(result)
    if outcome != "ok":
        assert option.lstrip("-").replace("-", "_") in outcome or option in outcome, outcome


@settings(FAST, max_examples=20)
@given(
    model=st.sampled_from(["mrg", "sundt", "x"]),
    diameter=st.sampled_from(["10", "1.0", "5.7", *HOSTILE_NUMBERS[:8]]),
    n_nodes=st.sampled_from([None, "21", "5", "4", "0", "-5", "100001", "1e3"]),
    dt=st.sampled_from([None, "0.01", "0.1", "0", "-1", "nan", "10"]),
)
def test_fiber_cv(model: str, diameter: str, n_nodes: str | None, dt: str | None) -> None:
    args = ["fiber", "cv", "--model", model, "--diameter-um", diameter, "--json"]
    if model == "sundt" and n_nodes is None:
        n_nodes = "61"  # keep the default-size Sundt run (601 nodes, 30 ms) out of the fast set
    if n_nodes is not None:
        args += ["--n-nodes", n_nodes]
    if dt is not None:
        args += ["--dt-ms", dt]
    result = runner.invoke(app, args)
    if check_contract(result) == "ok":
        data = json.loads(result.stdout)
        assert math.isfinite(data["cv_m_per_s"]) and data["cv_m_per_s"] > 0


# --------------------------------------------------------------------------------------------
# circuit sweep

CIRCUIT_OPTIONS: dict[str, list[str]] = {
    "--paradigm": ["tonic", "burst", "khz", "sine", "[x]"],
    "--rate-hz": ["0", "10,50", "40", "10000", "nan", "-5", "1e9", ",", "a,b", "0," * 1001],
    "--seeds": ["1", "2", "0", "-1", "1001"],
    "--first-seed": ["1", "0", "-1", "4294967295", "99999999999999999999"],
    "--block": ["none", "gaba-a", "strychnine"],
    "--recruitment": ["1", "0.5", "nan", "-0.1", "1.5"],
    "--pulses-per-burst": ["5", "0", "101", "-1"],
    "--intraburst-rate-hz": ["500", "nan", "0", "-1", "1e9"],
    "--khz-regime": ["async", "block", "none", "maybe"],
    "--async-rate-hz": ["57", "nan", "-1", "500"],
    "--nociceptive-scale": ["1", "0", "nan", "-1", "1e300"],
    "--duration-s": ["2.5", "7", "2", "nan", "601", "inf"],
}


@st.composite
def circuit_args(draw: st.DrawFn) -> list[str]:
    keys = draw(st.lists(st.sampled_from(list(CIRCUIT_OPTIONS)), max_size=4, unique=True))
    args: list[str] = []
    for key in keys:
        args += [key, draw(st.sampled_from(CIRCUIT_OPTIONS[key]))]
    return args


@FAST
@given(args=circuit_args())
def test_circuit_sweep_options(tmp_path: Path, args: list[str]) -> None:
    # a tiny memory budget stops every accepted option set at the memory check (exit 2 naming
    # --rate-hz), before any simulation; the slow variant below lets them run
    result = runner.invoke(
        app, ["circuit", "sweep", *args, "--memory-budget-mb", "0.001", "--json"]
    )
    line = check_contract(result)
    assert line != "ok"


@settings(FAST, max_examples=6)
@given(
    plot=st.sampled_from(["x.png", "x.xyz", "x", "[x].svg"]),
    output=st.sampled_from(["o.csv", ".", "missing/o.csv"]),
)
def test_circuit_sweep_outputs(tmp_path: Path, plot: str, output: str) -> None:
    args = ["circuit", "sweep", "--plot", str(tmp_path / plot), "-o", str(tmp_path / output)]
    result = runner.invoke(app, [*args, "--memory-budget-mb", "0.001"])
    line = check_contract(result)
    assert line != "ok"
    if plot.endswith(".xyz") or plot == "x":
        assert "--plot" in line or "--output" in line


@pytest.mark.slow
@settings(SLOW, max_examples=40)
@given(args=circuit_args())
def test_circuit_sweep_runs_slow(tmp_path: Path, args: list[str]) -> None:
    if "--duration-s" not in args:
        args = [*args, "--duration-s", "2.5"]
    if "--seeds" not in args:
        args = [*args, "--seeds", "1"]
    result = runner.invoke(app, ["circuit", "sweep", *args, "--json"])
    if check_contract(result, exit_1_ok=True) == "ok":
        rows = json.loads(result.stdout)["rows"]
        assert rows and all("wdr_hz" in r for r in rows)


@pytest.mark.slow
@SLOW
@given(rows=csv_rows(), bom=st.booleans())
def test_fiber_thresholds_csv_slow(tmp_path: Path, rows: list[str], bom: bool) -> None:
    test_fiber_thresholds_csv.hypothesis.inner_test(tmp_path, rows, bom)  # type: ignore[attr-defined]


@pytest.mark.slow
@SLOW
@given(mutations=st.lists(mutation, min_size=1, max_size=5))
def test_program_check_slow(tmp_path: Path, mutations: list[tuple[str, str, str]]) -> None:
    test_program_check.hypothesis.inner_test(tmp_path, mutations)  # type: ignore[attr-defined]
