"""Helpers shared by the CLI commands: the exit-code rule, option checks, Rich output.

Exit codes (every command)
--------------------------
- **0**: the command did what was asked (a check found the input valid; warnings, such as a
  charge density above the warning limit, do not change the exit code).
- **1**: the input is well formed but a device or drug limit refuses it: a program outside its
  stimulator's ranges or steps, shares that do not sum to 100 %, a dose above a drug limit
  (:class:`~neurostim.errors.SafetyLimitError`, or a check that found the input invalid). The
  report (table or ``--json``) is still printed on stdout.
- **2**: the input is malformed: an unreadable, binary or empty file, malformed TOML or CSV, an
  unknown id, a wrong type, a non-finite number (NaN, inf), a value outside the range the file
  format or option allows (a negative amplitude, ``dt_ms = 0``, ``--chunk-size 0``), work that
  would exceed the memory budget, an unreachable scheduler, an output path that cannot be
  written or has an unsupported extension; and a computation that cannot answer for the input
  (:class:`~neurostim.errors.SolverError`). Nothing is written to stdout; one line on stderr,
  ``error: <field> = <value>: <what is allowed>``.

No command ends in a Python traceback. Text a user supplied (names, descriptions, ids, paths)
is escaped before Rich prints it (:func:`escape`), so ``[battery]`` or ``$x$`` prints as typed.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape as _rich_escape
from typer.core import TyperCommand
from typer.exceptions import TyperException

from neurostim._files import check_output_path, write_text
from neurostim.errors import InputError, NeurostimError, SafetyLimitError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
"""Exit code of well-formed input that a device or drug limit refuses (see the module doc)."""
EXIT_USAGE = 2
"""Exit code of malformed input: unreadable file, bad TOML/CSV, unknown id, non-finite or
out-of-range value, work over the memory budget."""


def escape(text: Any) -> str:
    """``text`` as a string that Rich prints literally (markup such as ``[red]`` escaped)."""
    return _rich_escape(str(text))


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``message`` as one line on stderr and return the ``typer.Exit`` to raise."""
    one_line = " ".join(str(message).split())
    typer.echo(f"error: {one_line}", err=True)
    return typer.Exit(code)


def guarded(fn: F) -> F:
    """Decorate a command so that errors end in one line on stderr with the rule's exit code.

    SafetyLimitError exits 1; other neurostim errors, unreadable files and memory exhaustion
    exit 2 (module docstring).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SafetyLimitError as exc:
            raise fail(str(exc), code=EXIT_INVALID) from None
        except NeurostimError as exc:
            raise fail(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise fail(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            what = exc.strerror or exc.__class__.__name__
            raise fail(f"{what}: {exc.filename}" if exc.filename else what) from None
        except MemoryError:
            raise fail(
                "out of memory: the work does not fit this machine; make it smaller "
                "(fewer cases per chunk, fewer nodes, a shorter tstop_ms)"
            ) from None

    return wrapper  # type: ignore[return-value]


class OneLineErrors(TyperCommand):
    """A command whose option-parsing errors (a value that is not a number, a missing argument)
    are one ``error:`` line on stderr with exit code 2, like every other bad input.

    Use as ``@app.command("name", cls=OneLineErrors)``.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except _USAGE_ERRORS as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" or not hasattr(exc, "format_message"):
                raise
            raise _usage_exit(exc, given) from None


_USAGE_ERRORS = (click.UsageError, TyperException)
"""Parsing errors of Click, and of the copy of Click that recent Typer releases carry."""


def _usage_exit(exc: Any, args: list[str]) -> typer.Exit:
    message = " ".join(exc.format_message().split()).rstrip(".")
    param = getattr(exc, "param", None)
    if param is not None:
        names = list(getattr(param, "opts", [])) or [str(param.name).upper()]
        field = names[0]
        value: str | None = None
        for i, arg in enumerate(args):
            for name in names:
                if arg == name and i + 1 < len(args):
                    value = args[i + 1]
                elif arg.startswith(name + "="):
                    value = arg.split("=", 1)[1]
        shown = repr(value) if value is not None else "(missing)"
        detail = " ".join(str(getattr(exc, "message", "") or message).split()).rstrip(".")
        message = f"{field} = {shown}: {detail}"
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def check_number(
    field: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    unit: str = "",
) -> float:
    """Return ``value`` if it is finite and in range; else raise InputError naming the range.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``.
    """
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        allowed = describe_range(low, high, low_open, high_open, unit)
        raise InputError(field, value, f"must be a finite number {allowed}")
    return value


def describe_range(
    low: float | None,
    high: float | None,
    low_open: bool = False,
    high_open: bool = False,
    unit: str = "",
) -> str:
    """The allowed range in words, e.g. ``"in (0, 1]"`` or ``">= 1"``."""
    u = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}{u}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}{u}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}{u}"
    return ""


def check_int(field: str, value: int, *, low: int, high: int | None = None) -> int:
    """Return ``value`` if ``low <= value <= high``; else raise InputError naming the range."""
    if value < low or (high is not None and value > high):
        allowed = f"in {low}..{high}" if high is not None else f">= {low}"
        raise InputError(field, value, f"must be a whole number {allowed}")
    return value


def check_output(field: str, path: Path, suffixes: tuple[str, ...] | None = None) -> Path:
    """Refuse, before any work, an output path that cannot be written as a file
    (:func:`neurostim._files.check_output_path`)."""
    return check_output_path(field, path, suffixes)


def print_json(obj: Any) -> None:
    """Write ``obj`` as indented JSON on stdout (no Rich markup, safe for pipes).

    Non-finite floats (NaN, inf: "undefined" results) are written as ``null``, so the output
    is standard JSON.
    """
    text = json.dumps(_finite(obj), indent=2, default=_json_default, allow_nan=False)
    sys.stdout.write(text + "\n")


def write_csv(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    field: str,
    lineterminator: str = "\r\n",
) -> None:
    """Write ``rows`` as CSV with the header ``columns`` (in that order; a key not among them
    is left out, None is an empty cell), in one piece: the file appears whole or not at all
    (:func:`neurostim._files.write_text`; ``field`` names the option in its errors)."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(
        buf, fieldnames=list(columns), lineterminator=lineterminator, extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buf.getvalue(), field=field)


def report_written(*paths: Path | str | None) -> None:
    """Say ``wrote PATH`` for each output that was written (None: not asked for)."""
    for path in paths:
        if path is not None:
            console.print(f"wrote {escape(str(path))}")


def show(
    data: dict[str, Any],
    json_out: bool,
    printer: Callable[[dict[str, Any]], None],
    *written: Path | str | None,
) -> None:
    """The end of a command: ``data`` as JSON on stdout with ``--json``, else ``printer``'s
    tables and one ``wrote PATH`` line per output written."""
    if json_out:
        print_json(data)
        return
    printer(data)
    report_written(*written)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return _finite(o.item())
        if isinstance(o, np.ndarray):
            return _finite(o.tolist())
    except ImportError:  # pragma: no cover
        pass
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
