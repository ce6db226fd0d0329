"""``neurostim fiber``: fiber thresholds and conduction velocity."""

from __future__ import annotations

import typer

app = typer.Typer(help="Nerve-fiber thresholds and conduction velocity.", no_args_is_help=True)
