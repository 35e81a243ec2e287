"""The labelled defect set: one injected defect at a time on the compliant originals in sample_data.

Target (issue 6): the right code fires in >= 90 % of the variants of each defect, and no code fires on
more than 5 % of the clean originals (8 portraits and their mirror images, so: none may).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from cccd_biometrics.face.icao import check_portrait
from tests.helpers.portraits import compliant_originals, face_defects

VARIANTS = 2  # per original and defect -> 16 variants per code


@pytest.fixture(scope="module")
def originals():
    return compliant_originals()


@pytest.fixture(scope="module")
def defect_results(originals):
    rng = np.random.default_rng(6)
    fired: dict[str, list[bool]] = defaultdict(list)
    for i, (_, rgb, pupils) in enumerate(originals):
        ctx = {"eyes": pupils, "donor": originals[(i + 3) % len(originals)][1]}
        for name, (fn, code) in face_defects.DEFECTS.items():
            for _ in range(VARIANTS):
                fired[name].append(code in check_portrait(fn(rgb, rng, ctx)).codes)
    return fired


@pytest.fixture(scope="module")
def cccd_results(originals):
    rng = np.random.default_rng(7)
    fired: dict[str, list[bool]] = defaultdict(list)
    for _, rgb, pupils in originals:
        for name, (fn, code) in face_defects.CCCD_DEFECTS.items():
            for _ in range(VARIANTS):
                fired[name].append(code in check_portrait(fn(rgb, rng, {"eyes": pupils}), "cccd").codes)
    return fired


@pytest.mark.parametrize("profile", ["icao", "cccd"])
def test_clean_originals_raise_no_finding(originals, profile):
    alarms = {}
    for name, rgb, _ in originals:
        for variant, img in (("", rgb), (" mirrored", np.ascontiguousarray(rgb[:, ::-1]))):
            codes = check_portrait(img, profile).codes
            if codes:
                alarms[name + variant] = codes
    assert len(alarms) <= 0.05 * 2 * len(originals), alarms


@pytest.mark.parametrize("defect", sorted(face_defects.DEFECTS))
def test_defect_fires_its_code(defect_results, defect):
    hits = defect_results[defect]
    assert len(hits) == VARIANTS * 8
    assert np.mean(hits) >= 0.9, f"{defect}: {sum(hits)}/{len(hits)}"


@pytest.mark.parametrize("defect", sorted(face_defects.CCCD_DEFECTS))
def test_cccd_requirement_fires_its_code(cccd_results, defect):
    hits = cccd_results[defect]
    assert np.mean(hits) >= 0.9, f"{defect}: {sum(hits)}/{len(hits)}"


def _cap(rgb: np.ndarray, eyes: np.ndarray, colours: tuple, brim_ied: float) -> np.ndarray:
    """A cap over the crown down to ``brim_ied`` inter-eye distances above the eyes, in one colour or a
    checker of two (square side 0.12 IED)."""
    import cv2

    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    mid = eyes.mean(axis=0)
    h, w = rgb.shape[:2]
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (round(mid[0]), round(mid[1] - brim_ied * ied)), (round(1.3 * ied), round(1.4 * ied)), 0, 180,
                360, 1, -1)
    yy, xx = np.mgrid[0:h, 0:w]
    a, b = (np.array(c, np.uint8) for c in (colours[0], colours[-1]))
    pattern = np.where(((xx + yy) // max(4, round(0.12 * ied)) % 2 == 0)[:, :, None], a, b)
    return np.where(m[:, :, None] > 0, pattern, rgb).astype(np.uint8)


def _hair_colours(rgb: np.ndarray, eyes: np.ndarray) -> tuple:
    """A dark and a light colour of the sitter's own crown hair (20th and 80th brightness percentile of a
    box 1.1-1.5 inter-eye distances above the eyes, background excluded)."""
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    mx, my = eyes.mean(axis=0)
    box = rgb[round(my - 1.5 * ied) : round(my - 1.1 * ied), round(mx - 0.4 * ied) : round(mx + 0.4 * ied)]
    pix = box.reshape(-1, 3).astype(int)
    pix = pix[np.abs(pix - rgb[5, 5].astype(int)).sum(axis=1) > 60]
    order = np.argsort(pix.sum(axis=1))
    return tuple(tuple(int(v) for v in pix[order[round(q * (len(order) - 1))]]) for q in (0.2, 0.8))


@pytest.mark.parametrize(("what", "colours"), [
    # the background's own colour: only "the skull is there" tells it from the backdrop
    ("background-coloured", None),
    # both squares pass as hair by colour class (mustard as blond); the mustard does not match the temples
    ("hair-coloured checker", ((200, 170, 90), (30, 30, 30))),
    # dark enough, and grey-green enough, to pass as dark or grey hair by lightness and chroma alone;
    # hair is never green (issue 15, round 3)
    ("dark green and black stripes", ((45, 75, 55), (15, 25, 20))),
    # the sitter's own hair colours: only the pattern's regular direction tells it from hair
    ("stripes in the sitter's hair colours", "hair"),
])
def test_caps_that_colour_alone_misses_are_caught(originals, what, colours):
    hits = []
    for _, rgb, pupils in originals:
        cols = (colours if colours != "hair" else _hair_colours(rgb, pupils)) or (tuple(int(v) for v in rgb[5, 5]),)
        img = _cap(rgb, pupils, cols, 0.65)
        hits.append("FACE_HEAD_COVERING" in check_portrait(img, "cccd").codes)
    assert np.mean(hits) >= 0.9, f"{what}: {sum(hits)}/{len(hits)}"
