"""Conduction velocity: a step too coarse to resolve it is a SolverError, never inf."""

from __future__ import annotations

import pytest

from neurostim.errors import SolverError
from neurostim.fibers import conduction_velocity, mrg_geometry


def test_unresolved_velocity_is_an_error_not_inf() -> None:
    # 5 nodes of a 16 um fiber (1.6 mm apart) at dt = 0.1 ms: the AP crosses the two timing
    # nodes within one step, so no velocity can be measured
    with pytest.raises(SolverError, match="cannot resolve"):
        conduction_velocity(mrg_geometry(16.0, 5), dt_ms=0.1, tstop_ms=5.0)
