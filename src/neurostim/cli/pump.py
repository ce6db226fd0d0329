"""``neurostim pump``: intrathecal pump programs: check and simulate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import typer
from rich.markup import escape
from rich.table import Table

from neurostim.cli._common import EXIT_INVALID, console, fail, guarded, print_json, report_written
from neurostim.errors import InputError
from neurostim.intrathecal import (
    CheckReport,
    SimulationOptions,
    check_program,
    load_drug_library,
    load_program,
    simulate_pump,
)
from neurostim.intrathecal._event_steps import outside_published_accuracy, validate_options
from neurostim.intrathecal.drugs import DrugLibrary, shipped_drug_library
from neurostim.intrathecal.pharmacokinetics import get_pk
from neurostim.intrathecal.plotting import check_plot_path, plot_simulation
from neurostim.intrathecal.program import in_date_range
from neurostim.intrathecal.pumps import get_pump

app = typer.Typer(help="Intrathecal pump programs: check and simulate.", no_args_is_help=True)

_START_HELP = (
    "Fill date the refill arithmetic starts from (YYYY-MM-DD); default the program's "
    "fill_date, else today."
)


_OPTION_NAMES = {
    "start_date": "--start-date",
    "days": "--days",
    "dt_h": "--dt-h",
    "accuracy_factor": "--accuracy",
    "bolus_requests_per_day": "--bolus-requests-per-day",
    "seed": "--seed",
    "mri_at_day": "--mri-at-day",
    "catheter_fault_at_day": "--catheter-fault-day",
    "catheter_port_error_at_refill": "--catheter-port-error-at-refill",
    "refill_concentration": "--refill-concentration",
}
"""Simulation option fields and the command-line options that set them."""


@contextmanager
def _named_as_options() -> Iterator[None]:
    """Re-raise an ``InputError`` about a simulation option under its command-line name."""
    try:
        yield
    except InputError as exc:
        name = _OPTION_NAMES.get(exc.field)
        if name is None and re.fullmatch(r"program_changes\[\d+\]\.day", exc.field):
            name = "--change"
        if name is None:
            raise
        raise InputError(name, exc.value, exc.message) from None


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("--start-date", value, "must be a date YYYY-MM-DD") from None
    return in_date_range("--start-date", date)


def _library(path: Path | None) -> DrugLibrary:
    return shipped_drug_library() if path is None else load_drug_library(path)


def _print_report(report: CheckReport, file: Path) -> None:
    s = report.summary
    unit = s["unit"]
    title = f"{file.name}: {s['drug']} in {s['pump']} ({s['mode']})"
    table = Table(title=escape(title))
    table.add_column("quantity")
    table.add_column("value", justify="right")
    stability = (
        "none in the drug library"
        if s["stability_days"] is None
        else f"{s['stability_days']:g} days ({s['stability_fill']} fill, "
        f"{'diluted' if s['stability_diluted'] else 'undiluted'})"
    )
    rows = [
        ("basal dose", f"{s['daily_dose']:g} {unit}/day"),
        ("worst-case dose (all boluses)", f"{s['max_daily_dose']:g} {unit}/day"),
        (
            "drug maximum (hard limit)",
            "none set"
            if s["drug_max_daily_dose"] is None
            else f"{s['drug_max_daily_dose']:g} {unit}/day",
        ),
        ("basal volume", f"{s['daily_volume_ml']:.4g} mL/day"),
        ("worst-case volume", f"{s['worst_case_daily_volume_ml']:.4g} mL/day"),
        ("low-reservoir alarm at", f"{s['low_reservoir_alarm_ml']:g} mL"),
        ("days to alarm (worst case)", str(s["days_to_low_reservoir_alarm"])),
        ("days to empty (basal)", str(s["days_to_empty"])),
        ("drug stability in the pump", stability),
        ("fill date", s["start_date"]),
        (
            f"reservoir at {s['refill_residual_ml']:g} mL (worst case)",
            str(s["reservoir_refill_date"]),
        ),
        ("reservoir empty (worst case)", str(s["empty_date"])),
        ("refill date (earliest)", f"{s['refill_date']} ({s['refill_reason']})"),
    ]
    for key, label in (
        ("priming_volume_ml", "priming volume (mL)"),
        ("drug_front_delay_days_without_priming", "drug at tip without priming (days)"),
        ("eri_date", "battery ERI"),
        ("eos_date", "battery end of service"),
        ("stability_refill_date", "refill by (drug stability)"),
        ("mri_rule", "MRI"),
        ("drug_confidence", "drug data confidence"),
    ):
        if key in s:
            rows.append((label, str(s[key])))
    for label, value in rows:
        table.add_row(escape(label), escape(value))
    console.print(table)
    for f in report.findings:
        style = "bold red" if f.severity == "error" else "yellow"
        console.print(
            f"[{style}]{f.severity}[/] {escape(f.code)} [dim]({escape(f.field)})[/]: "
            f"{escape(f.message)}"
        )
    verdict = "[bold green]VALID[/]" if report.valid else "[bold red]REFUSED[/]"
    console.print(f"{verdict}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")


def _fault(value: str | None) -> Literal["occlusion", "disconnection"] | None:
    if value is None:
        return None
    if value == "occlusion":
        return "occlusion"
    if value == "disconnection":
        return "disconnection"
    raise InputError("--catheter-fault", value, "choose occlusion or disconnection")


def _change_days(specs: list[str]) -> tuple[tuple[float, Any], ...]:
    """The days of ``DAY:FILE`` options (programs are read after the days are checked)."""
    out = []
    for spec in specs:
        day_text, sep, path = spec.partition(":")
        try:
            day = float(day_text)
        except ValueError:
            day = math.nan
        if not sep or not path or math.isnan(day):
            raise InputError("--change", spec, "must be DAY:FILE, e.g. 14:new_program.toml")
        out.append((day, None))
    return tuple(out)


def _with_change_programs(
    opts: SimulationOptions, specs: list[str], lib: DrugLibrary, start: dt.date | None
) -> SimulationOptions:
    """``opts`` with the ``--change`` programs read; each is checked and must be valid (a
    refused one exits 1, as a refused program does)."""
    changes = []
    for (day, _), spec in zip(opts.program_changes, specs, strict=True):
        program = load_program(Path(spec.partition(":")[2]), lib)
        report = check_program(program, library=lib, start_date=start)
        if not report.valid:  # a well-formed program that breaks a limit: exit 1
            first = report.errors[0]
            raise fail(
                f"--change = {spec!r}: program refused: {first.field}: {first.message}",
                EXIT_INVALID,
            )
        changes.append((day, program))
    return dataclasses.replace(opts, program_changes=tuple(changes))


@app.command("check")
@guarded
def check(
    file: Path = typer.Argument(..., help="Pump program TOML."),
    previous: Path | None = typer.Option(
        None, "--previous", help="The program it replaces (titration check)."
    ),
    start_date: str | None = typer.Option(None, "--start-date", help=_START_HELP),
    drug_library: Path | None = typer.Option(
        None, "--drug-library", help="User drug TOML merged over the shipped library."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Validate a pump program (all errors at once) and compute volumes and the refill date.

    Exit 0 when valid, 1 when refused, 2 for a malformed file or unknown id.
    """
    lib = _library(drug_library)
    program = load_program(file, lib)
    old = load_program(previous, lib) if previous is not None else None
    report = check_program(program, old, lib, _date(start_date))
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report, file)
    if not report.valid:
        raise typer.Exit(EXIT_INVALID)


