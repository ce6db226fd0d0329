"""Build the coverage table of the web demo's "Leg tonic" program on a small anatomy grid.

    python scripts/web_demo_table.py [--dcsf 3.0,4.5] [--offset 0.0] [--reuse CSV ...] [-o FILE]

The demo patient FBSS-01 lies at dCSF 3.0 mm on the midline (``neurostim/web/data/demo.toml``);
the program (``neurostim/web/data/example_program.toml``: L1.E4 -, L1.E5 + on the left lead) is
not left-right symmetric, so its full default grid is 5 x 5 anatomies (about 50 CPU minutes).
This script runs :func:`neurostim.patient.coverage.build_rows` on the points given (one
finite-element solve and one threshold search each, coarse mesh) and writes the CSV that
``neurostim.web.bodymap`` reads from ``neurostim/web/data/coverage``. A patient off the grid is
clamped (status ``out-of-range``) within the table's margins and refused beyond them.
``--reuse`` takes the rows of grid points that earlier tables of the same program already hold
(one build per point, then one merged table).
"""

from __future__ import annotations

import argparse
import hashlib
from importlib import resources
from pathlib import Path

from neurostim.device import load_program
from neurostim.patient.coverage import (
    build_rows,
    program_key,
    read_table_text,
    table_header,
    write_table_text,
)

PROGRAM = "data/example_program.toml"
LABEL = "neurostim/web/data/example_program.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dcsf", default="3.0", help="comma-separated dCSF values, mm")
    parser.add_argument("--offset", default="0.0", help="comma-separated cord offsets, mm")
    parser.add_argument("--level", default="T10")
    parser.add_argument("--reuse", type=Path, nargs="*", default=[])
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    path = Path(str(resources.files("neurostim.web").joinpath(PROGRAM)))
    program = load_program(path)
    dcsf = [float(x) for x in args.dcsf.split(",")]
    offsets = [float(x) for x in args.offset.split(",")]
    done: dict[tuple[float, float], list[dict[str, object]]] = {}
    for path_in in args.reuse:
        header, old_rows = read_table_text(path_in.read_text("utf-8"), str(path_in))
        if header.get("program_key") != program_key(program) or header["level"] != args.level:
            raise SystemExit(f"{path_in}: another program or level")
        for r in old_rows:
            point = (float(r["dcsf_mm"]), float(r["cord_offset_mm"]))
            done.setdefault(point, []).append(
                {
                    **r,
                    "dcsf_mm": point[0],
                    "cord_offset_mm": point[1],
                    "weight": float(r["weight"]),
                    "threshold_ma": float(r["threshold_ma"]) if r["threshold_ma"] else None,
                }
            )
    rows = []
    for d in dcsf:
        for o in offsets:
            rows += done.get((d, o)) or build_rows(program, args.level, [d], [o])
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    header = table_header(program, LABEL, args.level, dcsf, offsets, sha)
    header["rebuild"] = (
        f"python scripts/web_demo_table.py --dcsf {args.dcsf} --offset {args.offset} "
        f"--level {args.level} -o FILE"
    )
    out = args.output or Path(
        str(resources.files("neurostim.web").joinpath("data/coverage/leg-tonic.csv"))
    )
    out.write_text(write_table_text(rows, header), encoding="utf-8")
    print(f"wrote {out} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
