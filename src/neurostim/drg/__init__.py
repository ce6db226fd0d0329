"""neurostim.drg: dorsal root ganglion stimulation (DRGS).

One lumbosacral ganglion (L1-L5, S1) in its foramen as data (``data/levels.toml``, drg.md
§6.1), the tissue conductivities (``data/conductivity.toml``, §2) and the neuron types
(``data/neurons.toml``, §3.2): :class:`DRGGeometry`, built by :func:`load_drg_geometry`, refuses
geometry that cannot exist before any meshing and gives a mesher its solids
(:meth:`DRGGeometry.solids`); :func:`place_lead` puts a program's DRG lead over the ganglion;
:func:`drg_population` places pseudounipolar neurons (soma, stem, T-junction, peripheral and
central branches) by the rules of §6.2; :func:`plot_drg` draws a cross-section and a
longitudinal section; :func:`neuron_geometry` builds a placed neuron's cable (Aβ, Aδ, C as
trees, ``cells.py``) and :func:`ap_outcome` says where its action potential started, whether it
reached the central end and whether it invaded the soma; :func:`train_following` finds the
highest train rate every pulse of which crosses the T junction; :class:`DRGFEM` (registered as the
volume conductor ``drg-fem``) solves the field of each contact on the finite-element layer of
the spinal cord. Frame, parameters, sources and checks: docs/drg.md.
"""

from neurostim.drg.cells import (
    SITES,
    SectionLayout,
    neuron_geometry,
    population_section_points_mm,
    section_layout,
    section_points_mm,
    section_sites,
)
from neurostim.drg.conductivity import DRG_TISSUES, DRGConductivity, drg_conductivity
from neurostim.drg.fem import DRGFEM, _factory
from neurostim.drg.follow import FollowResult, RateOutcome, train_following
from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.lead import DRGLeadPlacement, place_lead
from neurostim.drg.levels import (
    DRGParameterRow,
    drg_allowed_keys,
    drg_geometry_from_toml,
    drg_level_defaults,
    drg_level_names,
    load_drg_geometry,
)
from neurostim.drg.mesh import MESH_LEVELS
from neurostim.drg.neurons import NEURON_TYPES, NeuronType, neuron_types
from neurostim.drg.outcome import APOutcome, ap_outcome
from neurostim.drg.plots import plot_drg
from neurostim.drg.population import DRGPopulation, drg_population, in_dense_region
from neurostim.drg.shapes import Box, Cylinder, Ellipsoid, EllipticCylinder, region_index
from neurostim.field.conductor import register_conductor as _register

_register(DRGFEM.name, _factory)

__all__ = [
    "DRGFEM",
    "DRG_TISSUES",
    "MESH_LEVELS",
    "NEURON_TYPES",
    "SITES",
    "APOutcome",
    "Box",
    "Cylinder",
    "DRGConductivity",
    "DRGGeometry",
    "DRGLeadPlacement",
    "DRGParameterRow",
    "DRGPopulation",
    "Ellipsoid",
    "EllipticCylinder",
    "FollowResult",
    "NeuronType",
    "RateOutcome",
    "SectionLayout",
    "ap_outcome",
    "drg_allowed_keys",
    "drg_conductivity",
    "drg_geometry_from_toml",
    "drg_level_defaults",
    "drg_level_names",
    "drg_population",
    "in_dense_region",
    "load_drg_geometry",
    "neuron_geometry",
    "neuron_types",
    "place_lead",
    "plot_drg",
    "population_section_points_mm",
    "region_index",
    "section_layout",
    "section_points_mm",
    "section_sites",
    "train_following",
]
