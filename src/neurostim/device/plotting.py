"""Plots of programs: the per-contact current waveform over a few cycles (Matplotlib, Agg)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path, save_figure
from neurostim.device.program import Program, program_profile
from neurostim.device.timing import train_timing
from neurostim.device.waveforms import Waveform, synthesize_waveform
from neurostim.errors import InputError
from neurostim.units import US_TO_MS, US_TO_S

_MAX_SAMPLES = 200_000
MAX_CYCLES = 1000
"""Most periods :func:`waveform_for_plot` draws (more cannot be told apart on a page)."""


def check_image_path(path: str | Path, field: str = "output") -> Path:
    """``path`` if it names an image file :func:`plot_waveform` can write; else InputError."""
    return check_output_path(field, path, IMAGE_SUFFIXES, folder_made_later=True)


def plain_text(text: str) -> str:
    """``text`` for a Matplotlib label, drawn as typed (``$`` does not start math mode)."""
    return text.replace("$", r"\$")


def waveform_for_plot(program: Program, cycles: int = 3) -> Waveform:
    """``cycles`` periods of the program's slowest train, sampled finely enough to draw."""
    if not isinstance(cycles, int) or not 1 <= cycles <= MAX_CYCLES:
        raise InputError("cycles", cycles, f"must be a whole number of cycles in 1..{MAX_CYCLES}")
    profile = program_profile(program)
    period_us = max(train_timing(t, profile).period_us for t in program.trains)
    duration_s = cycles * period_us * US_TO_S
    for dt_us in (1.0, 5.0, 10.0, 50.0):
        if duration_s / (dt_us * US_TO_S) <= _MAX_SAMPLES:
            try:
                return synthesize_waveform(program, duration_s=duration_s, dt_us=dt_us)
            except InputError as exc:
                if exc.field != "dt_us":
                    raise
    return synthesize_waveform(program, duration_s=duration_s, dt_us=1.0)


def plot_waveform(waveform: Waveform, path: str | Path, title: str = "") -> Path:
    """Draw the contacts that carry current, one panel each, and save to ``path`` (PNG/SVG/PDF).

    ``title`` is drawn as typed (no math mode). Returns the path written.

    Raises
    ------
    InputError
        ``path`` is a directory or has an extension other than .png, .svg or .pdf.
    """
    path = check_image_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = np.flatnonzero(np.abs(waveform.current_ma).max(axis=1) > 0)
    n = max(len(rows), 1)
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.2 + 1.1 * n), sharex=True, squeeze=False)
    t_ms = waveform.time_us * US_TO_MS
    for ax, row in zip(axes[:, 0], rows, strict=False):
        ax.step(t_ms, waveform.current_ma[row], where="post", lw=0.8)
        ax.axhline(0.0, color="0.7", lw=0.5)
        ax.set_ylabel(f"{waveform.contact_ids[row]}\nmA", fontsize=8)
    axes[-1, 0].set_xlabel("time (ms)")
    if title:
        axes[0, 0].set_title(plain_text(title), fontsize=10)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # a character the font lacks is drawn as a box, not an error
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            warnings.filterwarnings("ignore", message="Matplotlib currently does not support")
            fig.tight_layout()
            save_figure(fig, path, dpi=100)
    finally:
        plt.close(fig)
    return path
