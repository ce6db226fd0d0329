"""Cable models of the pseudounipolar DRG neurons: Aβ, Aδ and C cells as trees.

``neuron_geometry`` builds one neuron of a type (``abeta``, ``adelta``, ``c``) at given branch
diameters as a :class:`~neurostim.fibers.geometry.CableGeometry` that the fiber engine's tree
solver runs (``neurostim.fibers.simulate``, ``find_thresholds``), numbered from the soma (the
root), sections one compartment each:

* **abeta**, the Graham hybrid (GRc ``ABetaFiber.hoc`` after AD03; drg.md §3.1-3.2): soma
  (80 × 80 µm) - initial segment (5 × 200 µm) - stem of four myelinated internodes of node-to-
  node length 85, 130, 168, 201 µm (soma to T; MRG MYSA/FLUT/STIN of the stem diameter, FLUT
  35 µm, lamellae × 0.077, 0.486, 0.662, 1 of the MRG entry) - the T junction, where three 1 µm
  MRG nodes meet at their ends (stem, peripheral, central; NEURON's zero-area node, here a
  ``junction`` section) - MRG branches whose first three internodes are the AD03 fractions of
  the node spacing (peripheral 461, 670, 1119 of 1567; central 358, 780, 1170 of 1450), then
  regular MRG periods, each branch sealed at its last (active) node. MRG node kinetics
  everywhere; soma and initial segment are single compartments with the node's channels, Na
  (fast and persistent) × 0.15 (soma) and × 0.25 (IS), leak reversal -80 mV, their periaxonal
  space tied to the bath (no myelin).
* **adelta**, the GRc Aδ-LTMR geometry (soma 34 × 29 µm, no initial segment, stem internodes
  123, 185, 241, 260 µm soma to T, FLUT 21 µm) on MRG node kinetics with the MRG geometry
  interpolated at 2-3 µm (``mrg-interpolation``); **provisional** (GRc uses Nav1.6, Kdr, KA:
  drg.md §3.2): ``geometry.extra["adelta_kinetics_provisional"]`` is True.
* **c**, the Sundt 2015 C neuron (``fibers.cells.c_neuron_geometry``): soma, stem, a zero-area
  junction, 100 µm T sections and axons in compartments of about 8.3 µm, Sundt kinetics; at
  the default diameters and length it equals ``c_neuron_geometry()`` section by section.

Branch diameters outside the MRG table (5.7-16 µm) take the interpolated MRG geometry. Per-cell
parameters: ``data/cells.toml``; soma and initial-segment sizes: ``data/neurons.toml``.

**Sites.** Every section carries a site label (``section_sites``): ``soma``,
``initial_segment``, ``stem``, ``t_junction`` (the junction and the first node/compartment on
each of its three sides), ``peripheral``, ``central``. Named sections: ``soma``,
``initial_segment`` (abeta), ``stem_end`` (the stem node/compartment next to the soma side),
``t_junction``, ``peripheral_end``, ``central_end``; APs are detected at ``central_end`` (what
reaches the cord).

**Layout.** ``section_layout`` gives each section's branch (``stem``, ``peripheral``,
``central``) and its distance from the T junction along that branch (µm, section centre);
``section_points_mm`` places the sections in space from the T junction, the stem direction and
the root axis (straight), ``population_section_points_mm`` along a placed neuron's stem and
branch polylines (``neurostim.drg.population``).

Node offset. The branches' node grid is anchored at the T junction (GRc), so a node offset
cannot move it; ``node_offset`` (a fraction of the regular node spacing, in [0, 1), one value or
one per branch) sets where each modelled branch is cut: the number of regular internodes is
floor((branch length - first internodes)/spacing - offset), so the far end falls within one
node spacing of ``branch_length_mm``, never beyond it (every section lies on the branch's
polyline). The C neuron's compartments have no node grid: the offset is accepted and unused.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.drg._io import shipped_text
from neurostim.drg.neurons import NEURON_TYPES, neuron_types
from neurostim.errors import InputError
from neurostim.fibers.cells import (
    MECHANISM_SETS,
    balanced_leak_mv,
    c_neuron_parameters,
    tree_geometry,
)
from neurostim.fibers.channels import SUNDT_CHANNELS, MRGNodeChannels, SundtChannels
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.mrg import mrg_parameters
from neurostim.fibers.mrg_interpolation import mrg_interpolation_row
from neurostim.fibers.slow_channels import (
    SUNDT_SLOW_CHANNELS,
    SundtSlowChannels,
    slow_parameters,
)
from neurostim.fibers.sundt import sundt_parameters
from neurostim.units import MM_TO_UM, MOHM_TO_OHM, UM2_TO_CM2, UM_TO_MM

SITES = ("soma", "initial_segment", "stem", "t_junction", "peripheral", "central")
"""Site labels of a neuron's sections, from the cell body outwards."""
BRANCHES = ("stem", "peripheral", "central")
"""The three arms of a pseudounipolar cell meeting at the T junction."""
MECHANISMS = MECHANISM_SETS
"""Mechanism sets of the specification (drg.md §3.1): Na/K only, + M current (KCNQ),
+ L-type Ca and SK, + the Na/K pump (``fibers.cells.MECHANISM_SETS``)."""
AVAILABLE_MECHANISMS = {"abeta": ("na-k",), "adelta": ("na-k",), "c": MECHANISM_SETS}
"""Mechanism sets each type runs: the slow mechanisms are Sundt et al.'s, for the C neuron
(``fibers.slow_channels``); the MRG cells have the node's Na/K only."""
TIED_TO_BATH_MOHM_PER_CM = 1.0
"""``xraxial`` given to sections whose periaxonal layer is tied to the bath: any finite value
serves, since the solver reads U = E there and never uses that resistance (NEURON's default
xraxial is of this order)."""


