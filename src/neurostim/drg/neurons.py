"""Pseudounipolar DRG neuron types as data: soma, initial segment, stem and branch diameters.

``data/neurons.toml`` restates drg.md §3.2 (defaults built on AD03, GRc and SU15) and the type
mix of KD78 (large : intermediate : small ≈ 0.17 : 0.46 : 0.37, mapped to Aβ : Aδ : C [R]):

======  ==============  ===========  ======  ==================  =========================
type    soma (µm)       IS (µm)      stem    diameters p/s/c     basis
======  ==============  ===========  ======  ==================  =========================
abeta   80 × 80         5 × 200      584 µm  12.8 / 12.8 / 10.0  AD03, GRc; peripheral
                                                                  sampled from the MRG table
                                                                  5.7-16, central = entry
                                                                  nearest 0.75 × peripheral
adelta  34 × 29         none         809 µm  3.0 / 3.0 / 2.0     GRc Aδ-LTMR
c       25 × 25         none         75 µm   0.8 / 1.4 / 0.4     SU15 (Fig. 5d)
======  ==============  ===========  ======  ==================  =========================
"""

from __future__ import annotations

from dataclasses import dataclass

from neurostim.drg._io import neurons_document

NEURON_TYPES = ("abeta", "adelta", "c")
"""The neuron types, in placement order (largest somata first)."""


@dataclass(frozen=True)
class NeuronType:
    """One type's geometry (µm) and share of the ganglion's neurons."""

    name: str
    label: str
    size_class: str
    fraction: float
    soma_length_um: float
    soma_diameter_um: float
    initial_segment_length_um: float
    initial_segment_diameter_um: float
    stem_length_um: float
    peripheral_diameter_um: float
    peripheral_diameter_range_um: tuple[float, float]
    stem_over_peripheral: float
    central_over_peripheral: float
    central_snap: str

    @property
    def stem_reach_um(self) -> float:
        """Soma centre to T-junction along the stem: half the soma, the IS and the stem."""
        return self.soma_length_um / 2 + self.initial_segment_length_um + self.stem_length_um


def neuron_types() -> dict[str, NeuronType]:
    """The shipped types by name (:data:`NEURON_TYPES` order)."""
    doc = neurons_document()
    out = {}
    for name in doc["types"]:
        row = doc[name]

        def v(key: str, row: dict[str, object] = row) -> float:
            return float(row[key]["value"])  # type: ignore[index]

        lo, hi = row["peripheral_diameter_range_um"]["value"]
        out[name] = NeuronType(
            name=name,
            label=str(row["label"]),
            size_class=str(row["size_class"]),
            fraction=v("fraction"),
            soma_length_um=v("soma_length_um"),
            soma_diameter_um=v("soma_diameter_um"),
            initial_segment_length_um=v("initial_segment_length_um"),
            initial_segment_diameter_um=v("initial_segment_diameter_um"),
            stem_length_um=v("stem_length_um"),
            peripheral_diameter_um=v("peripheral_diameter_um"),
            peripheral_diameter_range_um=(float(lo), float(hi)),
            stem_over_peripheral=v("stem_over_peripheral"),
            central_over_peripheral=v("central_over_peripheral"),
            central_snap=str(row["central_snap"]["value"]),
        )
    return out


def population_settings() -> dict[str, float]:
    """``n_per_type``, ``stem_max_angle_deg`` and ``branch_vertex_spacing_mm`` of the data."""
    doc = neurons_document()
    keys = ("n_per_type", "stem_max_angle_deg", "branch_vertex_spacing_mm")
    return {k: float(doc[k]["value"]) for k in keys}


__all__ = ["NEURON_TYPES", "NeuronType", "neuron_types", "population_settings"]
