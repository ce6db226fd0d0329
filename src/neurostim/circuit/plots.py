"""Plots: frequency response against the published values, rasters and rates over time.

Matplotlib with whatever backend is set (Agg in tests and the CLI); every function saves to a
file and returns the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from neurostim._files import save_figure
from neurostim.circuit.network import load_parameters
from neurostim.circuit.outputs import rate_over_time_hz
from neurostim.circuit.simulate import BatchResult


def _mean_sd(rows: Sequence[dict[str, Any]], col: str) -> tuple[np.ndarray, ...]:
    rates = np.array(sorted({r["rate_hz"] for r in rows}), dtype=float)
    vals = [np.array([r[col] for r in rows if r["rate_hz"] == f], float) for f in rates]
    mean = np.array([v.mean() for v in vals])
    sd = np.array([v.std(ddof=1) if v.size > 1 else 0.0 for v in vals])
    return rates, mean, sd


def plot_frequency_response(
    rows: Sequence[dict[str, Any]], path: str | Path, *, overlay_published: bool = True
) -> Path:
    """WDR (r_total and r_noci) and EX rate vs stimulation rate, mean +- SD over seeds.

    With ``overlay_published`` the table 3a values of pain-circuit.md (published model, one
    seed) and its 5-seed check are drawn, labelled as such, for a direct comparison.
    """
    path = Path(path)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    x_of = lambda f: np.where(f == 0, 0.5, f)  # noqa: E731  (0 Hz drawn at 0.5 on a log axis)
    for ax, col, ref_col, name in (
        (axes[0], "wdr_hz", "wdr", "WDR"),
        (axes[1], "ex_hz", "ex", "EX"),
    ):
        f, m, s = _mean_sd(rows, col)
        ax.errorbar(
            x_of(f),
            m,
            yerr=s,
            fmt="o-",
            color="C0",
            capsize=3,
            label=f"neurostim {name} r_total (mean ± SD over seeds)",
        )
        if col == "wdr_hz":
            f2, m2, s2 = _mean_sd(rows, "wdr_noci_hz")
            ax.errorbar(
                x_of(f2),
                m2,
                yerr=s2,
                fmt="s--",
                color="C2",
                capsize=3,
                label="neurostim WDR r_noci (not pulse-locked)",
            )
        if overlay_published:
            pub = load_parameters("published")
            t = pub["table_3a"]
            ax.plot(
                x_of(np.array(t["rate_hz"], float)),
                t[f"{ref_col}_hz"],
                "x:",
                color="C3",
                label="published model, table 3a (1 seed) [reference]",
            )
            c = pub["five_seed_check"]
            ax.errorbar(
                x_of(np.array(c["rate_hz"], float)),
                c[f"{ref_col}_mean_hz"],
                yerr=c[f"{ref_col}_sd_hz"],
                fmt="D",
                color="C1",
                mfc="none",
                capsize=3,
                label="published model, 5-seed check [reference]",
            )
        ax.set_xscale("log")
        ax.set_xlabel("stimulation rate (Hz; 0 Hz drawn at 0.5)")
        ax.set_ylabel(f"{name} rate (Hz)")
        ax.set_title(f"{name} rate during stimulation")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    meta = rows[0]
    fig.suptitle(
        f"Zhang 2014 dorsal-horn network: {meta['paradigm']}, realization {meta['realization']},"
        f" block {meta['block']}"
    )
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path


def plot_raster(
    result: BatchResult,
    condition: int,
    path: str | Path,
    window_ms: tuple[float, float] | None = None,
) -> Path:
    """Raster of afferent input and cell spikes, and 100 ms-binned cell rates, one condition."""
    path = Path(path)
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    tr = result.inputs[condition]
    ax.scatter(tr.times_ms[~tr.evoked], tr.fiber[~tr.evoked], s=2, c="0.5", label="natural")
    ax.scatter(tr.times_ms[tr.evoked], tr.fiber[tr.evoked], s=2, c="C3", label="evoked")
    base = int(tr.fiber.max()) + 3 if tr.fiber.size else 0
    for k, cell in enumerate(result.cell_names):
        s = result.spikes(condition, cell)
        ax.scatter(s, np.full(s.size, base + 6 * k), s=6, marker="|", c=f"C{k}")
    ax.set_yticks([base + 6 * k for k in range(len(result.cell_names))], list(result.cell_names))
    ax.set_ylabel("fibre index / cell")
    ax.legend(loc="upper right", fontsize=7)
    centres, rates = rate_over_time_hz(result, "wdr", 100.0)
    for cell in result.cell_names:
        centres, rates = rate_over_time_hz(result, cell, 100.0)
        ax2.plot(centres, rates[condition], label=cell)
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("rate (Hz)")
    ax2.legend(fontsize=7, ncol=4)
    if window_ms is not None:
        ax2.set_xlim(*window_ms)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path
