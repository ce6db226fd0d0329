"""Shared pytest configuration: headless plotting, paths to the reference data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
VALIDATION_DIR = SHARED / "validation"
REFERENCE_DIR = SHARED / "reference"
EXAMPLES_DIR = REPO_ROOT / "examples"


@pytest.fixture(scope="session")
def validation_dir() -> Path:
    """The NEURON reference data (``../shared/validation``); skips when it is absent."""
    if not VALIDATION_DIR.is_dir():
        pytest.skip("../shared/validation is not beside this checkout")
    return VALIDATION_DIR


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES_DIR
