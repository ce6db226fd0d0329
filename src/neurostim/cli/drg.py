"""``neurostim drg``: dorsal root ganglion stimulation.

``drg map``: what a DRG program recruits in one ganglion (``neurostim.drg.map.drg_map``).
``drg run``: a program's train through the neurons to the dorsal-horn circuit
(``neurostim.drg.run.drg_run``).
``drg follow``: train following at a pseudounipolar neuron's T junction
(``neurostim.drg.follow.train_following``, drg.md §4 P4). Each command lives in its own
function below and registers itself on the group ``app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from neurostim._files import IMAGE_SUFFIXES, check_output_path, write_text
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
from neurostim.device import check_program
from neurostim.errors import InputError

app = typer.Typer(
    help="Dorsal root ganglion stimulation: neurons and trains.", no_args_is_help=True
)


def _rates(text: str | None) -> list[float] | None:
    if text is None:
        return None
    out = []
    for part in text.split(","):
        try:
            out.append(float(part))
        except ValueError:
            raise InputError(
                "rates_hz", part, "comma-separated rates in Hz, e.g. 10,20,50"
            ) from None
    return out


# --- drg follow -------------------------------------------------------------------------------


@app.command("follow", cls=OneLineErrors)
@guarded
def follow_command(
    neuron_type: str = typer.Option(..., "--type", help="Neuron type: c, adelta or abeta."),
    mechanisms: str = typer.Option(
        "na-k", help="Mechanism set: na-k, m, m-ca-sk, m-ca-sk-pump (slow sets: when available)."
    ),
    rates_hz: str | None = typer.Option(
        None, "--rates-hz", help="Train rates (Hz), comma-separated; default 10-500 Hz."
    ),
    pulses: int = typer.Option(20, help="Pulses per train."),
    direction: str = typer.Option(
        "orthodromic", help="orthodromic (peripheral -> central) or antidromic."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Highest train rate at which every pulse crosses the T junction (intracellular pulses on
    the peripheral branch, APs counted at the central end)."""
    from neurostim.drg.follow import train_following

    result = train_following(neuron_type, mechanisms=mechanisms, rates_hz=_rates(rates_hz),
                             n_pulses=pulses, direction=direction)  # fmt: skip
    data = result.as_dict()
    if as_json:
        print_json(data)
        return
    _print_follow(data)


def _print_follow(data: dict[str, Any]) -> None:
    stim = data["stimulus"]
    table = Table(title=f"T-junction following: {data['type']} ({data['mechanisms']}, "
                        f"{data['direction']})")  # fmt: skip
    for col in ("rate (Hz)", "pulses", "initiated", "crossed"):
        table.add_column(col, justify="right")
    for r in data["rates"]:
        mark = "" if r["crossed"] >= r["pulses"] else " [red](failures)[/red]"
        table.add_row(f"{r['rate_hz']:g}", str(r["pulses"]), str(r["initiated"]),
                      f"{r['crossed']}{mark}")  # fmt: skip
    console.print(table)
    rate = data["following_rate_hz"]
    bound = ">= " if data["every_rate_followed"] else ""
    console.print(f"following rate: {'none' if rate is None else f'{bound}{rate:g} Hz'} "
                  f"(intracellular {stim['amplitude_na']:.3g} nA = 2 x threshold, "
                  f"{stim['pulse_width_ms']:g} ms, on the {stim['branch']} branch)")  # fmt: skip
    if data["adelta_kinetics_provisional"]:
        console.print("A-delta kinetics are provisional (MRG node kinetics at 2-3 um).")


# --- drg map ----------------------------------------------------------------------------------

MAP_MESH_LEVELS = ("coarse", "default", "fine")
MAP_CONDUCTORS = ("drg-fem", "homogeneous")
MAX_NEURONS = 10_000
MAX_WORKERS = 256


def _fmt(x: Any, spec: str = ".3g") -> str:
    return "-" if x is None else format(x, spec)


