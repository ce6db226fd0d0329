"""Compiling the shipped mechanisms: cache location and a clear error when nrnivmodl fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.compare import NeuronUnavailableError, _mechanisms


def test_mod_files_are_shipped() -> None:
    names = set(_mechanisms._mod_sources())
    assert {"nsmrgnode.mod", "nssundtna.mod", "nssundtkdr.mod", "nssundtkcnq.mod", "nssundtcal.mod",
            "nssundtsk.mod", "nssundtpump.mod"} <= names  # fmt: skip


def test_failed_compilation_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("neuron")
    monkeypatch.setattr(_mechanisms, "_loaded", {})
    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_mechanisms, "_nrnivmodl", lambda: "false")  # exits 1, builds nothing
    with pytest.raises(NeuronUnavailableError, match="nrnivmodl failed"):
        _mechanisms.load_mechanisms()
    # the failed build leaves no half-built cache entry behind
    assert list((tmp_path / "nrn").iterdir()) == []
