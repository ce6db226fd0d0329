"""``neurostim fiber``: fiber thresholds and conduction velocity.

Every option is checked before any work starts (finite, in its range, the range named in the
message), and so is the memory the work needs: above the budget (``--memory-budget-mb``,
default half the available memory) the command refuses with exit code 2, naming the field, its
value, the estimate and the limit. Exit codes: :mod:`neurostim.cli._common`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from neurostim.cli._common import (
    OneLineErrors,
    check_int,
    check_number,
    check_output,
    console,
    escape,
    guarded,
    print_json,
)
from neurostim.errors import InputError, SolverError

app = typer.Typer(help="Nerve-fiber thresholds and conduction velocity.", no_args_is_help=True)

MAX_WORKERS = 1024
MAX_CHUNK_SIZE = 100_000

_BUDGET_HELP = "Memory budget in MiB (default: half the memory available at the start)."


def _budget(memory_budget_mb: float | None) -> float | None:
    if memory_budget_mb is None:
        return None
    return check_number("--memory-budget-mb", memory_budget_mb, low=0.0, low_open=True)


@app.command("thresholds", cls=OneLineErrors)
@guarded
def thresholds_command(
    cases_csv: Path = typer.Argument(..., help="Case table (the reference CSV's input columns)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the results CSV."),
    tolerance_rel: float = typer.Option(1e-3, help="Relative bracket width at the end, in (0, 1)."),
    scheduler: str = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    workers: int = typer.Option(
        0, help="Local worker processes (0: one per CPU; 1: this process only)."
    ),
    chunk_size: int = typer.Option(64, help=f"Cases per chunk of work (1..{MAX_CHUNK_SIZE})."),
    memory_budget_mb: float = typer.Option(None, help=_BUDGET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Activation thresholds of every case in CASES_CSV, written to OUTPUT."""
    from neurostim.fibers.batch import check_thresholds_memory, connect_scheduler, run_thresholds
    from neurostim.fibers.table import read_cases_csv, write_results_csv

    check_number("--tolerance-rel", tolerance_rel, low=0.0, high=1.0, low_open=True,
                 high_open=True)  # fmt: skip
    check_int("--workers", workers, low=0, high=MAX_WORKERS)
    check_int("--chunk-size", chunk_size, low=1, high=MAX_CHUNK_SIZE)
    budget = _budget(memory_budget_mb)
    check_output("--output", output)
    if output.exists() and cases_csv.exists() and output.resolve() == cases_csv.resolve():
        raise InputError("--output", str(output), "is the case file; write the results elsewhere")
    workers = workers or (os.cpu_count() or 1)
    cases, rows = read_cases_csv(cases_csv)
    at_once = 1 if scheduler is not None else workers
    check_thresholds_memory(cases, chunk_size=chunk_size, workers=at_once, memory_budget_mb=budget)
    client = connect_scheduler(scheduler) if scheduler is not None else None
    t0 = time.perf_counter()
    try:
        with Progress(
            TextColumn("thresholds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, disable=json_out, transient=False,
        ) as bar:  # fmt: skip
            task = bar.add_task("cases", total=len(cases))
            result = run_thresholds(
                cases, tolerance_rel=tolerance_rel, scheduler=client, workers=workers,
                chunk_size=chunk_size, progress=lambda k: bar.advance(task, k),
                memory_budget_mb=budget,
            )  # fmt: skip
    finally:
        if client is not None:
            client.close()
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
    t = Table(title=f"{len(cases)} thresholds in {seconds:.1f} s -> {escape(output)}")
    t.add_column("status")
    t.add_column("cases", justify="right")
    for s, n in sorted(counts.items()):
        t.add_row(s, str(n))
    console.print(t)


@app.command("cv", cls=OneLineErrors)
@guarded
def cv_command(
    model: str = typer.Option("mrg", help="mrg, mrg-interpolation, sundt or tigerholm."),
    diameter_um: float = typer.Option(..., help="Fiber diameter (um)."),
    n_nodes: int = typer.Option(
        None, help="Nodes, 5..100000 (default: MRG and mrg-interpolation 41, Sundt 601)."
    ),
    dt_ms: float = typer.Option(
        None, help="Time step, 0.0001..0.1 ms (default: MRG 0.005, Sundt 0.001 ms)."
    ),
    memory_budget_mb: float = typer.Option(None, help=_BUDGET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Conduction velocity (PROTOCOL.md section 10 for MRG, fiber-models.md 10.2 for Sundt)."""
    from neurostim._budget import check_memory, memory_budget_bytes
    from neurostim.fibers import conduction_velocity
    from neurostim.fibers.batch import simulation_bytes
    from neurostim.fibers.cases import MAX_STEPS, RANGES, n_sections
    from neurostim.fibers.models import fiber_model, fiber_model_names

    if model not in fiber_model_names():
        raise InputError("--model", model, f"must be one of {', '.join(fiber_model_names())}")
    spec = fiber_model(model)
    default_nodes, default_dt, tstop = spec.cv.n_nodes, spec.cv.dt_ms, spec.cv.tstop_ms
    lo, hi = RANGES["diameter_um"]
    check_number("--diameter-um", diameter_um, low=lo, high=hi, unit="um")
    if n_nodes is not None:
        lo_n, hi_n = RANGES["n_nodes"]
        check_int("--n-nodes", n_nodes, low=int(lo_n), high=int(hi_n))
    if dt_ms is not None:
        lo, hi = RANGES["dt_ms"]
        check_number("--dt-ms", dt_ms, low=lo, high=hi, unit="ms")
    budget = memory_budget_bytes(_budget(memory_budget_mb))
    nodes = default_nodes if n_nodes is None else n_nodes
    dt = default_dt if dt_ms is None else dt_ms
    n_steps = round(tstop / dt)
    if n_steps > MAX_STEPS:
        raise InputError("--dt-ms", dt, f"gives {n_steps} steps; at most {MAX_STEPS} are allowed")
    try:
        spec.check_diameter(diameter_um)
    except InputError as exc:
        raise InputError("--diameter-um", diameter_um, exc.message) from None
    n_sec = n_sections(model, diameter_um, nodes)
    check_memory("--n-nodes", nodes, simulation_bytes(n_sec, n_steps, 1), budget,
                 f" ({n_sec} sections, {n_steps} steps)")  # fmt: skip
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # checked below
            g = spec.geometry(diameter_um, nodes)
            cv = conduction_velocity(g, dt_ms=dt, tstop_ms=tstop, stim_node=spec.cv.stim_node,
                                     stim_na=spec.cv.stim_na,
                                     interpolate=spec.cv.interpolate)  # fmt: skip
    except SolverError as exc:
        raise InputError(
            "--n-nodes", nodes, f"{exc} (dt_ms = {dt:g}); try more nodes or a smaller dt_ms"
        ) from None
    if not (np.isfinite(cv) and cv > 0):
        raise InputError(
            "--n-nodes",
            nodes,
            f"the AP reached both timing nodes in the same step of dt_ms = {dt:g}, so the "
            "velocity cannot be resolved; use more nodes or a smaller dt_ms",
        )
    out = {"model": model, "diameter_um": diameter_um, "n_nodes": g.n_nodes, "dt_ms": dt,
           "cv_m_per_s": cv}  # fmt: skip
    if json_out:
        print_json(out)
    else:
        console.print(f"{model} {diameter_um:g} um, {g.n_nodes} nodes, dt {dt:g} ms: "
                      f"CV = {cv:.3f} m/s")  # fmt: skip
