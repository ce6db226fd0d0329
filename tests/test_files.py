"""Output files: refused paths, and writes that never leave a half-written file."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim._files import check_output_path, save_figure, write_text
from neurostim.errors import InputError


class _FailingFigure:
    """A figure whose rendering writes some bytes and then fails (as a Ctrl-C midway would)."""

    def savefig(self, path, **kwargs) -> None:
        Path(path).write_bytes(b"half")
        raise KeyboardInterrupt


def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_partial(tmp_path: Path) -> None:
    old = tmp_path / "fig.png"
    old.write_bytes(b"previous figure")
    with pytest.raises(KeyboardInterrupt):
        save_figure(_FailingFigure(), old)
    assert old.read_bytes() == b"previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]


def test_text_is_replaced_whole(tmp_path: Path) -> None:
    path = write_text(tmp_path / "out.json", "{}\n")
    assert path.read_text() == "{}\n"
    write_text(path, '{"a": 1}\n')
    assert path.read_text() == '{"a": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("fig.xyz", "unsupported extension"),
        ("missing/fig.png", "does not exist"),
        (".", "directory"),
    ],
)
def test_paths_that_cannot_be_written_are_refused(tmp_path: Path, name: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        check_output_path("plot", tmp_path / name, (".png", ".svg", ".pdf"))


def test_a_file_in_the_way_of_a_folder_to_make_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        check_output_path("output", tmp_path / "afile" / "sub" / "f.png", folder_made_later=True)
    assert check_output_path("output", tmp_path / "new" / "f.png", folder_made_later=True)


def test_after_a_stop_request_nothing_is_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kill (SIGTERM) records the request: even if the exception that unwinds the run is lost on
    # its way, the atomic writers do not rename their partial file onto the output
    from neurostim import _files

    monkeypatch.setattr(_files, "_STOP_SIGNAL", [])
    old = tmp_path / "out.txt"
    old.write_text("before", encoding="utf-8")
    _files.request_stop(15)
    with pytest.raises(SystemExit) as stopped:
        write_text(old, "after")
    assert stopped.value.code == 143
    with pytest.raises(SystemExit), _files.written_atomically(tmp_path / "t.csv") as tmp:
        tmp.write_text("a,b\n", encoding="utf-8")
    assert old.read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_the_command_exits_143_when_a_stop_was_requested(monkeypatch: pytest.MonkeyPatch) -> None:
    from neurostim import _files, cli

    monkeypatch.setattr(_files, "_STOP_SIGNAL", [15])
    monkeypatch.setattr(cli, "app", lambda: None)  # the command itself ended normally
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep pytest's handlers
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 143
