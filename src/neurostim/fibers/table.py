"""Case tables: read protocol cases from CSV, write thresholds back.

Input columns (the reference CSV's): model, diameter_um, distance_mm, waveform, pulse_width_ms,
n_pulses, rate_hz; optional n_nodes, dt_ms, tstop_ms, temperature_c (empty = protocol default).
Other columns are carried through unchanged; an input ``threshold_ma`` column is kept as
``input_threshold_ma`` so that results and reference sit side by side.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import cast

from neurostim.errors import InputError
from neurostim.fibers.cases import ProtocolCase
from neurostim.fibers.threshold import ThresholdResult

REQUIRED = ("model", "diameter_um", "distance_mm", "waveform", "pulse_width_ms")
OPTIONAL_NUMBERS = {
    "n_pulses": int,
    "rate_hz": float,
    "n_nodes": int,
    "dt_ms": float,
    "tstop_ms": float,
    "temperature_c": float,
}


def _number(row: dict[str, str], name: str, kind: type, line: int) -> float | int | None:
    text = (row.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"line {line}: {name}", text, "must be a number") from None
    if kind is int:
        if value != int(value):
            raise InputError(f"line {line}: {name}", text, "must be a whole number")
        return int(value)
    return value


def read_cases_csv(path: str | Path) -> tuple[list[ProtocolCase], list[dict[str, str]]]:
    """Cases and the raw rows of a case CSV. Raises InputError naming line, column and value."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(
                "columns", ",".join(header), f"missing required column(s) {', '.join(missing)}"
            )
        rows = list(reader)
    if not rows:
        raise InputError("rows", 0, "the case file has a header but no cases")
    cases = []
    for line, r in enumerate(rows, start=2):
        nums = {k: _number(r, k, t, line) for k, t in OPTIONAL_NUMBERS.items()}
        base = {}
        for k in ("diameter_um", "distance_mm", "pulse_width_ms"):
            v = _number(r, k, float, line)
            if v is None:
                raise InputError(f"line {line}: {k}", "", "is required")
            base[k] = v
        n_pulses = cast(int, nums["n_pulses"] or 1)  # OPTIONAL_NUMBERS reads it as int
        waveform = r["waveform"].strip()
        try:
            case = ProtocolCase(
                model=r["model"].strip(),
                waveform="train" if n_pulses > 1 else waveform,
                n_pulses=n_pulses,
                rate_hz=nums["rate_hz"] or 0.0,
                n_nodes=cast("int | None", nums["n_nodes"]),
                dt_ms=nums["dt_ms"],
                tstop_ms=nums["tstop_ms"],
                temperature_c=37.0 if nums["temperature_c"] is None else nums["temperature_c"],
                **base,
            )
            if case.is_train and not case.rate_hz > 0:
                raise InputError("rate_hz", case.rate_hz, "must be > 0 when n_pulses > 1")
        except InputError as exc:
            raise InputError(f"line {line}: {exc.field}", exc.value, exc.message) from None
        cases.append(case)
    return cases, rows


def write_results_csv(
    path: str | Path, rows: list[dict[str, str]], result: ThresholdResult
) -> None:
    """Write every input row with threshold_ma (signed), n_sims and status appended."""
    out_rows = []
    for r, thr, n, s in zip(rows, result.threshold_ma, result.n_sims, result.status, strict=True):
        o = {("input_threshold_ma" if k == "threshold_ma" else k): v for k, v in r.items()}
        o["threshold_ma"] = f"{thr:.8g}" if thr == thr else ""
        o["n_sims"] = str(int(n))
        o["status"] = str(s)
        out_rows.append(o)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out_rows[0]))
        w.writeheader()
        w.writerows(out_rows)


__all__ = ["read_cases_csv", "write_results_csv"]
