"""The patient-activated bolus (PTM / PTC) on the patient's simulated clock (clinic-web §2).

Each request is decided by :class:`neurostim.intrathecal.BolusGate` (intrathecal.md §1.5: lockout
from the start of the last bolus and from the last programming, at most ``max_per_24h`` in a
rolling 24 h window), replayed over the patient's granted requests since the pump was last
programmed. A denial carries its reason and the next simulated time the gate would grant,
found by asking the same gate at the candidate times (a lockout or a 24 h window ending). The
reservoir is not modelled here (the gate's reservoir test is not applied). Every request,
granted or denied, is an audit row.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from neurostim.intrathecal import BolusGate
from neurostim.web import audit
from neurostim.web.auth import Principal
from neurostim.web.clock import sim_now

REASONS = {
    "granted": "granted",
    "lockout": "the lockout since the last bolus or the last programming has not passed",
    "max_per_24h": "the maximum number of boluses in 24 hours is reached",
    "disabled": "no patient bolus is programmed",
    "reservoir": "the reservoir holds less than a bolus",
}


def _hours(t: dt.datetime, ref: dt.datetime) -> float:
    return (t - ref).total_seconds() / 3600.0


def _pump(conn: sqlite3.Connection, patient_id: str) -> tuple[dict[str, Any] | None, Any]:
    row = conn.execute("SELECT * FROM pumps WHERE patient_id = ?", (patient_id,)).fetchone()
    if row is None:
        return None, None
    return json.loads(row["program_json"]), row["programmed_sim_utc"]


def _grants(conn: sqlite3.Connection, patient_id: str, since: dt.datetime) -> list[dt.datetime]:
    rows = conn.execute(
        "SELECT sim_utc FROM bolus_requests WHERE patient_id = ? AND decision = 'granted' "
        "ORDER BY sim_utc",
        (patient_id,),
    ).fetchall()
    times = [dt.datetime.fromisoformat(str(r["sim_utc"])) for r in rows]
    return [t for t in times if t >= since]


def _decide(
    bolus: dict[str, Any] | None, ref: dt.datetime, grants: list[dt.datetime], t: dt.datetime
) -> str:
    if bolus is None:
        return "disabled"
    gate = BolusGate(
        float(bolus.get("lockout_h") or 0.0), int(bolus["max_per_24h"]), last_programming_h=0.0
    )
    for g in grants:
        gate.request(_hours(g, ref))
    return gate.request(_hours(t, ref))


def bolus_view(conn: sqlite3.Connection, patient_id: str, utc: dt.datetime) -> dict[str, Any]:
    """The bolus settings, the simulated time and when the next bolus is allowed."""
    program, programmed = _pump(conn, patient_id)
    t = sim_now(conn, patient_id, utc)
    bolus = None if program is None else program.get("patient_bolus")
    out: dict[str, Any] = {"sim_utc": t.isoformat(timespec="minutes"), "bolus": bolus}
    if program is None or bolus is None or programmed is None:
        out["next_allowed_sim_utc"] = None
        return out
    ref = dt.datetime.fromisoformat(str(programmed))
    grants = _grants(conn, patient_id, ref)
    out["grants_24h"] = sum(1 for g in grants if _hours(t, g) < 24.0)
    out["next_allowed_sim_utc"] = next_allowed(bolus, ref, grants, t).isoformat(timespec="minutes")
    out["unit"] = program.get("drug")
    return out


def next_allowed(
    bolus: dict[str, Any], ref: dt.datetime, grants: list[dt.datetime], t: dt.datetime
) -> dt.datetime:
    """The earliest simulated time >= ``t`` at which the gate grants a request."""
    lockout = dt.timedelta(hours=float(bolus.get("lockout_h") or 0.0))
    day = dt.timedelta(hours=24)
    candidates = {t, ref + lockout, *(g + lockout for g in grants), *(g + day for g in grants)}
    for c in sorted(c for c in candidates if c >= t):
        if _decide(bolus, ref, grants, c) == "granted":
            return c
    return max(candidates) + day  # not reached: a window always ends


def request_bolus(
    conn: sqlite3.Connection, patient_id: str, principal: Principal, utc: dt.datetime
) -> dict[str, Any]:
    """Decide a request now (simulated time), record it and its audit row. Call in a
    transaction. Returns ``{"decision", "granted", "reason", "sim_utc",
    "next_allowed_sim_utc"}``."""
    program, programmed = _pump(conn, patient_id)
    t = sim_now(conn, patient_id, utc)
    bolus = None if program is None else program.get("patient_bolus")
    if bolus is None or programmed is None:
        decision, grants, ref = "disabled", [], t
    else:
        ref = dt.datetime.fromisoformat(str(programmed))
        grants = _grants(conn, patient_id, ref)
        decision = _decide(bolus, ref, grants, t)
    conn.execute(
        "INSERT INTO bolus_requests (patient_id, sim_utc, decision, utc, username) "
        "VALUES (?, ?, ?, ?, ?)",
        (patient_id, t.isoformat(), decision, utc.isoformat(), principal.username),
    )
    after = [*grants, t] if decision == "granted" else grants
    nxt = None if bolus is None or programmed is None else next_allowed(bolus, ref, after, t)
    answer = {
        "decision": decision,
        "granted": decision == "granted",
        "reason": REASONS[decision],
        "sim_utc": t.isoformat(),
        "next_allowed_sim_utc": None if nxt is None else nxt.isoformat(),
    }
    audit.append(
        conn,
        action="bolus.request",
        outcome="ok" if decision == "granted" else "refused",
        username=principal.username,
        role=principal.role,
        patient_id=patient_id,
        detail={**answer, "bolus": bolus},
        utc=utc,
        sim_time=t.isoformat(),
    )
    return answer


__all__ = ["REASONS", "bolus_view", "next_allowed", "request_bolus"]
