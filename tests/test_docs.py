"""The documentation works from a fresh clone.

Every relative link in the Markdown pages, every ``name.md`` a page, docstring, comment or data
file points a reader to, and every section cited next to it ("fiber-models.md §10.3",
"pain-circuit.md s1.2", "PROTOCOL.md sections 5, 6 and 12") must exist in the repository; and no
page, module or example may send a reader to a directory outside it (``../shared``, ``shared/``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT / "docs" / "reference"

# Pages a user reads, and the code and data that cite them.
MARKDOWN = sorted(
    [
        REPO_ROOT / "README.md",
        *(REPO_ROOT / "docs").rglob("*.md"),
        *(REPO_ROOT / "examples").rglob("*.md"),
    ]
)
CODE_SUFFIXES = {".py", ".toml", ".csv", ".mod"}
CODE = sorted(
    p
    for top in ("src", "examples")
    for p in (REPO_ROOT / top).rglob("*")
    if p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts
)
ALL_FILES = MARKDOWN + CODE

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MD_NAME = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.md)\b")
NUMBER = r"\d+(?:\.\d+)*"
# What may follow a document name before its section: closing quotes or a link's ")".
SECTION_START = re.compile(
    rf"^[`'\"*)]*\s*(?:§\s*|s(?={NUMBER})|sections?\s+|(?={NUMBER}\.\d))({NUMBER})"
)
SECTION_MORE = re.compile(rf"^\s*(?:,|and|-|–|to)\s*(?:§\s*|s(?=\d))?({NUMBER})(?![\w-]*[A-Za-z])")
DEVICE_REFERENCE = re.compile(rf"device reference §({NUMBER})((?:\s*[-–,]\s*§?{NUMBER})*)")
HEADING = re.compile(rf"^#{{1,6}}\s+({NUMBER})\.?\s", re.MULTILINE)
OUTSIDE = re.compile(r"(?<![\w-])(?:\.\./)?shared/")


# Pages that still point to ``shared/``. An entry goes once its page points into the repository:
# the marks are strict, so a clean page fails here until its entry is removed.
POINTS_OUTSIDE_KNOWN: set[str] = set()


def _rel(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def _params(paths: list[Path]) -> list[object]:
    """One case per file, strict-xfail for the pages of ``POINTS_OUTSIDE_KNOWN``."""
    known = pytest.mark.xfail(strict=True, reason="still points to shared/")
    return [
        pytest.param(p, marks=known if _rel(p) in POINTS_OUTSIDE_KNOWN else (), id=_rel(p))
        for p in paths
    ]


def _resolve(name: str, source: Path) -> Path | None:
    """The repository file a reference ``name`` in ``source`` means, or None."""
    if "/" in name:
        candidates = [source.parent / name, REPO_ROOT / name]
    else:  # a bare name: beside the source, a reference document, the top level, a user guide
        candidates = [source.parent / name, REFERENCE_DIR / name, REPO_ROOT / name]
        candidates.append(REPO_ROOT / "docs" / name)
    for candidate in candidates:
        if candidate.is_file() and REPO_ROOT in candidate.resolve().parents:
            return candidate.resolve()
    return None


def _sections_after(text: str) -> list[str]:
    """Section numbers cited right after a document name: "§5, §10", "s1.2", "sections 2-4"."""
    match = SECTION_START.match(text)
    if match is None:
        return []
    sections = [match.group(1)]
    rest = text[match.end() :]
    while more := SECTION_MORE.match(rest):
        sections.append(more.group(1))
        rest = rest[more.end() :]
    return sections


def _has_section(path: Path, section: str) -> bool:
    """Section ``3`` needs a heading "## 3. ...", section ``3.1`` a heading "### 3.1 ..."."""
    return section in HEADING.findall(path.read_text(encoding="utf-8"))


def _problems(path: Path, text: str | None = None) -> list[str]:
    """Broken references in ``path`` (its ``text``, when given, instead of the file's)."""
    if text is None:
        text = path.read_text(encoding="utf-8", errors="replace")
    found: list[str] = []
    if path.suffix == ".md":
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a web address or an anchor on the same page
            file_part = target.split("#", 1)[0]
            if not (path.parent / file_part).exists():
                found.append(f"link to {target!r}: no such file")
    for match in MD_NAME.finditer(text):
        name = match.group(1)
        resolved = _resolve(name, path)
        if resolved is None:
            found.append(f"{name!r}: not in the repository")
            continue
        if resolved.suffix != ".md":
            continue
        for section in _sections_after(text[match.end() : match.end() + 80]):
            if not _has_section(resolved, section):
                found.append(f"{name} section {section}: no such heading in {_rel(resolved)}")
    device = REFERENCE_DIR / "device.md"
    for match in DEVICE_REFERENCE.finditer(text):
        for section in [match.group(1), *re.findall(NUMBER, match.group(2))]:
            if not _has_section(device, section):
                found.append(f"device reference §{section}: no such heading in docs/reference")
    return found


@pytest.mark.parametrize("path", _params(ALL_FILES))
def test_every_reference_is_in_the_repository(path: Path) -> None:
    problems = _problems(path)
    assert not problems, f"{_rel(path)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", _params(ALL_FILES))
