"""Safety arithmetic against the worked examples of the device reference §4.

Reference values are typed from shared/reference/device.md §4 (a 12.25 mm² contact carrying the
whole cathodic current); tolerances are half a unit of the last printed digit.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from neurostim.device import (
    charge_density_uc_per_cm2,
    charge_per_phase_uc,
    load_program,
    parse_program,
    safety_report,
    shannon_k,
)
from neurostim.device.safety import compliance_voltage_v
from neurostim.testing import assert_close

AREA_MM2 = 12.25

# program (mA, us) -> Q (uC), D (uC/cm^2), k, over 30 uC/cm^2?   (device reference §4 table)
TABLE = [
    (5.0, 300, 1.50, 12.24, 1.26, False, 0.005, 0.005),
    (8.5, 500, 4.25, 34.69, 2.17, True, 0.005, 0.005),
    (0.6, 1000, 0.60, 4.90, 0.47, False, 0.005, 0.005),
    (3.0, 30, 0.09, 0.735, -1.18, False, 0.005, 0.0005),
]


@pytest.mark.parametrize(("ma", "us", "q", "d", "k", "over", "atol_q", "atol_d"), TABLE)
def test_reference_table(
    ma: float, us: float, q: float, d: float, k: float, over: bool, atol_q: float, atol_d: float
) -> None:
    q_uc = charge_per_phase_uc(ma, us)
    d_uc = charge_density_uc_per_cm2(q_uc, AREA_MM2)
    assert_close(q_uc, q, atol=atol_q, what=f"Q at {ma} mA, {us} us", unit="uC")
    assert_close(d_uc, d, atol=atol_d, what=f"D at {ma} mA, {us} us", unit="uC/cm2")
    assert_close(shannon_k(q_uc, d_uc), k, atol=0.005, what=f"k at {ma} mA, {us} us")
    assert (d_uc > 30.0) is over


@pytest.mark.parametrize(("ma", "us", "q", "d", "k", "over", "atol_q", "atol_d"), TABLE)
def test_reference_table_through_a_program(
    tonic_dict: dict[str, Any],
    ma: float,
    us: float,
    q: float,
    d: float,
    k: float,
    over: bool,
    atol_q: float,
    atol_d: float,
) -> None:
    tonic_dict["trains"][0].update(amplitude_ma=ma, pulse_width_us=us, rate_hz=20)
    report = safety_report(parse_program(tonic_dict))
    cathode = next(c for c in report.contacts if c.id == "L1.E4")
    assert_close(cathode.charge_per_phase_uc, q, atol=atol_q, what="Q", unit="uC")
    assert_close(cathode.charge_density_uc_per_cm2, d, atol=atol_d, what="D", unit="uC/cm2")
    assert_close(cathode.shannon_k, k, atol=0.005, what="k")
    codes = {(w.code, w.contact) for w in report.warnings}
    assert (("charge-density", "L1.E4") in codes) is over
    assert (("shannon-k", "L1.E4") in codes) is over  # k = 2.17 > 1.85 for the unsafe row


def test_density_limit_charge_and_amplitudes() -> None:
    # 30 uC/cm^2 on 12.25 mm^2: Q = 3.676 uC; 3.68 mA at 1000 us, 7.35 at 500, 12.25 at 300
    # (the reference's 3.676 uses the unrounded pi*1.3*3 = 12.252 mm^2; the catalog's 12.25
    # mm^2 gives 3.675 uC, 0.03 % lower)
    q_exact = 30.0 * math.pi * 1.3 * 3.0 / 100.0
    assert_close(q_exact, 3.676, atol=0.0005, what="Q at 30 uC/cm2 (pi d L)", unit="uC")
    q_limit = 30.0 * AREA_MM2 / 100.0
    assert_close(q_limit, 3.676, rtol=0.0005, what="Q at 30 uC/cm2 (12.25 mm2)", unit="uC")
    for us, ma in ((1000, 3.68), (500, 7.35), (300, 12.25)):
        assert_close(q_exact / (us / 1000.0), ma, atol=0.005, what=f"I at {us} us", unit="mA")
        assert charge_density_uc_per_cm2(charge_per_phase_uc(ma * 0.99, us), AREA_MM2) < 30
        assert charge_density_uc_per_cm2(charge_per_phase_uc(ma * 1.01, us), AREA_MM2) > 30


def test_shannon_limit_on_the_same_contact() -> None:
    # k = 1.85 allows Q = 2.95 uC (D = 24.0 uC/cm^2)
    d = charge_density_uc_per_cm2(2.95, AREA_MM2)
    assert_close(d, 24.0, atol=0.1, what="D at Q = 2.95 uC", unit="uC/cm2")
    assert_close(shannon_k(2.95, d), 1.85, atol=0.005, what="k at Q = 2.95 uC")
    assert shannon_k(0.0, 0.0) is None


def test_split_cathode_halves_q_and_d(tonic_dict: dict[str, Any]) -> None:
    whole = safety_report(parse_program(tonic_dict)).contacts[0]
    tonic_dict["trains"][0]["contacts"] = {"L1.E4": -50, "L1.E3": -50, "L1.E5": 100}
    split = safety_report(parse_program(tonic_dict)).contacts
    for c in split[:2]:
        assert c.share_percent == -50
        assert_close(c.charge_per_phase_uc, whole.charge_per_phase_uc / 2, rtol=1e-12, what="Q")
        assert_close(
            c.charge_density_uc_per_cm2,
            whole.charge_density_uc_per_cm2 / 2,  # type: ignore[operator]
            rtol=1e-12,
            what="D",
        )
        # 1.5 uC / 2 = 0.75 uC; 12.24 / 2 = 6.12 uC/cm^2 (reference table halved)
        assert_close(c.charge_per_phase_uc, 0.75, atol=0.005, what="Q", unit="uC")
        assert_close(c.charge_density_uc_per_cm2, 6.12, atol=0.005, what="D", unit="uC/cm2")


def test_warnings_at_patient_maximum(tonic_dict: dict[str, Any]) -> None:
    # 5 mA is safe; a patient maximum of 12.5 mA at 300 us is 3.75 uC = 30.6 uC/cm^2, k = 2.06
    tonic_dict["patient"] = {"amplitude_max_ma": 12.5}
    report = safety_report(parse_program(tonic_dict))
    codes = {(w.code, w.contact) for w in report.warnings}
    assert ("charge-density-patient-max", "L1.E4") in codes
    assert ("shannon-k-patient-max", "L1.E4") in codes
    assert not any(w.code == "charge-density" for w in report.warnings)
    assert math.log10(3.75 * 3.75 / 0.1225) > 1.85
    # the reported figures stay those of the programmed amplitude
    assert_close(report.contacts[0].charge_per_phase_uc, 1.5, rtol=1e-12, what="Q", unit="uC")


def test_limits_are_configurable(tonic_dict: dict[str, Any]) -> None:
    program = parse_program(tonic_dict)
    assert safety_report(program).warnings == []
    strict = safety_report(program, density_limit_uc_per_cm2=10.0, shannon_k_limit=1.0)
    assert {w.code for w in strict.warnings} == {"charge-density", "shannon-k"}


def test_compliance(tonic_dict: dict[str, Any]) -> None:
    # 5 mA through 600 ohm (override on L1.E4) + 525 ohm (profile default on L1.E5) = 5.625 V
    program = parse_program(tonic_dict | {"impedance_ohm": {"L1.E4": 600}})
    report = safety_report(program)
    assert_close(report.required_voltage_v[0], 5e-3 * (600 + 525), rtol=1e-12, what="V", unit="V")
    assert report.compliance_v == 15.0 and report.warnings == []
    # 2000 ohm each: 5 mA x 4000 ohm = 20 V > 15 V
    program = parse_program(tonic_dict | {"impedance_ohm": {"L1.E4": 2000, "L1.E5": 2000}})
    report = safety_report(program)
    assert [w.code for w in report.warnings] == ["compliance"]
    assert_close(report.required_voltage_v[0], 20.0, rtol=1e-12, what="V", unit="V")
    # steering: the worst contact of each polarity counts
    assert compliance_voltage_v([1.0, 3.0], [2.0]) == 5.0
    assert compliance_voltage_v([], []) == 0.0


def test_compliance_at_patient_max_and_case(examples_dir: Any) -> None:
    report = safety_report(load_program(examples_dir / "programs" / "unsafe-but-valid.toml"))
    codes = [w.code for w in report.warnings]
    # 8.5 mA x 1400 ohm = 11.9 V < 15 V; 12 mA x 1400 ohm = 16.8 V > 15 V
    assert "compliance" not in codes and "compliance-patient-max" in codes
    assert "charge-density" in codes and "shannon-k" in codes
    multiplexed = safety_report(load_program(examples_dir / "programs" / "multiplexed.toml"))
    case = next(c for c in multiplexed.contacts if c.id == "case")
    assert case.charge_density_uc_per_cm2 is None and case.shannon_k is None
    assert_close(case.charge_per_phase_uc, 3.0 * 0.150, rtol=1e-12, what="Q case", unit="uC")


BURST: dict[str, Any] = {
    "stimulator": "burst-primary-16",
    "leads": ["percutaneous-8"],
    "trains": [
        {
            "waveform": "burst",
            "amplitude_ma": 0.6,
            "pulse_width_us": 1000,
            "rate_hz": 40,
            "pulses_per_burst": 5,
            "intraburst_rate_hz": 500,
            "recharge": "passive",
            "contacts": {"L1.E3": -60, "L1.E4": -40, "L1.E5": 100},
        }
    ],
}


def _burst(amplitude_ma: float, **extra: Any) -> dict[str, Any]:
    doc = {**BURST, "trains": [{**BURST["trains"][0], "amplitude_ma": amplitude_ma}], **extra}
    return doc


@pytest.mark.parametrize("amplitude_ma", [0.6, 1.2, 2.0])
def test_burst_charge_before_passive_recharge(amplitude_ma: float) -> None:
    report = safety_report(parse_program(_burst(amplitude_ma)))
    for c in report.contacts:
        share = abs(c.share_percent) / 100.0
        # independent: pulses_per_burst x amplitude (mA) x pulse width (ms) x share = uC
        expected_uc = 5 * amplitude_ma * (1000 / 1000.0) * share
        assert c.burst_charge_uc is not None
        assert_close(c.burst_charge_uc, expected_uc, rtol=1e-12, what=f"Q_burst {c.id}", unit="uC")
    # per-phase charge limit of the density warning on a 12.25 mm^2 contact: 30 x 0.1225 uC
    limit_uc = 30.0 * AREA_MM2 / 100.0
    warned = {w.contact for w in report.warnings if w.code == "burst-charge"}
    expected = {
        cid
        for cid, share in BURST["trains"][0]["contacts"].items()
        if 5 * amplitude_ma * abs(share) / 100.0 > limit_uc
    }
    assert warned == expected
    assert (amplitude_ma == 0.6) == (not warned)  # 0.6 mA: 3.0 uC on L1.E5, under 3.675 uC


def test_burst_charge_follows_the_density_limit_and_patient_maximum() -> None:
    program = parse_program(_burst(0.6, patient={"amplitude_max_ma": 1.0}))
    report = safety_report(program)
    # at 1.0 mA L1.E5 (100 %) collects 5 x 1.0 x 1.0 = 5 uC > 3.675 uC; L1.E3 (60 %) 3 uC
    codes = {(w.code, w.contact) for w in report.warnings}
    assert codes == {("burst-charge-patient-max", "L1.E5")}
    strict = safety_report(program, density_limit_uc_per_cm2=20.0)
    # 20 uC/cm^2 x 0.1225 cm^2 = 2.45 uC < 3.0 uC collected on L1.E5 at 0.6 mA
    assert ("burst-charge", "L1.E5") in {(w.code, w.contact) for w in strict.warnings}


def test_no_burst_charge_for_tonic_or_active_recharge(tonic_dict: dict[str, Any]) -> None:
    assert all(c.burst_charge_uc is None for c in safety_report(parse_program(tonic_dict)).contacts)
    active = _burst(0.6)
    active["stimulator"] = "generic-rechargeable-16"
    active["trains"][0].update(recharge="active", pulse_width_us=500)
    contacts = safety_report(parse_program(active)).contacts
    assert all(c.burst_charge_uc is None for c in contacts)


@pytest.mark.parametrize(
    ("density", "k", "field"),
    [
        (float("nan"), 1.85, "density_limit_uc_per_cm2"),
        (-1.0, 1.85, "density_limit_uc_per_cm2"),
        (0.0, 1.85, "density_limit_uc_per_cm2"),
        (float("inf"), 1.85, "density_limit_uc_per_cm2"),
        (30.0, float("nan"), "shannon_k_limit"),
        (30.0, 11.0, "shannon_k_limit"),
    ],
)
def test_warning_limits_must_be_finite_and_in_range(
    tonic_dict: dict[str, Any], density: float, k: float, field: str
) -> None:
    from neurostim.errors import InputError

    with pytest.raises(InputError) as info:
        safety_report(
            parse_program(tonic_dict), density_limit_uc_per_cm2=density, shannon_k_limit=k
        )
    assert info.value.field == field
