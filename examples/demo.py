"""neurostim's main job for now: check every example program, then run the tonic one end to end
through a spinal cord.

Run ``python examples/demo.py [OUT_DIR]`` (default ``out/``).

1. For each program in examples/programs/ it validates the program against its stimulator
   profile, computes the safety and battery figures, prints one summary table, and writes
   ``<program>.png`` (the per-contact current over three cycles) and ``summary.json``.
2. The spinal cord (docs/scs.md): the tonic example's two 8-contact percutaneous leads lie side
   by side on the dura at T8-T10, over a finite-element cord with the T10 level's anatomy
   (docs/anatomy.md; coarse mesh, one unit-current solve per contact, cached in the user cache
   directory or ``NEUROSTIM_CACHE_DIR``). ``neurostim.pipeline.scs.scs_map`` gives the
   perception threshold (PT), the discomfort threshold, recruitment per dermatome and side and
   the coverage at the program amplitude; printed, in ``scs.json`` and drawn in ``map.png``
   (dermatome body map front and back, dermatome bars, recruitment vs amplitude).
3. Then the circuit, in one call of ``neurostim.pipeline.run`` on the same (now cached) cord
   (docs/pipeline.md): the thresholds of a small dorsal-column population of MRG fibers (27
   fibers: 3 diameters, depths 0.1-0.5 mm below the cord's surface, 3 mediolateral positions)
   under the program's first pulse, the recruitment curve (``recruitment.png``), each circuit
   Abeta afferent driven by its own fiber's threshold in a short simulation of the dorsal-horn
   circuit (docs/circuit.md), whose WDR inhibition is printed; every stage's numbers in
   ``pipeline.json``.

4. A small in-silico trial (docs/clinic.md): ``examples/trials/demo.toml``, the shipped tonic
   and 10 kHz trial programs against conventional medical management in virtual FBSS patients
   (100 per arm), replicated on a local Dask cluster; the responder rates (>= 50 % less pain)
   at 3 and 12 months with the central 95 % of the replicate trials are printed, written to
   ``trial.json`` and drawn in ``trial.png``. The coverage and circuit relief of the programs
   are read from tables shipped with the package (docs/patient-coverage.md).

The first run meshes and solves the cord (about a minute) and compiles the fiber and circuit
kernels (Numba, cached afterwards); a later run reads the cord from the cache.

Exit code 0 when every program that is meant to be valid is valid.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from neurostim.anatomy import SpinalCordAnatomy, load_anatomy
from neurostim.device import Program, check_program, load_program
from neurostim.device.plotting import plot_waveform, waveform_for_plot
from neurostim.fibers.spinal import dorsal_column_grid
from neurostim.pipeline import CircuitSettings, PipelineResult, RecruitmentResult, run
from neurostim.pipeline.scs import SpinalMap, fitting_n_nodes, scs_map
from neurostim.pipeline.scs_plots import plot_map

PROGRAMS = Path(__file__).resolve().parent / "programs"
LEVEL = "T10"
"""The leads lie at T8-T10; the cord under them is the T10 level's (docs/anatomy.md)."""
MESH = "coarse"
CIRCUIT_DURATION_S = 2.0
CIRCUIT_STIM_START_S = 0.5
DIAMETERS_UM = (5.7, 10.0, 16.0)
TRIAL = Path(__file__).resolve().parent / "trials" / "demo.toml"
TRIAL_REPLICATES = 100


def main(
    out_dir: str | Path = "out",
    *,
    anatomy: SpinalCordAnatomy | None = None,
    trial_replicates: int = TRIAL_REPLICATES,
    trial_workers: int | None = None,
) -> int:
    """Check and plot every example program into ``out_dir``, run the tonic one through the
    spinal cord (``anatomy``, default the T10 level's) and the circuit, then the small trial
    (``trial_workers``: local Dask workers, default one per core; 0 = in this process); the
    exit code."""
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    console = Console(width=max(Console().width, 130))
    n_invalid = check_programs(out, console)
    cord = load_anatomy(LEVEL) if anatomy is None else anatomy
    program = load_program(sorted(PROGRAMS.glob("tonic*.toml"))[0])
    spinal_cord(program, cord, out, console)
    end_to_end(program, cord, out, console)
    small_trial(out, console, replicates=trial_replicates, workers=trial_workers)
    console.print(f"demo done in {time.perf_counter() - start:.1f} s")
    return 1 if n_invalid else 0


