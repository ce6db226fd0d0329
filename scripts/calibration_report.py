"""Run every calibration study and write the comparison table of docs/clinic-calibration.md.

For each shipped protocol (patient-clinic.md §5), ``--replicates`` replicate trials with the
frozen parameters; per endpoint and arm with a published value: the published value (with its
tag: S read in the source, R recalled), the simulated median and central 95 % of replicate
trials, and whether the published value lies inside. The table goes between the markers
``<!-- calibration table -->`` and ``<!-- end calibration table -->`` of the page; the counts
are printed.

    PYTHONPATH=src python scripts/calibration_report.py [--replicates 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from neurostim._files import write_text
from neurostim.clinic.calibration import calibration_rows, run_studies
from neurostim.clinic.protocol import list_protocols
from neurostim.patient.pain import load_parameters

PAGE = Path(__file__).resolve().parents[1] / "docs" / "clinic-calibration.md"
START, END = "<!-- calibration table -->", "<!-- end calibration table -->"
FRACTIONS = ("responder", "responder30", "responder80", "remitter", "rate", "mcid")


def fmt(value: float, kind: str) -> str:
    if kind in FRACTIONS:
        return f"{100 * value:.1f} %"
    return f"{value:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    results = run_studies(load_parameters(), replicates=args.replicates, seed=args.seed,
                          workers=args.workers, progress=True)  # fmt: skip
    rows = calibration_rows(results)
    lines = [
        START,
        "",
        f"{args.replicates} replicate trials per study, seed {args.seed}; "
        f"{platform.node()}, {time.perf_counter() - t0:.0f} s.",
        "",
        "| study | endpoint | arm | month | analysis | published | tag | simulated median |"
        " central 95 % of trials | inside |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    inside = {"S": [0, 0], "R": [0, 0], "V": [0, 0]}
    for r in rows:
        tag = r["tag"]
        if r["median"] is None:
            sim, ci, ok = "-", "-", "no"
        else:
            sim = fmt(r["median"], r["kind"])
            ci = f"{fmt(r['ci95_lo'], r['kind'])} – {fmt(r['ci95_hi'], r['kind'])}"
            ok = "yes" if r["inside"] else "**no**"
        inside[tag][1] += 1
        inside[tag][0] += int(bool(r["inside"]))
        lines.append(
            f"| {r['study']} | {r['id']} | {r['arm']} | {r['month']:g} | {r['analysis']} | "
            f"{fmt(r['published'], r['kind'])} | {tag} | {sim} | {ci} | {ok} |"
        )
    summary = "; ".join(f"{tag}: {k} of {n} inside" for tag, (k, n) in inside.items() if n)
    lines += ["", f"Published values inside the simulated interval — {summary}.", "", END]
    text = PAGE.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    write_text(PAGE, head + "\n".join(lines) + tail)
    print(summary)
    print(f"studies: {', '.join(list_protocols())}")


if __name__ == "__main__":
    main()
