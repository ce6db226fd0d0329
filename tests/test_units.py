"""Unit factors: one meaning per name, inverses consistent, no local conversion constants."""

from __future__ import annotations

import re
from pathlib import Path

from neurostim import units

SRC = Path(__file__).resolve().parents[1] / "src" / "neurostim"
FACTOR = re.compile(r"^([A-Z][A-Z0-9]*)_TO_([A-Z][A-Z0-9_]*)$")


def _factors() -> dict[str, float]:
    return {k: v for k, v in vars(units).items() if FACTOR.match(k) and isinstance(v, float)}


def test_inverse_pairs_multiply_to_one() -> None:
    factors = _factors()
    pairs = 0
    for name, value in factors.items():
        src, dst = FACTOR.match(name).groups()  # type: ignore[union-attr]
        inverse = factors.get(f"{dst}_TO_{src}")
        if inverse is not None:
            pairs += 1
            assert abs(value * inverse - 1.0) < 1e-15, name
    assert pairs >= 10


def test_seconds_and_siemens_have_their_own_names() -> None:
    # S_TO_US is seconds -> microseconds (1 s = 1000 ms = 1e6 us); siemens are spelled out
    assert units.S_TO_US == units.S_TO_MS * units.MS_TO_US
    assert units.US_TO_S * units.S_TO_US == 1.0
    # 1 S = 1e6 uS, 1 nS = 1e-3 uS: independent of the time factors
    assert units.SIEMENS_TO_MICROSIEMENS == 1e6
    assert units.NANOSIEMENS_TO_MICROSIEMENS == 1e-3
    # the compound factors from their parts: um2 x mA/cm2 -> nA
    assert abs(units.UM2_MA_PER_CM2_TO_NA - units.UM2_TO_CM2 * units.MA_TO_NA) < 1e-18


def test_no_local_conversion_constants_in_the_fiber_and_circuit_stages() -> None:
    local = re.compile(r"^_?[A-Z][A-Z0-9]*_TO_[A-Z0-9_]+\s*=", re.MULTILINE)
    found = [
        f"{path.relative_to(SRC)}: {m.group(0)}"
        for stage in ("fibers", "circuit")
        for path in sorted((SRC / stage).rglob("*.py"))
        for m in local.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"conversion factors belong in neurostim/units.py: {found}"
