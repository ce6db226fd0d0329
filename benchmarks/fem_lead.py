"""Benchmark: the layered spinal-cord FEM from nothing to cached per-contact potentials.

Cases (spinal-cord.md §6 and issue #11 item 8):

- ``spec6``: the feasibility model of spinal-cord.md §6 (cord r 3.5 mm, dCSF 1.45 mm, dura
  0.3 mm, fat to r 8.5, bone to 15, outer 40 mm, length 100 mm; one 3 mm ring on a 1.3 mm lead
  0.05 mm off the dura). Prints V on the midline dorsal-column line 0.2 mm deep (2.0 mm from the
  contact) at z = 0 / 5 / 20 mm from the contact centre beside the §6 values 147.7 / 103.2 /
  55.5 mV per mA and the contact resistance beside 719-730 ohm.
- ``lead8``: a T10-like cord (r 3.5 mm, dCSF 3 mm, dura 0.3 mm, fat 2.5 mm, bone to 15 mm, outer
  40 mm, length 80 mm) with one 8-contact percutaneous lead (3 mm rings, 4 mm pitch) on the
  dura at the midline.
- ``lead16``: the same cord with two such leads at x = ±2 mm.
- ``paddle16``: the same cord with the catalog's 16-contact paddle (two columns of eight 4 x 1 mm
  contacts, 5 mm pitch) flat on the dura.

Each case runs in a fresh cache directory (from nothing), then again (cache hit). Run::

    PYTHONPATH=src python benchmarks/fem_lead.py [--cases spec6,lead8,lead16,paddle16] \
        [--mesh coarse]

Prints a Markdown table: elements, DoFs, mesh / assemble / solve / total time, solve per
contact, CG iterations, peak RSS, cached reload time.

``--solvers`` instead compares the CG preconditioners on the ``lead8`` mesh (one process per
setting, so that each peak RSS is its own): Jacobi ("local") with equipotential and with
uniform-current contacts at P2, h1amg at P2 and BDDC at P3 (uniform-current; NGSolve's
PlateauFESpace runs with Jacobi only), Jacobi at P3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

from neurostim.field import RectangleContact, RingContact
from neurostim.field.fem import Conductivities, LayeredCord, SpinalCordFEM
from neurostim.field.fem.solved import peak_rss_mb

SPEC6_MV = (147.7, 103.2, 55.5)
"""spinal-cord.md §6: V at z = 0 / 5 / 20 mm on the midline DC line, mV per mA."""

LEAD_DIAMETER_MM = 1.3
RING_LENGTH_MM = 3.0
PITCH_MM = 4.0


def spec6() -> tuple[LayeredCord, list[RingContact], float]:
    cord = LayeredCord(
        cord_ap_mm=7.0,
        cord_transverse_mm=7.0,
        dcsf_mm=1.45,
        vcsf_mm=1.45,
        dura_thickness_mm=0.3,
        epidural_thickness_mm=8.5 - 5.25,
        bone_outer_radius_mm=15.0,
        outer_radius_mm=40.0,
        length_mm=100.0,
        grey_area_fraction=0.15,
        conductivity=Conductivities(),
    )
    y = -(cord.dura_outer_radius_mm + 0.05 + LEAD_DIAMETER_MM / 2)
    return cord, [RingContact((0.0, y, 0.0), diameter_mm=LEAD_DIAMETER_MM)], 0.0


def t10(n_leads: int) -> tuple[LayeredCord, list[RingContact], float]:
    cord = LayeredCord(
        cord_ap_mm=7.0,
        cord_transverse_mm=7.0,
        dcsf_mm=3.0,
        vcsf_mm=2.0,
        dura_thickness_mm=0.3,
        epidural_thickness_mm=2.5,
        bone_outer_radius_mm=15.0,
        outer_radius_mm=40.0,
        length_mm=80.0,
    )
    xs = [0.0] if n_leads == 1 else [-2.0, 2.0]
    contacts = []
    for x in xs:
        # on the dura: the lead's axis at its radius plus 0.05 mm outside the dura's circle
        r = cord.dura_outer_radius_mm + 0.05 + LEAD_DIAMETER_MM / 2
        y = -float(np.sqrt(r**2 - x**2))
        for k in range(8):
            z = -14.0 + PITCH_MM * k
            contacts.append(RingContact((x, y, z), diameter_mm=LEAD_DIAMETER_MM))
    return cord, contacts, -14.0


def paddle16() -> tuple[LayeredCord, list[RectangleContact], float]:
    """The catalog's 16-contact paddle (2 columns at x = +-1.5 mm, 4 x 1 mm contacts every
    5 mm, device data paddle-16) flat on the dura of the ``lead8`` cord, centred on z = 0."""
    cord, _, _ = t10(1)
    y = -(cord.dura_outer_radius_mm + 0.05)
    contacts = [
        RectangleContact((x, y, -17.5 + 5.0 * k), width_mm=1.0, length_mm=4.0)
        for x in (-1.5, 1.5)
        for k in range(8)
    ]
    return cord, contacts, -17.5


CASES = {"spec6": spec6, "lead8": lambda: t10(1), "lead16": lambda: t10(2), "paddle16": paddle16}


def run_case(name: str, mesh_level: str) -> dict[str, object]:
    cord, contacts, z0 = CASES[name]()
    y_dc = cord.dorsal_cord_surface_y_mm + 0.2
    points = np.array([[0.0, y_dc, z0 + dz] for dz in (0.0, 5.0, 20.0)])
    with tempfile.TemporaryDirectory() as cache_dir:
        t0 = time.perf_counter()
        fem = SpinalCordFEM(cord, mesh_level=mesh_level, cache_dir=cache_dir)
        v = fem.unit_potentials_mv(contacts, points)
        total_s = time.perf_counter() - t0
        first = fem.describe()
        t1 = time.perf_counter()
        again = SpinalCordFEM(cord, mesh_level=mesh_level, cache_dir=cache_dir)
        v2 = again.unit_potentials_mv(contacts, points)
        reload_s = time.perf_counter() - t1
        assert again.describe()["cache_hit"] and np.array_equal(v, v2)
    return {
        "case": name,
        "contacts": len(contacts),
        "elements": first["elements"],
        "dofs": first["dofs"],
        "mesh_s": first["mesh_s"],
        "assemble_s": first["assemble_s"],
        "solve_s": first["solve_s"],
        "per_contact_s": first["solve_s"] / len(contacts),
        "cg_iterations": max(first["cg_iterations"]),
        "status": ",".join(sorted(set(first["solver_status"]))),
        "total_s": total_s,
        "reload_s": reload_s,
        "peak_rss_mb": peak_rss_mb(),
        "v_dc_mv": v[0],
        "impedance_ohm": first["impedance_ohm"][0],
    }


SOLVER_SETTINGS = [
    ("equipotential", "local", 2),
    ("uniform-current", "local", 2),
    ("uniform-current", "h1amg", 2),
    ("uniform-current", "local", 3),
    ("uniform-current", "bddc", 3),
]


def solver_run(mesh_path: str, setting: str) -> None:
    """One preconditioner setting on a stored mesh (run in its own process); prints JSON."""
    import ngsolve as ngs

    from neurostim.field.fem.solve import solve_unit_currents

    model, pre, order = setting.split(":")
    cord, contacts, _ = t10(1)
    mesh = ngs.Mesh(mesh_path)
    sol = solve_unit_currents(
        mesh, cord.conductivity, len(contacts), contact_model=model, order=int(order),
        preconditioner=pre,
    )  # fmt: skip
    report = {
        "setting": setting,
        "dofs": sol.n_dofs,
        "assemble_s": sol.assemble_s,
        "per_contact_s": sol.solve_s / len(contacts),
        "iterations": max(sol.iterations),
        "status": sorted(set(sol.status)),
        "peak_rss_mb": peak_rss_mb(),
        "impedance_ohm": sol.impedance_ohm[3],
    }
    print(json.dumps(report))


def compare_solvers(mesh_level: str) -> None:
    from neurostim.field.fem.leads import leads_from_contacts
    from neurostim.field.fem.mesh import build_mesh

    cord, contacts, _ = t10(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mesh.vol.gz")
        build_mesh(cord, leads_from_contacts(contacts, cord), mesh_level).Save(path)
        print("| contacts | preconditioner | order | DoFs | assemble s | per contact s | "
              "CG it. | status | peak RSS MB | contact R (ohm) |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        for model, pre, order in SOLVER_SETTINGS:
            out = subprocess.run(
                [sys.executable, __file__, "--solver-run", path, f"{model}:{pre}:{order}"],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if out.returncode != 0:
                print(f"| {model} | {pre} | {order} | failed: {out.stderr.strip()[-80:]} |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {model} | {pre} | {order} | {r['dofs']} | {r['assemble_s']:.1f} | "
                  f"{r['per_contact_s']:.2f} | {r['iterations']} | {','.join(r['status'])} | "
                  f"{r['peak_rss_mb']:.0f} | {r['impedance_ohm']:.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="spec6,lead8,lead16,paddle16")
    parser.add_argument("--mesh", default="coarse", choices=["coarse", "medium", "fine"])
    parser.add_argument("--solvers", action="store_true", help="compare preconditioners")
    parser.add_argument("--solver-run", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.solver_run:
        solver_run(*args.solver_run)
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}")
    print(f"mesh level: {args.mesh}\n")
    if args.solvers:
        compare_solvers(args.mesh)
        return
    rows = [run_case(c, args.mesh) for c in args.cases.split(",")]
    print("| case | contacts | elements | DoFs | mesh s | assemble s | solve s | per contact s "
          "| CG it. | status | total s | cached reload s | peak RSS MB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {r['contacts']} | {r['elements']} | {r['dofs']} | "
            f"{r['mesh_s']:.1f} | {r['assemble_s']:.1f} | {r['solve_s']:.1f} | "
            f"{r['per_contact_s']:.2f} | {r['cg_iterations']} | {r['status']} | "
            f"{r['total_s']:.1f} | {r['reload_s']:.2f} | {r['peak_rss_mb']:.0f} |"
        )
    print("\n| case | z (mm) | V (mV/mA) | spinal-cord.md §6 | ratio | contact R (ohm) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        v_dc = r["v_dc_mv"]
        for dz, value, ref in zip((0, 5, 20), v_dc, SPEC6_MV, strict=True):  # type: ignore[call-overload]
            ref_text = f"{ref}" if r["case"] == "spec6" else "-"
            ratio = f"{value / ref:.3f}" if r["case"] == "spec6" else "-"
            print(f"| {r['case']} | {dz} | {value:.1f} | {ref_text} | {ratio} | "
                  f"{r['impedance_ohm']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
