"""Exceptions raised by neurostim.

The hierarchy::

    NeurostimError                 base of everything neurostim raises on purpose
    ├── InputError                 a value a user gave is wrong: names the field, the value,
    │   │                          and the allowed range or choices (malformed input: a wrong
    │   │                          type, a non-finite number, a value outside the schema)
    │   └── SafetyLimitError       a well-formed request that a device or drug limit refuses
    │                              (a refusal, not a warning)
    └── SolverError                a numerical method failed in a way that is not a per-case
                                   status (per-case failures are a ``status``, never an exception)

The command line maps them to exit codes: ``SafetyLimitError`` exits 1 (the input parsed but
a limit refuses it), every other ``NeurostimError`` exits 2 (see :mod:`neurostim.cli._common`).
``SafetyLimitError`` is an ``InputError``, so code that catches ``InputError`` catches both.

Messages say what is wrong and what to do, e.g. "amplitude_ma = 25.0 is above the stimulator's
range 0–12.5 mA (profile generic-rechargeable-16); lower it or choose another profile".
"""

from __future__ import annotations

from typing import Any


class NeurostimError(Exception):
    """Base class of neurostim's own errors."""


class InputError(NeurostimError, ValueError):
    """A user-supplied value is invalid.

    Parameters
    ----------
    field : str
        Dotted name of the offending field, e.g. ``"trains[0].amplitude_ma"``.
    value : Any
        The value that was given.
    message : str
        What is wrong and what to do (the allowed range or the choices).
    """

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field} = {value!r}: {message}" if field else message)


class SafetyLimitError(InputError):
    """A well-formed request exceeds a device or drug limit that must refuse, not warn.

    Same parameters as :class:`InputError`; the message names the limit and where it comes
    from (e.g. the stimulator profile).
    """


class SolverError(NeurostimError):
    """A numerical method failed as a whole (not one case of a batch)."""


__all__ = ["InputError", "NeurostimError", "SafetyLimitError", "SolverError"]
