"""neurostim.nerve: peripheral nerves, their tissue and cuff electrodes, as data.

Shipped sites (``data/sites.toml``: sciatic, tibial, common peroneal, femoral, median, ulnar,
greater occipital, cervical vagus) give every key of a nerve: its elliptical cross-section, its
fascicles (packed with a seeded generator, or given explicitly as traced from histology), the
perineurium rule, the epineurium margin, the tissue around it and a conductivity set
(``data/conductivity/*.toml``). :func:`load_nerve` builds a checked, frozen
:class:`NerveGeometry` from a site, a user's nerve file and overrides, refusing geometry that
cannot exist (fascicles outside the nerve or overlapping, non-positive sizes) before any
meshing. Cuff presets of the ASCENT library (``data/cuffs.toml``) and the placement of a lead
near the nerve complete the model; every number carries its source in
docs/reference/peripheral-nerve.md. Both :meth:`NerveGeometry.solids` and :meth:`Cuff.solids`
list primitive solids for the finite-element step.

A floor package like ``neurostim.anatomy``: it imports only NumPy, ``errors``, ``units`` and
``_data``; fiber populations in a nerve are :func:`neurostim.fibers.nerve_fibers`, lead
placement from a program is :func:`neurostim.pipeline.nerve_placements`. See docs/nerve.md.
"""

from neurostim.nerve.conductivity import (
    DEFAULT_SET,
    TISSUES,
    NerveConductivity,
    conductivity_names,
    nerve_conductivity,
)
from neurostim.nerve.cuffs import CONTACT_SHAPES, KINDS, Cuff, CuffContact, cuff, cuff_names
from neurostim.nerve.electrodes import (
    DEFAULT_ANGLE_DEG,
    DEFAULT_DISTANCE_MM,
    RETURN_KINDS,
    ReturnElectrode,
    distance_to_nerve_mm,
    lead_frame,
    lead_outside_nerve,
)
from neurostim.nerve.geometry import FUNCTIONS, SHAPES, Fascicle, NerveGeometry, Solid, Tissue
from neurostim.nerve.packing import pack_fascicles
from neurostim.nerve.perineurium import PELOT_UM, RULES, perineurium_thickness_um
from neurostim.nerve.sites import (
    DEFAULT_SITE,
    load_nerve,
    nerve_from_toml,
    resolve_site,
    site_aliases,
    site_defaults,
    site_names,
    site_parameters,
)

__all__ = [
    "CONTACT_SHAPES",
    "DEFAULT_ANGLE_DEG",
    "DEFAULT_DISTANCE_MM",
    "DEFAULT_SET",
    "DEFAULT_SITE",
    "FUNCTIONS",
    "KINDS",
    "PELOT_UM",
    "RETURN_KINDS",
    "RULES",
    "SHAPES",
    "TISSUES",
    "Cuff",
    "CuffContact",
    "Fascicle",
    "NerveConductivity",
    "NerveGeometry",
    "ReturnElectrode",
    "Solid",
    "Tissue",
    "conductivity_names",
    "cuff",
    "cuff_names",
    "distance_to_nerve_mm",
    "lead_frame",
    "lead_outside_nerve",
    "load_nerve",
    "nerve_conductivity",
    "nerve_from_toml",
    "pack_fascicles",
    "perineurium_thickness_um",
    "resolve_site",
    "site_aliases",
    "site_defaults",
    "site_names",
    "site_parameters",
]
