"""``neurostim program``: check and plot stimulation programs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from neurostim.cli._common import EXIT_INVALID, console, guarded, print_json
from neurostim.device import ProgramCheck, check_program, load_program
from neurostim.device.plotting import plot_waveform, waveform_for_plot
from neurostim.device.safety import DEFAULT_DENSITY_LIMIT_UC_PER_CM2, DEFAULT_SHANNON_K_LIMIT

app = typer.Typer(help="Check and plot stimulation programs (TOML).", no_args_is_help=True)


def _fmt(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def _print_check(result: ProgramCheck, path: Path) -> None:
    verdict = "[green]valid[/green]" if result.valid else "[red]invalid[/red]"
    console.print(f"{path}: {verdict} (stimulator {result.program.stimulator})")
    if result.errors:
        t = Table(title="Validation errors")
        t.add_column("field", no_wrap=True)
        t.add_column("problem")
        for e in result.errors:
            t.add_row(e.field, f"{e.value!r}: {e.message}")
        console.print(t)
        return
    assert result.safety is not None and result.battery is not None
    t = Table(title="Safety per contact")
    for col in ("train", "contact", "share %", "I (mA)", "Q (uC)", "D (uC/cm²)", "k"):
        t.add_column(col, justify="right")
    for c in result.safety.contacts:
        t.add_row(
            str(c.train),
            c.id,
            f"{c.share_percent:g}",
            _fmt(c.current_ma),
            _fmt(c.charge_per_phase_uc),
            _fmt(c.charge_density_uc_per_cm2),
            _fmt(c.shannon_k, ".2f"),
        )
    console.print(t)
    v = ", ".join(f"{x:.2f}" for x in result.safety.required_voltage_v)
    console.print(f"voltage needed: {v} V (compliance {result.safety.compliance_v:g} V)")
    b = result.battery
    t = Table(title=f"Battery ({b.kind})")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_row("duty", f"{b.duty:.3g}")
    t.add_row("average current", f"{b.average_current_ua:.1f} uA")
    if b.longevity_years is not None:
        t.add_row("longevity", f"{b.longevity_years:.1f} years")
    if b.recharge_minutes_per_day is not None:
        t.add_row("charging", f"{b.recharge_minutes_per_day:.1f} min/day")
        t.add_row("days between charges", _fmt(b.days_between_charges, ".1f"))
    console.print(t)
    if result.warnings:
        t = Table(title="Warnings")
        t.add_column("code", no_wrap=True)
        t.add_column("contact")
        t.add_column("message")
        for w in result.warnings:
            t.add_row(w.code, w.contact or "-", w.message)
        console.print(t)
    else:
        console.print("no warnings")


@app.command("check")
@guarded
def check_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    density_limit: float = typer.Option(
        DEFAULT_DENSITY_LIMIT_UC_PER_CM2, help="Charge-density warning limit (uC/cm²)."
    ),
    k_limit: float = typer.Option(DEFAULT_SHANNON_K_LIMIT, help="Shannon k warning limit."),
) -> None:
    """Validate a program against its stimulator; report safety and battery.

    Exit code 0: valid; 1: invalid (out of range, off step, polarity); 2: unreadable file,
    malformed TOML, unknown ids or wrong types.
    """
    result = check_program(file, density_limit_uc_per_cm2=density_limit, shannon_k_limit=k_limit)
    if json_out:
        print_json(result.to_dict())
    else:
        _print_check(result, file)
    if not result.valid:
        raise typer.Exit(EXIT_INVALID)


@app.command("plot")
@guarded
def plot_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    output: Path = typer.Option(Path("program.png"), "-o", "--output", help="Image to write."),
    cycles: int = typer.Option(3, help="Periods of the slowest train to draw."),
) -> None:
    """Draw the per-contact current waveform for a few cycles."""
    program = load_program(file)
    waveform = waveform_for_plot(program, cycles=cycles)
    path = plot_waveform(waveform, output, title=program.name or file.stem)
    console.print(f"wrote {path}")
