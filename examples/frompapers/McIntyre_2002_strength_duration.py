"""Strength-duration curves of the MRG fiber (McIntyre, Richardson & Grill 2002).

McIntyre et al. (2002, J Neurophysiol 87:995-1006) characterise the MRG model by its
strength-duration behaviour under a point electrode: thresholds fall with pulse width towards a
rheobase, and larger fibers have lower thresholds. This script computes the curves for three
diameters at 1 mm (cathodic point source, 0.2 S/m, the protocol of
docs/reference/PROTOCOL.md), fits the Weiss relation I = I_rh (1 + t_ch/PW) and saves a plot.

Run: python examples/frompapers/McIntyre_2002_strength_duration.py [out.png]
"""

from __future__ import annotations

import sys

import numpy as np

from neurostim.fibers import ProtocolCase, protocol_thresholds

DIAMETERS_UM = (5.7, 10.0, 16.0)
PULSE_WIDTHS_MS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def strength_duration(
    diameters_um=DIAMETERS_UM, pulse_widths_ms=PULSE_WIDTHS_MS, distance_mm=1.0, tol=0.005
) -> dict[float, np.ndarray]:
    """Threshold magnitudes (mA), one array of len(pulse_widths_ms) per diameter."""
    cases = [
        ProtocolCase("mrg", d, distance_mm, "monophasic-cathodic", pw)
        for d in diameters_um
        for pw in pulse_widths_ms
    ]
    res = protocol_thresholds(cases, tolerance_rel=tol)
    mag = np.abs(res.threshold_ma).reshape(len(diameters_um), len(pulse_widths_ms))
    return dict(zip(diameters_um, mag, strict=True))


def weiss_fit(pulse_widths_ms, thresholds_ma) -> tuple[float, float]:
    """Rheobase (mA) and chronaxie (ms) of I = I_rh (1 + t_ch/PW), least squares in I x PW."""
    pw = np.asarray(pulse_widths_ms)
    q = np.asarray(thresholds_ma) * pw  # charge is linear in PW: q = I_rh PW + I_rh t_ch
    slope, intercept = np.polyfit(pw, q, 1)
    return float(slope), float(intercept / slope)


def main(out: str = "McIntyre_2002_strength_duration.png") -> None:
    import matplotlib.pyplot as plt

    curves = strength_duration()
    fig, ax = plt.subplots(figsize=(5, 4))
    for d, thr in curves.items():
        rh, ch = weiss_fit(PULSE_WIDTHS_MS, thr)
        ax.loglog(PULSE_WIDTHS_MS, thr, "o-", label=f"{d:g} um: rheobase {rh:.3f} mA, "
                  f"chronaxie {ch * 1e3:.0f} us")  # fmt: skip
    ax.set_xlabel("pulse width (ms)")
    ax.set_ylabel("threshold (mA, cathodic, 1 mm)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"saved {out}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
