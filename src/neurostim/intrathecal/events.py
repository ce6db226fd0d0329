"""Event simulation of an implanted pump over days to months.

A fixed time step (default 15 min) advances the pump; events happen inside it:

* basal delivery by the program (flex by time of day), times ``accuracy_factor``;
* patient bolus requests, a Poisson process (seeded ``numpy.random.Generator``), each decided by
  :class:`~neurostim.intrathecal.bolus.BolusGate` (granted or refused: lockout, max per 24 h,
  reservoir); a granted bolus is delivered at ``dose / duration``;
* refills on the planned refill date (whole days after each fill): the earliest of the drug's
  stability for that fill (ziconotide first fill: 14 days), the reservoir empty and the refill
  residual, every allowed bolus taken; the ``REFILL`` event's ``reason`` names which (or
  ``scheduled`` with ``refill_every_days``): the nurse withdraws the
  residual (measured with Gaussian error, ``residual_sd_ml``), the pump's log gives the expected
  delivery, ``ratio = (V_fill - V_withdrawn) / expected`` is flagged outside 0.85-1.15; the lockout
  restarts after the refill;
* alarms when they would sound: ``LOW_RESERVOIR`` (V <= alarm volume), ``EMPTY_RESERVOIR``,
  ``ERI`` and ``END_OF_SERVICE`` (the pump stops) from the implant date;
* hazard ``CATHETER_PORT_INJECTION``: the chosen refill goes through the catheter access port,
  the whole refill dose enters the CSF at once and the reservoir stays empty;
* an MRI (``mri_at_day``) with drug in the reservoir triggers the pump's ``mri_hazard``:
  Prometra valves open and the reservoir empties into the CSF (``MRI_RESERVOIR_DUMP``; the
  catheter's content follows through the FIFO when flow resumes), the Prometra II Flow Activated
  Valve closes and delivery and boluses stop until it is reset (``FLOW_VALVE_CLOSED``), the
  SynchroMed motor stalls during the scan (``MOTOR_STALL``, representative);
* catheter faults (``catheter_fault``): occlusion (no flow; the reconciliation flags it) or
  disconnection (the reservoir drains, nothing reaches the CSF); neither sounds an alarm;
* reprogramming (``program_changes``: same pump, drug, concentration) changes the doses,
  restarts the bolus lockout and moves the next refill like
  :func:`~neurostim.intrathecal.refill_date_after_change`, with the pump's own reservoir
  estimate (fill minus logged delivery);
* the fluid path (pump dead volume + catheter) is a FIFO: drug leaves the tip only after the
  fluid ahead of it (saline when not primed).

The reservoir is clamped so it never goes negative (property test
``tests/properties/test_pump_reservoir.py``); delivery that the reservoir cannot supply is not
delivered and the ``EMPTY_RESERVOIR`` alarm says so.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim._files import write_text
from neurostim.errors import InputError
from neurostim.intrathecal import calculations as calc
from neurostim.intrathecal._event_steps import (
    PumpEvent,
    SimulationOptions,
    apply_mri,
    fluid_path_output,
    interval_h,
    poisson_times,
    refill,
    validate_options,
)
from neurostim.intrathecal._summary import alarm_ml, refill_residual_ml, stability_days
from neurostim.intrathecal.bolus import BolusGate
from neurostim.intrathecal.drugs import Drug, DrugLibrary, shipped_drug_library
from neurostim.intrathecal.effect import effect_over_time
from neurostim.intrathecal.pharmacokinetics import UNIT_TO_NG, csf_concentration_ng_per_ml, get_pk
from neurostim.intrathecal.program import PumpProgram, in_date_range
from neurostim.intrathecal.pumps import get_pump
from neurostim.units import HOURS_PER_DAY, MIN_PER_HOUR


@dataclass
class PumpSimulation:
    """Time series (one value per step, at the step's end) and events of a simulated pump.

    Arrays have shape ``(n_steps,)``. Doses are in the drug unit per step; concentrations and
    effects are NaN when the drug has no CSF model (``pk_status`` says so).
    """

    time_h: NDArray[np.float64]
    reservoir_ml: NDArray[np.float64]
    delivered_ml: NDArray[np.float64]
    basal_dose: NDArray[np.float64]
    bolus_dose: NDArray[np.float64]
    tip_dose: NDArray[np.float64]
    csf_concentration_ng_per_ml: NDArray[np.float64]
    steady_state_ng_per_ml: float
    effects: dict[str, NDArray[np.float64]]
    events: list[PumpEvent]
    unit: str
    drug: str
    pk_status: str
    start_date: dt.date
    low_reservoir_alarm_ml: float = math.nan

    def events_of(self, kind: str) -> list[PumpEvent]:
        """Events of one kind, in time order."""
        return [e for e in self.events if e.kind == kind]

    def to_csv(self, path: str) -> None:
        """Write the time series as CSV (one row per step)."""
        cols = {
            "time_h": self.time_h,
            "reservoir_ml": self.reservoir_ml,
            "delivered_ml": self.delivered_ml,
            f"basal_dose_{self.unit}": self.basal_dose,
            f"bolus_dose_{self.unit}": self.bolus_dose,
            f"tip_dose_{self.unit}": self.tip_dose,
            "csf_concentration_ng_per_ml": self.csf_concentration_ng_per_ml,
            **{f"effect_{k}": v for k, v in self.effects.items()},
        }
        data = np.column_stack(list(cols.values()))
        buf = io.StringIO()
        np.savetxt(buf, data, delimiter=",", header=",".join(cols), comments="", fmt="%.6g")
        write_text(path, buf.getvalue(), field="output")


def simulate_pump(
    program: PumpProgram, options: SimulationOptions, library: DrugLibrary | None = None
) -> PumpSimulation:
    """Run ``program`` for ``options.days`` (see the module docstring)."""
    lib = shipped_drug_library() if library is None else library
    if program.drug not in lib:
        raise InputError("drug", program.drug, f"unknown drug; choose one of {sorted(lib)}")
    pump, drug = get_pump(program.pump), lib[program.drug]
    n = validate_options(options)
    conc, dt_h = program.concentration, options.dt_h
    start = options.start_date or program.fill_date or dt.date.today()
    in_date_range("start_date", start)
    rng = np.random.default_rng(options.seed)
    requests = poisson_times(rng, options.bolus_requests_per_day, n * dt_h)
    lra, residual = alarm_ml(program, pump), refill_residual_ml(program, pump)
    later_conc = options.refill_concentration or conc
    worst_ml = calc.daily_volume_ml(program.worst_case_dose_per_day(), conc)
    later_worst_ml = calc.daily_volume_ml(program.worst_case_dose_per_day(), later_conc)
    first_reason: str | None
    later_reason: str | None
    if options.refill_every_days is not None:
        first_days = later_days = options.refill_every_days
        first_reason = later_reason = "scheduled"
    else:  # the earliest of drug stability, empty and the refill residual (check's refill date)
        later_program = program.model_copy(update={"first_fill": False})
        first_days, first_reason = _due(program.fill_ml, residual, worst_ml, program, drug)
        later_days, later_reason = _due(
            program.fill_ml, residual, later_worst_ml, later_program, drug
        )
    refill_every_h = interval_h(later_days)
    changes = _checked_changes(program, options)
    pb = program.patient_bolus
    gate = _gate(program, 0.0)
    bolus_ml = pb.dose / conc if pb else 0.0
    bolus_ml_per_h = bolus_ml / (pb.duration_min / MIN_PER_HOUR) if pb else 0.0
    last_fill_h, change_i, initial_first_fill = 0.0, 0, program.first_fill
    initial_path_conc = conc if options.primed else 0.0
    conc_in = np.empty(n)
    eri_h = eos_h = math.inf
    if program.implant_date is not None:
        plan = calc.battery_plan(
            program.implant_date, pump.battery_life_years, pump.eri_to_eos_days
        )
        eri_h = (plan.eri_date - start).days * 24.0
        eos_h = (plan.eos_date - start).days * 24.0

    events: list[PumpEvent] = []
    fault_h = math.inf
    if options.catheter_fault is not None:
        fault_h = options.catheter_fault_at_day * HOURS_PER_DAY
        kind = "CATHETER_" + options.catheter_fault.upper()
        events.append(PumpEvent(fault_h, kind, {"alarm": False}))
    reservoir = np.empty(n)
    delivered = np.zeros(n)
    basal = np.zeros(n)
    bolus = np.zeros(n)
    direct_dose = np.zeros(n)
    v = program.fill_ml
    last_fill_ml, logged_ml = program.fill_ml, 0.0
    pending_ml, pending_rate = 0.0, 0.0
    if program.mode == "single-bolus" and program.single_bolus is not None:
        pending_ml = program.single_bolus.dose / conc
        pending_rate = pending_ml / (program.single_bolus.duration_min / MIN_PER_HOUR)
    low_alarmed = empty_alarmed = False
    mri_h = math.inf if options.mri_at_day is None else options.mri_at_day * HOURS_PER_DAY
    paused_until_h = -math.inf
    next_refill_h, n_refills, req_i = interval_h(first_days), 0, 0
    next_reason = first_reason
    for i in range(n):
        t0, t1 = i * dt_h, (i + 1) * dt_h
        if t0 <= eri_h < t1:
            events.append(PumpEvent(eri_h, "ERI", {"eos_in_days": pump.eri_to_eos_days}))
        if t0 <= eos_h < t1:
            events.append(PumpEvent(eos_h, "END_OF_SERVICE", {}))
        if t0 <= mri_h < t1:
            paused_until_h = apply_mri(
                events, mri_h, v, conc, pump, program, options, direct_dose, i
            )
            if pump.mri_hazard == "dump" and v > 0:
                v = 0.0
        while change_i < len(changes) and changes[change_i][0] < t1:
            t_change, new = changes[change_i]
            if not math.isclose(new.concentration, conc):
                raise InputError(
                    f"program_changes[{change_i}].concentration",
                    new.concentration,
                    f"must equal the reservoir's {conc:g} at day {t_change / 24:g}; a new "
                    "concentration needs a refill (refill_concentration)",
                )
            old_basal, program = program.basal_dose_per_day(), new
            pb, gate = program.patient_bolus, _gate(program, t_change)
            bolus_ml = pb.dose / conc if pb else 0.0
            bolus_ml_per_h = bolus_ml / (pb.duration_min / MIN_PER_HOUR) if pb else 0.0
            lra, residual = alarm_ml(program, pump), refill_residual_ml(program, pump)
            new_worst = calc.daily_volume_ml(program.worst_case_dose_per_day(), conc)
            if options.refill_every_days is None:
                estimate_ml = last_fill_ml - logged_ml  # what the programmer shows
                elapsed_d = (t_change - last_fill_h) / HOURS_PER_DAY
                in_first_fill = initial_first_fill and n_refills == 0
                stable_now = stability_days(
                    program.model_copy(update={"first_fill": in_first_fill}), drug
                )
                due_d, next_reason = calc.earliest_refill_days(
                    stable_now,
                    elapsed_d + calc.days_until_volume(estimate_ml, residual, new_worst),
                    elapsed_d + calc.days_until_volume(estimate_ml, 0.0, new_worst),
                )
                next_refill_h = last_fill_h + interval_h(due_d)
                later_days, later_reason = _due(
                    program.fill_ml,
                    residual,
                    new_worst,
                    program.model_copy(update={"first_fill": False}),
                    drug,
                )
                refill_every_h = interval_h(later_days)
            events.append(
                PumpEvent(
                    t_change,
                    "PROGRAM_CHANGE",
                    {
                        "old_dose_per_day": old_basal,
                        "new_dose_per_day": program.basal_dose_per_day(),
                        "next_refill_day": next_refill_h / HOURS_PER_DAY,
                    },
                )
            )
            change_i += 1
        running = t0 < eos_h and t0 >= paused_until_h
        while req_i < len(requests) and requests[req_i] < t1:
            t_req = requests[req_i]
            if running:
                decision: str = gate.request(t_req, bolus_ml, v - pending_ml)
            else:
                decision = "disabled" if t0 >= eos_h else "paused"
            events.append(PumpEvent(t_req, "BOLUS_REQUEST", {"decision": decision}))
            if decision == "granted":
                pending_ml, pending_rate = pending_ml + bolus_ml, bolus_ml_per_h
            req_i += 1
        hour = (t0 % HOURS_PER_DAY) + dt_h / 2
        want_basal = program.dose_per_hour_at(hour) / conc * dt_h if running else 0.0
        want_bolus = min(pending_ml, pending_rate * dt_h) if running else 0.0
        pending_ml -= want_bolus
        want = (want_basal + want_bolus) * options.accuracy_factor
        logged_ml += want_basal + want_bolus
        got = (
            0.0
            if t0 >= fault_h and options.catheter_fault == "occlusion"
            else min(want, max(v, 0.0))
        )
        v -= got
        delivered[i] = got
        share = got / want if want > 0 else 0.0
        basal[i] = want_basal * options.accuracy_factor * share * conc
        bolus[i] = want_bolus * options.accuracy_factor * share * conc
        conc_in[i] = conc  # concentration of the fluid that left the reservoir in this step
        if t0 < next_refill_h <= t1:  # refills close the step they fall in
            port_error = options.catheter_port_error_at_refill == n_refills
            conc = later_conc
            v, last_fill_ml, logged_ml = refill(
                events,
                next_refill_h,
                v,
                last_fill_ml,
                logged_ml,
                program,
                options,
                rng,
                port_error,
                conc,
                next_reason,
            )
            if pb is not None:
                bolus_ml = pb.dose / conc
                bolus_ml_per_h = bolus_ml / (pb.duration_min / MIN_PER_HOUR)
            if port_error:
                direct_dose[i] += program.fill_ml * conc
            gate.reprogram(next_refill_h)
            last_fill_h = next_refill_h
            low_alarmed = empty_alarmed = False
            n_refills += 1
            next_refill_h += refill_every_h
            next_reason = later_reason
        reservoir[i] = v
        if not low_alarmed and v <= lra + 1e-9:  # tolerate float accumulation
            events.append(PumpEvent(t1, "LOW_RESERVOIR", {"reservoir_ml": round(v, 4)}))
            low_alarmed = True
        if not empty_alarmed and want > 0 and v <= 1e-9:  # empty at the end of this step
            events.append(PumpEvent(t1, "EMPTY_RESERVOIR", {"undelivered_ml": want - got}))
            empty_alarmed = True
    time_h = (np.arange(n, dtype=np.float64) + 1.0) * dt_h
    tip = fluid_path_output(delivered, conc_in, initial_path_conc, pump, options)
    tip[time_h > fault_h] = 0.0  # nothing reaches the CSF past a blocked or open catheter
    tip += direct_dose
    shift = options.tolerance_max_shift if drug.opioid else 0.0
    sim = _with_pk(
        program,
        drug.unit,
        time_h,
        reservoir,
        delivered,
        basal,
        bolus,
        tip,
        events,
        start,
        dt_h,
        (shift, options.tolerance_tau_days),
    )
    sim.low_reservoir_alarm_ml = lra
    return sim


def _due(
    fill_ml: float, residual_ml: float, worst_ml_per_day: float, program: PumpProgram, drug: Drug
) -> tuple[float, str | None]:
    """Days from a fill to its planned refill and the reason (stability, empty or alarm)."""
    return calc.earliest_refill_days(
        stability_days(program, drug),
        calc.days_until_volume(fill_ml, residual_ml, worst_ml_per_day),
        calc.days_until_volume(fill_ml, 0.0, worst_ml_per_day),
    )


def _gate(program: PumpProgram, programmed_h: float) -> BolusGate:
    """A bolus gate for ``program``, its lockout running from ``programmed_h``."""
    pb = program.patient_bolus
    return BolusGate(
        lockout_h=(pb.lockout_h or 0.0) if pb else 0.0,
        max_per_24h=pb.max_per_24h if pb else 0,
        enabled=pb is not None,
        last_programming_h=programmed_h,
    )


def _checked_changes(
    program: PumpProgram, options: SimulationOptions
) -> list[tuple[float, PumpProgram]]:
    """Program changes in hours, checked: increasing days > 0, same pump and drug."""
    out = []
    previous_h = 0.0
    for k, (day, new) in enumerate(options.program_changes):
        t_h = day * HOURS_PER_DAY
        if not t_h > previous_h:
            raise InputError(f"program_changes[{k}].day", day, "must be > 0 and increasing")
        if (new.pump, new.drug) != (program.pump, program.drug):
            raise InputError(
                f"program_changes[{k}]",
                f"{new.pump}/{new.drug}",
                f"must keep pump {program.pump} and drug {program.drug}",
            )
        out.append((t_h, new))
        previous_h = t_h
    return out


def _with_pk(
    program: PumpProgram,
    unit: str,
    time_h: NDArray[np.float64],
    reservoir: NDArray[np.float64],
    delivered: NDArray[np.float64],
    basal: NDArray[np.float64],
    bolus: NDArray[np.float64],
    tip: NDArray[np.float64],
    events: list[PumpEvent],
    start: dt.date,
    dt_h: float,
    tolerance: tuple[float, float] = (0.0, 30.0),
) -> PumpSimulation:
    pk = get_pk(program.drug)
    effects: dict[str, NDArray[np.float64]] = {}
    if pk is None:
        conc = np.full_like(time_h, np.nan)
        css, status = math.nan, "not parameterised: no CSF clearance in the sources (dose only)"
    else:
        rate_ng_per_h = tip * UNIT_TO_NG[unit] / dt_h
        conc = csf_concentration_ng_per_ml(rate_ng_per_h, dt_h, pk)
        css = program.basal_dose_per_day() * UNIT_TO_NG[unit] / 24.0 / pk.clearance_ml_per_h
        status = "ok"
        mean_conc = np.concatenate([[0.0], conc[:-1]]) * 0.5 + conc * 0.5
        for name, params in pk.effect.items():
            effects[name] = effect_over_time(
                mean_conc, dt_h, params, tolerance[0], tolerance[1] * HOURS_PER_DAY
            )
    events.sort(key=lambda e: e.time_h)
    return PumpSimulation(
        time_h,
        reservoir,
        delivered,
        basal,
        bolus,
        tip,
        conc,
        css,
        effects,
        events,
        unit,
        program.drug,
        status,
        start,
    )