def test_nothing_points_outside_the_repository(path: Path) -> None:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    outside = [
        f"line {i}: {line.strip()}" for i, line in enumerate(lines, 1) if OUTSIDE.search(line)
    ]
    assert not outside, f"{_rel(path)} points outside the repository:\n  " + "\n  ".join(outside)


def test_the_reference_index_lists_every_reference_page() -> None:
    index = (REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    pages = sorted(p.name for p in REFERENCE_DIR.glob("*.md") if p.name != "README.md")
    assert pages, "docs/reference/ holds no reference page"
    missing = [name for name in pages if f"]({name})" not in index]
    assert not missing, f"docs/reference/README.md does not list {missing}"


def test_the_checker_sees_broken_references() -> None:
    # The checks themselves, on text written here: a missing file, a missing section and a
    # pointer outside the repository are found; a good reference passes.
    assert _sections_after("`` §5, §10.1-10.2 and") == ["5", "10.1", "10.2"]
    assert _sections_after(" s1.3-1.4 (Zhang)") == ["1.3", "1.4"]
    assert _sections_after(" sections 5, 6 and 12), amplitudes") == ["5", "6", "12"]
    assert _sections_after(" Table 2.1") == []
    assert _sections_after(" s3, 5-seed check") == ["3"]
    text = (
        "[gone](nowhere.md) and fiber-models.md §10.3 and fiber-models.md §99 "
        "and spinal-cord.md s3.1 and PROTOCOL.md sections 6, 77\n"
    )
    problems = _problems(REPO_ROOT / "docs" / "page.md", text)
    assert problems == [
        "link to 'nowhere.md': no such file",
        "'nowhere.md': not in the repository",
        "fiber-models.md section 99: no such heading in docs/reference/fiber-models.md",
        "PROTOCOL.md section 77: no such heading in docs/reference/PROTOCOL.md",
    ]
    assert OUTSIDE.search("see ../shared/validation/x.csv")
    assert OUTSIDE.search("`shared/reference/device.md`")
    assert not OUTSIDE.search("memory shared with another job")


def _readme_test_command() -> str:
    """The second line of the README's first code block (install and demo, then the tests)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    return block.splitlines()[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = _readme_test_command()
    assert command.startswith("python -m pytest") and "--cov=neurostim" in command
    assert command in ci, f".ci/run does not run the README's test command {command!r}"


def test_the_coverage_floor_is_stated_where_users_read_it() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    floor = pyproject["tool"]["coverage"]["report"]["fail_under"]
    assert 0 < floor <= 100
    for page in ("README.md", "docs/development.md"):
        text = (REPO_ROOT / page).read_text(encoding="utf-8")
        assert f"{floor:g} %" in text, f"{page} does not state the coverage floor {floor:g} %"
