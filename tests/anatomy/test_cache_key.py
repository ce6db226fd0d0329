"""Canonical JSON and the content-addressed cache key."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from neurostim.anatomy import anatomy_from_toml, level_defaults, load_anatomy


def test_key_is_sha256_of_sorted_compact_json() -> None:
    a = load_anatomy("T8")
    data = a.to_dict()
    data.pop("source")
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    assert a.canonical_json() == text
    assert a.cache_key() == hashlib.sha256(text.encode()).hexdigest()


def test_to_dict_is_plain_json_with_float_sizes() -> None:
    d = load_anatomy("T10").to_dict()
    assert json.loads(json.dumps(d)) == d
    assert isinstance(d["length_mm"], float) and isinstance(d["cord_ml_offset_mm"], float)
    assert d["conductivity"]["dura"] == 0.6
    assert d["fibers"]["dc_diameters_um"][0] == 5.7


def test_key_stable_under_key_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('level = "T10"\ndcsf_mm = 3.0\n[roots]\nn_rootlets = 7\nbend_radius_mm = 0.8\n')
    b.write_text("[roots]\nbend_radius_mm = 0.8\nn_rootlets = 7\n")
    b.write_text('dcsf_mm = 3.0\nlevel = "T10"\n' + b.read_text())
    assert anatomy_from_toml(a).cache_key() == anatomy_from_toml(b).cache_key()


def test_integer_and_float_spellings_give_one_key() -> None:
    assert (
        load_anatomy("T10", length_mm=100).cache_key()
        == load_anatomy("T10", length_mm=100.0).cache_key()
    )


def test_key_ignores_the_source_text() -> None:
    assert load_anatomy(source="a").cache_key() == load_anatomy(source="b").cache_key()


def _changed_values() -> list[tuple[str, dict]]:
    """Every numeric parameter of T10 nudged alone by 0.1 % (a value that stays valid)."""
    out = []
    d = level_defaults("T10")
    for key, value in d.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                new = [x * 1.001 for x in v] if isinstance(v, list) else _nudge(v)
                out.append((f"{key}.{sub}", {key: {**value, sub: new}}))
        elif isinstance(value, int | float):
            out.append((key, {key: _nudge(value)}))
    for tissue in (
        "grey",
        "white_longitudinal",
        "white_transverse",
        "csf",
        "dura",
        "epidural",
        "bone",
        "outer",
    ):
        out.append((f"conductivity.{tissue}", {"conductivity": {tissue: 0.123}}))
    return out


def _nudge(v: float) -> float:
    if isinstance(v, int) and not isinstance(v, bool) and v > 1:
        return v + 1
    return v * 1.001 if v else 0.01


@pytest.mark.parametrize(
    ("name", "kw"), _changed_values(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_key_changes_with_any_value(name: str, kw: dict) -> None:
    base = load_anatomy("T10")
    assert load_anatomy("T10", **kw).cache_key() != base.cache_key(), name
