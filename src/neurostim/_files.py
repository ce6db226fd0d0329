"""Output files shared by every stage: allowed figure formats, path checks, atomic writes.

A figure or table is written to a temporary file beside its destination and renamed onto it,
so a run stopped midway (Ctrl-C, ``kill``) never leaves a half-written file and never destroys
the file that was there before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neurostim.errors import InputError

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
"""Figure formats the plots write (chosen by the file's extension)."""


def check_output_path(
    field: str,
    path: str | Path,
    suffixes: tuple[str, ...] | None = None,
    *,
    folder_made_later: bool = False,
) -> Path:
    """Refuse, before any work, an output path that cannot be written as a file.

    ``suffixes``: the allowed extensions (case-insensitive), e.g. :data:`IMAGE_SUFFIXES`.
    ``folder_made_later``: the caller creates a missing folder, so only refuse a file in its way.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(field, str(p), "is a directory; give a file name")
    if folder_made_later:
        blocking = next((q for q in p.parents if q.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise InputError(field, str(p), f"{blocking} is a file, not a folder")
    elif not p.parent.is_dir():
        raise InputError(field, str(p), f"the folder {p.parent} does not exist")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise InputError(
            field,
            str(p),
            f"unsupported extension {p.suffix or '(none)'!s}; use one of {', '.join(suffixes)}",
        )
    return p


_STOP_SIGNAL: list[int] = []
"""The signal that asked this process to stop (``request_stop``), if any."""


def request_stop(signum: int) -> None:
    """Record that the process was asked to stop (``kill``): from now on no atomic write is
    committed, even where the exception that unwinds the run is swallowed on its way (an
    exception raised inside a finaliser is only printed), and the command exits 128 + signum."""
    _STOP_SIGNAL.append(int(signum))


def stop_requested() -> int | None:
    """The signal number of a ``request_stop`` so far, or None."""
    return _STOP_SIGNAL[0] if _STOP_SIGNAL else None


def _commit(tmp: Path, path: Path) -> None:
    signum = stop_requested()
    if signum is not None:
        raise SystemExit(128 + signum)
    os.replace(tmp, path)


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial{path.suffix}")


def save_figure(fig: Any, path: str | Path, *, field: str = "path", **savefig: Any) -> Path:
    """``fig.savefig`` to ``path`` atomically (figure formats of :data:`IMAGE_SUFFIXES`)."""
    p = check_output_path(field, path, IMAGE_SUFFIXES)
    tmp = _partial(p)
    try:
        fig.savefig(tmp, format=p.suffix.lower().lstrip("."), **savefig)
        _commit(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


def write_text(path: str | Path, text: str, *, field: str = "path") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    p = check_output_path(field, path)
    tmp = _partial(p)
    try:
        tmp.write_text(text, encoding="utf-8")
        _commit(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


@contextmanager
def written_atomically(path: str | Path, *, field: str = "path") -> Iterator[Path]:
    """A temporary path to write a file to; renamed onto ``path`` when the block ends without an
    error, removed otherwise (Ctrl-C included), so ``path`` is never half written."""
    p = check_output_path(field, path)
    tmp = _partial(p)
    try:
        yield tmp
        _commit(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
