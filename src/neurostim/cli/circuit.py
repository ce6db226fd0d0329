"""``neurostim circuit``: dorsal-horn gate-control circuit sweeps.

``neurostim circuit sweep`` runs the Zhang 2014 network over stimulation rates and seeds. Without
options it runs the protocol of pain-circuit.md s3 row 1 (Foreman realization, ongoing Abeta 9,
Adelta 8.5, C 2.7 Hz, every pulse recruits all local and surround Abeta, rates over seconds 1-6
of stimulation). Its options and CSV columns are a public contract.

Every option is checked, and the output paths too, before the first simulation: a bad value
exits 2 with one ``error:`` line naming the option and its allowed range (exit codes:
:mod:`neurostim.cli._common`).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from neurostim._files import IMAGE_SUFFIXES
from neurostim.cli._common import (
    OneLineErrors,
    check_number,
    check_output,
    console,
    fail,
    guarded,
    print_json,
    report_written,
    write_csv,
)
from neurostim.errors import InputError

app = typer.Typer(
    help="Dorsal-horn pain circuit: sweeps over stimulation paradigms.", no_args_is_help=True
)


def _parse_rates(text: str) -> tuple[float, ...]:
    try:
        rates = tuple(float(x) for x in text.split(",") if x.strip() != "")
    except ValueError:
        raise InputError(
            "--rate-hz", text, "give comma-separated numbers, e.g. 0,10,20,50"
        ) from None
    if not rates or any(not (0.0 <= r <= 20000.0) for r in rates):
        raise InputError("--rate-hz", text, "each rate must be between 0 and 20000 Hz")
    if len(rates) > MAX_RATES:
        raise InputError("--rate-hz", len(rates), f"give at most {MAX_RATES} rates")
    return rates


MAX_RATES = 1000


@app.command(cls=OneLineErrors)
@guarded
def sweep(
    paradigm: str = typer.Option("tonic", help="tonic, burst (rate = burst rate) or khz."),
    rate_hz: str = typer.Option(
        "0,10,20,50,100,200,500,1000", "--rate-hz", help="Comma-separated rates (Hz)."
    ),
    seeds: int = typer.Option(5, help="Number of seeds per rate."),
    first_seed: int = typer.Option(1, help="First seed."),
    no_surround: bool = typer.Option(
        False, "--no-surround", help="WindUp realization: no surround inhibition."
    ),
    block: str = typer.Option("none", help="none or gaba-a (GABA_A weights 0, glycine kept)."),
    recruitment: float = typer.Option(1.0, help="Fraction of Abeta fibres a pulse recruits."),
    recovery_cycle: bool | None = typer.Option(
        None,
        "--recovery-cycle/--one-to-one",
        help="Axon recovery cycle, or every pulse recruits (default: 1:1 tonic, cycle otherwise).",
    ),
    pulses_per_burst: int = typer.Option(5, help="Burst: pulses per burst."),
    intraburst_rate_hz: float = typer.Option(500.0, help="Burst: intra-burst rate (Hz)."),
    khz_regime: str = typer.Option("async", help="khz: none, async or block."),
    async_rate_hz: float | None = typer.Option(
        None, help="khz async: firing rate per fibre (Hz) [default: afferents.toml, 57]."
    ),
    nociceptive_scale: float = typer.Option(
        1.0, help="Multiplies the ongoing C and Adelta rates (nociceptive drive)."
    ),
    duration_s: float = typer.Option(7.0, help="Run length (s); stimulation starts at 1 s."),
    output: Path | None = typer.Option(None, "-o", "--output", help="CSV file to write."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Image of the frequency response (.png, .svg or .pdf)."
    ),
    memory_budget_mb: float = typer.Option(
        None, help="Memory budget in MiB (default: half the memory available at the start)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print rows as JSON."),
) -> None:
    """Sweep stimulation rates x seeds; one row per condition and seed."""
    from neurostim._budget import check_memory, memory_budget_bytes
    from neurostim.circuit.sweep import COLUMNS, SweepSpec, run_sweep, summarize, sweep_memory_bytes

    rates = _parse_rates(rate_hz)
    check_number("--duration-s", duration_s, low=2.0, high=600.0, low_open=True, unit="s")
    if output is not None:
        check_output("--output", output)
    if plot is not None:
        check_output("--plot", plot, IMAGE_SUFFIXES)
    if memory_budget_mb is not None:
        check_number("--memory-budget-mb", memory_budget_mb, low=0.0, low_open=True)
    spec = SweepSpec(
        paradigm=paradigm,
        rates_hz=rates,
        n_seeds=seeds,
        first_seed=first_seed,
        block=block,
        realization="windup" if no_surround else "foreman",
        recruitment=recruitment,
        recovery_cycle=recovery_cycle,
        pulses_per_burst=pulses_per_burst,
        intraburst_rate_hz=intraburst_rate_hz,
        khz_regime=khz_regime,
        **({} if async_rate_hz is None else {"async_rate_hz": async_rate_hz}),
        nociceptive_scale=nociceptive_scale,
        duration_s=duration_s,
        window_s=(2.0, duration_s),
    )
    spec.conditions()  # validates every program before any simulation starts
    budget = memory_budget_bytes(memory_budget_mb)
    check_memory(
        "--rate-hz", rate_hz, sweep_memory_bytes(spec), budget, f" for {duration_s:g} s runs"
    )
    with Progress(
        TextColumn("[bold]circuit sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
        transient=False,
    ) as bar:
        task = bar.add_task("sweep", total=None)
        rows = run_sweep(
            spec,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            memory_budget_mb=memory_budget_mb,
        )
    if output is not None:
        write_csv(output, COLUMNS, rows, field="--output")
    if plot is not None:
        from neurostim.circuit.plots import plot_frequency_response

        plot_frequency_response(rows, plot)
    bad = [r for r in rows if r["status"] != "ok"]
    if as_json:
        print_json({"rows": rows})
    else:
        table = Table(title=f"{paradigm}: mean ± SD over {seeds} seed(s)")
        for col in ("rate (Hz)", "WDR (Hz)", "WDR r_noci (Hz)", "EX (Hz)", "IN (Hz)", "inhib. %"):
            table.add_column(col, justify="right")
        cols = ("wdr_hz", "wdr_noci_hz", "ex_hz", "in_hz", "inhibition_pct")
        sums = {c: summarize(rows, c) for c in cols}
        for rate in sorted(sums["wdr_hz"]):
            cells = [
                "undefined"
                if sums[c][rate][0] != sums[c][rate][0]  # NaN: r_noci undefined
                else f"{sums[c][rate][0]:.1f} ± {sums[c][rate][1]:.1f}"
                for c in cols
            ]
            table.add_row(f"{rate:g}", *cells)
        console.print(table)
        report_written(output, plot)
    if bad:
        raise fail(f"{len(bad)} condition(s) ended with status {bad[0]['status']}", code=1)
