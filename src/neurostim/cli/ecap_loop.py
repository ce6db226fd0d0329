"""``neurostim ecap loop``: open- or closed-loop ECAP control under a posture schedule.

``register(app)`` adds the command to the ``ecap`` Typer app. Exit codes follow
:mod:`neurostim.cli._common`: a bad schedule, an unknown contact, an impossible target or gain,
a bad option exit 2 with one ``error:`` line naming the field, the value and the allowed range;
a program its stimulator refuses exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from neurostim.cli._common import OneLineErrors, check_output, console, escape, guarded, print_json
from neurostim.errors import InputError

MAP_NOTE = (
    "no ECAP map built for this program at {level}: the closed-form example map "
    "(ECAP reference §4) stands in; build one with python -m neurostim.ecap.maps build "
    "--growth MODULE:FUNCTION --program PROGRAM -o MAP.csv"
)


def register(app: typer.Typer) -> None:
    """Add ``loop`` to the ``ecap`` command group ``app``."""
    app.command("loop", cls=OneLineErrors)(loop_command)


@guarded
def loop_command(
    program: Path = typer.Argument(..., help="Program TOML file (one tonic train)."),
    posture: str = typer.Option(
        ..., "--posture", help="Posture schedule TOML, or a shipped one by name (day)."
    ),
    mode: str = typer.Option("closed", "--mode", help="open | closed"),
    target_uv: float | None = typer.Option(
        None, "--target-uv", help="ECAP target (uV); default: the ECAP at the program's amplitude."
    ),
    controller: str = typer.Option("per-pulse", "--controller", help="per-pulse | control-pulses"),
    gain: float | None = typer.Option(None, "--gain", help="Integral gain K per update."),
    minutes: float | None = typer.Option(
        None, "--minutes", help="Length of the trace; default: the schedule's (it repeats)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the recording noise."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Trace (.parquet)."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Figure of open against closed loop (.png, .svg, .pdf)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Run the loop over a posture schedule; print the summary; write the trace and figure."""
    from neurostim._files import IMAGE_SUFFIXES
    from neurostim.device import load_program
    from neurostim.ecap import find_map, load_schedule, loop_setup, plot_loop, run_loop

    if mode not in ("open", "closed"):
        raise InputError("--mode", mode, "open or closed")
    if controller not in ("per-pulse", "control-pulses"):
        raise InputError("--controller", controller, "per-pulse or control-pulses")
    if seed < 0:
        raise InputError("--seed", seed, "a whole number >= 0")
    if output is not None:
        check_output("--output", output, (".parquet",))
    if plot is not None:
        check_output("--plot", plot, IMAGE_SUFFIXES)
    prog = load_program(program)
    schedule = load_schedule(posture)
    ecap_map, own = find_map(prog, schedule.level)
    setup = loop_setup(prog, schedule, ecap_map, target_uv=target_uv, gain=gain)
    run: Any = dict(controller=controller, minutes=minutes, seed=seed, setup=setup)
    trace = run_loop(prog, schedule, ecap_map, mode=mode, **run)  # type: ignore[arg-type]
    summary = trace.summary()
    summary["map"]["example"] = not own
    if output is not None:
        trace.write_parquet(output)
    if plot is not None:
        other = run_loop(
            prog, schedule, ecap_map, mode="open" if mode == "closed" else "closed", **run
        )
        pair = (other, trace) if mode == "closed" else (trace, other)
        plot_loop(*pair, plot, title=f"{prog.name or program.stem} under {schedule.name}")
    if json_out:
        print_json(summary)
        return
    _print(summary, program, schedule.name, own, schedule.level)
    for label, path in (("trace", output), ("figure", plot)):
        if path is not None:
            console.print(f"wrote {label} {escape(path)}")


def _print(summary: dict[str, Any], program: Path, schedule: str, own: bool, level: str) -> None:
    title = f"{escape(program)} under {escape(schedule)}: {summary['mode']} loop"
    if summary["controller"]:
        title += f" ({summary['controller']}, K = {summary['gain']:.3g})"
    t = Table(title=title)
    t.add_column("quantity")
    t.add_column("value", justify="right")
    b = summary["battery"]
    rows = [
        ("target ECAP", f"{summary['target_uv']:.2f} uV"),
        ("therapeutic window", "{:.2f}-{:.2f} uV".format(*summary["window_uv"])),
        ("mean |ECAP - target|", f"{summary['mean_abs_deviation_uv']:.2f} uV"),
        ("time in window", f"{100 * summary['time_in_window']:.1f} %"),
        ("current", f"{summary['amplitude_min_ma']:.2f}-{summary['amplitude_max_ma']:.2f} mA"),
        ("charge per pulse", f"{summary['charge_min_uc']:.3f}-{summary['charge_max_uc']:.3f} uC"),
        ("pulses", f"{summary['pulses']:,}"),
        ("battery drain", f"{b['average_current_ua']:.1f} uA ({b['change_percent']:+.1f} %)"),
        ("runtime", f"{summary['runtime_s']:.2f} s"),
    ]
    for name, count in summary["status_counts"].items():
        if count and name != "ok":
            rows.append((f"pulses {name}", f"{count:,}"))
    for row in rows:
        t.add_row(*row)
    console.print(t)
    if not own:
        console.print(escape(MAP_NOTE.format(level=level)))
