"""``neurostim fiber``: fiber thresholds and conduction velocity."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from neurostim.cli._common import console, guarded, print_json
from neurostim.errors import InputError

app = typer.Typer(help="Nerve-fiber thresholds and conduction velocity.", no_args_is_help=True)


@app.command("thresholds")
@guarded
def thresholds_command(
    cases_csv: Path = typer.Argument(..., help="Case table (the reference CSV's input columns)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the results CSV."),
    tolerance_rel: float = typer.Option(1e-3, help="Relative bracket width at the end."),
    scheduler: str = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    workers: int = typer.Option(
        0, help="Local worker processes (0: one per CPU; 1: this process only)."
    ),
    chunk_size: int = typer.Option(64, help="Cases per chunk of work."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Activation thresholds of every case in CASES_CSV, written to OUTPUT."""
    from neurostim.fibers.batch import run_thresholds
    from neurostim.fibers.table import read_cases_csv, write_results_csv

    if not 0 < tolerance_rel < 1:
        raise InputError("tolerance_rel", tolerance_rel, "must lie in (0, 1)")
    if workers < 0:
        raise InputError("workers", workers, "must be >= 0 (0: one per CPU)")
    workers = workers or (os.cpu_count() or 1)
    cases, rows = read_cases_csv(cases_csv)
    t0 = time.perf_counter()
    with Progress(
        TextColumn("thresholds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=json_out, transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task("cases", total=len(cases))
        result = run_thresholds(
            cases, tolerance_rel=tolerance_rel, scheduler=scheduler, workers=workers,
            chunk_size=chunk_size, progress=lambda k: bar.advance(task, k),
        )  # fmt: skip
    seconds = time.perf_counter() - t0
    write_results_csv(output, rows, result)
    counts = Counter(str(s) for s in result.status)
    summary = {
        "n_cases": len(cases),
        "statuses": dict(counts),
        "mean_n_sims": float(np.mean(result.n_sims)),
        "seconds": seconds,
        "seconds_per_threshold": seconds / len(cases),
        "output": str(output),
    }
    if json_out:
        print_json(summary)
        return
    t = Table(title=f"{len(cases)} thresholds in {seconds:.1f} s -> {output}")
    t.add_column("status")
    t.add_column("cases", justify="right")
    for s, n in sorted(counts.items()):
        t.add_row(s, str(n))
    console.print(t)


@app.command("cv")
@guarded
def cv_command(
    model: str = typer.Option("mrg", help="mrg or sundt."),
    diameter_um: float = typer.Option(..., help="Fiber diameter (um)."),
    n_nodes: int = typer.Option(None, help="Nodes (default: MRG 41, Sundt 601)."),
    dt_ms: float = typer.Option(None, help="Time step (default: MRG 0.005, Sundt 0.001 ms)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Conduction velocity (PROTOCOL.md section 10 for MRG, fiber-models.md 10.2 for Sundt)."""
    from neurostim.fibers import conduction_velocity, mrg_geometry, sundt_geometry

    if model == "mrg":
        g = mrg_geometry(diameter_um, n_nodes or 41)
        dt = dt_ms or 0.005
        cv = conduction_velocity(g, dt_ms=dt, tstop_ms=5.0)
    elif model == "sundt":
        g = sundt_geometry(diameter_um, n_nodes or 601)
        dt = dt_ms or 0.001
        cv = conduction_velocity(g, dt_ms=dt, tstop_ms=30.0, stim_node=1, stim_na=2.0,
                                 interpolate=False)  # fmt: skip
    else:
        raise InputError("model", model, "must be mrg or sundt")
    out = {"model": model, "diameter_um": diameter_um, "n_nodes": g.n_nodes, "dt_ms": dt,
           "cv_m_per_s": cv}  # fmt: skip
    if json_out:
        print_json(out)
    else:
        console.print(f"{model} {diameter_um:g} um, {g.n_nodes} nodes, dt {dt:g} ms: "
                      f"CV = {cv:.3f} m/s")  # fmt: skip
