"""Figure of a simulated pump: reservoir saw-tooth, daily doses, CSF concentration, effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path, save_figure
from neurostim.intrathecal.events import PumpSimulation
from neurostim.units import HOURS_PER_DAY

_MARKERS = {
    "LOW_RESERVOIR": ("v", "tab:orange"),
    "EMPTY_RESERVOIR": ("X", "tab:red"),
    "ERI": ("s", "tab:purple"),
    "END_OF_SERVICE": ("X", "black"),
    "CATHETER_PORT_INJECTION": ("*", "red"),
}


def check_plot_path(path: str | Path, field: str = "path") -> None:
    """Refuse a figure path that cannot be written (:func:`neurostim._files.check_output_path`)."""
    check_output_path(field, path, IMAGE_SUFFIXES)


def plot_simulation(sim: PumpSimulation, path: str | Path, title: str = "") -> None:
    """Save a four-panel figure (PNG/SVG/PDF by the suffix of ``path``).

    ``title`` is shown as typed: ``$`` is escaped so that matplotlib does not read mathtext.
    """
    check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = sim.time_h / HOURS_PER_DAY
    fig, axes = plt.subplots(4, 1, figsize=(10, 10), sharex=True, constrained_layout=True)
    ax = axes[0]
    ax.plot(days, sim.reservoir_ml, color="tab:blue", lw=1.2)
    for e in sim.events_of("REFILL"):
        ax.axvline(e.time_h / HOURS_PER_DAY, color="tab:green", lw=0.8, ls=":")
    for kind, (marker, color) in _MARKERS.items():
        evs = sim.events_of(kind)
        if evs:
            x = np.array([e.time_h for e in evs]) / HOURS_PER_DAY
            y = np.interp(x, days, sim.reservoir_ml)
            ax.plot(x, y, marker, color=color, ms=8, label=kind.replace("_", " ").lower())
    ax.axhline(sim.low_reservoir_alarm_ml, color="tab:orange", ls="--", lw=0.8)
    ax.plot([], [], color="tab:green", ls=":", label="refill")
    ax.plot([], [], color="tab:orange", ls="--", label="low-reservoir alarm volume")
    ax.set_ylabel("reservoir (mL)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=8, ncol=3)

    n_days = int(np.ceil(days[-1] - 1e-9))
    day_index = np.minimum(((sim.time_h - 1e-9) // HOURS_PER_DAY).astype(int), n_days - 1)
    basal = np.bincount(day_index, weights=sim.basal_dose, minlength=n_days)
    bolus = np.bincount(day_index, weights=sim.bolus_dose, minlength=n_days)
    x = np.arange(n_days, dtype=np.float64) + 0.5
    axes[1].bar(x, basal, width=0.9, color="tab:blue", label="basal")
    axes[1].bar(x, bolus, width=0.9, bottom=basal, color="tab:orange", label="patient bolus")
    axes[1].set_ylabel(f"dose ({sim.unit}/day)")
    axes[1].legend(loc="upper right", fontsize=8)

    ax = axes[2]
    if np.all(np.isnan(sim.csf_concentration_ng_per_ml)):
        ax.text(
            0.5,
            0.5,
            f"CSF concentration: {sim.pk_status}",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=9,
        )
    else:
        ax.plot(days, sim.csf_concentration_ng_per_ml, color="tab:red", lw=1.0, label="CSF")
        ax.axhline(
            sim.steady_state_ng_per_ml,
            color="grey",
            ls="--",
            lw=0.8,
            label=f"steady state, last program {sim.steady_state_ng_per_ml:.3g} ng/mL",
        )
        ax.legend(loc="upper right", fontsize=8)
    ax.set_ylabel("CSF conc. (ng/mL)")

    ax = axes[3]
    for name, values in sim.effects.items():
        ax.plot(days, 100 * values, lw=1.0, label=name.replace("_", " "))
    if sim.effects:
        ax.legend(loc="upper right", fontsize=8)
    else:
        ax.text(
            0.5,
            0.5,
            "no concentration-effect model for this drug",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=9,
        )
    ax.set_ylim(0, 100)
    ax.set_ylabel("effect (% of max)")
    ax.set_xlabel(f"days after {sim.start_date.isoformat()}")
    if title:
        fig.suptitle(title.replace("$", r"\$"), fontsize=10)
    save_figure(fig, path, dpi=110)
    plt.close(fig)
