"""``neurostim trial run`` and ``neurostim cohort simulate``: in-silico trials and cohorts.

``neurostim trial run PROTOCOL`` runs replicate trials of a protocol file (or the name of a
shipped calibration study, ``neurostim trial list``) on a local Dask cluster, or on a running
scheduler with ``--scheduler``, and prints the trial table: per endpoint and arm the median over
replicates, the central 95 % of the replicate trials and the published value where the protocol
gives one. ``-o`` writes it as CSV (:data:`TABLE_COLUMNS`), ``--plot`` draws each endpoint over
time, ``--json`` prints the JSON object of docs/clinic.md. Options, columns and JSON keys are a
public contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from neurostim._files import IMAGE_SUFFIXES, check_output_path
from neurostim.cli._common import (
    OneLineErrors,
    check_int,
    check_output,
    console,
    escape,
    guarded,
    print_json,
    write_csv,
)

app = typer.Typer(help="In-silico trials: replicate trials of a protocol.", no_args_is_help=True)
cohort_app = typer.Typer(help="Virtual cohorts through the care pathway.", no_args_is_help=True)

TABLE_COLUMNS = (
    "id", "arm", "month", "measure", "kind", "analysis",
    "median", "ci95_lo", "ci95_hi", "published", "inside",
)  # fmt: skip
"""Columns of ``neurostim trial run -o table.csv`` (one row per endpoint and arm)."""


def _fmt(x: object, kind: str = "") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "[red]no[/red]"
    value = float(x)  # type: ignore[arg-type]
    if kind in ("responder", "responder80", "remitter", "rate"):
        return f"{100 * value:.1f} %"
    return f"{value:.2f}"


def _resolve(protocol: str) -> Path:
    from neurostim.clinic.protocol import shipped_protocol_path

    path = Path(protocol)
    if path.suffix.lower() == ".toml" or path.exists():
        return path
    return shipped_protocol_path(protocol)


@app.command("list", cls=OneLineErrors)
@guarded
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The shipped calibration studies (patient-clinic.md §5)."""
    from neurostim.clinic.protocol import list_protocols, load_protocol, shipped_protocol_path

    rows: list[dict[str, Any]] = []
    for name in list_protocols():
        p = load_protocol(shipped_protocol_path(name))
        rows.append({"name": name, "title": p.name, "design": p.design,
                     "indication": p.indication, "arms": [a.id for a in p.arms],
                     "n": sum(a.n for a in p.arms)})  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table(title="Shipped trial protocols (neurostim trial run NAME)")
    for col in ("name", "study", "design", "indication", "arms", "n"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], escape(r["title"]), r["design"], r["indication"],
                      ", ".join(r["arms"]), str(r["n"]))  # fmt: skip
    console.print(table)


