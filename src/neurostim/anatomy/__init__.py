"""neurostim.anatomy: spinal-cord anatomy as data.

Per vertebral level (C5, T8, T10, T12 with the alias L1) the cord, CSF, dura, epidural space,
bone, roots, grey matter and fiber parameters with their human sampling ranges and sources
(``data/spinal_cord/levels.toml``); tissue conductivity sets (``data/conductivity/*.toml``);
dorsal-column lamination tables (``data/lamination/*.csv``). One validated, frozen record,
:class:`SpinalCordAnatomy`, built by :func:`load_anatomy` from a level, a user TOML file and
overrides, refuses geometry that cannot exist before any meshing and gives a solver its radial
layer stack as arrays (:meth:`SpinalCordAnatomy.layers`) and a content-addressed cache key.

A floor package like ``errors`` and ``units``: it imports only NumPy, pydantic and those two, and
every stage may import it. Parameters, sources and caveats: docs/anatomy.md.
"""

from neurostim.anatomy.conductivity import (
    DEFAULT_SET,
    TISSUES,
    ConductivitySet,
    conductivity_corners,
    conductivity_names,
    conductivity_set,
)
from neurostim.anatomy.lamination import Lamination, dermatome_at, dermatomes, lamination
from neurostim.anatomy.layers import LAYER_NAMES, LayerStack
from neurostim.anatomy.levels import (
    DEFAULT_LEVEL,
    ParameterRow,
    allowed_keys,
    anatomy_from_toml,
    level_defaults,
    level_names,
    level_parameters,
    load_anatomy,
    resolve_level,
)
from neurostim.anatomy.model import SpinalCordAnatomy
from neurostim.anatomy.parts import Fibers, GreyMatter, Roots

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_SET",
    "LAYER_NAMES",
    "TISSUES",
    "ConductivitySet",
    "Fibers",
    "GreyMatter",
    "Lamination",
    "LayerStack",
    "ParameterRow",
    "Roots",
    "SpinalCordAnatomy",
    "allowed_keys",
    "anatomy_from_toml",
    "conductivity_corners",
    "conductivity_names",
    "conductivity_set",
    "dermatome_at",
    "dermatomes",
    "lamination",
    "level_defaults",
    "level_names",
    "level_parameters",
    "load_anatomy",
    "resolve_level",
]
