"""The demo fixture (``data/demo.toml``): patient FBSS-01, its sandbox copy, five users.

Seeding is idempotent: it creates what is missing and resets the demo users' passwords to the
one given, so the password printed by ``neurostim clinic serve --demo`` is always the one that
works. Saved programs and the audit log are kept.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from neurostim._data import read_data_toml
from neurostim.web import audit
from neurostim.web.auth import add_user
from neurostim.web.db import transaction
from neurostim.web.store import add_patient, get_patient


def demo_fixture() -> dict[str, Any]:
    """The shipped demo fixture as read from ``data/demo.toml``."""
    return read_data_toml("neurostim.web", "demo.toml", None, "demo fixture")


def demo_usernames() -> list[str]:
    """The demo users' names, in the fixture's order."""
    return [str(u["username"]) for u in demo_fixture()["users"]]


def seed_demo(conn: sqlite3.Connection, password: str) -> list[str]:
    """Create the demo patients and users (password ``password`` for every user).

    Returns the usernames. One audit row records the seeding (without the password).
    """
    fixture = demo_fixture()
    with transaction(conn):
        for p in fixture["patients"]:
            record = {k: v for k, v in p.items() if k not in {"id", "sandbox", "sandbox_copy"}}
            if get_patient(conn, p["id"]) is None:
                add_patient(conn, p["id"], record, sandbox=bool(p["sandbox"]))
            copy = p.get("sandbox_copy")
            if copy and get_patient(conn, copy) is None:
                add_patient(conn, copy, {**record, "copy_of": p["id"]}, sandbox=True)
        names = []
        for u in fixture["users"]:
            add_user(conn, u["username"], u["role"], password, patient_id=u.get("patient_id"))
            names.append(str(u["username"]))
        audit.append(
            conn,
            action="demo.seed",
            outcome="ok",
            detail={"users": names, "patients": [p["id"] for p in fixture["patients"]]},
        )
    return names


__all__ = ["demo_fixture", "demo_usernames", "seed_demo"]
