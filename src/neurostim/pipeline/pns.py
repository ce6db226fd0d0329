"""Peripheral nerve stimulation map: what one program recruits in one nerve, fascicle by fascicle.

::

    program + nerve + electrode ──► placed leads (nerve.py) ──► finite-element nerve
        (nerve_fem.py) ──► Aβ, Aδ, C fibers in every fascicle (fibers.nerve_fibers)
        ──► thresholds (recruitment.py) ──► per fascicle and class recruitment, selectivity,
            sensation and discomfort thresholds, comfort window, coverage, per-fiber table

Definitions (peripheral-nerve.md §7; the SCS map's perception/discomfort shape, scs.py):

- **Fiber classes and models**: Aβ and Aδ on the interpolated MRG; C on ``tigerholm`` when a
  model of that name is registered, else on the class's shipped model (Sundt) — chosen at call
  time by :func:`class_models`. A class whose model is not registered is left out and listed
  with model None (``models`` in the output).
- **Recruitment curve** of a fascicle and class: the weighted fraction of its fibers with
  status ``ok`` and threshold <= amplitude; **I10 / I50 / I90**: the lowest amplitude at which
  that fraction reaches 0.1 / 0.5 / 0.9 (None when it never does: too many fibers undetermined).
- **Selectivity** of a target (a fascicle ``f<i>``, or a function group ``cutaneous`` /
  ``muscle`` / ``mixed`` when the nerve has more than one): with R_t and R_off the recruited
  fractions of Aβ in the target and in every other fascicle, SI = (R_t − R_off)/(R_t + R_off)
  (golgi's Veraart index, §7), reported at the target's Aβ I50 (``index``) and at the program
  amplitude, with the median off-target / target Aβ threshold ratio [ours: the amplitude].
- **Sensation threshold**: the amplitude at which the ``sensation_min_fibers``-th Aβ fiber of a
  cutaneous fascicle fires (mixed fascicles count as cutaneous when none is labelled so).
- **Discomfort threshold**: the lower of the first Aδ fiber's threshold (``first-adelta``) and
  the amplitude at which ``motor_twitch_fraction`` (0.05) of a muscle fascicle's Aβ fire
  (``motor-twitch``; mixed fascicles count as muscle when none is labelled so); the comfort
  window is [sensation, discomfort).
- **Coverage**: the cutaneous (or mixed) fascicles whose Aβ recruited fraction at the program
  amplitude reaches ``coverage_fraction`` (0.1, as the SCS map's dermatomes [ours]), and the
  weighted share of the cutaneous Aβ recruited: the territories a pain map is checked against.

A fiber whose search did not end ``ok`` is never counted as recruited; the map says how many
fibers have an unknown state at the program amplitude (``undetermined_fibers``: every status
but ``ok``, except fibers quiet up to at least that amplitude) and counts each status.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Program, load_lead
from neurostim.errors import InputError
from neurostim.fibers.models import fiber_model, fiber_model_names
from neurostim.fibers.nerve import NerveFibers, fiber_classes, nerve_fibers
from neurostim.field import VolumeConductor
from neurostim.nerve import NerveGeometry, ReturnElectrode, cuff, cuff_names
from neurostim.pipeline.drive import pick_train
from neurostim.pipeline.nerve import cuff_preset, nerve_placements
from neurostim.pipeline.placement import LeadPlacement
from neurostim.pipeline.recruitment import RecruitmentResult, recruitment

FIBER_COLUMNS = ("fascicle", "class", "model", "diameter_um", "x_mm", "y_mm", "threshold_ma",
                 "status")  # fmt: skip
"""Columns of the per-fiber table (``neurostim pns map --fibers-out``, contract)."""
CLASSES = ("Abeta", "Adelta", "C")
C_FIBER_MODEL = "tigerholm"
"""The C-fiber model the map prefers as soon as it is registered."""
SPRINT_LEAD = "sprint-microlead"
DEFAULT_SENSATION_MIN_FIBERS = 1
"""Aβ fibers of cutaneous fascicles that must fire for a sensation (§7)."""
DEFAULT_MOTOR_TWITCH_FRACTION = 0.05
"""Share of a muscle fascicle's Aβ that gives a twitch (§7)."""
DEFAULT_COVERAGE_FRACTION = 0.1
"""Share of a cutaneous fascicle's Aβ that must fire for its territory to count [ours]."""
DIAMETER_STEP_UM = 0.25
"""Drawn diameters are rounded to this grid so that fibers share geometries and their
threshold searches batch in lock-step [ours]."""
DOMAIN_FILL = 0.9
"""Longest myelinated fiber as a share of the model's length (as the SCS map)."""
MAX_MYELINATED_NODES = 161
"""Most nodes of a myelinated fiber [ours]: 161 nodes of a 2 um fiber span 32 mm."""
C_FIBER_LENGTH_MM = 30.0
"""Length of an unmyelinated fiber [ours; 3601 Sundt compartments]: shorter than the model
because each compartment is 8.3 um; an end left in a strong field is flagged
``end-excitation`` by the threshold search."""
DEFAULT_MAX_AMPLITUDE_MA = 200.0
"""Largest amplitude a threshold search tries [ours]: several times the 30 mA of PNS
stimulators (§6 [R]); a fiber quiet up to it is ``not-bracketed`` and counted as not
recruited below it."""
QUANTILES = (0.1, 0.5, 0.9)
MYELINATED_PROBE_UM = (0.5, 10.0)


