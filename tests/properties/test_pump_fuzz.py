"""Fuzz: malformed or unsafe programs thrown at the loader and checker give only clear errors.

The loader raises ``InputError`` (one line, naming a field) or returns a program; the checker
then returns a report whose every error names a field and carries a message. Nothing else
(no KeyError, TypeError, ZeroDivisionError, pydantic ValidationError) may escape.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from neurostim.errors import InputError
from neurostim.intrathecal import SimulationOptions, check_program, parse_program, simulate_pump
from neurostim.intrathecal.program import EARLIEST_DATE, LATEST_DATE

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["06:00", "24:00", "6:00", "2025-01-01", "synchromed-ii-40", "morphine"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=6), scalars, max_size=3),
)

KEYS = {
    "pump": st.one_of(
        st.sampled_from(
            ["synchromed-ii-20", "synchromed-ii-40", "prometra-20", "prometra-ii-40", "x"]
        ),
        values,
    ),
    "drug": st.one_of(
        st.sampled_from(["morphine", "hydromorphone", "ziconotide", "baclofen", "clonidine", "y"]),
        values,
    ),
    "concentration": st.one_of(st.floats(-1, 3000), values),
    "fill_ml": st.one_of(st.floats(-1, 60), values),
    "low_reservoir_alarm_ml": st.one_of(st.floats(-1, 60), values),
    "indication": st.one_of(st.sampled_from(["pain", "spinal", "cerebral"]), values),
    "mode": st.one_of(
        st.sampled_from(["stopped", "single-bolus", "simple-continuous", "flex"]), values
    ),
    "dose_per_day": st.one_of(st.floats(0, 5000), values),
    "flex": st.one_of(
        st.lists(
            st.fixed_dictionaries(
                {
                    "start": st.sampled_from(["00:00", "06:00", "12:30", "22:00", "25:00"]),
                    "dose_per_hour": st.one_of(st.floats(0, 100), values),
                }
            ),
            max_size=4,
        ),
        values,
    ),
    "patient_bolus": st.one_of(
        st.fixed_dictionaries(
            {
                "dose": st.floats(0, 50),
                "duration_min": st.floats(0, 120),
                "max_per_24h": st.integers(-1, 30),
            },
            optional={"lockout_h": st.one_of(st.floats(0, 24), values)},
        ),
        values,
    ),
    "single_bolus": st.one_of(
        st.fixed_dictionaries({"dose": st.floats(0, 50), "duration_min": st.floats(0, 120)}), values
    ),
    "priming": st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "catheter_trimmed_cm": st.floats(-5, 200),
                "catheter_length_cm": st.floats(-5, 200),
            },
        ),
        values,
    ),
    "opioid_naive": st.one_of(st.booleans(), values),
    "label_region": st.one_of(st.sampled_from(["us", "eu"]), values),
    "implant_date": st.one_of(st.dates(), values),
    "programmed_at": st.one_of(st.datetimes(), values),
}


BASE = {
    "pump": "synchromed-ii-40",
    "drug": "hydromorphone",
    "concentration": 5.0,
    "fill_ml": 40.0,
    "mode": "simple-continuous",
    "dose_per_day": 2.0,
    "fill_date": "2025-01-01",
}

TYPED = {
    "pump": st.sampled_from(
        ["synchromed-ii-20", "synchromed-ii-40", "prometra-20", "prometra-ii-40"]
    ),
    "drug": st.sampled_from(["morphine", "hydromorphone", "ziconotide", "baclofen", "clonidine"]),
    "concentration": st.floats(0.001, 3000),
    "fill_ml": st.floats(0.5, 60),
    "low_reservoir_alarm_ml": st.floats(0, 60),
    "indication": st.sampled_from(["pain", "spinal", "cerebral"]),
    "dose_per_day": st.floats(0, 5000),
    "patient_bolus": st.fixed_dictionaries(
        {
            "dose": st.floats(0.001, 50),
            "duration_min": st.floats(0.5, 120),
            "max_per_24h": st.integers(1, 30),
        },
        optional={"lockout_h": st.floats(0, 24)},
    ),
    "priming": st.fixed_dictionaries(
        {},
        optional={
            "catheter_trimmed_cm": st.floats(0, 200),
            "catheter_length_cm": st.floats(1, 200),
        },
    ),
    "opioid_naive": st.booleans(),
    "label_region": st.sampled_from(["us", "eu"]),
    "implant_date": st.dates(EARLIEST_DATE, LATEST_DATE),
    "first_fill": st.booleans(),
}
"""Well-typed but possibly unsafe values: these programs load and reach the checker."""

mutations = st.lists(st.sampled_from(sorted(TYPED)), min_size=1, max_size=4, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: TYPED[k] for k in keys})
)


def _exercise(data: dict) -> bool:
    """Load, check and simulate; True when the program loaded."""
    try:
        program = parse_program(data)
    except InputError as exc:
        assert exc.field or exc.message
        assert str(exc) and "\n" not in str(exc).strip()
        return False
    report = check_program(program)
    for err in report.errors:
        assert err.field and err.message
    assert report.to_dict()["valid"] == (not report.errors)
    simulate_pump(program, SimulationOptions(days=1, dt_h=1.0))
    return True


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries({}, optional=KEYS),
    st.dictionaries(st.text(max_size=5), values, max_size=2),
)
def test_random_tables_give_only_clear_errors(data: dict, junk: dict) -> None:
    _exercise({**junk, **data})


@settings(max_examples=300, deadline=None)
@given(mutations)
def test_unsafe_typed_programs_reach_the_checker(change: dict) -> None:
    assert _exercise({**BASE, **change})
