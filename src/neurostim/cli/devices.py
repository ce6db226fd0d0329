"""``neurostim devices``: the lead and stimulator catalogs."""

from __future__ import annotations

import typer

app = typer.Typer(help="Lead and stimulator (IPG) catalogs.", no_args_is_help=True)
