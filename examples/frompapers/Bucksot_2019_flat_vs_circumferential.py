"""Flat against circumferential cuff contacts (Bucksot et al. 2019, as modelled with ASCENT).

Bucksot et al. (PLoS One 14(4):e0215191, 2019) found that flat contacts covering part of the
nerve's circumference recruit a rabbit sciatic nerve about as well as circumferential bands;
ASCENT ships their model as an example (peripheral-nerve.md §5 P4): a 3 mm nerve with five
elliptical fascicles, a 31 um perineurium, the bucksot2019 conductivities, fat outside, the
Bucksot cuff (two bands 1.5 mm wide over 270 deg, 10 mm apart) and a 100 us pulse. This script
maps the bipolar program ``examples/programs/pns-cuff-bucksot.toml`` on
``examples/nerves/bucksot-rabbit-sciatic.toml`` twice — with the cuff's 270 deg bands and with
the same bands cut to 180 deg (a "flat" contact, P4's <= 180 deg) — and prints, per fascicle,
the Aβ I50 of each and their ratio; P4's check is a ratio within 0.67-1.5 [ours].

Heavy: two finite-element nerves (coarse mesh, cached under NEUROSTIM_CACHE_DIR; 7-14 min each
on a 2-core machine) and the thresholds of 10 Aβ fibers per fascicle (the class the ratio is
taken on; Aδ and C would add about 15 min per cuff).

Run: python examples/frompapers/Bucksot_2019_flat_vs_circumferential.py
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from neurostim.device import load_program
from neurostim.field.fem import NerveFEM
from neurostim.nerve import cuff, load_nerve
from neurostim.pipeline import nerve_fem_model, pns_map

ROOT = Path(__file__).resolve().parents[2]
FLAT_ARC_DEG = 180.0
RATIO_RANGE = (0.67, 1.5)


def flat_model(model):  # type: ignore[no-untyped-def]
    """The model with each band cut to ``FLAT_ARC_DEG`` about its centre."""
    solids = []
    for s in model.cuff:
        if s.get("contact"):
            a0, a1 = s["angles_deg"]
            mid = 0.5 * (a0 + a1)
            s = dict(s, angles_deg=(mid - FLAT_ARC_DEG / 2, mid + FLAT_ARC_DEG / 2))
        solids.append(s)
    return dataclasses.replace(model, cuff=tuple(solids))


def main(fibers_per_class: int = 10) -> dict[str, list[float | None]]:
    nerve = load_nerve(file=ROOT / "examples" / "nerves" / "bucksot-rabbit-sciatic.toml")
    program = load_program(ROOT / "examples" / "programs" / "pns-cuff-bucksot.toml")
    band = nerve_fem_model(nerve, cuff("bucksot"))
    out: dict[str, list[float | None]] = {}
    for name, model in (("circumferential", band), ("flat", flat_model(band))):
        m = pns_map(program, nerve, conductor=NerveFEM(model), fibers_per_class=fibers_per_class,
                    seed=0, classes=("Abeta",))  # fmt: skip
        out[name] = [
            next(c["i50_ma"] for c in f["classes"] if c["class"] == "Abeta")
            for f in m.to_dict()["fascicles"]
        ]
    print("| fascicle | I50 circumferential (mA) | I50 flat (mA) | ratio | P4 0.67-1.5 |")
    print("|---|---|---|---|---|")
    for i, (a, b) in enumerate(zip(out["circumferential"], out["flat"], strict=True)):
        ratio = None if a is None or b is None else b / a
        ok = ratio is not None and RATIO_RANGE[0] <= ratio <= RATIO_RANGE[1]
        shown = "-" if ratio is None else f"{ratio:.2f}"
        a_s, b_s = ("-" if v is None else f"{v:.4f}" for v in (a, b))
        print(f"| f{i} | {a_s} | {b_s} | {shown} | {'yes' if ok else 'no'} |")
    return out


if __name__ == "__main__":
    main()