@functools.cache
def cell_parameters() -> dict[str, dict[str, Any]]:
    """``data/cells.toml`` as {table: {key: value}} (the ``value`` of every row)."""
    import tomllib

    doc = tomllib.loads(shipped_text("cells.toml"))
    return {t: {k: row["value"] for k, row in rows.items()} for t, rows in doc.items()}


def _mrg_row(diameter_um: float) -> dict[str, float]:
    """MRG period geometry: the table row at a published diameter, else interpolated."""
    for r in mrg_parameters()["diameters"]:
        if abs(r["fiber_diameter_um"] - diameter_um) < 1e-9:
            return {k: float(v) for k, v in r.items()}
    return mrg_interpolation_row(diameter_um)


def _rp_mohm_per_cm(d_um: float, space_um: float) -> float:
    """Periaxonal resistance per length (MOhm/cm) of a gap ``space_um`` around ``d_um``."""
    rho = mrg_parameters()["constants"]["rho_axial_ohm_cm"]
    ring_um2 = math.pi * ((d_um / 2 + space_um) ** 2 - (d_um / 2) ** 2)
    return float(rho / (ring_um2 * UM2_TO_CM2) / MOHM_TO_OHM)


@dataclass
class _Sections:
    """Per-section NEURON properties collected while walking the cell, parents first."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, parent: int, **props: Any) -> int:
        self.rows.append({"parent": parent, **props})
        return len(self.rows) - 1

    def column(self, key: str) -> NDArray[Any]:
        return np.array([r[key] for r in self.rows])


def _check_inputs(
    neuron_type: str,
    peripheral_um: float,
    stem_um: float,
    central_um: float,
    branch_length_mm: float | tuple[float, float] | None,
    node_offset: float | tuple[float, float],
    temperature_c: float,
    mechanisms: str,
) -> tuple[float, float]:
    if neuron_type not in NEURON_TYPES:
        raise InputError("neuron_type", neuron_type, f"allowed: {', '.join(NEURON_TYPES)}")
    if mechanisms not in MECHANISMS:
        raise InputError("mechanisms", mechanisms, f"allowed: {', '.join(MECHANISMS)}")
    if mechanisms not in AVAILABLE_MECHANISMS[neuron_type]:
        raise InputError(
            "mechanisms",
            mechanisms,
            f"allowed for {neuron_type}: {', '.join(AVAILABLE_MECHANISMS[neuron_type])} (the "
            "slow mechanisms M, CaL, SK and the Na/K pump are modelled for the C neuron only)",
        )
    for name, value in (("peripheral_um", peripheral_um), ("stem_um", stem_um),
                        ("central_um", central_um)):  # fmt: skip
        if not (np.isfinite(value) and value > 0):
            raise InputError(name, value, "a diameter > 0 um")
    if branch_length_mm is not None:
        lengths = np.atleast_1d(np.asarray(branch_length_mm, dtype=np.float64))
        if lengths.size not in (1, 2) or not np.all(np.isfinite(lengths) & (lengths > 0)):
            raise InputError(
                "branch_length_mm", branch_length_mm, "a length > 0 mm, or one per branch"
            )
    if not (np.isfinite(temperature_c) and 0.0 <= temperature_c <= 45.0):
        raise InputError("temperature_c", temperature_c, "0-45 C")
    raw = np.atleast_1d(np.asarray(node_offset, dtype=np.float64))
    offsets = np.repeat(raw, 2) if raw.size == 1 else raw
    if offsets.shape != (2,) or not np.all(np.isfinite(offsets) & (offsets >= 0) & (offsets < 1)):
        raise InputError("node_offset", node_offset, "a fraction in [0, 1), or one per branch")
    return float(offsets[0]), float(offsets[1])


def neuron_geometry(
    neuron_type: str,
    *,
    peripheral_um: float,
    stem_um: float,
    central_um: float,
    branch_length_mm: float | tuple[float, float] | None = None,
    node_offset: float | tuple[float, float] = 0.0,
    temperature_c: float = 37.0,
    mechanisms: str = "na-k",
    compartment_length_um: float | None = None,
) -> CableGeometry:
    """One pseudounipolar neuron of ``neuron_type`` as a tree (module docstring).

    Parameters
    ----------
    neuron_type : {"abeta", "adelta", "c"}
    peripheral_um, stem_um, central_um : float
        Fiber (outer) diameters of the peripheral branch, the stem and the central branch; MRG
        types take 2-16 um (table entries exactly, others interpolated), C any > 0.
    branch_length_mm : float or (peripheral, central), optional
        Modelled length of each branch beyond the T junction (the far end lies within one node
        spacing of it, never beyond); default ``branch_length_mm`` of data/cells.toml.
    node_offset : float or (peripheral, central)
        Where each branch is cut, a fraction of the node spacing in [0, 1) (module docstring).
    temperature_c : float
    mechanisms : str
        ``"na-k"``; the slow sets of ``MECHANISMS`` are refused until the kernels have them.
    compartment_length_um : float, optional
        C only: target compartment length of the stem, T sections and axons (default the
        spec's ``compartment_length_um`` of fibers/data/drg_c_neuron.toml, 8.333 um; each
        piece is cut into round(length / target) equal compartments, at least one).

    Returns
    -------
    CableGeometry
        With ``named_sections``, detection at ``central_end``, and in ``extra``:
        ``neuron_type``, ``sites`` and ``branch`` (tuples, one label per section),
        ``distance_from_t_um`` (n_sections,), ``adelta_kinetics_provisional``,
        ``mechanisms``, ``section_table`` (the NEURON section properties); the density factors
        of each active section in ``channel_scale`` (n_active, n_channels): MRG (naf, nap,
        ks), Sundt (na, k).
    """
    offsets = _check_inputs(neuron_type, peripheral_um, stem_um, central_um, branch_length_mm,
                            node_offset, temperature_c, mechanisms)  # fmt: skip
    p = cell_parameters()[neuron_type]
    raw = p["branch_length_mm"] if branch_length_mm is None else branch_length_mm
    both = np.atleast_1d(np.asarray(raw, dtype=np.float64))
    length_mm = (float(both[0]), float(both[-1]))
    if compartment_length_um is not None and not (
        p["kinetics"] == "sundt"
        and np.isfinite(compartment_length_um)
        and 1.0 <= compartment_length_um <= 100.0
    ):
        allowed = "1-100 um, for the C neuron only (the A cells have node grids)"
        raise InputError("compartment_length_um", compartment_length_um, allowed)
    if p["kinetics"] == "sundt":
        secs, named, model = _c_sections(peripheral_um, stem_um, central_um, length_mm,
                                         compartment_length_um)  # fmt: skip
    else:
        secs, named, model = _mrg_sections(neuron_type, peripheral_um, stem_um, central_um,
                                           length_mm, offsets)  # fmt: skip
    return _assemble(secs, named, model, neuron_type, temperature_c, mechanisms)


# --- MRG cells (abeta, adelta) ----------------------------------------------------------------


def _mrg_node(s: _Sections, parent: int, d_n: float, site: str, branch: str, dist: float,
              **over: Any) -> int:  # fmt: skip
    c = mrg_parameters()["constants"]
    ch = mrg_parameters()["node_channels"]
    props = {
        "kind": "node", "site": site, "branch": branch, "distance_um": dist,
        "diameter_um": d_n, "length_um": c["node_length_um"], "ra": c["rho_axial_ohm_cm"],
        "cm": c["axolemma_cm_uf_per_cm2"], "g_pas": ch["g_leak_s_per_cm2"],
        "e_pas": ch["e_leak_mv"], "xraxial": _rp_mohm_per_cm(d_n, c["space_node_um"]),
        "xg": 0.0, "xc": 0.0, "tied": True, "active": True, "na": 1.0, "k": 1.0,
    }  # fmt: skip
    props.update(over)
    return s.add(parent, **props)


def _mrg_internode(s: _Sections, parent: int, row: dict[str, float], spacing_um: float,
                   flut_um: float, lamellae: float, site: str, branch: str,
                   start_um: float) -> tuple[int, float]:  # fmt: skip
    """MYSA, FLUT, STIN x 6, FLUT, MYSA of node-to-node length ``spacing_um`` after ``parent``;
    returns the last section and the distance (from the T) of the internode's far end."""
    c = mrg_parameters()["constants"]
    big_d, d_n, d_a = row["fiber_diameter_um"], row["node_diameter_um"], row["axon_diameter_um"]
    l_stin = (spacing_um - c["node_length_um"] - 2 * c["mysa_length_um"] - 2 * flut_um) / 6
    if not l_stin > 0:
        raise InputError(
            "diameter_um", big_d, f"gives no room for the STIN sections of a {spacing_um:.4g} um "
            f"internode (FLUT {flut_um:.4g} um); choose a larger diameter",
        )  # fmt: skip
    rho, cm = c["rho_axial_ohm_cm"], c["axolemma_cm_uf_per_cm2"]
    xg = c["myelin_lamella_g_s_per_cm2"] / (2 * lamellae)
    xc = c["myelin_lamella_c_uf_per_cm2"] / (2 * lamellae)
    mysa = {"kind": "mysa", "length_um": c["mysa_length_um"], "ra": rho * (big_d / d_n) ** 2,
            "cm": cm * d_n / big_d, "g_pas": c["mysa_g_pas_s_per_cm2"] * d_n / big_d,
            "xraxial": _rp_mohm_per_cm(d_n, c["space_node_um"])}  # fmt: skip
    inter = {"ra": rho * (big_d / d_a) ** 2, "cm": cm * d_a / big_d,
             "g_pas": c["internode_g_pas_s_per_cm2"] * d_a / big_d,
             "xraxial": _rp_mohm_per_cm(d_a, c["space_internode_um"])}  # fmt: skip
    flut = {"kind": "flut", "length_um": flut_um, **inter}
    stin = {"kind": "stin", "length_um": l_stin, **inter}
    pos = start_um
    last = parent
    for props in [mysa, flut] + [stin] * 6 + [flut, mysa]:
        length = props["length_um"]
        last = s.add(last, site=site, branch=branch, distance_um=pos + length / 2,
                     diameter_um=big_d, e_pas=c["e_pas_mv"], xg=xg, xc=xc, tied=False,
                     active=False, na=1.0, k=1.0, **props)  # fmt: skip
        pos += length
    return last, pos


