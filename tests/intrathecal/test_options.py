"""Simulation options and data files are refused, naming the field and its range, before work."""

from __future__ import annotations

import dataclasses
import math

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    SimulationOptions,
    get_pump,
    load_drug_library,
    load_pump_profiles,
    simulate_pump,
)
from neurostim.intrathecal._event_steps import (
    ACCURACY_RANGE,
    MAX_STEPS,
    outside_published_accuracy,
    validate_options,
)
from neurostim.intrathecal._summary import _renew
from neurostim.intrathecal.plotting import plot_simulation

from ._programs import build, p1, p2

OK = SimulationOptions(days=10, dt_h=1.0)

BAD = [
    ({"days": 0.0}, "days", "(0, 3650]"),
    ({"days": math.nan}, "days", "(0, 3650]"),
    ({"days": 1e9}, "days", "(0, 3650]"),
    ({"dt_h": 0.0}, "dt_h", "(0, 1]"),
    ({"dt_h": math.inf}, "dt_h", "(0, 1]"),
    ({"days": 3650.0, "dt_h": 0.01}, "dt_h", f"{MAX_STEPS:,} steps"),
    ({"accuracy_factor": -1.0}, "accuracy_factor", "[0.5, 1.5]"),
    ({"accuracy_factor": math.nan}, "accuracy_factor", "[0.5, 1.5]"),
    ({"bolus_requests_per_day": -1.0}, "bolus_requests_per_day", "[0, 100]"),
    ({"bolus_requests_per_day": math.nan}, "bolus_requests_per_day", "[0, 100]"),
    ({"days": 3650.0, "bolus_requests_per_day": 99.0}, "bolus_requests_per_day", "budget"),
    ({"seed": -1}, "seed", "[0, "),
    ({"residual_sd_ml": -0.1}, "residual_sd_ml", "[0, 10]"),
    ({"mri_at_day": math.nan}, "mri_at_day", "[0, 10)"),
    ({"mri_at_day": 10.0}, "mri_at_day", "[0, 10)"),
    ({"mri_duration_h": math.inf}, "mri_duration_h", "[0, "),
    ({"catheter_fault_at_day": -5.0}, "catheter_fault_at_day", "[0, 10)"),
    ({"catheter_port_error_at_refill": -3}, "catheter_port_error_at_refill", ">= 0"),
    ({"catheter_length_cm": 0.0}, "catheter_length_cm", "(0, 1000]"),
    ({"refill_every_days": 0.0}, "refill_every_days", "(0, 3650]"),
    ({"refill_concentration": math.inf}, "refill_concentration", "[1e-06, 1e+06]"),
    ({"tolerance_max_shift": -1.0}, "tolerance_max_shift", "[0, 100]"),
    ({"tolerance_tau_days": 0.0}, "tolerance_tau_days", "(0, 3650]"),
    ({"valve_reset_after_h": math.nan}, "valve_reset_after_h", "[0, "),
]


@pytest.mark.parametrize(("change", "field", "allowed"), BAD)
def test_bad_options_name_the_field_and_range(change: dict, field: str, allowed: str) -> None:
    opts = dataclasses.replace(OK, **change)
    with pytest.raises(InputError) as info:
        validate_options(opts)
    assert info.value.field == field and allowed in info.value.message
    with pytest.raises(InputError):  # the simulation refuses before it allocates
        simulate_pump(build(p1()), opts)


def test_good_options_give_the_step_count() -> None:
    assert validate_options(OK) == 240
    assert validate_options(dataclasses.replace(OK, refill_every_days=math.inf)) == 240
    low, high = ACCURACY_RANGE
    assert validate_options(dataclasses.replace(OK, accuracy_factor=low)) == 240
    assert validate_options(dataclasses.replace(OK, accuracy_factor=high)) == 240


