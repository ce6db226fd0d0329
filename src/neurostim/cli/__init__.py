"""The ``neurostim`` command: one sub-command group per pipeline stage.

Each command parses its options, calls one public function, prints with Rich and offers
``--json``. Bad input gives one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import typer
from typer.core import TyperGroup

from neurostim import __version__
from neurostim._files import request_stop, stop_requested
from neurostim.cli import (
    circuit,
    clinic,
    devices,
    drg,
    ecap,
    fiber,
    pns,
    program,
    pump,
    scs,
    trial,
)
from neurostim.cli.run import run_command

# the click exceptions typer raises (its own copy of click in recent versions, click otherwise)
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
_NO_ARGS_IS_HELP: Any = getattr(sys.modules[_CLICK_ERROR.__module__], "NoArgsIsHelpError", ())


class _OneLineErrors(TyperGroup):
    """The root command: a usage error (unknown option, a word where a number belongs) is one
    ``error:`` line on stderr with exit code 2, like every other malformed input."""

    def main(self, standalone_mode: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        if not standalone_mode:
            return super().main(standalone_mode=False, **kwargs)
        try:
            rv = super().main(standalone_mode=False, **kwargs)
        except _NO_ARGS_IS_HELP as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except _CLICK_ERROR as exc:
            one_line = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
            ctx = getattr(exc, "ctx", None)
            hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            typer.echo(f"error: {one_line}{hint}", err=True)
            sys.exit(getattr(exc, "exit_code", 2))
        except typer.Abort:
            typer.echo("error: interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="neurostim",
    cls=_OneLineErrors,
    help="Neuromodulation for chronic pain in silico.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(devices.app, name="devices")
app.add_typer(program.app, name="program")
app.add_typer(pump.app, name="pump")
app.add_typer(fiber.app, name="fiber")
app.add_typer(circuit.app, name="circuit")
app.add_typer(scs.app, name="scs")
app.add_typer(pns.app, name="pns")
app.add_typer(ecap.app, name="ecap")
app.add_typer(drg.app, name="drg")
app.add_typer(trial.app, name="trial")
app.add_typer(trial.cohort_app, name="cohort")
app.add_typer(clinic.app, name="clinic")
app.command("run")(run_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"neurostim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Neuromodulation for chronic pain in silico."""


def _terminated(signum: int, frame: Any) -> None:
    """``kill`` (SIGTERM) unwinds like Ctrl-C: partial outputs are removed and a local Dask
    cluster is closed by the code that made them, then the command exits 143. The request is
    also recorded, so that no output is committed and the exit code holds even where the
    exception is swallowed on its way (raised inside a finaliser)."""
    request_stop(signum)
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point of the ``neurostim`` console script."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    finally:
        signum = stop_requested()
        if signum is not None:
            raise SystemExit(128 + signum)


__all__ = ["app", "main"]
