"""``neurostim pns``: peripheral nerve stimulation on a finite-element nerve (``pns map``) and
virtual 60-day percutaneous PNS cohorts (``pns trial list``, ``pns trial run``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from neurostim._files import IMAGE_SUFFIXES, check_output_path
from neurostim.cli._common import (
    EXIT_INVALID,
    OneLineErrors,
    check_int,
    console,
    err_console,
    fail,
    guarded,
    print_json,
    show,
    write_csv,
)
from neurostim.device import check_program

app = typer.Typer(
    help="Peripheral nerve stimulation maps (finite-element nerve).", no_args_is_help=True
)

MESH_LEVELS = ("coarse", "medium", "fine")
PERINEURIUM = {"thin": "thin-layer", "meshed": "meshed"}
RETURNS = ("skin_pad", "far_ground")


def _fmt(x: Any, spec: str = ".3g") -> str:
    return "-" if x is None else format(x, spec)


def _nerve(spec: str, conductivity: str | None) -> Any:
    from neurostim.nerve import load_nerve

    overrides: dict[str, Any] = {}
    if conductivity is not None:
        overrides["conductivity"] = (
            str(Path(conductivity).resolve()) if conductivity.endswith(".toml") else conductivity
        )
    if spec.endswith(".toml") or Path(spec).is_file():
        return load_nerve(file=spec, **overrides)
    return load_nerve(spec, **overrides)


@app.command("map")
@guarded
def map_command(
    file: Path = typer.Argument(..., help="Program TOML file."),
    nerve: str = typer.Option("sciatic_midthigh", "--nerve", help="Nerve site or nerve TOML."),
    electrode: str | None = typer.Option(
        None, help="cuff:PRESET, sprint, or a lead TOML (default: the program's lead)."
    ),
    distance_mm: float = typer.Option(10.0, help="Percutaneous lead to nerve surface (mm)."),
    angle_deg: float = typer.Option(30.0, help="Percutaneous lead to nerve axis (deg)."),
    conductivity: str | None = typer.Option(None, help="Conductivity set or TOML file."),
    perineurium: str = typer.Option("thin", help="Perineurium: thin (layer) or meshed."),
    return_kind: str = typer.Option(
        "skin_pad", "--return", help="Percutaneous return: skin_pad (§7) or far_ground."
    ),
    pad_diameter_mm: float = typer.Option(
        50.0, help="Skin-pad return: diameter (mm; §7 return_pad_diam_mm)."
    ),
    pad_distance_mm: float = typer.Option(
        100.0, help="Skin-pad return: distance along the nerve (mm; §7 return_pad_distance_mm)."
    ),
    fibers_per_class: int | None = typer.Option(
        None, help="Fibers per class per fascicle (default 50/50/30)."
    ),
    seed: int | None = typer.Option(None, help="Seed of fiber placement (default the nerve's)."),
    mesh: str = typer.Option("coarse", help="Finite-element mesh: coarse|medium|fine."),
    train_index: int | None = typer.Option(None, help="Train of a multiplexed program."),
    fibers_out: Path | None = typer.Option(None, help="Write one CSV row per fiber."),
    plot: Path | None = typer.Option(None, help="Write the map figure (.png, .svg, .pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    workers: int = typer.Option(
        0, help="Processes searching thresholds (0: one per CPU, at most 2; 1: this process)."
    ),
) -> None:
    """Thresholds per fiber, recruitment per fascicle and class, selectivity, sensation and
    discomfort thresholds.

    Exit code 0: done; 1: the program breaks a device limit; 2: malformed input or impossible
    geometry (refused before any meshing).
    """
    from neurostim.errors import InputError
    from neurostim.nerve import ReturnElectrode
    from neurostim.pipeline.pns import FIBER_COLUMNS, pns_map
    from neurostim.pipeline.recruitment import GROUPS_AT_ONCE

    if mesh not in MESH_LEVELS:
        raise InputError("mesh", mesh, f"must be one of {', '.join(MESH_LEVELS)}")
    if perineurium not in PERINEURIUM:
        raise InputError("perineurium", perineurium, "must be thin or meshed")
    if return_kind not in RETURNS:
        raise InputError("return", return_kind, f"must be one of {', '.join(RETURNS)}")
    check_int("--workers", workers, low=0, high=1024)
    returns = ReturnElectrode(
        return_kind, pad_diameter_mm=pad_diameter_mm, pad_distance_mm=pad_distance_mm
    )
    if seed is not None and not 0 <= seed < 2**32:
        raise InputError("seed", seed, "must be in [0, 2**32)")
    if not (0.0 <= distance_mm <= 30.0):
        raise InputError("distance_mm", distance_mm, "0-30 mm from the nerve's surface")
    if not (0.0 <= angle_deg <= 90.0):
        raise InputError("angle_deg", angle_deg, "0-90 deg to the nerve's axis")
    if plot is not None:
        check_output_path("plot", plot, IMAGE_SUFFIXES)
    if fibers_out is not None:
        check_output_path("fibers_out", fibers_out, (".csv",))
    geometry = _nerve(nerve, conductivity)
    checked = check_program(file)
    if not checked.valid:
        first = checked.errors[0]
        raise fail(f"{first.field} = {first.value!r}: {first.message}", EXIT_INVALID)
    try:
        with err_console.status("finite-element nerve and fiber thresholds ..."):
            result = pns_map(
                checked.program,
                geometry,
                electrode=electrode,
                distance_mm=distance_mm,
                angle_deg=angle_deg,
                return_electrode=returns,
                perineurium=PERINEURIUM[perineurium],
                mesh_level=mesh,
                fibers_per_class=fibers_per_class,
                seed=seed,
                train_index=train_index,
                workers=workers or min(os.cpu_count() or 1, GROUPS_AT_ONCE),
            )
        data = result.to_dict()
        if fibers_out is not None:
            write_csv(fibers_out, FIBER_COLUMNS, result.fiber_rows(), field="fibers_out")
        if plot is not None:
            from neurostim.pipeline.pns_plots import plot_pns_map

            plot_pns_map(result, plot)
    except KeyboardInterrupt:
        raise fail("interrupted; no partial file was left", 130) from None
    show(data, json_out, _print, fibers_out, plot)


def _print(d: dict[str, Any]) -> None:
    fem, n = d["fem"], d["nerve"]
    console.print(
        f"[bold]{escape(str(d['program']))}[/bold] on {escape(n['site'])} "
        f"({n['n_fascicles']} fascicles) with {escape(d['electrode']['kind'])}, "
        f"{d['amplitude_ma']:g} mA; finite-element nerve: {fem['elements']} elements, "
        f"{'cached' if fem['cache_hit'] else 'solved now'}"
    )
    window = d["comfort_window_ma"]
    console.print(
        f"sensation threshold {_fmt(d['sensation_threshold_ma'])} mA; discomfort "
        f"{_fmt(d['discomfort_threshold_ma'])} mA ({escape(d['discomfort_rule'])}); comfort "
        f"window {'-' if window is None else f'{window[0]:.3g}-{window[1]:.3g} mA'}; "
        f"undetermined fibers {d['undetermined_fibers']}"
    )
    t = Table(title="Recruitment per fascicle and class")
    for col in ("fascicle", "function", "class", "min (mA)", "I50 (mA)", "at program %"):
        t.add_column(col, justify="right")
    for f in d["fascicles"]:
        for c in f["classes"]:
            frac = c["fraction_at_program"]
            pct = None if frac is None else 100 * frac
            t.add_row(f["id"], f["function"], c["class"], _fmt(c["threshold_min_ma"]),
                      _fmt(c["i50_ma"]), _fmt(pct, ".0f"))  # fmt: skip
    console.print(t)
    best = [s for s in d["selectivity"] if s["index"] is not None]
    best.sort(key=lambda s: -s["index"])
    console.print(
        "selectivity (Abeta, at the target's I50): "
        + (", ".join(f"{s['target']} {s['index']:.2f}" for s in best[:5]) or "none")
    )
    cov = d["coverage"]
    console.print(f"coverage: {', '.join(cov['fascicles']) or 'none'}")


# --- neurostim pns trial: virtual 60-day PNS cohorts ------------------------------------------

trial_app = typer.Typer(
    help="Virtual 60-day percutaneous PNS cohorts: replicate trials of a study.",
    no_args_is_help=True,
)
app.add_typer(trial_app, name="trial")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


@trial_app.command("list", cls=OneLineErrors)
@guarded
def trial_list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The shipped PNS studies (peripheral-nerve.md §6)."""
    from neurostim.clinic.pns import pns_study, pns_study_names

    rows: list[dict[str, Any]] = []
    for name in pns_study_names():
        s = pns_study(name)
        rows.append({"name": name, "title": s.title, "indications": list(s.indications),
                     "arms": [a.id for a in s.arms], "n": sum(a.n for a in s.arms)})  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table(title="Shipped PNS studies (neurostim pns trial run NAME)")
    for col in ("name", "study", "indications", "arms", "n"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], escape(r["title"]), ", ".join(r["indications"]),
                      ", ".join(r["arms"]), str(r["n"]))  # fmt: skip
    console.print(table)


