"""A nerve in its cuff as a finite-element volume conductor (peripheral-nerve.md §4, §7).

:func:`nerve_fem_model` turns a :class:`~neurostim.nerve.NerveGeometry` and a
:class:`~neurostim.nerve.Cuff` into the plain :class:`~neurostim.field.fem.NerveModel` of
``neurostim.field`` (which never imports ``neurostim.nerve``); :func:`nerve_fem` wraps it in a
:class:`~neurostim.field.fem.NerveFEM`. The cuff's axis is the nerve's and its centre z = 0. A
cuff that opens to fit (the LivaNova helix) takes the nerve's equal-area circle plus its saline
gap as inner diameter; a rigid cuff must hold the nerve's outline with at least ``MIN_GAP_UM``
to spare (the nerve is not yet deformed into the cuff's circle, §4).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from neurostim.errors import InputError
from neurostim.field.fem.nerve import NerveFEM, NerveModel, domain_length_mm
from neurostim.nerve import Cuff, NerveGeometry
from neurostim.units import UM_TO_MM

MIN_GAP_UM = 10.0
"""Least saline between a rigid cuff's inner wall and the nerve's outline [ours]."""


def _plain(solid: Any) -> dict[str, Any]:
    d = asdict(solid)
    d.pop("z_range_mm", None)
    return d


def nerve_fem_model(
    nerve: NerveGeometry,
    electrode: Cuff,
    *,
    length_mm: float | None = None,
    perineurium: str = "thin-layer",
) -> NerveModel:
    """The plain model of ``nerve`` in ``electrode`` (length default: §7 ``domain.length_mm``
    for a cuff, max(60, 40) = 60 mm)."""
    electrode.check_fits(nerve)
    length = domain_length_mm(0.0) if length_mm is None else float(length_mm)
    cross = tuple(_plain(s) for s in nerve.solids(length))
    solids = [dict(s) for s in electrode.solids()]
    r_nerve = max(nerve.major_mm, nerve.minor_mm) / 2.0
    r_inner = electrode.inner_diameter_mm / 2.0
    if electrode.expands:
        need = nerve.equivalent_diameter_mm / 2.0 + electrode.fill_gap_um * UM_TO_MM
        grow = max(0.0, need - r_inner)
        if grow > 0:
            for s in solids:
                for key in ("r_inner_mm", "r_outer_mm", "r_face_mm"):
                    if key in s:
                        s[key] = float(s[key]) + grow
            r_inner += grow
    if r_nerve + MIN_GAP_UM * UM_TO_MM > r_inner:
        raise InputError(
            "electrode",
            f"cuff:{electrode.preset}",
            f"the nerve's outline reaches {r_nerve:.3f} mm from its axis; the cuff's inner "
            f"radius {r_inner:.3f} mm must exceed it by {MIN_GAP_UM:g} um (the nerve is not "
            "deformed into the cuff yet): use a larger cuff or a circular nerve",
        )
    return NerveModel(
        cross_section=cross,
        cuff=tuple(solids),
        conductivity_s_per_m=nerve.conductivity.values_s_per_m(),
        length_mm=length,
        perineurium=perineurium,
    )


def nerve_fem(
    nerve: NerveGeometry,
    electrode: Cuff,
    *,
    length_mm: float | None = None,
    perineurium: str = "thin-layer",
    **options: Any,
) -> NerveFEM:
    """A :class:`NerveFEM` of the nerve in the cuff (options: ``mesh_level``, ``order``,
    ``tol``, ``cache_dir``, ``use_cache``)."""
    model = nerve_fem_model(nerve, electrode, length_mm=length_mm, perineurium=perineurium)
    return NerveFEM(model, **options)


__all__ = ["nerve_fem", "nerve_fem_model"]
