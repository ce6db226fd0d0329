"""Compile the shipped NMODL mechanisms once per user and load them into NEURON.

The ``.mod`` files in ``neurostim/compare/mod/`` are compiled with ``nrnivmodl`` into
``$NEUROSTIM_CACHE_DIR/nrn/<hash>`` (default ``~/.cache/neurostim/nrn/<hash>``), where the hash
covers the mod sources and the NEURON version, so an edit or an upgrade recompiles. Compilation
happens in a temporary directory that is renamed into place, so concurrent processes do not see a
half-built library.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from neurostim.errors import NeurostimError

_loaded: dict[str, Path] = {}


class NeuronUnavailableError(NeurostimError):
    """NEURON (the ``compare`` extra) is not installed or its mechanisms cannot be built."""


def neuron_available() -> bool:
    """True when NEURON can be imported and ``nrnivmodl`` is found."""
    try:
        import neuron  # noqa: F401
    except ImportError:
        return False
    return _nrnivmodl() is not None


def _nrnivmodl() -> str | None:
    found = shutil.which("nrnivmodl")
    if found:
        return found
    candidate = Path(sys.prefix) / "bin" / "nrnivmodl"
    return str(candidate) if candidate.exists() else None


def _mod_sources() -> dict[str, bytes]:
    folder = resources.files("neurostim.compare") / "mod"
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".mod")
    }


def _cache_root() -> Path:
    base = os.environ.get("NEUROSTIM_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "neurostim"
    return root / "nrn"


def _library_in(folder: Path) -> Path | None:
    for arch in (platform.machine(), "x86_64", "arm64", "aarch64"):
        lib = folder / arch / "libnrnmech.so"
        if lib.exists():
            return folder
    return None


def load_mechanisms() -> Any:
    """Import NEURON, compile the mechanisms if needed, load them; return ``neuron.h``.

    Raises
    ------
    NeuronUnavailableError
        NEURON is not installed, ``nrnivmodl`` is missing, or compilation failed (the message
        carries the compiler output).
    """
    try:
        import neuron
        from neuron import h
    except ImportError as exc:
        raise NeuronUnavailableError(
            "NEURON is not installed; install the optional extra: pip install 'neurostim[compare]'"
        ) from exc
    if "done" in _loaded:
        return h
    sources = _mod_sources()
    digest = hashlib.sha256()
    digest.update(neuron.__version__.encode())
    for name, text in sources.items():
        digest.update(name.encode() + b"\0" + text)
    target = _cache_root() / digest.hexdigest()[:16]
    if _library_in(target) is None:
        exe = _nrnivmodl()
        if exe is None:
            raise NeuronUnavailableError(
                "nrnivmodl was not found on PATH; it comes with NEURON (pip install neuron)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent))
        for name, text in sources.items():
            (work / name).write_bytes(text)
        proc = subprocess.run([exe], cwd=work, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or _library_in(work) is None:
            shutil.rmtree(work, ignore_errors=True)
            raise NeuronUnavailableError(
                f"nrnivmodl failed (exit {proc.returncode}) compiling neurostim's mechanisms:\n"
                + (proc.stdout + proc.stderr)[-3000:]
            )
        try:
            work.rename(target)
        except OSError:  # another process got there first
            shutil.rmtree(work, ignore_errors=True)
    if not neuron.load_mechanisms(str(target), warn_if_already_loaded=False):
        raise NeuronUnavailableError(f"NEURON could not load the mechanisms built in {target}")
    _loaded["done"] = target
    return h
