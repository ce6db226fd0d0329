"""Open and closed loop: stimulation amplitude per pulse under a posture schedule.

Plant (ECAP reference §4): per pulse k at time t_k = k / rate, the ECAP map's value at the
schedule's dCSF d(t_k) and the delivered current I_k, plus recording noise n_k ~ N(0, σ²)
(seeded)::

    y_k = map(d(t_k), I_k) + n_k

Open loop: I_k = the program's amplitude (capped at the compliance current, then on the step
grid).

Closed loop (Saluda-like, ECAP reference §4 [S Pat-log]): u = log I, integral control of the
log error::

    e_k     = log y* - log max(y_k, σ/2)
    u_{k+1} = u_k + K · (L_0 / L_k) · e_k
    I_{k+1} = clip(e^{u_{k+1}}, I_k - ΔI, I_k + ΔI)
    I_{k+1} = clip(I_{k+1}, I_min, min(I_patient, I_compliance))
    pulse k+1 delivers Q(I_{k+1})

Q: the stimulator's amplitude nearest I within the limits, on the step grid of its profile
(``amplitude_ma`` segments of :mod:`neurostim.device.profiles`, e.g. 0.1 mA steps); the
controller keeps its own continuous I, so errors smaller than a step still accumulate and the
delivered current dithers between neighbouring steps instead of stalling. The plant, the trace,
the charge and the battery see Q(I). ``quantise=False`` (:func:`loop_setup`) models an ideal
stimulator.

K the gain (``--gain``, per pulse; default ``data/loop.toml``), L = d log y / d log I the local
gain, L_0 its value at the target in the programming posture, ΔI the step limit. The linearised
error obeys e_{k+1} = (1 - K L_0 L/L_k) e_k: stable for 0 < K L_0 L/L_k < 2; with L_k = L the
scheduled loop gain is K L_0 everywhere (ECAP reference §4: K ∝ 1/L), so ``--gain`` must lie in
(0, 2/L_0). Two families:

- ``per-pulse`` (Evoke-like: an ECAP after every pulse [S Av21]): L_k from the stored growth
  curve of the programming posture, read at the measured ECAP (the current that gives y_k in
  that posture; [S Pat-TF] compensating transfer function, [S Pat-log] gain with setpoint).
- ``control-pulses`` (Inceptiv-like: the response sensed 50 times per second [S Ince]; control
  pulses interleaved with therapy [S MDT-cp]): the amplitude updates at the control rate only,
  L_k from the map at the current posture's dCSF (the posture-state signal of [S MDT-post]),
  and each control pulse delivers the therapy pulse's charge again (counted in the battery).

Limits: I_patient = the program's ``[patient] amplitude_max_ma`` (else the stimulator's
maximum), I_min = ``[patient] amplitude_min_ma`` (at least ``min_amplitude_ma``), I_compliance =
compliance voltage / the worst cathode's plus the worst anode's share × impedance
(:mod:`neurostim.device.safety`). Statuses per pulse: ``out_of_compliance`` (the controller asked
for more than the compliance current), ``controller_saturated`` (it asked past the patient
range), ``below_noise`` (ECAP under 3× the noise rms), else ``ok``.

Therapeutic window (ECAP reference §4 [S Av20]; patient-clinic.md §1.4): ECAPs between the ECAP
at the perception threshold (PT) and at the discomfort threshold PT × usage ratio (1.5), both in
the programming posture; PT defaults to the map's ECAP threshold (ECAP threshold tracks PT,
ECAP reference §1.3) and a patient's own PT or window replaces it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Program, battery_report
from neurostim.device.battery import (
    primary_longevity_years,
    recharge_minutes_per_day,
    stimulation_current_ua,
)
from neurostim.device.program import program_profile
from neurostim.device.safety import charge_per_phase_uc
from neurostim.ecap import _loop_kernel as kernel
from neurostim.ecap.maps import EcapMap, loop_parameters
from neurostim.ecap.posture import PostureSchedule
from neurostim.ecap.trace import LoopTrace
from neurostim.errors import InputError
from neurostim.units import MA_TO_A, S_PER_MIN

Mode = Literal["open", "closed"]
Controller = Literal["per-pulse", "control-pulses"]
MODES = ("open", "closed")
CONTROLLERS = ("per-pulse", "control-pulses")


def _value(section: str, key: str) -> float:
    return float(loop_parameters()[section][key]["value"])


@dataclass(frozen=True)
class LoopLimits:
    """Current limits and pulse parameters of a program for the loop (mA, µs, Hz)."""

    min_ma: float
    patient_max_ma: float
    compliance_max_ma: float
    amplitude_ma: float
    pulse_width_us: float
    rate_hz: float
    steps_ma: tuple[tuple[float, float, float], ...] = ()
    """The stimulator's amplitude range as segments (min, max, step) (mA): the values it can
    deliver (``min + k step`` up to ``max``; a step <= 0 is continuous); empty: any value."""

    @property
    def upper_ma(self) -> float:
        """The highest current the loop may ask for."""
        return min(self.patient_max_ma, self.compliance_max_ma)

    def deliverable_ma(self, current_ma: float) -> float:
        """The amplitude the stimulator delivers for ``current_ma``: the nearest value of its
        step grid within [``min_ma``, ``upper_ma``]."""
        a, b, c = self.segments()
        return float(kernel.deliverable(float(current_ma), a, b, c, self.min_ma, self.upper_ma))

    def segments(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """``steps_ma`` as three arrays (min, max, step), each (n_segments,)."""
        if not self.steps_ma:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        a, b, c = zip(*self.steps_ma, strict=True)
        return np.array(a, np.float64), np.array(b, np.float64), np.array(c, np.float64)


def loop_limits(program: Program) -> LoopLimits:
    """The limits of ``program`` (module docstring). InputError for a program the loop cannot
    drive: more than one train, or a train that is not tonic."""
    if len(program.trains) != 1:
        raise InputError(
            "trains",
            len(program.trains),
            "exactly one tonic train (a multiplexed program's other trains recruit the same "
            "fibers between the recorded pulses, which the loop's ECAP map does not hold); "
            "give one train per program",
        )
    train = program.trains[0]
    if train.waveform != "tonic":
        raise InputError(
            "trains[0].waveform", train.waveform,
            "tonic (the loop reads one ECAP after each pulse, and its maps hold a tonic train's "
            "single-pulse ECAP; burst and high-frequency trains are not modelled)",
        )  # fmt: skip
    profile = program_profile(program)
    patient = program.patient
    top = profile.amplitude_ma.maximum
    patient_max = (
        top
        if patient is None or patient.amplitude_max_ma is None
        else min(float(patient.amplitude_max_ma), top)
    )
    floor = _value("controller", "min_amplitude_ma")
    min_ma = max(floor, float(patient.amplitude_min_ma) if patient is not None else 0.0)
    if min_ma >= patient_max:
        raise InputError(
            "patient.amplitude_min_ma", min_ma, f"must be below the maximum {patient_max:g} mA"
        )
    worst = {True: 0.0, False: 0.0}
    for cid, share in train.contacts.items():
        z = float(program.impedance_ohm.get(cid, profile.default_impedance_ohm))
        worst[share < 0] = max(worst[share < 0], abs(share) / 100.0 * z)
    path_ohm = worst[True] + worst[False]
    compliance = profile.compliance_v / (path_ohm * MA_TO_A) if path_ohm > 0 else math.inf
    limits = LoopLimits(
        min_ma=min_ma,
        patient_max_ma=patient_max,
        compliance_max_ma=compliance,
        amplitude_ma=float(train.amplitude_ma),
        pulse_width_us=float(train.pulse_width_us),
        rate_hz=float(train.rate_hz),
        steps_ma=tuple((s.min, s.max, s.step) for s in profile.amplitude_ma.segments),
    )
    lowest = limits.deliverable_ma(min_ma)
    if not math.isfinite(lowest):
        raise InputError(
            "amplitude_ma", (min_ma, limits.upper_ma),
            f"a range the stimulator can deliver in ({profile.amplitude_ma.describe('mA')}, "
            f"profile {profile.id}): none of its amplitudes lies between the minimum and the "
            "patient or compliance maximum",
        )  # fmt: skip
    return limits


@dataclass(frozen=True)
class LoopSetup:
    """What a run needs besides the schedule: limits, target, window, gains (all checked)."""

    limits: LoopLimits
    reference_dcsf_mm: float
    target_uv: float
    window_uv: tuple[float, float]
    gain: float
    reference_local_gain: float
    noise_uv_rms: float
    step_limit_ma: float
    control_rate_hz: float
    quantise: bool = True
    """Deliver the stimulator's amplitudes only (its step grid); False: an ideal stimulator."""

    def delivered_ma(self, current_ma: float) -> float:
        """What a pulse asked for ``current_ma`` delivers (within the limits)."""
        lim = self.limits
        if not self.quantise:
            return min(max(float(current_ma), lim.min_ma), lim.upper_ma)
        return lim.deliverable_ma(current_ma)


