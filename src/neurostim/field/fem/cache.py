"""Content-addressed store of meshes and unit solutions.

Key: SHA-256 of the canonical JSON (sorted keys, no spaces) of everything that decides the
solution: the geometry and conductivities, the contacts, the mesh level and its element sizes
(``MESH_LEVELS``), the contact model, the element order, the solver tolerance and the
Netgen/NGSolve versions. One directory per key::

    <cache root>/fem/<key>/mesh.vol.gz       the Netgen mesh
    <cache root>/fem/<key>/solutions.npz     vectors (n_contacts, n_dofs) float64, statuses, ...
    <cache root>/fem/<key>/meta.json         the key's inputs and the solve report
    <cache root>/fem/<key>/points/<sha>.npy  unit potentials (n_contacts, n_points) float64 at
                                             one set of points (SHA-256 of their coordinates)

The root is ``NEUROSTIM_CACHE_DIR`` when set, else the user cache directory
(``$XDG_CACHE_HOME/neurostim`` or ``~/.cache/neurostim``; ``%LOCALAPPDATA%\\neurostim\\Cache``
on Windows; ``~/Library/Caches/neurostim`` on macOS). An entry is written into a temporary
directory beside its final place and renamed, so a reader never sees half an entry and an
interrupted run leaves nothing behind under the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neurostim.field.contacts import Contact

CACHE_ENV = "NEUROSTIM_CACHE_DIR"


def cache_root() -> Path:
    """The cache root directory (not created here)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "neurostim" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "neurostim"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "neurostim"


def contact_dict(contact: Contact) -> dict[str, Any]:
    """Plain data of a contact (type name and fields, floats as floats)."""
    d: dict[str, Any] = {"type": type(contact).__name__}
    for f in dataclasses.fields(contact):
        value = getattr(contact, f.name)
        d[f.name] = [float(x) for x in value] if isinstance(value, tuple) else value
    return d


def library_versions() -> dict[str, str]:
    import netgen
    import ngsolve

    return {"ngsolve": str(ngsolve.__version__), "netgen": str(netgen.__version__)}


def cache_key(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``payload``."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_payload(
    geometry: Mapping[str, Any], contacts: Sequence[Contact], settings: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "geometry": dict(geometry),
        "contacts": [contact_dict(c) for c in contacts],
        "settings": dict(settings),
        "versions": library_versions(),
    }


def entry_dir(key: str, root: Path | None = None) -> Path:
    return (cache_root() if root is None else root) / "fem" / key


def load_entry(key: str, root: Path | None = None) -> tuple[Path, dict[str, Any], Any] | None:
    """(mesh path, meta, arrays) of a complete entry, or None."""
    d = entry_dir(key, root)
    files = [d / "mesh.vol.gz", d / "solutions.npz", d / "meta.json"]
    if not all(f.is_file() for f in files):
        return None
    meta = json.loads(files[2].read_text(encoding="utf-8"))
    with np.load(files[1], allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    return files[0], meta, arrays


def store_entry(  # the mesh file as written by Netgen (``Mesh.Save``)
    key: str,
    mesh_path: Path,
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any],
    root: Path | None = None,
) -> Path:
    """Write an entry atomically (temporary directory, then rename); returns its directory."""
    final = entry_dir(key, root)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=final.parent))
    try:
        shutil.copyfile(mesh_path, tmp / "mesh.vol.gz")
        np.savez(tmp / "solutions.npz", **dict(arrays))  # type: ignore[arg-type]
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True), "utf-8")
        try:
            os.replace(tmp, final)
        except OSError:
            if not final.is_dir():  # another process won the race only if the entry is there
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


__all__ = ["CACHE_ENV", "cache_key", "cache_root", "key_payload", "load_entry", "store_entry"]


def points_digest(points_xyz_mm: np.ndarray, evaluation: str = "") -> str:
    """SHA-256 of a point set's float64 coordinates (C order) and shape, and of the name of
    the way the points are evaluated (``evaluation``; empty: plain point evaluation)."""
    pts = np.ascontiguousarray(points_xyz_mm, dtype=np.float64)
    h = hashlib.sha256((evaluation + str(pts.shape)).encode())
    h.update(pts.tobytes())
    return h.hexdigest()


def load_meta(key: str, root: Path | None = None) -> dict[str, Any] | None:
    """The meta of a complete entry (its solve's report under ``report``) without reading the
    mesh or the solutions, or None."""
    d = entry_dir(key, root)
    files = [d / "mesh.vol.gz", d / "solutions.npz", d / "meta.json"]
    if not all(f.is_file() for f in files):
        return None
    meta: dict[str, Any] = json.loads(files[2].read_text(encoding="utf-8"))
    return meta


def load_points(key: str, digest: str, n_contacts: int, root: Path | None = None) -> Any:
    """The stored unit potentials of an entry at one point set, or None."""
    path = entry_dir(key, root) / "points" / f"{digest}.npy"
    if not path.is_file():
        return None
    v = np.load(path, allow_pickle=False)
    return v if v.ndim == 2 and v.shape[0] == n_contacts else None


def store_points(key: str, digest: str, values: np.ndarray, root: Path | None = None) -> None:
    """Store unit potentials at one point set beside an existing entry (atomic rename)."""
    d = entry_dir(key, root)
    if not d.is_dir():
        return
    (d / "points").mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{digest[:12]}-", suffix=".npy", dir=d / "points")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.ascontiguousarray(values, dtype=np.float64), allow_pickle=False)
        os.replace(tmp, d / "points" / f"{digest}.npy")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
