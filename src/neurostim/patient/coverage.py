"""Coverage tables: the spinal-cord map of a program tabulated over the anatomy that matters.

A virtual patient's coverage (the pain model's ``c_j``, the share of region *j*'s
dermatomes whose dorsal-column fibers are recruited) depends on the program, on the dorsal CSF
thickness under the lead (``dcsf_mm``, which posture changes) and on how far the cord lies off
the lead's midline (``cord_offset_mm``); the perception threshold (PT, §1.4) depends on the same.
Computing them takes a finite-element solve and a threshold search per fiber
(:func:`neurostim.pipeline.scs.scs_map`, about a minute per anatomy), so 10,000 patients would
mean 10,000 solves. Instead :func:`coverage_table` runs the map once per point of an anatomy grid
(``data/coverage/grid.toml``: at T10, dCSF 3.0-9.5 mm x offset 0-2 mm), stores every fiber's
threshold, and :class:`CoverageTable` answers for any number of patients at once:

- **PT** (mA): bilinear in (dCSF, |offset|) of log PT (the lowest DC threshold).
- **Recruited fraction** of a (dermatome, side) cell at amplitude = ``ratio`` x PT: each fiber's
  log(threshold / PT) is bilinear in (dCSF, |offset|) between the four surrounding grid points
  (the fibers are the same at every point), and the cell's fraction is the weight of its
  dorsal-column (DC) fibers with interpolated threshold / PT <= ``ratio``, as
  :meth:`~neurostim.pipeline.scs.SpinalMap.dermatome_rows` counts it. At a grid point this is
  the map's own count. Amplitude enters as the ratio only, so the programs' amplitudes are
  nominal. (``table.interpolation = "fraction"`` interpolates each grid point's fractions
  instead: mean errors about 3 times larger, docs/patient-coverage.md.)
- **Region coverage** ``(c, f)``: ``c`` = share of the region's cells whose DC fraction reaches
  :data:`~neurostim.pipeline.scs.DEFAULT_COVERAGE_FRACTION` (the map's coverage criterion),
  ``f`` = mean DC fraction over the cells. A dermatome with no fibers at the level counts as 0.
- **Dorsal roots** (discomfort): the weighted fraction of all dorsal-root (DR) fibers recruited,
  and the first DR fiber's threshold / PT.

Sides: ``cord_offset_mm`` > 0 puts the cord to the patient's right of the lead's midline. For a
left-right symmetric program (one lead, or two equal leads with the same contacts on both) the
grid holds offsets >= 0 and a negative offset reads the mirror point with left and right swapped;
an asymmetric program is tabulated over signed offsets.

Out of the grid: a query within the clamp margins of ``grid.toml`` (dCSF 1.5 mm, offset 0.5 mm)
is evaluated at the nearest grid edge and flagged (:meth:`CoverageTable.in_range`,
:attr:`CoverageQuery.in_range`); beyond them it is refused with InputError. Nothing is
extrapolated.

Multi-train programs (DTM): all trains scale together; a fiber fires when any train reaches its
threshold, so its threshold in the first train's milliamperes is
``min_t threshold_t x amplitude_0 / amplitude_t``; PT and ratios are in those units.

Tables: one CSV per program (one row per grid point, train and fiber). The shipped programs
(``neurostim/clinic/data/trials/programs``) have shipped tables (``data/coverage/<name>.csv``);
any other program's table is read from the user cache (``<cache root>/coverage/<key>.csv``, the
root of :func:`neurostim.field.fem.cache.cache_root`) or built there. Rebuild::

    python -m neurostim.patient.coverage build PROGRAM.toml [...] [--level T10] [-o DIR]
    python -m neurostim.patient.coverage build --shipped      # the shipped tables, in place
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.device import Program, load_program
from neurostim.errors import InputError
from neurostim.patient.relief import paradigm_of

FORMAT = "neurostim-coverage-1"
"""Format tag of a coverage CSV (part of the table key)."""
MESH_LEVEL = "coarse"
"""Finite-element mesh level of the tables."""
COLUMNS = (
    "dcsf_mm",
    "cord_offset_mm",
    "train",
    "fiber",
    "population",
    "dermatome",
    "side",
    "weight",
    "status",
    "threshold_ma",
)
"""Columns of a coverage CSV."""
SHIPPED_PROGRAMS = ("tonic", "khz10", "burst", "dtm")
"""Programs of ``neurostim/clinic/data/trials/programs`` with a shipped table."""
NEVER_LOG_RATIO = float(np.log(1e6))
"""log(threshold / PT) standing for a fiber that never fires (a search that did not end ok)."""
INTERPOLATION = "fiber"
"""How cell fractions are interpolated between grid points: "fiber" (each fiber's log
threshold / PT bilinear, then counted) or "fraction" (each grid point's fraction, bilinear)."""
SECONDS_PER_POINT = 120.0
"""Rough cost of one grid point (one finite-element solve and one threshold search per train),
for the message before a build."""
_SIDES = ("left", "right")


# --- data ----------------------------------------------------------------------------------
def _grid_document() -> dict[str, Any]:
    text = resources.files("neurostim.patient").joinpath("data/coverage/grid.toml").read_text()
    return tomllib.loads(text)


def shipped_programs_dir() -> Path:
    """The folder of the shipped trial programs (``neurostim.clinic``'s data)."""
    return Path(str(resources.files("neurostim.clinic").joinpath("data/trials/programs")))


def _table_dir() -> Path:
    return Path(str(resources.files("neurostim.patient").joinpath("data/coverage")))


def default_grid(level: str, symmetric: bool = True) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(dcsf_mm, cord_offset_mm)`` grid of a level (``data/coverage/grid.toml``); signed
    offsets (mirrored about 0) when ``symmetric`` is False."""
    from neurostim.anatomy import load_anatomy
    from neurostim.anatomy.levels import level_parameters

    doc = _grid_document()
    name = load_anatomy(level).level
    if name in doc["levels"]:
        dcsf = tuple(float(x) for x in doc["levels"][name]["dcsf_mm"])
        offsets = tuple(float(x) for x in doc["levels"][name]["cord_offset_mm"])
    else:
        rows = level_parameters(name)
        lo, hi = rows["dcsf_mm"].min, rows["dcsf_mm"].max
        shift = rows["prone_dcsf_shift_mm"].max or 0.0
        assert lo is not None and hi is not None
        offsets = tuple(float(x) for x in doc["default"]["cord_offset_mm"])
        top = hi + shift
        while top > hi and not _fits(name, top, max(offsets)):
            top -= 0.25
        dcsf = tuple(float(x) for x in np.round(np.linspace(lo, top, doc["default"]["n_dcsf"]), 3))
    if not symmetric:
        offsets = tuple(sorted({-o for o in offsets} | set(offsets)))
    return dcsf, offsets


def _fits(level: str, dcsf_mm: float, offset_mm: float) -> bool:
    from neurostim.anatomy import load_anatomy

    try:
        load_anatomy(level, dcsf_mm=dcsf_mm, cord_ml_offset_mm=offset_mm)
    except InputError:
        return False
    return True


# --- program identity ----------------------------------------------------------------------
def _as_program(program: Program | str | Path) -> tuple[Program, str]:
    """The program and a label (its file name, or its name)."""
    if isinstance(program, Program):
        return program, program.name or "program"
    if not isinstance(program, str | Path):
        raise InputError("program", program, "give a program TOML path or a Program")
    path = Path(program)
    if not path.is_file():
        raise InputError("program", str(program), "no such program file")
    shipped = shipped_programs_dir()
    if path.resolve().parent == shipped.resolve():
        return load_program(path), f"neurostim/clinic/data/trials/programs/{path.name}"
    return load_program(path), str(path)


def is_symmetric(program: Program) -> bool:
    """True when swapping left and right leaves the program as it is: one lead (on the
    midline), or two equal leads side by side whose every train drives the same contacts with
    the same shares on both."""
    if len(program.leads) == 1:
        return True
    if len(program.leads) != 2 or program.leads[0] != program.leads[1]:
        return False
    swap = {"L1": "L2", "L2": "L1"}
    for t in program.trains:
        mirrored = {}
        for cid, share in t.contacts.items():
            lead, _, rest = cid.partition(".")
            mirrored[f"{swap.get(lead, lead)}.{rest}" if rest else cid] = share
        if mirrored != dict(t.contacts):
            return False
    return True


def program_key(program: Program) -> str:
    """SHA-256 of what decides the fibers' thresholds: the leads and each train with its
    amplitude relative to the first train's. Name, description, stimulator, dosing, patient
    limits, impedances and the nominal amplitude do not change the table."""
    a0 = float(program.trains[0].amplitude_ma)
    trains = []
    for t in program.trains:
        d = t.model_dump(mode="json")
        d["amplitude_ma"] = float(t.amplitude_ma) / a0 if a0 > 0 else 0.0
        trains.append(d)
    data = {"leads": list(program.leads), "trains": trains}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def table_key(
    program: Program, level: str, dcsf_mm: Sequence[float], offsets: Sequence[float]
) -> str:
    """SHA-256 of the program key, level, grid, mesh level and format: the cache file's name."""
    data = {
        "format": FORMAT,
        "program": program_key(program),
        "level": level,
        "dcsf_mm": [float(x) for x in dcsf_mm],
        "cord_offset_mm": [float(x) for x in offsets],
        "mesh_level": MESH_LEVEL,
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- building ------------------------------------------------------------------------------
def point_rows(
    program: Program, level: str, dcsf_mm: float, offset_mm: float, train_index: int | None = None
) -> list[dict[str, Any]]:
    """Rows of one grid point: :func:`~neurostim.pipeline.scs.scs_map` (coarse mesh, default
    fibers) of each train (or of ``train_index`` only) on the level's anatomy with this dCSF
    and cord offset."""
    from neurostim.anatomy import load_anatomy
    from neurostim.pipeline.scs import scs_map

    anatomy = load_anatomy(level, dcsf_mm=dcsf_mm, cord_ml_offset_mm=offset_mm)
    trains = range(len(program.trains)) if train_index is None else [train_index]
    rows: list[dict[str, Any]] = []
    for t in trains:
        m, _ = scs_map(
            program,
            anatomy,
            mesh_level=MESH_LEVEL,
            train_index=t if len(program.trains) > 1 else None,
        )
        f, r = m.fibers, m.recruitment
        w = f.population_weight()
        for i in range(f.n_fibers):
            thr = float(r.threshold_ma[i])
            rows.append(
                {
                    "dcsf_mm": dcsf_mm,
                    "cord_offset_mm": offset_mm,
                    "train": t,
                    "fiber": i,
                    "population": str(f.population[i]),
                    "dermatome": str(f.dermatome[i]),
                    "side": str(f.side[i]),
                    "weight": float(w[i]),
                    "status": str(r.status[i]),
                    "threshold_ma": thr if math.isfinite(thr) else None,
                }
            )
    return rows


def build_rows(
    program: Program,
    level: str,
    dcsf_mm: Sequence[float],
    offsets: Sequence[float],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Rows of every grid point (dCSF-major); ``progress(done, total)`` after each map."""
    for d in dcsf_mm:
        for o in offsets:
            if not _fits(level, d, o):
                raise InputError("grid", (d, o), f"the {level} anatomy refuses this dCSF/offset")
    total = len(dcsf_mm) * len(offsets) * len(program.trains)
    rows: list[dict[str, Any]] = []
    done = 0
    for d in dcsf_mm:
        for o in offsets:
            for t in range(len(program.trains)):
                rows += point_rows(program, level, float(d), float(o), t)
                done += 1
                if progress is not None:
                    progress(done, total)
    return rows


def write_table_text(rows: Sequence[dict[str, Any]], header: dict[str, str]) -> str:
    """The CSV text: ``# key: value`` header lines, then the :data:`COLUMNS`."""
    buf = io.StringIO(newline="")
    for k, v in header.items():
        buf.write(f"# {k}: {v}\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        thr = r["threshold_ma"]
        writer.writerow(
            [
                f"{r['dcsf_mm']:g}",
                f"{r['cord_offset_mm']:g}",
                r["train"],
                r["fiber"],
                r["population"],
                r["dermatome"],
                r["side"],
                f"{r['weight']:.8g}",
                r["status"],
                "" if thr is None else f"{thr:.6g}",
            ]
        )
    return buf.getvalue()


def table_header(
    program: Program,
    label: str,
    level: str,
    dcsf_mm: Sequence[float],
    offsets: Sequence[float],
    program_sha256: str = "",
) -> dict[str, str]:
    """Header of a coverage CSV."""
    from neurostim import __version__

    return {
        "format": FORMAT,
        "program_file": label,
        "program_name": program.name or "",
        "program_sha256": program_sha256,
        "program_key": program_key(program),
        "table_key": table_key(program, level, dcsf_mm, offsets),
        "paradigm": paradigm_of(program),
        "level": level,
        "dcsf_mm": " ".join(f"{x:g}" for x in dcsf_mm),
        "cord_offset_mm": " ".join(f"{x:g}" for x in offsets),
        "mirrored": "true" if is_symmetric(program) else "false",
        "train_amplitude_ma": " ".join(f"{float(t.amplitude_ma):g}" for t in program.trains),
        "mesh_level": MESH_LEVEL,
        "neurostim": __version__,
        "rebuild": f"python -m neurostim.patient.coverage build {label} --level {level} -o FOLDER",
    }


def _progress_bar(message: str, enabled: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if enabled:
        console.print(message)
    return Progress(
        TextColumn("[bold]coverage table"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
    )


def build_table_text(
    program: Program | str | Path, *, level: str = "T10", progress: bool = True
) -> str:
    """Build the table of a program over its level's default grid; the CSV text."""
    prog, label = _as_program(program)
    from neurostim.anatomy import load_anatomy

    level = load_anatomy(level).level
    dcsf, offsets = default_grid(level, is_symmetric(prog))
    n_maps = len(dcsf) * len(offsets) * len(prog.trains)
    minutes = len(dcsf) * len(offsets) * SECONDS_PER_POINT * (1 + 0.3 * (len(prog.trains) - 1)) / 60
    message = (
        f"Building the coverage table of {label} at {level}: {len(dcsf)} x {len(offsets)} "
        f"anatomies, {n_maps} spinal-cord maps (one finite-element solve per anatomy, "
        f"then every fiber's threshold); about {minutes:.0f} min on one core, once "
        f"(cached afterwards)."
    )
    sha = ""
    if isinstance(program, str | Path):
        sha = hashlib.sha256(Path(program).read_bytes()).hexdigest()
    with _progress_bar(message, progress) as bar:
        task = bar.add_task("maps", total=n_maps)
        rows = build_rows(
            prog,
            level,
            dcsf,
            offsets,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    return write_table_text(rows, table_header(prog, label, level, dcsf, offsets, sha))


# --- reading -------------------------------------------------------------------------------
def read_table_text(text: str, where: str = "table") -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Header and rows of a coverage CSV."""
    header: dict[str, str] = {}
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line.lstrip("# ").partition(": ")
            header[key] = value
        elif line.strip():
            lines.append(line)
    if header.get("format") != FORMAT:
        raise InputError(where, header.get("format"), f"not a coverage table ({FORMAT})")
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(where, missing[0], f"the table needs the columns {COLUMNS}")
    return header, list(reader)


@dataclass(frozen=True)
class CoverageQuery:
    """Coverage of one region for ``n`` patients (every array ``(n,)``)."""

    c: NDArray[np.float64]
    """Share of the region's (dermatome, side) cells with DC fraction >= the criterion."""
    f: NDArray[np.float64]
    """Mean DC recruited fraction over the region's cells."""
    dr_fraction: NDArray[np.float64]
    """Weighted fraction of all dorsal-root fibers recruited (discomfort; bilinear between the
    grid points' fractions)."""
    pt_ma: NDArray[np.float64]
    """Perception threshold (mA of the program's first train)."""
    in_range: NDArray[np.bool_]
    """False where the anatomy lay outside the grid and was clamped to its edge."""


class CoverageTable:
    """A program's spinal-cord map over an anatomy grid (module docstring).

    Arrays: ``dcsf_mm`` (n_d,), ``cord_offset_mm`` (n_o,), ``pt_grid_ma`` (n_d, n_o),
    ``cells`` (n_cells,) of (population, dermatome, side), per grid point and cell the sorted
    threshold ratios ``_u`` (n_d, n_o, n_cells, k) (inf padded) and cumulative weight shares
    ``_cum`` (n_d, n_o, n_cells, k + 1).
    """

    def __init__(
        self,
        header: dict[str, str],
        rows: Sequence[dict[str, Any]],
        *,
        coverage_fraction: float | None = None,
    ) -> None:
        from neurostim.pipeline.scs import DEFAULT_COVERAGE_FRACTION

        self.header = dict(header)
        self.interpolation = INTERPOLATION
        self.program_name = header.get("program_name", "")
        self.paradigm = header.get("paradigm", "")
        self.level = header.get("level", "")
        self.key = header.get("table_key", "")
        self.program_key = header.get("program_key", "")
        self.mirrored = header.get("mirrored") == "true"
        self.coverage_fraction = float(
            DEFAULT_COVERAGE_FRACTION if coverage_fraction is None else coverage_fraction
        )
        self.dcsf_mm = np.array([float(x) for x in header["dcsf_mm"].split()], np.float64)
        self.cord_offset_mm = np.array(
            [float(x) for x in header["cord_offset_mm"].split()], np.float64
        )
        amps = np.array([float(x) for x in header["train_amplitude_ma"].split()], np.float64)
        self._build(rows, amps)
        doc = _grid_document()["clamp"]
        self.dcsf_margin_mm = float(doc["dcsf_margin_mm"])
        self.offset_margin_mm = float(doc["cord_offset_margin_mm"])

    def _build(self, rows: Sequence[dict[str, Any]], amps: NDArray[np.float64]) -> None:
        nd, no = self.dcsf_mm.size, self.cord_offset_mm.size
        d_index = {float(x): i for i, x in enumerate(self.dcsf_mm)}
        o_index = {float(x): i for i, x in enumerate(self.cord_offset_mm)}
        n_fibers = max(int(r["fiber"]) for r in rows) + 1
        thr = np.full((nd, no, n_fibers), np.inf)
        seen = np.zeros((nd, no), bool)
        meta: dict[int, tuple[str, str, str, float]] = {}
        for r in rows:
            i, j = d_index[float(r["dcsf_mm"])], o_index[float(r["cord_offset_mm"])]
            k, t = int(r["fiber"]), int(r["train"])
            seen[i, j] = True
            meta.setdefault(k, (r["population"], r["dermatome"], r["side"], float(r["weight"])))
            if r["status"] == "ok" and r["threshold_ma"] not in ("", None):
                # in the first train's mA: the train fires the fiber at thr_t x a_0 / a_t
                value = float(r["threshold_ma"]) * amps[0] / amps[t]
                thr[i, j, k] = min(thr[i, j, k], value)
        if not seen.all():
            raise InputError("table", int((~seen).sum()), "grid points missing from the table")
        pop = np.array([meta[k][0] for k in range(n_fibers)])
        derm = np.array([meta[k][1] for k in range(n_fibers)])
        side = np.array([meta[k][2] for k in range(n_fibers)])
        weight = np.array([meta[k][3] for k in range(n_fibers)], np.float64)
        dc = pop == "dc"
        self.thresholds_ma = thr
        """(n_d, n_o, n_fibers) each fiber's threshold (first train's mA; inf = not ok)."""
        self.fiber_population, self.fiber_dermatome, self.fiber_side = pop, derm, side
        self.fiber_weight = weight
        with np.errstate(invalid="ignore"):
            self.pt_grid_ma = np.min(np.where(dc, thr, np.inf), axis=-1)
        if not np.all(np.isfinite(self.pt_grid_ma)):
            raise InputError("table", "PT", "a grid point has no dorsal-column fiber that fires")
        ratio = thr / self.pt_grid_ma[..., None]
        self.cells = sorted(
            {(str(p), str(d), str(s)) for p, d, s in zip(pop, derm, side, strict=True)}
        )
        # per population: sorted ratios (n_d, n_o, n_cells + 1, k) and cumulative weight shares
        # (n_d, n_o, n_cells + 1, k + 1); the last cell is empty (a dermatome with no fibers)
        self._u: dict[str, NDArray[np.float64]] = {}
        self._cum: dict[str, NDArray[np.float64]] = {}
        self._cell_index: dict[tuple[str, str, str], int] = {}
        self._log_ratio: dict[str, NDArray[np.float64]] = {}
        self._cell_weight: dict[str, NDArray[np.float64]] = {}
        for p in ("dc", "dr"):
            cells = [c for c in self.cells if c[0] == p]
            sizes = [int(np.sum((pop == p) & (derm == d) & (side == s))) for _, d, s in cells]
            k = max(sizes, default=1)
            u = np.full((nd, no, len(cells) + 1, k), np.inf)
            cum = np.zeros((nd, no, len(cells) + 1, k + 1))
            log_ratio = np.full((nd, no, len(cells) + 1, k), NEVER_LOG_RATIO)
            cell_weight = np.zeros((len(cells) + 1, k))
            for n, (_, d, s) in enumerate(cells):
                self._cell_index[(p, d, s)] = n
                sel = np.flatnonzero((pop == p) & (derm == d) & (side == s))
                w = weight[sel] / weight[sel].sum()
                cell_weight[n, : sel.size] = w
                with np.errstate(divide="ignore"):
                    log_ratio[:, :, n, : sel.size] = np.minimum(
                        np.log(ratio[:, :, sel]), NEVER_LOG_RATIO
                    )
                order = np.argsort(ratio[:, :, sel], axis=-1, kind="stable")
                u[:, :, n, : sel.size] = np.take_along_axis(ratio[:, :, sel], order, -1)
                cum[:, :, n, 1 : sel.size + 1] = np.cumsum(w[order], axis=-1)
                cum[:, :, n, sel.size + 1 :] = cum[:, :, n, sel.size : sel.size + 1]
            self._u[p], self._cum[p] = u, cum
            self._log_ratio[p], self._cell_weight[p] = log_ratio, cell_weight
        dr = ~dc
        w_dr = weight[dr] / weight[dr].sum() if dr.any() else weight[dr]
        r_dr = ratio[:, :, dr]
        order = np.argsort(r_dr, axis=-1, kind="stable")
        self._u_dr = np.take_along_axis(r_dr, order, -1)
        self._cum_dr = np.concatenate(
            [np.zeros((nd, no, 1)), np.cumsum(w_dr[order], axis=-1)], axis=-1
        )
        self.first_dr_grid_ratio = self._u_dr[..., 0] if dr.any() else np.full((nd, no), np.inf)

    # --- coordinates -----------------------------------------------------------------------
    def _coords(self, dcsf_mm: ArrayLike, cord_offset_mm: ArrayLike, *extra: ArrayLike) -> Any:
        arrays = [np.asarray(a, np.float64) for a in (dcsf_mm, cord_offset_mm, *extra)]
        try:
            arrays = list(np.broadcast_arrays(*arrays))
        except ValueError:
            raise InputError(
                "dcsf_mm", [a.shape for a in arrays], "shapes do not broadcast"
            ) from None
        arrays = [np.atleast_1d(a).ravel() for a in arrays]
        names = ("dcsf_mm", "cord_offset_mm", "amplitude_ratio")
        for name, a in zip(names, arrays, strict=False):
            bad = ~np.isfinite(a)
            if bad.any():
                raise InputError(name, float(a[bad][0]), "must be finite")
        d, o = arrays[0], arrays[1]
        flip = (o < 0) if self.mirrored else np.zeros(d.size, bool)
        o_abs = np.abs(o) if self.mirrored else o
        d_lo, d_hi = self.dcsf_mm[0], self.dcsf_mm[-1]
        o_lo, o_hi = self.cord_offset_mm[0], self.cord_offset_mm[-1]
        m_d, m_o = self.dcsf_margin_mm, self.offset_margin_mm
        far_d = (d < d_lo - m_d) | (d > d_hi + m_d)
        if far_d.any():
            raise InputError(
                "dcsf_mm",
                float(d[far_d][0]),
                f"the {self.level} coverage table holds {d_lo:g}-{d_hi:g} mm "
                f"(clamped within {m_d:g} mm of it); allowed "
                f"{d_lo - m_d:g}-{d_hi + m_d:g} mm",
            )
        o_min = -(o_hi + m_o) if self.mirrored else o_lo - m_o
        far_o = (o < o_min) | (o > o_hi + m_o)
        if far_o.any():
            raise InputError(
                "cord_offset_mm",
                float(o[far_o][0]),
                f"allowed {o_min:g} to {o_hi + m_o:g} mm (the table holds "
                f"{'|offset| ' if self.mirrored else ''}{o_lo:g}-{o_hi:g} mm)",
            )
        in_range = (d >= d_lo) & (d <= d_hi) & (o_abs >= o_lo) & (o_abs <= o_hi)
        i, wd = _bracket(self.dcsf_mm, np.clip(d, d_lo, d_hi))
        j, wo = _bracket(self.cord_offset_mm, np.clip(o_abs, o_lo, o_hi))
        return i, wd, j, wo, flip, in_range, arrays[2:]

    def in_range(self, dcsf_mm: ArrayLike, cord_offset_mm: ArrayLike) -> NDArray[np.bool_]:
        """(n,) False where the anatomy lies outside the grid (evaluated at its edge)."""
        return self._coords(dcsf_mm, cord_offset_mm)[5]

    def _corners(self, i: Any, wd: Any, j: Any, wo: Any) -> list[tuple[Any, Any, Any]]:
        i1 = np.minimum(i + 1, self.dcsf_mm.size - 1)
        j1 = np.minimum(j + 1, self.cord_offset_mm.size - 1)
        return [
            (i, j, (1 - wd) * (1 - wo)),
            (i1, j, wd * (1 - wo)),
            (i, j1, (1 - wd) * wo),
            (i1, j1, wd * wo),
        ]

    # --- queries ---------------------------------------------------------------------------
    def pt_ma(self, dcsf_mm: ArrayLike, cord_offset_mm: ArrayLike) -> NDArray[np.float64]:
        """(n,) perception threshold in mA (first train), bilinear in log PT."""
        i, wd, j, wo, _, _, _ = self._coords(dcsf_mm, cord_offset_mm)
        log_pt = np.log(self.pt_grid_ma)
        out = sum(w * log_pt[a, b] for a, b, w in self._corners(i, wd, j, wo))
        return np.exp(out)

    def first_dr_ratio(self, dcsf_mm: ArrayLike, cord_offset_mm: ArrayLike) -> NDArray[np.float64]:
        """(n,) first dorsal-root fiber's threshold / PT (bilinear; inf where none fires)."""
        i, wd, j, wo, _, _, _ = self._coords(dcsf_mm, cord_offset_mm)
        g = self.first_dr_grid_ratio
        if not np.all(np.isfinite(g)):
            return np.full(i.size, np.inf)
        return sum(w * g[a, b] for a, b, w in self._corners(i, wd, j, wo))

    def cell_fractions(
        self,
        dcsf_mm: ArrayLike,
        cord_offset_mm: ArrayLike,
        amplitude_ratio: ArrayLike,
        dermatomes: Sequence[str],
        sides: Sequence[str],
        population: str = "dc",
    ) -> NDArray[np.float64]:
        """(n, n_cells) recruited fraction of each (dermatome, side) cell (dermatome-major) at
        amplitude = ``amplitude_ratio`` x PT; a cell with no fibers at this level is 0."""
        i, wd, j, wo, flip, _, (r,) = self._coords(dcsf_mm, cord_offset_mm, amplitude_ratio)
        return self._cell_fractions(i, wd, j, wo, flip, r, dermatomes, sides, population)

    def _cell_fractions(
        self,
        i: Any,
        wd: Any,
        j: Any,
        wo: Any,
        flip: Any,
        r: Any,
        dermatomes: Sequence[str],
        sides: Sequence[str],
        population: str,
        criterion: float | None = None,
    ) -> Any:
        """Bilinear cell fractions (n, m); with ``criterion``, also the bilinear share of cells
        at or above it (n,) (each grid point's share, then interpolated)."""
        if np.any(r < 0):
            raise InputError("amplitude_ratio", float(r[r < 0][0]), "must be >= 0")
        cells = _check_cells(dermatomes, sides)
        if population not in self._u:
            raise InputError("population", population, "dc or dr")
        u, cum = self._u[population], self._cum[population]
        n_u = u.shape[2] - 1  # the empty cell
        mirror = {"left": "right", "right": "left"}
        direct = np.array([self._cell_index.get((population, d, s), n_u) for d, s in cells])
        swapped = np.array(
            [self._cell_index.get((population, d, mirror[s]), n_u) for d, s in cells]
        )
        idx = np.where(flip[:, None], swapped[None, :], direct[None, :])  # (n, m)
        if self.interpolation == "fiber":
            log_r = np.zeros((*idx.shape, self._log_ratio[population].shape[-1]))
            for a, b, w in self._corners(i, wd, j, wo):
                log_r += w[:, None, None] * self._log_ratio[population][a[:, None], b[:, None], idx]
            with np.errstate(divide="ignore"):
                fired = log_r <= np.log(r)[:, None, None] + 1e-12
            frac = np.sum(self._cell_weight[population][idx] * fired, axis=-1)
            if criterion is None:
                return frac
            return frac, np.mean(frac >= criterion - 1e-12, axis=1)
        out = np.zeros(idx.shape)
        share = np.zeros(idx.shape[0])
        for a, b, w in self._corners(i, wd, j, wo):
            ua = u[a[:, None], b[:, None], idx]  # (n, m, k)
            count = np.sum(ua <= r[:, None, None], axis=-1)
            frac = np.take_along_axis(cum[a[:, None], b[:, None], idx], count[..., None], -1)[
                ..., 0
            ]
            out += w[:, None] * frac
            if criterion is not None:
                share += w * np.mean(frac >= criterion - 1e-12, axis=1)
        return out if criterion is None else (out, share)

    def query(
        self,
        dcsf_mm: ArrayLike,
        cord_offset_mm: ArrayLike,
        amplitude_ratio: ArrayLike,
        dermatomes: Sequence[str],
        sides: Sequence[str],
    ) -> CoverageQuery:
        """Everything about one region for ``n`` patients (arrays broadcast to ``(n,)``)."""
        i, wd, j, wo, flip, ok, (r,) = self._coords(dcsf_mm, cord_offset_mm, amplitude_ratio)
        cells, c = self._cell_fractions(
            i, wd, j, wo, flip, r, dermatomes, sides, "dc", self.coverage_fraction
        )
        f = np.mean(cells, axis=1)
        dr = np.zeros(i.size)
        if self._u_dr.shape[-1]:
            for a, b, w in self._corners(i, wd, j, wo):
                count = np.sum(self._u_dr[a, b] <= r[:, None], axis=-1)
                dr += w * self._cum_dr[a, b, count]
        log_pt = np.log(self.pt_grid_ma)
        pt = np.exp(sum(w * log_pt[a, b] for a, b, w in self._corners(i, wd, j, wo)))
        return CoverageQuery(c=c, f=f, dr_fraction=dr, pt_ma=pt, in_range=ok)

    def region_coverage(
        self,
        dcsf_mm: ArrayLike,
        cord_offset_mm: ArrayLike,
        amplitude_ratio: ArrayLike,
        dermatomes: Sequence[str],
        sides: Sequence[str],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(c, f)``, each ``(n,)``: share of the region's cells covered, mean DC fraction."""
        q = self.query(dcsf_mm, cord_offset_mm, amplitude_ratio, dermatomes, sides)
        return q.c, q.f


def _bracket(grid: NDArray[np.float64], x: NDArray[np.float64]) -> tuple[Any, Any]:
    """Lower index (so that index + 1 exists) and weight of the upper point, per value."""
    if grid.size == 1:
        return np.zeros(x.size, np.intp), np.zeros(x.size)
    i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
    w = (x - grid[i]) / (grid[i + 1] - grid[i])
    return i, np.clip(w, 0.0, 1.0)


def _check_cells(dermatomes: Sequence[str], sides: Sequence[str]) -> list[tuple[str, str]]:
    if isinstance(dermatomes, str) or not len(dermatomes):
        raise InputError("dermatomes", dermatomes, "give a non-empty list such as ['L4', 'L5']")
    if isinstance(sides, str) or not len(sides) or any(s not in _SIDES for s in sides):
        raise InputError("sides", sides, "give a non-empty list of 'left' and/or 'right'")
    for d in dermatomes:
        if not (isinstance(d, str) and len(d) >= 2 and d[0] in "CTLS" and d[1:].isdigit()):
            raise InputError("dermatomes", d, "a dermatome name such as T12, L4 or S1")
    return [(d, s) for d in dermatomes for s in sides]


# --- finding a table -----------------------------------------------------------------------
def cache_dir() -> Path:
    """Where built tables are kept: ``<cache root>/coverage``."""
    from neurostim.field.fem.cache import cache_root

    return cache_root() / "coverage"


def shipped_table_path(program: Program, level: str) -> Path | None:
    """The shipped CSV whose program key and level match, or None."""
    key = program_key(program)
    for path in sorted(_table_dir().glob("*.csv")):
        header = _read_header(path)
        if header.get("program_key") == key and header.get("level") == level:
            return path
    return None


def _read_header(path: Path) -> dict[str, str]:
    header: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            key, _, value = line.lstrip("# ").rstrip("\n").partition(": ")
            header[key] = value
    return header


def coverage_table(
    program: Program | str | Path,
    *,
    level: str = "T10",
    build: bool = True,
    progress: bool = True,
    coverage_fraction: float | None = None,
) -> CoverageTable:
    """The coverage table of a program: shipped (the shipped trial programs at T10), else from
    the user cache, else built there (``build``; minutes, a progress bar unless ``progress`` is
    False). ``coverage_fraction``: the criterion of ``c`` (default the map's,
    :data:`~neurostim.pipeline.scs.DEFAULT_COVERAGE_FRACTION`). InputError for a bad program or
    level, or when no table exists and ``build`` is False."""
    from neurostim._files import write_text
    from neurostim.anatomy import load_anatomy
    from neurostim.pipeline.drive import pick_train

    prog, label = _as_program(program)
    level = load_anatomy(level).level
    for t in range(len(prog.trains)):
        pick_train(prog, t if len(prog.trains) > 1 else None)
    if any(float(t.amplitude_ma) <= 0 for t in prog.trains):
        raise InputError(
            "trains.amplitude_ma",
            [float(t.amplitude_ma) for t in prog.trains],
            "every train needs an amplitude > 0 (the ratios between trains)",
        )
    cf = coverage_fraction
    if cf is not None and not (isinstance(cf, int | float) and 0.0 < cf <= 1.0):
        raise InputError("coverage_fraction", cf, "must be in (0, 1]")
    shipped = shipped_table_path(prog, level)
    if shipped is not None:
        return CoverageTable(
            *read_table_text(shipped.read_text("utf-8"), str(shipped)), coverage_fraction=cf
        )
    dcsf, offsets = default_grid(level, is_symmetric(prog))
    path = cache_dir() / f"{table_key(prog, level, dcsf, offsets)}.csv"
    if path.is_file():
        return CoverageTable(
            *read_table_text(path.read_text("utf-8"), str(path)), coverage_fraction=cf
        )
    if not build:
        raise InputError(
            "program",
            label,
            f"no coverage table at {level} (shipped or in {cache_dir()}); build it with build=True",
        )
    text = build_table_text(program, level=level, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text)
    return CoverageTable(*read_table_text(text, str(path)), coverage_fraction=cf)


# --- command line --------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m neurostim.patient.coverage build PROGRAM... [--level T10] [-o DIR]``;
    ``build --shipped`` rebuilds the shipped tables in place."""
    parser = argparse.ArgumentParser(prog="python -m neurostim.patient.coverage")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build coverage tables (CSV) of programs")
    b.add_argument("programs", nargs="*", type=Path)
    b.add_argument("--level", default="T10")
    b.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="folder for <program stem>.csv (default: the user cache)",
    )
    b.add_argument(
        "--shipped",
        action="store_true",
        help="the shipped trial programs, into the package's data/coverage",
    )
    args = parser.parse_args(argv)
    programs = list(args.programs)
    if args.shipped:
        programs += [shipped_programs_dir() / f"{n}.toml" for n in SHIPPED_PROGRAMS]
        args.output = args.output or _table_dir()
    if not programs:
        parser.error("give PROGRAM files or --shipped")
    try:
        for p in programs:
            start = time.perf_counter()
            text = build_table_text(p, level=args.level, progress=True)
            if args.output is None:
                header, _ = read_table_text(text)
                out = cache_dir() / f"{header['table_key']}.csv"
                out.parent.mkdir(parents=True, exist_ok=True)
            else:
                args.output.mkdir(parents=True, exist_ok=True)
                out = args.output / f"{p.stem}.csv"
            from neurostim._files import write_text

            write_text(out, text)
            print(f"{p}: {out} ({time.perf_counter() - start:.0f} s)")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


__all__ = [
    "COLUMNS",
    "FORMAT",
    "CoverageQuery",
    "CoverageTable",
    "coverage_table",
    "default_grid",
    "is_symmetric",
    "program_key",
    "table_key",
]

if __name__ == "__main__":
    sys.exit(main())
