"""Benchmark: the web clinic under load (issue 13, Deliver 7).

Target: 50 concurrent clients checking and saving programs for 60 s on loopback, no error,
p95 latency of the checks under 200 ms. Protocol: a fresh demo database (``neurostim clinic
serve --demo``, one uvicorn worker, the shipped argon2 cost), 50 clients on one event loop
(``httpx.AsyncClient``), each signed in as clin1 with its own session; each sends
``POST /api/programs/check`` with the demo's tonic program in a loop, and every fifth request
of clients 1-32 is a versioned ``PUT`` of that program to the client's own slot (slots 1-16 of
FBSS-01 and of its sandbox copy), so writes never race for a version. An error is any answer
other than 200 or a transport failure. Prints a Markdown table: requests, errors, p50/p95/max
latency per kind, throughput, the machine.

No reference server is in the comparison: the figures are absolute, against the issue's
targets. The client runs on the same machine as the server and competes with it for the CPU.
Run::

    PYTHONPATH=src python benchmarks/web_load.py [--clients 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

PASSWORD = "bench-password-1"
PROGRAM = {
    "name": "Leg tonic",
    "stimulator": "multiwave-rechargeable-16",
    "leads": ["percutaneous-8", "percutaneous-8"],
    "trains": [
        {
            "waveform": "tonic",
            "amplitude_ma": 3.0,
            "pulse_width_us": 300,
            "rate_hz": 50,
            "contacts": {"L1.E4": -100, "L1.E5": 100},
        }
    ],
    "patient": {"amplitude_min_ma": 2.0, "amplitude_max_ma": 6.0},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "neurostim", "clinic", "serve", "--db", str(db)]
    cmd += ["--port", str(port), "--demo", "--demo-password", PASSWORD]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            with httpx.Client(timeout=1.0) as probe:
                if probe.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


async def _sign_in(client: httpx.AsyncClient, errors: list[str]) -> bool:
    r = await client.post("/api/session", json={"username": "clin1", "password": PASSWORD})
    if r.status_code != 200:
        errors.append(f"login {r.status_code}")
        return False
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return True


async def _load(
    k: int, client: httpx.AsyncClient, until: float, out: dict[str, list[float]], errors: list[str]
) -> None:
    patient = "FBSS-01" if k < 16 else "FBSS-01-SANDBOX"
    slot = k % 16 + 1
    version = 0
    n = 0
    while time.perf_counter() < until:
        n += 1
        write = k < 32 and n % 5 == 0
        t0 = time.perf_counter()
        try:
            if write:
                r = await client.put(
                    f"/api/patients/{patient}/programs/{slot}",
                    json={"program": PROGRAM, "version": version},
                )
            else:
                r = await client.post("/api/programs/check", json={"program": PROGRAM})
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
            continue
        elapsed_ms = (time.perf_counter() - t0) * 1000.0
        if r.status_code != 200:
            errors.append(f"{'write' if write else 'check'} {r.status_code}")
            continue
        if write:
            version = int(r.json()["version"])
        out["write" if write else "check"].append(elapsed_ms)


async def _run(
    base: str, n_clients: int, seconds: float
) -> tuple[dict[str, list[float]], list[str]]:
    """Sign every client in (untimed), then run them all for ``seconds``."""
    out: dict[str, list[float]] = {"check": [], "write": []}
    errors: list[str] = []
    clients = [httpx.AsyncClient(base_url=base, timeout=60.0) for _ in range(n_clients)]
    try:
        signed = await asyncio.gather(*(_sign_in(c, errors) for c in clients))
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_load(k, c, until, out, errors) for k, c in enumerate(clients) if signed[k])
        )
    finally:
        for c in clients:
            await c.aclose()
    return out, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        proc = _serve(Path(tmp) / "clinic.sqlite3", port)
        try:
            t0 = time.perf_counter()
            out, errors = asyncio.run(_run(f"http://127.0.0.1:{port}", args.clients, args.seconds))
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"{args.clients} clients, {args.seconds:g} s (wall {wall:.1f} s incl. sign-in), "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print()
    print("| kind | requests | p50 (ms) | p95 (ms) | max (ms) | per s |")
    print("|---|---|---|---|---|---|")
    for kind, values in out.items():
        if not values:
            print(f"| {kind} | 0 | - | - | - | - |")
            continue
        a = np.asarray(values)
        print(
            f"| {kind} | {a.size} | {np.percentile(a, 50):.0f} | {np.percentile(a, 95):.0f} | "
            f"{a.max():.0f} | {a.size / args.seconds:.0f} |"
        )
    print()
    print(f"errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
    p95 = np.percentile(out["check"], 95) if out["check"] else float("inf")
    met = "met" if not errors and p95 < 200 else "missed"
    print(f"target: no error and check p95 < 200 ms -> {met}")


if __name__ == "__main__":
    main()
