"""Predicted coverage of a program on the virtual patient, and the body map that shows it.

The prediction is the patient stage's, never the web layer's arithmetic: the program's coverage
table at the record's ``lead_level`` (this package's ``data/coverage`` for the demo programs,
:func:`neurostim.patient.coverage.coverage_table` for the shipped trial programs, or one built
earlier into the user cache; nothing is built during a request) gives the perception threshold
(PT) at the patient's anatomy (``dcsf_mm``, ``cord_offset_mm`` of the record) and the
dorsal-column fraction recruited in each dermatome and side at amplitude / PT. Only the
dermatomes whose fibers run in the dorsal column at the lead are in the model (at T10: T12-S5,
the lamination of :mod:`neurostim.anatomy.lamination`); any other region is "not covered by the
model", never "0 %". The patient
feels nothing below PT, tingling where a cell is covered (DC fraction >= the map's coverage
criterion), and complains above ``discomfort_ratio`` x PT (the record's usage ratio). A program
without a table gives a prediction with status ``unavailable``, never a number.

The body map is inline SVG after :mod:`neurostim.pipeline.scs_bodymap` (its schematic regions):
one ``<path>`` per view, dermatome and side (``id="derm-front-L5-left"``) with a ``<title>``
and ``data-dc-fraction``; pain is hatched, coverage filled, the overlap cross-hatched, a region
outside the model dotted, so colour is never the only cue; a table beside it gives the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from neurostim.errors import InputError

DEFAULT_LEVEL = "T10"
"""The lead level of a record that names none (the coverage tables' level)."""
COVERED_FILL = "#2f5f98"
PLAIN_FILL = "#f4f4f4"
"""Fills of a covered and an uncovered region (contrast > 4.5 against the hatching)."""


@dataclass(frozen=True)
class Prediction:
    """What the virtual patient reports at one amplitude of a program.

    ``status``: ``ok`` (a number from the coverage table), ``out-of-range`` (the anatomy was
    clamped to the table's edge) or ``unavailable`` (no table for this configuration: no
    numbers at all). ``cells`` maps ``"L5-left"`` to the DC fraction recruited (0-1), for the
    cells whose dermatome has dorsal-column fibers in the model at the lead's ``level``; a cell
    without fibers there is absent (:meth:`modelled`): the model cannot say whether it is
    covered, which is not the same as 0 %.
    """

    status: str
    reason: str = ""
    amplitude_ma: float = 0.0
    pt_ma: float | None = None
    discomfort_ma: float | None = None
    cells: dict[str, float] = field(default_factory=dict)
    covered: tuple[str, ...] = ()
    level: str = ""
    pain: tuple[str, ...] = ()
    coverage_criterion: float = 0.0
    program_name: str = ""
    program_key: str = ""

    @property
    def uncomfortable(self) -> bool:
        return self.discomfort_ma is not None and self.amplitude_ma >= self.discomfort_ma - 1e-9

    @property
    def has_numbers(self) -> bool:
        return self.status not in ("unavailable", "computing")

    def modelled(self, cell: str) -> bool:
        """True when the model has dorsal-column fibers of this cell's dermatome at the lead."""
        return cell in self.cells

    @property
    def modelled_dermatomes(self) -> tuple[str, ...]:
        """Dermatomes with dorsal-column fibers in the model at the lead, in map order."""
        seen: dict[str, None] = {}
        for cell in self.cells:
            seen.setdefault(cell.partition("-")[0], None)
        return tuple(seen)

    @property
    def pain_unmodelled(self) -> tuple[str, ...]:
        """Painful cells the model does not cover at the lead's level (no fibers there)."""
        if not self.has_numbers:
            return ()
        return tuple(c for c in self.pain if not self.modelled(c))

    @property
    def pain_covered_fraction(self) -> float | None:
        """Share of the painful cells covered, among those the model covers (None without a
        prediction, a pain map or a painful cell in the model)."""
        if not self.has_numbers:
            return None
        judged = [c for c in self.pain if self.modelled(c)]
        if not judged:
            return None
        return sum(c in self.covered for c in judged) / len(judged)

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
            "pain_unmodelled": list(self.pain_unmodelled),
            "pain_covered_fraction": self.pain_covered_fraction,
            "level": self.level,
            "coverage_criterion": self.coverage_criterion,
            "feedback": self.feedback(),
        }


def _words(cell: str) -> str:
    dermatome, _, side = cell.partition("-")
    return f"{side} {dermatome}"


_TABLES: dict[tuple[str, str], Any] = {}
"""Coverage tables by program key and level (a table is read once per process; at most 8 kept)."""