def _mrg_sections(
    neuron_type: str,
    peripheral_um: float,
    stem_um: float,
    central_um: float,
    length_mm: tuple[float, float],
    offsets: tuple[float, float],
) -> tuple[_Sections, dict[str, int], str]:
    p = cell_parameters()[neuron_type]
    kind = neuron_types()[neuron_type]
    c = mrg_parameters()["constants"]
    node_len = c["node_length_um"]
    s = _Sections()
    stem_row = _mrg_row(stem_um)
    stem_spacings = [float(x) for x in p["stem_internodes_um"]]  # from the T towards the soma
    factors = [float(x) for x in p["stem_lamella_factors"]]
    has_is = kind.initial_segment_length_um > 0
    # distances from the T junction (the stem side: towards the soma)
    t_node_far = node_len  # the stem's T node spans 0-1 um
    stem_total = t_node_far + sum(stem_spacings)  # far end of the node next to the soma side
    is_len = kind.initial_segment_length_um
    soma_dist = stem_total + is_len + kind.soma_length_um / 2
    soma_props = {"ra": c["rho_axial_ohm_cm"], "cm": p["soma_cm_uf_per_cm2"],
                  "e_pas": p["soma_leak_reversal_mv"]}  # fmt: skip
    soma = _mrg_node(s, -1, kind.soma_diameter_um, "soma", "stem", soma_dist,
                     kind="soma", length_um=kind.soma_length_um, na=p["soma_na_factor"],
                     k=p["soma_k_factor"],
                     xraxial=_rp_mohm_per_cm(kind.soma_diameter_um, c["space_node_um"]),
                     **soma_props)  # fmt: skip
    named = {"soma": soma}
    last = soma
    if has_is:
        last = _mrg_node(s, soma, kind.initial_segment_diameter_um, "initial_segment", "stem",
                         stem_total + is_len / 2, kind="initial_segment", length_um=is_len,
                         na=p["initial_segment_na_factor"], k=p["initial_segment_k_factor"],
                         xraxial=_rp_mohm_per_cm(kind.initial_segment_diameter_um,
                                                 c["space_node_um"]),
                         **soma_props)  # fmt: skip
        named["initial_segment"] = last
    d_n = stem_row["node_diameter_um"]
    lamellae = stem_row["lamellae"]
    flut = float(p["stem_flut_length_um"])
    pos = stem_total  # walking from the soma side towards the T: distances decrease
    last = _mrg_node(s, last, d_n, "stem", "stem", pos - node_len / 2)
    named["stem_end"] = last
    pos -= node_len
    for spacing, factor in zip(stem_spacings[::-1], factors[::-1], strict=True):
        start = len(s.rows)
        last, _ = _mrg_internode(s, last, stem_row, spacing, flut, lamellae * factor, "stem",
                                 "stem", 0.0)  # fmt: skip
        # the internode runs towards the T: distance from the T = pos - offset along it
        run = spacing - node_len
        for r in s.rows[start:]:
            r["distance_um"] = pos - r["distance_um"]
        pos -= run
        is_t = len(s.rows) and abs(pos - node_len) < 1e-9
        last = _mrg_node(s, last, d_n, "t_junction" if is_t else "stem", "stem",
                         pos - node_len / 2)  # fmt: skip
        pos -= node_len
    t_node = last
    junction = s.add(t_node, kind="junction", site="t_junction", branch="stem", distance_um=0.0,
                     diameter_um=d_n, length_um=0.0, ra=c["rho_axial_ohm_cm"], cm=0.0,
                     g_pas=0.0, e_pas=c["e_pas_mv"], xraxial=TIED_TO_BATH_MOHM_PER_CM, xg=0.0,
                     xc=0.0, tied=True, active=False, na=1.0, k=1.0)  # fmt: skip
    named["t_junction"] = junction
    for b, (branch, d_um) in enumerate((("peripheral", peripheral_um), ("central", central_um))):
        row = _mrg_row(d_um)
        first = [float(x) / float(p[f"{branch}_reference_internode_um"])
                 * row["node_spacing_um"] for x in p[f"{branch}_internodes_ad03_um"]]  # fmt: skip
        spacing = row["node_spacing_um"]
        length_um = length_mm[b] * MM_TO_UM
        n_regular = math.floor((length_um - node_len - sum(first)) / spacing - offsets[b])
        if n_regular < 1:
            need = (node_len + sum(first) + (1 + offsets[b]) * spacing) * UM_TO_MM
            raise InputError(
                "branch_length_mm", length_mm[b],
                f">= {need:.3f} mm for the {branch} branch at {d_um:g} um (node offset "
                f"{offsets[b]:g})",
            )  # fmt: skip
        d_n_b = row["node_diameter_um"]
        last = _mrg_node(s, junction, d_n_b, "t_junction", branch, node_len / 2)
        pos = node_len
        for spacing_k in first + [spacing] * n_regular:
            last, pos = _mrg_internode(s, last, row, spacing_k, row["flut_length_um"],
                                       row["lamellae"], branch, branch, pos)  # fmt: skip
            last = _mrg_node(s, last, d_n_b, branch, branch, pos + node_len / 2)
            pos += node_len
        named[f"{branch}_end"] = last
    return s, named, "mrg"


