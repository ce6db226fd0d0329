"""``neurostim run``: one program through field, fibers and the dorsal-horn circuit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from neurostim._files import check_output_path, write_text
from neurostim.cli._common import (
    EXIT_INVALID,
    console,
    err_console,
    fail,
    guarded,
    show,
)
from neurostim.device import check_program
from neurostim.errors import InputError

if TYPE_CHECKING:
    from neurostim.pipeline import PipelineResult

MAX_CLI_FIBERS = 5000
"""Largest dorsal-column grid ``neurostim run`` builds (the library takes any size that fits)."""


def _floats(text: str, field: str, n: int | None = None) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(field, text, "must be comma-separated numbers") from None
    if not values or (n is not None and len(values) not in (1, n)):
        raise InputError(field, text, f"give 1{'' if n is None else f' or {n}'} number(s)")
    return values


def _seeds(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise InputError("seeds", text, "must be comma-separated integers, e.g. 1,2,3") from None
    return seeds


def _anatomy(level: str | None, path: Path | None, dcsf_mm: float | None) -> Any:
    """The spinal cord the options name, or None for the homogeneous medium."""
    if level is None and path is None and dcsf_mm is None:
        return None
    from neurostim.anatomy import load_anatomy

    overrides = {} if dcsf_mm is None else {"dcsf_mm": dcsf_mm}
    return load_anatomy(level, path, **overrides)


def _print(result: PipelineResult) -> None:
    d = result.to_dict()
    rec = result.recruitment
    console.print(
        f"[bold]{escape(result.program.name or 'program')}[/bold], train {result.train_index}: "
        f"{rec.amplitude_ma:g} mA; {result.population.n_fibers} fibers, statuses "
        f"{escape(str(d['statuses']))}; {escape(_conductor_line(rec.conductor))}"
    )
    console.print(
        f"recruited {rec.recruited_fraction:.1%} of the population "
        f"(+{rec.undetermined_fraction:.1%} undetermined)"
    )
    c = result.circuit
    if c is None:
        return
    t = Table(title=f"Dorsal-horn WDR output, {c.window_ms[0]:g}-{c.window_ms[1]:g} ms")
    for col in ("condition", "Abeta recruited", "WDR total (Hz)", "r_noci (Hz)",
                "inhibition r_noci %", "inhibition total %", "status"):  # fmt: skip
        t.add_column(col, justify="right", no_wrap=col == "condition")
    n_aff = result.afferents.fiber_index.size
    rest = (c.wdr_rate_unstimulated_hz.mean(), c.noci_rate_unstimulated_hz.mean())
    t.add_row("off", "-", _rate(rest[0]), _rate(rest[1]), "-", "-", ",".join(c.status[-1]))
    for b, bound in enumerate(c.bounds):
        margins = (result.afferents.margin_lower, result.afferents.margin_upper)[b]
        t.add_row(
            bound,
            f"{int((margins >= 1).sum())}/{n_aff}",
            f"{c.wdr_rate_hz[b].mean():.1f}",
            _rate(c.noci_rate_hz[b].mean()),
            _rate(c.inhibition_percent[b], ".0f"),
            _rate(c.inhibition_total_percent[b], ".0f"),
            ",".join(c.status[b]),
        )
    console.print(t)
    if not np.all(np.isfinite(c.noci_rate_hz)):
        console.print(
            "undefined: r_noci cannot tell pulse-locked spikes apart when the pulses' 1-6 ms "
            "lock windows cover more than 90 % of the time (fast trains); use the total rate"
        )


def _conductor_line(info: dict[str, Any]) -> str:
    """One line about the volume conductor (the whole description is in the JSON)."""
    if info.get("conductor") == "spinal-cord-fem":
        hit = "cached" if info.get("cache_hit") else "solved now"
        status = ",".join(sorted(set(info.get("solver_status", [])))) or "?"
        return (
            f"finite-element cord ({info.get('mesh_level')} mesh, {info.get('elements')} "
            f"elements, {hit}, solver {status})"
        )
    if info.get("conductor") == "homogeneous":
        return f"homogeneous medium, sigma {info.get('sigma_xyz_s_per_m')} S/m"
    return f"conductor {info.get('conductor')}"


def _rate(value: float, spec: str = ".1f") -> str:
    return format(value, spec) if np.isfinite(value) else "undefined"


def run_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    train_index: int | None = typer.Option(None, help="Train of a multiplexed program (0-based)."),
    sigma: str | None = typer.Option(
        None,
        help="Homogeneous medium, S/m: one value, or sx,sy,sz (z along the cord) [default 0.2].",
    ),
    level: str | None = typer.Option(
        None, help="Spinal level (C5, T8, T10, T12/L1): run in the finite-element cord."
    ),
    anatomy: Path | None = typer.Option(None, help="Anatomy TOML (overrides the level)."),
    dcsf_mm: float | None = typer.Option(
        None, help="Dorsal CSF thickness (overrides the anatomy)."
    ),
    mesh: str = typer.Option("coarse", help="Finite-element mesh: coarse|medium|fine."),
    seeds: str = typer.Option("1", help="Circuit seeds, comma-separated."),
    duration_s: float = typer.Option(3.0, help="Simulated circuit time per condition (s)."),
    stim_start_s: float = typer.Option(1.0, help="Stimulation onset in the circuit run (s)."),
    recovery_cycle: bool = typer.Option(False, help="Apply the axon recovery cycle."),
    khz_regime: str = typer.Option("async", help="Circuit model of a kHz train: async|block|none."),
    tolerance_rel: float = typer.Option(0.01, help="Relative width of each threshold bracket."),
    diameters_um: str = typer.Option(
        "5.7,10,16", help="Dorsal-column fiber diameters (um), MRG classes."
    ),
    class_fractions: str = typer.Option("0.70,0.25,0.05", help="Share of each diameter class."),
    depths_mm: str | None = typer.Option(
        None,
        help="Fiber depths (mm) below the lead axis [1,2,3,4], or below the cord surface with "
        "an anatomy [0.1,0.3,0.5].",
    ),
    x_mm: str = typer.Option("-1,0,1", help="Mediolateral fiber positions (mm)."),
    no_circuit: bool = typer.Option(False, "--no-circuit", help="Stop after the fibers."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the result as JSON."),
    plot: Path | None = typer.Option(None, help="Write a figure (.png, .pdf, .svg)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Run a program end to end: fiber thresholds, afferent input, dorsal-horn output.

    Exit code 0: done; 1: the program breaks a device limit (see `neurostim program check`);
    2: malformed input (file, option value out of range).
    """
    from neurostim.fibers import dorsal_column_population
    from neurostim.field import HomogeneousConductor, Medium
    from neurostim.pipeline import (
        CircuitSettings,
        active_contact_center_mm,
        dorsal_column_fibers,
        run,
    )
    from neurostim.pipeline.plots import check_plot_path, plot_run

    cord = _anatomy(level, anatomy, dcsf_mm)
    conductor: Any = None
    if cord is not None and sigma is not None:
        raise InputError("sigma", sigma, "give either --sigma or a spinal cord, not both")
    if cord is None:
        sx = _floats(sigma or "0.2", "sigma", 3)
        medium = Medium(sx[0] if len(sx) == 1 else (sx[0], sx[1], sx[2]))
        conductor = HomogeneousConductor(medium)
    settings = None
    if not no_circuit:
        settings = CircuitSettings(
            duration_s=duration_s, stim_start_s=stim_start_s,
            settle_s=min(0.5, 0.5 * (duration_s - stim_start_s)), seeds=_seeds(seeds),
            recovery_cycle=recovery_cycle, khz_regime=khz_regime,
        )  # fmt: skip
    if plot is not None:
        check_plot_path(plot)
    if output is not None:
        check_output_path("output", output, (".json",))
    grid = {
        "diameters_um": _floats(diameters_um, "diameters_um"),
        "class_fractions": _floats(class_fractions, "class_fractions"),
        "depths_mm": _floats(
            depths_mm or ("1,2,3,4" if cord is None else "0.1,0.3,0.5"), "depths_mm"
        ),
        "x_mm": _floats(x_mm, "x_mm"),
    }
    if len(grid["diameters_um"]) * len(grid["depths_mm"]) * len(grid["x_mm"]) > MAX_CLI_FIBERS:
        raise InputError(
            "diameters_um x depths_mm x x_mm", "grid", f"at most {MAX_CLI_FIBERS} fibers here"
        )
    checked = check_program(file)
    if not checked.valid:
        first = checked.errors[0]
        raise fail(
            f"{first.field} = {first.value!r}: {first.message} (see `neurostim program check`)",
            EXIT_INVALID,
        )
    if cord is None:
        centre = active_contact_center_mm(checked.program, train_index=train_index)
        population = dorsal_column_population(
            x_mm=grid["x_mm"], depths_mm=grid["depths_mm"], diameters_um=grid["diameters_um"],
            class_fractions=grid["class_fractions"], z_center_mm=float(centre[2]),
        )  # fmt: skip
    else:
        population = dorsal_column_fibers(
            cord, x_mm=grid["x_mm"], depths_mm=grid["depths_mm"],
            diameters_um=grid["diameters_um"], class_fractions=grid["class_fractions"],
        )  # fmt: skip
    try:
        with err_console.status("fiber thresholds ...") as status:
            result = run(
                checked.program, anatomy=cord, mesh_level=mesh, population=population,
                conductor=conductor,
                train_index=train_index, tolerance_rel=tolerance_rel, circuit=settings,
                run_circuit=not no_circuit,
                progress=lambda stage: status.update(f"{stage} ..."),
            )  # fmt: skip
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", 130) from None
    data = result.to_dict()
    if output is not None:
        write_text(output, json.dumps(data, indent=2) + "\n", field="output")
    if plot is not None:
        plot_run(result, plot)
    show(data, json_out, lambda _: _print(result), output, plot)


run_command = guarded(run_command)
