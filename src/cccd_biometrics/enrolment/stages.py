"""The per-image stages of the record check (fingers, slaps, portrait) and its comparison tables."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import CccdBiometricsError
from ..face.capture import load_portrait
from ..face.icao import check_portrait
from ..fingerprint.agreement import ridge_correlation
from ..fingerprint.analysis import analyze_fingerprint
from ..fingerprint.match import compare_one_to_many, prepare_gallery, prepare_template
from ..fingerprint.minutiae import extract_minutiae
from ..fingerprint.quality import assess_fingerprint
from ..fingerprint.slap import segment_slap
from ..images import Portrait
from .record import EnrolmentRecord, _describe, _finger_image
from .report import FingerResult


class _Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + 1000.0 * (now - self._t)
        self._t = now


def _check_fingers(record: EnrolmentRecord, clock: _Clock, analyses: dict[int, Any] | None = None
                   ) -> dict[int, FingerResult]:
    """Each finger's quality and template; ``analyses`` (when given) receives each readable finger's analysis,
    for the duplicate check's ridge-image evidence."""
    out = {}
    for pos, src in record.fingers.items():
        try:
            image = _finger_image(src, record.ppi)
            analysis = analyze_fingerprint(image)
            quality = assess_fingerprint(analysis)
            template = extract_minutiae(analysis, with_quality=False)
        except CccdBiometricsError as exc:
            out[pos] = FingerResult(pos, _describe(src), error=str(exc))
            continue
        out[pos] = FingerResult(pos, _describe(src), quality=quality, minutiae=len(template.minutiae),
                                template=template)
        if analyses is not None:
            analyses[pos] = analysis
    clock.lap("fingers")
    return out


def _check_slaps(record: EnrolmentRecord, clock: _Clock) -> dict[int, Any]:

    out: dict[int, Any] = {}
    for pos, src in record.slaps.items():
        try:
            out[pos] = segment_slap(src, pos, ppi=record.ppi, absent=tuple(record.absent))
        except CccdBiometricsError as exc:
            out[pos] = str(exc)
    clock.lap("slaps")
    return out


def _check_portrait(record: EnrolmentRecord, profile: str, clock: _Clock) -> Any:
    if record.portrait is None:
        return None

    report: Any
    try:
        portrait = record.portrait if isinstance(record.portrait, Portrait) else load_portrait(record.portrait)
        report = check_portrait(portrait, profile=profile)
    except CccdBiometricsError as exc:
        report = str(exc)
    clock.lap("portrait")
    return report


def _segment_templates(slaps: Mapping[int, Any], analyses: dict[int, Any] | None = None) -> dict[int, Any]:
    """Slap segment position -> prepared template (minutiae of the upright fingertip); ``analyses`` (when given)
    receives each of those segments' analysis, for the duplicate check's capture-versus-segment ridge evidence."""

    out = {}
    for seg in (s for s in slaps.values() if not isinstance(s, str)):
        for segment in seg.segments:
            if segment.analysis is None or segment.position in out:
                continue
            out[segment.position] = prepare_template(extract_minutiae(segment.analysis, with_quality=False))
            if analyses is not None:
                analyses[segment.position] = segment.analysis
    return out


def _score_table(fingers: Mapping[int, FingerResult], seg_templates: Mapping[int, Any],
                 kept: dict[int, Any] | None = None
                 ) -> tuple[dict[tuple[int, int], float], dict[int, dict[int, float]]]:
    """Scores of every pair of fingers, and of every finger against every slap segment; ``kept`` (when given)
    receives each finger's prepared template (the ridge evidence aligns the same templates again)."""

    positions = [p for p, r in fingers.items() if r.template is not None]
    prepared = [prepare_template(fingers[p].template) for p in positions]
    if kept is not None:
        kept.update(zip(positions, prepared, strict=True))
    pairs: dict[tuple[int, int], float] = {}
    gallery = prepare_gallery(prepared)
    for k, p in enumerate(positions[:-1]):
        scores = compare_one_to_many(prepared[k], gallery.subset(k + 1, len(positions)))
        for q, s in zip(positions[k + 1:], scores, strict=True):
            pairs[(p, q)] = float(s)
    sequence: dict[int, dict[int, float]] = {}
    if seg_templates:
        seg_positions = list(seg_templates)
        seg_gallery = prepare_gallery([seg_templates[q] for q in seg_positions])
        for k, p in enumerate(positions):
            scores = compare_one_to_many(prepared[k], seg_gallery)
            sequence[p] = {q: float(s) for q, s in zip(seg_positions, scores, strict=True)}
    return pairs, sequence


def _ridge_evidence(fingers: Mapping[int, FingerResult], analyses: Mapping[int, Any],
                    prepared: Mapping[int, Any] | None = None) -> Callable[[int, int], float | None]:
    """``(i, j) ->`` the ridge correlation of fingers i and j under their comparison's transforms (the best of
    its three anchor fits), or None; ``prepared``: the fingers' prepared templates (:func:`_score_table`'s), used
    instead of preparing them again."""
    templates = prepared if prepared is not None else {}

    def ridges(i: int, j: int) -> float | None:
        a, b = analyses.get(i), analyses.get(j)
        if a is None or b is None:
            return None
        return ridge_correlation(a, b, templates.get(i, fingers[i].template), templates.get(j, fingers[j].template))

    return ridges


def _segment_ridge_evidence(analyses: Mapping[int, Any], prepared: Mapping[int, Any],
                            seg_analyses: Mapping[int, Any], seg_templates: Mapping[int, Any]
                            ) -> Callable[[int, int], float | None]:
    """``(p, q) ->`` the ridge correlation of finger p's capture and slap segment q under their comparison's
    transforms (the best of its three anchor fits), or None; each measured once (several pairs read the same
    comparison)."""
    seen: dict[tuple[int, int], float | None] = {}

    def ridges(p: int, q: int) -> float | None:
        if (p, q) not in seen:
            a, b = analyses.get(p), seg_analyses.get(q)
            seen[p, q] = None if a is None or b is None or p not in prepared or q not in seg_templates else (
                ridge_correlation(a, b, prepared[p], seg_templates[q]))
        return seen[p, q]

    return ridges
