"""Plotly.js from the installed wheel (never a CDN) and the coverage figure with its table."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from tests.web.test_screens import EDIT, SHIPPED_TONIC, _configure

HAS_PLOTLY = importlib.util.find_spec("plotly") is not None


@pytest.mark.skipif(not HAS_PLOTLY, reason="plotly is not installed (the web extra installs it)")
def test_plotly_js_is_the_installed_wheels_file(client) -> None:
    from neurostim.web.plots import plotly_js_path

    path = plotly_js_path()
    assert path is not None and path.parent.name == "package_data"
    r = client.get("/vendor/plotly.min.js")
    assert r.status_code == 200 and r.content == path.read_bytes()
    assert r.headers["content-type"].startswith("text/javascript")


@pytest.mark.skipif(HAS_PLOTLY, reason="plotly is installed")
def test_without_plotly_the_route_says_what_to_install(client) -> None:
    r = client.get("/vendor/plotly.min.js")
    assert r.status_code == 404 and "neurostim[web]" in r.text


def test_no_page_loads_a_script_from_elsewhere(signed_in) -> None:
    clin, token = signed_in("clin1")
    _configure(clin, token, **SHIPPED_TONIC)
    page = clin.get(f"{EDIT}/edit")
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources)
    assert "script-src 'self';" in page.headers["content-security-policy"]


def test_coverage_figure_has_a_table_with_the_same_numbers(signed_in) -> None:
    import html

    clin, token = signed_in("clin1")
    _configure(clin, token, **SHIPPED_TONIC)
    page = clin.get(f"{EDIT}/edit").text
    found = re.search(r'class="plot" data-figure="([^"]+)"', page)
    assert found is not None
    figure = json.loads(html.unescape(found.group(1)))
    x = figure["data"][0]["x"]
    table = re.findall(r"<tr><td>([0-9.]+)</td><td>([-0-9.]+)</td><td>(\d+)</td>", page)
    assert [float(a) for a, _, _ in table] == pytest.approx(x)
    assert [int(n) for _, _, n in table] == figure["data"][1]["y"]
    labels = [a["text"] for a in figure["layout"]["annotations"]]
    assert any(t.startswith("perception") for t in labels)
    assert any(t.startswith("discomfort") for t in labels)
