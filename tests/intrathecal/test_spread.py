"""Spread along the neuraxis against the reference's anchors (R35)."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import spread_fraction
from neurostim.testing import assert_close


def test_hydrophilic_tracer_43_percent_over_20_cm() -> None:
    assert_close(spread_fraction(np.array([20.0, -20.0])), 0.43, rtol=0.02, what="T2 / T12")
    assert spread_fraction(np.array([0.0]))[0] == 1.0


def test_morphine_tissue_drop_5_to_10x_over_5_to_10_cm() -> None:
    drop_5 = 1 / spread_fraction(np.array([5.0]), "morphine_cord_tissue")[0]
    drop_10 = 1 / spread_fraction(np.array([10.0]), "morphine_cord_tissue")[0]
    # 3.5 cm: 4.2x at 5 cm and 17x at 10 cm bracket the reported 5-10x over 5-10 cm
    assert drop_5 < 10 and drop_10 > 5
    with pytest.raises(InputError):
        spread_fraction(np.array([1.0]), "brain")
