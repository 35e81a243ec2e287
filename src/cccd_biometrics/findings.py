"""Findings: what a check found, in a form both machines and operators can act on, and the one catalogue of codes.

:data:`CODES` maps every stable code of both modalities to its default severity, what it means and the action
an operator should take; the checks take their actions from it, and the README's code table is generated
from it (``python -m cccd_biometrics.findings``). A new code is added here first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ._shared.jsonsafe import json_safe

__all__ = ["CODES", "CodeInfo", "Finding", "Severity", "action_for", "code_table"]


class Severity(str, Enum):  # noqa: UP042 - StrEnum would change str(severity), which callers may print
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


@dataclass(frozen=True)
class CodeInfo:
    """What a finding code means and what to do about it.

    Attributes
    ----------
    code:
        The stable code.
    modality:
        ``"fingerprint"``, ``"slap"``, ``"portrait"`` or ``"record"`` (a whole enrolment record).
    severity:
        Default severity (fingerprint condition findings become warnings on a print that still scores well).
    meaning:
        One sentence on what was found (the findings' own messages add the measured detail).
    action:
        What the operator should do.
    variants:
        Other actions for particular causes of the same code, by name.
    severity_note:
        When the severity differs from the default.
    """

    code: str
    modality: str
    severity: Severity
    meaning: str
    action: str
    variants: Mapping[str, str] = field(default_factory=dict)
    severity_note: str = ""


_E = Severity.ERROR
_CONDITION = "a warning when the print still scores >= 35"
_CLARITY = "Clean the finger and the sensor, then capture again (or use another finger if the skin is damaged)."

_ENTRIES = (
    # ------------------------------------------------------------------------------------------- fingerprints
    CodeInfo("FINGER_NO_FINGER", "fingerprint", _E,
             "No finger found, or the image does not look like a fingerprint.",
             "Place the finger flat on the sensor, then capture again.",
             {"not_a_finger": "Check that a finger, not another object, is on a clean sensor, then capture again."}),
    CodeInfo("FINGER_WRONG_RESOLUTION", "fingerprint", _E,
             "The ridge spacing says the image is not at the resolution it declares (500 ppi expected).",
             "Check the scanner's resolution setting (500 ppi) or pass the true ppi when loading."),
    CodeInfo("FINGER_SMALL_AREA", "fingerprint", _E, "Too little of the finger was captured.",
             "Press the finger more firmly and flat, covering the whole sensor window."),
    CodeInfo("FINGER_LOW_CLARITY", "fingerprint", _E,
             "Overall ridge clarity is low: pixel noise, scars, damage or smudges hide the ridges.", _CLARITY,
             severity_note="pixel noise alone: a warning when the print still scores >= 35"),
    CodeInfo("FINGER_OFF_CENTER", "fingerprint", _E, "The finger is far from the centre of the capture area.",
             "Centre the finger on the sensor and capture again.", severity_note=_CONDITION),
    CodeInfo("FINGER_LOW_CONTRAST", "fingerprint", _E, "Ridges and valleys differ too little in brightness.",
             "Clean the sensor and the finger; press with normal pressure and capture again.",
             severity_note=_CONDITION),
    CodeInfo("FINGER_BLURRED", "fingerprint", _E, "The ridges are blurred (movement during the capture).",
             "Hold the finger still until the capture completes.", severity_note=_CONDITION),
    CodeInfo("FINGER_TOO_DRY", "fingerprint", _E,
             "The finger looks too dry: thin, faint or broken ridges, or a very light print.",
             "Moisten the finger slightly (breathe on it or touch a damp pad) and capture again.",
             severity_note=_CONDITION),
    CodeInfo("FINGER_TOO_WET", "fingerprint", _E,
             "The finger looks too wet or pressed too hard: wide merged ridges, closed valleys, dark flat patches.",
             "Dry the finger, wipe the sensor, press lightly and capture again.", severity_note=_CONDITION),
    # ---------------------------------------------------------------------------------------------- portraits
    CodeInfo("FACE_NOT_FOUND", "portrait", _E, "No face was found in the picture.",
             "Make sure the face is in the frame, facing the camera, and retake."),
    CodeInfo("FACE_MULTIPLE", "portrait", _E, "More than one face is in the picture.",
             "Only the applicant may be in the picture; retake."),
    CodeInfo("FACE_ROLL", "portrait", _E, "The head is tilted sideways (eyes not level).",
             "Ask the applicant to hold the head straight (eyes level)."),
    CodeInfo("FACE_YAW", "portrait", _E, "The head is turned away from the camera.",
             "Ask the applicant to face the camera directly."),
    CodeInfo("FACE_PITCH", "portrait", _E, "The head is tilted up or down.",
             "Ask the applicant to keep the chin level."),
    CodeInfo("FACE_TOO_SMALL", "portrait", _E, "The face is too small in the frame (head size or eye distance).",
             "Move the camera closer or zoom in."),
    CodeInfo("FACE_TOO_LARGE", "portrait", _E, "The head fills too much of the frame.",
             "Move the camera back or zoom out."),
    CodeInfo("FACE_OFF_CENTER", "portrait", _E, "The face is off centre, or too little space is left above the head.",
             "Centre the face in the frame, with space above the head."),
    CodeInfo("FACE_UNDEREXPOSED", "portrait", _E, "The face (or the whole frame) is too dark.",
             "Add light on the face or increase the exposure."),
    CodeInfo("FACE_OVEREXPOSED", "portrait", _E, "The face (or the whole frame) is too bright, with clipped areas.",
             "Reduce the light or the exposure."),
    CodeInfo("FACE_LOW_CONTRAST", "portrait", _E, "The face uses too little of the tone range.",
             "Check the lighting and the camera settings; retake."),
    CodeInfo("FACE_UNEVEN_LIGHTING", "portrait", _E, "One side of the face is much darker than the other.",
             "Light the face evenly from both sides."),
    CodeInfo("FACE_BLURRED", "portrait", _E, "The face lacks fine detail (out of focus or moved).",
             "Refocus, hold the camera still and retake."),
    CodeInfo("FACE_COMPRESSION_ARTIFACTS", "portrait", _E, "JPEG block artefacts are visible.",
             "Save the photo with less compression (higher JPEG quality)."),
    CodeInfo("FACE_UNNATURAL_COLOUR", "portrait", _E, "Skin colour is outside the natural range (white balance).",
             "Fix the white balance; retake under neutral light."),
    CodeInfo("FACE_BACKGROUND_NOT_UNIFORM", "portrait", _E, "The background is cluttered, off-colour or too dark.",
             "Use a plain, light, evenly lit background."),
    CodeInfo("FACE_EYES_CLOSED", "portrait", _E, "The eyes are closed or nearly closed.",
             "Ask the applicant to open the eyes."),
    CodeInfo("FACE_MOUTH_OPEN", "portrait", _E, "The mouth is open.", "Ask the applicant to close the mouth."),
    CodeInfo("FACE_EYES_OCCLUDED", "portrait", _E, "Something covers the eyes.",
             "Remove whatever covers the eyes (hair, glasses, hand)."),
    CodeInfo("FACE_MOUTH_OCCLUDED", "portrait", _E, "Something covers the mouth.",
             "Remove whatever covers the mouth (mask, hand, scarf)."),
    CodeInfo("FACE_HEAD_COVERING", "portrait", _E, "The crown is covered (hat, hood, scarf).",
             "Ask the applicant to remove the head covering (unless for religious reasons)."),
    CodeInfo("FACE_GLASSES", "portrait", _E, "Glasses are worn.", "Ask the applicant to remove the glasses."),
    CodeInfo("FACE_EXPRESSION_NOT_NEUTRAL", "portrait", _E, "The expression is not neutral (smile, raised brows).",
             "Ask for a neutral expression: mouth closed, no smile."),
    # -------------------------------------------------------------------------------------------------- slaps
    CodeInfo("SLAP_INCOMPLETE", "slap", _E, "Fewer fingers were found in the slap than it should hold.",
             "Capture the slap again with every finger flat on the platen, fingers slightly apart."),
    CodeInfo("SLAP_EXTRA_REGIONS", "slap", Severity.WARNING,
             "More finger-like regions than fingers are on the platen (latent prints, another hand).",
             "Clean the platen; make sure only one hand (or the two thumbs) is on it."),
    # ------------------------------------------------------------------------------------- enrolment records
    CodeInfo("RECORD_FINGER_MISSING", "record", _E, "A finger position has no image and no declared absence.",
             "Capture the finger, or declare it absent with its reason (amputated, bandaged, unable to print)."),
    CodeInfo("RECORD_DUPLICATE_FINGER", "record", _E,
             "Two positions hold the same finger (comparator score at or above the FMR 0.01 % point).",
             "The same finger was captured at two positions: capture each named finger again, checking which "
             "finger is on the sensor."),
    CodeInfo("RECORD_SEQUENCE_MISMATCH", "record", _E,
             "The finger at this position matches another position's segment of the slap.",
             "The finger captured at this position is another finger of the slap: capture it again, checking the "
             "finger named on the screen."),
    CodeInfo("RECORD_FINGERS_SWAPPED", "record", _E, "Two fingers were stored in each other's positions.",
             "Two fingers were captured in each other's place: capture both again in the right order."),
    CodeInfo("RECORD_HAND_SWAPPED", "record", _E, "The left and right hands were exchanged.",
             "The left and right hands were exchanged: a supervisor checks the station's hand selection, then "
             "both hands are captured again."),
    CodeInfo("RECORD_SLAP_INCOMPLETE", "record", _E, "A slap of the record lacks fingers it should show.",
             "Capture the slap again with every finger flat on the platen, fingers slightly apart."),
    CodeInfo("RECORD_PORTRAIT_NONCOMPLIANT", "record", _E, "The record's portrait fails the portrait profile.",
             "Take the portrait again following the portrait findings."),
    CodeInfo("RECORD_IMAGE_UNREADABLE", "record", _E, "An image of the record cannot be read.",
             "The stored image cannot be read: capture it again."),
    CodeInfo("RECORD_SEQUENCE_UNCONFIRMED", "record", Severity.WARNING,
             "No slap segment confirms the finger at this position.",
             "No slap segment confirms this finger; check its quality and the slap."),
    CodeInfo("RECORD_FINGER_DECLARED_ABSENT", "record", Severity.INFO,
             "A finger is declared absent with its reason.", "Declared absence recorded; nothing to do."),
)

CODES: Mapping[str, CodeInfo] = {c.code: c for c in _ENTRIES}
"""Every finding code of the library: fingerprints, portraits, slaps, then enrolment records."""

def action_for(code: str, variant: str | None = None) -> str:
    """The operator action of ``code`` (or of one of its named variants).

    Examples
    --------
    >>> action_for("FACE_GLASSES")
    'Ask the applicant to remove the glasses.'
    """
    info = CODES[code]
    return info.action if variant is None else info.variants[variant]


def code_table() -> str:
    """The README's table of finding codes (Markdown), generated from :data:`CODES`."""
    rows = ["| code | for | severity | meaning | operator action |", "|---|---|---|---|---|"]
    for c in _ENTRIES:
        severity = f"{c.severity.value} ({c.severity_note})" if c.severity_note else c.severity.value
        actions = " / ".join([c.action, *c.variants.values()])
        rows.append(f"| `{c.code}` | {c.modality} | {severity} | {c.meaning} | {actions} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(code_table(), end="")
