"""Spinal cord stimulation map: what one program recruits in one spinal cord, by dermatome.

::

    program + anatomy ──► finite-element cord (anatomy.py) ──► tagged DC (and DR) fibers
        ──► thresholds (recruitment.py) ──► perception and discomfort thresholds, recruitment
            per dermatome and side, coverage, per-fiber table

Definitions (docs/reference/spinal-cord.md §7, patient-clinic.md §1.4):

- **Perception threshold (PT)**: the amplitude at which the ``pt_min_fibers``-th dorsal-column
  fiber fires (the k-th lowest DC threshold among fibers of status ``ok``).
- **Discomfort threshold**: the lower of the first dorsal-root fiber's threshold
  (``discomfort_rule = "first-dr-fiber"``) and PT × ``usage_ratio``
  (``"usage-ratio"``, median 1.5 of the usage range 1.3-2); the rule that set it is reported.
- **Recruitment per dermatome and side**: weighted fraction of that dermatome's DC fibers (and,
  apart, its DR fibers) recruited at the program amplitude, counting ``ok`` fibers only.
- **Coverage**: the dermatomes with at least ``coverage_fraction`` (default 0.1 [ours]) of
  their DC fibers recruited at the program amplitude.

Fibers: the dorsal-column grid and the segment's dorsal-root fibers of
:func:`neurostim.fibers.spinal.spinal_cord_fibers` (weights per population). A fiber whose
threshold search did not end ``ok`` is never counted: the map reports how many
(``undetermined_fibers``), and a threshold that depends on one is None.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.anatomy import SpinalCordAnatomy
from neurostim.device import Program
from neurostim.errors import InputError
from neurostim.fibers.populations import node_spacing_mm
from neurostim.fibers.spinal import SpinalFibers, spinal_cord_fibers
from neurostim.pipeline.anatomy import anatomy_placements, fem_conductor
from neurostim.pipeline.drive import pick_train
from neurostim.pipeline.placement import program_contacts
from neurostim.pipeline.recruitment import RecruitmentResult, recruitment

FIBER_COLUMNS = ("population", "dermatome", "side", "diameter_um", "depth_mm", "ml_mm",
                 "threshold_ma", "status")  # fmt: skip
"""Columns of the per-fiber table (``neurostim scs map --fibers-out``)."""
_FLOAT_COLUMNS = ("diameter_um", "depth_mm", "ml_mm", "threshold_ma")

DEFAULT_USAGE_RATIO = 1.5
"""PT x this = discomfort when no dorsal-root fiber fires first (patient-clinic.md §1.4)."""
DEFAULT_COVERAGE_FRACTION = 0.1
"""Share of a dermatome's DC fibers that must fire for it to count as covered [ours]."""


