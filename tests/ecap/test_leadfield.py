"""Recording lead fields and montages (reciprocity on the analytic medium; no fiber runs)."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.device import load_program
from neurostim.ecap import parse_record, recording_lead_fields
from neurostim.errors import InputError
from neurostim.field import HomogeneousConductor
from neurostim.pipeline.placement import program_contacts
from neurostim.testing import assert_close


@pytest.fixture(scope="module")
def placed(examples_dir):
    program = load_program(examples_dir / "programs" / "ecap.toml")
    ids, contacts = program_contacts(program)
    centres = np.array([c.center_xyz_mm for c in contacts])
    return program, ids, contacts, centres


def test_default_montage_is_the_free_contacts_of_the_stimulating_lead(placed) -> None:
    program, ids, _, centres = placed
    m = parse_record(None, program, ids, centres, min_primary_distance_mm=8.0)
    assert m.labels == ["L1.E3", "L1.E4", "L1.E5", "L1.E6", "L1.E7", "L1.E8"]
    # E4 is the nearest free contact 8 mm or more from both stimulating contacts (4 mm pitch)
    assert m.labels[m.primary] == "L1.E4"
    assert np.all(m.weights.sum(axis=1) == 1.0)


def test_monopolar_and_differential_items(placed) -> None:
    program, ids, _, centres = placed
    m = parse_record("E8,E3-E8", program, ids, centres)
    assert m.labels == ["L1.E8", "L1.E3-L1.E8"]
    assert m.primary == 0
    row = dict(zip(ids, m.weights[1], strict=True))
    assert row["L1.E3"] == 1.0 and row["L1.E8"] == -1.0 and sum(row.values()) == 0.0


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        ("E9", "a contact of the program's leads"),
        ("E2", "do not stimulate"),
        ("E3-E3", "two different contacts"),
        ("E3-", "comma-separated"),
        ("L2.E1", "a contact"),
        ("E3,E3", "each recording once"),
    ],
)
def test_refusals_name_the_field_and_the_allowed(placed, record: str, needle: str) -> None:
    program, ids, _, centres = placed
    with pytest.raises(InputError) as err:
        parse_record(record, program, ids, centres)
    assert err.value.field == "record" and needle in str(err.value)


def test_two_single_ended_recordings_subtracted_equal_the_differential_lead_field(placed) -> None:
    program, ids, contacts, centres = placed
    rng = np.random.default_rng(1)
    points = np.column_stack(
        [rng.uniform(-1, 1, 50), rng.uniform(3, 5, 50), rng.uniform(-20, 30, 50)]
    )
    cond = HomogeneousConductor()
    mono = recording_lead_fields(
        cond, contacts, parse_record("E3,E8", program, ids, centres), points
    )
    diff = recording_lead_fields(
        cond, contacts, parse_record("E3-E8", program, ids, centres), points
    )
    assert_close(
        diff[0], mono[0] - mono[1], rtol=1e-12, atol=1e-15, what="E3-E8 lead field", unit="mV/mA"
    )


def test_the_lead_field_is_the_stimulation_column_of_the_same_contact(placed) -> None:
    """Reciprocity uses the stimulation stage's unit potentials themselves (ecap.md §2)."""
    program, ids, contacts, centres = placed
    points = np.array([[0.0, 4.0, z] for z in np.linspace(-10, 30, 9)])
    cond = HomogeneousConductor()
    lead = recording_lead_fields(cond, contacts, parse_record("E5", program, ids, centres), points)
    k = ids.index("L1.E5")
    assert_close(
        lead[0],
        cond.unit_potentials_mv([contacts[k]], points)[0],
        rtol=1e-12,
        what="E5 lead field",
        unit="mV/mA",
    )