def class_models() -> dict[str, str | None]:
    """The model each class runs on now: shipped models, ``tigerholm`` for C once registered;
    None for a class whose model is not registered."""
    names = set(fiber_model_names())
    out: dict[str, str | None] = {}
    for name, c in fiber_classes().items():
        model = C_FIBER_MODEL if name == "C" and C_FIBER_MODEL in names else c.model
        out[name] = model if model in names else None
    return out


def electrode_lead(spec: str | None, program: Program) -> str:
    """The device lead id (or lead file path) of ``--electrode``: ``cuff:<preset>``,
    ``sprint``, a lead ``.toml`` file, or None for the program's own lead."""
    if spec is None:
        return program.leads[0]
    if spec.startswith("cuff:"):
        preset = spec.removeprefix("cuff:")
        if preset not in cuff_names():
            raise InputError("electrode", spec, f"cuff:<preset>, one of {', '.join(cuff_names())}")
        return f"cuff-{preset}"
    if spec == "sprint":
        return SPRINT_LEAD
    if spec.endswith(".toml"):
        if not Path(spec).is_file():
            raise InputError("electrode", spec, "an existing lead .toml file")
        return str(Path(spec).resolve())
    raise InputError("electrode", spec, "cuff:<preset>, sprint, or a lead .toml file")


def with_electrode(program: Program, spec: str | None) -> Program:
    """``program`` with its lead replaced by the electrode of ``spec`` (one-lead programs);
    every contact the program drives must exist on the new lead."""
    lead_id = electrode_lead(spec, program)
    if spec is None or lead_id == program.leads[0]:
        return program
    if len(program.leads) != 1:
        raise InputError("electrode", spec, "a one-lead program (this one has several leads)")
    ids = {f"L1.{c.id}" for c in load_lead(lead_id).contacts} | {"case"}
    for t in program.trains:
        missing = [c for c in t.contacts if c not in ids]
        if missing:
            raise InputError(
                "electrode", spec, f"a lead with the program's contacts ({missing[0]} is missing)"
            )
    return program.model_copy(update={"leads": [lead_id]})


def is_myelinated(model_name: str) -> bool:
    """True for a model whose cable has sections between its nodes (internodes)."""
    model = fiber_model(model_name)
    lo, hi = MYELINATED_PROBE_UM
    for d in (hi, lo, 1.0):
        try:
            g = model.geometry(d, 5)
        except InputError:
            continue
        return bool(g.n_sections > g.node_sections.size)
    return False


