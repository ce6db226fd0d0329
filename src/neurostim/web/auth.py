"""Users, argon2 password hashes, server-side sessions and CSRF tokens.

- Passwords are stored as argon2id hashes (``argon2-cffi``; parameters in
  ``data/security.toml``). A failed login takes as long for an unknown user as for a wrong
  password (a dummy hash is verified), and both get one generic message.
- A session is a random token (``secrets.token_urlsafe``) sent in an HttpOnly, SameSite=Strict
  cookie; the database stores only ``HMAC-SHA256(secret, token)``, so a copy of the database does
  not hold usable session ids. A session unused for ``idle_timeout_min`` minutes is deleted on
  its next use.
- Each session has its own CSRF token, compared in constant time with the ``X-CSRF-Token``
  header (API) or the ``csrf_token`` form field (HTML) on every state-changing request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from neurostim._data import read_data_toml
from neurostim.errors import InputError

ROLES = ("clinician", "student", "patient", "instructor")
"""The roles of the web clinic (clinic-web spec §4)."""

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class SecuritySettings:
    """``data/security.toml``: session idle timeout, the link timeout of unsaved test
    stimulation, token size, password and argon2 rules."""

    idle_timeout_min: float
    link_timeout_s: float
    token_bytes: int
    password_min_length: int
    argon2_time_cost: int
    argon2_memory_cost_kib: int
    argon2_parallelism: int


@cache
def security_settings() -> SecuritySettings:
    """The shipped security settings (read once)."""
    data = read_data_toml("neurostim.web", "security.toml", None, "security settings")
    return SecuritySettings(
        idle_timeout_min=float(data["session"]["idle_timeout_min"]),
        link_timeout_s=float(data["session"]["link_timeout_s"]),
        token_bytes=int(data["session"]["token_bytes"]),
        password_min_length=int(data["password"]["min_length"]),
        argon2_time_cost=int(data["argon2"]["time_cost"]),
        argon2_memory_cost_kib=int(data["argon2"]["memory_cost_kib"]),
        argon2_parallelism=int(data["argon2"]["parallelism"]),
    )


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    s = security_settings()
    return PasswordHasher(
        time_cost=s.argon2_time_cost,
        memory_cost=s.argon2_memory_cost_kib,
        parallelism=s.argon2_parallelism,
    )


@cache
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_urlsafe(16)))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (refused when shorter than the minimum length)."""
    n = security_settings().password_min_length
    if len(password) < n:
        raise InputError("password", "(hidden)", f"at least {n} characters")
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def add_user(
    conn: sqlite3.Connection,
    username: str,
    role: str,
    password: str,
    *,
    patient_id: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Create a user (or reset the role and password of an existing one); return its id."""
    if role not in ROLES:
        raise InputError("role", role, f"one of {', '.join(ROLES)}")
    if role == "patient" and patient_id is None:
        raise InputError("patient_id", None, "a patient user is linked to one patient record")
    if not username or not username.isprintable() or len(username) > 64:
        raise InputError("username", username, "1-64 printable characters")
    pw_hash = hash_password(password)
    when = (now or dt.datetime.now(dt.UTC)).isoformat()
    conn.execute(
        "INSERT INTO users (username, role, password_hash, patient_id, created_utc) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET role = excluded.role, "
        "password_hash = excluded.password_hash, patient_id = excluded.patient_id",
        (username, role, pw_hash, patient_id, when),
    )
    row = conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()
    return int(row["id"])


@dataclass(frozen=True)
class Principal:
    """The user behind a request: who, which role, the patient a patient user owns, and the
    session's CSRF token."""

    user_id: int
    username: str
    role: str
    patient_id: str | None
    csrf_token: str


def authenticate(conn: sqlite3.Connection, username: str, password: str) -> sqlite3.Row | None:
    """The user row when the password matches; None otherwise (same work either way)."""
    row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        verify_password(_dummy_hash(), password)
        return None
    return row if verify_password(str(row["password_hash"]), password) else None


def _token_hash(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A random URL-safe token of ``token_bytes`` bytes."""
    return secrets.token_urlsafe(security_settings().token_bytes)


def create_session(
    conn: sqlite3.Connection, secret: bytes, user_id: int, now: dt.datetime
) -> tuple[str, str]:
    """Start a session for ``user_id``; return ``(session token, csrf token)``."""
    token, csrf = new_token(), new_token()
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_utc, last_seen_utc) "
        "VALUES (?, ?, ?, ?, ?)",
        (_token_hash(secret, token), user_id, csrf, now.isoformat(), now.isoformat()),
    )
    return token, csrf


SEEN_RESOLUTION = dt.timedelta(seconds=1)
"""A session's last-seen time is written at most once a second: requests closer together
leave the database untouched (no write, no sync), and the idle and lost-link timeouts
(minutes) do not notice the second."""


@dataclass(frozen=True)
class SessionLookup:
    """Result of :func:`lookup_session`: the principal, or None with ``expired`` telling why."""

    principal: Principal | None
    expired: bool = False


def lookup_session(
    conn: sqlite3.Connection, secret: bytes, token: str | None, now: dt.datetime
) -> SessionLookup:
    """The principal of session ``token``; an idle session is deleted and reported expired."""
    if not token:
        return SessionLookup(None)
    key = _token_hash(secret, token)
    row = conn.execute(
        "SELECT s.last_seen_utc, s.csrf_token, u.id, u.username, u.role, u.patient_id "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        (key,),
    ).fetchone()
    if row is None:
        return SessionLookup(None)
    idle = dt.timedelta(minutes=security_settings().idle_timeout_min)
    last_seen = dt.datetime.fromisoformat(str(row["last_seen_utc"]))
    principal = Principal(
        int(row["id"]), str(row["username"]), str(row["role"]), row["patient_id"], row[1]
    )
    if now - last_seen > idle:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))
        return SessionLookup(principal, expired=True)
    if now - last_seen >= SEEN_RESOLUTION:
        conn.execute(
            "UPDATE sessions SET last_seen_utc = ? WHERE token_hash = ?", (now.isoformat(), key)
        )
    return SessionLookup(principal)


def end_session(conn: sqlite3.Connection, secret: bytes, token: str) -> None:
    """Delete session ``token`` (logout)."""
    conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(secret, token),))


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the session's CSRF token with the one a request sent."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


__all__ = [
    "ROLES",
    "Principal",
    "SecuritySettings",
    "SessionLookup",
    "add_user",
    "authenticate",
    "create_session",
    "csrf_matches",
    "end_session",
    "hash_password",
    "lookup_session",
    "new_token",
    "security_settings",
    "verify_password",
]
