"""``neurostim drg``: dorsal root ganglion stimulation.

``drg follow``: train following at a pseudounipolar neuron's T junction
(``neurostim.drg.follow.train_following``, drg.md §4 P4). Each command lives in its own
function below and registers itself on the group ``app``.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from neurostim.cli._common import OneLineErrors, console, guarded, print_json
from neurostim.errors import InputError

app = typer.Typer(
    help="Dorsal root ganglion stimulation: neurons and trains.", no_args_is_help=True
)


def _rates(text: str | None) -> list[float] | None:
    if text is None:
        return None
    out = []
    for part in text.split(","):
        try:
            out.append(float(part))
        except ValueError:
            raise InputError(
                "rates_hz", part, "comma-separated rates in Hz, e.g. 10,20,50"
            ) from None
    return out


# --- drg follow -------------------------------------------------------------------------------


@app.command("follow", cls=OneLineErrors)
@guarded
def follow_command(
    neuron_type: str = typer.Option(..., "--type", help="Neuron type: c, adelta or abeta."),
    mechanisms: str = typer.Option(
        "na-k", help="Mechanism set: na-k, m, m-ca-sk, m-ca-sk-pump (slow sets: when available)."
    ),
    rates_hz: str | None = typer.Option(
        None, "--rates-hz", help="Train rates (Hz), comma-separated; default 10-500 Hz."
    ),
    pulses: int = typer.Option(20, help="Pulses per train."),
    direction: str = typer.Option(
        "orthodromic", help="orthodromic (peripheral -> central) or antidromic."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Highest train rate at which every pulse crosses the T junction (intracellular pulses on
    the peripheral branch, APs counted at the central end)."""
    from neurostim.drg.follow import train_following

    result = train_following(neuron_type, mechanisms=mechanisms, rates_hz=_rates(rates_hz),
                             n_pulses=pulses, direction=direction)  # fmt: skip
    data = result.as_dict()
    if as_json:
        print_json(data)
        return
    _print_follow(data)


def _print_follow(data: dict[str, Any]) -> None:
    stim = data["stimulus"]
    table = Table(title=f"T-junction following: {data['type']} ({data['mechanisms']}, "
                        f"{data['direction']})")  # fmt: skip
    for col in ("rate (Hz)", "pulses", "initiated", "crossed"):
        table.add_column(col, justify="right")
    for r in data["rates"]:
        mark = "" if r["crossed"] >= r["pulses"] else " [red](failures)[/red]"
        table.add_row(f"{r['rate_hz']:g}", str(r["pulses"]), str(r["initiated"]),
                      f"{r['crossed']}{mark}")  # fmt: skip
    console.print(table)
    rate = data["following_rate_hz"]
    bound = ">= " if data["every_rate_followed"] else ""
    console.print(f"following rate: {'none' if rate is None else f'{bound}{rate:g} Hz'} "
                  f"(intracellular {stim['amplitude_na']:.3g} nA = 2 x threshold, "
                  f"{stim['pulse_width_ms']:g} ms, on the {stim['branch']} branch)")  # fmt: skip
    if data["adelta_kinetics_provisional"]:
        console.print("A-delta kinetics are provisional (MRG node kinetics at 2-3 um).")
