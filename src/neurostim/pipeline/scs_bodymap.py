"""A dermatome body map, front and back, shaded by what a program recruits.

**Schematic.** The figure and its bands are drawn here from simple polygons (no outline or image
from elsewhere): a standing figure in the anatomical position (arms at the sides, palms
forward), seen from the front and from the back, with the dermatomes C2-S5 as regions laid out
the way the standard dermatome charts are commonly drawn after Foerster 1933 (Brain 56:1) and
Keegan & Garrett 1948 (Anat Rec 102:409) [R]:

- C2 under the jaw and over the back of the head, C3 on the neck, C4 over the shoulders;
- C5 down the lateral arm, C6 on the radial forearm and thumb, C7 on the middle of the hand,
  C8 on the ulnar forearm and little finger, T1-T2 back up the medial arm to the axilla;
- T2-T12 as bands round the trunk (T4 at the nipples, T10 at the umbilicus), the front jumping
  from C4 to T2 (the axial line);
- L1 at the groin and upper thigh, L2-L3 obliquely across the front of the thigh to the knee,
  L4 on the medial and L5 on the lateral leg, L5 on the dorsum of the foot, S1 on its lateral
  edge, the sole and the back of the calf;
- S2 down the back of the thigh, S3 on the medial buttock, S4 and S5 in rings round the anus.

The borders are approximate: real dermatomes overlap and differ between people and between
charts (Lee, McPhee & Stringer 2008, Clin Anat 21:363 [R]). The map shows *where* a dermatome
is, not its exact extent; the numbers are in the bar chart and the JSON beside it.

Coordinates: each region is stored once for one half of the body as (s, y), s >= 0 the distance
from the midline, y up (feet at 0, top of the head at 10). Seen from the front, the patient's
left side is on the viewer's right; seen from the back, on the viewer's left
(:func:`x_sign`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neurostim.errors import InputError

DERMATOMES: tuple[str, ...] = (
    *(f"C{k}" for k in range(2, 9)),
    *(f"T{k}" for k in range(1, 13)),
    *(f"L{k}" for k in range(1, 6)),
    *(f"S{k}" for k in range(1, 6)),
)
"""The dermatomes drawn (C1 has no skin territory)."""
VIEWS = ("front", "back")
SIDES = ("left", "right")
BACK_OFFSET = 4.4
"""Horizontal distance between the front view's midline (x = 0) and the back view's."""
NO_FIBERS_COLOR = "white"
"""Fill of a dermatome without fibers in the model (not the same as 0 % recruited)."""
DR_EDGE_COLOR = "tab:red"

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


@dataclass(frozen=True)
class Region:
    """One polygon of a dermatome in one view, for one half of the body (s >= 0, y)."""

    view: str
    dermatome: str
    outline: tuple[Point, ...]


# --- the schematic figure (half body; s from the midline, y up) -----------------------------
# Limb parts as quadrilaterals (proximal-lateral, distal-lateral, distal-medial, proximal-medial);
# a region inside one is a polygon in (u, v): u from proximal (0) to distal (1), v from lateral
# (0) to medial (1); the arm's lateral side is its radial (thumb) side.
UPPER_ARM: Quad = ((1.2, 7.6), (1.45, 5.9), (1.2, 5.9), (0.97, 7.1))
FOREARM: Quad = ((1.45, 5.9), (1.66, 4.55), (1.42, 4.55), (1.2, 5.9))
HAND: Quad = ((1.66, 4.55), (1.74, 3.85), (1.46, 3.85), (1.42, 4.55))
THIGH: Quad = ((0.95, 4.6), (0.62, 2.5), (0.2, 2.5), (0.04, 4.6))
LEG: Quad = ((0.62, 2.5), (0.5, 0.35), (0.28, 0.35), (0.2, 2.5))
FOOT: Quad = ((0.5, 0.35), (0.64, 0.0), (0.16, 0.0), (0.28, 0.35))
NECK: Quad = ((0.25, 8.5), (0.28, 7.9), (0.0, 7.9), (0.0, 8.5))  # u down, v towards midline
TRUNK_EDGE: tuple[Point, ...] = ((4.6, 0.95), (5.0, 0.95), (5.9, 0.85), (7.1, 0.97), (7.6, 1.2),
                                 (7.9, 0.6))  # fmt: skip
"""The trunk's lateral edge as (y, s), bottom to top (hip, waist, axilla, shoulder, neck)."""
HEAD_CENTRE: Point = (0.0, 9.2)
HEAD_AXES: Point = (0.55, 0.75)
BUTTOCK_FOLD_U = 0.14
"""Share of the thigh's length under the buttock in the back view (the gluteal fold)."""


