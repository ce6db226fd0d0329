"""Zhang, Janik & Grill 2014: WDR rate vs SCS frequency (pain-circuit.md s3 row 1, table 3a).

Runs the row-1 protocol (Foreman realization, ongoing Abeta 9, Adelta 8.5, C 2.7 Hz, every pulse
recruits all local and surround Abeta, rates over seconds 1-6 of stimulation) and plots the
frequency response over the published table 3a values. Also prints the pain proxy (s1.5).

    python examples/frompapers/Zhang_2014_frequency_response.py [out.png] [--quick]
"""

from __future__ import annotations

import sys

import numpy as np

from neurostim.circuit import SweepSpec, pain_proxy_nrs, run_sweep, summarize
from neurostim.circuit.plots import plot_frequency_response


def main(path: str = "zhang2014_frequency_response.png", quick: bool = False) -> list[dict]:
    spec = SweepSpec(
        rates_hz=(0, 20, 100) if quick else (0, 2, 5, 10, 20, 40, 60, 80, 100, 200, 500, 1000),
        n_seeds=1 if quick else 3,
        duration_s=3.0 if quick else 7.0,
        window_s=(2.0, 3.0) if quick else (2.0, 7.0),
    )
    rows = run_sweep(spec)
    plot_frequency_response(rows, path)
    wdr, noci = summarize(rows, "wdr_hz"), summarize(rows, "wdr_noci_hz")
    base = noci[0.0][0]
    print("rate_hz  WDR r_total  WDR r_noci  pain proxy (NRS0 = 7.5)")
    for rate in wdr:
        nrs = pain_proxy_nrs(np.array([noci[rate][0]]), np.array([base]))[0]
        print(f"{rate:7g}  {wdr[rate][0]:11.1f}  {noci[rate][0]:10.1f}  {nrs:5.1f}")
    return rows


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(*(args[:1]), quick="--quick" in sys.argv)
