"""Crossover rules: grammar, quantities, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.clinic.rules import evaluate_rule, parse_rule
from neurostim.errors import InputError

REGIONS = ("back", "leg_left", "leg_right")


def _visit() -> dict[str, np.ndarray]:
    base = np.array([[8.0, 6.0, np.nan], [8.0, 6.0, 8.0], [5.0, 5.0, 5.0], [8.0, 8.0, 8.0]])
    nrs = np.array([[2.0, 4.0, np.nan], [8.0, 1.5, 6.0], [5.0, 5.0, 5.0], [np.nan] * 3])
    overall = np.array([3.0, 5.0, 5.0, np.nan])
    base_overall = np.array([7.0, 7.0, 5.0, 8.0])
    return {"nrs": nrs, "baseline_nrs": base, "overall_nrs": overall,
            "baseline_overall_nrs": base_overall, "pgic": np.array([2, 4, 4, 0])}  # fmt: skip


def test_region_relief_averages_the_painful_regions_of_that_name() -> None:
    # leg relief: p0 1 - 4/6 = 0.333 (right leg not painful); p1 mean(0.75, 0.25) = 0.5;
    # p2 0; p3 no scores
    np.testing.assert_array_equal(
        evaluate_rule("leg_relief < 0.5", _visit(), REGIONS), [True, False, True, False]
    )
    np.testing.assert_array_equal(
        evaluate_rule("leg_relief <= 0.5", _visit(), REGIONS), [True, True, True, False]
    )


def test_overall_relief_nrs_pgic_and_conjunctions() -> None:
    # overall relief: 1 - 3/7 = 0.571, 1 - 5/7 = 0.286, 0, NaN
    np.testing.assert_array_equal(
        evaluate_rule("relief < 0.5", _visit(), REGIONS), [False, True, True, False]
    )
    np.testing.assert_array_equal(
        evaluate_rule("relief < 0.5 and back_nrs >= 6", _visit(), REGIONS),
        [False, True, False, False],
    )
    np.testing.assert_array_equal(
        evaluate_rule("pgic > 3 and nrs > 4.5", _visit(), REGIONS), [False, True, True, False]
    )
    assert evaluate_rule("always", _visit(), REGIONS).all()
    assert evaluate_rule("", _visit(), REGIONS).all()


@pytest.mark.parametrize(
    "rule", ["relief less than 0.5", "relief < half", "relief < 0.5 or nrs > 5"]
)
def test_bad_grammar_is_refused(rule: str) -> None:
    with pytest.raises(InputError) as err:
        parse_rule(rule)
    assert err.value.field == "crossover.rule"


def test_unknown_quantity_names_the_allowed_ones() -> None:
    with pytest.raises(InputError) as err:
        evaluate_rule("arm_relief < 0.5", _visit(), REGIONS)
    assert "leg_left_relief" in str(err.value)
