"""Superposition V_e = sum_k a f_k V_k W_k: shapes and explicit small cases."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.field import superpose_mv
from neurostim.testing import assert_close


def test_explicit_two_contacts() -> None:
    v = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])  # (2 contacts, 3 points)
    w = np.array([0.0, 1.0, -1.0, 0.5])
    out = superpose_mv(v, [1.0, -0.5], w, amplitude_ma=2.0)
    desired = 2.0 * np.outer(np.array([1 - 5.0, 2 - 10.0, 3 - 15.0]), w)
    assert out.shape == (3, 4)
    assert_close(out, desired, rtol=1e-14, what="two-contact superposition", unit="mV")


def test_per_contact_waveform() -> None:
    v = np.array([[1.0, 2.0], [3.0, 5.0]])
    w = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]])
    out = superpose_mv(v, None, w, amplitude_ma=-1.0)
    desired = -np.array([[1.0, 3.0, -3.0], [2.0, 5.0, -5.0]])
    assert_close(out, desired, rtol=1e-14, what="per-contact waveform", unit="mV")


def test_static_and_batch_shapes() -> None:
    v = np.ones((4, 7))
    assert superpose_mv(v, np.ones(4)).shape == (7,)
    assert superpose_mv(v, np.ones((3, 4))).shape == (3, 7)
    assert superpose_mv(v, np.ones(4), np.ones(9), amplitude_ma=np.ones(5)).shape == (5, 7, 9)
    assert superpose_mv(np.ones((2, 4, 7)), np.ones(4), np.ones((2, 4, 9))).shape == (2, 7, 9)


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="shares"):
        superpose_mv(np.ones((4, 7)), np.ones(3))
    with pytest.raises(InputError, match="waveform"):
        superpose_mv(np.ones((4, 7)), np.ones(4), np.ones((3, 5)))
    with pytest.raises(InputError, match="unit_potentials_mv"):
        superpose_mv(np.ones(7), np.ones(4))
    with pytest.raises(InputError, match="n_batch"):
        superpose_mv(np.ones((2, 4, 7)), np.ones((3, 4)))
    with pytest.raises(InputError, match="waveform"):
        superpose_mv(np.ones((4, 7)), np.ones(4), np.array([0.0, np.nan]))
