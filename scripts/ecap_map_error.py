"""Interpolation error of a built ECAP map against direct growth curves between its grid points.

    python scripts/ecap_map_error.py MAP.csv PROGRAM.toml [--level T10] [--dcsf 4.5,6.5]

Runs ``neurostim.ecap.ecap_growth`` at each dCSF (one finite-element solve per dCSF, cached) and
prints, per dCSF, the largest |map - direct| in uV, the same relative to the direct ECAP where
it is above the map's threshold criterion, and the ECAP-threshold error (docs/ecap-loop.md §2).
"""

from __future__ import annotations

import argparse

from neurostim.device import load_program
from neurostim.ecap import ecap_growth, growth_from_curves, interpolation_error, read_map


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("map")
    parser.add_argument("program")
    parser.add_argument("--level", default="T10")
    parser.add_argument("--dcsf", default=None, help="comma-separated mm (default: midpoints)")
    args = parser.parse_args()
    ecap_map = read_map(args.map)
    dcsf = None if args.dcsf is None else [float(x) for x in args.dcsf.split(",")]
    growth = growth_from_curves(ecap_growth, load_program(args.program), args.level)
    err = interpolation_error(ecap_map, growth, dcsf)
    print("| dCSF (mm) | max abs error (uV) | max rel error above criterion | threshold error |")
    print("|---|---|---|---|")
    for i, d in enumerate(err.dcsf_mm):
        print(
            f"| {d:.2f} | {err.max_abs_uv[i]:.2f} | {100 * err.max_rel[i]:.1f} % "
            f"| {100 * err.threshold_rel[i]:.1f} % |"
        )


if __name__ == "__main__":
    main()
