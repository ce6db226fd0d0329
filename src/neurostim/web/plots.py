"""Plots of the web clinic: figures built in Python as Plotly JSON, drawn in the browser by the
Plotly.js of the installed ``plotly`` wheel (``plotly/package_data/plotly.min.js``), served by
this app at ``/vendor/plotly.min.js``: no CDN, nothing fetched at run time. Each figure comes
with a table of the same numbers beside it, so the page says everything without JavaScript.

Plotly.js adds inline styles to the page: a page with a figure sends a Content-Security-Policy
that allows inline *styles* (never inline scripts) — :data:`PLOT_CSP`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

from neurostim.web.bodymap import predict

router = APIRouter()

PLOTLY_JS_ROUTE = "/vendor/plotly.min.js"
PLOT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
"""The policy of a page with a Plotly figure: scripts still from this server only."""


def plotly_js_path() -> Path | None:
    """``plotly.min.js`` of the installed plotly package, or None (plotly not installed)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


@router.get(PLOTLY_JS_ROUTE, include_in_schema=False)
def plotly_js() -> Response:
    """Plotly.js from the installed wheel (public, like the other static files)."""
    path = plotly_js_path()
    if path is None:
        return PlainTextResponse(
            "plotly is not installed: pip install 'neurostim[web]'", status_code=404
        )
    return FileResponse(path, media_type="text/javascript")


def coverage_curve(
    program: dict[str, Any], record: dict[str, Any], amplitudes_ma: list[float]
) -> list[dict[str, Any]]:
    """The patient's predicted response at each amplitude (the program's other settings kept):
    rows ``{"amplitude_ma", "status", "pain_covered_percent", "n_covered", "feedback"}``."""
    rows = []
    for a in amplitudes_ma:
        trial = {**program, "trains": [{**t, "amplitude_ma": a} for t in program["trains"]]}
        pred = predict(trial, record)
        share = pred.pain_covered_fraction
        rows.append(
            {
                "amplitude_ma": a,
                "status": pred.status,
                "pain_covered_percent": None if share is None else round(100 * share, 1),
                "n_covered": len(pred.covered),
                "feedback": pred.feedback(),
            }
        )
    return rows


def coverage_figure(
    rows: list[dict[str, Any]], pt_ma: float | None, discomfort_ma: float | None
) -> dict[str, Any]:
    """Plotly JSON: painful area covered (%) and covered dermatome sides against amplitude,
    with the perception and discomfort thresholds as vertical lines."""
    x = [r["amplitude_ma"] for r in rows]
    shapes, annotations = [], []
    for value, label in ((pt_ma, "perception"), (discomfort_ma, "discomfort")):
        if value is not None:
            shapes.append(
                {
                    "type": "line",
                    "x0": value,
                    "x1": value,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dash", "color": "#333"},
                }
            )
            annotations.append(
                {
                    "x": value,
                    "yref": "paper",
                    "y": 1.02,
                    "text": f"{label} {value:g} mA",
                    "showarrow": False,
                }
            )
    return {
        "data": [
            {
                "x": x,
                "y": [r["pain_covered_percent"] for r in rows],
                "name": "painful area covered (%)",
                "mode": "lines+markers",
                "marker": {"symbol": "circle"},
            },
            {
                "x": x,
                "y": [r["n_covered"] for r in rows],
                "name": "dermatome sides covered (count)",
                "mode": "lines+markers",
                "marker": {"symbol": "square"},
                "yaxis": "y2",
                "line": {"dash": "dot"},
            },
        ],
        "layout": {
            "xaxis": {"title": {"text": "amplitude (mA)"}},
            "yaxis": {"title": {"text": "painful area covered (%)"}, "range": [0, 100]},
            "yaxis2": {
                "title": {"text": "sides covered (count)"},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
            },
            "shapes": shapes,
            "annotations": annotations,
            "margin": {"t": 40},
            "legend": {"orientation": "h"},
        },
    }


__all__ = [
    "PLOTLY_JS_ROUTE",
    "PLOT_CSP",
    "coverage_curve",
    "coverage_figure",
    "plotly_js_path",
    "router",
]
