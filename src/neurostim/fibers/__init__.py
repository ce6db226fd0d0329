"""neurostim.fibers: batched cable models of nerve fibers under extracellular stimulation.

MRG myelinated double cable (published diameters, or geometry interpolated for any diameter
in 2-16 um), Sundt C-fiber as PyFibers 0.13.0 builds them on NEURON 9 and Tigerholm's
C-nociceptor axon (Na and K concentrations, Nernst reversals), registered by name
(``fiber_model_names()``), branched cells (the pseudounipolar DRG C neuron),
NEURON's backward-Euler scheme batched over thousands of cases, AP detection and lock-step
threshold search, fiber populations in tissue coordinates (a peripheral nerve's per fascicle and
class: ``nerve_fibers``). See docs/fibers.md and docs/nerve.md.
"""

from neurostim.fibers.batch import protocol_thresholds
from neurostim.fibers.cases import ProtocolCase, point_source_phi_mv_per_ma, pulse_waveform
from neurostim.fibers.cells import (
    MECHANISM_SETS,
    c_neuron_geometry,
    mrg_t_junction_geometry,
    tree_geometry,
)
from neurostim.fibers.geometry import CableGeometry, points_along_polyline
from neurostim.fibers.models import (
    Fiber,
    FiberModel,
    fiber_model,
    fiber_model_names,
    register_fiber_model,
)
from neurostim.fibers.mrg import MRGFiber, mrg_diameters_um, mrg_geometry
from neurostim.fibers.mrg_interpolation import mrg_interpolation_geometry
from neurostim.fibers.nerve import FiberClass, NerveFibers, fiber_classes, nerve_fibers
from neurostim.fibers.populations import (
    FiberPopulation,
    dorsal_column_population,
    straight_fibers,
)
from neurostim.fibers.solver import SimulationResult, resting_state, simulate
from neurostim.fibers.sundt import SundtFiber, sundt_geometry
from neurostim.fibers.threshold import STATUSES, ThresholdResult, find_thresholds
from neurostim.fibers.tigerholm import TigerholmFiber, tigerholm_geometry
from neurostim.fibers.tree import reroot
from neurostim.fibers.velocity import conduction_velocity, model_conduction_velocity

__all__ = [
    "MECHANISM_SETS",
    "STATUSES",
    "CableGeometry",
    "Fiber",
    "FiberClass",
    "FiberModel",
    "FiberPopulation",
    "MRGFiber",
    "NerveFibers",
    "ProtocolCase",
    "SimulationResult",
    "SundtFiber",
    "ThresholdResult",
    "TigerholmFiber",
    "c_neuron_geometry",
    "conduction_velocity",
    "dorsal_column_population",
    "fiber_classes",
    "fiber_model",
    "fiber_model_names",
    "find_thresholds",
    "model_conduction_velocity",
    "mrg_diameters_um",
    "mrg_geometry",
    "mrg_interpolation_geometry",
    "mrg_t_junction_geometry",
    "nerve_fibers",
    "point_source_phi_mv_per_ma",
    "points_along_polyline",
    "protocol_thresholds",
    "pulse_waveform",
    "register_fiber_model",
    "reroot",
    "resting_state",
    "simulate",
    "straight_fibers",
    "sundt_geometry",
    "tigerholm_geometry",
    "tree_geometry",
]
