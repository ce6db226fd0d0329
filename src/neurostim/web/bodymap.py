"""Predicted coverage of a program on the virtual patient, and the body map that shows it.

The prediction is the patient stage's, never the web layer's arithmetic: the program's coverage
table (:func:`neurostim.patient.coverage.coverage_table`, shipped for the trial programs, or
built earlier into the user cache; nothing is built during a request) gives the perception
threshold (PT) at the patient's anatomy (``dcsf_mm``, ``cord_offset_mm`` of the record) and
the dorsal-column fraction recruited in each dermatome and side at amplitude / PT. The patient
feels nothing below PT, tingling where a cell is covered (DC fraction >= the map's coverage
criterion), and complains above ``discomfort_ratio`` x PT (the record's usage ratio). A program
without a table gives a prediction with status ``unavailable``, never a number.

The body map is inline SVG after :mod:`neurostim.pipeline.scs_bodymap` (its schematic regions):
one ``<path>`` per view, dermatome and side (``id="derm-front-L5-left"``) with a ``<title>``
and ``data-dc-fraction``; pain is hatched, coverage filled, the overlap cross-hatched, so colour
is never the only cue; a table beside it gives the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from neurostim.errors import InputError

COVERED_FILL = "#2f5f98"
PLAIN_FILL = "#f4f4f4"
"""Fills of a covered and an uncovered region (contrast > 4.5 against the hatching)."""


@dataclass(frozen=True)
class Prediction:
    """What the virtual patient reports at one amplitude of a program.

    ``status``: ``ok`` (a number from the coverage table), ``out-of-range`` (the anatomy was
    clamped to the table's edge) or ``unavailable`` (no table for this configuration: no
    numbers at all). ``cells`` maps ``"L5-left"`` to the DC fraction recruited (0-1).
    """

    status: str
    reason: str = ""
    amplitude_ma: float = 0.0
    pt_ma: float | None = None
    discomfort_ma: float | None = None
    cells: dict[str, float] = field(default_factory=dict)
    covered: tuple[str, ...] = ()
    pain: tuple[str, ...] = ()
    coverage_criterion: float = 0.0
    program_name: str = ""
    program_key: str = ""

    @property
    def uncomfortable(self) -> bool:
        return self.discomfort_ma is not None and self.amplitude_ma >= self.discomfort_ma - 1e-9

    @property
    def pain_covered_fraction(self) -> float | None:
        """Share of the painful cells covered (None without a prediction or a pain map)."""
        if self.status in ("unavailable", "computing") or not self.pain:
            return None
        return sum(c in self.covered for c in self.pain) / len(self.pain)

    def feedback(self) -> str:
        """The patient's words at this amplitude."""
        if self.status == "computing":
            return "no prediction yet: computing"
        if self.status == "unavailable":
            return "no prediction for this configuration"
        if self.uncomfortable:
            return "uncomfortable: stop!"
        if self.pt_ma is None or self.amplitude_ma < self.pt_ma:
            return "I feel nothing"
        if not self.covered:
            return "a faint tingling, I cannot say where"
        where = ", ".join(_words(c) for c in self.covered)
        return f"tingling in {where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "amplitude_ma": self.amplitude_ma,
            "pt_ma": self.pt_ma,
            "discomfort_ma": self.discomfort_ma,
            "cells": self.cells,
            "covered": list(self.covered),
            "pain": list(self.pain),
            "pain_covered_fraction": self.pain_covered_fraction,
            "coverage_criterion": self.coverage_criterion,
            "feedback": self.feedback(),
        }


def _words(cell: str) -> str:
    dermatome, _, side = cell.partition("-")
    return f"{side} {dermatome}"


_TABLES: dict[str, Any] = {}
"""Coverage tables by program key (a table is read once per process; at most 8 kept)."""


def _table(key: str, program: Any) -> Any:
    """The coverage table of a parsed program (shipped or cached; never built here), or None."""
    from neurostim.patient.coverage import coverage_table

    if key not in _TABLES:
        try:
            found = coverage_table(program, build=False, progress=False)
        except InputError:
            found = None
        if len(_TABLES) >= 8:
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[key] = found
    return _TABLES[key]


def table_program(program: dict[str, Any]) -> tuple[Any, str]:
    """The parsed program whose coverage table serves ``program`` and the table's program key
    (a single train at 0 mA is looked up at a nominal 1 mA: tables work in amplitude / PT).
    InputError for a malformed program."""
    from neurostim.device import parse_program
    from neurostim.patient.coverage import program_key

    trains = program["trains"]
    if len(trains) == 1 and not float(trains[0]["amplitude_ma"]) > 0:
        trains = [{**trains[0], "amplitude_ma": 1.0}]
    parsed = parse_program({**program, "trains": trains}, validate=False)
    return parsed, program_key(parsed)


def forget_table(key: str) -> None:
    """Drop a cached miss (a job has just built the table)."""
    _TABLES.pop(key, None)


