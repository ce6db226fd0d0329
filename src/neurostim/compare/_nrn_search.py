"""The protocol's threshold search on a NEURON fiber (docs/reference/PROTOCOL.md §5-6).

Trial outcome: supra-threshold iff the detection node ⌊0.9·(N − 1)⌋ fires by tstop (the run stops
early once it has). Search: :func:`bracket_and_bisect` (approach from below, bisect to
tolerance_rel, report the midpoint). Verification: 0.99× threshold with tstop + 5 ms must show no
AP at any node (else ``block-suspected``, and the search restarts once from threshold/8), 1.01×
must fire the detection node, with initiation away from the end nodes (else
``end-excitation``) and the AP at the detection node before tstop − 0.5 ms (else ``late-ap``).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._nrn_run import NrnFiber
from neurostim.compare._protocol import bracket_and_bisect, initiation_nodes


def threshold_search(
    fiber: NrnFiber,
    phi_mv: NDArray[np.float64],
    w: NDArray[np.float64],
    sign: float,
    dt_ms: float,
    tstop_ms: float,
    tolerance_rel: float,
    guess_ma: float,
    *,
    verify: bool = True,
    no_ap_anywhere_below: bool = True,
) -> dict:
    """PROTOCOL.md §5-6 on a built fiber: bracket from below, bisect, verify.

    ``no_ap_anywhere_below``: the 0.99× run must show no AP at any node (MRG, as the protocol);
    when False only the detection node is checked (Sundt: at 0.99x threshold the local,
    non-propagating response under the electrode crosses −30 mV, so that rule cannot hold).
    Returns the dict of :func:`neurostim.compare.neuron_threshold`.
    """
    t0 = time.perf_counter()
    detect = int(0.9 * (fiber.n_nodes - 1))
    n_total = 0

    def supra(mag: float) -> bool:
        first = fiber.run(phi_mv, sign * mag, w, dt_ms, detect_node=detect)
        return bool(np.isfinite(first[detect]))

    status = "ok"
    init_nodes: list[int] = []
    for _attempt in range(2):
        lo, hi, n_sims, status = bracket_and_bisect(supra, guess_ma, tolerance_rel)
        n_total += n_sims
        thr = 0.5 * (lo + hi)
        if status != "ok" or not verify:
            break
        # verification (§6.3): 0.99x, tstop + 5 ms, no AP anywhere; 1.01x, AP at detection
        w_long = np.concatenate([w, np.zeros(round(5.0 / dt_ms))])
        below = fiber.run(phi_mv, sign * 0.99 * thr, w_long, dt_ms)
        above = fiber.run(phi_mv, sign * 1.01 * thr, w, dt_ms)
        n_total += 2
        init_nodes = initiation_nodes(above)
        fired_below = np.isfinite(below) if no_ap_anywhere_below else np.isfinite(below[detect])
        if np.any(fired_below):
            status = "block-suspected"
            guess_ma = thr / 8.0  # restart well below: approach the first window from below
            continue
        if not np.isfinite(above[detect]):
            status = "not-bracketed"
        elif any(i in (0, 1, fiber.n_nodes - 2, fiber.n_nodes - 1) for i in init_nodes):
            status = "end-excitation"
        elif above[detect] > tstop_ms - 0.5:
            status = "late-ap"
        break
    return {
        "threshold_ma": float(sign * thr),
        "n_sims": int(n_total),
        "seconds": float(time.perf_counter() - t0),
        "status": status if verify or status != "ok" else "unverified",
        "initiation_nodes": init_nodes,
    }
