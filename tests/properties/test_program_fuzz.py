"""Fuzz the program loader: malformed and out-of-range input gives InputError, nothing else.

Hypothesis throws random TOML text, random documents, and mutations of a valid program at
``parse_program_text`` / ``parse_program`` / ``check_program``; the only exception allowed is
:class:`~neurostim.errors.InputError` (whose message names a field), and ``check_program``
either loads and reports or raises InputError.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurostim.device import check_program, parse_program, parse_program_text
from neurostim.errors import InputError

BASE: dict[str, Any] = {
    "stimulator": "generic-rechargeable-16",
    "leads": ["percutaneous-8", "percutaneous-8"],
    "trains": [
        {
            "waveform": "burst",
            "amplitude_ma": 0.6,
            "pulse_width_us": 1000,
            "rate_hz": 40,
            "pulses_per_burst": 5,
            "intraburst_rate_hz": 500,
            "recharge": "passive",
            "contacts": {"L1.E4": -100, "L1.E5": 100},
        }
    ],
    "dosing": {"on_s": 30, "off_s": 90},
    "patient": {"amplitude_min_ma": 0.0, "amplitude_max_ma": 6.0},
    "impedance_ohm": {"L1.E4": 600},
}

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["L1.E1", "L2.E8", "case", "L9.E1", "tonic", "burst", "high-frequency"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
PATHS = [
    ("stimulator",),
    ("leads",),
    ("trains",),
    ("dosing",),
    ("patient",),
    ("impedance_ohm",),
    ("trains", 0, "waveform"),
    ("trains", 0, "amplitude_ma"),
    ("trains", 0, "pulse_width_us"),
    ("trains", 0, "rate_hz"),
    ("trains", 0, "recharge"),
    ("trains", 0, "contacts"),
    ("trains", 0, "pulses_per_burst"),
    ("trains", 0, "intraburst_rate_hz"),
    ("trains", 0, "contacts", "L1.E4"),
    ("dosing", "on_s"),
    ("dosing", "duty"),
    ("patient", "amplitude_max_ma"),
    ("impedance_ohm", "L1.E4"),
]


def only_input_errors(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except InputError as exc:
        assert str(exc).strip()


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    only_input_errors(parse_program_text, text)


@SETTINGS
@given(st.dictionaries(st.text(max_size=12), values, max_size=6))
def test_random_documents(doc: dict[str, Any]) -> None:
    only_input_errors(parse_program, doc)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=3), st.booleans())
def test_mutated_valid_program(mutations: list[tuple[tuple[Any, ...], Any]], drop: bool) -> None:
    doc = copy.deepcopy(BASE)
    for path, value in mutations:
        target: Any = doc
        try:
            for key in path[:-1]:
                target = target[key]
            if drop and isinstance(target, dict):
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    only_input_errors(parse_program, doc)


@SETTINGS
@given(
    amplitude=st.floats(min_value=-50, max_value=50),
    pulse_width=st.integers(min_value=-100, max_value=3000),
    rate=st.floats(min_value=-10, max_value=20000),
    share=st.floats(min_value=-150, max_value=150),
)
def test_out_of_range_numbers_through_check(
    tmp_path_factory: Any, amplitude: float, pulse_width: int, rate: float, share: float
) -> None:
    doc = copy.deepcopy(BASE)
    doc["trains"][0].update(
        amplitude_ma=amplitude,
        pulse_width_us=pulse_width,
        rate_hz=rate,
        contacts={"L1.E4": -share, "L1.E5": share},
    )
    program = parse_program(doc, validate=False)
    result = check_program(program)
    assert result.valid == (result.errors == [])
    result.to_dict()
    path = Path(tmp_path_factory.mktemp("f")) / "p.toml"
    path.write_text(_to_toml(doc))
    assert tomllib.loads(path.read_text())["trains"][0]["rate_hz"] == rate
    only_input_errors(check_program, path)


def _to_toml(doc: dict[str, Any]) -> str:
    train = doc["trains"][0]
    lines = [f'stimulator = "{doc["stimulator"]}"', 'leads = ["percutaneous-8"]', "[[trains]]"]
    for key, value in train.items():
        if isinstance(value, dict):
            inner = ", ".join(f'"{k}" = {v!r}' for k, v in value.items())
            lines.append(f"{key} = {{ {inner} }}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"
