"""Unit potentials read back for a point set evaluated before: no mesh, no solutions loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurostim.field.fem import cache
from neurostim.field.fem.solved import UnitSolves


class _Solves(UnitSolves):
    def __init__(self, root: Path) -> None:
        self._init_solves(root, True)

    def _space(self, mesh: Any, n: int) -> Any:  # pragma: no cover - must not be called
        raise AssertionError("the mesh's space was built")


def test_stored_points_skip_the_mesh(tmp_path: Path) -> None:
    payload = {"conductor": "test", "n": 2}
    key = cache.cache_key(payload)
    mesh = tmp_path / "mesh.vol.gz"
    mesh.write_bytes(b"not a mesh: reading it would fail")
    report = {"elements": 7, "dofs": 3, "impedance_ohm": [1000.0, 1100.0]}
    cache.store_entry(key, mesh, {"vectors": np.zeros((2, 3))}, {"key": payload,
                      "report": report}, tmp_path)  # fmt: skip
    pts = np.array([[0.0, 0.1, 0.2], [1.0, 1.1, 1.2], [2.0, 2.1, 2.2]])
    values = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    solves = _Solves(tmp_path)
    assert solves._stored_points(payload, pts, 2) is None  # not evaluated yet
    cache.store_points(key, cache.points_digest(pts), values, tmp_path)
    got = solves._stored_points(payload, pts, 2)
    np.testing.assert_array_equal(got, values)
    assert solves._state is None  # the mesh and the solutions stayed on disk
    assert solves._report["cache_hit"] and solves._report["points_hit"]
    assert solves._report["elements"] == 7
    assert solves._stored_points(payload, pts[:2], 2) is None  # another point set
    assert solves._stored_points({"conductor": "other"}, pts, 2) is None  # another solve
    assert solves._stored_points(payload, pts, 3) is None  # another contact count
    solves.use_cache = False
    assert solves._stored_points(payload, pts, 2) is None
