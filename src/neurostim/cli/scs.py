"""``neurostim scs``: spinal cord stimulation on a finite-element spinal cord."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from neurostim._files import IMAGE_SUFFIXES, check_output_path
from neurostim.cli._common import (
    EXIT_INVALID,
    console,
    err_console,
    fail,
    guarded,
    show,
    write_csv,
)
from neurostim.device import check_program

app = typer.Typer(help="Spinal cord stimulation maps (finite-element cord).", no_args_is_help=True)

MESH_LEVELS = ("coarse", "medium", "fine")


def _fmt(x: Any, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


@app.command("map")
@guarded
def map_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    anatomy: Path | None = typer.Option(None, help="Anatomy TOML (overrides the level)."),
    level: str | None = typer.Option(None, help="Spinal level: C5, T8, T10, T12 (L1)."),
    dcsf_mm: float | None = typer.Option(None, help="Dorsal CSF (mm), overrides the anatomy."),
    mesh: str = typer.Option("coarse", help="Finite-element mesh: coarse|medium|fine."),
    seed: int = typer.Option(0, help="Seed of the fibers' node offsets."),
    train_index: int | None = typer.Option(None, help="Train of a multiplexed program."),
    pt_min_fibers: int = typer.Option(1, help="DC fibers that must fire for perception."),
    lead_space: str = typer.Option(
        "epidural", help="Where ring leads lie: epidural (on the dura) or intradural (in the CSF)."
    ),
    window_ms: float | None = typer.Option(
        None, help="Train window per threshold (ms); default: one pulse, 20 ms at >= 1 kHz."
    ),
    fibers_out: Path | None = typer.Option(None, help="Write one CSV row per fiber."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the map figure."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Perception and discomfort thresholds, recruitment per dermatome, coverage.

    Exit code 0: done; 1: the program breaks a device limit; 2: malformed input or impossible
    geometry (refused before any meshing).
    """
    from neurostim.anatomy import load_anatomy
    from neurostim.errors import InputError
    from neurostim.pipeline.scs import scs_map

    if mesh not in MESH_LEVELS:
        raise InputError("mesh", mesh, f"must be one of {', '.join(MESH_LEVELS)}")
    if not 0 <= seed < 2**32:
        raise InputError("seed", seed, "must be in [0, 2**32)")
    if output is not None:
        check_output_path("output", output, IMAGE_SUFFIXES)
    if fibers_out is not None:
        check_output_path("fibers_out", fibers_out, (".csv",))
    overrides = {} if dcsf_mm is None else {"dcsf_mm": dcsf_mm}
    cord = load_anatomy(level, anatomy, **overrides)
    checked = check_program(file)
    if not checked.valid:
        first = checked.errors[0]
        raise fail(f"{first.field} = {first.value!r}: {first.message}", EXIT_INVALID)
    try:
        with err_console.status("finite-element cord and fiber thresholds ..."):
            result, ids = scs_map(
                checked.program,
                cord,
                train_index=train_index,
                mesh_level=mesh,
                seed=seed,
                pt_min_fibers=pt_min_fibers,
                window_ms="auto" if window_ms is None else window_ms,
                lead_space=lead_space,
            )
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", 130) from None
    data = result.to_dict(ids)
    if fibers_out is not None:
        from neurostim.pipeline.scs import FIBER_COLUMNS

        write_csv(fibers_out, FIBER_COLUMNS, result.fiber_rows(), field="fibers_out")
    if output is not None:
        from neurostim.pipeline.scs_plots import plot_map

        plot_map(result, output)
    show(data, json_out, _print, fibers_out, output)


def _print(d: dict[str, Any]) -> None:
    fem = d["fem"]
    console.print(
        f"[bold]{escape(str(d['program']))}[/bold] at {escape(d['level'])} (cord segment "
        f"{escape(d['cord_segment'])}, dCSF {d['dcsf_mm']:g} mm), {d['amplitude_ma']:g} mA; "
        f"finite-element cord: {fem['elements']} elements, "
        f"{'cached' if fem['cache_hit'] else 'solved now'}"
    )
    console.print(
        f"perception threshold {_fmt(d['perception_threshold_ma'])} mA; discomfort "
        f"{_fmt(d['discomfort_threshold_ma'])} mA ({d['discomfort_rule']}); DR/DC threshold "
        f"ratio {_fmt(d['dr_dc_threshold_ratio'])}; undetermined fibers "
        f"{d['undetermined_fibers']}"
    )
    t = Table(title="Recruitment per dermatome at the program amplitude")
    for col in ("dermatome", "side", "DC %", "DC min (mA)", "DR %", "DR min (mA)"):
        t.add_column(col, justify="right")
    for r in d["dermatomes"]:
        t.add_row(r["name"], r["side"],
                  _fmt(None if r["dc_fraction"] is None else 100 * r["dc_fraction"], ".0f"),
                  _fmt(r["dc_threshold_min_ma"]),
                  _fmt(None if r["dr_fraction"] is None else 100 * r["dr_fraction"], ".0f"),
                  _fmt(r["dr_threshold_min_ma"]))  # fmt: skip
    console.print(t)
    console.print(f"coverage: {', '.join(d['coverage']) or 'none'}")
