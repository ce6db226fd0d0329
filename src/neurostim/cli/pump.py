"""``neurostim pump``: intrathecal pump programs: check and simulate."""

from __future__ import annotations

import typer

app = typer.Typer(help="Intrathecal pump programs: check and simulate.", no_args_is_help=True)
