"""Write the NEURON reference table of the Tigerholm C fiber (``tigerholm``).

Runs NEURON 9 with the mechanisms written from the model's equations
(``neurostim.compare.neuron_tigerholm``: its own Nernst potentials, concentrations and balance)
under the point-source protocol (0.2 S/m, source over the middle of 101 compartments, pulse from
0.1 ms, dt 5 us, tstop 8 ms, 37 C, APs at compartment 90), and writes
``tests/reference/data/tigerholm_thresholds.csv``: the case columns of the engine's case table
plus ``tolerance_rel``, ``threshold_ma`` (signed, midpoint of the final bracket), ``status``,
``n_sims`` and ``seconds`` (NEURON wall time). Needs NEURON (the ``compare`` extra); about two
minutes on one core.

    PYTHONPATH=src python scripts/tigerholm_reference.py
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from neurostim._files import write_text
from neurostim.compare.neuron_tigerholm import neuron_tigerholm_threshold

DATA = Path(__file__).resolve().parents[1] / "tests" / "reference" / "data"
MODEL = "tigerholm"
TOLERANCE_REL = 1e-4
N_SECTIONS, DT_MS, TSTOP_MS = 101, 0.005, 8.0
DIAMETERS_UM = (0.5, 0.8, 1.5, 3.0)
CASES = (  # distance_mm, waveform, pulse_width_ms
    (0.1, "monophasic-cathodic", 0.1),
    (0.3, "monophasic-cathodic", 0.5),
    (0.1, "monophasic-anodic", 0.1),
)
COLUMNS = ("model", "diameter_um", "distance_mm", "waveform", "pulse_width_ms", "n_nodes",
           "dt_ms", "tstop_ms", "tolerance_rel", "threshold_ma", "status", "n_sims",
           "seconds")  # fmt: skip


def thresholds() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for d in DIAMETERS_UM:
        for dist, wf, pw in CASES:
            guess = 0.05 * (dist / 0.1) ** 1.5 * (5.0 if wf == "monophasic-anodic" else 1.0)
            r = neuron_tigerholm_threshold(d, dist, wf, pw, N_SECTIONS, DT_MS, TSTOP_MS,
                                           tolerance_rel=TOLERANCE_REL, guess_ma=guess)  # fmt: skip
            rows.append({
                "model": MODEL, "diameter_um": d, "distance_mm": dist, "waveform": wf,
                "pulse_width_ms": pw, "n_nodes": N_SECTIONS, "dt_ms": DT_MS,
                "tstop_ms": TSTOP_MS, "tolerance_rel": TOLERANCE_REL,
                "threshold_ma": f"{r['threshold_ma']:.8g}", "status": r["status"],
                "n_sims": r["n_sims"], "seconds": f"{r['seconds']:.2f}",
            })  # fmt: skip
            print(f"{d:4.1f} um {dist} mm {wf:22s} {pw} ms: {r['threshold_ma']:.7f} mA "
                  f"{r['status']} ({r['seconds']:.1f} s)", flush=True)  # fmt: skip
    return rows


def main() -> None:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    w.writeheader()
    w.writerows(thresholds())
    write_text(DATA / "tigerholm_thresholds.csv", buf.getvalue(), field="output")


if __name__ == "__main__":
    main()
