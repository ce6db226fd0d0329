"""Write the NEURON reference tables of the interpolated MRG model (``mrg-interpolation``).

Runs the protocol (docs/reference/PROTOCOL.md: point source in 0.2 S/m over the centre node,
41 nodes, 61 for anodic pulses, dt 5 µs, tstop 5 ms) in NEURON through
``neurostim.compare.neuron_mrg`` with ``model="mrg-interpolation"``, and writes

- ``tests/reference/data/mrg_interpolation_thresholds.csv``: the case columns of the engine's
  case table plus ``tolerance_rel``, ``threshold_ma`` (signed, midpoint of the final bracket),
  ``status``, ``n_sims`` and ``seconds`` (NEURON wall time);
- ``tests/reference/data/mrg_interpolation_cv.csv``: conduction velocity by the mrg_cv.csv
  protocol (41 nodes, dt 5 µs, 10 nA x 0.1 ms at node 2, interpolated -30 mV crossings at
  nodes 10 and 30).

Diameters: four off the published table (2.0, 3.5, 12.4 and, for the CV, 2.5 and 4.5 µm) and
three on it (5.7, 7.3, 16 µm, where the fit and Table 1 differ). Needs NEURON (the ``compare``
extra); about five minutes on one core.

    PYTHONPATH=src python scripts/mrg_interpolation_reference.py
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import time
from pathlib import Path

from neurostim._files import write_text
from neurostim.compare.neuron_mrg import neuron_cv, neuron_threshold

DATA = Path(__file__).resolve().parents[1] / "tests" / "reference" / "data"
MODEL = "mrg-interpolation"
TOLERANCE_REL = 1e-4
DIAMETERS_UM = (2.0, 3.5, 5.7, 7.3, 12.4, 16.0)
CV_DIAMETERS_UM = (2.0, 2.5, 3.5, 4.5, 5.7, 7.3, 10.0, 12.4, 16.0)
CASES = (  # distance_mm, waveform, pulse_width_ms
    (0.5, "monophasic-cathodic", 0.1),
    (1.0, "monophasic-cathodic", 0.1),
    (2.0, "biphasic-cathodic-first", 0.2),
    (1.0, "monophasic-anodic", 0.1),
)
COLUMNS = ("model", "diameter_um", "distance_mm", "waveform", "pulse_width_ms", "n_pulses",
           "rate_hz", "n_nodes", "dt_ms", "tstop_ms", "tolerance_rel", "threshold_ma",
           "status", "n_sims", "seconds")  # fmt: skip


def _csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(columns))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def thresholds() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for d in DIAMETERS_UM:
        for dist, wf, pw in CASES:
            n_nodes = 61 if wf == "monophasic-anodic" else 41
            r = neuron_threshold(d, dist, wf, pw, n_nodes=n_nodes, dt_ms=0.005, tstop_ms=5.0,
                                 tolerance_rel=TOLERANCE_REL, model=MODEL)  # fmt: skip
            rows.append({
                "model": MODEL, "diameter_um": d, "distance_mm": dist, "waveform": wf,
                "pulse_width_ms": pw, "n_pulses": 1, "rate_hz": 0, "n_nodes": n_nodes,
                "dt_ms": 0.005, "tstop_ms": 5.0, "tolerance_rel": TOLERANCE_REL,
                "threshold_ma": f"{r['threshold_ma']:.8g}", "status": r["status"],
                "n_sims": r["n_sims"], "seconds": f"{r['seconds']:.2f}",
            })  # fmt: skip
            print(f"{d:5.1f} um {dist} mm {wf:24s} {pw} ms: {r['threshold_ma']:.6f} mA "
                  f"{r['status']} ({r['seconds']:.1f} s)", flush=True)  # fmt: skip
    return rows


def velocities() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for d in CV_DIAMETERS_UM:
        cv = neuron_cv(d, n_nodes=41, dt_ms=0.005, model=MODEL)
        rows.append({"model": MODEL, "diameter_um": d, "n_nodes": 41, "dt_ms": 0.005,
                     "cv_m_per_s": f"{cv:.6g}"})  # fmt: skip
        print(f"{d:5.1f} um: CV {cv:.3f} m/s ({cv / d:.2f} m/s per um)", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA, help="Directory of the two CSV files.")
    args = ap.parse_args()
    import neuron

    t0 = time.perf_counter()
    cv_rows = velocities()
    write_text(args.out / "mrg_interpolation_cv.csv",
               _csv(cv_rows, ("model", "diameter_um", "n_nodes", "dt_ms", "cv_m_per_s")),
               field="output")  # fmt: skip
    rows = thresholds()
    write_text(args.out / "mrg_interpolation_thresholds.csv", _csv(rows, COLUMNS), field="output")
    print(f"NEURON {neuron.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}: {time.perf_counter() - t0:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
