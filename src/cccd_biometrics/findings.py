"""Findings: what a check found, in a form both machines and operators can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ._shared.jsonsafe import json_safe

__all__ = ["Finding", "Severity"]


class Severity(str, Enum):
    """How much a finding matters. ``ERROR`` fails the capture; ``WARNING`` is advice."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One requirement that a capture failed (or nearly failed).

    Attributes
    ----------
    code:
        Stable machine code, e.g. ``"FINGER_TOO_DRY"``. Intake applications switch on it; it never changes
        meaning between releases.
    severity:
        :class:`Severity` of the finding.
    message:
        Human sentence describing what was measured.
    value:
        The measured value (``None`` if the finding is not numeric).
    threshold:
        The threshold the value was held against (``None`` if not numeric).
    action:
        What the operator should do, e.g. ``"Moisten the finger slightly and press again."``.
    """

    code: str
    severity: Severity
    message: str
    value: float | None = None
    threshold: float | None = None
    action: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "value": json_safe(self.value),
            "threshold": json_safe(self.threshold),
            "action": self.action,
        }


