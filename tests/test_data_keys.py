"""Every key of the shipped data files is read by the code (no parameter shipped but unused).

Fiber and circuit data: the files are loaded through a recording ``tomllib.loads`` (every table
becomes a dict that notes which keys are read), the code that consumes them runs, and any key
never read fails the test with its path. Iterating over a table (``items()``, ``dict(t)``) reads
all its keys. ``source`` keys (and ``*_source``, ``note``, ``*_note``) are provenance and
remarks: the loaders return them with the data (``mrg_parameters()``, ``load_parameters()``),
so they count as read.

Patient data (indications, regions): the same recording check, running the cohort generator.

Device data are validated by pydantic models that forbid unknown keys, so every key is a model
field; the check is that every field is read somewhere in ``src/neurostim`` (as ``.field``).
Intrathecal data are checked by their own loaders' tests.
"""

from __future__ import annotations

import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

DOCUMENTATION = ("source", "note")
"""Keys named so, or ending in ``_source``/``_note``: provenance and remarks that the loaders
return with the data (they are read by whoever reads the returned table)."""
SRC = Path(__file__).resolve().parents[1] / "src" / "neurostim"


class _Recorder(dict):  # type: ignore[type-arg]
    """A dict that records the keys read from it into ``reads`` (paths like ``a.b[].c``)."""

    def __init__(self, data: dict[str, Any], path: str, reads: set[str]) -> None:
        super().__init__({k: _wrap(v, f"{path}{k}", reads) for k, v in data.items()})
        self._path, self._reads = path, reads

    def _read(self, key: object) -> None:
        self._reads.add(f"{self._path}{key}")

    def _read_all(self) -> None:
        for key in dict.keys(self):
            self._read(key)
            _mark_all(dict.__getitem__(self, key), self._reads)

    def __getitem__(self, key: str) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._read(key)
        return super().get(key, default)

    def items(self):  # type: ignore[no-untyped-def, override]
        self._read_all()
        return super().items()

    def values(self):  # type: ignore[no-untyped-def, override]
        self._read_all()
        return super().values()

    def keys(self):  # type: ignore[no-untyped-def, override]
        self._read_all()
        return super().keys()

    def __iter__(self) -> Iterator[str]:
        self._read_all()
        return super().__iter__()


def _wrap(value: Any, path: str, reads: set[str]) -> Any:
    if isinstance(value, dict):
        return _Recorder(value, path + ".", reads)
    if isinstance(value, list):
        return [_wrap(v, path + "[]", reads) for v in value]
    return value


def _mark_all(value: Any, reads: set[str]) -> None:
    if isinstance(value, _Recorder):
        value._read_all()
    elif isinstance(value, list):
        for v in value:
            _mark_all(v, reads)


