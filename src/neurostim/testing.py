"""Test helpers shared by the test suite (and by users validating their own models)."""

from __future__ import annotations

from typing import Any

import numpy as np


def assert_close(
    actual: Any,
    desired: Any,
    *,
    rtol: float = 0.0,
    atol: float = 0.0,
    what: str,
    unit: str = "",
) -> None:
    """Assert ``|actual - desired| <= atol + rtol * |desired|`` elementwise.

    The failure message names the quantity, its unit, both values and the tolerance, so a
    failing reference test reads like a lab note.

    Parameters
    ----------
    actual, desired : float or array_like
        Computed and reference values (same shape after broadcasting).
    rtol, atol : float
        Relative and absolute tolerance.
    what : str
        Name of the quantity, e.g. ``"threshold of MRG 10 um at 1 mm"``.
    unit : str
        Unit of the quantity, e.g. ``"mA"``.
    """
    a = np.asarray(actual, dtype=np.float64)
    d = np.asarray(desired, dtype=np.float64)
    a, d = np.broadcast_arrays(a, d)
    err = np.abs(a - d)
    bound = atol + rtol * np.abs(d)
    bad = ~(err <= bound)
    if np.any(bad):
        idx = np.flatnonzero(bad.ravel())
        lines = []
        for i in idx[:10]:
            rel = err.ravel()[i] / abs(d.ravel()[i]) if d.ravel()[i] != 0 else np.inf
            lines.append(
                f"  [{i}] actual {a.ravel()[i]:.6g} {unit}, desired {d.ravel()[i]:.6g} {unit}, "
                f"error {err.ravel()[i]:.3g} {unit} ({rel:.3%})"
            )
        more = f"\n  ... and {idx.size - 10} more" if idx.size > 10 else ""
        raise AssertionError(
            f"{what}: {idx.size} of {a.size} value(s) outside rtol={rtol:g}, atol={atol:g} {unit}\n"
            + "\n".join(lines)
            + more
        )


__all__ = ["assert_close"]
