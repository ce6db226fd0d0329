"""The clinical pathway and in-silico trials: protocols, the care pathway as a discrete-event
simulation, complications, outcome measures and analysis sets, trials on Dask.

Builds on :mod:`neurostim.patient`. Specification: patient-clinic.md (docs/reference/).
"""

__all__: list[str] = []