# --- the C neuron (Sundt) ---------------------------------------------------------------------


def _c_sections(
    peripheral_um: float,
    stem_um: float,
    central_um: float,
    length_mm: tuple[float, float],
    compartment_length_um: float | None = None,
) -> tuple[_Sections, dict[str, int], str]:
    cp = c_neuron_parameters()
    geo, el = cp["geometry"], cp["electrical"]
    ch = sundt_parameters()["channels"]
    p = cell_parameters()["c"]
    kind = neuron_types()["c"]
    dz = geo["compartment_length_um"] if compartment_length_um is None else compartment_length_um
    t_len = geo["t_section_length_um"]
    axon_um = {b: length_mm[k] * MM_TO_UM - t_len for k, b in enumerate(("peripheral", "central"))}
    if not min(axon_um.values()) >= dz:
        need_mm = (t_len + dz) * UM_TO_MM
        raise InputError(
            "branch_length_mm", length_mm, f">= {need_mm:.4f} mm (the T section, one compartment)"
        )
    s = _Sections()
    base = {"ra": el["ra_ohm_cm"], "cm": el["cm_uf_per_cm2"], "g_pas": ch["g_leak_s_per_cm2"],
            "e_pas": ch["e_leak_mv"], "xraxial": TIED_TO_BATH_MOHM_PER_CM, "xg": 0.0, "xc": 0.0,
            "tied": True, "active": True, "na": 1.0, "k": 1.0}  # fmt: skip
    stem_len = kind.stem_length_um
    soma = s.add(-1, kind="soma", site="soma", branch="stem",
                 distance_um=stem_len + kind.soma_length_um / 2,
                 diameter_um=kind.soma_diameter_um, length_um=kind.soma_length_um,
                 **{**base, "na": 1.0})  # fmt: skip
    named = {"soma": soma}

    def run(name: str, site: str, branch: str, d_um: float, total_um: float, first_parent: int,
            start_um: float, sign: float) -> int:  # fmt: skip
        k = max(1, round(total_um / dz))
        last = first_parent
        for j in range(k):
            centre = start_um + sign * (j + 0.5) * total_um / k
            last = s.add(last, kind=name, site=site, branch=branch, distance_um=centre,
                         diameter_um=d_um, length_um=total_um / k, **base)  # fmt: skip
        return last

    stem_end = run("stem", "stem", "stem", stem_um, stem_len, soma, stem_len, -1.0)
    named["stem_end"] = stem_end
    junction = s.add(stem_end, kind="junction", site="t_junction", branch="stem",
                     distance_um=0.0, diameter_um=stem_um, length_um=0.0,
                     **{**base, "cm": 0.0, "g_pas": 0.0, "active": False})  # fmt: skip
    named["t_junction"] = junction
    for branch, d_um in (("peripheral", peripheral_um), ("central", central_um)):
        t_end = run(f"t_{branch}", branch, branch, d_um, t_len, junction, 0.0, 1.0)
        named[f"{branch}_end"] = run(branch, branch, branch, d_um, axon_um[branch], t_end,
                                     t_len, 1.0)  # fmt: skip
    # the first compartment on each side of the junction belongs to the T junction
    for r in s.rows:
        if r["parent"] == junction:
            r["site"] = "t_junction"
    s.rows[stem_end]["site"] = "t_junction"
    s.rows[soma]["na"] = float(cp["soma"]["g_na_s_per_cm2"] / ch["g_na_s_per_cm2"])
    s.rows[soma]["k"] = float(p["soma_k_factor"])
    return s, named, "sundt"


