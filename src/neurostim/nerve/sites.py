"""Shipped nerve sites and the loader: site defaults, a user's nerve file, overrides.

``data/sites.toml`` holds per site (sciatic_midthigh, tibial_popliteal, peroneal_popliteal,
femoral_inguinal, median_arm, ulnar_arm, gon_occipital, vagus_cervical; short aliases such as
``sciatic`` or ``vagus``) one ``{value, tag, source}`` row per key. A user's nerve file::

    [nerve]
    site = "vagus_cervical"     # whose defaults fill every key left out
    shape = "ellipse"           # circle | ellipse
    major_mm = 2.4
    minor_mm = 1.8
    epineurium_um = 50
    perineurium_rule = "pelot_human_vn"   # fraction | fixed_um | pelot_{human,pig,rat}_vn
    perineurium_value = 0.03              # the fraction, or the thickness for fixed_um
    n_fascicles = 7                       # packed (seeded) when no [[fascicles]] are given
    fascicle_median_um = 495
    fascicle_sigma_log = 0.27
    min_gap_um = 20
    seed = 0

    [[fascicles]]               # explicit fascicles (traced from histology) replace the packing
    x_mm = 0.3
    y_mm = -0.2
    major_um = 600
    minor_um = 450
    angle_deg = 30
    function = "cutaneous"      # optional: cutaneous | muscle | mixed

    [tissue]
    limb_radius_mm = 55
    nerve_depth_mm = 25
    fat_mm = 5
    encapsulation_um = 0

    conductivity = "nrv"        # top level, before any table: a set, a .toml path, or a table

Unknown keys are refused naming them and the allowed keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neurostim._data import deep_merge
from neurostim.errors import InputError
from neurostim.nerve._io import check_keys, number, read_toml, row_values, shipped_toml
from neurostim.nerve.conductivity import nerve_conductivity
from neurostim.nerve.geometry import Fascicle, NerveGeometry, Tissue
from neurostim.nerve.packing import pack_fascicles
from neurostim.nerve.perineurium import RULES, perineurium_thickness_um

DEFAULT_FRACTION = 0.03
"""§7 ``nerve.perineurium_rule``: fraction 0.03 when a file names the rule without a value."""
DEFAULT_SITE = "sciatic_midthigh"
"""§7 ``nerve.site``."""
NERVE_KEYS = (
    "site",
    "shape",
    "major_mm",
    "minor_mm",
    "epineurium_um",
    "perineurium_rule",
    "perineurium_value",
    "n_fascicles",
    "fascicle_median_um",
    "fascicle_sigma_log",
    "min_gap_um",
    "seed",
)
"""Keys of a nerve file's ``[nerve]`` table."""
FASCICLE_KEYS = ("x_mm", "y_mm", "major_um", "minor_um", "angle_deg", "function")
TISSUE_KEYS = ("limb_radius_mm", "nerve_depth_mm", "fat_mm", "encapsulation_um")
TOP_KEYS = ("nerve", "fascicles", "tissue", "conductivity")
MAX_FASCICLES = 500


def site_names() -> list[str]:
    """The shipped sites, in file order."""
    return list(shipped_toml("sites.toml")["sites"])


def site_aliases() -> dict[str, str]:
    """Short names of the shipped sites (``sciatic`` -> ``sciatic_midthigh``)."""
    return {str(k): str(v) for k, v in shipped_toml("sites.toml")["aliases"].items()}


def resolve_site(site: Any) -> str:
    """The shipped site's name for ``site`` or one of its aliases."""
    doc = shipped_toml("sites.toml")
    if isinstance(site, str) and site in doc["sites"]:
        return site
    if isinstance(site, str) and site in doc["aliases"]:
        return str(doc["aliases"][site])
    allowed = [*doc["sites"], *sorted(doc["aliases"])]
    raise InputError("nerve.site", site, f"unknown site; allowed: {', '.join(allowed)}")


def site_parameters(site: str) -> dict[str, dict[str, Any]]:
    """Every row of a site: ``{key: {"value", "tag", "source"}}``."""
    return {k: dict(v) for k, v in shipped_toml("sites.toml")["sites"][resolve_site(site)].items()}