def _check_map_options(
    mesh: str, conductor: str, placement: str, seed: int, neurons: int | None
) -> None:
    """The options `drg map` and `drg run` share, refused with field, value and range."""
    if mesh not in MAP_MESH_LEVELS:
        raise InputError("mesh", mesh, f"must be one of {', '.join(MAP_MESH_LEVELS)}")
    if conductor not in MAP_CONDUCTORS:
        raise InputError("conductor", conductor, f"must be one of {', '.join(MAP_CONDUCTORS)}")
    if placement not in ("realistic", "uniform"):
        raise InputError("placement", placement, "must be one of realistic, uniform")
    if not 0 <= seed < 2**32:
        raise InputError("seed", seed, "must be in [0, 2**32)")
    if neurons is not None and not 1 <= neurons <= MAX_NEURONS:
        raise InputError("neurons", neurons, f"must be in [1, {MAX_NEURONS}] per type")


@app.command("map", cls=OneLineErrors)
@guarded
def map_command(
    file: Path = typer.Argument(..., help="Program TOML file (one DRG lead)."),
    geometry: Path | None = typer.Option(None, help="DRG geometry TOML (overrides the level)."),
    level: str | None = typer.Option(None, help="Ganglion level: L1-L5, S1 (default L5)."),
    gap_mm: float | None = typer.Option(None, help="Lead-capsule gap (mm), 0-3."),
    neurons: int | None = typer.Option(None, help="Neurons per type (default 300)."),
    seed: int = typer.Option(0, help="Seed of the population."),
    placement: str = typer.Option("realistic", help="Soma placement: realistic|uniform."),
    mesh: str = typer.Option("coarse", help="Finite-element mesh: coarse|default|fine."),
    conductor: str = typer.Option(
        "drg-fem", help="drg-fem (finite elements) or homogeneous (analytic 0.2 S/m, quick look)."
    ),
    train_index: int | None = typer.Option(None, help="Train of a multiplexed program."),
    neurons_out: Path | None = typer.Option(None, help="Write one CSV row per neuron."),
    plot: Path | None = typer.Option(None, help="Write the map figure (.png, .svg, .pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    workers: int = typer.Option(
        1, help="Local processes for the threshold searches (the same thresholds; 2 on 2 cores)."
    ),
) -> None:
    """Thresholds, initiation sites and recruitment per neuron type (Abeta, Adelta, C).

    Exit code 0: done; 1: the program breaks a device limit; 2: malformed input or impossible
    geometry (refused before any meshing).
    """
    from neurostim.drg import load_drg_geometry
    from neurostim.drg.map import drg_map
    from neurostim.errors import InputError

    _check_map_options(mesh, conductor, placement, seed, neurons)
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError("workers", workers, f"a whole number of processes, 1-{MAX_WORKERS}")
    if plot is not None:
        check_output_path("plot", plot, IMAGE_SUFFIXES)
    if neurons_out is not None:
        check_output_path("neurons_out", neurons_out, (".csv",))
    overrides = {} if gap_mm is None else {"lead_gap_mm": gap_mm}
    ganglion = load_drg_geometry(level, geometry, **overrides)
    checked = check_program(file)
    if not checked.valid:
        first = checked.errors[0]
        raise fail(f"{first.field} = {first.value!r}: {first.message}", EXIT_INVALID)
    n_total = 3 * (neurons or 300)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, disable=json_out, transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("lead, neurons and field", total=n_total)
            result = drg_map(
                checked.program, ganglion, n_per_type=neurons, seed=seed,
                placement=placement, conductor=conductor, mesh_level=mesh,
                train_index=train_index, base_dir=file.parent, workers=workers,
                progress=lambda k: bar.advance(task, k),
                on_stage=lambda s: bar.update(task, description=s),
            )  # fmt: skip
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", 130) from None
    if neurons_out is not None:
        from neurostim.drg.map import NEURON_COLUMNS

        write_csv(neurons_out, NEURON_COLUMNS, result.neuron_rows(), field="neurons_out")
    if plot is not None:
        from neurostim.drg.map_plots import plot_map

        plot_map(result, plot)
    show(result.to_dict(), json_out, _print_map, neurons_out, plot)


