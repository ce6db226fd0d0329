"""neurostim against NEURON run in the same test (``-m neuron``), on held-back diameters.

The reference table holds 5.7, 10 and 16 um; the other six diameters were held back. Here the
same protocol runs in NEURON (``neurostim.compare.neuron_mrg``) and in neurostim, for diameters
outside the table: thresholds within 0.5 % (both searched to 0.1 %), as Jaxley's
jaxley_vs_neuron tests do.
"""

from __future__ import annotations

import pytest

from neurostim.fibers import ProtocolCase, protocol_thresholds
from neurostim.testing import assert_close

pytestmark = pytest.mark.neuron


@pytest.mark.parametrize(
    ("d", "dist", "wf", "pw"),
    [(8.7, 1.0, "monophasic-cathodic", 0.1), (12.8, 2.0, "biphasic-cathodic-first", 0.2),
     (7.3, 1.5, "monophasic-anodic", 0.5)],
)  # fmt: skip
def test_held_back_diameters_against_neuron(d: float, dist: float, wf: str, pw: float) -> None:
    neuron_mrg = pytest.importorskip("neurostim.compare.neuron_mrg")
    from neurostim.compare import neuron_available

    if not neuron_available():
        pytest.skip("NEURON not available")
    ref = neuron_mrg.neuron_threshold(d, dist, wf, pw, tolerance_rel=1e-3, verify=False)
    mine = protocol_thresholds([ProtocolCase("mrg", d, dist, wf, pw)], tolerance_rel=1e-3)
    assert mine.status[0] == "ok"
    assert_close(mine.threshold_ma[0], ref["threshold_ma"], rtol=0.005,
                 what=f"MRG {d} um {dist} mm {wf} {pw} ms vs NEURON", unit="mA")  # fmt: skip