def check_programs(out: Path, console: Console) -> int:
    """Check and plot every example program into ``out``; the number of invalid ones."""
    start = time.perf_counter()
    table = Table(title="Example programs (neurostim program check)")
    for col in ("program", "stimulator", "valid", "max D (uC/cm²)", "max k", "battery", "warnings"):
        table.add_column(col)
    summary = []
    n_invalid = 0
    for path in sorted(PROGRAMS.glob("*.toml")):
        result = check_program(path)
        data = result.to_dict()
        summary.append({"file": path.name, **data})
        if not result.valid:
            n_invalid += 1
            table.add_row(path.stem, result.program.stimulator, "[red]no[/red]", "", "", "", "")
            continue
        densities = [c["charge_density_uc_per_cm2"] or 0.0 for c in data["contacts"]]
        ks = [c["shannon_k"] for c in data["contacts"] if c["shannon_k"] is not None]
        b = data["battery"]
        if b["longevity_years"] is not None:
            battery = f"{b['longevity_years']:.1f} years"
        else:
            battery = f"{b['recharge_minutes_per_day']:.1f} min/day"
        codes = sorted({w["code"] for w in data["warnings"]})
        table.add_row(
            path.stem,
            result.program.stimulator,
            "yes",
            f"{max(densities):.2f}",
            f"{max(ks):.2f}",
            battery,
            ", ".join(codes) or "-",
        )
        waveform = waveform_for_plot(result.program, cycles=3)
        plot_waveform(waveform, out / f"{path.stem}.png", title=result.program.name or path.stem)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    console.print(table)
    console.print(f"plots and summary.json in {out}/ ({time.perf_counter() - start:.1f} s)")
    return n_invalid


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _ma(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} mA"


def spinal_cord(
    program: Program, anatomy: SpinalCordAnatomy, out: Path, console: Console
) -> SpinalMap:
    """The tonic program on the finite-element cord: PT, discomfort, dermatomes, coverage."""
    start = time.perf_counter()
    with console.status(f"finite-element cord at {anatomy.level} and fiber thresholds ..."):
        result, ids = scs_map(program, anatomy, mesh_level=MESH)
    d = result.to_dict(ids)
    fem = d["fem"]
    cost = "from the cache"
    if not fem["cache_hit"]:
        cost = (
            f"meshed in {fem['mesh_s']:.0f} s, {len(ids)} contacts solved in {fem['solve_s']:.0f} s"
        )
    console.print(
        f"[bold]{program.name}[/bold] on the spinal cord: {len(program.leads)} percutaneous leads "
        f"side by side on the dura at T8-T10, cord of the {anatomy.level} level (segment "
        f"{anatomy.cord_segment}, dorsal CSF {anatomy.dcsf_mm:g} mm); {MESH} finite-element "
        f"cord, {fem['elements']} elements, {cost}; {sum(d['n_fibers'].values())} fibers "
        f"({d['n_fibers']['dc']} dorsal column, {d['n_fibers']['dr']} dorsal root)"
    )
    discomfort = d["discomfort_threshold_ma"]
    first = d["first_recruited"]
    console.print(
        f"perception threshold {_ma(d['perception_threshold_ma'])}, discomfort "
        f"{_ma(discomfort)} ({d['discomfort_rule']}), DR/DC threshold ratio "
        + ("-" if d["dr_dc_threshold_ratio"] is None else f"{d['dr_dc_threshold_ratio']:.2f}")
        + ("" if first is None else f"; first fiber: {first['population'].upper()} "
           f"{first['dermatome']} {first['side']}, {first['depth_mm']:g} mm deep")
    )  # fmt: skip
    amplitude = d["amplitude_ma"]
    if discomfort is not None and amplitude > discomfort:
        console.print(
            f"[yellow]the program's {amplitude:g} mA is above the discomfort threshold on this "
            f"cord[/yellow]"
        )
    table = Table(title=f"Recruited at {amplitude:g} mA, per dermatome and side (weighted)")
    for col in ("dermatome", "DC left", "DC right", "DR left", "DR right", "covered"):
        table.add_column(col)
    by = {(r["name"], r["side"]): r for r in d["dermatomes"]}
    covered = d["coverage_by_side"]
    for name in reversed(dict.fromkeys(r["name"] for r in d["dermatomes"])):
        left, right = by.get((name, "left"), {}), by.get((name, "right"), {})
        sides = [s for s in ("left", "right") if name in covered[s]]
        table.add_row(
            name, _pct(left.get("dc_fraction")), _pct(right.get("dc_fraction")),
            _pct(left.get("dr_fraction")), _pct(right.get("dr_fraction")),
            " + ".join(sides) or "-",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"coverage (>= {100 * d['coverage_fraction']:.0f} % of a dermatome's DC fibers): "
        f"{', '.join(d['coverage']) or 'none'}; undetermined fibers (never counted): "
        f"{d['undetermined_fibers']}"
    )
    plot_map(result, out / "map.png")
    (out / "scs.json").write_text(json.dumps(d, indent=2) + "\n")
    console.print(
        f"spinal cord in {time.perf_counter() - start:.1f} s; map.png (body map, dermatomes, "
        f"recruitment vs amplitude) and scs.json in {out}/"
    )
    return result