def _bilinear(q: Quad, u: float, v: float) -> Point:
    (a, b), (c, d), (e, f), (g, h) = q
    w00, w10, w11, w01 = (1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v
    return (w00 * a + w10 * c + w11 * e + w01 * g, w00 * b + w10 * d + w11 * f + w01 * h)


def _in_quad(q: Quad, uv: Sequence[Point], n: int = 6) -> tuple[Point, ...]:
    """The polygon ``uv`` (in the part's (u, v)) mapped onto the part, edges subdivided."""
    out: list[Point] = []
    for k, (u0, v0) in enumerate(uv):
        u1, v1 = uv[(k + 1) % len(uv)]
        out.extend(_bilinear(q, u0 + (u1 - u0) * j / n, v0 + (v1 - v0) * j / n) for j in range(n))
    return tuple(out)


def _strip(u0: float, u1: float, v0: float, v1: float) -> tuple[Point, ...]:
    return ((u0, v0), (u1, v0), (u1, v1), (u0, v1))


def _trunk_s(y: float) -> float:
    ys = [p[0] for p in TRUNK_EDGE]
    for k in range(len(ys) - 1):
        if ys[k] <= y <= ys[k + 1]:
            (ya, sa), (yb, sb) = TRUNK_EDGE[k], TRUNK_EDGE[k + 1]
            return sa + (sb - sa) * (y - ya) / (yb - ya)
    raise ValueError(y)  # pragma: no cover - bands lie on the trunk


def _trunk_band(y0: float, y1: float) -> tuple[Point, ...]:
    """The trunk between heights y0 < y1, from the midline to its lateral edge."""
    edge = [(_trunk_s(y0), y0)]
    edge += [(s, y) for y, s in TRUNK_EDGE if y0 < y < y1]
    edge += [(_trunk_s(y1), y1)]
    return ((0.0, y0), *edge, (0.0, y1))


def _head(y_below: float, n: int = 24) -> tuple[Point, ...]:
    """The half head (ellipse) below the height ``y_below``."""
    (cx, cy), (a, b) = HEAD_CENTRE, HEAD_AXES
    top = math.asin(max(-1.0, min(1.0, (y_below - cy) / b)))
    angles = [-math.pi / 2 + (top + math.pi / 2) * k / n for k in range(n + 1)]
    return ((0.0, cy - b), *((cx + a * math.cos(t), cy + b * math.sin(t)) for t in angles),
            (0.0, y_below))  # fmt: skip


def _half_disc(centre: Point, radius: float, n: int = 16) -> tuple[Point, ...]:
    cx, cy = centre
    return tuple((cx + radius * math.sin(math.pi * k / n), cy + radius * math.cos(math.pi * k / n))
                 for k in range(n + 1))  # fmt: skip


def _trunk_bands(view: str, top: float, names: Sequence[str], bottom: float) -> list[Region]:
    step = (top - bottom) / len(names)
    return [Region(view, name, _trunk_band(top - (k + 1) * step, top - k * step))
            for k, name in enumerate(names)]  # fmt: skip


def _front() -> list[Region]:
    v = "front"
    r = [
        Region(v, "C2", _in_quad(NECK, _strip(0.0, 0.4, 0.0, 1.0))),
        Region(v, "C3", _in_quad(NECK, _strip(0.4, 1.0, 0.0, 1.0))),
        Region(v, "C4", _trunk_band(7.45, 7.9)),
    ]
    r += _trunk_bands(v, 7.45, [f"T{k}" for k in range(2, 13)], 5.05)  # T4 nipple, T10 navel
    r.append(Region(v, "L1", _trunk_band(4.6, 5.05)))
    r += [
        Region(v, "C5", _in_quad(UPPER_ARM, _strip(0.0, 1.0, 0.0, 0.5))),
        Region(v, "T2", _in_quad(UPPER_ARM, _strip(0.0, 0.35, 0.5, 1.0))),
        Region(v, "T1", _in_quad(UPPER_ARM, _strip(0.35, 1.0, 0.5, 1.0))),
        Region(v, "C6", _in_quad(FOREARM, _strip(0.0, 1.0, 0.0, 0.5))),
        Region(v, "T1", _in_quad(FOREARM, _strip(0.0, 0.3, 0.5, 1.0))),
        Region(v, "C8", _in_quad(FOREARM, _strip(0.3, 1.0, 0.5, 1.0))),
        Region(v, "C6", _in_quad(HAND, _strip(0.0, 1.0, 0.0, 0.35))),
        Region(v, "C7", _in_quad(HAND, _strip(0.0, 1.0, 0.35, 0.65))),
        Region(v, "C8", _in_quad(HAND, _strip(0.0, 1.0, 0.65, 1.0))),
        # thigh: oblique bands, running down from lateral to medial
        Region(v, "L1", _in_quad(THIGH, ((0.0, 0.0), (0.12, 0.0), (0.32, 1.0), (0.0, 1.0)))),
        Region(v, "L2", _in_quad(THIGH, ((0.12, 0.0), (0.5, 0.0), (0.8, 1.0), (0.32, 1.0)))),
        Region(v, "L3", _in_quad(THIGH, ((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.8, 1.0)))),
        Region(v, "L5", _in_quad(LEG, _strip(0.0, 1.0, 0.0, 0.45))),
        Region(v, "L4", _in_quad(LEG, _strip(0.0, 1.0, 0.45, 1.0))),
        Region(v, "S1", _in_quad(FOOT, _strip(0.0, 1.0, 0.0, 0.2))),
        Region(v, "L5", _in_quad(FOOT, _strip(0.0, 1.0, 0.2, 0.85))),
        Region(v, "L4", _in_quad(FOOT, _strip(0.0, 1.0, 0.85, 1.0))),
    ]
    return r


def _back() -> list[Region]:
    v = "back"
    b = BUTTOCK_FOLD_U
    r = [
        Region(v, "C2", _head(9.35)),  # occiput
        Region(v, "C2", _in_quad(NECK, _strip(0.0, 0.35, 0.0, 1.0))),
        Region(v, "C3", _in_quad(NECK, _strip(0.35, 1.0, 0.0, 1.0))),
        Region(v, "C4", _trunk_band(7.6, 7.9)),
    ]
    r += _trunk_bands(v, 7.6, [f"T{k}" for k in range(1, 13)], 5.44)
    r += _trunk_bands(v, 5.44, ["L1", "L2", "L3"], 4.93)
    r += [
        Region(v, "C5", _in_quad(UPPER_ARM, _strip(0.0, 1.0, 0.0, 0.55))),
        Region(v, "T2", _in_quad(UPPER_ARM, _strip(0.0, 0.3, 0.55, 1.0))),
        Region(v, "T1", _in_quad(UPPER_ARM, _strip(0.3, 1.0, 0.55, 1.0))),
        Region(v, "C6", _in_quad(FOREARM, _strip(0.0, 1.0, 0.0, 0.3))),
        Region(v, "C7", _in_quad(FOREARM, _strip(0.0, 1.0, 0.3, 0.7))),
        Region(v, "T1", _in_quad(FOREARM, _strip(0.0, 0.25, 0.7, 1.0))),
        Region(v, "C8", _in_quad(FOREARM, _strip(0.25, 1.0, 0.7, 1.0))),
        Region(v, "C6", _in_quad(HAND, _strip(0.0, 1.0, 0.0, 0.35))),
        Region(v, "C7", _in_quad(HAND, _strip(0.0, 1.0, 0.35, 0.7))),
        Region(v, "C8", _in_quad(HAND, _strip(0.0, 1.0, 0.7, 1.0))),
        Region(v, "L2", _in_quad(THIGH, _strip(b, 1.0, 0.0, 0.28))),
        Region(v, "S2", _in_quad(THIGH, _strip(b, 1.0, 0.28, 0.78))),
        Region(v, "S3", _in_quad(THIGH, _strip(b, 0.5, 0.78, 1.0))),
        Region(v, "L3", _in_quad(THIGH, _strip(0.5, 1.0, 0.78, 1.0))),
        Region(v, "L5", _in_quad(LEG, _strip(0.0, 1.0, 0.0, 0.15))),
        Region(
            v,
            "S1",
            _in_quad(
                LEG, ((0.0, 0.15), (1.0, 0.15), (1.0, 0.85), (0.6, 0.85), (0.6, 0.55), (0.0, 0.55))
            ),
        ),
        Region(v, "S2", _in_quad(LEG, _strip(0.0, 0.6, 0.55, 0.85))),
        Region(v, "L4", _in_quad(LEG, _strip(0.0, 1.0, 0.85, 1.0))),
        Region(v, "S1", _in_quad(FOOT, _strip(0.0, 1.0, 0.0, 0.6))),  # heel and sole
        Region(v, "L5", _in_quad(FOOT, _strip(0.0, 1.0, 0.6, 0.9))),
        Region(v, "L4", _in_quad(FOOT, _strip(0.0, 1.0, 0.9, 1.0))),
        # buttock (over the top of the thigh), then the rings round the anus on top of it
        Region(v, "L2", ((0.4, 4.93), (0.95, 4.93), (0.95, 4.6), (0.9, 4.3), (0.4, 4.3))),
        Region(v, "S3", ((0.0, 4.93), (0.4, 4.93), (0.4, 4.3), (0.0, 4.3))),
        Region(v, "S4", _half_disc((0.0, 4.48), 0.17)),
        Region(v, "S5", _half_disc((0.0, 4.48), 0.08)),
    ]
    return r


REGIONS: dict[str, tuple[Region, ...]] = {"front": tuple(_front()), "back": tuple(_back())}
"""Every region of the schematic, per view, in drawing order (later ones on top)."""


def x_sign(view: str, side: str) -> float:
    """+1 when ``side`` of the patient is drawn to the right of the view's midline."""
    if view not in VIEWS:
        raise InputError("view", view, f"one of {', '.join(VIEWS)}")
    if side not in SIDES:
        raise InputError("side", side, f"one of {', '.join(SIDES)}")
    # from the front the patient's left is on the viewer's right; from the back, on the left
    return 1.0 if (view == "front") == (side == "left") else -1.0


def view_centre(view: str) -> float:
    """x of the view's midline."""
    return 0.0 if view == "front" else BACK_OFFSET


@dataclass
class BodyMap:
    """What :func:`draw_body_map` drew.

    Attributes
    ----------
    patches : dict of (view, dermatome, side) to list of matplotlib Polygon
        Every region's polygon, in x-y data coordinates of the axes.
    hatches : dict of (view, dermatome, side) to list of matplotlib Polygon
        The hatch drawn over each region of a covered dermatome and side (none otherwise).
    mappable : matplotlib ScalarMappable
        The colour scale of the DC fraction (0-1), for a colorbar.
    not_drawn : list of str
        Dermatome names of ``rows`` that have no region (C1).
    """

    patches: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)
    hatches: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)
    mappable: Any = None
    not_drawn: list[str] = field(default_factory=list)


