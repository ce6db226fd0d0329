"""The simulation figure: written, with hazard markers, for drugs with and without a CSF model."""

from __future__ import annotations

import math

from neurostim.intrathecal import SimulationOptions, check_program, simulate_pump
from neurostim.intrathecal.plotting import plot_simulation

from ._programs import build, p1


def test_figures_with_alarms_and_without_pk(tmp_path) -> None:
    program = build(p1(fill_ml=3.0))
    opts = SimulationOptions(days=20, dt_h=1.0, refill_every_days=math.inf)
    sim = simulate_pump(program, opts)
    assert sim.events_of("LOW_RESERVOIR") and sim.events_of("EMPTY_RESERVOIR")
    out = tmp_path / "alarms.png"
    plot_simulation(sim, out)
    assert out.read_bytes()[:4] == b"\x89PNG"
    hm = p1(drug="hydromorphone", concentration=5.0, dose_per_day=1.0)
    sim = simulate_pump(build(hm), SimulationOptions(days=3, dt_h=1.0))
    out = tmp_path / "dose-only.svg"
    plot_simulation(sim, out, title="hydromorphone")
    assert out.read_text().lstrip().startswith("<?xml")
    check_program(build(p1())).raise_if_invalid()  # a valid program raises nothing
