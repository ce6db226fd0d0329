"""Patient-activated bolus gate (myPTM / PTC), reference ``intrathecal.md`` §1.5.

A request at time ``t`` (hours) is granted iff

* the bolus is enabled;
* ``t - last_programming_h >= lockout_h`` (the lockout also runs after programming or a refill);
* ``t - last_grant_start_h >= lockout_h`` (lockout measured from the start of the last bolus);
* fewer than ``max_per_24h`` grants ``g`` lie in the rolling half-open window ``t - 24 < g <= t``;
* the reservoir holds at least the bolus volume above empty.

[CHOICE of the reference: rolling half-open window, lockout from bolus start, ``>=``.]
Checked by the worked case P4 in ``tests/intrathecal/test_bolus.py`` (exact).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from neurostim.units import HOURS_PER_DAY

Decision = Literal["granted", "lockout", "max_per_24h", "reservoir", "disabled"]


@dataclass
class BolusGate:
    """Stateful gate deciding each patient request; times in hours, increasing."""

    lockout_h: float
    max_per_24h: int
    enabled: bool = True
    last_programming_h: float | None = None
    _grants_h: deque[float] = field(default_factory=deque, repr=False)

    def reprogram(self, t_h: float) -> None:
        """A programming or refill event at ``t_h``: the lockout starts again from it."""
        self.last_programming_h = t_h

    def request(
        self, t_h: float, bolus_ml: float = 0.0, reservoir_ml: float = math.inf
    ) -> Decision:
        """Decide a request at ``t_h``; a grant is recorded."""
        if not self.enabled:
            return "disabled"
        if self.last_programming_h is not None and t_h - self.last_programming_h < self.lockout_h:
            return "lockout"
        if self._grants_h and t_h - self._grants_h[-1] < self.lockout_h:
            return "lockout"
        while self._grants_h and self._grants_h[0] <= t_h - HOURS_PER_DAY:
            self._grants_h.popleft()
        if len(self._grants_h) >= self.max_per_24h:
            return "max_per_24h"
        if reservoir_ml < bolus_ml:
            return "reservoir"
        self._grants_h.append(t_h)
        return "granted"


def decide_requests(
    request_times_h: list[float],
    lockout_h: float,
    max_per_24h: int,
    last_programming_h: float | None = None,
) -> list[Decision]:
    """Decisions for a sequence of request times (hours, increasing) with a full reservoir."""
    gate = BolusGate(lockout_h, max_per_24h, last_programming_h=last_programming_h)
    return [gate.request(t) for t in request_times_h]
