"""Per-fiber results of the ECAP stage kept on disk by content: ``<cache root>/ecap-fibers``.

A result's key is the SHA-256 of everything the fiber engine computes it from (the geometry,
the fields at its sections, the cut waveform, the step and window, the cases) and of the
engine's source and the modules that call it, so a new finite-element solve, fiber layout or
engine gives a new key and a result is never read back for inputs it was not made from.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


def digest(*parts: Any) -> str:
    """SHA-256 (hex) of arrays (their dtype, shape and bytes) and plain values (their repr).

    A tuple or list is digested part by part, so an array inside it counts by content (never
    by its printed form, which NumPy shortens for large arrays)."""
    h = hashlib.sha256()
    _update(h, parts)
    return h.hexdigest()


def _update(h: Any, parts: Any) -> None:
    for part in parts:
        if isinstance(part, np.ndarray):
            a = np.ascontiguousarray(part)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        elif isinstance(part, tuple | list):
            h.update(f"<{type(part).__name__}{len(part)}".encode())
            _update(h, part)
            h.update(b">")
        else:
            h.update(repr(part).encode())
        h.update(b"|")


def geometry_digest(geometry: Any) -> str:
    """Digest of every field of a cable geometry (its arrays by content)."""
    return digest(*[(f.name, getattr(geometry, f.name)) for f in dataclasses.fields(geometry)])


def cache_dir() -> Path:
    """Per-fiber results kept by content: ``<cache root>/ecap-fibers``."""
    from neurostim.field.fem.cache import cache_root

    return cache_root() / "ecap-fibers"


def load(key: str) -> dict[str, NDArray[Any]] | None:
    """The arrays kept under ``key``, or None (absent or unreadable)."""
    path = cache_dir() / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError):
        return None


def store(key: str, arrays: dict[str, NDArray[Any]]) -> None:
    """Write atomically (a temporary file renamed); a cache that cannot be written is skipped."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, folder / f"{key}.npz")
    except OSError:
        return


@functools.lru_cache(maxsize=1)
def engine_digest() -> str:
    """Digest of the fiber engine's source and of the ECAP modules that run it: a changed
    engine never reads results kept by an earlier one."""
    import neurostim.fibers

    here = Path(__file__).parent
    files = [
        *sorted(Path(neurostim.fibers.__file__).parent.rglob("*.py")),
        here / "_sfap.py",
        here / "_thresholds.py",
    ]
    return digest(*[f.read_bytes() for f in files])


__all__: list[str] = []
