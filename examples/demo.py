"""neurostim's main job for now: check every example program and plot its waveform.

Run ``python examples/demo.py [OUT_DIR]`` (default ``out/``). For each program in
examples/programs/ it validates the program against its stimulator profile, computes the safety
and battery figures, prints one summary table, and writes ``<program>.png`` (the per-contact
current over three cycles) and ``summary.json`` into the output folder. Exit code 0 when every
program that is meant to be valid is valid.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from neurostim.device import check_program
from neurostim.device.plotting import plot_waveform, waveform_for_plot

PROGRAMS = Path(__file__).resolve().parent / "programs"


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
    return 1 if n_invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "out"))
