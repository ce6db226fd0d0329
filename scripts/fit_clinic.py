"""Fit the pain model's free parameters to the calibration studies and freeze them.

Runs :func:`neurostim.clinic.calibration.fit` on the shipped protocols (the calibration trials
of patient-clinic.md §5 only; the held-back studies are not shipped and never used), writes the
fitted values to ``src/neurostim/patient/data/fitted.toml`` (which overrides
``pain_model.toml``) and prints the objective before and after. Then regenerate the report
with ``python scripts/calibration_report.py``.

    PYTHONPATH=src python scripts/fit_clinic.py [--replicates 20] [--seed 0] [--max-evaluations 300]
        [--parameters name,name,...] [--studies process,senza-rct,...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from neurostim._files import write_text
from neurostim.clinic.calibration import fit, fitted_toml, merged_with_frozen

OUT = Path(__file__).resolve().parents[1] / "src" / "neurostim" / "patient" / "data" / "fitted.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-evaluations", type=int, default=300)
    ap.add_argument("--parameters", default=None, help="comma-separated (default: all fitted)")
    ap.add_argument("--studies", default=None, help="comma-separated (default: all shipped)")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args()
    names = None if args.parameters is None else args.parameters.split(",")
    studies = None if args.studies is None else args.studies.split(",")
    result = fit(
        names, studies=studies, replicates=args.replicates, seed=args.seed,
        max_evaluations=args.max_evaluations,
    )  # fmt: skip
    write_text(args.output, fitted_toml(merged_with_frozen(result)) + "\n", field="--output")
    print(f"objective {result['start_objective']:.2f} -> {result['objective']:.2f} "
          f"({result['evaluations']} evaluations, {result['runtime_s']:.0f} s)")  # fmt: skip
    for name, value in result["parameters"].items():
        print(f"  {name} = {value:.4g}")
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
