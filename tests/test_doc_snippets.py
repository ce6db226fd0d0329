"""The Python examples of the pipeline, field and recruitment pages run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "docs/pipeline.md",
    "docs/field.md",
    "docs/recruitment.md",
    "docs/patient-cohorts.md",
    "docs/clinic-protocols.md",
    "docs/patient-pain.md",
    "docs/ecap.md",
    "docs/drg.md",
    "docs/nerve.md",
]


def _python_blocks(page: str) -> list[str]:
    text = (REPO_ROOT / page).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page: str, monkeypatch) -> None:
    blocks = _python_blocks(page)
    assert blocks, f"{page} has no Python example"
    monkeypatch.chdir(REPO_ROOT)  # the examples read examples/... relative to the clone
    from neurostim.field import conductor as conductor_module

    registry = dict(conductor_module._REGISTRY)
    try:
        namespace: dict[str, object] = {"__name__": "doc_example"}
        for block in blocks:
            exec(compile(block, f"{page} example", "exec"), namespace)
    finally:
        conductor_module._REGISTRY.clear()
        conductor_module._REGISTRY.update(registry)
