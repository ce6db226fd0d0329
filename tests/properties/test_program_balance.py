"""Property: any valid program synthesises to a charge-balanced, Kirchhoff-consistent array."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from neurostim.device import parse_program, synthesize_waveform, validate_program

CONTACTS = [f"L{lead}.E{i}" for lead in (1, 2) for i in range(1, 9)]


@st.composite
def steered(draw: Any) -> dict[str, float]:
    """Random cathodes and anodes (case allowed as an anode) with shares summing to 100."""
    chosen = draw(st.lists(st.sampled_from(CONTACTS), min_size=2, max_size=5, unique=True))
    n_cath = draw(st.integers(min_value=1, max_value=len(chosen) - 1))
    use_case = draw(st.booleans())
    cathodes, anodes = chosen[:n_cath], chosen[n_cath:] + (["case"] if use_case else [])
    out: dict[str, float] = {}
    for group, sign in ((cathodes, -1.0), (anodes, 1.0)):
        weights = [draw(st.integers(min_value=1, max_value=9)) for _ in group]
        shares = [100.0 * w / sum(weights) for w in weights]
        shares[-1] = 100.0 - sum(shares[:-1])
        out.update({c: sign * s for c, s in zip(group, shares, strict=True)})
    return out


@st.composite
def trains(draw: Any) -> dict[str, Any]:
    family = draw(st.sampled_from(["tonic", "burst"]))
    train: dict[str, Any] = {
        "waveform": family,
        "amplitude_ma": draw(st.integers(min_value=1, max_value=100)) * 0.1,
        "pulse_width_us": draw(st.integers(min_value=2, max_value=50)) * 10,
        "recharge": draw(st.sampled_from(["active", "passive"])),
        "contacts": draw(steered()),
    }
    if family == "tonic":
        train["rate_hz"] = draw(st.integers(min_value=2, max_value=400))
    else:
        train["rate_hz"] = draw(st.integers(min_value=5, max_value=60))
        train["pulses_per_burst"] = draw(st.integers(min_value=2, max_value=6))
        train["intraburst_rate_hz"] = draw(st.integers(min_value=10, max_value=100)) * 10
    return train


@settings(max_examples=60, deadline=None)
@given(
    st.lists(trains(), min_size=1, max_size=3),
    st.one_of(
        st.none(),
        st.fixed_dictionaries({"duty": st.floats(min_value=0.05, max_value=1.0)}),
        st.fixed_dictionaries(
            {"on_s": st.sampled_from([0.05, 0.1]), "off_s": st.sampled_from([0.0, 0.05])}
        ),
    ),
)
def test_valid_programs_are_balanced(train_list: list[dict[str, Any]], dosing: Any) -> None:
    doc: dict[str, Any] = {
        "stimulator": "generic-rechargeable-16",
        "leads": ["percutaneous-8", "percutaneous-8"],
        "trains": train_list,
    }
    if dosing is not None:
        doc["dosing"] = dosing | ({"cycle_s": 0.2} if "duty" in dosing else {})
    program = parse_program(doc, validate=False)
    assume(validate_program(program) == [])
    w = synthesize_waveform(program, duration_s=0.3, dt_us=10.0)
    net = np.abs(w.net_charge_uc())
    total = w.absolute_charge_uc()
    assert np.all(net <= 1e-9 * np.maximum(total, 1e-300))
    assert np.abs(w.current_ma.sum(axis=0)).max() <= 1e-12 * max(1.0, np.abs(w.current_ma).max())