def draw_body_map(
    ax: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    coverage_fraction: float,
    cmap: str = "viridis",
    legend: bool = True,
) -> BodyMap:
    """Draw the front and back views on ``ax``, each dermatome and side shaded by its DC fraction.

    Parameters
    ----------
    ax : matplotlib Axes
    rows : sequence of mappings
        One per dermatome and side, with ``name``, ``side`` (``left`` | ``right``),
        ``dc_fraction`` and ``dr_fraction`` (fractions in [0, 1] or None): the rows of
        :meth:`neurostim.pipeline.scs.SpinalMap.dermatome_rows`.
    coverage_fraction : float
        A dermatome and side whose DC fraction reaches this is covered: hatched (``///``), so
        that colour is not the only cue.

    A dermatome and side without DC fibers in the model is left white (not the colour of 0 %);
    one whose dorsal-root fibers fire (``dr_fraction`` > 0) gets a thick red edge and a "DR"
    label. Returns the patches per (view, dermatome, side) and the colour scale.
    """
    import matplotlib
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Ellipse, Patch, Polygon

    if not (isinstance(coverage_fraction, int | float) and 0 < coverage_fraction <= 1):
        raise InputError("coverage_fraction", coverage_fraction, "must be in (0, 1]")
    colours = matplotlib.colormaps[cmap]
    by_key: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in rows:
        if row.get("side") not in SIDES:
            raise InputError("rows.side", row.get("side"), "left or right")
        by_key[(str(row["name"]), str(row["side"]))] = row
    out = BodyMap(mappable=ScalarMappable(norm=Normalize(0.0, 1.0), cmap=colours))
    out.not_drawn = sorted({name for name, _ in by_key} - set(DERMATOMES))
    dr_labelled: set[tuple[str, str, str]] = set()
    for view in VIEWS:
        centre = view_centre(view)
        cx, cy = HEAD_CENTRE
        ax.add_patch(Ellipse((centre + cx, cy), 2 * HEAD_AXES[0], 2 * HEAD_AXES[1],
                             facecolor="0.93", edgecolor="0.3", lw=0.6))  # fmt: skip
        if view == "front":
            ax.text(centre, cy + 0.1, "V", ha="center", va="center", fontsize=7, color="0.4")
        for side in SIDES:
            sign = x_sign(view, side)
            for region in REGIONS[view]:
                row = by_key.get((region.dermatome, side), {})
                dc, dr = row.get("dc_fraction"), row.get("dr_fraction")
                covered = dc is not None and dc >= coverage_fraction
                dr_on = dr is not None and dr > 0
                xy = [(centre + sign * s, y) for s, y in region.outline]
                face = NO_FIBERS_COLOR if dc is None else colours(float(dc))
                patch = Polygon(xy, closed=True, facecolor=face,
                                edgecolor=DR_EDGE_COLOR if dr_on else "0.25",
                                lw=1.6 if dr_on else 0.4, zorder=3 if dr_on else 2)  # fmt: skip
                ax.add_patch(patch)
                key = (view, region.dermatome, side)
                out.patches.setdefault(key, []).append(patch)
                if covered:  # hatch on top, in black or white, whichever the fill shows
                    hatch = Polygon(xy, closed=True, facecolor="none", lw=0.0, hatch="///",
                                    edgecolor="white" if _luminance(face) < 0.5 else "black",
                                    zorder=patch.get_zorder())  # fmt: skip
                    ax.add_patch(hatch)
                    out.hatches.setdefault(key, []).append(hatch)
                if dr_on and key not in dr_labelled:
                    dr_labelled.add(key)
                    xs, ys = zip(*patch.get_xy(), strict=True)
                    ax.text(sum(xs) / len(xs), sum(ys) / len(ys), "DR", ha="center",
                            va="center", fontsize=6, color=DR_EDGE_COLOR, weight="bold",
                            zorder=4)  # fmt: skip
        ax.text(centre, 10.35, view, ha="center", fontsize=9)
        for side in SIDES:
            ax.text(centre + 1.25 * x_sign(view, side), -0.45, side[0].upper(), ha="center",
                    fontsize=9, weight="bold")  # fmt: skip
    ax.set_xlim(-2.1, BACK_OFFSET + 2.1)
    ax.set_ylim(-0.9, 10.8)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if legend:
        handles = [
            Patch(facecolor=colours(1.0), edgecolor="0.25", hatch="///",
                  label=f"covered: DC >= {100 * coverage_fraction:.0f} %"),
            Patch(facecolor="0.8", edgecolor=DR_EDGE_COLOR, lw=1.6,
                  label="dorsal-root fibers fire (DR)"),
            Patch(facecolor=NO_FIBERS_COLOR, edgecolor="0.25", label="no fibers in the model"),
        ]  # fmt: skip
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.1), ncol=3,
                  fontsize=7, frameon=False)  # fmt: skip
    return out


def _luminance(colour: Any) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def region_names() -> set[str]:
    """Every dermatome name that has at least one region, per side, in some view."""
    return {r.dermatome for view in VIEWS for r in REGIONS[view]}


__all__ = [
    "BACK_OFFSET",
    "DERMATOMES",
    "REGIONS",
    "BodyMap",
    "Region",
    "draw_body_map",
    "region_names",
    "view_centre",
    "x_sign",
]
