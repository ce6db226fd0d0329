"""The web clinic's screenshots in docs/img/ (docs/web.md, README): the program editor and the
coverage map of the demo patient FBSS-01, taken in headless Chromium from a fresh demo clinic.

Needs the ``web`` and ``dev`` extras (Playwright) and a ``chromium`` on PATH (Debian:
``apt-get install chromium``). Run from the repository root::

    python scripts/web_screenshots.py [--out docs/img]

It starts ``neurostim clinic serve --demo`` on a free loopback port with a throw-away database,
signs in as ``clin1``, opens the program editor of slot 1, applies the demo's "Leg tonic" bipole
(L1.E4 cathode, L1.E5 anode, tonic 300 µs 50 Hz), sets the test amplitude (1.4 mA: the left L5
covered below the discomfort threshold of the demo patient), and writes ``web-editor.png``
(the configuration: family, pulse, contacts with their impedance) and ``web-coverage.png`` (the
titration panel: amplitude, body map, per-region prediction, safety per contact, battery). The
test program is discarded, never saved. The server
is stopped and the database removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "screenshot-password-1"
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    import httpx

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "neurostim", "clinic", "serve", "--db", str(db)]
    cmd += ["--port", str(port), "--demo", "--demo-password", PASSWORD]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the demo clinic did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--slot", type=int, default=1)
    parser.add_argument(
        "--amplitude-ma",
        type=float,
        default=1.4,
        help="test amplitude (the demo patient feels the left L5 covered from 1.4 mA)",
    )
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs a chromium on PATH (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        proc = _serve(Path(tmp) / "clinic.sqlite3", port)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{url}/login")
                page.fill("#username", "clin1")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{url}/patients")
                page.goto(f"{url}/patients/FBSS-01/programs/{args.slot}/edit")
                for contact, polarity in (("L1.E4", "-"), ("L1.E5", "+")):
                    page.select_option(f"select[name='pol_{contact}']", polarity)
                page.click("text=Apply configuration")
                page.wait_for_url("**/edit#titration")
                page.fill("#amplitude_ma", f"{args.amplitude_ma:.1f}")
                page.click("#amplitude_ma ~ button")
                page.wait_for_function(
                    "t => document.querySelector('#amplitude').textContent.startsWith(t)",
                    arg=f"{args.amplitude_ma:.2f}",
                )
                page.locator("#configuration").screenshot(path=str(args.out / "web-editor.png"))
                page.locator("#titration").screenshot(path=str(args.out / "web-coverage.png"))
                page.click("text=Discard the test program")
                browser.close()
            for name in ("web-editor.png", "web-coverage.png"):
                print(args.out / name)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
