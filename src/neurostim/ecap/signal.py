"""What the stimulator's sense amplifier sees: sampling, stimulation artifact, noise, blanking,
and the artifact-processing schemes of ecap.md §3 (Chakravarthy 2022 [Ch22]).

Equations (parameters in ``data/ecap.toml``, each with its source)
------------------------------------------------------------------
- sampling: the neural trace (engine steps) linearly interpolated at t_k = k / f_s after pulse
  onset, k = 0 .. window · f_s (f_s ``sampling_rate_hz``, window ``window_ms``).
- artifact, after the pulse ends at t_e (ecap.md §3, form from [Ch22], scales ours)::

      a(t) = g(d) · Q · (A_1 exp(-(t - t_e)/tau) + b_1 (t - t_e)),   t >= t_e;  0 before
      g(d) = (d_ref / max(d, d_ref)) ** p

  Q the charge of the first phase (nC = mA · µs), d the stimulation-recording distance (mm),
  A_1 ``amplitude_uv_per_nc``, b_1 ``linear_uv_per_ms_per_nc``, tau ``tau_ms``, d_ref
  ``reference_distance_mm``, p ``distance_power``.
- noise: white Gaussian, ``noise_uv_rms`` per sample, from a seeded ``numpy.random.Generator``.
- blanking: samples before t_e + ``blank_after_pulse_ms`` are not recorded (the sense electrode
  is disconnected during the pulse, [Pat-NM]); they hold the first recorded value and never
  enter the features.

Processing schemes (``process``)
--------------------------------
``"exp-linear"``: least-squares fit of A exp(-(t - t_e)/tau) + b (t - t_e) to the recorded
samples (tau known), subtracted. ``"highpass"``: causal Butterworth high-pass
(``highpass_hz``, ``highpass_order``). ``"none"``. Template correlation [Ch22] gives an
amplitude, not a trace: :func:`template_amplitude_uv`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.units import S_TO_MS

SCHEMES = ("exp-linear", "highpass", "none")


def sample_times_ms(recording: Mapping[str, Any]) -> NDArray[np.float64]:
    """Sample times after pulse onset (ms), shape (n_samples,)."""
    period_ms = S_TO_MS / float(recording["sampling_rate_hz"])
    n = int(np.floor(float(recording["window_ms"]) / period_ms + 1e-9)) + 1
    return np.asarray(np.arange(n) * period_ms, np.float64)


def sample_trace(
    engine_t_ms: NDArray[np.float64], trace_uv: NDArray[np.float64], t_ms: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``trace_uv`` (..., n_steps) at engine times ``engine_t_ms`` (n_steps,) interpolated at
    ``t_ms`` (n_samples,): shape (..., n_samples); 0 before the first engine time."""
    flat = np.asarray(trace_uv, np.float64).reshape(-1, len(engine_t_ms))
    out = np.array([np.interp(t_ms, engine_t_ms, row, left=0.0, right=row[-1]) for row in flat])
    return out.reshape(*np.shape(trace_uv)[:-1], len(t_ms))


def distance_gain(
    distance_mm: NDArray[np.float64], artifact: Mapping[str, Any]
) -> NDArray[np.float64]:
    """g(d) of the module docstring, shape of ``distance_mm``."""
    d = np.asarray(distance_mm, np.float64)
    d_ref = float(artifact["reference_distance_mm"])
    gain: NDArray[np.float64] = (d_ref / np.maximum(d, d_ref)) ** float(artifact["distance_power"])
    return gain


def artifact_uv(
    t_ms: NDArray[np.float64],
    charge_nc: float,
    distance_mm: NDArray[np.float64],
    pulse_end_ms: float,
    artifact: Mapping[str, Any],
) -> NDArray[np.float64]:
    """a(t) of the module docstring per recording, shape (n_leads, n_samples) (µV)."""
    if not (np.isfinite(charge_nc) and charge_nc >= 0):
        raise InputError("charge_nc", charge_nc, "a charge >= 0 nC")
    s = np.asarray(t_ms, np.float64) - pulse_end_ms
    after = s >= 0
    tau = float(artifact["tau_ms"])
    shape = np.where(
        after,
        float(artifact["amplitude_uv_per_nc"]) * np.exp(-np.maximum(s, 0.0) / tau)
        + float(artifact["linear_uv_per_ms_per_nc"]) * s,
        0.0,
    )
    gain = distance_gain(np.atleast_1d(distance_mm), artifact)
    return charge_nc * gain[:, None] * shape[None, :]