def site_defaults(site: str) -> dict[str, Any]:
    """A site's defaults as the plain data of a nerve file (``nerve``, ``tissue``, ...)."""
    rows = row_values(shipped_toml("sites.toml")["sites"][resolve_site(site)])
    rules = row_values(shipped_toml("sites.toml")["rules"])
    nerve = {k: rows[k] for k in NERVE_KEYS if k in rows}
    nerve.update(site=resolve_site(site), min_gap_um=rules["min_gap_um"], seed=0)
    return {
        "nerve": nerve,
        "tissue": {k: rows[k] for k in TISSUE_KEYS},
        "conductivity": rows["conductivity"],
        "description": rows["description"],
        "fascicular_ratio": rows["fascicular_ratio"],
        "fascicular_ratio_tolerance": rules["fascicular_ratio_tolerance"],
    }


def load_nerve(
    site: str | None = None, file: str | Path | None = None, **overrides: Any
) -> NerveGeometry:
    """A checked nerve: a site's defaults, then a user's nerve file, then overrides.

    Parameters
    ----------
    site : str, optional
        Shipped site (or alias); default the file's ``nerve.site``, else ``sciatic_midthigh``.
        A site that contradicts the file's is refused.
    file : path, optional
        A nerve TOML file (module docstring); keys it leaves out take the site's defaults.
    **overrides
        ``nerve={...}``, ``fascicles=[...]``, ``tissue={...}``, ``conductivity=...``; tables
        merge key by key, ``fascicles`` replaces.

    Raises
    ------
    InputError
        Unknown key, wrong type, non-positive size, fascicles outside the nerve or overlapping,
        fascicles that cannot be packed: names the field, the value and the allowed range.
    """
    user: dict[str, Any] = read_toml(file, "nerve file") if file is not None else {}
    user = deep_merge(user, overrides)
    check_keys(user, TOP_KEYS, "")
    for table, keys in (("nerve", NERVE_KEYS), ("tissue", TISSUE_KEYS)):
        if table in user:
            if not isinstance(user[table], Mapping):
                raise InputError(table, user[table], "expected a table of keys")
            check_keys(user[table], keys, table)
    chosen = _choose_site(site, file, user.get("nerve", {}).get("site"))
    defaults = site_defaults(chosen)
    nerve = {**defaults["nerve"], **user.get("nerve", {}), "site": chosen}
    tissue = {**defaults["tissue"], **user.get("tissue", {})}
    if nerve["shape"] == "circle" and "minor_mm" not in user.get("nerve", {}):
        nerve["minor_mm"] = nerve["major_mm"]  # a circle's one diameter
    rule, value = _perineurium(nerve, user.get("nerve", {}))
    conductivity = user.get("conductivity", defaults["conductivity"])
    if isinstance(conductivity, str) and conductivity.endswith(".toml") and file is not None:
        path = Path(conductivity)  # a set file named in the nerve file: relative to it
        conductivity = path if path.is_absolute() else Path(file).parent / path
    sigma = nerve_conductivity(conductivity, base=defaults["conductivity"])
    seed = _int("nerve.seed", nerve["seed"], low=0)
    number("nerve.major_mm", nerve["major_mm"], unit="mm")
    if nerve["shape"] == "circle" and nerve["minor_mm"] != nerve["major_mm"]:  # before any packing
        raise InputError(
            "nerve.minor_mm",
            nerve["minor_mm"],
            f"a circle has minor_mm = major_mm "
            f"= {nerve['major_mm']!r}; leave it out or use shape = 'ellipse'",
        )
    if "fascicles" in user:
        fascicles = _explicit(user["fascicles"], rule, value)
    else:
        fascicles = _packed(nerve, rule, value, seed)
    return NerveGeometry(
        site=chosen,
        shape=str(nerve["shape"]),
        major_mm=nerve["major_mm"],
        minor_mm=nerve["minor_mm"],
        epineurium_um=nerve["epineurium_um"],
        perineurium_rule=rule,
        perineurium_value=value,
        fascicles=fascicles,
        explicit_fascicles="fascicles" in user,
        seed=seed,
        tissue=Tissue(**tissue),
        conductivity=sigma,
        fascicular_ratio_target=float(defaults["fascicular_ratio"]),
        fascicular_ratio_tolerance=float(defaults["fascicular_ratio_tolerance"]),
    )


def nerve_from_toml(path: str | Path) -> NerveGeometry:
    """The nerve described by a TOML file (its ``nerve.site`` gives the defaults)."""
    return load_nerve(file=path)


