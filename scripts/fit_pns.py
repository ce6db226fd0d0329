"""Fit the three fitted parameters of the 60-day PNS course (src/neurostim/clinic/data/pns.toml).

Each is set by bisection so that the pooled simulated fraction equals its row of
peripheral-nerve.md §6, the three in turn for a few rounds (they interact), with the same
random numbers at every evaluation (seed fixed):

- ``relief_scale``: Gi19, >= 50 % pain reduction after 8 weeks of PNS, 8/12;
- ``late_share``: PR22, 31 % late responders;
- ``fade_share``: PR22, 7 % faders after an early > 60 % response.

The other rows of §6 (Gi19 weeks 1-4 and placebo, Gi20, Gi21, Co19) are not used. The script
prints the values; copy them into pns.toml (rounded to 3 decimals).

    PYTHONPATH=src python scripts/fit_pns.py [--replicates 3000] [--seed 1] [--rounds 6]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace

from neurostim.clinic.pns import PnsParameters, load_pns_parameters, pns_study, run_pns_study

TARGETS = (
    ("relief_scale", "gilmore-2019", "responder_week_8", "pns", 8 / 12),
    ("late_share", "real-world-2022", "late_responder", "pns", 0.31),
    ("fade_share", "real-world-2022", "fader", "pns", 0.07),
)


def _bisect(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """x in [lo, hi] with f(x) = target for f rising in x (20 halvings)."""
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    params = load_pns_parameters()
    for r in range(args.rounds):
        for name, study, endpoint, arm, target in TARGETS:
            s = pns_study(study)
            reps = max(1, args.replicates * 12 // sum(a.n for a in s.arms))

            def f(x: float, name: str = name, s=s, endpoint=endpoint, arm=arm, reps=reps,
                  base: PnsParameters = params) -> float:  # fmt: skip
                p = replace(base, **{name: x})
                res = run_pns_study(s, replicates=reps, seed=args.seed, params=p)
                return res.pooled[(endpoint, arm)]

            hi = 1.0 - (params.fade_share if name == "late_share" else 0.0)
            hi = min(hi, 1.0 - params.late_share) if name == "fade_share" else hi
            params = replace(params, **{name: _bisect(f, target, 0.0, hi)})
        print(
            f"round {r + 1}: " + ", ".join(f"{n} = {getattr(params, n):.4f}" for n, *_ in TARGETS)
        )


if __name__ == "__main__":
    main()