@dataclass(frozen=True)
class SpinalMap:
    """Thresholds of a tagged spinal-cord population under one program, and what they mean."""

    program: Program
    train_index: int
    anatomy: SpinalCordAnatomy
    fibers: SpinalFibers
    recruitment: RecruitmentResult
    pt_min_fibers: int
    usage_ratio: float
    coverage_fraction: float

    # --- per population --------------------------------------------------------------------
    def _ok(self, population: str) -> NDArray[np.bool_]:
        return (self.fibers.population == population) & (self.recruitment.status == "ok")

    def lowest_threshold_ma(self, population: str) -> float | None:
        ok = self._ok(population)
        return float(self.recruitment.threshold_ma[ok].min()) if ok.any() else None

    @property
    def perception_threshold_ma(self) -> float | None:
        thr = np.sort(self.recruitment.threshold_ma[self._ok("dc")])
        return float(thr[self.pt_min_fibers - 1]) if thr.size >= self.pt_min_fibers else None

    @property
    def discomfort(self) -> tuple[float | None, str]:
        """(discomfort threshold in mA, the rule that set it)."""
        pt = self.perception_threshold_ma
        by_ratio = None if pt is None else pt * self.usage_ratio
        first_dr = self.lowest_threshold_ma("dr")
        if first_dr is not None and (by_ratio is None or first_dr <= by_ratio):
            return first_dr, "first-dr-fiber"
        return by_ratio, "usage-ratio"

    @property
    def dr_dc_threshold_ratio(self) -> float | None:
        dc, dr = self.lowest_threshold_ma("dc"), self.lowest_threshold_ma("dr")
        return None if dc is None or dr is None else dr / dc

    def first_recruited(self) -> dict[str, Any] | None:
        ok = np.flatnonzero(self.recruitment.status == "ok")
        if ok.size == 0:
            return None
        i = int(ok[np.argmin(self.recruitment.threshold_ma[ok])])
        f = self.fibers
        return {"population": str(f.population[i]), "dermatome": str(f.dermatome[i]),
                "side": str(f.side[i]), "depth_mm": float(f.depth_mm[i]),
                "threshold_ma": float(self.recruitment.threshold_ma[i])}  # fmt: skip

    def dermatome_rows(self, amplitude_ma: float | None = None) -> list[dict[str, Any]]:
        """One row per dermatome and side present in the population (medial to lateral)."""
        a = self.recruitment.amplitude_ma if amplitude_ma is None else amplitude_ma
        recruited, _ = self.recruitment.states(a)
        recruited = recruited[0]
        f, w = self.fibers, self.fibers.fibers.weight
        rows = []
        for name in _ordered(f.dermatome):
            for side in ("left", "right"):
                row: dict[str, Any] = {"name": name, "side": side}
                for pop in ("dc", "dr"):
                    sel = (f.dermatome == name) & (f.side == side) & (f.population == pop)
                    ok = sel & (self.recruitment.status == "ok")
                    total = float(w[sel].sum())
                    row[f"{pop}_fraction"] = (
                        float(w[sel & recruited].sum()) / total if total > 0 else None
                    )
                    thr = self.recruitment.threshold_ma[ok]
                    row[f"{pop}_threshold_min_ma"] = float(thr.min()) if thr.size else None
                if any(row[k] is not None for k in ("dc_fraction", "dr_fraction")):
                    rows.append(row)
        return rows

    def coverage(self) -> tuple[list[str], dict[str, list[str]]]:
        """Dermatome names covered on either side, and per side."""
        by_side: dict[str, list[str]] = {"left": [], "right": []}
        for row in self.dermatome_rows():
            if row["dc_fraction"] is not None and row["dc_fraction"] >= self.coverage_fraction:
                by_side[row["side"]].append(row["name"])
        names = [n for n in _ordered(self.fibers.dermatome)
                 if n in by_side["left"] or n in by_side["right"]]  # fmt: skip
        return names, by_side

    def contacts(self, contact_ids: list[str]) -> list[dict[str, Any]]:
        z = self.recruitment.conductor.get("impedance_ohm") or []
        return [{"id": cid, "impedance_ohm": (float(z[k]) if k < len(z) else None)}
                for k, cid in enumerate(contact_ids)]  # fmt: skip

    def to_dict(self, contact_ids: list[str]) -> dict[str, Any]:
        """The map as plain data; the keys of ``neurostim scs map --json``."""
        c = self.recruitment.conductor
        discomfort, rule = self.discomfort
        names, by_side = self.coverage()
        return {
            "program": self.program.name,
            "train_index": self.train_index,
            "amplitude_ma": self.recruitment.amplitude_ma,
            "window_ms": self.recruitment.drive.window_ms,
            "level": self.anatomy.level,
            "cord_segment": self.anatomy.cord_segment,
            "dcsf_mm": self.anatomy.dcsf_mm,
            "perception_threshold_ma": self.perception_threshold_ma,
            "discomfort_threshold_ma": discomfort,
            "discomfort_rule": rule,
            "usage_ratio": self.usage_ratio,
            "pt_min_fibers": self.pt_min_fibers,
            "dr_dc_threshold_ratio": self.dr_dc_threshold_ratio,
            "first_recruited": self.first_recruited(),
            "dermatomes": self.dermatome_rows(),
            "coverage": names,
            "coverage_by_side": by_side,
            "coverage_fraction": self.coverage_fraction,
            "contacts": self.contacts(contact_ids),
            "fem": {
                k: c.get(k)
                for k in (
                    "elements",
                    "dofs",
                    "mesh_s",
                    "solve_s",
                    "cache_hit",
                    "solver_status",
                    "mesh_level",
                )
            },
            "undetermined_fibers": int(np.sum(self.recruitment.status != "ok")),
            "n_fibers": {
                "dc": int(np.sum(self.fibers.population == "dc")),
                "dr": int(np.sum(self.fibers.population == "dr")),
            },
        }

    def fiber_rows(self) -> list[dict[str, Any]]:
        """One row per fiber: the columns of ``--fibers-out``."""
        f, r = self.fibers, self.recruitment
        return [
            {"population": str(f.population[i]), "dermatome": str(f.dermatome[i]),
             "side": str(f.side[i]), "diameter_um": float(f.fibers.diameter_um[i]),
             "depth_mm": float(f.depth_mm[i]), "ml_mm": float(f.ml_mm[i]),
             "threshold_ma": (float(r.threshold_ma[i]) if math.isfinite(r.threshold_ma[i])
                              else None),
             "status": str(r.status[i])}
            for i in range(f.n_fibers)
        ]  # fmt: skip


