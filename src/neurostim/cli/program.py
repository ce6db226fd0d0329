"""``neurostim program``: check and plot stimulation programs.

Exit codes follow :mod:`neurostim.cli._common`: a malformed program (non-finite number, value
outside the file format's range, bad TOML, unknown id) exits 2 from both ``check`` and ``plot``
with one ``error:`` line; a well-formed program that its stimulator refuses exits 1 (``check``
prints the report, ``plot`` one ``error:`` line).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from neurostim.cli._common import (
    EXIT_INVALID,
    OneLineErrors,
    console,
    escape,
    fail,
    guarded,
    print_json,
)
from neurostim.device import ProgramCheck, check_program, load_program
from neurostim.device.plotting import (
    MAX_CYCLES,
    check_image_path,
    plot_waveform,
    waveform_for_plot,
)
from neurostim.device.safety import (
    DEFAULT_DENSITY_LIMIT_UC_PER_CM2,
    DEFAULT_SHANNON_K_LIMIT,
    check_warning_limits,
)

app = typer.Typer(help="Check and plot stimulation programs (TOML).", no_args_is_help=True)


def _fmt(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def _print_check(result: ProgramCheck, path: Path) -> None:
    verdict = "[green]valid[/green]" if result.valid else "[red]invalid[/red]"
    name = f' "{escape(result.program.name)}"' if result.program.name else ""
    console.print(
        f"{escape(path)}{name}: {verdict} (stimulator {escape(result.program.stimulator)})"
    )
    if result.errors:
        t = Table(title="Validation errors")
        t.add_column("field", no_wrap=True)
        t.add_column("problem")
        for e in result.errors:
            t.add_row(escape(e.field), escape(f"{e.value!r}: {e.message}"))
        console.print(t)
        return
    assert result.safety is not None and result.battery is not None
    bursts = any(c.burst_charge_uc is not None for c in result.safety.contacts)
    t = Table(title="Safety per contact")
    columns = ["train", "contact", "share %", "I (mA)", "Q (uC)", "D (uC/cm²)", "k"]
    for col in columns + (["Q burst (uC)"] if bursts else []):
        t.add_column(col, justify="right")
    for c in result.safety.contacts:
        cells = [
            str(c.train),
            escape(c.id),
            f"{c.share_percent:g}",
            _fmt(c.current_ma),
            _fmt(c.charge_per_phase_uc),
            _fmt(c.charge_density_uc_per_cm2),
            _fmt(c.shannon_k, ".2f"),
        ]
        t.add_row(*cells, *([_fmt(c.burst_charge_uc)] if bursts else []))
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
            t.add_row(escape(w.code), escape(w.contact or "-"), escape(w.message))
        console.print(t)
    else:
        console.print("no warnings")


@app.command("check", cls=OneLineErrors)
@guarded
def check_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    density_limit: float = typer.Option(
        DEFAULT_DENSITY_LIMIT_UC_PER_CM2,
        help="Charge-density warning limit (uC/cm², in (0, 1000]); also bounds a burst's charge.",
    ),
    k_limit: float = typer.Option(
        DEFAULT_SHANNON_K_LIMIT, help="Shannon k warning limit (in [-10, 10])."
    ),
) -> None:
    """Validate a program against its stimulator; report safety and battery.

    Exit code 0: valid; 1: refused by the stimulator (out of its range, off step, polarity);
    2: malformed (unreadable file, bad TOML, unknown ids, wrong types, non-finite numbers,
    values outside the file format's range, a bad warning limit).
    """
    check_warning_limits(density_limit, k_limit)
    result = check_program(file, density_limit_uc_per_cm2=density_limit, shannon_k_limit=k_limit)
    if result.malformed:
        first = result.malformed[0]
        n_more = len(result.errors) - 1
        more = f" ({n_more} more problem(s))" if n_more else ""
        raise fail(f"{first.field} = {first.value!r}: {first.message}{more}")
    if json_out:
        print_json(result.to_dict())
    else:
        _print_check(result, file)
    if not result.valid:
        raise typer.Exit(EXIT_INVALID)


@app.command("plot", cls=OneLineErrors)
@guarded
def plot_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    output: Path = typer.Option(
        Path("program.png"), "-o", "--output", help="Image to write (.png, .svg or .pdf)."
    ),
    cycles: int = typer.Option(3, help=f"Periods of the slowest train to draw (1..{MAX_CYCLES})."),
) -> None:
    """Draw the per-contact current waveform for a few cycles.

    Exit code 2 for a malformed program or a bad option, 1 for a program its stimulator refuses.
    """
    check_image_path(output, "--output")
    program = load_program(file)
    waveform = waveform_for_plot(program, cycles=cycles)
    path = plot_waveform(waveform, output, title=program.name or file.stem)
    console.print(f"wrote {escape(path)}")
