"""``neurostim circuit``: dorsal-horn gate-control circuit sweeps."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Dorsal-horn pain circuit: sweeps over stimulation paradigms.", no_args_is_help=True
)
