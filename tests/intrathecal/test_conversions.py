"""Opioid conversion ratios of the reference (intrathecal.md §2), typed from it."""

from __future__ import annotations

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import conversion_routes, to_intrathecal_morphine_mg
from neurostim.testing import assert_close


def test_reference_ratios() -> None:
    # IV 10 mg = epidural 1 mg = IT 0.1 mg morphine (R33)
    assert_close(to_intrathecal_morphine_mg(10.0, "iv_morphine"), 0.1, rtol=1e-12, what="IV")
    assert_close(to_intrathecal_morphine_mg(1.0, "epidural_morphine"), 0.1, rtol=1e-12, what="EP")
    # oral:IT 300:1 with oral:IV 3:1; Canada 2:1 -> 200:1
    assert_close(to_intrathecal_morphine_mg(300.0, "oral_morphine"), 1.0, rtol=1e-12, what="oral")
    canada = to_intrathecal_morphine_mg(200.0, "oral_morphine", oral_to_iv=2.0)
    assert_close(canada, 1.0, rtol=1e-12, what="oral, Canada")
    # 6 mg IT morphine ~ 1 mg IT hydromorphone
    hm = to_intrathecal_morphine_mg(1.0, "intrathecal_hydromorphone")
    assert_close(hm, 6.0, rtol=1e-12, what="IT hydromorphone")
    assert "intrathecal_morphine" in conversion_routes()


def test_bad_inputs() -> None:
    with pytest.raises(InputError):
        to_intrathecal_morphine_mg(1.0, "nasal")
    with pytest.raises(InputError):
        to_intrathecal_morphine_mg(-1.0, "iv_morphine")
    with pytest.raises(InputError):
        to_intrathecal_morphine_mg(1.0, "oral_morphine", oral_to_iv=0.0)