def _choose_site(site: str | None, file: Any, in_file: Any) -> str:
    if site is not None and in_file is not None and resolve_site(site) != resolve_site(in_file):
        raise InputError(
            "nerve.site",
            site,
            f"the nerve file {file} says site = {in_file!r}; give one site or leave it out",
        )
    return resolve_site(in_file or site or DEFAULT_SITE)


def _perineurium(nerve: dict[str, Any], given: Mapping[str, Any]) -> tuple[str, float]:
    """The rule and its value; a rule changed without a value takes §7's fraction 0.03, and
    ``fixed_um`` needs its thickness."""
    rule = nerve["perineurium_rule"]
    if rule not in RULES:
        raise InputError("nerve.perineurium_rule", rule, f"one of {', '.join(RULES)}")
    default_rule = site_defaults(nerve["site"])["nerve"]["perineurium_rule"]
    if "perineurium_value" not in given and rule != default_rule:
        if rule == "fixed_um":
            raise InputError(
                "nerve.perineurium_value", "(missing)", "give the thickness (um) of rule 'fixed_um'"
            )
        nerve["perineurium_value"] = DEFAULT_FRACTION if rule == "fraction" else 0.0
    value = nerve["perineurium_value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("nerve.perineurium_value", value, "a number")
    return str(rule), float(value)


def _int(field: str, value: Any, low: int, high: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        raise InputError(field, value, f"an integer in [{low}, {high if high else 'inf'}]")
    return int(value)


def _explicit(items: Any, rule: str, value: float) -> tuple[Fascicle, ...]:
    if not isinstance(items, list) or not items:
        raise InputError("fascicles", items, "a non-empty list of [[fascicles]] tables")
    out = []
    for i, f in enumerate(items):
        if not isinstance(f, Mapping):
            raise InputError(f"fascicles[{i}]", f, "a table with x_mm, y_mm, major_um, minor_um")
        check_keys(f, FASCICLE_KEYS, f"fascicles[{i}]")
        for key in ("x_mm", "y_mm", "major_um", "minor_um"):
            if key not in f:
                raise InputError(f"fascicles[{i}].{key}", "(missing)", "required")
        major = number(f"fascicles[{i}].major_um", f["major_um"], unit="um")
        minor = number(f"fascicles[{i}].minor_um", f["minor_um"], unit="um")
        d = (major * minor) ** 0.5
        out.append(
            Fascicle(
                x_mm=f["x_mm"],
                y_mm=f["y_mm"],
                major_um=major,
                minor_um=minor,
                angle_deg=f.get("angle_deg", 0.0),
                function=f.get("function", "mixed"),
                perineurium_um=float(perineurium_thickness_um(d, rule, value)),
            )
        )
    return tuple(out)


def _packed(nerve: dict[str, Any], rule: str, value: float, seed: int) -> tuple[Fascicle, ...]:
    n = _int("nerve.n_fascicles", nerve["n_fascicles"], low=1, high=MAX_FASCICLES)
    major = number("nerve.major_mm", nerve["major_mm"], unit="mm")
    minor = number("nerve.minor_mm", nerve["minor_mm"], high=major, unit="mm (at most major_mm)")
    epi = number(
        "nerve.epineurium_um",
        nerve["epineurium_um"],
        low=0.0,
        low_open=False,
        high=minor / 2.0 * 1000.0,
        unit="um",
    )
    centres, diam = pack_fascicles(
        major_mm=major,
        minor_mm=minor,
        epineurium_um=epi,
        n_fascicles=n,
        median_um=number("nerve.fascicle_median_um", nerve["fascicle_median_um"], unit="um"),
        sigma_log=number(
            "nerve.fascicle_sigma_log",
            nerve["fascicle_sigma_log"],
            low=0.0,
            low_open=False,
            high=2.0,
        ),
        perineurium_rule=rule,
        perineurium_value=value,
        min_gap_um=number(
            "nerve.min_gap_um", nerve["min_gap_um"], low=0.0, low_open=False, high=1000.0, unit="um"
        ),
        seed=seed,
    )
    thickness = perineurium_thickness_um(diam, rule, value)
    return tuple(
        Fascicle(float(c[0]), float(c[1]), float(d), float(d), 0.0, "mixed", float(t))
        for c, d, t in zip(centres, diam, thickness, strict=True)
    )


__all__ = [
    "DEFAULT_SITE",
    "load_nerve",
    "nerve_from_toml",
    "resolve_site",
    "site_aliases",
    "site_defaults",
    "site_names",
    "site_parameters",
]
