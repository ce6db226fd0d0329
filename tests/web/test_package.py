"""Packaging of the web clinic: vendored files match their recorded hashes, package data
patterns cover every file the server reads, the extra is named when missing, the shipped
password hashing parameters are used."""

from __future__ import annotations

import fnmatch
import hashlib
import tomllib
from pathlib import Path

import pytest

import neurostim.web
from neurostim.web import require_web_extra

WEB = Path(neurostim.web.__file__).parent
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_vendored_files_match_their_sha256() -> None:
    manifest = tomllib.loads((WEB / "static" / "vendor" / "VENDORED.toml").read_text("utf-8"))
    listed = set()
    for entry in manifest["files"]:
        data = (WEB / "static" / "vendor" / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert entry["version"] in entry["origin"]
        listed.add(entry["path"])
    on_disk = {p.name for p in (WEB / "static" / "vendor").iterdir()} - {"VENDORED.toml"}
    assert on_disk == listed
    assert "Zero-Clause BSD" in (WEB / "static" / "vendor" / "LICENSE.htmx").read_text("utf-8")


def test_package_data_patterns_ship_every_server_file() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]
    patterns = [*data["neurostim.web"], *data["*"]]
    for path in WEB.rglob("*"):
        if path.is_dir() or path.suffix == ".py" or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(WEB).as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), f"{rel} would not be shipped"


def test_web_extra_declares_what_the_server_imports() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    declared = {req.split(">")[0].split("[")[0] for req in extras["web"]}
    assert set(neurostim.web.WEB_EXTRA_MODULES.values()) <= declared
    assert "neurostim[web]" in extras["dev"]


def test_missing_extra_names_the_pip_command(monkeypatch) -> None:
    monkeypatch.setitem(neurostim.web.WEB_EXTRA_MODULES, "no_such_module_xyz", "no-such-dist")
    with pytest.raises(ImportError, match=r"pip install 'neurostim\[web\]'"):
        require_web_extra()
    with pytest.raises(ImportError, match="no-such-dist"):
        neurostim.web.create_app(Path("unused.sqlite3"))


def test_shipped_argon2_parameters_are_used(monkeypatch) -> None:
    from neurostim.web import auth
    from tests.web import conftest

    settings = auth.security_settings()
    monkeypatch.setattr(auth, "_hasher", conftest.SHIPPED_HASHER)  # not the tests' cheap one
    digest = auth.hash_password("a-long-password")
    params = (
        f"m={settings.argon2_memory_cost_kib},t={settings.argon2_time_cost},"
        f"p={settings.argon2_parallelism}"
    )
    assert digest.startswith("$argon2id$") and params in digest
    assert auth.verify_password(digest, "a-long-password")
    assert not auth.verify_password(digest, "a-long-passworD")


_WITHOUT_EXTRA = """
import importlib.abc, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"fastapi", "starlette", "uvicorn", "argon2", "multipart"}:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, Block())
import neurostim.web
from neurostim.cli import main
sys.argv = ["neurostim", "clinic", "serve", "--demo", "--db", sys.argv[1]]
main()
"""


def test_without_the_extra_the_package_imports_and_serve_names_the_extra(tmp_path) -> None:
    import subprocess
    import sys

    db = tmp_path / "c.sqlite3"
    env_path = str(Path(neurostim.web.__file__).parents[2])
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRA, str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "error: the web clinic needs fastapi, uvicorn, argon2-cffi, python-multipart: "
        "pip install 'neurostim[web]'"
    )
    assert not db.exists()
