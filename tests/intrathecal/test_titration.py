"""Worked case P5 (ziconotide titration, US profile) and the titration rules of other drugs."""

from __future__ import annotations

from neurostim.intrathecal import check_program, increase_findings, review_titration
from neurostim.intrathecal.drugs import shipped_drug_library

from ._programs import build, p1


def test_p5_ziconotide_titration_us() -> None:
    drug = shipped_drug_library()["ziconotide"]
    steps = [(0.0, 2.4), (48.0, 4.8), (72.0, 7.2), (84.0, 8.4), (120.0, 11.0)]
    statuses = [s.status for s in review_titration(drug, "pain", steps)]
    assert statuses == ["ok", "ok", "warning", "error", "error"]
    result = review_titration(drug, "pain", steps)
    assert {f.code for f in result[2].findings} == {"TITRATION_INTERVAL_ADVISED"}
    assert {f.code for f in result[3].findings} == {"TITRATION_INTERVAL"}
    assert {f.code for f in result[4].findings} == {"TITRATION_STEP"}
    assert "3.8" in result[4].findings[0].message and "2.4" in result[4].findings[0].message


def test_ziconotide_frequency_and_start() -> None:
    drug = shipped_drug_library()["ziconotide"]
    steps = [(0.0, 2.4), (48.0, 4.8), (96.0, 7.2), (144.0, 9.6), (192.0, 12.0)]
    result = review_titration(drug, "pain", steps)
    # a 4th increase within 7 days (the start is not an increase) warns: <= 3 a week (R5)
    assert [s.status for s in result] == ["ok", "ok", "ok", "ok", "warning"]
    assert result[4].findings[0].code == "TITRATION_FREQUENCY"
    assert review_titration(drug, "pain", [(0.0, 5.0)])[0].status == "warning"


def test_morphine_fraction_rule_and_decrease() -> None:
    drug = shipped_drug_library()["morphine"]
    assert increase_findings(drug, "pain", 2.0, 2.4, 24.0) == []  # +20 % exactly: allowed
    codes = [f.code for f in increase_findings(drug, "pain", 2.0, 2.5, 24.0)]
    assert codes == ["TITRATION_STEP"]
    assert increase_findings(drug, "pain", 2.0, 0.5, 1.0) == []


def test_baclofen_rules() -> None:
    drug = shipped_drug_library()["baclofen"]
    spinal = increase_findings(drug, "spinal", 100.0, 125.0, 24.0)
    assert spinal == []
    cerebral = increase_findings(drug, "cerebral", 100.0, 125.0, 24.0)
    assert [(f.severity, f.code) for f in cerebral] == [("warning", "TITRATION_STEP")]
    early = increase_findings(drug, "spinal", 100.0, 110.0, 30.0, hours_since_start=12.0)
    assert [(f.severity, f.code) for f in early] == [("error", "INCREASE_TOO_SOON_AFTER_START")]
    stop = increase_findings(drug, "spinal", 100.0, 0.0, 30.0)
    assert [f.code for f in stop] == ["STOP_WITHOUT_TAPER"]


def test_titration_against_previous_program() -> None:
    old = build(p1(programmed_at="2025-01-01T09:00:00"))
    new = build(p1(dose_per_day=3.0, programmed_at="2025-01-02T09:00:00"))
    report = check_program(new, previous=old)
    assert not report.valid
    err = report.errors[0]
    assert err.code == "TITRATION_STEP" and err.field == "dose_per_day"
    assert "+50%" in err.message and "+20%" in err.message
    fine = build(p1(dose_per_day=2.4, programmed_at="2025-01-02T09:00:00"))
    assert check_program(fine, previous=old).valid
    soon = build(p1(dose_per_day=2.4, programmed_at="2025-01-01T21:00:00"))
    assert [e.code for e in check_program(soon, previous=old).errors] == ["TITRATION_INTERVAL"]
    unknown = build(p1(dose_per_day=2.4))
    codes = {w.code for w in check_program(unknown, previous=old).warnings}
    assert "TITRATION_INTERVAL_UNKNOWN" in codes
    backwards = build(p1(dose_per_day=2.4, programmed_at="2024-12-01T09:00:00"))
    assert [e.code for e in check_program(backwards, previous=old).errors] == ["PROGRAM_ORDER"]
    other = build(p1(drug="hydromorphone", concentration=2.0))
    assert "DRUG_CHANGED" in {w.code for w in check_program(other, previous=old).warnings}
    conc = build(p1(concentration=25.0, dose_per_day=2.0, programmed_at="2025-01-03T09:00:00"))
    codes = {w.code for w in check_program(conc, previous=old).warnings}
    assert {"CONCENTRATION_CHANGE", "INFLAMMATORY_MASS_RISK"} <= codes


def test_concentration_change_names_the_interim_dose() -> None:
    # 10 -> 20 mg/mL at the same 2.0 mg/day: new rate 0.1 mL/day; path 110 cm x 0.0026 + 0.2 mL
    # = 0.486 mL -> 4.86 days at 0.1 mL/day x 10 mg/mL = 1 mg/day instead of 2
    old = build(p1())
    new = build(p1(concentration=20.0))
    msg = next(
        w for w in check_program(new, previous=old).warnings if w.code == "CONCENTRATION_CHANGE"
    )
    assert "4.86 days" in msg.message and "receives 1 mg/day instead of 2" in msg.message
    primed = build(p1(concentration=20.0, priming={"catheter_length_cm": 65.0}))
    msg = next(
        w for w in check_program(primed, previous=old).warnings if w.code == "CONCENTRATION_CHANGE"
    )
    assert "0.369 mL" in msg.message  # 65 x 0.0026 + 0.2
    trimmed = build(p1(concentration=20.0, priming={"catheter_trimmed_cm": 45.0}))
    msg = next(
        w for w in check_program(trimmed, previous=old).warnings if w.code == "CONCENTRATION_CHANGE"
    )
    assert "0.369 mL" in msg.message
    stopped = p1(concentration=20.0, mode="stopped")
    del stopped["dose_per_day"]
    msg = next(
        w
        for w in check_program(build(stopped), previous=old).warnings
        if w.code == "CONCENTRATION_CHANGE"
    )
    assert "no basal flow" in msg.message
