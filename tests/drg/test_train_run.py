"""``neurostim drg run`` and ``drg.run``: central spike trains into the circuit.

Fast: refusals before any meshing. Slow: the library run on the analytic medium, checked
against independent single-cell simulations and against the circuit's own input record; the
command end to end on the cached finite-element lead (NEUROSTIM_CACHE_DIR, as
benchmarks/drg_map.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neurostim.cli import app
from neurostim.device import check_program
from neurostim.errors import InputError
from neurostim.pipeline import CircuitSettings
from tests.drg.test_map import PROGRAM

SHORT = {"duration_s": 1.5, "stim_start_s": 0.5, "settle_s": 0.25}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--train-pulses", "0"], "train_pulses"),
        (["--train-pulses", "5000"], "train_pulses"),
        (["--neurons", "0"], "neurons"),
        (["--seeds", "a,b"], "seeds"),
        (["--duration-s", "-1"], "duration_s"),
        (["--stim-start-s", "5"], "stim_start_s"),
        (["--mesh", "huge"], "mesh"),
        (["--conductor", "vacuum"], "conductor"),
        (["--gap-mm", "2.0"], "lead_gap_mm"),
        (["--output", "x.txt"], "output"),
    ],
)
def test_refusals_before_meshing(
    args: list[str], field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neurostim.drg.fem import DRGFEM

    def no_mesh(*a: object, **k: object) -> None:
        raise AssertionError("meshing started")

    monkeypatch.setattr(DRGFEM, "prepare", no_mesh)
    r = CliRunner().invoke(app, ["drg", "run", str(PROGRAM), *args])
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in r.output
    assert field in lines[0]


def test_library_refusals() -> None:
    from neurostim.drg import load_drg_geometry
    from neurostim.drg.run import drg_run

    program = check_program(PROGRAM).program
    g = load_drg_geometry("L5")
    with pytest.raises(InputError, match="recovery_cycle"):
        drg_run(program, g, circuit=CircuitSettings(recovery_cycle=True), conductor="homogeneous")
    fast = program.model_copy(update={"trains": [program.trains[0].model_copy(
        update={"rate_hz": 1200.0})]})  # fmt: skip
    with pytest.raises(InputError, match=r"rate_hz.*1000"):
        drg_run(fast, g, conductor="homogeneous")


@pytest.fixture(scope="module")
def small_run():  # type: ignore[no-untyped-def]
    from neurostim.drg import load_drg_geometry
    from neurostim.drg.run import drg_run

    program = check_program(PROGRAM).program
    return drg_run(program, load_drg_geometry("L5"), n_pulses=4, n_per_type=3, seed=2,
                   conductor="homogeneous", base_dir=PROGRAM.parent,
                   circuit=CircuitSettings(**SHORT))  # fmt: skip


@pytest.mark.slow
def test_central_spikes_equal_a_direct_single_cell_simulation(small_run) -> None:  # type: ignore[no-untyped-def]
    """Each simulated neuron rebuilt on its own (cable, section points, field of the lead's
    contacts) and run over the same train: the engine's detector at its central end counts
    the same APs, first and last at the same times."""
    from neurostim.drg.cells import population_section_points_mm
    from neurostim.drg.map import cell_geometry, map_settings
    from neurostim.drg.train import train_waveform
    from neurostim.fibers import simulate
    from neurostim.field.conductor import conductor_from_spec

    tr = small_run.train
    m, pop = tr.map, tr.map.population
    assert tr.simulated.size >= 1
    lengths = map_settings()["types"]
    contacts = m.placement.ring_contacts()
    shares = m.drive.shares(list(m.placement.contact_ids))
    vc = conductor_from_spec("homogeneous")
    wave, _ = train_waveform(m.drive, 20.0, 4, 20.0)
    for i in tr.simulated:
        t = str(pop.type[i])
        want = float(lengths[t]["branch_length_mm"])
        # the map's rule: each branch capped at the shortest polyline, less 0.05 mm, of the
        # neurons sharing the cable (same type and three diameters)
        same = np.flatnonzero(
            (pop.type == t)
            & (pop.central_diameter_um == pop.central_diameter_um[i])
            & (pop.stem_diameter_um == pop.stem_diameter_um[i])
            & (pop.peripheral_diameter_um == pop.peripheral_diameter_um[i])
        )
        caps = [
            min(pop.branch_length_mm(int(j), b) for j in same) - 0.05
            for b in ("peripheral", "central")
        ]
        lengths_mm = (min(want, caps[0]), min(want, caps[1]))
        g = cell_geometry(
            t,
            pop.peripheral_diameter_um[i],
            pop.stem_diameter_um[i],
            pop.central_diameter_um[i],
            lengths_mm,
        )
        v = vc.superposed_mv(contacts, shares, population_section_points_mm(g, pop, int(i)))
        r = simulate(g, v, np.array([m.amplitude_ma]), wave, dt_ms=m.drive.dt_ms,
                     n_steps=wave.size)  # fmt: skip
        node = g.node_index("central_end")
        spikes = tr.spikes_of(int(i))
        assert spikes.size == r.ap_count[0, node] >= 1
        assert spikes[0] == pytest.approx(r.first_ap_time_ms[0, node], abs=1e-9)
        assert spikes[-1] == pytest.approx(r.last_ap_time_ms[0, node], abs=1e-9)


@pytest.mark.slow
def test_the_circuit_receives_the_central_spikes(small_run) -> None:  # type: ignore[no-untyped-def]
    """The circuit's input record: an afferent standing for a recruited neuron gets, on each
    of the first n_pulses pulses, that neuron's central spikes at their delays after the pulse
    onset; silent afferents get no evoked spike; C and Adelta natural input goes on."""
    from neurostim.circuit import build_network
    from neurostim.pipeline.run import CircuitOutput

    r, tr = small_run, small_run.train
    c = r.circuit
    assert c is not None and c.bounds == ("recruited",)
    inputs = c.batch.inputs[0]
    pulses = inputs.pulse_times_ms
    assert pulses.size == r.pulses_in_circuit == 20  # 1 s at 20 Hz
    aff = r.afferents
    assert np.any(aff.state == "recruited")
    for a in range(aff.fiber.size):
        ev = np.sort(inputs.times_ms[inputs.evoked & (inputs.fiber == aff.fiber[a])])
        if aff.state[a] != "recruited":
            assert ev.size == 0
            continue
        spikes = tr.spikes_of(int(aff.neuron[a]))
        onsets = tr.onsets_ms
        for k in range(tr.n_pulses):
            rel = spikes[(spikes >= onsets[k]) & (spikes < onsets[k] + 50.0)] - onsets[k]
            got = ev[(ev >= pulses[k]) & (ev < pulses[k] + 50.0)] - pulses[k]
            np.testing.assert_allclose(got, rel, atol=1e-9)
    net = build_network("foreman")
    c_fibers = net.fiber_offset("c") + np.arange(30)
    assert np.any(np.isin(inputs.fiber, c_fibers) & ~inputs.evoked)
    d = r.to_dict()
    assert set(d["circuit"]) == {"seeds", "window_ms", "unstimulated", "stimulated"}
    assert CircuitOutput.to_dict is type(c).to_dict
    rows = {row["type"]: row for row in d["train"]["types"]}
    for t, row in rows.items():
        mine = [n for n in d["train"]["neurons"] if n["type"] == t]
        assert row["recruited"] == len(mine)
        assert row["central_spikes"] == sum(len(n["spike_times_ms"]) for n in mine)
    assert d["train"]["pulses_repeated"] == 16


@pytest.mark.slow
def test_cli_end_to_end_on_the_cached_lead(tmp_path: Path) -> None:
    """``drg run`` on the finite-element lead (cached solve of examples/programs/drg.toml at
    L5, coarse mesh): JSON on stdout equals the -o file; the map block is ``drg map``'s."""
    out = tmp_path / "run.json"
    r = CliRunner().invoke(app, [
        "drg", "run", str(PROGRAM), "--neurons", "1", "--seed", "2", "--train-pulses", "3",
        "--duration-s", "1.5", "--stim-start-s", "0.5", "-o", str(out), "--json",
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert json.loads(out.read_text()) == data
    assert data["map"]["fem"]["elements"] > 0
    assert set(data) >= {"program", "amplitude_ma", "rate_hz", "map", "train", "afferents",
                         "circuit", "timings_s"}  # fmt: skip
    assert data["train"]["n_pulses"] == 3 and len(data["train"]["types"]) == 3
    for row in data["train"]["types"]:
        assert len(row["central_spikes_per_pulse"]) == 3
    assert data["circuit"]["stimulated"][0]["status"] == ["ok"]
