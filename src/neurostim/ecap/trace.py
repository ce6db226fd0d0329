"""A closed- or open-loop trace: one row per stimulation pulse, its summary, and Parquet.

Parquet columns (ECAP reference §6, one row per pulse):

| column | type | meaning |
|---|---|---|
| ``time_s`` | float64 | pulse onset |
| ``posture`` | dictionary<string> | posture held (the new one during a transition) |
| ``dcsf_mm`` | float64 | dorsal CSF thickness under the lead, transients included |
| ``amplitude_ma`` | float64 | delivered cathodic current |
| ``charge_uc`` | float64 | cathodic charge of the pulse, amplitude × pulse width |
| ``ecap_uv`` | float64 | recorded ECAP (map value plus recording noise) |
| ``in_window`` | bool | ECAP inside the therapeutic window |
| ``status`` | dictionary<string> | ``ok``, ``below_noise``, ``controller_saturated``, |
| | | ``out_of_compliance`` |

The file's schema metadata ``neurostim`` holds the summary (:meth:`LoopTrace.summary`) as JSON.
Files are written atomically (a temporary file renamed onto the destination).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.ecap._loop_kernel import STATUS_NAMES
from neurostim.errors import InputError

PARQUET_COLUMNS = (
    "time_s",
    "posture",
    "dcsf_mm",
    "amplitude_ma",
    "charge_uc",
    "ecap_uv",
    "in_window",
    "status",
)
"""Columns of a trace file, in order."""
STATUSES = STATUS_NAMES
"""Per-pulse statuses, by code."""


@dataclass(frozen=True)
class LoopTrace:
    """One run of the loop. Arrays have shape (n_pulses,).

    Attributes
    ----------
    time_s, dcsf_mm, amplitude_ma, charge_uc, ecap_uv : ndarray of float64
    posture_index : ndarray of int
        Index into ``postures``.
    in_window : ndarray of bool
    status : ndarray of int8
        Index into :data:`STATUSES`.
    postures : tuple of str
    mode : {"open", "closed"}
    controller : str or None
        ``per-pulse`` or ``control-pulses``; None in open loop.
    target_uv : float
    window_uv : tuple of float
        (low, high) of the therapeutic window.
    info : dict
        Everything else the summary reports (gain, limits, battery, map, schedule, runtime).
    """

    time_s: NDArray[np.float64]
    posture_index: NDArray[np.intp]
    postures: tuple[str, ...]
    dcsf_mm: NDArray[np.float64]
    amplitude_ma: NDArray[np.float64]
    charge_uc: NDArray[np.float64]
    ecap_uv: NDArray[np.float64]
    in_window: NDArray[np.bool_]
    status: NDArray[np.int8]
    mode: str
    controller: str | None
    target_uv: float
    window_uv: tuple[float, float]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_pulses(self) -> int:
        return int(self.time_s.size)

    @property
    def posture(self) -> NDArray[np.str_]:
        """(n_pulses,) posture names."""
        return np.asarray(self.postures)[self.posture_index]

    @property
    def status_names(self) -> NDArray[np.str_]:
        """(n_pulses,) status names."""
        return np.asarray(STATUSES)[self.status]

    def summary(self) -> dict[str, Any]:
        """The JSON of ``neurostim ecap loop --json``: ``mode``, ``target_uv``,
        ``mean_abs_deviation_uv``, ``time_in_window``, ``amplitude_min_ma``,
        ``amplitude_max_ma``, ``charge_min_uc``, ``charge_max_uc``, ``pulses``, ``runtime_s``,
        then the rest (controller, gain, window, statuses, battery, map, schedule)."""
        counts = np.bincount(self.status, minlength=len(STATUSES))
        return {
            "mode": self.mode,
            "target_uv": float(self.target_uv),
            "mean_abs_deviation_uv": float(np.mean(np.abs(self.ecap_uv - self.target_uv))),
            "time_in_window": float(np.mean(self.in_window)),
            "amplitude_min_ma": float(self.amplitude_ma.min()),
            "amplitude_max_ma": float(self.amplitude_ma.max()),
            "charge_min_uc": float(self.charge_uc.min()),
            "charge_max_uc": float(self.charge_uc.max()),
            "pulses": self.n_pulses,
            "runtime_s": float(self.info.get("runtime_s", float("nan"))),
            "controller": self.controller,
            "window_uv": [float(self.window_uv[0]), float(self.window_uv[1])],
            "status_counts": {name: int(c) for name, c in zip(STATUSES, counts, strict=True)},
            **{k: v for k, v in self.info.items() if k != "runtime_s"},
        }

    def to_arrow(self) -> Any:
        """The trace as a ``pyarrow.Table`` with :data:`PARQUET_COLUMNS`."""
        import pyarrow as pa

        posture = pa.DictionaryArray.from_arrays(
            pa.array(self.posture_index.astype(np.int32)), pa.array(list(self.postures))
        )
        status = pa.DictionaryArray.from_arrays(
            pa.array(self.status.astype(np.int32)), pa.array(list(STATUSES))
        )
        columns = [
            pa.array(self.time_s),
            posture,
            pa.array(self.dcsf_mm),
            pa.array(self.amplitude_ma),
            pa.array(self.charge_uc),
            pa.array(self.ecap_uv),
            pa.array(self.in_window),
            status,
        ]
        table = pa.Table.from_arrays(columns, names=list(PARQUET_COLUMNS))
        meta = json.dumps(self.summary(), default=_json_default, allow_nan=True)
        return table.replace_schema_metadata({"neurostim": meta})

    def write_parquet(self, path: str | Path) -> Path:
        """Write the trace to ``path`` (``.parquet``), atomically."""
        import pyarrow.parquet as pq

        from neurostim._files import check_output_path, written_atomically

        p = check_output_path("output", path, (".parquet",))
        with written_atomically(p, field="output") as tmp:
            pq.write_table(self.to_arrow(), tmp)
        return p


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o).__name__)


def read_trace(path: str | Path) -> LoopTrace:
    """A trace written by :meth:`LoopTrace.write_parquet`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError("trace", str(path), f"a readable Parquet trace ({exc})") from None
    missing = [c for c in PARQUET_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError("trace", str(path), f"needs the columns {', '.join(PARQUET_COLUMNS)}")
    meta = json.loads((table.schema.metadata or {}).get(b"neurostim", b"{}"))
    posture = table["posture"].combine_chunks()
    names = tuple(str(x) for x in posture.dictionary.to_pylist())
    status = table["status"].combine_chunks()
    code = {s: i for i, s in enumerate(STATUSES)}
    status_codes = np.array([code[s] for s in status.dictionary.to_pylist()], np.int8)
    known = {
        "mode", "target_uv", "mean_abs_deviation_uv", "time_in_window", "amplitude_min_ma",
        "amplitude_max_ma", "charge_min_uc", "charge_max_uc", "pulses", "controller",
        "window_uv", "status_counts",
    }  # fmt: skip
    return LoopTrace(
        time_s=table["time_s"].to_numpy(),
        posture_index=posture.indices.to_numpy().astype(np.intp),
        postures=names,
        dcsf_mm=table["dcsf_mm"].to_numpy(),
        amplitude_ma=table["amplitude_ma"].to_numpy(),
        charge_uc=table["charge_uc"].to_numpy(),
        ecap_uv=table["ecap_uv"].to_numpy(),
        in_window=table["in_window"].to_numpy(),
        status=status_codes[status.indices.to_numpy()],
        mode=str(meta.get("mode", "")),
        controller=meta.get("controller"),
        target_uv=float(meta.get("target_uv", float("nan"))),
        window_uv=tuple(meta.get("window_uv", (float("nan"), float("nan")))),
        info={k: v for k, v in meta.items() if k not in known},
    )
