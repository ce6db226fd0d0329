"""Every published value of the calibration studies (patient-clinic.md §5) against the
simulated central 95 % of replicate trials with the frozen parameters, slow.

Protocol: each shipped study (``neurostim.clinic.list_protocols``), 200 replicate trials, seed
1, in this process (the settings of docs/clinic-calibration.md). A published value read in the
source (S) or verified (V) must lie inside the interval; the values the frozen model misses are
strict expected failures with the numbers of docs/clinic-calibration.md, so a change that moves
one to the other side fails. Recalled values (R) are reported in the docs, not tested.
"""

from __future__ import annotations

from functools import cache

import pytest

from neurostim.clinic import list_protocols, shipped_protocol
from neurostim.clinic.calibration import calibration_rows, run_studies
from neurostim.patient.pain import load_parameters

pytestmark = pytest.mark.slow
REPLICATES = 200
SEED = 1

KNOWN_MISSES: dict[tuple[str, str, str], str] = {
    ("dtm-rct", "back_mean_change_3", "tonic"): "published -3.37, simulated -3.94 (-4.44 – -3.39)",
    (
        "process",
        "leg_responder_24_as_treated",
        "scs",
    ): "published 47.0 %, simulated 60.0 % (49.1 % – 70.8 %)",
    (
        "process",
        "leg_responder30_24",
        "scs",
    ): "published 69.0 %, simulated 100.0 % (92.3 % – 100.0 %)",
    ("process", "revision_24", "scs"): "published 31.0 %, simulated 13.6 % (0.0 % – 30.5 %)",
    (
        "rauck-2006",
        "percent_change_3wk",
        "ziconotide",
    ): "published -14.70, simulated -28.11 (-31.92 – -25.21)",
    (
        "rauck-2006",
        "percent_change_3wk",
        "placebo",
    ): "published -7.20, simulated -18.02 (-21.71 – -15.14)",
    ("senza-pdn", "crossover_12", "cmm"): "published 81.1 %, simulated 70.9 % (63.1 % – 80.6 %)",
    ("senza-pdn", "mean_12", "khz10"): "published 1.70, simulated 1.95 (1.70 – 2.25)",
    (
        "senza-pdn",
        "percent_change_12",
        "khz10",
    ): "published -77.10, simulated -73.77 (-77.00 – -69.75)",
    (
        "senza-pdn",
        "percent_change_24",
        "khz10",
    ): "published -79.90, simulated -71.94 (-74.66 – -68.47)",
    ("senza-rct", "implant_3", "khz10"): "published 89.1 %, simulated 97.0 % (94.0 % – 100.0 %)",
    (
        "senza-rct",
        "back_responder_3",
        "khz10",
    ): "published 84.5 %, simulated 74.3 % (66.3 % – 81.2 %)",
    (
        "senza-rct",
        "leg_responder_18",
        "khz10",
    ): "published 77.0 %, simulated 88.2 % (80.5 % – 92.0 %)",
    (
        "senza-rct",
        "leg_percent_change_18",
        "khz10",
    ): "published -65.40, simulated -73.41 (-76.67 – -69.67)",
    (
        "senza-rct",
        "leg_percent_change_18",
        "tonic",
    ): "published -45.00, simulated -52.54 (-57.20 – -47.45)",
    (
        "senza-rct",
        "leg_responder_24",
        "khz10",
    ): "published 72.9 %, simulated 87.4 % (80.7 % – 93.2 %)",
    ("senza-rct", "back_mean_24", "khz10"): "published 2.40, simulated 2.76 (2.49 – 3.13)",
    ("senza-rct", "leg_mean_24", "khz10"): "published 2.40, simulated 2.00 (1.77 – 2.28)",
    (
        "senza-rct",
        "leg_percent_change_24",
        "khz10",
    ): "published -65.10, simulated -72.87 (-76.02 – -69.39)",
    (
        "senza-rct",
        "leg_percent_change_24",
        "tonic",
    ): "published -46.00, simulated -52.65 (-56.87 – -47.53)",
    (
        "staats-2004",
        "percent_change_titration",
        "ziconotide",
    ): "published -53.10, simulated -33.61 (-37.30 – -30.12)",
    (
        "staats-2004",
        "mme_percent_change_titration",
        "ziconotide",
    ): "published -9.90, simulated -13.43 (-14.87 – -12.03)",
    (
        "staats-2004",
        "mme_percent_change_titration",
        "placebo",
    ): "published 5.10, simulated -8.09 (-10.70 – -6.01)",
}
"""(study, endpoint, arm) -> the miss as docs/clinic-calibration.md reports it."""


def _cases() -> list[object]:
    out = []
    for study in list_protocols():
        p = shipped_protocol(study)
        for e in p.endpoints:
            for arm in p.endpoint_arms(e):
                if e.published_for(arm) is None or e.tag(arm) not in ("S", "V"):
                    continue
                key = (study, e.id, arm)
                marks = []
                if key in KNOWN_MISSES:
                    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[key])]
                out.append(pytest.param(*key, marks=marks, id="-".join(key)))
    return out


@cache
def _rows(study: str) -> dict[tuple[str, str], dict[str, object]]:
    results = run_studies(load_parameters(), studies=[study], replicates=REPLICATES, seed=SEED)
    return {(r["id"], r["arm"]): r for r in calibration_rows(results)}


@pytest.mark.parametrize(("study", "endpoint", "arm"), _cases())
def test_published_value_inside_the_simulated_interval(study: str, endpoint: str, arm: str):
    row = _rows(study)[(endpoint, arm)]
    lo, hi, pub = row["ci95_lo"], row["ci95_hi"], row["published"]
    assert lo is not None and hi is not None
    assert lo <= pub <= hi, f"{study} {endpoint} {arm}: published {pub}, simulated {lo}-{hi}"
