"""neurostim.field.fem: finite-element volume conductors (NGSolve/Netgen, extra ``fem``).

:class:`NerveFEM` (registered as ``nerve-fem``): a nerve in its cuff (:class:`NerveModel`,
plain data), the perineurium as a thin resistive layer or meshed.
:class:`SpinalCordFEM` (registered as ``spinal-cord-fem``): a layered spinal cord
(:class:`LayeredCord`, :class:`Conductivities`) with the lead bodies cut out, one unit-current
solve per contact with the others floating, FEM point evaluation, and a content-addressed cache
of meshes and solutions. This package imports without NGSolve; meshing or solving without it
raises ImportError naming ``pip install 'neurostim[fem]'``. Equations, geometry, validation:
docs/fem.md.
"""

from neurostim.field.conductor import register_conductor as _register
from neurostim.field.fem.cache import CACHE_ENV, cache_root
from neurostim.field.fem.geometry import Conductivities, LayeredCord
from neurostim.field.fem.mesh import MESH_LEVELS
from neurostim.field.fem.model import SpinalCordFEM, _factory
from neurostim.field.fem.nerve import NERVE_MESH_LEVELS, PERINEURIUM_MODELS, NerveFEM, NerveModel

_register(SpinalCordFEM.name, _factory)
_register(NerveFEM.name, NerveFEM)

__all__ = [
    "CACHE_ENV",
    "MESH_LEVELS",
    "NERVE_MESH_LEVELS",
    "PERINEURIUM_MODELS",
    "Conductivities",
    "LayeredCord",
    "NerveFEM",
    "NerveModel",
    "SpinalCordFEM",
    "cache_root",
]
