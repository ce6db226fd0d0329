"""neurostim.pipeline: the couplings between the stages, and one call through all of them.

Program (``neurostim.device``) and, optionally, a spinal-cord anatomy (``neurostim.anatomy``)
-> lead placement in tissue -> unit-current potentials from any
volume conductor (``neurostim.field``) -> fiber thresholds (``neurostim.fibers``) -> per-fiber
drive of the dorsal-horn circuit's afferents -> circuit output (``neurostim.circuit``).
:func:`run` does all of it; each step is public for callers that need only part of it.
See docs/pipeline.md.
"""

from neurostim.pipeline.afferents import MARGIN_ALWAYS, AfferentInput, afferent_input
from neurostim.pipeline.anatomy import (
    anatomy_placements,
    dorsal_column_fibers,
    fem_conductor,
    layered_cord,
)
from neurostim.pipeline.drive import ProgramDrive, pick_train, program_drive
from neurostim.pipeline.nerve import check_leads_outside, nerve_placements
from neurostim.pipeline.nerve_fem import (
    nerve_fem,
    nerve_fem_model,
    nerve_lead_fem,
    nerve_lead_fem_model,
)
from neurostim.pipeline.nerve_plots import plot_nerve_cross_section
from neurostim.pipeline.placement import (
    DEFAULT_LEAD_SPACING_MM,
    LeadPlacement,
    active_contact_center_mm,
    default_placements,
    program_contacts,
)
from neurostim.pipeline.pns import NerveMap, pns_map
from neurostim.pipeline.pns_plots import plot_pns_map
from neurostim.pipeline.pulses import circuit_program
from neurostim.pipeline.recruitment import (
    RecruitmentResult,
    neighbour_estimate_ma,
    phi_per_ma,
    recruitment,
)
from neurostim.pipeline.run import CircuitOutput, CircuitSettings, PipelineResult, run

__all__ = [
    "DEFAULT_LEAD_SPACING_MM",
    "MARGIN_ALWAYS",
    "AfferentInput",
    "CircuitOutput",
    "CircuitSettings",
    "LeadPlacement",
    "NerveMap",
    "PipelineResult",
    "ProgramDrive",
    "RecruitmentResult",
    "active_contact_center_mm",
    "afferent_input",
    "anatomy_placements",
    "check_leads_outside",
    "circuit_program",
    "default_placements",
    "dorsal_column_fibers",
    "fem_conductor",
    "layered_cord",
    "neighbour_estimate_ma",
    "nerve_fem",
    "nerve_fem_model",
    "nerve_lead_fem",
    "nerve_lead_fem_model",
    "nerve_placements",
    "phi_per_ma",
    "pick_train",
    "plot_nerve_cross_section",
    "plot_pns_map",
    "pns_map",
    "program_contacts",
    "program_drive",
    "recruitment",
    "run",
]