@trial_app.command("run", cls=OneLineErrors)
@guarded
def trial_run_command(
    study: str = typer.Argument(..., help="A shipped PNS study (neurostim pns trial list)."),
    replicates: int = typer.Option(200, "--replicates", help="Replicate trials (1-100000)."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives the same table."),
    lead: str = typer.Option(
        "sprint-microlead", "--lead", help="Catalog lead: sprint-microlead (coiled) or pns-4."
    ),
    map_file: Path | None = typer.Option(
        None, "--map", help="A `neurostim pns map --json` result: coverage from the map."
    ),
    coverage: float | None = typer.Option(
        None, "--coverage", help="Share of the pain map covered, 0-1 (default: per patient)."
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Trial table (.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run replicate trials of a 60-day PNS study; print responders per endpoint and arm
    against the published count, and the lead infections per 1000 indwelling days."""
    import json

    from neurostim.clinic.pns import TABLE_COLUMNS, coverage_from_map, run_pns_study
    from neurostim.errors import InputError

    check_int("--replicates", replicates, low=1, high=100_000)
    check_int("--seed", seed, low=0)
    if map_file is not None and coverage is not None:
        raise InputError("--map", str(map_file), "give --map or --coverage, not both")
    if map_file is not None:
        try:
            coverage = coverage_from_map(json.loads(map_file.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise InputError("--map", str(map_file), f"a readable JSON file ({exc})") from None
    if output is not None:
        check_output_path("--output", output, (".csv",))
    result = run_pns_study(study, replicates=replicates, seed=seed, lead=lead, coverage=coverage)
    rows = result.table()
    if output is not None:
        write_csv(output, TABLE_COLUMNS, rows, field="--output", lineterminator="\n")
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"{escape(result.study.title)}: {replicates} replicate trials, seed {seed}")
    for col in ("endpoint", "arm", "median (95 % of trials)", "pooled", "published (95 % CI)",
                "inside"):  # fmt: skip
        table.add_column(col)
    for r in rows:
        table.add_row(
            escape(r["id"]) + (" (fitted)" if r["fitted"] else ""), escape(r["arm"]),
            f"{_pct(r['median'])} ({100 * r['ci95_lo']:.0f}–{100 * r['ci95_hi']:.0f})",
            _pct(r["pooled"]),
            f"{r['published_k']}/{r['published_n']} "
            f"({100 * r['published_ci95_lo']:.0f}–{100 * r['published_ci95_hi']:.0f} %)",
            "yes" if r["inside"] else "[red]no[/red]",
        )  # fmt: skip
    console.print(table)
    inf = result.infection()
    console.print(
        f"infections ({escape(inf['lead'])}, {inf['lead_type']}): {inf['infections']} in "
        f"{inf['lead_days']:.0f} lead days = {_fmt(inf['per_1000_lead_days'])} per 1000 "
        f"(hazard {inf['hazard_per_1000_days']:g}); patients infected "
        f"{_pct(inf['patients_infected_fraction'])}"
    )
    console.print(f"lead fracture: not simulated ({escape(result.params.lead_fracture['source'])})")
    console.print(f"{result.patients_simulated} patients simulated in {result.runtime_s:.1f} s")
