"""ECAP maps: ECAP and recruited count against current, tabulated on a dCSF grid.

A closed-loop trace of 30,000 pulses under a posture schedule needs the ECAP at each pulse's
dCSF and current; running the fiber stage per pulse would take hours. :func:`build_map` runs a
growth function once per grid dCSF, ``growth_fn(dcsf_mm, amplitudes_ma) -> (ecap_uv,
recruited)`` (each ``(n_amplitudes,)``), and :class:`EcapMap` answers between grid points
(ECAP reference §6: maps precomputed on a dCSF grid and interpolated).

Interpolation (threshold-aligned, as ``neurostim.patient.coverage`` aligns fiber thresholds
on PT): each row's ECAP threshold T_i is the first current whose ECAP reaches ``threshold_uv``
(linear between grid currents). Between rows i and i+1, with w = log(d / d_i) / log(d_{i+1} /
d_i)::

    log T(d) = (1 - w) log T_i + w log T_{i+1}
    log y(d, I) = (1 - w) log y_i(x T_i) + w log y_{i+1}(x T_{i+1}),     x = I / T(d)

(linear in y where either row is 0), with y_i piecewise linear in current and extrapolated
linearly above the grid (growth is linear above threshold, ECAP reference §1.3). Thresholds and
the µV per fiber vary with distance roughly as powers of it, which log-log interpolation follows
exactly. At a grid dCSF the map returns the row. A dCSF
outside the grid is refused (:meth:`EcapMap.check_dcsf`): nothing is extrapolated in dCSF.
The interpolation error is measured against direct runs by :func:`interpolation_error`
(docs/ecap-loop.md).

``local_gain`` = d log y / d log I (ECAP reference §4), the controller's gain schedule.

Files: CSV (``# key: value`` header, then ``dcsf_mm, amplitude_ma, ecap_uv, recruited``) or
NPZ; the header's ``map_key`` is the SHA-256 of the arrays, ``program_key`` the program's
(:func:`neurostim.patient.coverage.program_key`; empty for the closed-form example map).
Build::

    python -m neurostim.ecap.maps build --growth neurostim.ecap.maps:closed_form_plant -o M.csv
    python -m neurostim.ecap.maps build --growth neurostim.ecap.growth:ecap_growth \\
        --program P.toml --level T10 -o M.csv

(the command line lives in ``maps/__main__.py``, so that running it does not import this
module twice).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim._data import read_data_toml
from neurostim.ecap import _loop_kernel as kernel
from neurostim.errors import InputError

FORMAT = "neurostim-ecap-map-1"
"""Format tag of a map file."""
COLUMNS = ("dcsf_mm", "amplitude_ma", "ecap_uv", "recruited")
"""Columns of a map CSV."""
EXAMPLE_MAP = "closed-form-example"
"""Shipped map of the closed-form plant (``data/maps/closed-form-example.csv``)."""

GrowthFn = Callable[[float, NDArray[np.float64]], tuple[ArrayLike, ArrayLike]]
"""``growth_fn(dcsf_mm, amplitudes_ma) -> (ecap_uv, recruited)``, arrays of (n_amplitudes,)."""


@functools.cache
def loop_parameters() -> dict[str, Any]:
    """``data/loop.toml`` (controller, recording, window, limits and map defaults)."""
    return read_data_toml("neurostim.ecap", "loop.toml", None, "loop parameters")


def _map_defaults() -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    m = loop_parameters()["map"]
    top, step = float(m["amplitude_max_ma"]["value"]), float(m["amplitude_step_ma"]["value"])
    amps = np.round(np.arange(0.0, top + step / 2, step), 9)
    return float(m["threshold_uv"]["value"]), np.array(m["dcsf_mm"]["value"], np.float64), amps


# --- the closed-form plant ------------------------------------------------------------------
@dataclass(frozen=True)
class ClosedFormPlant:
    """The closed-form growth of the ECAP reference §4 (equations in ``data/closed_form.toml``).

    Call it as a growth function: ``plant(dcsf_mm, amplitudes_ma) -> (ecap_uv, recruited)``.
    """

    threshold_ma: float
    fibers_per_ma: float
    uv_per_fiber: float
    reference_dcsf_mm: float
    threshold_exponent: float
    recording_exponent: float
    sigma_ma: float

    def threshold_at(self, dcsf_mm: ArrayLike) -> NDArray[np.float64]:
        """I_thr(d) in mA."""
        d = np.asarray(dcsf_mm, np.float64)
        return self.threshold_ma * (d / self.reference_dcsf_mm) ** self.threshold_exponent

    def uv_per_fiber_at(self, dcsf_mm: ArrayLike) -> NDArray[np.float64]:
        """G_rec(d), µV per recruited fiber."""
        d = np.asarray(dcsf_mm, np.float64)
        return self.uv_per_fiber * (self.reference_dcsf_mm / d) ** self.recording_exponent

    def __call__(
        self, dcsf_mm: ArrayLike, amplitudes_ma: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        z = (np.asarray(amplitudes_ma, np.float64) - self.threshold_at(dcsf_mm)) / self.sigma_ma
        soft = self.sigma_ma * np.logaddexp(0.0, z)
        recruited = self.fibers_per_ma * soft
        return self.uv_per_fiber_at(dcsf_mm) * recruited, recruited


def closed_form_plant(**overrides: float) -> ClosedFormPlant:
    """The plant with the parameters of ``data/closed_form.toml``, ``overrides`` replacing
    any of them."""
    doc = read_data_toml("neurostim.ecap", "closed_form.toml", None, "closed-form plant")
    values = {k: float(v["value"]) for k, v in doc.items()}
    for k, v in overrides.items():
        if k not in values:
            raise InputError(k, v, f"a closed-form parameter: {', '.join(values)}")
        values[k] = float(v)
    return ClosedFormPlant(**values)


def growth_from_curves(fn: Callable[..., Any], program: Any, level: str = "T10") -> GrowthFn:
    """A growth function from ``fn(program, *, level, dcsf_mm, amplitudes_ma) -> GrowthCurve``
    (``neurostim.ecap.growth.ecap_growth``): the curve's neural ECAP (``neural_uv``: no artifact,
    no noise, since the loop adds its own noise per pulse; ``ecap_uv`` where a curve has no
    ``neural_uv``) and ``recruited``; a curve whose ``status`` (a string) is not ``"ok"`` is
    refused."""

    def growth(dcsf_mm: float, amplitudes_ma: NDArray[np.float64]) -> tuple[Any, Any]:
        curve = fn(program, level=level, dcsf_mm=float(dcsf_mm), amplitudes_ma=amplitudes_ma)
        status = getattr(curve, "status", "ok")
        if isinstance(status, str) and status != "ok":
            raise InputError("growth", status, f"an ok growth curve at dCSF {dcsf_mm:g} mm")
        return getattr(curve, "neural_uv", curve.ecap_uv), curve.recruited

    return growth


# --- the map --------------------------------------------------------------------------------
def _thresholds(amps: NDArray[np.float64], ecap: NDArray[np.float64], crit: float) -> Any:
    out = np.full(ecap.shape[0], np.nan)
    for i, row in enumerate(ecap):
        above = np.flatnonzero(row >= crit)
        if above.size == 0:
            continue
        j = int(above[0])
        if j == 0:
            out[i] = amps[0]
        else:
            a0, a1, y0, y1 = amps[j - 1], amps[j], row[j - 1], row[j]
            out[i] = a0 + (crit - y0) * (a1 - a0) / (y1 - y0)
    return out


@dataclass(frozen=True)
class EcapMap:
    """ECAP and recruited count on a (dCSF, current) grid (module docstring).

    Attributes
    ----------
    dcsf_mm : ndarray of shape (n_dcsf,), increasing
    amplitude_ma : ndarray of shape (n_amplitudes,), increasing
    ecap_uv : ndarray of shape (n_dcsf, n_amplitudes)
    recruited : ndarray of shape (n_dcsf, n_amplitudes)
    threshold_uv : float
        ECAP threshold criterion of a row.
    header : dict of str to str
        Provenance (growth function, program key, level, source).
    threshold_ma : ndarray of shape (n_dcsf,)
        Each row's ECAP threshold (computed).
    """

    dcsf_mm: NDArray[np.float64]
    amplitude_ma: NDArray[np.float64]
    ecap_uv: NDArray[np.float64]
    recruited: NDArray[np.float64]
    threshold_uv: float
    header: dict[str, str] = field(default_factory=dict)
    threshold_ma: NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        d, a = self.dcsf_mm, self.amplitude_ma
        if d.ndim != 1 or d.size < 1 or np.any(np.diff(d) <= 0) or not np.all(np.isfinite(d)):
            raise InputError("dcsf_mm", d.tolist(), "an increasing list of finite values")
        if d[0] <= 0:
            raise InputError("dcsf_mm", float(d[0]), "values > 0 mm")
        if a.ndim != 1 or a.size < 2 or np.any(np.diff(a) <= 0) or np.any(a < 0):
            raise InputError("amplitude_ma", a.tolist(), "an increasing list of >= 2 values >= 0")
        for name in ("ecap_uv", "recruited"):
            v = getattr(self, name)
            if v.shape != (d.size, a.size) or not np.all(np.isfinite(v)):
                raise InputError(name, v.shape, f"finite values of shape ({d.size}, {a.size})")
        thr = _thresholds(a, self.ecap_uv, self.threshold_uv)
        if np.any(~np.isfinite(thr)) or np.any(thr <= 0):
            i = int(np.flatnonzero(~(np.isfinite(thr) & (thr > 0)))[0])
            raise InputError(
                "ecap_uv",
                float(d[i]),
                f"the row at dCSF {d[i]:g} mm never reaches {self.threshold_uv:g} uV above 0 mA; "
                "extend the amplitude grid",
            )
        object.__setattr__(self, "threshold_ma", thr)

    # --- identity ---------------------------------------------------------------------------
    @property
    def key(self) -> str:
        """SHA-256 of the grid and values (and the threshold criterion)."""
        h = hashlib.sha256()
        for arr in (self.dcsf_mm, self.amplitude_ma, self.ecap_uv, self.recruited):
            h.update(np.ascontiguousarray(arr, np.float64).tobytes())
        h.update(repr(float(self.threshold_uv)).encode())
        return h.hexdigest()

    # --- queries ----------------------------------------------------------------------------
    def check_dcsf(self, dcsf_mm: ArrayLike, field: str = "dcsf_mm") -> NDArray[np.float64]:
        """``dcsf_mm`` as an array, or InputError when a value lies outside the grid."""
        d = np.atleast_1d(np.asarray(dcsf_mm, np.float64))
        lo, hi = float(self.dcsf_mm[0]), float(self.dcsf_mm[-1])
        bad = ~np.isfinite(d) | (d < lo - 1e-9) | (d > hi + 1e-9)
        if bad.any():
            raise InputError(
                field, float(d[bad][0]), f"the ECAP map holds dCSF {lo:g}-{hi:g} mm; stay within it"
            )
        return d

    def bracket(self, dcsf_mm: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """(rows, weights), each (n,): the lower grid row and the upper row's weight, linear in
        log dCSF."""
        d = self.check_dcsf(dcsf_mm)
        grid = self.dcsf_mm
        if grid.size == 1:
            return np.zeros(d.size, np.int64), np.zeros(d.size)
        i = np.clip(np.searchsorted(grid, d, side="right") - 1, 0, grid.size - 2)
        log_g = np.log(grid)
        w = np.clip((np.log(d) - log_g[i]) / (log_g[i + 1] - log_g[i]), 0.0, 1.0)
        return i.astype(np.int64), w

    def _eval(self, values: NDArray[np.float64], dcsf_mm: ArrayLike, current_ma: ArrayLike) -> Any:
        d, i = np.broadcast_arrays(
            np.asarray(dcsf_mm, np.float64), np.asarray(current_ma, np.float64)
        )
        shape = d.shape
        rows, w = self.bracket(d.ravel())
        cur = np.ascontiguousarray(i.ravel())
        if np.any(~np.isfinite(cur)) or np.any(cur < 0):
            raise InputError("current_ma", cur.tolist()[:3], "finite values >= 0")
        out = kernel.map_values(self.amplitude_ma, values, np.log(self.threshold_ma), rows, w, cur)
        return out.reshape(shape)

    def ecap_at(self, dcsf_mm: ArrayLike, current_ma: ArrayLike) -> NDArray[np.float64]:
        """ECAP (µV) at each (dCSF, current) pair (broadcast)."""
        return self._eval(self.ecap_uv, dcsf_mm, current_ma)

    def recruited_at(self, dcsf_mm: ArrayLike, current_ma: ArrayLike) -> NDArray[np.float64]:
        """Recruited count at each (dCSF, current) pair (broadcast)."""
        return self._eval(self.recruited, dcsf_mm, current_ma)

    def threshold_at(self, dcsf_mm: ArrayLike) -> NDArray[np.float64]:
        """ECAP threshold (mA) at each dCSF: log threshold linear in log dCSF between rows."""
        rows, w = self.bracket(dcsf_mm)
        log_t = np.log(self.threshold_ma)
        upper = np.minimum(rows + 1, self.dcsf_mm.size - 1)
        out = np.exp((1 - w) * log_t[rows] + w * log_t[upper])
        return out.reshape(np.shape(dcsf_mm))

    def local_gain(self, dcsf_mm: ArrayLike, current_ma: ArrayLike) -> NDArray[np.float64]:
        """L = d log y / d log I at each (dCSF, current) pair: a central difference over ±1 %
        of the current, the ECAP floored at 1e-6 µV."""
        d, i = np.broadcast_arrays(
            np.asarray(dcsf_mm, np.float64), np.asarray(current_ma, np.float64)
        )
        rows, w = self.bracket(d.ravel())
        log_t = np.log(self.threshold_ma)
        out = np.array(
            [
                kernel.log_gain(self.amplitude_ma, self.ecap_uv, log_t, r, ww, c, 1e-6)
                for r, ww, c in zip(rows, w, i.ravel(), strict=True)
            ]
        )
        return out.reshape(d.shape)

    def current_for(self, dcsf_mm: float, ecap_uv: float) -> float:
        """The current (mA) whose ECAP at ``dcsf_mm`` is ``ecap_uv`` (bisection; the ECAP rises
        with current). InputError when no current up to the grid's top reaches it."""
        lo, hi = 0.0, float(self.amplitude_ma[-1])
        if float(self.ecap_at(dcsf_mm, hi)) < ecap_uv:
            raise InputError("ecap_uv", ecap_uv, f"above the map's ECAP at {hi:g} mA")
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if float(self.ecap_at(dcsf_mm, mid)) < ecap_uv:
                lo = mid
            else:
                hi = mid
        return hi

    # --- files ------------------------------------------------------------------------------
    def full_header(self) -> dict[str, str]:
        return {
            "format": FORMAT,
            **{k: v for k, v in self.header.items() if k not in ("format", "map_key")},
            "threshold_uv": f"{self.threshold_uv:g}",
            "map_key": self.key,
        }

    def to_csv_text(self) -> str:
        """The CSV file's text."""
        buf = io.StringIO(newline="")
        for k, v in self.full_header().items():
            buf.write(f"# {k}: {' '.join(str(v).split())}\n")
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS)
        for i, d in enumerate(self.dcsf_mm):
            for j, a in enumerate(self.amplitude_ma):
                w.writerow(
                    [repr(float(d)), repr(float(a)), repr(float(self.ecap_uv[i, j])),
                     repr(float(self.recruited[i, j]))]
                )  # fmt: skip
        return buf.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write ``.csv`` or ``.npz`` (atomically)."""
        from neurostim._files import check_output_path, write_text, written_atomically

        p = check_output_path("output", path, (".csv", ".npz"))
        if p.suffix.lower() == ".csv":
            return write_text(p, self.to_csv_text(), field="output")
        with written_atomically(p, field="output") as tmp, tmp.open("wb") as fh:
            np.savez(
                fh,
                dcsf_mm=self.dcsf_mm,
                amplitude_ma=self.amplitude_ma,
                ecap_uv=self.ecap_uv,
                recruited=self.recruited,
                header=np.array(json.dumps(self.full_header())),
            )
        return p


def build_map(
    growth_fn: GrowthFn,
    dcsf_mm: Sequence[float] | None = None,
    amplitudes_ma: Sequence[float] | None = None,
    *,
    threshold_uv: float | None = None,
    header: dict[str, str] | None = None,
) -> EcapMap:
    """Run ``growth_fn`` at each grid dCSF over ``amplitudes_ma`` (defaults: ``data/loop.toml``
    ``[map]``) and tabulate."""
    crit, d_default, a_default = _map_defaults()
    d = np.asarray(d_default if dcsf_mm is None else dcsf_mm, np.float64)
    a = np.asarray(a_default if amplitudes_ma is None else amplitudes_ma, np.float64)
    ecap = np.empty((d.size, a.size))
    rec = np.empty((d.size, a.size))
    for i, di in enumerate(d):
        y, n = growth_fn(float(di), a.copy())
        ecap[i] = np.asarray(y, np.float64)
        rec[i] = np.asarray(n, np.float64)
    return EcapMap(d, a, ecap, rec, crit if threshold_uv is None else float(threshold_uv),
                   dict(header or {}))  # fmt: skip


def read_map(path: str | Path) -> EcapMap:
    """Load a map file (``.csv`` or ``.npz``); InputError for anything else."""
    p = Path(path)
    if not p.is_file():
        raise InputError("map", str(path), "no such map file (.csv or .npz)")
    try:
        if p.suffix.lower() == ".npz":
            with np.load(p, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                arrays = [np.asarray(z[k], np.float64) for k in COLUMNS]
            d, a, y, n = arrays
        else:
            header, d, a, y, n = _parse_csv(p.read_text(encoding="utf-8"), str(p))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError("map", str(path), f"not a readable ECAP map ({exc})") from None
    if header.get("format") != FORMAT:
        raise InputError("map", str(path), f"not an ECAP map (format {FORMAT})")
    m = EcapMap(d, a, y, n, float(header.get("threshold_uv", "nan")), header)
    if header.get("map_key") not in (None, m.key):
        raise InputError("map", str(path), "map_key does not match the values (edited file?)")
    return m


def _parse_csv(text: str, where: str) -> tuple[dict[str, str], Any, Any, Any, Any]:
    header: dict[str, str] = {}
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            k, _, v = line.lstrip("# ").partition(": ")
            header[k] = v
        elif line.strip():
            lines.append(line)
    rows = list(csv.DictReader(lines))
    if not rows or any(c not in rows[0] for c in COLUMNS):
        raise ValueError(f"{where} needs the columns {', '.join(COLUMNS)}")
    cols = {c: np.array([float(r[c]) for r in rows]) for c in COLUMNS}
    d = np.unique(cols["dcsf_mm"])
    a = np.unique(cols["amplitude_ma"])
    if len(rows) != d.size * a.size:
        raise ValueError("the rows do not fill the dcsf_mm x amplitude_ma grid")
    order = np.lexsort((cols["amplitude_ma"], cols["dcsf_mm"]))
    y = cols["ecap_uv"][order].reshape(d.size, a.size)
    n = cols["recruited"][order].reshape(d.size, a.size)
    return header, d, a, y, n


# --- finding a map --------------------------------------------------------------------------
def _maps_dir() -> Path:
    return Path(str(resources.files("neurostim.ecap").joinpath("data/maps")))


def cache_dir() -> Path:
    """Built maps kept by the user: ``<cache root>/ecap-maps``."""
    from neurostim.field.fem.cache import cache_root

    return cache_root() / "ecap-maps"


def find_map(program: Any, level: str = "T10") -> tuple[EcapMap, bool]:
    """The map of ``program`` at ``level`` (shipped, then the user cache), and True; else the
    shipped closed-form example map and False."""
    from neurostim.patient.coverage import program_key

    key = program_key(program)
    candidates = sorted(_maps_dir().glob("*.csv"))
    if cache_dir().is_dir():
        candidates += sorted(cache_dir().glob("*.csv")) + sorted(cache_dir().glob("*.npz"))
    for path in candidates:
        if path.stem == EXAMPLE_MAP:
            continue
        m = read_map(path)
        if m.header.get("program_key") == key and m.header.get("level") == level:
            return m, True
    return read_map(_maps_dir() / f"{EXAMPLE_MAP}.csv"), False


# --- interpolation error --------------------------------------------------------------------
@dataclass(frozen=True)
class InterpolationError:
    """The map against direct runs of its growth function at dCSF between its grid points.

    ``dcsf_mm`` (n_d,) where it was measured; per dCSF over ``amplitude_ma`` (n_a,):
    ``max_abs_uv`` (n_d,), the largest |map - direct| in µV, ``max_rel`` (n_d,), the same over
    the direct ECAP where it is >= ``threshold_uv`` of the map, and ``threshold_rel`` (n_d,),
    |map threshold - direct threshold| / direct threshold.
    """

    dcsf_mm: NDArray[np.float64]
    amplitude_ma: NDArray[np.float64]
    max_abs_uv: NDArray[np.float64]
    max_rel: NDArray[np.float64]
    threshold_rel: NDArray[np.float64]


def interpolation_error(
    ecap_map: EcapMap,
    growth_fn: GrowthFn,
    dcsf_mm: Sequence[float] | None = None,
    amplitudes_ma: Sequence[float] | None = None,
) -> InterpolationError:
    """Compare the map with ``growth_fn`` run directly at ``dcsf_mm`` (default: the midpoints
    between grid points, where the error is largest) over ``amplitudes_ma`` (default: the map's
    current grid)."""
    g = ecap_map.dcsf_mm
    d = np.asarray(0.5 * (g[1:] + g[:-1]) if dcsf_mm is None else dcsf_mm, np.float64)
    a = np.asarray(ecap_map.amplitude_ma if amplitudes_ma is None else amplitudes_ma, np.float64)
    abs_err, rel_err, thr_err = [], [], []
    for di in d:
        y_direct = np.asarray(growth_fn(float(di), a.copy())[0], np.float64)
        y_map = ecap_map.ecap_at(di, a)
        diff = np.abs(y_map - y_direct)
        abs_err.append(float(diff.max()))
        sel = y_direct >= ecap_map.threshold_uv
        rel_err.append(float(np.max(diff[sel] / y_direct[sel])) if sel.any() else math.nan)
        t_direct = _thresholds(a, y_direct[None, :], ecap_map.threshold_uv)[0]
        t_map = float(ecap_map.threshold_at(di))
        thr_err.append(abs(t_map - t_direct) / t_direct)
    return InterpolationError(d, a, np.array(abs_err), np.array(rel_err), np.array(thr_err))