def test_published_accuracy() -> None:
    synchromed = get_pump("synchromed-ii-40").flow_accuracy_fraction  # 14.5 % (R18)
    assert not outside_published_accuracy(1.145, synchromed)
    assert outside_published_accuracy(0.8, synchromed)


def test_program_changes_must_increase() -> None:
    program = build(p1())
    opts = dataclasses.replace(OK, program_changes=((5.0, program), (3.0, program)))
    with pytest.raises(InputError, match=r"program_changes\[1\]\.day"):
        simulate_pump(program, opts)
    with pytest.raises(InputError, match=r"program_changes\[0\]\.day"):
        validate_options(dataclasses.replace(OK, program_changes=((math.inf, program),)))


def test_refills_of_a_stopped_pump_and_with_patient_boluses() -> None:
    stopped = p1(mode="stopped")
    del stopped["dose_per_day"]
    sim = simulate_pump(build(stopped), SimulationOptions(days=100, dt_h=1.0))
    # nothing delivered: refilled at morphine's 90-day stability, no reconciliation ratio
    (refill,) = sim.events_of("REFILL")
    assert refill.time_h == 90 * 24 and "ratio" not in refill.detail
    sim = simulate_pump(build(p2()), SimulationOptions(days=100, dt_h=1.0))
    assert [e.detail["reason"] for e in sim.events_of("REFILL")] == ["stability"]


def test_figure_with_refills_title_markup_and_suffix(tmp_path) -> None:
    sim = simulate_pump(build(p2()), SimulationOptions(days=100, dt_h=1.0))
    out = tmp_path / "a.png"
    plot_simulation(sim, out, title=r"$\frac$ [battery] pump")  # invalid mathtext if unescaped
    assert out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(InputError, match=r"\.png, \.svg, \.pdf"):
        plot_simulation(sim, tmp_path / "a.xyz")


def test_data_file_ranges_are_named(tmp_path) -> None:
    user = tmp_path / "drugs.toml"
    user.write_text("[drugs.morphine]\nstart_dose_per_day = [5.0, 1.0]\n")
    with pytest.raises(InputError, match="start_dose_per_day"):
        load_drug_library(user)
    user.write_text("[drugs.morphine]\nstability_days = inf\n")
    with pytest.raises(InputError, match=r"allowed range \(0, 3650\]"):
        load_drug_library(user)
    pumps = tmp_path / "pumps.toml"
    pumps.write_text("[pumps.prometra-20]\nflow_accuracy_fraction = 1.5\n")
    with pytest.raises(InputError, match=r"flow_accuracy_fraction.*\[0, 1\)"):
        load_pump_profiles(pumps)


def test_end_of_battery_advice_follows_the_profile() -> None:
    pump = get_pump("synchromed-ii-40")
    assert "replacement" in _renew(pump)
    assert "service" in _renew(pump.model_copy(update={"replacement_at_end_of_battery": False}))


def test_none_times_are_accepted() -> None:
    assert build(p1(programmed_at=None, therapy_started_at=None)).programmed_at is None


def test_a_run_shorter_than_one_step_is_refused() -> None:
    with pytest.raises(InputError, match="at least one time step"):
        validate_options(dataclasses.replace(OK, days=1e-300))


def test_toml_files_with_a_bom_too_large_or_not_utf8(tmp_path) -> None:
    from neurostim.intrathecal import load_program
    from neurostim.intrathecal._loading import MAX_TOML_BYTES

    bom = tmp_path / "bom.toml"
    text = (
        'pump = "synchromed-ii-20"\ndrug = "morphine"\nconcentration = 10.0\nfill_ml = 20.0\n'
        'mode = "simple-continuous"\ndose_per_day = 2.0\n'
    )
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_program(bom).dose_per_day == 2.0
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_TOML_BYTES + 1))
    with pytest.raises(InputError, match="larger than"):
        load_program(big)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'name = "\xe9"\n')
    with pytest.raises(InputError, match="UTF-8"):
        load_program(latin)
