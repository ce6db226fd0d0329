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
VENDORED_VALIDATION_DIR = REPO_ROOT / "tests" / "reference" / "data"


@pytest.fixture(scope="session")
def validation_dir() -> Path:
    """The NEURON reference data: ``../shared/validation`` when it is beside the checkout, else
    the copies in ``tests/reference/data`` (see its README)."""
    if (VALIDATION_DIR / "mrg_thresholds.csv").is_file():
        return VALIDATION_DIR
    if (VENDORED_VALIDATION_DIR / "mrg_thresholds.csv").is_file():
        return VENDORED_VALIDATION_DIR
    pytest.fail("no reference data: neither ../shared/validation nor tests/reference/data")


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES_DIR
