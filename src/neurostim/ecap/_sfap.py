"""The simulation behind an ECAP: setup (cord, leads, fibers, thresholds, lead fields) and the
recorded runs of the fiber engine.

The ECAP at a current I (ecap.md §2, §6):

    V(t; I) = Σ_{i: thr_i <= I} n_i · rec_i(t; I)  +  I · Σ_{i: thr_i > I} n_i · passive_i(t)

- thr_i: fiber i's threshold, the lowest current at which it fires within the recording
  window (``_thresholds``: searched to the tolerance, or bracketed between the currents of the
  curve; the map's ``recruitment`` over the whole unit with ``threshold_window="train"``
  gives the same values); a fiber whose search did not end ``ok`` never fires;
- rec_i(t; I): the engine's recorded run of fiber i at I (every recruited (fiber, current)
  pair is one case, batched per geometry): its action potential with its own latency at that
  current, and its stimulus-locked membrane currents;
- passive_i: one run at ``PASSIVE_FACTOR`` x thr_i (x the middle of its bracket, or x the
  highest current of the curve for a fiber quiet at all of them), divided by that current:
  the response of a fiber that does not fire, linear in the current (the shortcut of ecap.md
  §6, here applied to the quiet fibers only);
- n_i: the real fibers model fiber i stands for (:func:`fibers_represented`).

``full_sum`` runs every fiber (or a sample) at one current with no shortcut, for the
``template_error`` check. Thresholds and recorded runs are kept under ``<cache
root>/ecap-fibers`` by content (``_cache``, ``EcapSetup.group_key``). The propagated part
Σ n_i (rec_i − I passive_i) gives the latencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.anatomy import SpinalCordAnatomy, load_anatomy
from neurostim.device import Program
from neurostim.ecap import _thresholds
from neurostim.ecap._cache import digest, engine_digest, geometry_digest, load, store
from neurostim.ecap.leadfield import Montage, parse_record, recording_lead_fields
from neurostim.errors import InputError
from neurostim.fibers import simulate
from neurostim.fibers.cases import PULSE_START_MS
from neurostim.fibers.spinal import SpinalFibers, cord_ellipse, dorsal_column_grid
from neurostim.field import Contact, VolumeConductor, conductor_from_spec
from neurostim.pipeline.anatomy import anatomy_placements, fem_conductor
from neurostim.pipeline.drive import ProgramDrive, pick_train, program_drive
from neurostim.pipeline.placement import program_contacts
from neurostim.pipeline.recruitment import RecruitmentResult, phi_per_ma, recruitment
from neurostim.pipeline.scs import fitting_n_nodes
from neurostim.units import NV_TO_UV

PASSIVE_FACTOR = 0.5
"""The passive run's amplitude as a share of the fiber's threshold [ours]: low enough that the
membrane stays near linear."""
PASSIVE_MA = 0.1
"""The passive run's amplitude of a fiber without a threshold (status not ``ok``) [ours]."""
CHUNK = 256
"""Cases per engine call: bounds the recorded traces held at once."""
THRESHOLD_WINDOWS = ("recording", "train")
"""What a threshold search drives: ``recording``: the unit waveform over the recording window
(the window the recorded runs cover, the recharge tail after it cut); ``train``: the whole unit
with its recharge tail and 3 ms after it (the map's ``recruitment``)."""


DC_DIAMETERS_UM = (5.7, 10.0, 16.0)
DC_CLASS_FRACTIONS = (0.70, 0.25, 0.05)
"""The scs map's dorsal-column classes (``neurostim.pipeline.scs``)."""


def dc_fibers(anatomy: SpinalCordAnatomy, n_ml: int, seed: int) -> SpinalFibers:
    """Dorsal-column fibers of the scs map's classes at three depths and ``n_ml``
    mediolateral positions evenly across both dorsal columns; each class with as many nodes
    as fit ``DOMAIN_FILL`` of the model's length (up to 201), so that no fiber ends near a
    recording contact (a sealed end's response would look like a stationary ECAP)."""
    if isinstance(n_ml, bool) or not isinstance(n_ml, int) or not 1 <= n_ml <= 1000:
        raise InputError("population.n_ml", n_ml, "a whole number in [1, 1000]")
    _, _, a, _ = cord_ellipse(anatomy)
    half = a / 2.0
    ml = ((np.arange(n_ml) + 0.5) / n_ml * 2.0 * half - half).tolist()
    parts = [
        dorsal_column_grid(anatomy, ml_mm=ml, diameters_um=(d,), class_fractions=(1.0,),
                           n_nodes=fitting_n_nodes(anatomy, (d,), most=MAX_NODES), seed=seed + k)
        for k, d in enumerate(DC_DIAMETERS_UM)
    ]  # fmt: skip
    fibers = SpinalFibers.concat(*parts)
    weight = np.concatenate([np.full(p.n_fibers, f / p.n_fibers)
                             for p, f in zip(parts, DC_CLASS_FRACTIONS, strict=True)])  # fmt: skip
    return replace(fibers, fibers=replace(fibers.fibers, weight=weight))


