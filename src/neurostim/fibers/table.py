"""Case tables: read protocol cases from CSV, write thresholds back.

Input columns (the reference CSV's): model, diameter_um, distance_mm, waveform, pulse_width_ms,
n_pulses, rate_hz; optional n_nodes or length_mm (the fiber's extent: nodes, which are the
sections of an unmyelinated model, or a length), dt_ms, tstop_ms, temperature_c and
conductivity_s_per_m
(tissue conductivity, S/m; empty or absent = the protocol's 0.2 S/m). An empty cell means the
protocol default; a value outside the allowed range (``neurostim.fibers.cases.RANGES``) is
refused, never replaced. Other columns are carried through unchanged; an input ``threshold_ma``
column is kept as ``input_threshold_ma`` so that results and reference sit side by side.

The file is UTF-8 text (a byte-order mark, as spreadsheet programs write, is accepted). A file
that is not UTF-8, holds NUL bytes, is empty, or has a row with more cells than the header
raises InputError naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import cast

from neurostim._budget import check_memory, memory_budget_bytes
from neurostim._files import write_text
from neurostim.errors import InputError
from neurostim.fibers.cases import SIGMA_S_PER_M, ProtocolCase
from neurostim.fibers.threshold import ThresholdResult

REQUIRED = ("model", "diameter_um", "distance_mm", "waveform", "pulse_width_ms")
CSV_MEMORY_FACTOR = 40
"""Bytes of memory per byte of CSV while it is read (row dicts of strings and the cases)."""
OPTIONAL_NUMBERS = {
    "n_pulses": int,
    "rate_hz": float,
    "n_nodes": int,
    "length_mm": float,
    "dt_ms": float,
    "tstop_ms": float,
    "temperature_c": float,
    "conductivity_s_per_m": float,
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
        if not math.isfinite(value) or value != int(value):
            raise InputError(f"line {line}: {name}", text, "must be a whole number")
        return int(value)
    return value


def read_cases_csv(path: str | Path) -> tuple[list[ProtocolCase], list[dict[str, str]]]:
    """Cases and the raw rows of a case CSV. Raises InputError naming line, column and value."""
    _, rows = _read_rows(Path(path))
    cases = []
    for line, r in rows:
        nums = {k: _number(r, k, t, line) for k, t in OPTIONAL_NUMBERS.items()}
        base = {}
        for k in ("diameter_um", "distance_mm", "pulse_width_ms"):
            v = _number(r, k, float, line)
            if v is None:
                raise InputError(f"line {line}: {k}", "", "is required")
            base[k] = v
        n_pulses = cast(int, 1 if nums["n_pulses"] is None else nums["n_pulses"])
        waveform = (r.get("waveform") or "").strip()
        sigma = nums["conductivity_s_per_m"]
        try:
            case = ProtocolCase(
                model=(r.get("model") or "").strip(),
                waveform="train" if n_pulses > 1 else waveform,
                n_pulses=n_pulses,
                rate_hz=nums["rate_hz"] or 0.0,
                n_nodes=cast("int | None", nums["n_nodes"]),
                length_mm=nums["length_mm"],
                dt_ms=nums["dt_ms"],
                tstop_ms=nums["tstop_ms"],
                temperature_c=37.0 if nums["temperature_c"] is None else nums["temperature_c"],
                conductivity_s_per_m=SIGMA_S_PER_M if sigma is None else sigma,
                **base,
            )
        except InputError as exc:
            raise InputError(f"line {line}: {exc.field}", exc.value, exc.message) from None
        cases.append(case)
    return cases, [r for _, r in rows]


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; every reading problem is an InputError."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise InputError("cases_csv", str(path), "is not a regular file")
    if path.is_file():
        size = path.stat().st_size
        check_memory("cases_csv", str(path), size * CSV_MEMORY_FACTOR, memory_budget_bytes(),
                     f" to read its {size} bytes")  # fmt: skip
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            rows = []
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue  # blank line
                if len(cells) > len(header):
                    raise InputError(
                        f"line {reader.line_num}",
                        len(cells),
                        f"cells in a row of a file whose header has {len(header)} columns",
                    )
                cells += [""] * (len(header) - len(cells))
                rows.append((reader.line_num, dict(zip(header, cells, strict=True))))
    except UnicodeDecodeError as exc:
        raise InputError(
            "cases_csv", str(path), f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except csv.Error as exc:
        raise InputError("cases_csv", str(path), f"is not a readable CSV file ({exc})") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InputError("cases_csv", str(path), f"cannot read the file ({reason})") from None
    if not header:
        raise InputError("cases_csv", str(path), "the file is empty; it needs a header row")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise InputError("columns", ",".join(header), f"repeated column(s) {', '.join(duplicated)}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            "columns", ",".join(header), f"missing required column(s) {', '.join(missing)}"
        )
    if not rows:
        raise InputError("rows", 0, "the case file has a header but no cases")
    return header, rows


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
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(out_rows[0]))
    w.writeheader()
    w.writerows(out_rows)
    write_text(path, buf.getvalue(), field="output")


__all__ = ["read_cases_csv", "write_results_csv"]
