"""neurostim.field: extracellular potentials of stimulation contacts.

One interface, :class:`VolumeConductor`: the unit-current potential of each placed contact at
any points, shape (n_contacts, n_points), and one superposition of those columns with a
program's current shares and waveform (:func:`superpose_mv`). Shipped: analytic media (infinite
homogeneous, isotropic or with a diagonal anisotropic conductivity) with point sources and
finite ring and rectangle contacts as distributed sources. Equations, sources and validation:
docs/field.md.
"""

from neurostim.field import fem as _fem  # noqa: F401  (registers "spinal-cord-fem")
from neurostim.field.conductor import (
    HomogeneousConductor,
    VolumeConductor,
    conductor_from_spec,
    conductor_names,
    register_conductor,
)
from neurostim.field.contacts import (
    Contact,
    RectangleContact,
    RingContact,
    unit_potentials_mv,
)
from neurostim.field.point_source import (
    DEFAULT_MIN_DISTANCE_MM,
    Medium,
    point_source_potential_mv,
)
from neurostim.field.superposition import superpose_mv

__all__ = [
    "DEFAULT_MIN_DISTANCE_MM",
    "Contact",
    "HomogeneousConductor",
    "Medium",
    "RectangleContact",
    "RingContact",
    "VolumeConductor",
    "conductor_from_spec",
    "conductor_names",
    "point_source_potential_mv",
    "register_conductor",
    "superpose_mv",
    "unit_potentials_mv",
]
