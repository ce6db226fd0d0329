"""neurostim's main job for now: check every example program, then run the tonic one end to end.

Run ``python examples/demo.py [OUT_DIR]`` (default ``out/``).

1. For each program in examples/programs/ it validates the program against its stimulator
   profile, computes the safety and battery figures, prints one summary table, and writes
   ``<program>.png`` (the per-contact current over three cycles) and ``summary.json``.
2. End to end for the tonic example (device -> field -> fibers -> circuit) in one call of
   ``neurostim.pipeline.run`` (docs/pipeline.md): the thresholds of a small representative
   dorsal-column population of MRG fibers (36 fibers, 3 diameters, depths 1-4 mm) under the
   program's first pulse in a homogeneous 0.2 S/m medium, the recruitment curve
   (``recruitment.png``), each circuit Abeta afferent driven by its own fiber's threshold in a
   short simulation of the dorsal-horn circuit (docs/circuit.md), whose WDR inhibition is
   printed; every stage's numbers in ``pipeline.json``.

Exit code 0 when every program that is meant to be valid is valid.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from neurostim.device import check_program, load_program
from neurostim.device.plotting import plot_waveform, waveform_for_plot
from neurostim.pipeline import CircuitSettings, PipelineResult, RecruitmentResult, run

PROGRAMS = Path(__file__).resolve().parent / "programs"
CIRCUIT_DURATION_S = 2.0
CIRCUIT_STIM_START_S = 0.5


def main(out_dir: str | Path = "out") -> int:
    """Check and plot every example program into ``out_dir``; return the exit code."""
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
    console = Console(width=max(Console().width, 130))
    console.print(table)
    console.print(f"plots and summary.json in {out}/ ({time.perf_counter() - start:.1f} s)")
    end_to_end(out, console)
    console.print(f"demo done in {time.perf_counter() - start:.1f} s")
    return 1 if n_invalid else 0


def end_to_end(out: Path, console: Console) -> PipelineResult:
    """Tonic program -> fibers -> dorsal-horn circuit in one ``neurostim.pipeline.run``."""
    start = time.perf_counter()
    path = sorted(PROGRAMS.glob("tonic*.toml"))[0]
    program = load_program(path)
    result = run(
        program,
        tolerance_rel=0.02,
        circuit=CircuitSettings(duration_s=CIRCUIT_DURATION_S, stim_start_s=CIRCUIT_STIM_START_S),
    )
    rec, population = result.recruitment, result.population
    amplitudes, recruited, _ = rec.curve()
    statuses = result.to_dict()["statuses"]
    console.print(
        f"[bold]{path.stem}[/bold] end to end: {population.n_fibers} dorsal-column MRG fibers "
        f"(homogeneous 0.2 S/m, default lead placement), statuses {statuses}"
    )
    table = Table(title="Thresholds (mA of the program amplitude), median over x and node offset")
    table.add_column("diameter (um)")
    depth_of = np.array([v[0, 1] for v in population.vertices_mm])
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
    _plot_recruitment(rec, population.diameter_um, depth_of, out / "recruitment.png", path.stem)
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
    ax2.set_xlabel("depth below the lead axis (mm)")
    ax2.set_ylabel("threshold (mA)")
    ax2.set_title("thresholds (x: status not ok)", fontsize=10)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "out"))