# --- assembly ---------------------------------------------------------------------------------


def _assemble(
    s: _Sections,
    named: dict[str, int],
    model: str,
    neuron_type: str,
    temperature_c: float,
    mechanisms: str,
) -> CableGeometry:
    col = s.column
    active = col("active").astype(bool)
    if model == "mrg":
        params: MRGNodeChannels | SundtChannels | SundtSlowChannels = MRGNodeChannels.from_data(
            mrg_parameters()["node_channels"], temperature_c
        )
        v_rest = float(mrg_parameters()["constants"]["v_rest_mv"])
        scale = np.column_stack([col("na"), col("na"), col("k")])[active]  # naf, nap, ks
    else:
        ch = sundt_parameters()["channels"]
        v_rest = float(sundt_parameters()["constants"]["v_rest_mv"])
        if mechanisms == "na-k":
            params = SundtChannels.from_data(ch, temperature_c)
            scale = np.column_stack([col("na"), col("k")])[active]  # SUNDT_CHANNELS
        else:  # Sundt et al.'s slow mechanisms, placed by section kind (data/sundt_slow.toml)
            model = "sundt_slow"
            params = SundtSlowChannels.from_data(ch, slow_parameters(), temperature_c)
            placed = slow_parameters()["sets"][mechanisms]
            kinds = col("kind")[active]
            slow = [np.isin(kinds, placed.get(name, [])).astype(float)
                    for name in SUNDT_SLOW_CHANNELS[len(SUNDT_CHANNELS):]]  # fmt: skip
            scale = np.column_stack([col("na")[active], col("k")[active], *slow])
    g = tree_geometry(
        model=model,
        kind=tuple(str(k) for k in col("kind")),
        parent=col("parent").astype(np.int64),
        diameter_um=col("diameter_um").astype(float),
        length_um=col("length_um").astype(float),
        ra_ohm_cm=col("ra").astype(float),
        cm_uf_per_cm2=col("cm").astype(float),
        g_pas_s_per_cm2=col("g_pas").astype(float),
        e_pas_mv=col("e_pas").astype(float),
        u_fixed=col("tied").astype(bool),
        active=active,
        channel_params=params,
        v_rest_mv=v_rest,
        temperature_c=temperature_c,
        xraxial_mohm_per_cm=col("xraxial").astype(float),
        xg_s_per_cm2=col("xg").astype(float),
        xc_uf_per_cm2=col("xc").astype(float),
        named_sections=named,
        detection_section=named["central_end"],
        channel_scale=scale.astype(float),
    )
    if model != "mrg":  # Sundt et al. rest every compartment at -60 mV (c_neuron_geometry)
        balance_mv = c_neuron_parameters()["leak"]["balance_at_mv"]
        g = replace(g, e_leak_mv=balanced_leak_mv(g, col("g_pas").astype(float), balance_mv))
        for row, e_mv in zip(s.rows, g.e_leak_mv, strict=True):
            row["e_pas"] = float(e_mv)
    g.extra.update(
        neuron_type=neuron_type,
        sites=tuple(str(x) for x in col("site")),
        branch=tuple(str(x) for x in col("branch")),
        distance_from_t_um=col("distance_um").astype(float),
        adelta_kinetics_provisional=neuron_type == "adelta",
        mechanisms=mechanisms,
        section_table={k: col(k) for k in s.rows[0]},
    )
    return g