def fiber_node_counts(
    length_mm: float, models: Mapping[str, str], c_fiber_length_mm: float = C_FIBER_LENGTH_MM
) -> dict[str, Callable[[float], int]]:
    """Per class, the node count of a fiber of a given diameter (um): a myelinated fiber spans
    ``DOMAIN_FILL`` of a model of ``length_mm`` (at most ``MAX_MYELINATED_NODES`` nodes), an
    unmyelinated one ``c_fiber_length_mm`` (at most ``DOMAIN_FILL`` of the model). Odd, >= 5."""
    out: dict[str, Callable[[float], int]] = {}
    for name, model_name in models.items():
        model = fiber_model(model_name)
        if is_myelinated(model_name):
            span, most = DOMAIN_FILL * length_mm, MAX_MYELINATED_NODES
        else:
            span, most = min(c_fiber_length_mm, DOMAIN_FILL * length_mm), 10**6

        def count(d: float, model: Any = model, span: float = span, most: int = most) -> int:
            n = min(int(span / (model.node_spacing_um(d) * 1e-3)) + 1, most)
            return max(n if n % 2 else n - 1, 5)

        out[name] = count
    return out


def _weighted_quantile(
    thr: NDArray[np.float64], ok: NDArray[np.bool_], w: NDArray[np.float64], q: float
) -> float | None:
    """Lowest amplitude at which the recruited (ok) weight share reaches ``q``."""
    total = float(w.sum())
    if total <= 0 or not ok.any():
        return None
    order = np.argsort(np.where(ok, thr, np.inf))
    cum = np.cumsum(np.where(ok, w, 0.0)[order]) / total
    k = int(np.searchsorted(cum, q - 1e-12))
    if k >= order.size or not ok[order[k]]:
        return None
    return float(thr[order[k]])