def _key_paths(data: Any, path: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(data, dict):
        for k, v in data.items():
            out.add(f"{path}{k}")
            out |= _key_paths(v, f"{path}{k}.")
    elif isinstance(data, list):
        for v in data:
            out |= _key_paths(v, path.rstrip(".") + "[].")
    return out


def _unread(
    package: str, name: str, run: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Keys of ``package``/data/``name`` that ``run`` does not read (provenance excepted)."""
    text = resources.files(package).joinpath(f"data/{name}").read_text(encoding="utf-8")
    reads: set[str] = set()
    real_loads = tomllib.loads

    def recording_loads(s: str, **kw: Any) -> Any:
        data = real_loads(s, **kw)
        return _Recorder(data, "", reads) if s == text else data

    monkeypatch.setattr(tomllib, "loads", recording_loads)
    run()
    monkeypatch.undo()
    return sorted(p for p in _key_paths(real_loads(text)) - reads if not _documentation(p))


def _documentation(path: str) -> bool:
    key = path.rsplit(".", 1)[-1]
    return any(key == d or key.endswith(f"_{d}") for d in DOCUMENTATION)


def _fibers_mrg() -> None:
    from neurostim.fibers import mrg

    mrg.mrg_parameters.cache_clear()
    try:
        for d in mrg.mrg_diameters_um():
            mrg.mrg_geometry(d, 5)
    finally:
        mrg.mrg_parameters.cache_clear()


def _fibers_mrg_interpolation() -> None:
    from neurostim.fibers import mrg_interpolation as mi

    mi.mrg_interpolation_parameters.cache_clear()
    try:
        for d in (2.0, 10.0):  # both node-spacing branches
            mi.mrg_interpolation_geometry(d, 5)
    finally:
        mi.mrg_interpolation_parameters.cache_clear()


def _fibers_sundt() -> None:
    from neurostim.fibers import sundt

    sundt.sundt_parameters.cache_clear()
    try:
        sundt.sundt_geometry(1.0, 11)
    finally:
        sundt.sundt_parameters.cache_clear()


def _fibers_c_neuron() -> None:
    from neurostim.fibers import cells

    cells.c_neuron_parameters.cache_clear()
    try:
        cells.c_neuron_geometry()
    finally:
        cells.c_neuron_parameters.cache_clear()


def _fibers_sundt_slow() -> None:
    from neurostim.fibers import cells, slow_channels

    slow_channels.slow_parameters.cache_clear()
    try:
        for name in cells.MECHANISM_SETS:
            cells.c_neuron_geometry(axon_length_um=100.0, mechanisms=name)
    finally:
        slow_channels.slow_parameters.cache_clear()


def _fibers_tigerholm() -> None:
    from neurostim.fibers import tigerholm, tigerholm_channels

    tigerholm_channels.tigerholm_parameters.cache_clear()
    try:
        tigerholm.tigerholm_diameter_range_um()
        tigerholm.tigerholm_geometry(0.8, 5)
    finally:
        tigerholm_channels.tigerholm_parameters.cache_clear()


def _circuit() -> None:
    """What the circuit code reads: the network, its inputs, the paradigms, the plots."""
    import matplotlib

    matplotlib.use("Agg")
    from neurostim.circuit import network
    from neurostim.circuit.afferents import windup_volleys
    from neurostim.circuit.plots import plot_frequency_response
    from neurostim.circuit.programs import KilohertzTrain, TonicTrain
    from neurostim.circuit.sagalajev import simulate_synchrony
    from neurostim.circuit.simulate import Condition, build_inputs

    network.load_parameters.cache_clear()
    try:
        for realization in ("foreman", "windup"):
            net = network.build_network(realization)
            network.build_network(realization, fine=True)
        states = network.load_parameters("afferents")["pain_states"]
        for state in list(dict.keys(states)):
            for program in (None, TonicTrain(50.0), KilohertzTrain(10000.0)):
                cond = Condition(program=program, pain_state=state, duration_ms=50.0,
                                 stim_start_ms=10.0)  # fmt: skip
                build_inputs(net, cond)
        groups = net.fiber_group_names
        windup_volleys({g: net.fiber_offset(g) for g in groups},
                       {g: int(net.n_fibers[groups.index(g)]) for g in groups})  # fmt: skip
        simulate_synchrony([np.array([1.0, 2.0])], duration_ms=5.0)
        row = {"rate_hz": 10.0, "wdr_hz": 1.0, "wdr_noci_hz": 1.0, "ex_hz": 1.0,
               "paradigm": "p", "realization": "foreman", "block": "none"}  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            plot_frequency_response([row], Path(tmp) / "f.png")
    finally:
        network.load_parameters.cache_clear()


def _patient_indications() -> None:
    """Every indication drawn (with and without a protocol's NRS floor), posture dCSF read."""
    from neurostim.patient import generate_cohort, indication_names, indications, posture_dcsf_mm

    indications._shipped.cache_clear()
    try:
        for name in indication_names():
            posture_dcsf_mm(generate_cohort(name, 10, 0))
            generate_cohort(name, 10, 0, inclusion={"baseline_nrs_min": 6.0})
    finally:
        indications._shipped.cache_clear()


def _patient_pain_model() -> None:
    """The parameters, and the bounds of those the calibration fits."""
    from neurostim.patient.pain import fitted_parameters, load_parameters

    load_parameters()
    fitted_parameters()


def _patient_regions() -> None:
    from neurostim.patient import load_regions

    load_regions()


def _clinic_outcomes() -> None:
    from neurostim.clinic._params import outcome_parameters

    outcome_parameters.cache_clear()
    try:
        outcome_parameters()
    finally:
        outcome_parameters.cache_clear()


def _clinic_pathway() -> None:
    from neurostim.clinic.parameters import load_pathway_parameters

    load_pathway_parameters()


def _clinic_pns() -> None:
    """The course parameters, every shipped study (their endpoints) and every lead type."""
    from neurostim.clinic import pns

    pns._shipped.cache_clear()
    try:
        for name in pns.pns_study_names():
            pns.run_pns_study(name, replicates=1, seed=0)
        pns.lead_type("pns-4")
    finally:
        pns._shipped.cache_clear()


FILES: list[tuple[str, str, Callable[[], None]]] = [
    ("neurostim.clinic", "pathway.toml", _clinic_pathway),
    ("neurostim.clinic", "pns.toml", _clinic_pns),
    ("neurostim.clinic", "outcomes.toml", _clinic_outcomes),
    ("neurostim.fibers", "mrg.toml", _fibers_mrg),
    ("neurostim.fibers", "mrg_interpolation.toml", _fibers_mrg_interpolation),
    ("neurostim.fibers", "sundt.toml", _fibers_sundt),
    ("neurostim.fibers", "drg_c_neuron.toml", _fibers_c_neuron),
    ("neurostim.fibers", "sundt_slow.toml", _fibers_sundt_slow),
    ("neurostim.fibers", "tigerholm.toml", _fibers_tigerholm),
    ("neurostim.fibers", "nerve_fibers.toml", lambda: _fibers_nerve()),
    ("neurostim.patient", "indications.toml", _patient_indications),
    ("neurostim.patient", "regions.toml", _patient_regions),
    ("neurostim.patient", "pain_model.toml", _patient_pain_model),
    ("neurostim.patient", "fitted.toml", _patient_pain_model),
    *[
        ("neurostim.circuit", f"{name}.toml", _circuit)
        for name in ("zhang2014", "afferents", "sagalajev2024", "published")
    ],
]


def test_every_data_file_is_checked() -> None:
    shipped = {
        (pkg, p.name)
        for pkg in (
            "neurostim.fibers",
            "neurostim.circuit",
            "neurostim.patient",
            "neurostim.clinic",
        )
        for p in resources.files(pkg).joinpath("data").iterdir()
        if p.name.endswith(".toml")
    }
    assert shipped == {(pkg, name) for pkg, name, _ in FILES}


@pytest.mark.parametrize(("package", "name", "run"), FILES, ids=[f[1] for f in FILES])
def test_every_key_is_read(
    package: str, name: str, run: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    unread = _unread(package, name, run, monkeypatch)
    assert not unread, f"{package}/data/{name}: keys never read by the code: {unread}"


def test_the_recorder_finds_an_unread_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a key added to a data file and read by nobody is reported."""
    from neurostim.fibers import sundt

    original = resources.files("neurostim.fibers").joinpath("data/sundt.toml").read_text()

    class _Files:
        def joinpath(self, _: str) -> _Files:
            return self

        def read_text(self, **_: Any) -> str:
            return original + "\n[unused_table]\nshipped_but_unread_mv = 1.0\n"

    monkeypatch.setattr(resources, "files", lambda _: _Files())
    unread = _unread("neurostim.fibers", "sundt.toml", _fibers_sundt, monkeypatch)
    assert unread == ["unused_table", "unused_table.shipped_but_unread_mv"]
    assert sundt  # the module under test was imported


def _models() -> list[type[BaseModel]]:
    from neurostim.device.leads import Contact, Lead
    from neurostim.device.profiles import BatteryParameters, StimulatorProfile

    return [Lead, Contact, StimulatorProfile, BatteryParameters]


def _field_reads() -> str:
    text = []
    for path in SRC.rglob("*.py"):
        text.append(path.read_text(encoding="utf-8"))
    return "\n".join(text)


def test_device_data_keys_are_model_fields_that_the_code_reads() -> None:
    from neurostim.device._private import catalog_files
    from neurostim.device.leads import load_lead_file
    from neurostim.device.profiles import load_profile_file

    for path in catalog_files("leads").values():
        load_lead_file(path)  # extra keys are refused by the model
    for path in catalog_files("profiles").values():
        load_profile_file(path)
    code = _field_reads()
    unread = []
    for model in _models():
        for field in model.model_fields:
            if _documentation(field):
                continue
            if not re.search(rf"\.{field}\b|[\"']{field}[\"']", code):
                unread.append(f"{model.__name__}.{field}")
    assert not unread, f"device data fields that no code reads: {unread}"


def _nerve_everything() -> None:
    """Every site, cuff and conductivity set loaded, with their rows and sources."""
    from neurostim.nerve import (
        conductivity_names,
        cuff,
        cuff_names,
        load_nerve,
        nerve_conductivity,
        resolve_site,
        site_aliases,
        site_names,
        site_parameters,
    )
    from neurostim.nerve._io import shipped_toml

    shipped_toml.cache_clear()
    try:
        for site in site_names():
            site_parameters(site)
            load_nerve(site)
        for alias in site_aliases():
            resolve_site(alias)
        for preset in cuff_names():
            cuff(preset)
        for name in conductivity_names():
            nerve_conductivity(name)
    finally:
        shipped_toml.cache_clear()


def _fibers_nerve() -> None:
    from neurostim.fibers import nerve as nerve_fibers_module
    from neurostim.nerve import load_nerve

    nerve_fibers_module._document.cache_clear()
    try:
        nerve_fibers_module.nerve_fibers(load_nerve("gon"), per_class_per_fascicle=None)
        nerve_fibers_module.fiber_classes()
    finally:
        nerve_fibers_module._document.cache_clear()


NERVE_FILES: list[tuple[str, str, Callable[[], None]]] = [
    ("neurostim.nerve", "sites.toml", _nerve_everything),
    ("neurostim.nerve", "cuffs.toml", _nerve_everything),
    *[
        ("neurostim.nerve", f"conductivity/{name}.toml", _nerve_everything)
        for name in ("ascent_default", "bucksot2019", "nrv")
    ],
    ("neurostim.fibers", "nerve_fibers.toml", _fibers_nerve),
]


def test_every_nerve_data_file_is_checked() -> None:
    root = resources.files("neurostim.nerve").joinpath("data")
    shipped = {p.name for p in root.iterdir() if p.name.endswith(".toml")}
    shipped |= {f"conductivity/{p.name}" for p in root.joinpath("conductivity").iterdir()}
    assert shipped == {name for pkg, name, _ in NERVE_FILES if pkg == "neurostim.nerve"}


@pytest.mark.parametrize(("package", "name", "run"), NERVE_FILES, ids=[f[1] for f in NERVE_FILES])
def test_every_nerve_key_is_read(
    package: str, name: str, run: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    unread = _unread(package, name, run, monkeypatch)
    assert not unread, f"{package}/data/{name}: keys never read by the code: {unread}"


def _rows(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``{value, ...}`` row of a document, with its dotted path."""
    if isinstance(data, dict):
        if "value" in data:
            yield path, data
            return
        for k, v in data.items():
            yield from _rows(v, f"{path}.{k}" if path else k)


@pytest.mark.parametrize(("package", "name", "run"), NERVE_FILES, ids=[f[1] for f in NERVE_FILES])
def test_every_nerve_number_has_a_tag_and_a_source(
    package: str, name: str, run: Callable[[], None]
) -> None:
    text = resources.files(package).joinpath(f"data/{name}").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    rows = list(_rows(data))
    assert rows
    for path, row in rows:
        assert row.get("tag") in {"S", "C", "R", "V", "ours"}, (name, path)
        assert str(row.get("source", "")).strip(), (name, path)
    for preset, table in data.get("cuffs", {}).items():  # contacts: one tag and source per cuff
        assert table["contacts_tag"] in {"S", "C", "R", "ours"} and table["contacts_source"], preset


def _ecap_parameters() -> None:
    from neurostim.ecap import _params

    _params._shipped.cache_clear()
    try:
        _params.parameter_table()
        _params.ecap_parameters()
    finally:
        _params._shipped.cache_clear()


def _ecap_loop() -> None:
    from neurostim.device import load_program
    from neurostim.ecap import closed_form_plant, load_schedule, maps, run_loop

    maps.loop_parameters.cache_clear()
    try:
        root = Path(__file__).resolve().parents[1]
        program = load_program(root / "tests" / "ecap" / "data" / "ecap-loop-example.toml")
        schedule = load_schedule("day")
        example = maps.build_map(closed_form_plant(), [3.0, 5.0, 7.0, 9.5])
        for controller in ("per-pulse", "control-pulses"):
            run_loop(program, schedule, example, controller=controller, minutes=0.1)
    finally:
        maps.loop_parameters.cache_clear()


def _ecap_closed_form() -> None:
    from neurostim.ecap import closed_form_plant

    closed_form_plant()


def _ecap_transients() -> None:
    from neurostim.ecap import posture

    posture.transient_kinds.cache_clear()
    try:
        posture.transient_kinds()
    finally:
        posture.transient_kinds.cache_clear()


ECAP_FILES: list[tuple[str, str, Callable[[], None]]] = [
    ("neurostim.ecap", "ecap.toml", _ecap_parameters),
    ("neurostim.ecap", "loop.toml", _ecap_loop),
    ("neurostim.ecap", "closed_form.toml", _ecap_closed_form),
    ("neurostim.ecap", "transients.toml", _ecap_transients),
]


def test_every_ecap_data_file_is_checked() -> None:
    root = resources.files("neurostim.ecap").joinpath("data")
    shipped = {p.name for p in root.iterdir() if p.name.endswith(".toml")}
    assert shipped == {name for _, name, _ in ECAP_FILES}


@pytest.mark.parametrize(("package", "name", "run"), ECAP_FILES, ids=[f[1] for f in ECAP_FILES])
def test_every_ecap_key_is_read(
    package: str, name: str, run: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    unread = _unread(package, name, run, monkeypatch)
    assert not unread, f"{package}/data/{name}: keys never read by the code: {unread}"