ACTIVE_SHARE = 0.1
"""Samples of the unit waveform at or above this share of its peak are the pulse's active
phases; a passive recharge (a low, long tail) is not [ours]."""


def stimulus_end_ms(drive: ProgramDrive) -> float:
    """End of the pulse's active phases after pulse onset (ms): blanking and the artifact
    start here (a passive recharge continues inside the artifact's exponential)."""
    w = np.abs(drive.waveform)
    last = int(np.flatnonzero(w >= ACTIVE_SHARE * w.max())[-1])
    return (last + 1) * drive.dt_ms - PULSE_START_MS


MAX_NODES = 201
"""Most nodes of one ECAP fiber."""


def fibers_represented(
    fibers: SpinalFibers, anatomy: SpinalCordAnatomy, population: dict[str, Any]
) -> NDArray[np.float64]:
    """Real fibers each model fiber stands for, shape (n_fibers,) (docs/ecap.md, "Scale").

    The large fibers (>= ``large_fiber_um``) of the modelled dorsal columns number
    ``large_per_mm_ml`` x the columns' width x (deepest fiber / ``sampled_depth_mm``)
    (Feirabend 2002); the population's weights then give every fiber its share of
    N_total = N_large / (weight of the large fibers). Without large fibers: 1 each.
    """
    w = fibers.fibers.weight
    large = fibers.fibers.diameter_um >= float(population["large_fiber_um"])
    if not large.any():
        return np.ones(fibers.n_fibers)
    ml = np.unique(np.round(fibers.ml_mm, 9))
    _, _, a, _ = cord_ellipse(anatomy)
    width_mm = float(ml[-1] - ml[0]) * ml.size / (ml.size - 1) if ml.size > 1 else a
    depth = float(np.max(fibers.depth_mm)) / float(population["sampled_depth_mm"])
    n_large = float(population["large_per_mm_ml"]) * width_mm * depth
    return w * n_large / float(w[large].sum())