def demo_table_path(program_key: str, level: str) -> Any:
    """The web package's own coverage CSV (``data/coverage``) of a program key at a level, or
    None: the demo programs' tables (the shipped trial tables live in :mod:`neurostim.patient`)."""
    from importlib import resources

    folder = resources.files("neurostim.web").joinpath("data/coverage")
    if not folder.is_dir():
        return None
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".csv"):
            continue
        header: dict[str, str] = {}
        with entry.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                name, _, value = line.lstrip("# ").rstrip("\n").partition(": ")
                header[name] = value
        if header.get("program_key") == program_key and header.get("level") == level:
            return entry
    return None


def _table(key: str, program: Any, level: str) -> Any:
    """The coverage table of a parsed program at ``level`` (the web package's demo tables,
    the patient stage's shipped tables or the user cache; never built here), or None."""
    from neurostim.patient.coverage import CoverageTable, coverage_table, read_table_text

    if (key, level) not in _TABLES:
        found = None
        demo = demo_table_path(key, level)
        try:
            if demo is not None:
                found = CoverageTable(*read_table_text(demo.read_text("utf-8"), demo.name))
            else:
                found = coverage_table(program, level=level, build=False, progress=False)
        except InputError:
            found = None
        if len(_TABLES) >= 8:
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[(key, level)] = found
    return _TABLES[(key, level)]


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
    """Drop a cached miss (a job has just built the table), at every level."""
    for cached in [k for k in _TABLES if k[0] == key]:
        _TABLES.pop(cached, None)


def predict(program: dict[str, Any], record: dict[str, Any]) -> Prediction:
    """The patient's response to ``program`` (a program file's JSON) at its first train's
    amplitude, for the patient ``record``."""
    import numpy as np

    from neurostim.pipeline.scs_bodymap import DERMATOMES

    pain = tuple(str(c) for c in record.get("pain_map", []))
    amplitude = float(program["trains"][0]["amplitude_ma"])
    level = str(record.get("lead_level", DEFAULT_LEVEL))
    base = {
        "amplitude_ma": amplitude,
        "pain": pain,
        "program_name": str(program.get("name", "")),
        "level": level,
    }
    try:
        parsed, key = table_program(program)
        table = _table(key, parsed, level)
    except InputError as exc:
        return Prediction("unavailable", reason=exc.message, **base)  # type: ignore[arg-type]
    base["program_key"] = key
    if table is None:
        from neurostim.web.jobs import job

        running = job(key, level)
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
            else f"no coverage table for this configuration at {level} yet (the shipped tables "
            "cover the trial programs and the demo's Leg tonic at T10): compute it here, or with "
            "python -m neurostim.patient.coverage build",
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
    modelled = {f"{d}-{s}" for p, d, s in table.cells if p == "dc"}
    cells = {c: f for c, f in cells.items() if c in modelled}
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


def _state(prediction: Prediction, cell: str) -> str:
    """``both``, ``covered``, ``pain``, ``none``; ``unmodelled`` / ``pain-unmodelled`` where
    a prediction has no fibers of the cell's dermatome at the lead's level."""
    is_pain = cell in prediction.pain
    if prediction.has_numbers and not prediction.modelled(cell):
        return "pain-unmodelled" if is_pain else "unmodelled"
    is_cov = cell in prediction.covered
    if is_pain and is_cov:
        return "both"
    return "covered" if is_cov else "pain" if is_pain else "none"


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
        "both cross-hatched, dotted where the model has no fibers at the lead (numbers in the "
        "table)</title>",
        "<defs>",
        '<pattern id="hatch-pain" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a1c1c" stroke-width="2.2"/></pattern>',
        '<pattern id="hatch-both" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{COVERED_FILL}"/>'
        '<path d="M0,0 L6,6 M6,0 L0,6" stroke="#ffffff" stroke-width="1.4"/></pattern>',
        '<pattern id="dots-unmodelled" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{PLAIN_FILL}"/>'
        '<circle cx="3" cy="3" r="1.1" fill="#555555"/></pattern>',
        '<pattern id="hatch-pain-unmodelled" patternUnits="userSpaceOnUse" width="6" '
        'height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a1c1c" stroke-width="2.2"/>'
        '<circle cx="4" cy="3" r="1.1" fill="#555555"/></pattern>',
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
                state = _state(prediction, cell)
                fill = {
                    "both": "url(#hatch-both)",
                    "covered": COVERED_FILL,
                    "pain": "url(#hatch-pain)",
                    "pain-unmodelled": "url(#hatch-pain-unmodelled)",
                    "unmodelled": "url(#dots-unmodelled)",
                }.get(state, PLAIN_FILL)
                frac = prediction.cells.get(cell)
                words = [f"{side} {dermatome}"]
                if not prediction.has_numbers:
                    words.append("no prediction")
                elif frac is None:
                    words.append(
                        f"not covered by the model (no dorsal-column fibers of {dermatome} at "
                        f"{prediction.level or 'the lead'})"
                    )
                else:
                    words.append(f"{100 * frac:.0f} % of dorsal-column fibers")
                    words.append("covered" if cell in covered else "not covered")
                if cell in pain:
                    words.append("painful")
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
