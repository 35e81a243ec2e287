"""The enrolment report: record findings (codes, routes, actions), per-finger results, the recapture list.

Every record finding has a stable code from the one catalogue (:data:`cccd_biometrics.findings.CODES`),
the positions it concerns, the measured value, the threshold and an operator action
(:data:`RECORD_CODES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._shared.jsonsafe import json_safe
from ..findings import CODES, Finding, Severity
from .record import FINGER_NAMES, SLAP_NAMES
from .thresholds import EnrolmentThresholds

__all__ = ["RECORD_CODES", "EnrolmentReport", "FingerResult", "RecaptureItem", "RecordFinding"]


# Route "recapture": the operator fixes it at the station; "supervisor": the record needs someone who can look
# into why (the station's hand labelling, the citizen's fingers); "": nothing to redo.
_ROUTES: dict[str, str] = {
    "RECORD_FINGER_MISSING": "recapture", "RECORD_DUPLICATE_FINGER": "recapture",
    "RECORD_SEQUENCE_MISMATCH": "recapture", "RECORD_FINGERS_SWAPPED": "recapture",
    "RECORD_HAND_SWAPPED": "supervisor", "RECORD_SLAP_INCOMPLETE": "recapture",
    "RECORD_PORTRAIT_NONCOMPLIANT": "recapture", "RECORD_IMAGE_UNREADABLE": "recapture",
    "RECORD_SEQUENCE_UNCONFIRMED": "", "RECORD_FINGER_DECLARED_ABSENT": "",
}

RECORD_CODES: dict[str, tuple[Severity, str, str]] = {
    code: (CODES[code].severity, route, CODES[code].action) for code, route in _ROUTES.items()
}
"""The record finding codes: code -> (severity, route, operator action); severity and action from the one
catalogue, :data:`cccd_biometrics.findings.CODES`."""

_CAPTURE_ORDER: tuple[int | str, ...] = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 10, 14, 15, "portrait")
"""Order of the recapture list: one hand at a time (its fingers, then its slap), the thumbs slap, the portrait."""




@dataclass(frozen=True)
class RecordFinding(Finding):
    """A :class:`~cccd_biometrics.findings.Finding` about a record, with the finger positions it concerns.

    ``positions`` are finger position codes (1-10), slap codes (13-15) or empty (the portrait);
    ``route`` is ``"recapture"``, ``"supervisor"`` or empty (advice).
    """

    positions: tuple[int, ...] = ()
    route: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "positions": list(self.positions), "route": self.route}


def _record_finding(code: str, positions: tuple[int, ...], message: str, value: float | None = None,
                    threshold: float | None = None) -> RecordFinding:
    severity, route, action = RECORD_CODES[code]
    return RecordFinding(code=code, severity=severity, message=message,
                         value=None if value is None else round(float(value), 4),
                         threshold=None if threshold is None else float(threshold), action=action,
                         positions=tuple(int(p) for p in positions), route=route)


def _image_finding(f: Finding, position: int) -> RecordFinding:
    """A single-image finding carried into the record, with its position; errors route to recapture."""
    return RecordFinding(code=f.code, severity=f.severity, message=f.message, value=f.value,
                         threshold=f.threshold, action=f.action, positions=(position,),
                         route="recapture" if f.severity == Severity.ERROR else "")


@dataclass(frozen=True, eq=False)
class FingerResult:
    """One individually captured finger: its quality report and template size, or why it could not be read."""

    position: int
    source: str
    quality: Any = None  # FingerprintQuality
    minutiae: int = 0
    error: str | None = None
    template: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"position": self.position, "finger": FINGER_NAMES[self.position],
                               "source": self.source, "error": self.error, "minutiae": self.minutiae}
        if self.quality is not None:
            out.update(score=round(float(self.quality.score), 2), hard_to_read=bool(self.quality.hard_to_read),
                       codes=list(self.quality.codes))
        return out


@dataclass(frozen=True)
class RecaptureItem:
    """One capture to redo: ``target`` is ``"finger"``, ``"slap"`` or ``"portrait"``, with the position code
    (None for the portrait) and the codes that call for it."""

    target: str
    position: int | None
    codes: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.target == "finger" and self.position is not None:
            return f"{self.position} {FINGER_NAMES[self.position]}"
        if self.target == "slap" and self.position is not None:
            return f"{self.position} {SLAP_NAMES[self.position]}"
        return "portrait"

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "position": self.position, "label": self.label, "codes": list(self.codes)}


@dataclass(frozen=True, eq=False)
class EnrolmentReport:
    """The outcome of :func:`check_enrolment`.

    Attributes
    ----------
    verdict:
        ``"accept"`` (no error), ``"recapture"`` (errors the operator fixes by capturing again) or
        ``"supervisor"`` (an error routed to a supervisor, e.g. a hand swap).
    findings:
        Record findings and the single-image findings of the fingers, each with its positions; errors first.
    recapture:
        What to capture again, in the order an operator redoes it.
    fingers:
        Position -> :class:`FingerResult`.
    slaps:
        Slap position -> :class:`~cccd_biometrics.fingerprint.slap.SlapSegmentation` (or an error string).
    portrait:
        The :class:`~cccd_biometrics.face.icao.PortraitReport`, or None.
    absent:
        Declared absences.
    thresholds:
        The operating points used (stated, so that a report says what its decisions rest on).
    sequence:
        Position -> {slap segment position: comparator score} of the sequence check.
    duplicates:
        ``(i, j)`` -> score of the two fingers, for every pair compared.
    timings:
        Stage -> milliseconds (not part of :meth:`to_dict` unless asked).
    """

    verdict: str
    findings: tuple[RecordFinding, ...]
    recapture: tuple[RecaptureItem, ...]
    fingers: Mapping[int, FingerResult]
    slaps: Mapping[int, Any]
    portrait: Any
    absent: Mapping[int, str]
    thresholds: EnrolmentThresholds
    sequence: Mapping[int, Mapping[int, float]] = field(default_factory=dict)
    duplicates: Mapping[tuple[int, int], float] = field(default_factory=dict)
    source: str = "<record>"
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def findings_of(self, code: str) -> tuple[RecordFinding, ...]:
        """The findings with this code."""
        return tuple(f for f in self.findings if f.code == code)

    def to_dict(self, *, include_timings: bool = False, include_scores: bool = False) -> dict[str, Any]:
        slaps: dict[str, Any] = {}
        for p, s in self.slaps.items():
            slaps[str(p)] = {"error": s} if isinstance(s, str) else s.to_dict()
        out: dict[str, Any] = {
            "source": self.source,
            "verdict": self.verdict,
            "codes": list(self.codes),
            "findings": [f.to_dict() for f in self.findings],
            "recapture": [r.to_dict() for r in self.recapture],
            "fingers": {str(p): r.to_dict() for p, r in self.fingers.items()},
            "absent": {str(p): r for p, r in self.absent.items()},
            "slaps": slaps,
            "portrait": None if self.portrait is None else (
                {"error": self.portrait} if isinstance(self.portrait, str) else self.portrait.to_dict()),
            "thresholds": self.thresholds.to_dict(),
        }
        if include_scores:
            out["sequence"] = {str(p): {str(q): round(v, 4) for q, v in row.items()}
                               for p, row in self.sequence.items()}
            out["duplicates"] = {f"{i}-{j}": round(v, 4) for (i, j), v in self.duplicates.items()}
        if include_timings:
            out["timings_ms"] = {k: round(v, 2) for k, v in self.timings.items()}
        return json_safe(out)
