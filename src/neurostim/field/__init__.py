"""neurostim.field: extracellular potentials of stimulation contacts.

Analytic volume conductors (infinite homogeneous media, isotropic or with a diagonal
anisotropic conductivity): point sources, finite ring and rectangle contacts as distributed
sources, unit-current potentials per contact and their superposition with a program's current
shares and waveform. Equations, sources and validation: docs/field.md.
"""

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
    "Medium",
    "RectangleContact",
    "RingContact",
    "point_source_potential_mv",
    "superpose_mv",
    "unit_potentials_mv",
]
