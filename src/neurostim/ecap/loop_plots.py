"""The figure of open against closed loop over a posture schedule (Matplotlib, Agg).

Three panels sharing the time axis: the recorded ECAP of both modes with the target and the
therapeutic window; the delivered current of both modes with the patient maximum; the dCSF with
the postures as shaded bands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim.ecap.trace import LoopTrace

_POSTURE_COLOURS = ("#e8eef7", "#f7efe3", "#e9f4e6", "#f3e6f2", "#f5f5dc", "#e0f2f1")


def _bands(ax: object, trace: LoopTrace) -> None:
    idx = trace.posture_index
    edges = np.flatnonzero(np.diff(idx)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [idx.size]])
    t = trace.time_s
    step = float(t[1] - t[0]) if t.size > 1 else 0.0
    labelled: set[int] = set()
    for a, b in zip(starts, ends, strict=True):
        p = int(idx[a])
        colour = _POSTURE_COLOURS[p % len(_POSTURE_COLOURS)]
        label = trace.postures[p] if p not in labelled else None
        labelled.add(p)
        ax.axvspan(t[a], t[b - 1] + step, color=colour, lw=0, label=label)  # type: ignore[attr-defined]


def plot_loop(
    open_trace: LoopTrace, closed_trace: LoopTrace, path: str | Path, title: str = ""
) -> Path:
    """Draw open against closed loop (module docstring) to ``path`` (.png, .svg or .pdf)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neurostim._files import save_figure

    fig, axes = plt.subplots(3, 1, figsize=(10, 7.5), sharex=True, height_ratios=[3, 2, 1.4])
    try:
        t_o, t_c = open_trace.time_s, closed_trace.time_s
        ax = axes[0]
        lo, hi = closed_trace.window_uv
        ax.axhspan(lo, hi, color="#dcefdc", lw=0, label="therapeutic window")
        ax.plot(t_o, open_trace.ecap_uv, color="#c0504d", lw=0.5, alpha=0.8, label="open loop")
        ax.plot(t_c, closed_trace.ecap_uv, color="#1f4e79", lw=0.5, alpha=0.8,
                label=f"closed loop ({closed_trace.controller})")  # fmt: skip
        ax.axhline(closed_trace.target_uv, color="k", ls="--", lw=1, label="target")
        ax.set_ylabel("ECAP (µV)")
        ax.legend(loc="upper right", fontsize=8, ncol=2)
        o, c = open_trace.summary(), closed_trace.summary()
        ax.set_title(
            (title + "\n" if title else "")
            + f"mean |ECAP - target|: open {o['mean_abs_deviation_uv']:.1f} µV, closed "
            f"{c['mean_abs_deviation_uv']:.1f} µV; time in window: open "
            f"{100 * o['time_in_window']:.0f} %, closed {100 * c['time_in_window']:.0f} %",
            fontsize=9,
        )
        ax = axes[1]
        ax.plot(t_o, open_trace.amplitude_ma, color="#c0504d", lw=1, label="open loop")
        ax.plot(t_c, closed_trace.amplitude_ma, color="#1f4e79", lw=0.7, label="closed loop")
        limits = closed_trace.info.get("limits_ma", {})
        if "patient_max" in limits:
            ax.axhline(limits["patient_max"], color="grey", ls=":", lw=1, label="patient maximum")
        ax.set_ylabel("current (mA)")
        ax.legend(loc="upper right", fontsize=8)
        ax = axes[2]
        _bands(ax, closed_trace)
        ax.plot(t_c, closed_trace.dcsf_mm, color="k", lw=0.8)
        ax.set_ylabel("dCSF (mm)")
        ax.set_xlabel("time (s)")
        ax.legend(loc="upper right", fontsize=7, ncol=len(closed_trace.postures))
        fig.tight_layout()
        return save_figure(fig, path, field="plot", dpi=120)
    finally:
        plt.close(fig)
