"""Fiber thresholds -> the circuit's Abeta afferents, one fiber each.

The dorsal-horn network (``neurostim.circuit``) has a fixed number of Abeta afferents, local
and surround (15 + 15 in the Zhang 2014 network). Each of them stands for an equal share of the
modelled population's weight: in each group, afferent j (of n) is the population fiber at the
centre of the j-th share, (j + 1/2)/n of the cumulative weight, with the fibers ordered by
threshold [ours]. Local and surround groups therefore see the same threshold distribution;
the assignment is deterministic (no random draw), and with a population of n equal-weight
fibers and n afferents every fiber is used once.

A circuit afferent fires on a pulse when its *margin*, the program amplitude over its fiber's
threshold, times the pulse's relative amplitude is at least 1 (and, with the recovery cycle
on, its refractoriness allows). Fibers whose state at the program amplitude is unknown (a
threshold search that did not bracket, a suspected block, ...) are never guessed: the circuit
then runs twice, once with them silent (``lower``) and once with them firing on every pulse
(``upper``), and both outputs are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.pipeline.recruitment import RecruitmentResult

MARGIN_ALWAYS = 1e6
"""Margin of a fiber taken to fire on every pulse (the ``upper`` bound of an unknown state)."""


@dataclass(frozen=True)
class AfferentInput:
    """Per-afferent drive of the circuit's Abeta fibers (local first, then surround).

    Attributes
    ----------
    fiber_index : ndarray of int, shape (n_afferents,)
        Population fiber each afferent stands for.
    margin_lower, margin_upper : ndarray of shape (n_afferents,)
        Program amplitude over the fiber's threshold; fibers of unknown state are 0 in
        ``lower`` and ``MARGIN_ALWAYS`` in ``upper``. Equal when every state is known.
    n_local : int
        Afferents of the local group (the first ``n_local`` entries).
    """

    fiber_index: NDArray[np.int64]
    margin_lower: NDArray[np.float64]
    margin_upper: NDArray[np.float64]
    n_local: int

    @property
    def bounded(self) -> bool:
        """True when some afferents' state is unknown (two circuit runs are needed)."""
        return not np.array_equal(self.margin_lower, self.margin_upper)

    @property
    def recruited_lower(self) -> NDArray[np.bool_]:
        return self.margin_lower >= 1.0

    @property
    def recruited_upper(self) -> NDArray[np.bool_]:
        return self.margin_upper >= 1.0


def _order_key(result: RecruitmentResult) -> NDArray[np.float64]:
    key = np.where(result.status == "ok", result.threshold_ma, result.lower_ma)
    return np.where(np.isfinite(key), key, np.inf)


def share_centres(
    weight: NDArray[np.float64], order: NDArray[np.int64], n: int
) -> NDArray[np.int64]:
    """Fiber at the centre of each of ``n`` equal weight shares, fibers taken in ``order``."""
    cum = np.cumsum(weight[order])
    cum = cum / cum[-1]
    targets = (np.arange(n) + 0.5) / n
    pos = np.minimum(np.searchsorted(cum, targets, side="right"), order.size - 1)
    return order[pos]


def afferent_input(result: RecruitmentResult, n_local: int, n_surround: int) -> AfferentInput:
    """Map a population's thresholds onto ``n_local + n_surround`` circuit afferents."""
    for name, n in (("n_local", n_local), ("n_surround", n_surround)):
        if not (isinstance(n, int | np.integer) and 0 <= n <= 10_000):
            raise InputError(name, n, "must be an integer in [0, 10000]")
    if result.n_fibers == 0 or not np.sum(result.weight) > 0:
        raise InputError("population", result.n_fibers, "needs at least one fiber of weight > 0")
    order = np.argsort(_order_key(result), kind="stable").astype(np.int64)
    index = np.concatenate(
        [
            share_centres(result.weight, order, n_local),
            share_centres(result.weight, order, n_surround),
        ]
    )
    recruited, determined = result.states(result.amplitude_ma)
    recruited, determined = recruited[0][index], determined[0][index]
    thr = result.threshold_ma[index]
    with np.errstate(divide="ignore", invalid="ignore"):
        known = np.where(recruited | (result.status[index] == "ok"), result.amplitude_ma / thr, 0.0)
    known = np.where(np.isfinite(known), known, 0.0)
    lower = np.where(determined, known, 0.0)
    upper = np.where(determined, known, MARGIN_ALWAYS)
    return AfferentInput(
        fiber_index=index, margin_lower=lower, margin_upper=upper, n_local=int(n_local)
    )


__all__ = ["MARGIN_ALWAYS", "AfferentInput", "afferent_input", "share_centres"]