@app.command("run", cls=OneLineErrors)
@guarded
def run_command(
    protocol: str = typer.Argument(..., help="Protocol TOML file, or a shipped study's name."),
    replicates: int = typer.Option(200, "--replicates", help="Replicate trials (1-100000)."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives the same table."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of a running Dask scheduler (tcp://host:8786)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Local Dask workers (default: one per core; 0 = this process)."
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Trial table (.csv)."),
    plot: Path | None = typer.Option(None, "--plot", help="Figure (.png, .svg or .pdf)."),
    memory_budget_mb: float | None = typer.Option(
        None, help="Memory budget in MiB (default: half the memory available at the start)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run replicate trials of a protocol; print the trial table."""
    from neurostim.clinic._dask import check_scheduler
    from neurostim.clinic.protocol import load_protocol
    from neurostim.clinic.trial import check_run_options, run_trial

    check_run_options(replicates, seed)
    check_scheduler(scheduler)
    if workers is not None:
        check_int("--workers", workers, low=0, high=256)
    if output is not None:
        check_output_path("--output", output, (".csv",))
    if plot is not None:
        check_output("--plot", plot, IMAGE_SUFFIXES)
    proto = load_protocol(_resolve(protocol))
    result = run_trial(
        proto, replicates=replicates, seed=seed, workers=workers, scheduler=scheduler,
        progress=not as_json, memory_budget_mb=memory_budget_mb,
    )  # fmt: skip
    rows = result.table()
    if output is not None:
        write_csv(output, TABLE_COLUMNS, rows, field="--output", lineterminator="\n")
    if plot is not None:
        from neurostim.clinic.plots import plot_trial

        plot_trial(result, plot)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"{escape(proto.name)}: {replicates} replicate trials, seed {seed}")
    for col in ("endpoint", "arm", "month", "measure", "analysis", "median", "95 % of trials",
                "published", "inside"):  # fmt: skip
        table.add_column(col)
    for r in rows:
        interval = f"{_fmt(r['ci95_lo'], r['kind'])} – {_fmt(r['ci95_hi'], r['kind'])}"
        table.add_row(
            escape(r["id"]), escape(r["arm"]), f"{r['month']:g}",
            f"{r['measure']} {r['kind']}", r["analysis"], _fmt(r["median"], r["kind"]), interval,
            _fmt(r["published"], r["kind"]), _fmt(r["inside"]),
        )  # fmt: skip
    console.print(table)
    for d in result.differences():
        if d["median"] is None:
            continue
        lo, hi = d["ci95"]
        console.print(
            f"{escape(d['id'])}: {escape(d['arms'][0])} - {escape(d['arms'][1])} = "
            f"{d['median']:.3f} (95 % of trials {lo:.3f} to {hi:.3f})"
        )
    console.print(f"{result.patients_simulated} patients simulated in {result.runtime_s:.1f} s")


@cohort_app.command("simulate", cls=OneLineErrors)
@guarded
def simulate_command(
    indication: str = typer.Option(..., "--indication", help="fbss, nsrbp, crps, pdn, ..."),
    n: int = typer.Option(..., "--n", help="Number of patients."),
    program: Path | None = typer.Option(
        None, "--program", help="SCS program (.toml); default: conventional medical management."
    ),
    pump: Path | None = typer.Option(None, "--pump", help="Intrathecal pump program (.toml)."),
    months: float = typer.Option(24.0, "--months", help="Follow-up (1-120 months)."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    chunk_size: int = typer.Option(1000, "--chunk-size", help="Patients per task."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address."),
    workers: int | None = typer.Option(None, "--workers", help="Local Dask workers (0 = here)."),
    output: Path = typer.Option(..., "-o", "--output", help="Parquet file, one row per visit."),
    memory_budget_mb: float | None = typer.Option(
        None, help="Memory budget in MiB (default: half the memory available at the start)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Simulate a cohort through the pathway under one therapy; write one row per patient and
    visit to Parquet."""
    from neurostim.clinic.cohorts import simulate_cohort
    from neurostim.errors import InputError

    if program is not None and pump is not None:
        raise InputError("--pump", str(pump), "give --program or --pump, not both")
    therapy: dict[str, object] = {"kind": "cmm"}
    for kind, path, field in (("scs", program, "--program"), ("intrathecal", pump, "--pump")):
        if path is not None:
            if not path.is_file():
                raise InputError(field, str(path), "an existing program file")
            therapy = {"kind": kind, "program": str(path.resolve())}
    from neurostim.clinic._dask import check_scheduler

    check_scheduler(scheduler)
    check_int("--n", n, low=1, high=10_000_000)
    check_int("--chunk-size", chunk_size, low=1, high=1_000_000)
    if workers is not None:
        check_int("--workers", workers, low=0, high=256)
    check_output_path("--output", output, (".parquet",))
    run = simulate_cohort(
        indication, n, output, therapy=therapy, months=months, seed=seed, chunk_size=chunk_size,
        workers=workers, scheduler=scheduler, progress=not as_json,
        memory_budget_mb=memory_budget_mb,
    )  # fmt: skip
    summary = {"output": str(run.path), "patients": run.n_patients, "rows": run.n_rows,
               "chunks": run.chunks, "runtime_s": round(run.runtime_s, 3)}  # fmt: skip
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{run.n_patients} patients, {run.n_rows} rows in {escape(str(run.path))} "
        f"({run.runtime_s:.1f} s, {run.chunks} chunks)"
    )
