"""The ``neurostim`` command: one sub-command group per pipeline stage.

Each command parses its options, calls one public function, prints with Rich and offers
``--json``. Bad input gives one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import typer

from neurostim import __version__
from neurostim.cli import circuit, devices, fiber, program, pump
from neurostim.cli.run import run_command

app = typer.Typer(
    name="neurostim",
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


def main() -> None:
    """Entry point of the ``neurostim`` console script."""
    app()


__all__ = ["app", "main"]
