"""``neurostim ecap``: evoked compound action potentials on the stimulating lead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from neurostim._files import IMAGE_SUFFIXES, check_output_path
from neurostim.cli import ecap_loop
from neurostim.cli._common import (
    EXIT_INVALID,
    OneLineErrors,
    console,
    err_console,
    fail,
    guarded,
    print_json,
    show,
    write_csv,
)
from neurostim.errors import InputError

app = typer.Typer(
    help="ECAP growth curves, rate responses and the closed loop.", no_args_is_help=True
)
ecap_loop.register(app)

GROWTH_COLUMNS = ("amplitude_ma", "ecap_uv", "neural_uv", "recruited", "status")


def _fmt(x: Any, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def _numbers(field: str, text: str | None) -> list[float] | None:
    if text is None:
        return None
    out = []
    for part in text.split(","):
        try:
            out.append(float(part))
        except ValueError:
            raise InputError(field, part, "comma-separated numbers, e.g. 0,1,2.5") from None
    return out


def _program(file: Path) -> Any:
    from neurostim.device import check_program

    checked = check_program(file)
    if not checked.valid:
        first = checked.errors[0]
        raise fail(f"{first.field} = {first.value!r}: {first.message}", EXIT_INVALID)
    return checked.program


def _check_seed(seed: int) -> None:
    if not 0 <= seed < 2**32:
        raise InputError("seed", seed, "must be in [0, 2**32)")


@app.command("growth", cls=OneLineErrors)
@guarded
def growth_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    anatomy: Path | None = typer.Option(None, help="Anatomy TOML (overrides the level)."),
    level: str = typer.Option("T10", help="Spinal level: C5, T8, T10, T12 (L1)."),
    dcsf_mm: float | None = typer.Option(None, help="Dorsal CSF (mm), overrides the anatomy."),
    record: str | None = typer.Option(
        None,
        help="Recordings: E1,E8 (monopolar) or E1-E8 (differential); default: the free "
        "contacts of the stimulating lead.",
    ),
    amplitudes_ma: str | None = typer.Option(
        None, help="Currents (mA), comma-separated; default 20 from 0 to 2 x PT."
    ),
    seed: int = typer.Option(0, help="Seed of the fibers' node offsets and the noise."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the curve as CSV."),
    plot: Path | None = typer.Option(None, help="Write the growth-curve figure."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """ECAP growth curve: ECAP against current, ECAP and perception thresholds, slope, CV.

    Exit code 0: done; 1: the program breaks a device limit; 2: malformed input, an unknown
    contact or an impossible request.
    """
    from neurostim.anatomy import load_anatomy
    from neurostim.ecap import ecap_growth

    _check_seed(seed)
    if output is not None:
        check_output_path("output", output, (".csv",))
    if plot is not None:
        check_output_path("plot", plot, IMAGE_SUFFIXES)
    amps = _numbers("amplitudes_ma", amplitudes_ma)
    overrides = {} if dcsf_mm is None else {"dcsf_mm": dcsf_mm}
    cord = load_anatomy(None if anatomy is not None else level, anatomy, **overrides)
    program = _program(file)
    try:
        with err_console.status("cord, fibers and recorded runs ..."):
            curve = ecap_growth(program, anatomy=cord, record=record, amplitudes_ma=amps, seed=seed)
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", 130) from None
    data = curve.to_dict()
    if output is not None:
        write_csv(output, GROWTH_COLUMNS, data["growth"], field="output")
    if plot is not None:
        from neurostim.ecap import plot_growth

        plot_growth(curve, plot)
    show(data, json_out, _print_growth, output, plot)


def _print_growth(d: dict[str, Any]) -> None:
    console.print(
        f"[bold]{escape(str(d['program']))}[/bold] at {escape(d['level'])}, dCSF "
        f"{d['dcsf_mm']:g} mm; ECAP on {escape(d['primary_recording'])}"
    )
    console.print(
        f"ECAP threshold {_fmt(d['ecap_threshold_ma'])} mA; perception threshold "
        f"{_fmt(d['perception_threshold_ma'])} mA; slope {_fmt(d['slope_uv_per_ma'], '.1f')} "
        f"uV/mA; CV {_fmt(d['cv_m_per_s'], '.1f')} m/s"
    )
    t = Table(title="Growth curve")
    for col in ("mA", "ECAP (uV)", "neural (uV)", "DC fibers", "status"):
        t.add_column(col, justify="right")
    for r in d["growth"]:
        t.add_row(f"{r['amplitude_ma']:.2f}", f"{r['ecap_uv']:.1f}", f"{r['neural_uv']:.1f}",
                  str(r["recruited"]), r["status"])  # fmt: skip
    console.print(t)
    t = Table(title=f"Recordings at {d['latency_amplitude_ma']:.2f} mA")
    for col in ("contact", "from cathode (mm)", "N1 (ms)", "P2 (ms)"):
        t.add_column(col, justify="right")
    for r in d["recordings"]:
        t.add_row(escape(r["contact"]), f"{r['distance_mm']:g}", _fmt(r["n1_latency_ms"], ".3f"),
                  _fmt(r["p2_latency_ms"], ".3f"))  # fmt: skip
    console.print(t)


@app.command("frequency", cls=OneLineErrors)
@guarded
def frequency_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    rates_hz: str = typer.Option(..., help="Rates (Hz), comma-separated, e.g. 20,50,100,1000."),
    anatomy: Path | None = typer.Option(None, help="Anatomy TOML (overrides the level)."),
    level: str = typer.Option("T10", help="Spinal level: C5, T8, T10, T12 (L1)."),
    dcsf_mm: float | None = typer.Option(None, help="Dorsal CSF (mm), overrides the anatomy."),
    record: str | None = typer.Option(None, help="Recordings, as for ecap growth."),
    seed: int = typer.Option(0, help="Seed of the fibers' node offsets."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Steady-state ECAP at the program's amplitude for each rate."""
    from neurostim.anatomy import load_anatomy
    from neurostim.ecap import ecap_frequency

    _check_seed(seed)
    rates = _numbers("rates_hz", rates_hz) or []
    overrides = {} if dcsf_mm is None else {"dcsf_mm": dcsf_mm}
    cord = load_anatomy(None if anatomy is not None else level, anatomy, **overrides)
    program = _program(file)
    try:
        with err_console.status("cord, fibers and pulse trains ..."):
            result = ecap_frequency(program, rates, anatomy=cord, record=record, seed=seed)
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    data = result.to_dict()
    if json_out:
        print_json(data)
        return
    console.print(
        f"[bold]{escape(str(data['program']))}[/bold] at {data['amplitude_ma']:g} mA, "
        f"{data['n_pulses']} pulses per rate; ECAP on {escape(data['primary_recording'])}"
    )
    t = Table(title="Steady-state ECAP")
    for col in ("rate (Hz)", "ECAP (uV)", "first pulse (uV)", "fibers firing"):
        t.add_column(col, justify="right")
    for r in data["rates"]:
        t.add_row(f"{r['rate_hz']:g}", f"{r['ecap_uv']:.1f}", f"{r['first_pulse_uv']:.1f}",
                  str(r["recruited"]))  # fmt: skip
    console.print(t)
