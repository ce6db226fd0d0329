"""Per-section channel-density scales (``CableGeometry.channel_scale``).

Checks independent of the scale path: all-ones factors give the uniform fiber bit for bit; a
factor on a conductance is the same cell as that conductance density changed in the channel
parameters (written here from the data file); every backend (single-case kernel, 8-lane kernel,
NumPy reference, JAX) gives the same traces for a cell whose sections scale their channels
differently; bad factors are refused.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import mrg_geometry, simulate
from neurostim.fibers.cells import c_neuron_geometry, c_neuron_parameters
from neurostim.fibers.channels import MRG_CHANNELS, SUNDT_CHANNELS
from neurostim.fibers.sundt import sundt_geometry, sundt_parameters
from neurostim.testing import assert_close

N_STEPS = 300


def _drive(g):
    """A point-source-like potential (mV/mA) over the cell's middle, 0.5 mm away for MRG, 50 um
    for the unmyelinated cells, and a 0.2 ms pulse."""
    x = g.arc_um * 1e-3
    d_mm = 0.5 if g.model == "mrg" else 0.05
    phi = 10.0 / np.sqrt((x - x.mean()) ** 2 + d_mm**2)
    wave = np.zeros(N_STEPS)
    wave[:40] = 1.0
    return phi, wave


def test_ones_give_the_uniform_fiber_bit_for_bit() -> None:
    g = mrg_geometry(10.0, 11)
    ones = dataclasses.replace(g, channel_scale=np.ones((g.active_sections.size, 3)))
    phi, wave = _drive(g)
    amps = np.array([-6.0, -1.0, -3.0])
    kw = {"n_steps": N_STEPS, "record_sections": g.node_sections}
    for a in (amps, amps[:1]):  # 8-lane and single-case kernels
        ref = simulate(g, phi, a, wave, **kw)
        got = simulate(ones, phi, a, wave, **kw)
        np.testing.assert_array_equal(got.v_trace_mv, ref.v_trace_mv)
        assert ref.ap_count.sum() > 0


def test_a_scale_equals_the_density_changed_in_the_parameters() -> None:
    # Sundt fiber with Na x 0.7 and K x 1.3 everywhere, against the same fiber built with
    # g_na = 0.028 and g_k = 0.052 S/cm2 in its channel parameters
    g = sundt_geometry(1.0, 61)
    ch = sundt_parameters()["channels"]
    prm = g.channel_params._replace(
        g_na_s_per_cm2=0.7 * ch["g_na_s_per_cm2"], g_k_s_per_cm2=1.3 * ch["g_k_s_per_cm2"]
    )
    changed = dataclasses.replace(g, channel_params=prm)
    scale = np.tile([0.7, 1.3], (g.active_sections.size, 1))
    scaled = dataclasses.replace(g, channel_scale=scale)
    phi, wave = _drive(g)
    kw = {"n_steps": N_STEPS, "record_sections": g.node_sections, "dt_ms": 0.005}
    a = np.array([-0.5, -0.3])
    ref = simulate(changed, phi, a, wave, **kw)
    got = simulate(scaled, phi, a, wave, **kw)
    base = simulate(g, phi, a, wave, **kw)
    assert np.abs(base.v_trace_mv - ref.v_trace_mv).max() > 1.0  # the change matters
    assert_close(got.v_trace_mv, ref.v_trace_mv, atol=1e-9, what="V, scaled vs changed",
                 unit="mV")  # fmt: skip


def _scaled_mrg():
    """An MRG fiber whose nodes scale Na and K differently (a soma-like node at 300/2000 Na,
    an initial-segment-like node at 500/2000, random factors elsewhere)."""
    g = mrg_geometry(10.0, 11)
    rng = np.random.default_rng(4)
    scale = rng.uniform(0.5, 1.5, (g.active_sections.size, len(MRG_CHANNELS)))
    scale[2] = [300 / 2000, 1.0, 1.0]
    scale[3] = [500 / 2000, 500 / 2000, 1.0]
    return dataclasses.replace(g, channel_scale=scale)


@pytest.mark.parametrize("cell", ["mrg", "c_neuron"])
def test_backends_agree_with_per_section_scales(cell: str) -> None:
    g = _scaled_mrg() if cell == "mrg" else c_neuron_geometry(axon_length_um=100.0)
    phi, wave = _drive(g)
    amps = np.array([-9.0, -1.0]) if cell == "mrg" else np.array([-1.0, -0.1])
    kw = {"n_steps": N_STEPS, "record_sections": g.node_sections}
    lanes = simulate(g, phi, amps, wave, **kw)
    single = simulate(g, phi, amps[:1], wave, **kw)
    numpy_ = simulate(g, phi, amps, wave, backend="numpy", **kw)
    uniform = dataclasses.replace(g, channel_scale=None)
    assert (
        np.abs(simulate(uniform, phi, amps, wave, **kw).v_trace_mv - lanes.v_trace_mv).max() > 0.1
    )
    assert lanes.ap_count[0].sum() > 0
    assert_close(single.v_trace_mv, lanes.v_trace_mv[:1], atol=1e-9, what="V, single vs lanes",
                 unit="mV")  # fmt: skip
    assert_close(numpy_.v_trace_mv, lanes.v_trace_mv, atol=1e-8, what="V, numpy vs lanes",
                 unit="mV")  # fmt: skip
    np.testing.assert_array_equal(numpy_.ap_count, lanes.ap_count)
    pytest.importorskip("jax")
    jax_ = simulate(g, phi, amps, wave, backend="jax", **kw)
    assert_close(jax_.v_trace_mv, lanes.v_trace_mv, atol=1e-8, what="V, jax vs lanes", unit="mV")
    np.testing.assert_array_equal(jax_.ap_count, lanes.ap_count)


def test_c_neuron_soma_has_half_the_na_density() -> None:
    g = c_neuron_geometry(axon_length_um=100.0)
    soma = int(np.flatnonzero(g.active_sections == g.named_sections["soma"])[0])
    na, k = SUNDT_CHANNELS.index("na"), SUNDT_CHANNELS.index("k")
    g_na = sundt_parameters()["channels"]["g_na_s_per_cm2"] * g.channel_scales[:, na]
    assert g_na[soma] == pytest.approx(c_neuron_parameters()["soma"]["g_na_s_per_cm2"])
    assert g_na[soma] == pytest.approx(0.02)  # drg.md section 3.1, SU15
    others = np.delete(np.arange(g.active_sections.size), soma)
    np.testing.assert_array_equal(g.channel_scales[others], 1.0)
    np.testing.assert_array_equal(g.channel_scales[:, k], 1.0)


@pytest.mark.parametrize(
    "bad", [np.ones((3, 3)), np.ones((9, 2)), np.full((9, 3), -1.0), np.full((9, 3), np.nan)]
)
def test_bad_scales_are_refused(bad: np.ndarray) -> None:
    g = mrg_geometry(10.0, 11)  # 9 active nodes, 3 channels
    with pytest.raises(InputError, match="channel_scale"):
        dataclasses.replace(g, channel_scale=bad)