def noise_uv(
    rng: np.random.Generator, shape: tuple[int, ...], rms_uv: float
) -> NDArray[np.float64]:
    """White Gaussian noise of ``rms_uv`` per sample, of the given shape (µV)."""
    return rng.normal(0.0, rms_uv, size=shape) if rms_uv > 0 else np.zeros(shape)


def recorded_mask(
    t_ms: NDArray[np.float64], pulse_end_ms: float, recording: Mapping[str, Any]
) -> NDArray[np.bool_]:
    """True for the samples the amplifier records (after blanking), shape (n_samples,)."""
    return np.asarray(t_ms) >= pulse_end_ms + float(recording["blank_after_pulse_ms"]) - 1e-12


def blank(trace_uv: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Blanked samples (``~mask``) hold the first recorded value, shape of ``trace_uv``."""
    out = np.array(trace_uv, np.float64)
    if not mask.any():
        return np.zeros_like(out)
    first = int(np.argmax(mask))
    out[..., ~mask] = out[..., first : first + 1]
    return out


def process(
    trace_uv: NDArray[np.float64],
    t_ms: NDArray[np.float64],
    mask: NDArray[np.bool_],
    pulse_end_ms: float,
    scheme: str,
    params: Mapping[str, Mapping[str, Any]],
) -> NDArray[np.float64]:
    """A recorded trace (..., n_samples) after the artifact scheme (module docstring)."""
    if scheme not in SCHEMES:
        raise InputError("scheme", scheme, f"one of {', '.join(SCHEMES)}")
    x = np.asarray(trace_uv, np.float64)
    if scheme == "none" or not mask.any():
        return x.copy()
    if scheme == "exp-linear":
        tau_ms = float(params["artifact"]["tau_ms"])
        s = t_ms - pulse_end_ms
        full = np.column_stack([np.exp(-s / tau_ms), s])
        flat = x.reshape(-1, x.shape[-1])
        coef, *_ = np.linalg.lstsq(full[mask], flat[:, mask].T, rcond=None)
        out = flat - (full @ coef).T
        out[:, ~mask] = 0.0
        return out.reshape(x.shape)
    from scipy.signal import butter, sosfilt

    p = params["processing"]
    fs_hz = float(params["recording"]["sampling_rate_hz"])
    sos = butter(int(p["highpass_order"]), float(p["highpass_hz"]), "highpass", fs=fs_hz,
                 output="sos")  # fmt: skip
    first = int(np.argmax(mask))
    held = x[..., first:] - x[..., first : first + 1]
    out = np.zeros_like(x)
    out[..., first:] = sosfilt(sos, held, axis=-1)
    return out


def template_amplitude_uv(
    trace_uv: NDArray[np.float64],
    t_ms: NDArray[np.float64],
    mask: NDArray[np.bool_],
    period_ms: float,
) -> NDArray[np.float64]:
    """Template-correlation amplitude [Ch22], shape (...,): the largest correlation of the
    recorded samples with a triangularly weighted sinusoid of one period ``period_ms``,
    normalised so that the template itself (scaled to a P2−N1 of X µV) gives X."""
    dt_ms = float(t_ms[1] - t_ms[0])
    n = max(round(period_ms / dt_ms), 3)
    u = (np.arange(n) + 0.5) / n
    template = -np.sin(2.0 * np.pi * u) * (1.0 - np.abs(2.0 * u - 1.0))
    template /= template.max() - template.min()  # P2 - N1 of the template = 1
    norm = float(template @ template)
    x = np.asarray(trace_uv, np.float64)[..., mask]
    if x.shape[-1] < n:
        return np.zeros(x.shape[:-1])
    windows = np.lib.stride_tricks.sliding_window_view(x, n, axis=-1)
    return np.max(windows @ template, axis=-1) / norm


__all__ = [
    "SCHEMES",
    "artifact_uv",
    "blank",
    "distance_gain",
    "noise_uv",
    "process",
    "recorded_mask",
    "sample_times_ms",
    "sample_trace",
    "template_amplitude_uv",
]
