"""Cuff electrodes of the ASCENT library as data (peripheral-nerve.md §3.1).

``data/cuffs.toml`` holds the presets ``livanova-2000``, ``livanova-3000``, ``imthera``,
``purdue``, ``cortec-200``, ``cortec-300``, ``cortec-400``, ``micro-leads``, ``pitt`` and
``bucksot``, each number with its tag and source. Frame of a cuff (mm): z along the nerve from
the cuff's centre, angles in the cross-section from +x (the nerve's major axis) towards +y; the
seam of a split cuff at 0 deg. Contacts:

``ribbon``  a band on the inner wall over ``arc_deg`` centred on ``angle_deg``, ``width_mm``
            along z (the LivaNova helices are modelled as rings at their mean position [ours]);
``disc``    a disc of ``diameter_mm`` on the inner wall at ``angle_deg``;
``wire``    a wire of ``wire_diameter_um`` over ``arc_deg``;
``square``  a square of side ``width_mm`` at ``angle_deg``.

Each may sit ``recess_um`` below the inner wall. A cuff fits a nerve when the nerve's
equal-area diameter (the circle a cuff deforms it into, §4) plus twice the saline gap is at
most the inner diameter, unless the cuff expands (the LivaNova helix opens to fit).
:meth:`Cuff.solids` lists the primitive solids for the mesher. The device layer's lead files
``cuff-<preset>`` carry the same contacts for programs and safety arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from neurostim.errors import InputError
from neurostim.nerve._io import row_values, shipped_toml
from neurostim.nerve.geometry import NerveGeometry
from neurostim.units import UM_TO_MM

KINDS = ("helical", "split-cylinder", "multi-contact", "u-shaped")
CONTACT_SHAPES = ("ribbon", "disc", "wire", "square")


@dataclass(frozen=True)
class CuffContact:
    """One contact of a cuff (mm, deg, um as named); fields a shape does not use are 0."""

    shape: str
    z_mm: float
    angle_deg: float
    arc_deg: float = 0.0
    width_mm: float = 0.0
    diameter_mm: float = 0.0
    wire_diameter_um: float = 0.0
    recess_um: float = 0.0
    thickness_um: float = 0.0

    def surface_area_mm2(self, inner_diameter_mm: float) -> float:
        """Exposed area (mm²): the face towards the nerve (half the wire's surface)."""
        face_d = inner_diameter_mm + 2.0 * self.recess_um * UM_TO_MM
        if self.shape == "ribbon":
            return self.arc_deg / 360.0 * math.pi * face_d * self.width_mm
        if self.shape == "disc":
            return math.pi / 4.0 * self.diameter_mm**2
        if self.shape == "wire":
            wire = self.wire_diameter_um * UM_TO_MM
            return self.arc_deg / 360.0 * math.pi * (face_d + wire) * math.pi * wire / 2.0
        return self.width_mm**2

    def axial_extent_mm(self) -> float:
        """Length of the contact along z (mm)."""
        if self.shape in ("ribbon", "square"):
            return self.width_mm
        if self.shape == "disc":
            return self.diameter_mm
        return self.wire_diameter_um * UM_TO_MM


@dataclass(frozen=True)
class Cuff:
    """A cuff preset (see the module docstring); ``sources`` per key."""

    preset: str
    name: str
    kind: str
    inner_diameter_mm: float
    length_mm: float
    wall_mm: float
    fill_gap_um: float
    expands: bool
    helix_pitch_mm: float
    helix_turns: float
    contacts: tuple[CuffContact, ...]
    sources: dict[str, str]

    @property
    def n_contacts(self) -> int:
        return len(self.contacts)

    def check_fits(self, nerve: NerveGeometry) -> None:
        """Refuse a cuff smaller than the nerve (InputError naming ``electrode``)."""
        need = nerve.equivalent_diameter_mm + 2.0 * self.fill_gap_um * UM_TO_MM
        if self.expands or need <= self.inner_diameter_mm + 1e-12:
            return
        fits = [p for p in cuff_names() if cuff(p).expands or cuff(p).inner_diameter_mm >= need]
        raise InputError(
            "electrode",
            f"cuff:{self.preset}",
            f"inner diameter {self.inner_diameter_mm:g} mm is smaller than the nerve "
            f"({nerve.site}: equal-area diameter {nerve.equivalent_diameter_mm:.2f} mm"
            f"{' plus the saline gap' if self.fill_gap_um else ''}); allowed: a cuff of at least "
            f"{need:.2f} mm: {', '.join(fits) or 'none shipped'}",
        )

    def solids(self) -> tuple[dict[str, Any], ...]:
        """Primitive solids for the mesher, in the cuff frame (mm, deg).

        A ``tube`` of insulation (inner and outer radius, z range), the saline ``fill`` (a tube
        between the nerve's circle and the inner wall, when ``fill_gap_um`` > 0), and per contact
        an ``arc_band`` (radius of its face, z range, start and end angle, thickness), a
        ``disc`` (centre on the face, axis radial, diameter, thickness) or a ``wire_arc``
        (radius of the wire's axis, wire diameter, angles) - each a plain dict with ``kind``.
        """
        r = self.inner_diameter_mm / 2.0
        z = (-self.length_mm / 2.0, self.length_mm / 2.0)
        out: list[dict[str, Any]] = [
            {
                "kind": "tube",
                "name": "insulation",
                "material": "silicone",
                "r_inner_mm": r,
                "r_outer_mm": r + self.wall_mm,
                "z_range_mm": z,
            },
        ]
        if self.fill_gap_um > 0:
            gap = self.fill_gap_um * UM_TO_MM
            out.append(
                {
                    "kind": "tube",
                    "name": "fill",
                    "material": "saline",
                    "r_inner_mm": r - gap,
                    "r_outer_mm": r,
                    "z_range_mm": z,
                }
            )
        for i, c in enumerate(self.contacts):
            face = r + c.recess_um * UM_TO_MM
            half = c.axial_extent_mm() / 2.0
            base = {
                "name": f"E{i + 1}",
                "material": "platinum",
                "contact": f"E{i + 1}",
                "z_range_mm": (c.z_mm - half, c.z_mm + half),
            }
            if c.shape in ("ribbon", "square"):
                arc = c.arc_deg if c.shape == "ribbon" else math.degrees(c.width_mm / face)
                out.append(
                    {
                        **base,
                        "kind": "arc_band",
                        "r_face_mm": face,
                        "angles_deg": (c.angle_deg - arc / 2, c.angle_deg + arc / 2),
                        "thickness_mm": c.thickness_um * UM_TO_MM,
                    }
                )
            elif c.shape == "disc":
                a = math.radians(c.angle_deg)
                out.append(
                    {
                        **base,
                        "kind": "disc",
                        "diameter_mm": c.diameter_mm,
                        "center_mm": (face * math.cos(a), face * math.sin(a), c.z_mm),
                        "thickness_mm": c.thickness_um * UM_TO_MM,
                    }
                )
            else:
                wire = c.wire_diameter_um * UM_TO_MM
                out.append(
                    {
                        **base,
                        "kind": "wire_arc",
                        "r_axis_mm": face + wire / 2.0,
                        "wire_diameter_mm": wire,
                        "angles_deg": (c.angle_deg - c.arc_deg / 2, c.angle_deg + c.arc_deg / 2),
                    }
                )
        return tuple(out)


def cuff_names() -> list[str]:
    """The shipped cuff presets, in file order."""
    return list(shipped_toml("cuffs.toml")["cuffs"])


def cuff(preset: str) -> Cuff:
    """A shipped cuff preset by name (``livanova-2000``; ``cuff:`` prefix accepted)."""
    name = preset.removeprefix("cuff:") if isinstance(preset, str) else preset
    table = shipped_toml("cuffs.toml")["cuffs"]
    if name not in table:
        raise InputError("electrode", preset, f"unknown cuff; presets: {', '.join(table)}")
    row = dict(table[name])
    contacts = row.pop("contacts")
    sources = {k: f"[{v['tag']}] {v['source']}" for k, v in row.items() if isinstance(v, dict)}
    sources["contacts"] = f"[{row.pop('contacts_tag')}] {row.pop('contacts_source')}"
    values = row_values(row)
    return Cuff(
        preset=name,
        name=str(values["name"]),
        kind=str(values["kind"]),
        inner_diameter_mm=float(values["inner_diameter_mm"]),
        length_mm=float(values["length_mm"]),
        wall_mm=float(values["wall_mm"]),
        fill_gap_um=float(values["fill_gap_um"]),
        expands=bool(values["expands"]),
        helix_pitch_mm=float(values["helix_pitch_mm"]),
        helix_turns=float(values["helix_turns"]),
        contacts=tuple(CuffContact(**c) for c in contacts),
        sources=sources,
    )


__all__ = ["CONTACT_SHAPES", "KINDS", "Cuff", "CuffContact", "cuff", "cuff_names"]