@app.command("simulate")
@guarded
def simulate(
    file: Path = typer.Argument(..., help="Pump program TOML."),
    days: float = typer.Option(180.0, "--days", help="Days to simulate."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Time series CSV."),
    plot: Path | None = typer.Option(None, "--plot", help="Figure (PNG, SVG or PDF)."),
    start_date: str | None = typer.Option(None, "--start-date", help=_START_HELP),
    dt_h: float = typer.Option(0.25, "--dt-h", help="Time step (h), at most 1."),
    bolus_requests_per_day: float = typer.Option(
        0.0, "--bolus-requests-per-day", help="Mean patient bolus requests per day (Poisson)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (bolus requests, residual error)."),
    accuracy: float = typer.Option(1.0, "--accuracy", help="Delivered / programmed volume."),
    unprimed: bool = typer.Option(False, "--unprimed", help="Catheter starts full of saline."),
    port_error_at_refill: int | None = typer.Option(
        None, "--catheter-port-error-at-refill", help="Hazard: refill K (0 = first) into the CAP."
    ),
    mri_at_day: float | None = typer.Option(
        None, "--mri-at-day", help="An MRI scan on this day (the pump's MRI hazard)."
    ),
    refill_concentration: float | None = typer.Option(
        None,
        "--refill-concentration",
        help="Refill with this concentration (same doses, new rate); old drug flushes first.",
    ),
    catheter_fault: str | None = typer.Option(
        None, "--catheter-fault", help="occlusion | disconnection (no alarm sounds)."
    ),
    catheter_fault_day: float = typer.Option(0.0, "--catheter-fault-day", help="Day of the fault."),
    change: list[str] | None = typer.Option(
        None,
        "--change",
        help="DAY:FILE reprograms the pump that day (repeatable; same pump, drug, concentration).",
    ),
    allow_invalid: bool = typer.Option(
        False, "--allow-invalid", help="Simulate a refused program (to study the hazard)."
    ),
    drug_library: Path | None = typer.Option(None, "--drug-library", help="User drug TOML."),
    as_json: bool = typer.Option(False, "--json", help="Print the event summary as JSON."),
) -> None:
    """Run the pump for months: refills, boluses, alarms, CSF concentration and effect.

    Exit 0 when simulated, 1 when the program (or its refill) is refused, 2 for a malformed
    file, an unknown id or an option outside its range.
    """
    lib = _library(drug_library)
    program = load_program(file, lib)
    start = _date(start_date)
    if plot is not None:
        check_plot_path(plot, "--plot")
    for option, out in (("--output", output), ("--plot", plot)):
        if out is not None and not out.parent.is_dir():
            raise InputError(option, str(out), "the folder to write in does not exist")
    with _named_as_options():
        opts = SimulationOptions(
            days=days,
            dt_h=dt_h,
            bolus_requests_per_day=bolus_requests_per_day,
            seed=seed,
            accuracy_factor=accuracy,
            primed=not unprimed,
            catheter_port_error_at_refill=port_error_at_refill,
            mri_at_day=mri_at_day,
            refill_concentration=refill_concentration,
            program_changes=_change_days(change or []),
            catheter_fault=_fault(catheter_fault),
            catheter_fault_at_day=catheter_fault_day,
            start_date=start,
        )
        validate_options(opts)
    opts = _with_change_programs(opts, change or [], lib, start)
    report = check_program(program, library=lib, start_date=start)
    if not report.valid and not allow_invalid:
        first = report.errors[0]
        raise fail(
            f"program refused ({len(report.errors)} error(s)), first: {first.field}: "
            f"{first.message}; run `neurostim pump check` or pass --allow-invalid",
            EXIT_INVALID,
        )
    if refill_concentration is not None and not allow_invalid:
        refilled = program.model_copy(update={"concentration": refill_concentration})
        refill_report = check_program(refilled, library=lib, start_date=start)
        if not refill_report.valid:
            first = refill_report.errors[0]
            raise fail(
                f"--refill-concentration = {refill_concentration:g}: the refilled program is "
                f"refused, {first.field}: {first.message}; pass --allow-invalid to study it",
                EXIT_INVALID,
            )
    with _named_as_options():
        sim = simulate_pump(program, opts, lib)
    pump = get_pump(program.pump)
    if outside_published_accuracy(accuracy, pump.flow_accuracy_fraction):
        typer.echo(
            f"note: --accuracy = {accuracy:g} is outside {pump.id}'s published flow accuracy "
            f"1 +/- {pump.flow_accuracy_fraction:g}: a hazard study",
            err=True,
        )
    if port_error_at_refill is not None and not sim.events_of("CATHETER_PORT_INJECTION"):
        typer.echo(
            f"note: --catheter-port-error-at-refill = {port_error_at_refill} was not reached: "
            f"{len(sim.events_of('REFILL'))} refill(s) in {days:g} days",
            err=True,
        )
    if output is not None:
        sim.to_csv(str(output))
    if plot is not None:
        title = (
            f"{file.name}: {program.drug} {program.concentration:g} {sim.unit}/mL, "
            f"{program.mode}, {program.basal_dose_per_day():g} {sim.unit}/day basal"
        )
        if opts.program_changes:
            last = opts.program_changes[-1][1].basal_dose_per_day()
            title += f" -> {len(opts.program_changes)} change(s), last {last:g} {sim.unit}/day"
        plot_simulation(sim, plot, title)
    summary = _simulation_summary(sim, report, days, output, plot)
    if as_json:
        print_json(summary)
        return
    table = Table(title=escape(f"{file.name}: {days:g} days"))
    table.add_column("event")
    table.add_column("count / detail", justify="right")
    for kind, count in sorted(summary["events"].items()):
        table.add_row(escape(kind), str(count))
    for decision, count in sorted(summary["bolus_decisions"].items()):
        table.add_row(escape(f"  bolus {decision}"), str(count))
    table.add_row("refills outside 0.85-1.15", str(summary["refills_flagged"]))
    table.add_row("delivered volume", f"{summary['delivered_ml']:g} mL")
    table.add_row(
        "first refill (planned)", escape(f"{summary['refill_date']} ({summary['refill_reason']})")
    )
    for r in summary["refills"][:5]:
        table.add_row(escape(f"  refill day {r['day']:g}"), escape(f"{r['date']} ({r['reason']})"))
    table.add_row("CSF model", escape(sim.pk_status))
    console.print(table)
    report_written(output, plot)


def _simulation_summary(
    sim: Any, report: CheckReport, days: float, output: Path | None, plot: Path | None
) -> dict[str, Any]:
    """The ``--json`` summary of a simulation (keys are a public contract: extend only)."""
    kinds = Counter(e.kind for e in sim.events)
    decisions = Counter(e.detail["decision"] for e in sim.events_of("BOLUS_REQUEST"))
    flagged = [e for e in sim.events_of("REFILL") if e.detail.get("flagged")]
    pk = get_pk(sim.drug)
    return {
        "days": days,
        "events": dict(kinds),
        "bolus_decisions": dict(decisions),
        "refills_flagged": len(flagged),
        "delivered_ml": round(float(sim.delivered_ml.sum()), 6),
        "steady_state_ng_per_ml": None
        if math.isnan(sim.steady_state_ng_per_ml)
        else sim.steady_state_ng_per_ml,
        "pk_status": sim.pk_status,
        "pk_confidence": None if pk is None else pk.confidence,
        "pk_source": None if pk is None else pk.source,
        "effect_sources": {} if pk is None else {k: e.source for k, e in pk.effect.items()},
        "alarms": [
            {"day": round(e.time_h / 24, 3), "kind": e.kind}
            for e in sim.events
            if e.kind in {"LOW_RESERVOIR", "EMPTY_RESERVOIR", "ERI", "END_OF_SERVICE"}
        ],
        "refill_date": report.summary["refill_date"],
        "refill_reason": report.summary["refill_reason"],
        "refills": [
            {
                "day": round(e.time_h / 24, 3),
                "date": (sim.start_date + dt.timedelta(hours=e.time_h)).isoformat(),
                "reason": e.detail.get("reason"),
            }
            for e in sim.events_of("REFILL")
        ],
        "csv": str(output) if output else None,
        "plot": str(plot) if plot else None,
    }