@dataclass(frozen=True)
class NerveMap:
    """Thresholds of the fibers of one nerve under one program train, and what they mean."""

    program: Program
    train_index: int
    nerve: NerveGeometry
    electrode: str
    fibers: NerveFibers
    recruitment: RecruitmentResult
    status: NDArray[np.str_]
    models: dict[str, str | None]
    sensation_min_fibers: int = DEFAULT_SENSATION_MIN_FIBERS
    motor_twitch_fraction: float = DEFAULT_MOTOR_TWITCH_FRACTION
    coverage_fraction: float = DEFAULT_COVERAGE_FRACTION
    placements: tuple[LeadPlacement, ...] = ()
    return_kind: str = "far_ground"
    max_amplitude_ma: float = 200.0
    return_pad_diam_mm: float | None = None
    return_pad_distance_mm: float | None = None

    # --- selections ---------------------------------------------------------------------
    @property
    def threshold_ma(self) -> NDArray[np.float64]:
        return self.recruitment.threshold_ma

    @property
    def fiber_class(self) -> NDArray[np.str_]:
        return np.asarray(self.fibers.fiber_class)

    def _ok(self) -> NDArray[np.bool_]:
        return self.status == "ok"

    def _functions(self) -> list[str]:
        return [f.function for f in self.nerve.fascicles]

    def _fascicles_of(self, role: str) -> list[int]:
        """Fascicles labelled ``role``; mixed fascicles when none is."""
        funcs = self._functions()
        out = [i for i, f in enumerate(funcs) if f == role]
        return out or [i for i, f in enumerate(funcs) if f == "mixed"]

    def _sel(self, classes: str, fascicles: list[int] | None = None) -> NDArray[np.bool_]:
        sel = self.fiber_class == classes
        if fascicles is not None:
            sel &= np.isin(self.fibers.fascicle, fascicles)
        return sel

    def fraction(self, sel: NDArray[np.bool_], amplitude_ma: float) -> float | None:
        """Weighted recruited share (ok fibers) of the selection at ``amplitude_ma``."""
        w = self.recruitment.weight
        total = float(w[sel].sum())
        if total <= 0:
            return None
        fired = sel & self._ok() & (self.threshold_ma <= amplitude_ma)
        return float(w[fired].sum()) / total

    def quantile_ma(self, sel: NDArray[np.bool_], q: float) -> float | None:
        w = self.recruitment.weight
        return _weighted_quantile(self.threshold_ma[sel], self._ok()[sel], w[sel], q)

    # --- thresholds ---------------------------------------------------------------------
    @property
    def sensation_threshold_ma(self) -> float | None:
        sel = self._sel("Abeta", self._fascicles_of("cutaneous")) & self._ok()
        thr = np.sort(self.threshold_ma[sel])
        k = self.sensation_min_fibers
        return float(thr[k - 1]) if thr.size >= k else None

    @property
    def discomfort(self) -> tuple[float | None, str]:
        """(discomfort threshold in mA, the rule that set it: ``first-adelta`` or
        ``motor-twitch:f<i>``)."""
        sel = self._sel("Adelta") & self._ok()
        first_ad = float(self.threshold_ma[sel].min()) if sel.any() else None
        twitch, which = None, ""
        for i in self._fascicles_of("muscle"):
            a = self.quantile_ma(self._sel("Abeta", [i]), self.motor_twitch_fraction)
            if a is not None and (twitch is None or a < twitch):
                twitch, which = a, f"motor-twitch:f{i}"
        if twitch is not None and (first_ad is None or twitch < first_ad):
            return twitch, which
        return first_ad, ("first-adelta" if first_ad is not None else "none")

    def coverage(self, amplitude_ma: float | None = None) -> dict[str, Any]:
        a = self.recruitment.amplitude_ma if amplitude_ma is None else amplitude_ma
        cut = self._fascicles_of("cutaneous")
        covered = [
            f"f{i}"
            for i in cut
            if (self.fraction(self._sel("Abeta", [i]), a) or 0.0) >= self.coverage_fraction
        ]
        return {
            "fascicles": covered,
            "cutaneous_fascicles": [f"f{i}" for i in cut],
            "abeta_fraction": self.fraction(self._sel("Abeta", cut), a),
            "coverage_fraction": self.coverage_fraction,
        }

    # --- per fascicle -------------------------------------------------------------------
    def fascicle_rows(self) -> list[dict[str, Any]]:
        a = self.recruitment.amplitude_ma
        rows = []
        for i, f in enumerate(self.nerve.fascicles):
            classes = []
            for c in CLASSES:
                sel = self._sel(c, [i])
                if not sel.any():
                    continue
                ok = sel & self._ok()
                i10, i50, i90 = (self.quantile_ma(sel, q) for q in QUANTILES)
                classes.append({
                    "class": c,
                    "model": self.models.get(c),
                    "n_fibers": int(sel.sum()),
                    "threshold_min_ma": float(self.threshold_ma[ok].min()) if ok.any() else None,
                    "i10_ma": i10,
                    "i50_ma": i50,
                    "i90_ma": i90,
                    "fraction_at_program": self.fraction(sel, a),
                    "undetermined": int(np.sum(sel & ~self._ok())),
                })  # fmt: skip
            rows.append({"id": f"f{i}", "function": f.function, "x_mm": f.x_mm, "y_mm": f.y_mm,
                         "classes": classes})  # fmt: skip
        return rows

    def curves(
        self, amplitude_ma: NDArray[np.float64] | None = None, n_points: int = 101
    ) -> tuple[NDArray[np.float64], dict[tuple[int, str], NDArray[np.float64]]]:
        """Recruitment curves: amplitudes (n_points,; default geometric from 0.8 x the lowest to
        1.1 x the highest ok threshold) and, per (fascicle, class), the recruited fraction at
        each, shape (n_points,)."""
        if amplitude_ma is None:  # geometric: thresholds of the classes span decades
            ok = self.threshold_ma[self._ok()]
            a = self.recruitment.amplitude_ma
            lo = min(a, float(ok.min())) if ok.size else 0.1 * a
            hi = max(a, float(ok.max())) if ok.size else a
            amplitude_ma = np.geomspace(0.8 * lo, 1.1 * hi, n_points)
        out = {}
        for i in range(len(self.nerve.fascicles)):
            for c in CLASSES:
                sel = self._sel(c, [i])
                if sel.any():
                    out[(i, c)] = np.array([self.fraction(sel, float(x)) for x in amplitude_ma])
        return amplitude_ma, out

    # --- selectivity --------------------------------------------------------------------
    def targets(self) -> dict[str, list[int]]:
        out = {f"f{i}": [i] for i in range(len(self.nerve.fascicles))}
        groups: dict[str, list[int]] = {}
        for i, fn in enumerate(self._functions()):
            groups.setdefault(fn, []).append(i)
        if len(groups) > 1:
            out.update(groups)
        return out

    def _si(self, target: list[int], amplitude_ma: float) -> float | None:
        others = [i for i in range(len(self.nerve.fascicles)) if i not in target]
        rt = self.fraction(self._sel("Abeta", target), amplitude_ma)
        if not others:
            return None
        ro = self.fraction(self._sel("Abeta", others), amplitude_ma)
        if rt is None or ro is None or rt + ro <= 0:
            return None
        return (rt - ro) / (rt + ro)

    def selectivity(self) -> list[dict[str, Any]]:
        rows = []
        for name, target in self.targets().items():
            sel_t = self._sel("Abeta", target)
            i50 = self.quantile_ma(sel_t, 0.5)
            others = [i for i in range(len(self.nerve.fascicles)) if i not in target]
            off = self._sel("Abeta", others) & self._ok()
            on = sel_t & self._ok()
            ratio = (
                float(np.median(self.threshold_ma[off]) / np.median(self.threshold_ma[on]))
                if off.any() and on.any()
                else None
            )
            rows.append({
                "target": name,
                "index": None if i50 is None else self._si(target, i50),
                "amplitude_ma": i50,
                "index_at_program": self._si(target, self.recruitment.amplitude_ma),
                "median_threshold_ratio": ratio,
            })  # fmt: skip
        return rows

    def undetermined_fibers(self, amplitude_ma: float | None = None) -> int:
        """Fibers whose state at ``amplitude_ma`` (default the program's) is not known: not
        ``ok`` and not quiet up to at least that amplitude (RecruitmentResult.states)."""
        a = self.recruitment.amplitude_ma if amplitude_ma is None else amplitude_ma
        _, determined = self.recruitment.states(a)
        return int(np.sum(~determined[0]))

    # --- output -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The map as plain data; the keys of ``neurostim pns map --json``."""
        c = self.recruitment.conductor
        sensation = self.sensation_threshold_ma
        discomfort, rule = self.discomfort
        window = (
            [sensation, discomfort]
            if sensation is not None and discomfort is not None and discomfort > sensation
            else None
        )
        classes = np.asarray(self.fibers.fiber_class)
        return {
            "program": self.program.name,
            "train_index": self.train_index,
            "amplitude_ma": self.recruitment.amplitude_ma,
            "nerve": {
                "site": self.nerve.site,
                "shape": self.nerve.shape,
                "major_mm": self.nerve.major_mm,
                "minor_mm": self.nerve.minor_mm,
                "n_fascicles": len(self.nerve.fascicles),
            },
            "electrode": {
                "lead": self.program.leads[0],
                "kind": self.electrode,
                "return": self.return_kind,
                "return_pad_diam_mm": self.return_pad_diam_mm,
                "return_pad_distance_mm": self.return_pad_distance_mm,
            },
            "sensation_threshold_ma": sensation,
            "discomfort_threshold_ma": discomfort,
            "discomfort_rule": rule,
            "comfort_window_ma": window,
            "sensation_min_fibers": self.sensation_min_fibers,
            "motor_twitch_fraction": self.motor_twitch_fraction,
            "coverage": self.coverage(),
            "models": self.models,
            "fascicles": self.fascicle_rows(),
            "selectivity": self.selectivity(),
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
            "undetermined_fibers": self.undetermined_fibers(),
            "status_counts": {
                str(s): int(np.sum(self.status == s)) for s in np.unique(self.status)
            },
            "max_amplitude_ma": self.max_amplitude_ma,
            "n_fibers": {k: int(np.sum(classes == k)) for k in CLASSES},
        }

    def fiber_rows(self) -> list[dict[str, Any]]:
        """One row per fiber: the columns of ``--fibers-out``."""
        rows = self.fibers.rows()
        for i, row in enumerate(rows):
            t = self.threshold_ma[i]
            ok = self.status[i] == "ok" and math.isfinite(t)
            row["threshold_ma"] = float(t) if ok else None
            row["status"] = str(self.status[i])
        return [{k: r[k] for k in FIBER_COLUMNS} for r in rows]


