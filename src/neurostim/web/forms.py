"""Numbers typed into the screens' forms: one parser, one refusal text.

Every screen reads a typed number the same way: an empty field is "not given" (or refused when
the field is required), anything that is not a finite number is refused with the field, the
text typed and what is allowed (:class:`~neurostim.web.checks.FieldError`); range and step
checks are the device's or the pump's, never the form's.
"""

from __future__ import annotations

import math

from neurostim.web.checks import FieldError


def parse_number(
    form: dict[str, str],
    name: str,
    errors: list[FieldError],
    unit: str,
    *,
    required: bool = False,
) -> float | None:
    """The finite number typed in ``form[name]`` (``unit`` names it in the refusal), or None:
    for an empty field (refused when ``required``) and for a refused entry (appended to
    ``errors``)."""
    text = form.get(name, "").strip()
    if text == "":
        if required:
            errors.append(FieldError(name, text, f"a number in {unit}"))
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(FieldError(name, text, f"a number in {unit}"))
        return None
    if not math.isfinite(value):
        errors.append(FieldError(name, text, f"a finite number in {unit}"))
        return None
    return value


__all__ = ["parse_number"]