def end_to_end(
    program: Program, anatomy: SpinalCordAnatomy, out: Path, console: Console
) -> PipelineResult:
    """Tonic program -> the same cord -> fibers -> dorsal-horn circuit in one ``run``."""
    start = time.perf_counter()
    grid = dorsal_column_grid(
        anatomy, depths_mm=(0.1, 0.3, 0.5), ml_mm=[-1.0, 0.0, 1.0], diameters_um=DIAMETERS_UM,
        class_fractions=(0.70, 0.25, 0.05), n_nodes=fitting_n_nodes(anatomy, DIAMETERS_UM),
    )  # fmt: skip
    result = run(
        program,
        anatomy=anatomy,
        mesh_level=MESH,
        population=grid.fibers,
        tolerance_rel=0.02,
        circuit=CircuitSettings(duration_s=CIRCUIT_DURATION_S, stim_start_s=CIRCUIT_STIM_START_S),
    )
    rec, population = result.recruitment, result.population
    amplitudes, recruited, _ = rec.curve()
    statuses = result.to_dict()["statuses"]
    console.print(
        f"[bold]{program.name}[/bold] end to end: {population.n_fibers} dorsal-column MRG fibers "
        f"on the same cord ({'cached' if rec.conductor.get('cache_hit') else 'solved'}), "
        f"statuses {statuses}"
    )
    table = Table(title="Thresholds (mA of the program amplitude), median over x and node offset")
    table.add_column("diameter (um)")
    depth_of = grid.depth_mm
    depths = sorted({float(d) for d in depth_of})
    for depth in depths:
        table.add_column(f"{depth:g} mm")
    for d in np.unique(population.diameter_um):
        cells = []
        for depth in depths:
            sel = (population.diameter_um == d) & (depth_of == depth) & (rec.status == "ok")
            cells.append(f"{np.median(rec.threshold_ma[sel]):.2f}" if sel.any() else "-")
        table.add_row(f"{d:g}", *cells)
    console.print(table)
    half = amplitudes[np.argmax(recruited >= 0.5)] if recruited.max() >= 0.5 else np.nan
    console.print(
        f"recruited at {rec.amplitude_ma:g} mA: {rec.recruited_fraction:.0%} "
        f"(+{rec.undetermined_fraction:.0%} undetermined); 50 % recruited at {half:.2f} mA"
    )
    _plot_recruitment(rec, population.diameter_um, depth_of, out / "recruitment.png",
                      program.name or "tonic")  # fmt: skip
    (out / "pipeline.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    circuit = result.circuit
    assert circuit is not None
    rate_hz = program.trains[0].rate_hz
    n_aff = result.afferents.fiber_index.size
    for b, bound in enumerate(circuit.bounds):
        n_rec = int(np.sum((result.afferents.margin_lower, result.afferents.margin_upper)[b] >= 1))
        status = "" if np.all(circuit.status[b] == "ok") else f" [red]{circuit.status[b]}[/red]"
        console.print(
            f"dorsal horn at {rate_hz:g} Hz ({bound}: {n_rec}/{n_aff} Abeta afferents recruited, "
            f"each from its own fiber's threshold): WDR non-pulse-locked rate "
            f"{circuit.noci_rate_hz[b].mean():.1f} Hz vs "
            f"{circuit.noci_rate_unstimulated_hz.mean():.1f} Hz unstimulated, inhibition "
            f"{circuit.inhibition_percent[b]:.0f} % (total rate "
            f"{circuit.inhibition_total_percent[b]:.0f} %){status}"
        )
    console.print(
        f"end to end in {time.perf_counter() - start:.1f} s; recruitment.png and pipeline.json "
        f"in {out}/"
    )
    return result


def _plot_recruitment(
    result: RecruitmentResult,
    diameter_um: np.ndarray,
    depth_mm: np.ndarray,
    path: Path,
    title: str,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    amplitudes, recruited, undetermined = result.curve()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(amplitudes, 100 * recruited, lw=1.5, label="recruited (status ok)")
    if undetermined.max() > 0:
        ax1.fill_between(amplitudes, 100 * recruited, 100 * (recruited + undetermined),
                         alpha=0.3, label="undetermined")  # fmt: skip
    ax1.axvline(result.amplitude_ma, color="0.4", ls="--", lw=1, label="program amplitude")
    ax1.set_xlabel("program amplitude (mA)")
    ax1.set_ylabel("recruited dorsal-column fibers (%, weighted)")
    ax1.set_title(f"{title}: recruitment curve", fontsize=10)
    ax1.legend(fontsize=8)
    ok = result.status == "ok"
    for d in np.unique(diameter_um):
        sel = diameter_um == d
        ax2.scatter(depth_mm[sel & ok], result.threshold_ma[sel & ok], s=14, label=f"{d:g} um")
        bad = sel & ~ok & np.isfinite(result.threshold_ma)
        ax2.scatter(depth_mm[bad], result.threshold_ma[bad], marker="x", color="k", s=20)
    ax2.set_yscale("log")
    ax2.set_xlabel("depth below the cord's dorsal surface (mm)")
    ax2.set_ylabel("threshold (mA)")
    ax2.set_title("thresholds (x: status not ok)", fontsize=10)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def small_trial(out: Path, console: Console, *, replicates: int, workers: int | None) -> Any:
    """The example trial: responders at 3 and 12 months per arm, with their intervals."""
    from neurostim.clinic import load_protocol
    from neurostim.clinic.plots import plot_trial
    from neurostim.clinic.trial import run_trial

    protocol = load_protocol(TRIAL)
    n = sum(a.n for a in protocol.arms)
    console.print(
        f"[bold]trial[/bold] {protocol.title}: {n} virtual FBSS patients, {replicates} replicate "
        "trials on a local Dask cluster"
    )
    result = run_trial(protocol, replicates=replicates, seed=0, workers=workers, progress=True)
    table = Table(title="Responders (>= 50 % less pain), mITT: median and 95 % of replicate trials")
    for col in ("arm", "3 months", "12 months"):
        table.add_column(col)
    by = {(r["id"], r["arm"]): r for r in result.endpoints()}
    for arm in protocol.arm_ids:
        cells = []
        for eid in ("responder_3", "responder_12"):
            r = by[(eid, arm)]
            lo, hi = r["ci95"]
            cells.append(f"{_pct(r['median'])} ({_pct(lo)} – {_pct(hi)})")
        table.add_row(arm, *cells)
    console.print(table)
    (out / "trial.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    plot_trial(result, out / "trial.png")
    console.print(
        f"{result.patients_simulated} patients simulated in {result.runtime_s:.1f} s; "
        f"trial.json and trial.png in {out}/"
    )
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "out"))
