"""``neurostim program``: check and plot stimulation programs."""

from __future__ import annotations

import typer

app = typer.Typer(help="Check and plot stimulation programs (TOML).", no_args_is_help=True)