def read_fiber_table(path: str | Path) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Read a per-fiber table written by ``--fibers-out`` (or kept as reference data).

    Lines ``# key: value`` before the table form the header dict; each row holds the
    :data:`FIBER_COLUMNS` (numbers as float, an empty threshold as None) and any extra column
    (``index`` as int, others as text). InputError naming the column if one is missing.
    """
    header: dict[str, str] = {}
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            key, _, value = line.lstrip("# ").partition(": ")
            header[key] = value
        elif line.strip():
            lines.append(line)
    reader = csv.DictReader(lines)
    missing = [c for c in FIBER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(str(path), missing[0], f"the table needs the columns {FIBER_COLUMNS}")
    rows = []
    for raw in reader:
        row: dict[str, Any] = dict(raw)
        for c in _FLOAT_COLUMNS:
            row[c] = float(raw[c]) if raw[c] else None
        if "index" in row:
            row["index"] = int(raw["index"])
        rows.append(row)
    return header, rows


def _ordered(dermatomes: NDArray[np.str_]) -> list[str]:
    """Distinct dermatome names from caudal (sacral) to rostral (cervical)."""
    rank = {"S": 0, "L": 1, "T": 2, "C": 3}
    return sorted({str(d) for d in dermatomes}, key=lambda n: (rank[n[0]], -int(n[1:])))


def scs_map(
    program: Program,
    anatomy: SpinalCordAnatomy,
    *,
    fibers: SpinalFibers | None = None,
    train_index: int | None = None,
    mesh_level: str = "coarse",
    seed: int = 0,
    pt_min_fibers: int = 1,
    usage_ratio: float = DEFAULT_USAGE_RATIO,
    coverage_fraction: float = DEFAULT_COVERAGE_FRACTION,
    tolerance_rel: float = 0.01,
    conductor_options: dict[str, Any] | None = None,
    window_ms: float | str | None = "auto",
    lead_space: str = "epidural",
) -> tuple[SpinalMap, list[str]]:
    """Map one program train onto one spinal cord; ``lead_space`` "intradural" puts the ring
    leads under the dura (:func:`~neurostim.pipeline.anatomy.anatomy_placements`).

    ``window_ms``: the train window each threshold search drives ("auto": the first pulse
    below 1 kHz, 20 ms of the train at kilohertz rates; see ``recruitment``).

    Returns the map and the placed contact ids (layout order) for the impedance table.
    """
    t = pick_train(program, train_index)
    if not (isinstance(pt_min_fibers, int) and 1 <= pt_min_fibers <= 1000):
        raise InputError("pt_min_fibers", pt_min_fibers, "must be an integer in [1, 1000]")
    if not (math.isfinite(usage_ratio) and 1.0 <= usage_ratio <= 5.0):
        raise InputError("usage_ratio", usage_ratio, "must be in [1, 5]")
    if not (math.isfinite(coverage_fraction) and 0.0 < coverage_fraction <= 1.0):
        raise InputError("coverage_fraction", coverage_fraction, "must be in (0, 1]")
    if fibers is None:
        fibers = _default_fibers(anatomy, seed)
    conductor = fem_conductor(anatomy, mesh_level=mesh_level, **(conductor_options or {}))
    placements = anatomy_placements(program, anatomy, train_index=t, space=lead_space)
    ids, _ = program_contacts(program, placements)
    rec = recruitment(program, fibers.fibers, conductor=conductor, placements=placements,
                      train_index=t, tolerance_rel=tolerance_rel,
                      window_ms=window_ms)  # fmt: skip
    result = SpinalMap(program=program, train_index=t, anatomy=anatomy, fibers=fibers,
                       recruitment=rec, pt_min_fibers=pt_min_fibers, usage_ratio=usage_ratio,
                       coverage_fraction=coverage_fraction)  # fmt: skip
    return result, ids


DOMAIN_FILL = 0.9
"""Longest fiber as a share of the model's length (the rest keeps its ends off the ends)."""


