"""An isolated mouse cord in saline maps like a human one (issue #11: nothing is tied to human
size), slow: examples/anatomy/mouse-ex-vivo.toml with examples/programs/mouse-ex-vivo.toml.

Checks (independent of the model's numbers): the mesh and the solves finish with status ok;
each 0.196 mm^2 ring's impedance lies within 25 % of the spreading resistance of a sphere of
the same area in the 1.6 S/m bath, 1 / (4 pi sigma r) with r = sqrt(A / 4 pi) = 0.125 mm, i.e.
398 ohm (the ring lies on the cord, whose white matter conducts less across, and on an
insulating wire: both raise it a little); and the map has a perception threshold with the
first fiber in the dorsal columns.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from neurostim.anatomy import anatomy_from_toml
from neurostim.device import load_program

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_mouse_ex_vivo_cord_maps(tmp_path: Path) -> None:
    pytest.importorskip("ngsolve")
    from neurostim.pipeline.scs import scs_map

    a = anatomy_from_toml(ROOT / "examples" / "anatomy" / "mouse-ex-vivo.toml")
    program = load_program(ROOT / "examples" / "programs" / "mouse-ex-vivo.toml")
    result, ids = scs_map(program, a, conductor_options={"cache_dir": tmp_path})
    fem = result.recruitment.conductor
    assert fem["solver_status"] == ["ok"] * 4
    area = math.pi * 0.25 * 0.25
    r = math.sqrt(area / (4 * math.pi))
    sphere_ohm = 1.0 / (4 * math.pi * 1.6 * r * 1e-3)
    for c in result.contacts(ids):
        assert abs(c["impedance_ohm"] / sphere_ohm - 1) < 0.25, (c, sphere_ohm)
    pt = result.perception_threshold_ma
    assert pt is not None and 0.0 < pt < 1.0
    assert result.first_recruited()["population"] == "dc"
