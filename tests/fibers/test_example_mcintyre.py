"""The McIntyre 2002 strength-duration example runs and gives a sensible Weiss fit."""

from __future__ import annotations

import importlib.util

import numpy as np


def test_strength_duration_example(examples_dir) -> None:
    path = examples_dir / "frompapers" / "McIntyre_2002_strength_duration.py"
    spec = importlib.util.spec_from_file_location("mcintyre_sd", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pws = (0.05, 0.2, 1.0)
    curves = mod.strength_duration(diameters_um=(16.0,), pulse_widths_ms=pws, tol=0.01)
    thr = curves[16.0]
    assert np.all(np.diff(thr) < 0)
    rh, ch = mod.weiss_fit(pws, thr)
    # an independent check of the fit on an exact Weiss curve
    rh2, ch2 = mod.weiss_fit(pws, 0.1 * (1 + 0.15 / np.array(pws)))
    assert abs(rh2 - 0.1) < 1e-12 and abs(ch2 - 0.15) < 1e-12
    # chronaxie of myelinated fibers under a point electrode: tens to a few hundred us
    assert 0.02 < ch < 0.5 and 0 < rh < thr[-1]
