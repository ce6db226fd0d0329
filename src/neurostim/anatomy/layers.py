"""The radial layer stack of a spinal-cord anatomy as plain arrays, for a solver.

Cross-section frame (mm), the same as the pipeline's tissue frame: x mediolateral (0 = the
canal's midline, + right), y dorsoventral growing **ventrally** (the dorsal side is y < 0), z along
the cord axis. Every boundary is an axis-aligned ellipse ``(centre_x, centre_y, semi_x, semi_y)``:

========  =====================================================================================
layer     outer boundary
========  =====================================================================================
cord      semi-axes (cord_transverse_mm/2, cord_ap_mm/2), centre (cord_ml_offset_mm,
          (dcsf_mm - vcsf_mm)/2) so that the dorsal CSF is dcsf_mm and the ventral vcsf_mm thick
csf       the dural sac: centre (0, 0), semi-axes (cord_transverse_mm/2 + lateral_csf_mm,
          cord_ap_mm/2 + (dcsf_mm + vcsf_mm)/2)
dura      the sac grown by dura_thickness_mm on both semi-axes
epidural  the dura grown by epidural_thickness_mm (uniform around the dura [ours])
bone      circle of radius bone_outer_radius_mm (0: no bone)
outer     circle of radius outer_radius_mm: the far boundary (ground)
========  =====================================================================================

Each layer fills the region between the previous boundary and its own. A layer of thickness 0
is absent (``present`` False; its inner and outer boundaries coincide). Inside the cord the grey
matter is a butterfly built from ``anatomy.grey_matter`` (§1.2); the cord layer's conductivity is
white matter's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

LAYER_NAMES = ("cord", "csf", "dura", "epidural", "bone", "outer")
"""Layers from the inside out."""

Ellipse = tuple[float, float, float, float]
"""(centre_x_mm, centre_y_mm, semi_x_mm, semi_y_mm)."""


@dataclass(frozen=True)
class LayerStack:
    """Boundaries and conductivities of the layers, inside out (see the module docstring).

    Attributes
    ----------
    names : tuple of str, length n_layers
        ``LAYER_NAMES``.
    inner_mm, outer_mm : ndarray of shape (n_layers, 4)
        Inner and outer boundary of each layer: centre x, centre y, semi-axis x, semi-axis y (mm).
        The cord's inner boundary is its centre with zero semi-axes.
    present : ndarray of bool, shape (n_layers,)
        False for a layer of zero thickness.
    sigma_s_per_m : ndarray of shape (n_layers, 3)
        Diagonal conductivity (x, y, z) of each layer in S/m; white matter (the cord layer) is
        anisotropic along z, every other layer isotropic.
    grey_s_per_m : float
        Conductivity of the grey matter inside the cord (isotropic).
    length_mm : float
        Length of the model along z.
    """

    names: tuple[str, ...]
    inner_mm: NDArray[np.float64]
    outer_mm: NDArray[np.float64]
    present: NDArray[np.bool_]
    sigma_s_per_m: NDArray[np.float64]
    grey_s_per_m: float
    length_mm: float

    def thickness_mm(self) -> NDArray[np.float64]:
        """Thickness along each semi-axis of every layer, shape (n_layers, 2): outer - inner."""
        return self.outer_mm[:, 2:] - self.inner_mm[:, 2:]


def boundaries(
    *,
    cord_ap_mm: float,
    cord_transverse_mm: float,
    dcsf_mm: float,
    vcsf_mm: float,
    lateral_csf_mm: float,
    cord_ml_offset_mm: float,
    dura_thickness_mm: float,
    epidural_thickness_mm: float,
    bone_outer_radius_mm: float,
    outer_radius_mm: float,
) -> dict[str, Ellipse]:
    """The outer boundary of each layer (see the module docstring), keyed by layer name."""
    a, b = cord_transverse_mm / 2.0, cord_ap_mm / 2.0
    cord = (cord_ml_offset_mm, (dcsf_mm - vcsf_mm) / 2.0, a, b)
    csf = (0.0, 0.0, a + lateral_csf_mm, b + (dcsf_mm + vcsf_mm) / 2.0)
    t = dura_thickness_mm
    dura = (0.0, 0.0, csf[2] + t, csf[3] + t)
    t = epidural_thickness_mm
    epidural = (0.0, 0.0, dura[2] + t, dura[3] + t)
    r = bone_outer_radius_mm
    bone = (0.0, 0.0, r, r) if r > 0 else epidural
    outer = (0.0, 0.0, outer_radius_mm, outer_radius_mm)
    return {
        "cord": cord,
        "csf": csf,
        "dura": dura,
        "epidural": epidural,
        "bone": bone,
        "outer": outer,
    }


def layer_stack(
    bounds: dict[str, Ellipse],
    sigma: dict[str, float],
    length_mm: float,
) -> LayerStack:
    """Assemble a :class:`LayerStack` from :func:`boundaries` and a conductivity set's values."""
    outer = np.array([bounds[n] for n in LAYER_NAMES], dtype=np.float64)
    inner = np.empty_like(outer)
    inner[0] = (outer[0, 0], outer[0, 1], 0.0, 0.0)
    inner[1:] = outer[:-1]
    present = np.array([not np.array_equal(i, o) for i, o in zip(inner, outer, strict=True)])
    iso = ("csf", "dura", "epidural", "bone", "outer")
    rows = [(sigma["white_transverse"], sigma["white_transverse"], sigma["white_longitudinal"])]
    rows += [(sigma[n],) * 3 for n in iso]
    return LayerStack(
        names=LAYER_NAMES,
        inner_mm=inner,
        outer_mm=outer,
        present=present,
        sigma_s_per_m=np.array(rows, dtype=np.float64),
        grey_s_per_m=float(sigma["grey"]),
        length_mm=float(length_mm),
    )


def inside(inner: Ellipse, outer: Ellipse, n_points: int = 720) -> float:
    """Largest value of the outer ellipse's implicit function on the inner boundary.

    Below 1: the inner ellipse lies strictly inside the outer one.
    """
    theta = np.linspace(0.0, 2.0 * np.pi, n_points, endpoint=False)
    x = inner[0] + inner[2] * np.cos(theta) - outer[0]
    y = inner[1] + inner[3] * np.sin(theta) - outer[1]
    return float(np.max((x / outer[2]) ** 2 + (y / outer[3]) ** 2))


__all__ = ["LAYER_NAMES", "LayerStack"]
