import pytest

from neurostim.testing import assert_close


def test_assert_close_passes_within_tolerance() -> None:
    assert_close(1.01, 1.0, rtol=0.02, what="x", unit="mA")


def test_assert_close_names_quantity_on_failure() -> None:
    with pytest.raises(AssertionError, match=r"threshold.*mA"):
        assert_close([1.0, 1.5], [1.0, 1.0], rtol=0.02, what="threshold", unit="mA")


def test_assert_close_fails_on_nan() -> None:
    with pytest.raises(AssertionError):
        assert_close(float("nan"), 1.0, rtol=0.5, what="x")