def pns_map(
    program: Program,
    nerve: NerveGeometry,
    *,
    conductor: VolumeConductor | None = None,
    electrode: str | None = None,
    distance_mm: float = 10.0,
    angle_deg: float = 30.0,
    return_electrode: ReturnElectrode | None = None,
    perineurium: str = "thin-layer",
    mesh_level: str = "coarse",
    fibers_per_class: int | None = None,
    seed: int | None = None,
    train_index: int | None = None,
    sensation_min_fibers: int = DEFAULT_SENSATION_MIN_FIBERS,
    motor_twitch_fraction: float = DEFAULT_MOTOR_TWITCH_FRACTION,
    coverage_fraction: float = DEFAULT_COVERAGE_FRACTION,
    tolerance_rel: float = 0.01,
    conductor_options: dict[str, Any] | None = None,
    c_fiber_length_mm: float = C_FIBER_LENGTH_MM,
    max_amplitude_ma: float = DEFAULT_MAX_AMPLITUDE_MA,
    classes: tuple[str, ...] = CLASSES,
    workers: int = 1,
) -> NerveMap:
    """Map one program train onto one nerve (module docstring).

    Parameters
    ----------
    program : Program
        Validated; its lead is replaced by ``electrode`` when given (:func:`with_electrode`).
    nerve : NerveGeometry
    conductor : VolumeConductor, optional
        Default: the finite-element nerve of :func:`neurostim.pipeline.nerve_fem` (a cuff) or
        :func:`neurostim.pipeline.nerve_lead_fem` (a lead near the nerve).
    distance_mm, angle_deg : float
        A percutaneous lead's distance from the nerve's surface and angle to its axis.
    return_electrode : ReturnElectrode, optional
        For a lead near the nerve: ``skin_pad`` (default, §7: Ø 50 mm, 100 mm along the nerve)
        or ``far_ground``; a cuff is always solved against far ground (§3.4).
    fibers_per_class : int, optional
        Fibers of each class per fascicle (default 50 / 50 / 30, §7).
    classes : tuple of str
        The classes to place (default all three); a class left out is absent from the map.
    workers : int
        Processes searching thresholds at once (``recruitment``; the thresholds do not depend
        on it).

    Raises
    ------
    InputError
        Malformed input or geometry (a cuff smaller than the nerve, a lead inside the nerve),
        before any meshing.
    """
    from neurostim.pipeline.nerve_fem import nerve_fem, nerve_lead_fem

    t = pick_train(program, train_index)
    if not (isinstance(sensation_min_fibers, int) and 1 <= sensation_min_fibers <= 1000):
        raise InputError("sensation_min_fibers", sensation_min_fibers, "an integer in [1, 1000]")
    for name, v in (("motor_twitch_fraction", motor_twitch_fraction),
                    ("coverage_fraction", coverage_fraction)):  # fmt: skip
        if not (math.isfinite(v) and 0.0 < v <= 1.0):
            raise InputError(name, v, "must be in (0, 1]")
    if fibers_per_class is not None and not (
        isinstance(fibers_per_class, int) and 1 <= fibers_per_class <= 10000
    ):
        raise InputError("fibers_per_class", fibers_per_class, "an integer in [1, 10000]")
    program = with_electrode(program, electrode)
    placements = nerve_placements(
        program, nerve, distance_mm=distance_mm, angle_deg=angle_deg, train_index=t
    )
    lead = load_lead(program.leads[0])
    preset = cuff_preset(lead)
    ret = return_electrode or ReturnElectrode()  # a skin pad (§7 lead.return)
    if lead.kind == "cuff":
        if preset is None:
            raise InputError("electrode", lead.id, f"a cuff preset: {', '.join(cuff_names())}")
        kind = f"cuff:{preset}"
        ret = ReturnElectrode("far_ground")
        if conductor is None:
            conductor = nerve_fem(nerve, cuff(preset), perineurium=perineurium,
                                  mesh_level=mesh_level, **(conductor_options or {}))  # fmt: skip
    else:
        kind = "sprint" if lead.id == SPRINT_LEAD else lead.id
        if conductor is None:
            conductor = nerve_lead_fem(
                nerve, program, placements, distance_mm=distance_mm, return_electrode=ret,
                perineurium=perineurium, mesh_level=mesh_level, **(conductor_options or {}),
            )  # fmt: skip
    length_mm = float(getattr(getattr(conductor, "model", None), "length_mm", 60.0))
    pad = getattr(getattr(conductor, "model", None), "return_pad", None)
    pad_diam = pad_distance = None
    if ret.kind == "skin_pad":  # the pad as modelled (pulled in to fit a short model)
        pad_diam = 2.0 * float(pad["radius_mm"]) if pad else ret.pad_diameter_mm
        pad_distance = float(pad["distance_mm"]) if pad else ret.pad_distance_mm
    models = class_models()
    unknown = [k for k in classes if k not in CLASSES]
    if unknown or not classes:
        raise InputError("classes", unknown or classes, f"some of {', '.join(CLASSES)}")
    placed = tuple(k for k in classes if models[k] is not None)
    if not placed:
        raise InputError("models", models, "at least one fiber class with a registered model")
    modelled = {k: str(models[k]) for k in placed}
    fibers = nerve_fibers(
        nerve, classes=placed, seed=seed,
        per_class_per_fascicle=None if fibers_per_class is None else fibers_per_class,
        n_nodes=fiber_node_counts(length_mm, modelled, c_fiber_length_mm), models=modelled,
        diameter_step_um=DIAMETER_STEP_UM,
    )  # fmt: skip
    rec = recruitment(program, fibers.fibers, conductor=conductor, placements=placements,
                      train_index=t, tolerance_rel=tolerance_rel,
                      max_amplitude_ma=max_amplitude_ma, workers=workers)  # fmt: skip
    return NerveMap(
        program=program, train_index=t, nerve=nerve, electrode=kind, fibers=fibers,
        recruitment=rec, status=rec.status.copy(), models=models,
        sensation_min_fibers=sensation_min_fibers, motor_twitch_fraction=motor_twitch_fraction,
        coverage_fraction=coverage_fraction, placements=tuple(placements),
        return_kind=ret.kind, max_amplitude_ma=max_amplitude_ma,
        return_pad_diam_mm=pad_diam, return_pad_distance_mm=pad_distance,
    )  # fmt: skip


__all__ = [
    "C_FIBER_MODEL",
    "FIBER_COLUMNS",
    "NerveMap",
    "class_models",
    "electrode_lead",
    "fiber_node_counts",
    "pns_map",
    "with_electrode",
]