def _print_map(d: dict[str, Any]) -> None:
    fem = d["fem"]
    where = (
        f"finite-element ganglion: {fem['elements']} elements, "
        f"{'cached' if fem['cache_hit'] else 'solved now'}"
        if fem.get("elements") is not None
        else f"conductor {fem.get('conductor', '-')}"
    )
    console.print(
        f"[bold]{escape(str(d['program']))}[/bold] on the {escape(d['level'])} ganglion "
        f"(dermatome {escape(d['dermatome'])}), {d['amplitude_ma']:g} mA, "
        f"{d['pulse_width_us']:g} us, lead gap {d['lead_gap_mm']:g} mm; {where}"
    )
    t = Table(title="Thresholds and recruitment at the program amplitude")
    for col in ("type", "neurons", "min (mA)", "median (mA)", "recruited %", "undetermined"):
        t.add_column(col, justify="right")
    for r in d["types"]:
        t.add_row(r["type"], str(r["n_neurons"]), _fmt(r["threshold_min_ma"]),
                  _fmt(r["threshold_median_ma"]), _fmt(100 * r["fraction_at_program"], ".0f"),
                  str(r["undetermined"]))  # fmt: skip
    console.print(t)
    s = Table(title="Where the action potential starts (neurons with a threshold)")
    s.add_column("type")
    sites: dict[str, int] = next(iter(d["initiation_sites"].values()), {})
    for site in sites:
        s.add_column(site, justify="right")
    for name, counts in d["initiation_sites"].items():
        s.add_row(name, *(str(counts[k]) for k in sites))
    console.print(s)
    console.print(f"undetermined neurons: {d['undetermined_neurons']} of {d['n_neurons']}")


# --- drg run ----------------------------------------------------------------------------------

RUN_DEFAULT_NEURONS = 30
"""Neurons per type of ``drg run`` (each recruited one runs the whole train)."""


