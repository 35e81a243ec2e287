"""check_enrolment: every image of a record, then what only the record as a whole shows; one verdict."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..errors import EnrolmentRecordError
from ..findings import Finding, Severity
from ..fingerprint.slap import SLAP_FINGERS
from .duplicates import _duplicate_findings
from .record import FINGER_NAMES, SLAP_NAMES, EnrolmentRecord
from .report import (
    _CAPTURE_ORDER,
    EnrolmentReport,
    FingerResult,
    RecaptureItem,
    RecordFinding,
    _image_finding,
    _record_finding,
)
from .sequence import _drop_duplicate_swaps, _drop_explained, _sequence_findings, _uncertain_segments
from .stages import (
    _check_fingers,
    _check_portrait,
    _check_slaps,
    _Clock,
    _ridge_evidence,
    _score_table,
    _segment_ridge_evidence,
    _segment_templates,
)
from .thresholds import DEFAULT_THRESHOLDS, EnrolmentThresholds

__all__ = ["check_enrolment"]


def _slap_findings(slaps: Mapping[int, Any], absent: Mapping[int, str]) -> list[RecordFinding]:

    out = []
    for pos, seg in slaps.items():
        if isinstance(seg, str):
            out.append(_record_finding("RECORD_IMAGE_UNREADABLE", (pos,), f"{SLAP_NAMES[pos]}: {seg}"))
            continue
        expected = [p for p in SLAP_FINGERS[pos] if p not in absent]
        found = {s.position for s in seg.segments}
        if len(seg.segments) < len(expected):
            lost = [p for p in expected if p not in found]
            out.append(_record_finding(
                "RECORD_SLAP_INCOMPLETE", (pos,),
                f"The {SLAP_NAMES[pos]} shows {len(seg.segments)} of {len(expected)} fingers"
                f" (not found: {', '.join(FINGER_NAMES[p] for p in lost)}).",
                float(len(seg.segments)), float(len(expected))))
    return out


def _portrait_findings(portrait: Any) -> list[RecordFinding]:
    if portrait is None:
        return []
    if isinstance(portrait, str):
        return [_record_finding("RECORD_IMAGE_UNREADABLE", (), f"portrait: {portrait}")]
    errors = [f for f in portrait.findings if f.severity == Severity.ERROR]
    if not errors:
        return []
    return [_record_finding("RECORD_PORTRAIT_NONCOMPLIANT", (),
                            f"The portrait fails {len(errors)} requirement(s): "
                            f"{', '.join(f.code for f in errors)}.", float(len(errors)), 0.0)]


def _finger_findings(record: EnrolmentRecord, fingers: Mapping[int, FingerResult]) -> list[RecordFinding]:
    out = []
    for p in record.missing:
        out.append(_record_finding("RECORD_FINGER_MISSING", (p,),
                                   f"No image of the {FINGER_NAMES[p]} ({p}) and no absence declared."))
    for p, reason in record.absent.items():
        out.append(_record_finding("RECORD_FINGER_DECLARED_ABSENT", (p,),
                                   f"The {FINGER_NAMES[p]} ({p}) is declared absent: {reason}."))
    for p, r in fingers.items():
        if r.error is not None:
            out.append(_record_finding("RECORD_IMAGE_UNREADABLE", (p,), f"{FINGER_NAMES[p]}: {r.error}"))
        elif r.quality is not None:
            out.extend(_image_finding(f, p) for f in r.quality.findings)
    return out


def _recapture_targets(f: RecordFinding, sequence: Mapping[int, Mapping[int, float]],
                       t: EnrolmentThresholds) -> list[tuple[str, int | None]]:
    if f.route != "recapture" and f.code != "RECORD_HAND_SWAPPED":
        return []
    if f.code == "RECORD_PORTRAIT_NONCOMPLIANT" or (f.code == "RECORD_IMAGE_UNREADABLE" and not f.positions):
        return [("portrait", None)]
    if f.code == "RECORD_SEQUENCE_MISMATCH":
        return [("finger", f.positions[0])]
    if f.code == "RECORD_DUPLICATE_FINGER" and sequence:
        # the finger its own slap segment confirms was right; the other one is the duplicate
        confirmed = [p for p in f.positions if sequence.get(p, {}).get(p, 0.0) >= t.sequence_confirm]
        if len(confirmed) == 1:
            return [("finger", p) for p in f.positions if p not in confirmed]
    return [("slap" if p >= 13 else "finger", p) for p in f.positions]


def _recapture_list(findings: list[RecordFinding], sequence: Mapping[int, Mapping[int, float]],
                    t: EnrolmentThresholds) -> tuple[RecaptureItem, ...]:
    codes: dict[tuple[str, int | None], list[str]] = {}
    for f in findings:
        if f.severity != Severity.ERROR:
            continue
        for target in _recapture_targets(f, sequence, t):
            bucket = codes.setdefault(target, [])
            if f.code not in bucket:
                bucket.append(f.code)

    def order(key: tuple[str, int | None]) -> int:
        return _CAPTURE_ORDER.index("portrait" if key[1] is None else key[1])

    return tuple(RecaptureItem(target, pos, tuple(c)) for (target, pos), c in sorted(codes.items(),
                                                                                     key=lambda kv: order(kv[0])))


def _severity_rank(f: Finding) -> int:
    return {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[f.severity]


def check_enrolment(record: EnrolmentRecord, *, thresholds: EnrolmentThresholds = DEFAULT_THRESHOLDS
                    ) -> EnrolmentReport:
    """Check an enrolment record: every image, then what only the record as a whole can show.

    Parameters
    ----------
    record:
        The :class:`EnrolmentRecord`.
    thresholds:
        Operating points (defaults: duplicates and cross matches at FMR <= 0.01 %, own-segment confirmation at
        FMR 1 %); stated in the report.

    Returns
    -------
    EnrolmentReport
        Unreadable images are findings (``RECORD_IMAGE_UNREADABLE``), not exceptions.

    Examples
    --------
    >>> rep = check_enrolment(EnrolmentRecord.from_manifest("sample_data/enrolment/citizen_errors"))  # doctest: +SKIP
    >>> rep.verdict, [(r.label, r.codes) for r in rep.recapture]                                      # doctest: +SKIP
    """
    if not isinstance(record, EnrolmentRecord):
        raise EnrolmentRecordError(f"expected an EnrolmentRecord, got {type(record).__name__}")
    clock = _Clock()
    analyses: dict[int, Any] = {}
    fingers = _check_fingers(record, clock, analyses)
    slaps = _check_slaps(record, clock)
    seg_analyses: dict[int, Any] = {}
    seg_templates = _segment_templates(slaps, seg_analyses)
    clock.lap("slap_minutiae")
    portrait = _check_portrait(record, thresholds.portrait_profile, clock)
    prepared: dict[int, Any] = {}
    pairs, sequence = _score_table(fingers, seg_templates, prepared)
    clock.lap("comparisons")
    seq_findings, _ = _sequence_findings(sequence, thresholds, _uncertain_segments(slaps), pairs)
    finger_findings, slap_findings = _finger_findings(record, fingers), _slap_findings(slaps, record.absent)
    seq_findings = _drop_explained(seq_findings, finger_findings + slap_findings, record.slaps)
    duplicates = _duplicate_findings(pairs, sequence, thresholds, _ridge_evidence(fingers, analyses, prepared),
                                     _segment_ridge_evidence(analyses, prepared, seg_analyses, seg_templates))
    seq_findings = _drop_duplicate_swaps(seq_findings, duplicates)
    findings = finger_findings + duplicates + seq_findings + slap_findings + _portrait_findings(portrait)
    findings.sort(key=_severity_rank)
    recapture = _recapture_list(findings, sequence, thresholds)
    if any(f.route == "supervisor" for f in findings):
        verdict = "supervisor"
    elif any(f.severity == Severity.ERROR for f in findings):
        verdict = "recapture"
    else:
        verdict = "accept"
    clock.lap("decisions")
    return EnrolmentReport(
        verdict=verdict, findings=tuple(findings), recapture=recapture, fingers=MappingProxyType(fingers),
        slaps=MappingProxyType(slaps), portrait=portrait, absent=record.absent, thresholds=thresholds,
        sequence=MappingProxyType(sequence), duplicates=MappingProxyType(pairs), source=record.source,
        timings=MappingProxyType(dict(clock.times)))