def loop_setup(
    program: Program,
    schedule: PostureSchedule,
    ecap_map: EcapMap,
    *,
    target_uv: float | None = None,
    gain: float | None = None,
    perception_threshold_ma: float | None = None,
    usage_ratio: float | None = None,
    window_uv: tuple[float, float] | None = None,
    noise_uv_rms: float | None = None,
    step_limit_ma: float | None = None,
    control_rate_hz: float | None = None,
    quantise: bool = True,
) -> LoopSetup:
    """Check the inputs against each other and derive the target, window and reference gain.

    ``quantise`` (default): every pulse delivers one of the stimulator's amplitudes (the
    profile's step grid, nearest the controller's value within the limits); False models an
    ideal stimulator (for checks of the controller against its linear theory).

    Raises InputError (field, value, allowed range) for: a schedule whose dCSF leaves the map,
    a target below 3× the noise or above what the patient maximum reaches in the programming
    posture, a gain outside (0, 2/L_0), a non-positive noise, step or control rate.
    """
    limits = loop_limits(program)
    lo, hi = schedule.dcsf_range_mm()
    ecap_map.check_dcsf(lo, "posture.dcsf_mm")
    ecap_map.check_dcsf(hi, "posture.dcsf_mm")
    d_ref = schedule.programming_dcsf_mm
    noise = _value("recording", "noise_uv_rms") if noise_uv_rms is None else float(noise_uv_rms)
    step = _value("controller", "step_limit_ma") if step_limit_ma is None else float(step_limit_ma)
    rate = (
        _value("controller", "control_rate_hz")
        if control_rate_hz is None
        else float(control_rate_hz)
    )
    for name, v in (("noise_uv_rms", noise), ("step_limit_ma", step), ("control_rate_hz", rate)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(name, v, "must be a finite number > 0")
    floor_uv = _value("recording", "below_noise_factor") * noise
    probe = LoopSetup(limits, d_ref, 0.0, (0.0, 0.0), 0.0, 0.0, noise, step, rate, bool(quantise))
    top = probe.delivered_ma(limits.upper_ma)
    reach = float(ecap_map.ecap_at(d_ref, top))
    if target_uv is None:
        target = float(ecap_map.ecap_at(d_ref, probe.delivered_ma(limits.amplitude_ma)))
        field = "target_uv (the ECAP at the program's amplitude)"
    else:
        target, field = float(target_uv), "target_uv"
    if not (math.isfinite(target) and floor_uv <= target <= reach):
        raise InputError(
            field,
            round(target, 4),
            f"a target the loop can hold in the programming posture ({schedule.programming_posture}"
            f", dCSF {d_ref:g} mm): {floor_uv:.3g}-{reach:.3g} uV (3x the noise rms to the ECAP "
            f"at the highest current {top:.3g} mA)",
        )
    ratio = _value("window", "usage_ratio") if usage_ratio is None else float(usage_ratio)
    if window_uv is None:
        pt = (
            float(ecap_map.threshold_at(d_ref))
            if perception_threshold_ma is None
            else float(perception_threshold_ma)
        )
        if not (math.isfinite(pt) and pt > 0 and math.isfinite(ratio) and ratio > 1):
            raise InputError("perception_threshold_ma", (pt, ratio), "PT > 0 and usage ratio > 1")
        window = (
            float(ecap_map.ecap_at(d_ref, pt)),
            float(ecap_map.ecap_at(d_ref, pt * ratio)),
        )
    else:
        window = (float(window_uv[0]), float(window_uv[1]))
        if not (0 <= window[0] < window[1]):
            raise InputError("window_uv", window, "(low, high) with 0 <= low < high")
    i_target = ecap_map.current_for(d_ref, target)
    l_0 = float(ecap_map.local_gain(d_ref, i_target))
    k = _value("controller", "gain") if gain is None else float(gain)
    if not (math.isfinite(k) and 0 < k < 2.0 / l_0):
        raise InputError(
            "gain",
            k,
            f"must lie in (0, {2.0 / l_0:.3g}) per pulse: the loop gain K*L must stay in (0, 2) "
            f"and L = {l_0:.3g} at the target",
        )
    return LoopSetup(limits, d_ref, target, window, k, l_0, noise, step, rate, bool(quantise))


def _gain_table(ecap_map: EcapMap, setup: LoopSetup) -> tuple[Any, Any]:
    """log ECAP (increasing) and local gain along the programming posture's growth curve."""
    lim = setup.limits
    current = np.linspace(lim.min_ma, max(lim.upper_ma, lim.amplitude_ma), 256)
    y = ecap_map.ecap_at(setup.reference_dcsf_mm, current)
    gain = ecap_map.local_gain(setup.reference_dcsf_mm, current)
    keep = (y > 1e-9) & (np.diff(y, prepend=-np.inf) > 0)
    return np.log(y[keep]), gain[keep]


def run_loop(
    program: Program,
    schedule: PostureSchedule,
    ecap_map: EcapMap,
    *,
    mode: Mode = "closed",
    controller: Controller = "per-pulse",
    minutes: float | None = None,
    seed: int = 0,
    setup: LoopSetup | None = None,
    **setup_options: Any,
) -> LoopTrace:
    """Run the loop over the schedule (repeated when ``minutes`` is longer; default one pass).

    ``setup``: a :class:`LoopSetup` from :func:`loop_setup`; else one is made with
    ``setup_options`` (``target_uv``, ``gain``, ``perception_threshold_ma``, ...). The same
    ``seed`` gives the same noise in both modes.
    """
    if mode not in MODES:
        raise InputError("mode", mode, f"one of {', '.join(MODES)}")
    if controller not in CONTROLLERS:
        raise InputError("controller", controller, f"one of {', '.join(CONTROLLERS)}")
    s = setup if setup is not None else loop_setup(program, schedule, ecap_map, **setup_options)
    lim = s.limits
    max_pulses = int(_value("limits", "max_pulses"))
    minutes_run = schedule.duration_s / S_PER_MIN if minutes is None else float(minutes)
    top_minutes = max_pulses / lim.rate_hz / S_PER_MIN
    if not (math.isfinite(minutes_run) and 0 < minutes_run <= top_minutes):
        raise InputError("minutes", minutes_run, f"must lie in (0, {top_minutes:.6g}]")
    if not isinstance(seed, int) or seed < 0:
        raise InputError("seed", seed, "a whole number >= 0")
    start = time.perf_counter()
    n = max(1, round(minutes_run * S_PER_MIN * lim.rate_hz))
    t = np.arange(n) / lim.rate_hz
    d = schedule.dcsf_mm(t)
    posture = schedule.posture_index(t)
    rows, weights = ecap_map.bracket(d)
    p_rows, p_weights = ecap_map.bracket(schedule.posture_dcsf_mm[posture])
    noise = np.random.default_rng(seed).normal(0.0, s.noise_uv_rms, n)
    if controller == "control-pulses":
        tick = np.floor(np.arange(n) * (s.control_rate_hz / lim.rate_hz) + 1e-9)
        update = np.diff(tick, prepend=-1.0) > 0
        gain_mode = kernel.GAIN_POSTURE
    else:
        update = np.ones(n, np.bool_)
        gain_mode = kernel.GAIN_MEASURED
    log_y, gain_value = _gain_table(ecap_map, s)
    current, ecap, status = kernel.run_loop(
        ecap_map.amplitude_ma,
        ecap_map.ecap_uv,
        np.log(ecap_map.threshold_ma),
        rows,
        weights,
        p_rows,
        p_weights,
        noise,
        update,
        mode == "closed",
        gain_mode,
        log_y,
        gain_value,
        s.gain * s.reference_local_gain,
        _value("controller", "local_gain_min"),
        _value("controller", "local_gain_max"),
        math.log(s.target_uv),
        s.step_limit_ma,
        lim.amplitude_ma,
        lim.min_ma,
        lim.patient_max_ma,
        lim.compliance_max_ma,
        _value("recording", "below_noise_factor") * s.noise_uv_rms,
        0.5 * s.noise_uv_rms,
        *(lim.segments() if s.quantise else (np.zeros(0), np.zeros(0), np.zeros(0))),
    )
    charge: NDArray[np.float64] = np.asarray(
        charge_per_phase_uc(cast(float, current), lim.pulse_width_us), np.float64
    )
    in_window = (ecap >= s.window_uv[0]) & (ecap <= s.window_uv[1])
    runtime = time.perf_counter() - start
    closed = mode == "closed"
    control_charge = (
        float(charge[update].sum()) if closed and controller == "control-pulses" else 0.0
    )
    info: dict[str, Any] = {
        "runtime_s": runtime,
        "gain": s.gain if closed else None,
        "loop_gain": s.gain * s.reference_local_gain if closed else None,
        "minutes": minutes_run,
        "seed": seed,
        "program_amplitude_ma": lim.amplitude_ma,
        "limits_ma": {
            "min": lim.min_ma,
            "patient_max": lim.patient_max_ma,
            "compliance_max": lim.compliance_max_ma,
        },
        "noise_uv_rms": s.noise_uv_rms,
        "total_charge_uc": float(charge.sum()) + control_charge,
        "control_charge_uc": control_charge,
        "battery": battery_effect(program, charge, t[-1] + 1 / lim.rate_hz, control_charge),
        "schedule": schedule.name,
        "programming_posture": schedule.programming_posture,
        "map": {k: ecap_map.header.get(k, "") for k in ("growth", "program_key", "level")}
        | {"map_key": ecap_map.key},
    }
    return LoopTrace(
        time_s=t,
        posture_index=posture,
        postures=schedule.postures,
        dcsf_mm=d,
        amplitude_ma=current,
        charge_uc=charge,
        ecap_uv=ecap,
        in_window=in_window,
        status=status,
        mode=mode,
        controller=controller if closed else None,
        target_uv=s.target_uv,
        window_uv=s.window_uv,
        info=info,
    )


def battery_effect(
    program: Program, charge_uc: Any, duration_s: float, control_charge_uc: float = 0.0
) -> dict[str, Any]:
    """The loop's battery drain against the program's as written
    (:func:`neurostim.device.battery_report`; the drain is linear in the charge per pulse):
    ``average_current_ua``, ``programmed_average_current_ua``, ``change_percent`` and the
    battery figure of the profile (``recharge_minutes_per_day`` or ``longevity_years``)."""
    programmed = battery_report(program)
    train = program.trains[0]
    mean_charge = float(np.mean(charge_uc))
    q_programmed = charge_per_phase_uc(float(train.amplitude_ma), float(train.pulse_width_us))
    b = program_profile(program).battery
    cost = b.active_recharge_cost if train.recharge == "active" else 0.0
    stim = programmed.stimulation_current_ua * (mean_charge / q_programmed if q_programmed else 0)
    stim += stimulation_current_ua(
        control_charge_uc / duration_s, 1.0, program.duty_fraction, cost, b.supply_factor
    )
    average = stim + programmed.quiescent_ua + programmed.overhead_ua
    average = float(average)
    out: dict[str, Any] = {
        "average_current_ua": average,
        "programmed_average_current_ua": float(programmed.average_current_ua),
        "change_percent": 100.0 * (average / programmed.average_current_ua - 1.0),
    }
    if b.kind == "primary":
        out["longevity_years"] = float(primary_longevity_years(b.capacity_mah, average))
    else:
        assert b.charge_current_ma is not None
        out["recharge_minutes_per_day"] = float(
            recharge_minutes_per_day(average, b.charge_current_ma)
        )
    return out