def fitting_n_nodes(anatomy: SpinalCordAnatomy, diameters_um: Any, most: int = 41) -> int:
    """The most nodes (odd, 5..``most``) with which the largest fiber spans at most
    ``DOMAIN_FILL`` of the model's length (node spacing + one node offset)."""
    spacing = max(node_spacing_mm(float(d)) for d in diameters_um)
    # n - 1 spacings + 1 of offset
    n = _odd_at_most(int((DOMAIN_FILL * anatomy.length_mm) // spacing), most)
    if n < 5:
        raise InputError(
            "length_mm", anatomy.length_mm,
            f"too short for a {max(diameters_um):g} um fiber of 5 nodes ({5 * spacing:.3g} mm)",
        )  # fmt: skip
    return n


def root_n_nodes(anatomy: SpinalCordAnatomy, diameters_um: Any, most: int = 41) -> int:
    """The most nodes (odd, 5..``most``) a dorsal-root fiber can have and still
    lie inside the model: half its length either side of its entry bend, the entry anywhere
    in the entry zone (``roots.dre_span_mm``) and one node spacing of offset. Long roots keep
    the cable's ends (which excite early in a strong field) far from the lead."""
    spacing = max(node_spacing_mm(float(d)) for d in diameters_um)
    room = anatomy.length_mm - anatomy.roots.dre_span_mm - 2.0 * spacing
    return max(_odd_at_most(int(room // spacing) + 1, most), 5)


def _odd_at_most(n: int, most: int) -> int:
    """The largest odd node count <= n (the middle node is the fiber's centre), capped."""
    return min(most, n if n % 2 else n - 1)


def _default_fibers(anatomy: SpinalCordAnatomy, seed: int) -> SpinalFibers:
    """Dorsal-column fibers (as many nodes as fit the model's length) and the segment's
    dorsal-root fibers, as long as the model allows (``neurostim.fibers.spinal``)."""
    diameters = (5.7, 10.0, 16.0)
    dc = {"diameters_um": diameters, "n_nodes": fitting_n_nodes(anatomy, diameters)}
    dr = {"n_nodes": root_n_nodes(anatomy, anatomy.fibers.dr_diameters_um)}
    return spinal_cord_fibers(anatomy, dc=dc, dr=dr, seed=seed)


__all__ = [
    "DEFAULT_COVERAGE_FRACTION",
    "DEFAULT_USAGE_RATIO",
    "FIBER_COLUMNS",
    "SpinalMap",
    "read_fiber_table",
    "scs_map",
]
