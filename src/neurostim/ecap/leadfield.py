"""Recording lead fields by reciprocity, from the stimulation stage's unit-current solves.

Reciprocity (ecap.md §2; spinal-cord.md §5): the potential a recording contact sees when a
current I_m leaves the fibers at compartment m equals the potential at x_m when a unit current
enters at that contact. So the recorded signal is

    V_rec(t) = Σ_m Φ_rec(x_m) · I_m(t)          (sum over every compartment of every fiber)

with Φ_rec(x) the recording contact's unit-current potential, the very column
``conductor.unit_potentials_mv(contacts, points)[k]`` that stimulation uses (mV per mA; the
finite-element cord reads it from the same cached solve, no new solve). A differential
recording (contact a minus contact b) has the lead field Φ_a − Φ_b. Units: Φ in mV/mA and I in
nA give V_rec in 1e-6 mV = 1e-3 µV; the fiber engine converts and reports µV.

A :class:`Montage` names the recordings: each row a weight per placed contact (+1 for a
monopolar contact referred to the far ground (the stimulator's case), +1 / −1 for a differential
pair). ``parse_record`` reads the command line's ``E1,E8`` (two monopolar recordings) or
``E1-E8`` (one differential), contacts named ``E1`` (on the stimulating lead) or ``L2.E1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.device import Program
from neurostim.errors import InputError
from neurostim.field import Contact, VolumeConductor
from neurostim.pipeline.drive import pick_train


@dataclass(frozen=True)
class Montage:
    """Recordings as weights over the placed contacts.

    Attributes
    ----------
    labels : list of str, length n_leads
        ``"L1.E1"`` (monopolar) or ``"L1.E1-L1.E8"`` (differential).
    weights : ndarray of shape (n_leads, n_contacts)
        Weight of each placed contact (layout order of ``contact_ids``) in each recording.
    contact_ids : list of str, length n_contacts
    primary : int
        The recording whose P2−N1 is the growth curve's ``ecap_uv``.
    """

    labels: list[str]
    weights: NDArray[np.float64]
    contact_ids: list[str]
    primary: int = 0

    @property
    def n_leads(self) -> int:
        return len(self.labels)

    def positive_contact(self, lead: int) -> int:
        """Index (in ``contact_ids``) of the contact with weight +1 of recording ``lead``."""
        return int(np.flatnonzero(self.weights[lead] > 0)[0])


def _stim_contacts(program: Program, train_index: int | None) -> tuple[list[str], str]:
    t = pick_train(program, train_index)
    shares = program.trains[t].contacts
    stim = [c for c in shares if c != "case"]
    cathodes = [c for c, s in shares.items() if s < 0 and c != "case"]
    if not cathodes:
        raise InputError(f"trains[{t}].contacts", dict(shares), "needs a cathode on a lead")
    return stim, min(cathodes, key=lambda c: shares[c])


def _resolve(name: str, contact_ids: list[str], lead_prefix: str) -> str:
    full = name if "." in name else f"{lead_prefix}.{name}"
    if full not in contact_ids:
        raise InputError(
            "record", name, f"a contact of the program's leads: {', '.join(contact_ids)}"
        )
    return full


def parse_record(
    record: str | Sequence[str] | None,
    program: Program,
    contact_ids: list[str],
    contact_centres_mm: NDArray[np.float64],
    *,
    train_index: int | None = None,
    min_primary_distance_mm: float = 8.0,
) -> Montage:
    """The recordings of ``record`` (module docstring), or the default.

    ``record``: ``"E1,E8"``, ``"E1-E8"``, ``"E2,E3-E8"`` or a list of such items. A contact
    without a lead prefix lies on the lead of the train's strongest cathode. Default: every
    non-stimulating contact of that lead, monopolar; the primary recording is the nearest of
    them at least ``min_primary_distance_mm`` from every stimulating contact (the farthest if
    none is). With ``record`` given, the primary is the first item. A stimulating contact, a
    contact given twice in one item, or an unknown contact is refused.
    """
    stim, cathode = _stim_contacts(program, train_index)
    lead = cathode.split(".")[0]
    centres = np.asarray(contact_centres_mm, np.float64)
    index = {c: i for i, c in enumerate(contact_ids)}
    if record is None:
        names = [c for c in contact_ids if c.startswith(lead + ".") and c not in stim]
        if not names:
            raise InputError("record", None, "the stimulating lead has no free contact to record")
        items = [[c] for c in names]
        stim_xyz = centres[[index[c] for c in stim]]
        dist = np.array([np.min(np.linalg.norm(stim_xyz - centres[index[c]], axis=1))
                         for c in names])  # fmt: skip
        far = np.flatnonzero(dist >= min_primary_distance_mm - 1e-9)
        primary = int(far[np.argmin(dist[far])]) if far.size else int(np.argmax(dist))
    else:
        text = list(record) if not isinstance(record, str) else record.split(",")
        items = []
        for item in text:
            parts = [p.strip() for p in str(item).split("-")]
            if not (1 <= len(parts) <= 2) or not all(parts):
                raise InputError(
                    "record", item, "a contact (E1) or a pair (E1-E8), comma-separated"
                )
            full = [_resolve(p, contact_ids, lead) for p in parts]
            if len(full) == 2 and full[0] == full[1]:
                raise InputError("record", item, "two different contacts")
            for f in full:
                if f in stim:
                    raise InputError(
                        "record",
                        item,
                        f"contacts that do not stimulate (this train uses {', '.join(stim)})",
                    )
            items.append(full)
        if not items:
            raise InputError("record", record, "at least one contact")
        primary = 0
    weights = np.zeros((len(items), len(contact_ids)))
    for r, full in enumerate(items):
        weights[r, index[full[0]]] = 1.0
        if len(full) == 2:
            weights[r, index[full[1]]] = -1.0
    labels = ["-".join(full) for full in items]
    if len(set(labels)) != len(labels):
        raise InputError("record", record, "each recording once")
    return Montage(labels=labels, weights=weights, contact_ids=list(contact_ids), primary=primary)


def recording_lead_fields(
    conductor: VolumeConductor,
    contacts: Sequence[Contact],
    montage: Montage,
    points_xyz_mm: ArrayLike,
) -> NDArray[np.float64]:
    """Lead field of each recording at the points: ``montage.weights @ V``.

    Parameters
    ----------
    conductor : VolumeConductor
    contacts : sequence of Contact, length n_contacts
        Every placed contact, in the montage's ``contact_ids`` order.
    montage : Montage
    points_xyz_mm : ndarray of shape (n_points, 3)
        Compartment centres (mm).

    Returns
    -------
    ndarray of shape (n_leads, n_points)
        Φ_rec in mV per mA. Only the contacts a recording uses are evaluated, unless the
        conductor needs every placed contact (``needs_all_contacts``, the finite-element cord,
        whose values at a fiber population are cached beside its unit solutions).
    """
    if len(contacts) != montage.weights.shape[1]:
        raise InputError("contacts", len(contacts), f"{montage.weights.shape[1]} placed contacts")
    used = np.flatnonzero(np.any(montage.weights != 0, axis=0))
    if conductor.needs_all_contacts:
        used = np.arange(len(contacts))
    v = conductor.unit_potentials_mv([contacts[int(j)] for j in used], points_xyz_mm)
    return montage.weights[:, used] @ v


__all__ = ["Montage", "parse_record", "recording_lead_fields"]
