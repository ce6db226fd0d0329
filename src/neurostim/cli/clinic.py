"""``neurostim clinic``: the web clinic server.

``neurostim clinic serve [--host 127.0.0.1] [--port 8000] [--db PATH] [--demo]
[--demo-password PW]``. The server listens on loopback unless ``--host`` names another address:
the option has no default value of its own (``None`` means 127.0.0.1) and no environment variable
or file sets it, so a non-loopback address is always one the user typed; the command then warns
that the clinic is reachable from other machines. Exit code 2 for a bad option or a missing
``web`` extra, one line on stderr.
"""

from __future__ import annotations

import ipaddress
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import typer

from neurostim.cli._common import OneLineErrors, check_int, fail, guarded
from neurostim.errors import InputError

app = typer.Typer(help="The web clinic (clinician programmer, patient controller, pump).")

LOOPBACK_HOST = "127.0.0.1"
DEFAULT_DB = Path("neurostim-clinic.sqlite3")
DEMO_PASSWORD_BYTES = 12
"""Random bytes of a generated demo password (``secrets.token_urlsafe``: 16 characters)."""


@dataclass(frozen=True)
class ServeConfig:
    """What ``clinic serve`` runs: address, database, demo seeding and its password."""

    host: str
    port: int
    db: Path
    demo: bool
    demo_password: str | None
    password_generated: bool

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_config(
    host: str | None,
    port: int,
    db: Path,
    demo: bool,
    demo_password: str | None,
) -> ServeConfig:
    """Check the options of ``clinic serve`` and fill in the defaults.

    ``host`` None (not given) is loopback; ``--demo-password`` needs ``--demo``; without it a
    random password is made for the demo users.
    """
    if host is not None and (not host.strip() or any(c.isspace() for c in host)):
        raise InputError("--host", host, "an IP address or host name")
    check_int("--port", port, low=1, high=65535)
    if not db.parent.is_dir():
        raise InputError("--db", str(db), "a file in an existing folder")
    if db.exists() and not db.is_file():
        raise InputError("--db", str(db), "a database file, not a folder")
    if demo_password is not None and not demo:
        raise InputError("--demo-password", "(hidden)", "only with --demo")
    generated = demo and demo_password is None
    if generated:
        demo_password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
    return ServeConfig(
        host=LOOPBACK_HOST if host is None else host,
        port=port,
        db=db,
        demo=demo,
        demo_password=demo_password,
        password_generated=generated,
    )


def prepare(config: ServeConfig) -> object:
    """Migrate (and with ``demo`` seed) the database; return the application to serve."""
    from neurostim.web import create_app, require_web_extra, seed_demo

    require_web_extra()
    if config.demo:
        assert config.demo_password is not None
        names = seed_demo(config.db, config.demo_password)
        shown = config.demo_password if config.password_generated else "(as given)"
        typer.echo(f"demo users {', '.join(names)}; password: {shown}")
        if config.password_generated:
            typer.echo("the password is printed once; rerun with --demo to set a new one")
    return create_app(config.db)


@app.command("serve", cls=OneLineErrors)
@guarded
def serve_command(
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default 127.0.0.1; others must be given)."
    ),
    port: int = typer.Option(8000, "--port", help="TCP port (1-65535)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database (created if absent)."),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Seed patients FBSS-01 and ITDD-01 and users clin1, clin2, stud1, pat1, pat2, instr1.",
    ),
    demo_password: str | None = typer.Option(
        None, "--demo-password", help="Password of every demo user (default: random, printed once)."
    ),
) -> None:
    """Serve the web clinic until interrupted (Ctrl-C)."""
    config = serve_config(host, port, db, demo, demo_password)
    try:
        application = prepare(config)
    except ImportError as exc:
        raise fail(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise InputError("--db", str(config.db), f"a clinic SQLite database ({exc})") from None
    import uvicorn

    if not config.loopback:
        typer.echo(
            f"warning: --host {config.host} makes the clinic reachable from other machines; "
            "put it behind TLS",
            err=True,
        )
    typer.echo(f"serving on http://{config.host}:{config.port} (database {config.db})")
    uvicorn.run(application, host=config.host, port=config.port, log_level="warning")  # type: ignore[arg-type]


__all__ = ["ServeConfig", "app", "is_loopback", "prepare", "serve_config"]
