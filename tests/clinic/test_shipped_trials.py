"""The shipped calibration protocols: they load, they carry the specification's numbers, every
source key is listed in the documentation, and the held-back trials are absent."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from neurostim.clinic import list_protocols, shipped_protocol
from neurostim.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[2]
TRIALS = Path(str(resources.files("neurostim.clinic").joinpath("data", "trials")))
PROGRAMS = TRIALS / "programs"
STUDIES = [
    "dtm-rct",
    "process",
    "rauck-2006",
    "senza-pdn",
    "senza-rct",
    "staats-2004",
    "sunburst",
    "trial-stim",
]
PROGRAM_FILES = {"tonic", "khz10", "burst", "dtm", "ziconotide-rauck", "ziconotide-staats"}


def test_the_calibration_studies_are_shipped() -> None:
    assert list_protocols() == STUDIES


@pytest.mark.parametrize("name", STUDIES)
def test_shipped_protocol_loads(name: str) -> None:
    # program files are checked once they are shipped beside the protocols
    p = shipped_protocol(name, check_files=PROGRAMS.is_dir())
    assert p.name == name
    for arm in p.arm_ids:
        path = p.program_path(arm)
        if path is not None:
            assert path.parent == TRIALS / "programs"
            assert path.stem in PROGRAM_FILES
    for e in p.endpoints:
        if e.published:
            assert e.source, f"{name}.{e.id} has a published value without a source"
    for d in p.differences:
        if d.published is not None:
            assert d.source


def test_unknown_shipped_protocol() -> None:
    with pytest.raises(InputError, match="process"):
        shipped_protocol("evoke")


def test_held_back_trials_are_absent() -> None:
    for path in TRIALS.rglob("*.toml"):
        text = path.read_text(encoding="utf-8").lower()
        assert "evoke" not in text and "accurate" not in text, path


# n randomized per arm and published values restated from the specification (calibration
# trials, CMM and IT placebo anchors); a transcription error in a protocol file fails here.
N_PER_ARM = {
    "process": {"scs": 52, "cmm": 48},
    "senza-rct": {"khz10": 101, "tonic": 97},
    "senza-pdn": {"khz10": 113, "cmm": 103},
    "dtm-rct": {"dtm": 67, "tonic": 61},
    "rauck-2006": {"ziconotide": 112, "placebo": 108},
}
PUBLISHED = [
    ("process", "leg_responder_6", {"scs": 0.48, "cmm": 0.09}),
    ("process", "leg_responder_12", {"scs": 0.34, "cmm": 0.07}),
    ("process", "leg_responder_24_mitt", {"scs": 0.37, "cmm": 0.02}),
    ("process", "leg_responder_24_as_treated", {"scs": 0.47, "cmm": 0.07}),
    ("process", "revision_24", {"scs": 0.31}),
    ("senza-rct", "back_responder_3", {"khz10": 0.845, "tonic": 0.438}),
    ("senza-rct", "leg_responder_3", {"khz10": 0.831, "tonic": 0.555}),
    ("senza-rct", "back_responder_18", {"khz10": 0.759, "tonic": 0.477}),
    ("senza-rct", "leg_responder_18", {"khz10": 0.770, "tonic": 0.538}),
    ("senza-rct", "back_responder_24", {"khz10": 0.765, "tonic": 0.493}),
    ("senza-rct", "leg_responder_24", {"khz10": 0.729, "tonic": 0.493}),
    ("senza-rct", "back_mean_24", {"khz10": 2.4, "tonic": 4.5}),
    ("senza-rct", "leg_percent_change_24", {"khz10": -65.1, "tonic": -46.0}),
    ("senza-pdn", "responder_6", {"khz10": 0.79, "cmm": 0.05}),
    ("senza-pdn", "responder_12", {"khz10": 0.86}),
    ("senza-pdn", "responder_12_crossed", {"cmm": 0.84}),
    ("senza-pdn", "responder_24", {"khz10": 0.901}),
    ("dtm-rct", "back_responder_3", {"dtm": 0.801, "tonic": 0.512}),
    ("dtm-rct", "back_mean_change_3", {"dtm": -5.36, "tonic": -3.37}),
    ("rauck-2006", "percent_change_3wk", {"ziconotide": -14.7, "placebo": -7.2}),
    ("staats-2004", "percent_change_titration", {"ziconotide": -53.1, "placebo": -18.1}),
    ("staats-2004", "mme_percent_change_titration", {"ziconotide": -9.9, "placebo": 5.1}),
]


@pytest.mark.parametrize(("name", "n"), N_PER_ARM.items())
def test_arm_sizes(name: str, n: dict[str, int]) -> None:
    p = shipped_protocol(name, check_files=False)
    assert {a.id: a.n for a in p.arms} == n


@pytest.mark.parametrize(("name", "endpoint", "values"), PUBLISHED)
def test_published_values(name: str, endpoint: str, values: dict[str, float]) -> None:
    e = shipped_protocol(name, check_files=False).endpoint(endpoint)
    assert e.published == values


def test_differences_from_the_papers() -> None:
    d = shipped_protocol("trial-stim", check_files=False).differences[0]
    assert (d.published, d.published_ci95) == (-0.60, (-1.83, 0.63))
    ratios = {
        d.id: d.published for d in shipped_protocol("senza-rct", check_files=False).differences
    }
    assert ratios == {"back_responder_3_ratio": 1.9, "leg_responder_3_ratio": 1.5}


def _documented_keys() -> set[str]:
    text = (REPO_ROOT / "docs" / "clinic-protocols.md").read_text(encoding="utf-8")
    sources = text.split("## Sources", 1)[1]
    return set(re.findall(r"^- \*\*([\w-]+)\*\*", sources, flags=re.M))


@pytest.mark.parametrize("name", STUDIES)
def test_source_keys_are_documented(name: str) -> None:
    keys = _documented_keys()
    p = shipped_protocol(name, check_files=False)
    texts = [p.source, p.inclusion.source, *(e.source for e in p.endpoints)]
    texts += [d.source for d in p.differences]
    if p.crossover is not None:
        texts.append(p.crossover.source)
    for text in texts:
        for token in re.findall(r"\b([A-Z][\w-]*\d[\w-]*|MDT-[A-Z]|SB(?:-[a-z]+)?)\b", text):
            assert token in keys, f"{name}: source key {token} is not in docs/clinic-protocols.md"


@pytest.mark.parametrize("name", STUDIES)
def test_every_endpoint_is_in_the_studies_table(name: str) -> None:
    text = (REPO_ROOT / "docs" / "clinic-protocols.md").read_text(encoding="utf-8")
    section = text.split(f"### {name}:", 1)[1].split("\n### ", 1)[0]
    p = shipped_protocol(name, check_files=False)
    for item in [*p.endpoints, *p.differences]:
        assert f"| {item.id} |" in section, f"{name}.{item.id} missing from the docs table"
