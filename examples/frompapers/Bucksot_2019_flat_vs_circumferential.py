"""Flat against circumferential cuff contacts (Bucksot et al. 2019, as modelled with ASCENT).

Bucksot et al. (PLoS One 14(4):e0215191, 2019) found that flat contacts covering part of the
nerve's circumference recruit a rabbit sciatic nerve about as well as circumferential bands;
ASCENT ships their model as an example (peripheral-nerve.md §5 P4): a 3 mm nerve with five
elliptical fascicles, a 31 um perineurium, the bucksot2019 conductivities, fat outside, the
Bucksot cuff (two bands 1.5 mm wide over 270 deg, 10 mm apart) and a 100 us pulse, biphasic in
ASCENT's figure and monophasic in its example file: P4 runs both. This script maps a bipolar
program on ``examples/nerves/bucksot-rabbit-sciatic.toml`` twice — with the cuff's 270 deg
bands and with the same bands cut to 180 deg (a "flat" contact, P4's <= 180 deg) — and prints,
per fascicle, the Aβ I50 of each and their ratio; P4's check is a ratio within 0.67-1.5 [ours].

The two pulses (``--waveform``):

- ``biphasic``: ``examples/programs/pns-cuff-bucksot.toml``, active recharge: 100 us cathodic
  on E1, the profile's 20 us interphase gap, 100 us of the opposite sign (symmetric, charge
  balanced).
- ``monophasic``: ``examples/programs/pns-cuff-bucksot-monophasic.toml``, passive recharge:
  the 100 us phase alone, then the coupling capacitor's exponential discharge (tau 4 ms, peak
  2.6 % of the pulse): a program is always charge balanced, so this is the nearest to ASCENT's
  monophasic pulse.

Run of 2026-12-07 (coarse graded mesh, 10 Aβ fibers per fascicle, seed 0), Aβ I50
flat/circumferential of fascicles 0-4: biphasic 1.08, 0.91, 1.36, 0.84, 0.96; monophasic
(passive recharge) 1.08, 0.91, 1.34, 0.83, 0.96; all inside 0.67-1.5. The monophasic I50 are
14-16 % below the biphasic ones (the recharge phase cuts some fibers' firing short).

Heavy: two finite-element nerves (coarse mesh, cached under NEUROSTIM_CACHE_DIR; 7-14 min each
on a 2-core machine, seconds once cached) and the thresholds of 10 Aβ fibers per fascicle (the
class the ratio is taken on; Aδ and C would add about 15 min per cuff). With both nerves cached
the whole run took 82 s (the first map 61 s, compiling the fiber kernels; each later 4-8 s).

Run: python examples/frompapers/Bucksot_2019_flat_vs_circumferential.py [--waveform both]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from neurostim.device import load_program
from neurostim.field.fem import NerveFEM
from neurostim.nerve import cuff, load_nerve
from neurostim.pipeline import nerve_fem_model, pns_map

ROOT = Path(__file__).resolve().parents[2]
FLAT_ARC_DEG = 180.0
RATIO_RANGE = (0.67, 1.5)
PROGRAMS = {
    "biphasic": ROOT / "examples" / "programs" / "pns-cuff-bucksot.toml",
    "monophasic": ROOT / "examples" / "programs" / "pns-cuff-bucksot-monophasic.toml",
}
"""The program of each pulse shape (module docstring)."""


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


def main(
    fibers_per_class: int = 10, waveforms: tuple[str, ...] = ("biphasic", "monophasic")
) -> dict[str, dict[str, list[float | None]]]:
    """Aβ I50 (mA) per fascicle, keyed by waveform then cuff (``circumferential``, ``flat``);
    prints one table per waveform."""
    nerve = load_nerve(file=ROOT / "examples" / "nerves" / "bucksot-rabbit-sciatic.toml")
    band = nerve_fem_model(nerve, cuff("bucksot"))
    conductors = {"circumferential": NerveFEM(band), "flat": NerveFEM(flat_model(band))}
    out: dict[str, dict[str, list[float | None]]] = {}
    for waveform in waveforms:
        program = load_program(PROGRAMS[waveform])
        out[waveform] = {}
        for name, conductor in conductors.items():
            t0 = time.perf_counter()
            m = pns_map(program, nerve, conductor=conductor, fibers_per_class=fibers_per_class,
                        seed=0, classes=("Abeta",))  # fmt: skip
            out[waveform][name] = [
                next(c["i50_ma"] for c in f["classes"] if c["class"] == "Abeta")
                for f in m.to_dict()["fascicles"]
            ]
            print(f"{waveform}, {name}: {time.perf_counter() - t0:.0f} s", flush=True)
        print(f"\n{waveform} ({PROGRAMS[waveform].name})\n")
        print("| fascicle | I50 circumferential (mA) | I50 flat (mA) | ratio | P4 0.67-1.5 |")
        print("|---|---|---|---|---|")
        res = out[waveform]
        for i, (a, b) in enumerate(zip(res["circumferential"], res["flat"], strict=True)):
            ratio = None if a is None or b is None else b / a
            ok = ratio is not None and RATIO_RANGE[0] <= ratio <= RATIO_RANGE[1]
            shown = "-" if ratio is None else f"{ratio:.2f}"
            a_s, b_s = ("-" if v is None else f"{v:.4f}" for v in (a, b))
            print(f"| f{i} | {a_s} | {b_s} | {shown} | {'yes' if ok else 'no'} |")
        print(flush=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waveform", choices=("biphasic", "monophasic", "both"), default="both",
                        help="the pulse shape(s) to map (default both)")  # fmt: skip
    parser.add_argument("--fibers-per-class", type=int, default=10)
    args = parser.parse_args()
    shapes = ("biphasic", "monophasic") if args.waveform == "both" else (args.waveform,)
    main(args.fibers_per_class, shapes)
