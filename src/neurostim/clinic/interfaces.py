"""What the pathway needs from a therapy, a pain model and a protocol (structural types).

:func:`neurostim.clinic.pathway.simulate_arm` codes against these :class:`typing.Protocol`
classes only; :mod:`neurostim.patient.pain` and :mod:`neurostim.clinic.protocol` implement
them. Shapes: ``n`` patients, ``n_regions`` pain regions (``cohort.region_names``), ``n_visits``
visits; months count from randomization.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from neurostim.patient.cohort import Cohort


@runtime_checkable
class TherapyLike(Protocol):
    """A therapy in force: ``kind`` is "scs", "cmm", "placebo" or "intrathecal"."""

    kind: str

    def relief(
        self, cohort: Cohort, months_on: NDArray[np.float64], *, lead_shift_mm: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """(n, n_regions) specific relief in [0, 1] after ``months_on`` (n,) on the therapy,
        with the lead ``lead_shift_mm`` (n,) caudal to where it was programmed (0 = in place;
        ignored by therapies without a lead)."""
        ...


@runtime_checkable
class PainModelLike(Protocol):
    """The pain model: NRS per region and visit, and the secondary measures from it."""

    def noise(self, rng: np.random.Generator, cohort: Cohort, n_visits: int) -> NDArray[np.float64]:
        """(n, n_visits, n_regions) visit-to-visit noise, NRS points."""
        ...

    def nrs(
        self,
        cohort: Cohort,
        relief: NDArray[np.float64],
        months: NDArray[np.float64],
        noise: NDArray[np.float64],
        kind: str,
    ) -> NDArray[np.float64]:
        """(n, n_regions) NRS 0-10 (NaN where a region is not painful) at ``months`` (n,) from
        randomization, with specific ``relief`` (n, n_regions) and ``noise`` (n, n_regions), for
        patients whose therapy in force is ``kind`` (sets the non-specific effect)."""
        ...

    def overall(self, cohort: Cohort, nrs: NDArray[np.float64]) -> NDArray[np.float64]:
        """(n,) overall NRS from the regions' ``nrs`` (n, n_regions)."""
        ...

    def trial_success(
        self, cohort: Cohort, therapy: Any, rng: np.random.Generator, threshold: float
    ) -> NDArray[np.bool_]:
        """(n,) whether the trial phase of ``therapy`` gives relief >= ``threshold``."""
        ...

    def odi(
        self, cohort: Cohort, overall_nrs: NDArray[np.float64], months: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """(n,) Oswestry Disability Index 0-100 at ``months`` (n,) with ``overall_nrs`` (n,)."""
        ...

    def mme(
        self,
        cohort: Cohort,
        overall_nrs: NDArray[np.float64],
        months: NDArray[np.float64],
        kind: str,
    ) -> NDArray[np.float64]:
        """(n,) opioid dose, mg morphine equivalents per day, at ``months`` (n,)."""
        ...

    def pgic(self, cohort: Cohort, overall_nrs: NDArray[np.float64]) -> NDArray[np.int64]:
        """(n,) patient global impression of change, 1 (very much improved) - 7."""
        ...


class CrossoverLike(Protocol):
    """``[crossover]`` of a protocol: at ``month``, patients for whom ``rule`` holds cross."""

    month: float
    rule: str


class ProtocolLike(Protocol):
    """The attributes of a trial protocol the pathway reads."""

    @property
    def trial_phase(self) -> bool: ...

    @property
    def trial_success_relief(self) -> float: ...

    @property
    def follow_up_months(self) -> Sequence[float]: ...

    @property
    def crossover(self) -> Any:
        """a :class:`CrossoverLike` or None"""


__all__ = ["CrossoverLike", "PainModelLike", "ProtocolLike", "TherapyLike"]
