"""Loop traces: the Parquet file's columns and values round-trip; the figure is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from neurostim.ecap import PARQUET_COLUMNS, load_schedule, plot_loop, read_trace, run_loop
from neurostim.errors import InputError
from tests.ecap.loop_plant import plant_map, program


@pytest.fixture(scope="module")
def traces():
    m, s, p = plant_map(), load_schedule("day"), program()
    return [run_loop(p, s, m, mode=mode, seed=4, minutes=2.0) for mode in ("open", "closed")]


def test_parquet_roundtrip(tmp_path, traces) -> None:
    trace = traces[1]
    path = trace.write_parquet(tmp_path / "trace.parquet")
    table = pq.read_table(path)
    assert table.column_names == list(PARQUET_COLUMNS)
    assert table.num_rows == trace.n_pulses == 6000  # 2 min at 50 Hz
    assert table["posture"].to_pylist()[:2] == ["sitting", "sitting"]
    back = read_trace(path)
    for name in ("time_s", "dcsf_mm", "amplitude_ma", "charge_uc", "ecap_uv", "in_window"):
        np.testing.assert_array_equal(getattr(back, name), getattr(trace, name))
    assert np.array_equal(back.posture, trace.posture)
    assert np.array_equal(back.status_names, trace.status_names)
    assert back.summary()["mean_abs_deviation_uv"] == trace.summary()["mean_abs_deviation_uv"]
    assert back.mode == "closed" and back.controller == "per-pulse"
    assert not list(tmp_path.glob(".*partial*"))


def test_a_failed_write_leaves_no_file(tmp_path, traces, monkeypatch) -> None:
    import pyarrow.parquet

    def broken(table, where, **kwargs):
        Path(where).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pyarrow.parquet, "write_table", broken)
    with pytest.raises(KeyboardInterrupt):
        traces[0].write_parquet(tmp_path / "t.parquet")
    assert list(tmp_path.iterdir()) == []


def test_bad_paths_are_refused(tmp_path, traces) -> None:
    with pytest.raises(InputError, match="parquet"):
        traces[0].write_parquet(tmp_path / "t.csv")
    with pytest.raises(InputError):
        read_trace(tmp_path / "none.parquet")


def test_the_figure_is_written(tmp_path, traces) -> None:
    path = plot_loop(traces[0], traces[1], tmp_path / "loop.png", title="test")
    assert path.stat().st_size > 10_000
