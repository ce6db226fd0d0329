"""Findings of a program check: errors refuse, warnings ask the clinician to confirm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from neurostim.errors import InputError


@dataclass(frozen=True)
class Finding:
    """One problem: ``severity`` error (refuse) or warning (confirm), a stable ``code``, the
    program ``field`` it concerns, and a message naming the value and the limit."""

    severity: Literal["error", "warning"]
    code: str
    field: str
    message: str


@dataclass
class CheckReport:
    """All findings of a check plus the calculations (``summary``: JSON-ready numbers/dates)."""

    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when no finding is an error."""
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def add(
        self, severity: Literal["error", "warning"], code: str, field: str, message: str
    ) -> None:
        self.findings.append(Finding(severity, code, field, message))

    def raise_if_invalid(self) -> None:
        """Raise ``InputError`` for the first error (all errors listed in its message)."""
        if self.errors:
            first = self.errors[0]
            rest = "; ".join(f"{e.field}: {e.message}" for e in self.errors[1:])
            raise InputError(first.field, "", first.message + (f"; also {rest}" if rest else ""))

    def to_dict(self) -> dict[str, Any]:
        """``valid``, ``errors`` [{field, message, code}], ``warnings`` [{code, message, field}]
        and the summary keys, as the CLI's ``--json`` prints them."""
        return {
            "valid": self.valid,
            "errors": [
                {"field": e.field, "message": e.message, "code": e.code} for e in self.errors
            ],
            "warnings": [
                {"code": w.code, "message": w.message, "field": w.field} for w in self.warnings
            ],
            **self.summary,
        }