@app.command("run", cls=OneLineErrors)
@guarded
def run_command(
    file: Path = typer.Argument(..., help="Program TOML file (one DRG lead)."),
    geometry: Path | None = typer.Option(None, help="DRG geometry TOML (overrides the level)."),
    level: str | None = typer.Option(None, help="Ganglion level: L1-L5, S1 (default L5)."),
    gap_mm: float | None = typer.Option(None, help="Lead-capsule gap (mm), 0-3."),
    neurons: int = typer.Option(RUN_DEFAULT_NEURONS, help="Neurons per type (seeded)."),
    seed: int = typer.Option(0, help="Seed of the population."),
    placement: str = typer.Option("realistic", help="Soma placement: realistic|uniform."),
    mesh: str = typer.Option("coarse", help="Finite-element mesh: coarse|default|fine."),
    conductor: str = typer.Option(
        "drg-fem", help="drg-fem (finite elements) or homogeneous (analytic 0.2 S/m, quick look)."
    ),
    train_index: int | None = typer.Option(None, help="Train of a multiplexed program."),
    train_pulses: int | None = typer.Option(
        None,
        help="Pulses simulated on each recruited neuron (default 20); later pulses of the "
        "circuit run cycle through the last 10.",
    ),
    seeds: str = typer.Option("1", help="Circuit seeds, comma-separated."),
    duration_s: float = typer.Option(3.0, help="Simulated circuit time per condition (s)."),
    stim_start_s: float = typer.Option(1.0, help="Stimulation onset in the circuit run (s)."),
    no_circuit: bool = typer.Option(False, "--no-circuit", help="Stop after the trains."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the result as JSON."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """A DRG program's train through the ganglion's neurons to the dorsal-horn circuit: spikes
    arriving centrally per type and pulse, and the WDR output (as `neurostim run`).

    Exit code 0: done; 1: the program breaks a device limit; 2: malformed input or impossible
    geometry (refused before any meshing).
    """
    import json

    from neurostim.cli.run import _seeds
    from neurostim.drg import load_drg_geometry
    from neurostim.drg.run import drg_run
    from neurostim.drg.train import check_pulses
    from neurostim.pipeline import CircuitSettings

    _check_map_options(mesh, conductor, placement, seed, neurons)
    if train_pulses is not None:
        check_pulses(train_pulses)
    settings = None
    if not no_circuit:
        settings = CircuitSettings(
            duration_s=duration_s, stim_start_s=stim_start_s,
            settle_s=min(0.5, 0.5 * (duration_s - stim_start_s)), seeds=_seeds(seeds),
        )  # fmt: skip
    if output is not None:
        check_output_path("output", output, (".json",))
    overrides = {} if gap_mm is None else {"lead_gap_mm": gap_mm}
    ganglion = load_drg_geometry(level, geometry, **overrides)
    checked = check_program(file)
    if not checked.valid:
        first = checked.errors[0]
        raise fail(f"{first.field} = {first.value!r}: {first.message}", EXIT_INVALID)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, disable=json_out, transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("lead, neurons and field", total=3 * neurons)
            result = drg_run(
                checked.program, ganglion, n_pulses=train_pulses, circuit=settings,
                run_circuit=not no_circuit, n_per_type=neurons, seed=seed,
                placement=placement, conductor=conductor, mesh_level=mesh,
                train_index=train_index, base_dir=file.parent,
                progress=lambda k: bar.advance(task, k),
                on_stage=lambda s: bar.update(task, description=s),
            )  # fmt: skip
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", 130) from None
    data = result.to_dict()
    if output is not None:
        write_text(output, json.dumps(data, indent=2) + "\n", field="output")
    show(data, json_out, _print_run, output)


def _print_run(d: dict[str, Any]) -> None:
    tr = d["train"]
    console.print(
        f"[bold]{escape(str(d['program']))}[/bold] on the {escape(d['level'])} ganglion "
        f"(dermatome {escape(d['dermatome'])}), {d['amplitude_ma']:g} mA, "
        f"{d['pulse_width_us']:g} us, {d['rate_hz']:g} Hz; {tr['n_pulses']} pulses simulated"
    )
    t = Table(title="Spikes arriving at the central end")
    for col in ("type", "neurons", "recruited", "undetermined", "spikes", "per pulse (first 10)"):
        t.add_column(col, justify="right")
    for r in tr["types"]:
        per = r["central_spikes_per_pulse"]
        t.add_row(r["type"], str(r["n_neurons"]), str(r["recruited"]), str(r["undetermined"]),
                  str(r["central_spikes"]), " ".join(str(x) for x in per[:10]))  # fmt: skip
    console.print(t)
    c = d["circuit"]
    if c is None:
        return
    a = d["afferents"]
    w = Table(title=f"Dorsal-horn WDR output, {c['window_ms'][0]:g}-{c['window_ms'][1]:g} ms "
                    f"({tr['pulses_in_circuit']} pulses, {tr['pulses_repeated']} past the "
                    "simulated train)")  # fmt: skip
    for col in ("condition", "WDR total (Hz)", "r_noci (Hz)",
                "inhibition r_noci %", "inhibition total %", "status"):  # fmt: skip
        w.add_column(col, justify="right", no_wrap=col == "condition")
    u = c["unstimulated"]
    w.add_row("off", _fmt(u["wdr_rate_hz"], ".1f"), _fmt(u["noci_rate_hz"], ".1f"), "-",
              "-", ",".join(u["status"]))  # fmt: skip
    carried = ", ".join(f"{g} {a[g]['recruited']}/{a[g]['n_afferents']}"
                        for g in ("abeta", "abeta_surround", "adelta", "c"))  # fmt: skip
    for r in c["stimulated"]:
        w.add_row(r["bound"], _fmt(r["wdr_rate_hz"], ".1f"),
                  _fmt(r["noci_rate_hz"], ".1f"), _fmt(r["inhibition_percent"], ".0f"),
                  _fmt(r["inhibition_total_percent"], ".0f"), ",".join(r["status"]))  # fmt: skip
    console.print(w)
    console.print(f"circuit afferents carrying central spikes: {carried}")
    if a["bounded"]:
        console.print("lower: neurons of unknown state silent; upper: firing on every pulse")