def predict(program: dict[str, Any], record: dict[str, Any]) -> Prediction:
    """The patient's response to ``program`` (a program file's JSON) at its first train's
    amplitude, for the patient ``record``."""
    import numpy as np

    from neurostim.pipeline.scs_bodymap import DERMATOMES

    pain = tuple(str(c) for c in record.get("pain_map", []))
    amplitude = float(program["trains"][0]["amplitude_ma"])
    base = {"amplitude_ma": amplitude, "pain": pain, "program_name": str(program.get("name", ""))}
    try:
        parsed, key = table_program(program)
        table = _table(key, parsed)
    except InputError as exc:
        return Prediction("unavailable", reason=exc.message, **base)  # type: ignore[arg-type]
    base["program_key"] = key
    if table is None:
        from neurostim.web.jobs import job

        running = job(key)
        if running is not None and running.status == "computing":
            return Prediction(
                "computing",
                reason="the coverage table of this configuration is being built (minutes)",
                **base,  # type: ignore[arg-type]
            )
        failed = "" if running is None or running.status != "failed" else running.message
        return Prediction(
            "unavailable",
            reason=f"the last build failed: {failed}"
            if failed
            else "no coverage table for this configuration yet (the shipped tables cover the "
            "trial programs): compute it here, or with python -m neurostim.patient.coverage "
            "build",
            **base,  # type: ignore[arg-type]
        )
    dcsf, offset = float(record.get("dcsf_mm", 4.5)), float(record.get("cord_offset_mm", 0.0))
    try:
        pt = float(table.pt_ma(dcsf, offset)[0])
        in_range = bool(table.in_range(dcsf, offset)[0])
        names = list(DERMATOMES)
        fractions = table.cell_fractions(dcsf, offset, amplitude / pt, names, ["left", "right"])
    except InputError as exc:
        return Prediction("unavailable", reason=exc.message, **base)  # type: ignore[arg-type]
    cells = {}
    for k, (d, s) in enumerate((d, s) for d in names for s in ("left", "right")):
        cells[f"{d}-{s}"] = float(np.round(fractions[0, k], 4))
    criterion = float(table.coverage_fraction)
    covered = tuple(c for c, f in cells.items() if f >= criterion)
    ratio = record.get("discomfort_ratio")
    return Prediction(
        "ok" if in_range else "out-of-range",
        reason="" if in_range else "the anatomy lies outside the table's grid: clamped",
        pt_ma=round(pt, 3),
        discomfort_ma=None if ratio is None else round(float(ratio) * pt, 3),
        cells=cells,
        covered=covered,
        coverage_criterion=criterion,
        **base,  # type: ignore[arg-type]
    )


def body_map_svg(prediction: Prediction) -> Markup:
    """Inline SVG of the front and back views (module docstring); pain from the record."""
    from neurostim.pipeline.scs_bodymap import REGIONS, VIEWS, view_centre, x_sign

    pain = set(prediction.pain)
    covered = set(prediction.covered)
    scale = 40.0
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-90 -20 356 450" width="356" '
        'height="450" role="img" aria-labelledby="bodymap-title" class="bodymap">',
        '<title id="bodymap-title">Body map, front and back: pain hatched, coverage filled, '
        "both cross-hatched (numbers in the table)</title>",
        "<defs>",
        '<pattern id="hatch-pain" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a1c1c" stroke-width="2.2"/></pattern>',
        '<pattern id="hatch-both" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{COVERED_FILL}"/>'
        '<path d="M0,0 L6,6 M6,0 L0,6" stroke="#ffffff" stroke-width="1.4"/></pattern>',
        "</defs>",
    ]
    for view in VIEWS:
        centre = view_centre(view)
        parts.append(
            f'<text x="{centre * scale:.1f}" y="-6" text-anchor="middle" font-size="12">'
            f"{view}</text>"
        )
        for side in ("left", "right"):
            sign = x_sign(view, side)
            by_dermatome: dict[str, list[str]] = {}
            for region in REGIONS[view]:
                pts = " L".join(
                    f"{(centre + sign * s) * scale:.1f},{(10.0 - y) * scale:.1f}"
                    for s, y in region.outline
                )
                by_dermatome.setdefault(region.dermatome, []).append(f"M{pts} Z")
            for dermatome, paths in by_dermatome.items():
                cell = f"{dermatome}-{side}"
                is_pain, is_cov = cell in pain, cell in covered
                fill = (
                    "url(#hatch-both)"
                    if is_pain and is_cov
                    else COVERED_FILL
                    if is_cov
                    else "url(#hatch-pain)"
                    if is_pain
                    else PLAIN_FILL
                )
                frac = prediction.cells.get(cell)
                words = [f"{side} {dermatome}"]
                if frac is not None:
                    words.append(f"{100 * frac:.0f} % of dorsal-column fibers")
                words.append("covered" if is_cov else "not covered")
                if is_pain:
                    words.append("painful")
                state = (
                    "both"
                    if is_pain and is_cov
                    else "covered"
                    if is_cov
                    else ("pain" if is_pain else "none")
                )
                parts.append(
                    f'<path id="derm-{view}-{escape(cell)}" d="{" ".join(paths)}" '
                    f'fill="{fill}" stroke="#333" stroke-width="0.6" '
                    f'data-dc-fraction="{"" if frac is None else frac}" data-state="{state}">'
                    f"<title>{escape(', '.join(words))}</title></path>"
                )
        for side in ("left", "right"):
            x = (centre + 1.25 * x_sign(view, side)) * scale
            parts.append(
                f'<text x="{x:.1f}" y="425" text-anchor="middle" font-size="12" '
                f'font-weight="bold">{side[0].upper()}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = [
    "COVERED_FILL",
    "PLAIN_FILL",
    "Prediction",
    "body_map_svg",
    "forget_table",
    "predict",
    "table_program",
]
