"""ECAP features: N1, P2, their latencies and the P2−N1 amplitude (ecap.md §1.1, [Ch22]).

On the recorded samples (a mask leaves out the blanked ones), per trace:

- N1: the most negative sample; its time is the N1 latency after pulse onset;
- P2: the largest sample after N1; its time is the P2 latency;
- amplitude = P2 − N1 (µV), the standard measure [Ch22];
- latencies are refined between samples by the vertex of the parabola through the extreme
  sample and its two neighbours (when both are recorded samples), amplitudes are the samples'.

A trace with no sample different from zero (no fiber fired, no noise) has amplitude 0 and no
latencies (NaN); a trace whose N1 is its last recorded sample has no P2 (amplitude 0, NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class EcapFeatures:
    """Features of traces of shape (..., n_samples); every field of shape (...)."""

    n1_uv: NDArray[np.float64]
    p2_uv: NDArray[np.float64]
    amplitude_uv: NDArray[np.float64]
    n1_latency_ms: NDArray[np.float64]
    p2_latency_ms: NDArray[np.float64]


def ecap_features(
    trace_uv: NDArray[np.float64],
    t_ms: NDArray[np.float64],
    mask: NDArray[np.bool_] | None = None,
) -> EcapFeatures:
    """N1, P2, P2−N1 and latencies of ``trace_uv`` (..., n_samples) at times ``t_ms``
    (n_samples,) after pulse onset, over the samples where ``mask`` (n_samples,) holds."""
    x = np.asarray(trace_uv, np.float64)
    t = np.asarray(t_ms, np.float64)
    keep = np.ones(t.shape, bool) if mask is None else np.asarray(mask, bool)
    flat = x.reshape(-1, x.shape[-1])[:, keep]
    tk = t[keep]
    n = flat.shape[0]
    n1 = np.zeros(n)
    p2 = np.zeros(n)
    t1 = np.full(n, np.nan)
    t2 = np.full(n, np.nan)
    for i in range(n):
        row = flat[i]
        if row.size == 0 or not np.any(row != 0):
            continue
        j = int(np.argmin(row))
        n1[i], t1[i] = row[j], _vertex_ms(row, tk, j)
        if j + 1 < row.size:
            k = j + 1 + int(np.argmax(row[j + 1 :]))
            p2[i], t2[i] = row[k], _vertex_ms(row, tk, k)
        else:
            p2[i] = row[j]
    shape = x.shape[:-1]
    return EcapFeatures(
        n1_uv=n1.reshape(shape),
        p2_uv=p2.reshape(shape),
        amplitude_uv=(p2 - n1).reshape(shape),
        n1_latency_ms=t1.reshape(shape),
        p2_latency_ms=t2.reshape(shape),
    )


def _vertex_ms(row: NDArray[np.float64], t: NDArray[np.float64], j: int) -> float:
    """Time of the vertex of the parabola through samples j - 1, j, j + 1 (t[j] at an edge,
    or where the three do not bend)."""
    if j == 0 or j + 1 >= row.size:
        return float(t[j])
    a, b, c = row[j - 1], row[j], row[j + 1]
    bend = a - 2.0 * b + c
    if bend == 0:
        return float(t[j])
    shift = 0.5 * (a - c) / bend
    return float(t[j] + float(np.clip(shift, -0.5, 0.5)) * (t[j + 1] - t[j]))


__all__ = ["EcapFeatures", "ecap_features"]
