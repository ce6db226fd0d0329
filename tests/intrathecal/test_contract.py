"""The program shape of issue 4 is a public contract: its TOML, verbatim, loads and checks."""

from __future__ import annotations

import datetime as dt
import tomllib

from neurostim.intrathecal import check_program, parse_program

ISSUE_PROGRAM = """
pump = "synchromed-ii-40"     # also synchromed-ii-20, prometra-20, prometra-ii-40
drug = "hydromorphone"        # id in the drug library
concentration = 5.0           # drug unit per mL (mg/mL here; the library says the unit)
fill_ml = 40.0
low_reservoir_alarm_ml = 2.0
indication = "spinal"         # baclofen: spinal | cerebral; others: pain
mode = "flex"                 # stopped | single-bolus | simple-continuous | flex
# simple-continuous: dose_per_day = 2.0

[[flex]]                      # time-of-day steps, each until the next
start = "06:00"
dose_per_hour = 0.10
[[flex]]
start = "22:00"
dose_per_hour = 0.05

[patient_bolus]               # optional
dose = 0.10
duration_min = 10
lockout_h = 3
max_per_24h = 6
"""


def test_issue_program_loads_and_checks() -> None:
    program = parse_program(tomllib.loads(ISSUE_PROGRAM))
    report = check_program(program, start_date=dt.date(2025, 1, 1))
    assert report.valid
    s = report.summary
    # 16 h x 0.10 + 8 h x 0.05 = 2.0 mg/day; + 6 x 0.10 = 2.6 mg/day worst case; at 5 mg/mL
    assert s["daily_dose"] == 2.0 and s["max_daily_dose"] == 2.6
    assert abs(s["worst_case_daily_volume_ml"] - 2.6 / 5.0) < 1e-12
    # (40 - 2) / 0.52 = 73.08 days -> 2025-01-01 + 73 days
    assert s["refill_date"] == (dt.date(2025, 1, 1) + dt.timedelta(days=73)).isoformat()


def test_every_pump_id_of_the_contract_loads() -> None:
    for pump in ("synchromed-ii-20", "synchromed-ii-40", "prometra-20", "prometra-ii-40"):
        data = tomllib.loads(ISSUE_PROGRAM)
        data.update(pump=pump, fill_ml=20.0)
        assert parse_program(data).pump == pump
    for mode in ("stopped", "single-bolus", "simple-continuous", "flex"):
        data = tomllib.loads(ISSUE_PROGRAM)
        data.update(mode=mode, dose_per_day=2.0, single_bolus={"dose": 0.5, "duration_min": 30})
        assert parse_program(data).mode == mode
