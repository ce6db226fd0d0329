"""Sagalajev et al. 2024: synchronous DC input is felt, asynchronous input inhibits.

The 10 E + 10 I integrate-and-fire network of pain-circuit.md s1.6 driven by synchronous 50 Hz
and asynchronous 1 kHz dorsal-column input (synthetic trains with the published statistics);
compare with s3 row 3 (sync: E 49.5, I 55.7 Hz; async: E 7, I 72.5 Hz).

    python examples/frompapers/Sagalajev_2024_synchrony.py
"""

from __future__ import annotations

from neurostim.circuit.sagalajev import async_input, simulate_synchrony, sync_input


def main() -> dict[str, tuple[float, float]]:
    out = {}
    for name, trains in (("sync 50 Hz", sync_input()), ("async 1 kHz", async_input())):
        r = simulate_synchrony(trains)
        r0 = simulate_synchrony(trains, inhibition=False)
        out[name] = (r.e_rate_hz, r.i_rate_hz)
        print(
            f"{name:12s} E {r.e_rate_hz:5.1f} Hz  I {r.i_rate_hz:5.1f} Hz  "
            f"(E without I->E: {r0.e_rate_hz:5.1f} Hz)"
        )
    return out


if __name__ == "__main__":
    main()
