"""``neurostim devices``: the lead and stimulator catalogs.

Catalog entries can come from the user's own files (``NEUROSTIM_LEAD_PATH``,
``NEUROSTIM_PROFILE_PATH``), so every name, id and source is escaped before Rich prints it.
"""

from __future__ import annotations

import typer
from rich.table import Table

from neurostim.cli._common import OneLineErrors, console, escape, guarded, print_json
from neurostim.device import list_leads, list_profiles, load_lead, load_profile
from neurostim.errors import InputError

app = typer.Typer(help="Lead and stimulator (IPG) catalogs.", no_args_is_help=True)


@app.command("list", cls=OneLineErrors)
@guarded
def list_command(
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """List the lead models and stimulator profiles."""
    leads = [load_lead(i) for i in list_leads()]
    profiles = [load_profile(i) for i in list_profiles()]
    if json_out:
        print_json(
            {
                "leads": [{"id": x.id, "name": x.name, "n_contacts": x.n_contacts} for x in leads],
                "profiles": [
                    {"id": p.id, "name": p.name, "families": p.families} for p in profiles
                ],
            }
        )
        return
    t = Table(title="Leads")
    t.add_column("id", no_wrap=True)
    for col in ("contacts", "area (mm²)", "representative", "name"):
        t.add_column(col)
    for x in leads:
        areas = sorted({c.surface_area_mm2 for c in x.contacts})
        t.add_row(
            escape(x.id),
            str(x.n_contacts),
            ", ".join(f"{a:g}" for a in areas),
            "yes" if x.representative else "no",
            escape(x.name),
        )
    console.print(t)
    t = Table(title="Stimulator profiles")
    t.add_column("id", no_wrap=True)
    for col in ("contacts", "families", "amplitude", "battery"):
        t.add_column(col)
    for p in profiles:
        t.add_row(
            escape(p.id),
            str(p.n_contacts),
            escape(", ".join(p.families)),
            escape(p.amplitude_ma.describe("mA")),
            escape(f"{p.battery.kind}, {p.battery.capacity_mah:g} mAh"),
        )
    console.print(t)


@app.command("show", cls=OneLineErrors)
@guarded
def show_command(
    ident: str = typer.Argument(..., metavar="ID", help="A lead or stimulator profile id."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show one lead (contacts, positions, areas) or stimulator profile (ranges, battery)."""
    if ident in list_leads():
        lead = load_lead(ident)
        if json_out:
            print_json({"type": "lead", **lead.model_dump()})
            return
        t = Table(title=escape(f"{lead.id}: {lead.name}"), caption=escape(f"source: {lead.source}"))
        for col in ("contact", "position (mm)", "shape", "area (mm²)"):
            t.add_column(col)
        for c in lead.contacts:
            pos = ", ".join(f"{v:g}" for v in c.position_mm)
            t.add_row(escape(c.id), pos, escape(c.shape), f"{c.surface_area_mm2:g}")
        console.print(t)
        return
    if ident in list_profiles():
        p = load_profile(ident)
        if json_out:
            print_json({"type": "profile", **p.model_dump()})
            return
        t = Table(title=escape(f"{p.id}: {p.name}"), caption=escape(f"source: {p.source}"))
        t.add_column("setting")
        t.add_column("value")
        rows = [
            ("contacts", str(p.n_contacts)),
            ("programs / trains per program", f"{p.n_programs} / {p.max_trains}"),
            ("families", ", ".join(p.families)),
            ("recharge", ", ".join(p.recharge)),
            ("amplitude", p.amplitude_ma.describe("mA")),
            ("pulse width", p.pulse_width_us.describe("us")),
            ("rate (tonic)", p.rate_hz.describe("Hz")),
        ]
        for key, label, unit in (
            ("high_frequency_rate_hz", "rate (high-frequency)", "Hz"),
            ("burst_rate_hz", "burst rate", "Hz"),
            ("intraburst_rate_hz", "intraburst rate", "Hz"),
            ("pulses_per_burst", "pulses per burst", "pulses"),
        ):
            rng = getattr(p, key)
            if rng is not None:
                rows.append((label, rng.describe(unit)))
        b = p.battery
        rows += [
            ("compliance", f"{p.compliance_v:g} V"),
            ("default impedance", f"{p.default_impedance_ohm:g} ohm"),
            ("battery", f"{b.kind}, {b.chemistry}, {b.capacity_mah:g} mAh"),
            (
                "drain model",
                f"supply x{b.supply_factor:g}, recharge cost {b.active_recharge_cost:g}"
                f", quiescent {b.quiescent_ua:g} uA, overhead {b.overhead_ua:g} uA",
            ),
            ("representative", "yes" if p.representative else "no"),
        ]
        for k, v in rows:
            t.add_row(k, escape(v))
        console.print(t)
        return
    choices = ", ".join(list_leads() + list_profiles())
    raise InputError("ID", ident, f"not a lead or stimulator profile id; choose one of {choices}")