def section_sites(geometry: CableGeometry) -> list[str]:
    """Site label of every section of a ``neuron_geometry`` cell (one of :data:`SITES`)."""
    try:
        return list(geometry.extra["sites"])
    except KeyError:
        raise InputError("geometry", geometry.model, "a cell built by neuron_geometry") from None


@dataclass(frozen=True)
class SectionLayout:
    """Where each section lies on its cell, relative to the T junction.

    branch : tuple of str, length n_sections
        ``stem`` (soma, initial segment, stem, the junction), ``peripheral`` or ``central``.
    distance_from_t_um : ndarray of shape (n_sections,)
        Path length from the T junction to the section centre along its branch (the stem
        towards the soma).
    """

    branch: tuple[str, ...]
    distance_from_t_um: NDArray[np.float64]


def section_layout(geometry: CableGeometry) -> SectionLayout:
    """The :class:`SectionLayout` of a ``neuron_geometry`` cell."""
    if "branch" not in geometry.extra:
        raise InputError("geometry", geometry.model, "a cell built by neuron_geometry")
    return SectionLayout(
        tuple(geometry.extra["branch"]), np.asarray(geometry.extra["distance_from_t_um"], float)
    )


def section_points_mm(
    geometry: CableGeometry,
    *,
    t_junction_mm: NDArray[np.float64],
    stem_direction: NDArray[np.float64],
    root_axis: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Section centres in space for a straight cell, shape (n_sections, 3) in mm.

    ``t_junction_mm`` (3,) is the T junction; ``stem_direction`` (3,) points from the soma
    towards the T (as ``DRGPopulation.stem_direction``), so the stem's sections lie at
    T - d * stem_direction; ``root_axis`` (3,) points from the T towards the peripheral end: the
    peripheral branch at T + d * root_axis, the central branch at T - d * root_axis.
    """
    lay = section_layout(geometry)
    t = np.asarray(t_junction_mm, float).reshape(3)
    u_stem = _unit(stem_direction, "stem_direction")
    u_root = _unit(root_axis, "root_axis")
    d_mm = lay.distance_from_t_um * UM_TO_MM
    sign = {"stem": -1.0, "peripheral": 1.0, "central": -1.0}
    axis = {"stem": u_stem, "peripheral": u_root, "central": u_root}
    return np.array([t + sign[b] * d * axis[b] for b, d in zip(lay.branch, d_mm, strict=True)])


def population_section_points_mm(
    geometry: CableGeometry, population: Any, index: int
) -> NDArray[np.float64]:
    """Section centres (n_sections, 3) in mm of neuron ``index`` of a ``DRGPopulation``: the
    stem along its straight stem from the T junction, the branches along their polylines by
    arc length from the T. The branches must be at least as long as the modelled ones
    (``neuron_geometry``'s ``branch_length_mm`` = the polyline's length)."""
    lay = section_layout(geometry)
    out = np.empty((geometry.n_sections, 3))
    branch = np.array(lay.branch)
    d_mm = lay.distance_from_t_um * UM_TO_MM
    stem = branch == "stem"
    out[stem] = (
        population.t_junction_mm[index] - d_mm[stem, None] * population.stem_direction[index]
    )
    for b in ("peripheral", "central"):
        m = branch == b
        out[m] = population.branch_points_mm(index, b, d_mm[m])
    return out


def _unit(v: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    a = np.asarray(v, float).reshape(3)
    n = float(np.linalg.norm(a))
    if not n > 0:
        raise InputError(name, a.tolist(), "a nonzero 3-vector")
    return a / n


__all__ = [
    "AVAILABLE_MECHANISMS",
    "BRANCHES",
    "MECHANISMS",
    "SITES",
    "SectionLayout",
    "cell_parameters",
    "neuron_geometry",
    "population_section_points_mm",
    "section_layout",
    "section_points_mm",
    "section_sites",
]