@dataclass
class EcapSetup:
    """Everything an ECAP run needs, built once (:func:`build_setup`)."""

    program: Program
    train_index: int
    anatomy: SpinalCordAnatomy
    conductor: VolumeConductor
    contact_ids: list[str]
    contacts: list[Contact]
    centres_mm: NDArray[np.float64]
    montage: Montage
    fibers: SpinalFibers
    drive: ProgramDrive
    recruitment: RecruitmentResult
    n_real: NDArray[np.float64]
    params: dict[str, dict[str, Any]]
    groups: dict[tuple[float, int], list[int]] = field(default_factory=dict)
    cache: bool = False
    _fields: dict[tuple[float, int], tuple[Any, Any]] = field(default_factory=dict)
    _geometry: dict[tuple[float, int], Any] = field(default_factory=dict)
    _rest: dict[tuple[Any, ...], NDArray[np.float64]] = field(default_factory=dict)

    @property
    def threshold_ma(self) -> NDArray[np.float64]:
        return self.recruitment.threshold_ma

    @property
    def ok(self) -> NDArray[np.bool_]:
        return self.recruitment.status == "ok"

    def fields(self, key: tuple[float, int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Stimulation field (n, n_sections) and recording lead fields (n, n_leads,
        n_sections) of one geometry group, in the engine's sign (cathode positive)."""
        if key not in self._fields:
            idx = self.groups[key]
            pop = self.fibers.fibers
            points = np.concatenate([pop.section_points_mm(i) for i in idx])
            ids, contacts = self.contact_ids, self.contacts
            phi = -phi_per_ma(self.drive, ids, contacts, points, self.conductor)
            lead = recording_lead_fields(self.conductor, contacts, self.montage, points)
            n = len(idx)
            lead = lead.reshape(self.montage.n_leads, n, -1).transpose(1, 0, 2)
            self._fields[key] = (phi.reshape(n, -1), np.ascontiguousarray(lead))
        return self._fields[key]

    def geometry(self, key: tuple[float, int]) -> Any:
        """The cable geometry shared by a geometry group's fibers."""
        if key not in self._geometry:
            self._geometry[key] = self.fibers.fibers.fiber(self.groups[key][0]).geometry
        return self._geometry[key]

    def group_key(self, key: tuple[float, int], what: str, *extra: Any) -> str:
        """Content address of one geometry group's result: the engine's inputs themselves
        (the geometry, the stimulation and recording fields at its sections, the cut waveform,
        the step and window), ``extra`` (the cases) and the engine's source, so a new
        finite-element solve, fiber layout or engine gives a new key."""
        from neurostim import __version__

        phi, lead = self.fields(key)
        n_steps = round(self.tstop_ms / self.drive.dt_ms)
        return digest(what, __version__, engine_digest(), geometry_digest(self.geometry(key)),
                      phi, lead, self.drive.waveform[:n_steps], self.drive.dt_ms, n_steps,
                      *extra)  # fmt: skip

    def engine_t_ms(self) -> NDArray[np.float64]:
        """Engine time of each recorded step after pulse onset (ms), shape (n_steps,)."""
        n = round(self.tstop_ms / self.drive.dt_ms)
        return np.asarray((np.arange(n) + 1.0) * self.drive.dt_ms - PULSE_START_MS, np.float64)

    @property
    def tstop_ms(self) -> float:
        return PULSE_START_MS + float(self.params["recording"]["window_ms"]) + self.drive.dt_ms

    def record(
        self,
        fiber: NDArray[np.int64],
        amplitude_ma: NDArray[np.float64],
        *,
        drive: ProgramDrive | None = None,
        tstop_ms: float | None = None,
        leads: list[int] | None = None,
    ) -> NDArray[np.float64]:
        """Recorded traces of the cases (``fiber[c]`` at ``amplitude_ma[c]`` mA; a fiber may
        appear in several cases), of the setup's drive (or ``drive``) over ``tstop_ms``, on
        every recording (or ``leads``): shape (n_cases, n_leads, n_steps), µV per real fiber,
        the resting offset removed. Cases run in batches of ``CHUNK`` per geometry. With
        ``cache`` on, each geometry's cases of the setup's own drive and window are kept and
        reused by content (``group_key``: the fields, the cut waveform, the cases)."""
        keep = self.cache and drive is None and tstop_ms is None
        drive = self.drive if drive is None else drive
        tstop = self.tstop_ms if tstop_ms is None else tstop_ms
        chosen = list(range(self.montage.n_leads)) if leads is None else list(leads)
        n_steps = round(tstop / drive.dt_ms)
        fiber = np.asarray(fiber, np.int64)
        amp = np.asarray(amplitude_ma, np.float64)
        out = np.zeros((fiber.size, len(chosen), n_steps))
        for key, idx in self.groups.items():
            row_of = {f: r for r, f in enumerate(idx)}
            cases = np.flatnonzero(np.isin(fiber, idx))
            if cases.size == 0:
                continue
            phi, lead = self.fields(key)
            geometry = self.geometry(key)
            ck = self.group_key(key, "record", fiber[cases], amp[cases], chosen) if keep else ""
            got = load(ck) if keep else None
            if got is not None and got["uv"].shape == (cases.size, len(chosen), n_steps):
                out[cases] = got["uv"]
                continue
            for start in range(0, cases.size, CHUNK):
                part = cases[start : start + CHUNK]
                rows = [row_of[int(f)] for f in fiber[part]]
                rec_phi = np.ascontiguousarray(lead[rows][:, chosen])
                res = simulate(
                    geometry, phi[rows], -amp[part], drive.waveform, dt_ms=drive.dt_ms,
                    n_steps=n_steps, recording_phi=rec_phi,
                )  # fmt: skip
                rest = self._rest_uv(geometry, rec_phi)[:, :, None]
                out[part] = np.asarray(res.recorded_uv) - rest
            if keep:
                store(ck, {"uv": out[cases]})
        return out

    def _rest_uv(self, geometry: Any, lead: NDArray[np.float64]) -> NDArray[np.float64]:
        """The constant signal of fibers at rest (an MRG fiber's small steady current loop),
        shape (n, n_leads): removed, as the amplifier's AC coupling does."""
        key = (geometry.model, float(geometry.diameter_um), int(geometry.n_sections))
        if key not in self._rest:
            res = simulate(
                geometry, np.zeros(geometry.n_sections), np.zeros(1), np.zeros(2),
                dt_ms=self.drive.dt_ms, n_steps=2, record_membrane_current=True,
            )  # fmt: skip
            self._rest[key] = np.asarray(res.membrane_current_na)[0, :, -1]
        return np.einsum("ijk,k->ij", lead, self._rest[key]) * NV_TO_UV


def _groups(fibers: SpinalFibers) -> dict[tuple[float, int], list[int]]:
    groups: dict[tuple[float, int], list[int]] = defaultdict(list)
    pop = fibers.fibers
    for i in range(pop.n_fibers):
        groups[(float(pop.diameter_um[i]), int(pop.n_nodes[i]))].append(i)
    return dict(groups)


def build_setup(
    program: Program,
    *,
    anatomy: SpinalCordAnatomy | str | Path | None,
    level: str,
    dcsf_mm: float | None,
    record: Any,
    conductor: VolumeConductor | str | dict[str, Any] | None,
    fibers: SpinalFibers | None,
    train_index: int | None,
    mesh_level: str,
    params: dict[str, dict[str, Any]],
    seed: int,
    threshold_window: str = "recording",
    cache: bool = True,
    thresholds: str = "all",
) -> EcapSetup:
    """Anatomy, conductor, placed contacts, montage, fibers, thresholds (module docstring).

    ``threshold_window`` (:data:`THRESHOLD_WINDOWS`): ``recording`` (default) searches each
    threshold over the recording window; ``train`` runs the map's ``recruitment`` over the
    whole unit and its recharge tail. ``thresholds``: ``all`` searches every fiber's threshold
    to the tolerance; ``lowest`` only those that decide the perception threshold, the others
    left ``pending`` for :func:`neurostim.ecap._thresholds.bracket_on_grid` on the currents of
    a growth curve (``ecap_growth`` does this). ``cache``: keep and reuse the thresholds and
    passive responses under ``<cache root>/ecap-fibers`` by content."""
    _thresholds.check_search(thresholds, threshold_window)
    t = pick_train(program, train_index)
    if isinstance(anatomy, SpinalCordAnatomy):
        if dcsf_mm is not None:
            raise InputError(
                "dcsf_mm", dcsf_mm, "set with a level or an anatomy file, not an anatomy object"
            )
        cord = anatomy
    else:
        overrides = {} if dcsf_mm is None else {"dcsf_mm": dcsf_mm}
        cord = load_anatomy(level if anatomy is None else None, anatomy, **overrides)
    cond = (
        fem_conductor(cord, mesh_level=mesh_level)
        if conductor is None
        else conductor_from_spec(conductor)
    )
    placements = anatomy_placements(program, cord, train_index=t)
    ids, contacts = program_contacts(program, placements)
    centres = np.array([c.center_xyz_mm for c in contacts], np.float64)
    montage = parse_record(
        record, program, ids, centres, train_index=t,
        min_primary_distance_mm=float(params["recording"]["min_primary_distance_mm"]),
    )  # fmt: skip
    if fibers is None:
        fibers = dc_fibers(cord, int(params["population"]["n_ml"]), seed)
    if threshold_window not in THRESHOLD_WINDOWS:
        raise InputError("threshold_window", threshold_window, ", ".join(THRESHOLD_WINDOWS))
    drive = program_drive(program, train_index=t, window_ms=None)
    setup = EcapSetup(
        program=program, train_index=t, anatomy=cord, conductor=cond, contact_ids=ids,
        contacts=contacts, centres_mm=centres, montage=montage, fibers=fibers, drive=drive,
        recruitment=_pending(fibers.fibers.n_fibers, drive),
        n_real=fibers_represented(fibers, cord, params["population"]), params=params,
        groups=_groups(fibers), cache=cache,
    )  # fmt: skip
    if threshold_window == "train":
        setup.recruitment = recruitment(
            program, fibers.fibers, conductor=cond, placements=placements, train_index=t,
            window_ms=None, neighbour_estimates=False,  # the ECAP searches' first trials
        )  # fmt: skip
    elif thresholds == "lowest":
        setup.recruitment = _thresholds.lowest_thresholds(setup, use_cache=cache)
    else:
        setup.recruitment = _thresholds.recording_thresholds(setup, use_cache=cache)
    return setup


def _pending(n: int, drive: ProgramDrive) -> RecruitmentResult:
    """The setup's recruitment before its threshold searches run, all fibers of status
    ``pending``: the searches need the finished setup (fields, groups), and ``build_setup``
    replaces this with their result before it returns, so no caller sees it."""
    nan = np.full(n, np.nan)
    return RecruitmentResult(
        threshold_ma=nan, status=np.full(n, "pending", dtype="<U16"), lower_ma=nan.copy(),
        upper_ma=nan.copy(), n_sims=np.zeros(n, np.int64), initiation_node=np.full(n, -1),
        weight=np.zeros(n), amplitude_ma=drive.amplitude_ma, drive=drive, conductor={},
    )  # fmt: skip


def passive_uv_per_ma(setup: EcapSetup) -> NDArray[np.float64]:
    """Each fiber's stimulus-locked response per mA while it does not fire, shape
    (n_fibers, n_leads, n_steps) (µV per real fiber per mA): a run at ``PASSIVE_FACTOR`` x its
    threshold (``ok`` fibers; ``_thresholds.passive_amplitude_ma`` for fibers bracketed on a
    curve's currents) or at ``PASSIVE_MA`` (the others), divided by that amplitude."""
    amp = _thresholds.passive_amplitude_ma(setup.recruitment, PASSIVE_FACTOR, PASSIVE_MA)
    every = np.arange(setup.fibers.n_fibers)
    return setup.record(every, amp) / amp[:, None, None]


def growth_traces(
    setup: EcapSetup,
    amplitudes_ma: NDArray[np.float64],
    passive: NDArray[np.float64],
    level_ratio: float = 1.0,
    only: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Neural traces at each current (module docstring), their propagated part and the number
    of recruited model fibers: shapes (n_amplitudes, n_leads, n_steps) twice and
    (n_amplitudes,).

    Each recruited fiber runs at the currents of the sweep it fires at, except that a current
    less than ``level_ratio`` times the last one run for that fiber reuses that run, its
    passive part moved to the new current (rec(I) = rec(I_run) + (I - I_run) passive): its
    action potential's latency changes little between them. ``level_ratio`` 1 runs every pair.
    ``only``: the sum over these fibers alone (the full-sum check's sample).
    """
    amps = np.asarray(amplitudes_ma, np.float64)
    recruited = _thresholds.recruited_at(setup.recruitment, amps)  # (n_amplitudes, n_fibers)
    weight = setup.n_real.copy()
    if only is not None:
        weight = np.zeros_like(weight)
        weight[only] = setup.n_real[only]
        recruited[:, np.setdiff1d(np.arange(weight.size), only)] = False
    rep = np.full(recruited.shape, -1, np.int64)  # the current whose run serves each pair
    order = np.argsort(amps, kind="stable")
    for f in np.flatnonzero(recruited.any(axis=0)):
        last = -1
        for n in order:
            if not recruited[n, f]:
                continue
            if last < 0 or amps[n] >= level_ratio * amps[last] * (1 - 1e-12):
                last = int(n)
            rep[n, f] = last
    run_amp, run_fiber = np.nonzero((rep >= 0) & (rep == np.arange(amps.size)[:, None]))
    runs = setup.record(run_fiber, amps[run_amp]) if run_fiber.size else None
    run_of = {(int(n), int(f)): k for k, (n, f) in enumerate(zip(run_amp, run_fiber, strict=True))}
    weighted_passive = weight[:, None, None] * passive
    total_passive = weighted_passive.sum(axis=0)
    neural = np.zeros((amps.size, passive.shape[1], passive.shape[-1]))
    sfap = np.zeros_like(neural)
    for n, a in enumerate(amps):
        neural[n] = a * (total_passive - weighted_passive[recruited[n]].sum(axis=0))
        for f in np.flatnonzero(recruited[n]):
            k = run_of[(int(rep[n, f]), int(f))]
            assert runs is not None
            spike = runs[k] - amps[rep[n, f]] * passive[f]
            neural[n] += weight[f] * (spike + a * passive[f])
            sfap[n] += weight[f] * spike
    return neural, sfap, recruited.sum(axis=1).astype(np.int64)


def full_sum(
    setup: EcapSetup, amplitude_ma: float, only: NDArray[np.int64] | None = None
) -> NDArray[np.float64]:
    """Every fiber (or the fibers ``only``) run at ``amplitude_ma`` and its recording summed
    with its n_i, without the passive shortcut: shape (n_leads, n_steps), µV."""
    every = np.arange(setup.fibers.n_fibers) if only is None else np.asarray(only, np.int64)
    rec = setup.record(every, np.full(every.size, float(amplitude_ma)))
    return np.einsum("i,ijk->jk", setup.n_real[every], rec)


__all__: list[str] = []
