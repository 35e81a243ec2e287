"""Records built from sample_data images, shared by the records tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from cccd_biometrics.fingerprint.template import Template
from cccd_biometrics.records import (
    OUR_QUALITY_ALGORITHM,
    FeaturePoint,
    FingerCapture,
    PortraitCapture,
    QualityMetric,
    RecordImages,
    SlapCapture,
    SlapSegment,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
SYNTHETIC = SAMPLE / "fingerprints" / "synthetic"


def finger_pixels(i: int, size: int | None = None) -> np.ndarray:
    paths = sorted(SYNTHETIC.glob("*.png"))
    a = np.asarray(Image.open(paths[i % len(paths)]).convert("L"))
    if not size:
        return a
    y, x = (a.shape[0] - size) // 2, (a.shape[1] - size) // 2
    return np.ascontiguousarray(a[y : y + size, x : x + size])


def portrait_pixels(size: tuple[int, int] | None = None) -> np.ndarray:
    im = Image.open(SAMPLE / "portraits" / "frl_london_002_neutral.jpg").convert("RGB")
    return np.asarray(im.resize(size) if size else im)


def slap_pixels() -> np.ndarray:
    """A stand-in four-finger slap: four synthetic prints side by side (800x500)."""
    return np.hstack([finger_pixels(i)[:, 100:300] for i in range(4)])


@lru_cache(maxsize=4)
def enrolment(small: bool = False) -> RecordImages:
    """Fingers 1-9 (1 as a Type-4 record) with two quality scores each, finger 10 declared amputated, a
    right-four slap with boxes and scores, a token-frontal portrait with feature points, Type-2 text and a
    minutiae template for finger 1. ``small``: 128 px crops, for fast fuzzing."""
    size = 128 if small else None
    fingers = {
        p: FingerCapture(finger_pixels(p - 1, size), 500.0, "WSQ",
                         (QualityMetric(60 + p, *OUR_QUALITY_ALGORITHM), QualityMetric(40 + p, 0x000F, 1)),
                         impression=0, record_type=4 if p == 1 else 14)
        for p in range(1, 10)
    }
    slap = slap_pixels()[150:278, :512] if small else slap_pixels()
    h, w = slap.shape
    q = w // 4
    segments = tuple(SlapSegment(p, i * q, (i + 1) * q - 1, 0, h - 1) for i, p in enumerate((2, 3, 4, 5)))
    slaps = {13: SlapCapture(slap, 500.0, "WSQ", segments, {p: (QualityMetric(50 + p, *OUR_QUALITY_ALGORITHM),)
                                                            for p in (2, 3, 4, 5)})}
    pix = portrait_pixels((90, 120) if small else None)
    ph, pw = pix.shape[:2]
    points = (FeaturePoint("12.1", pw * 6 // 10, ph * 44 // 100), FeaturePoint("12.2", pw * 4 // 10, ph * 44 // 100))
    portrait = PortraitCapture(pix, "JPEG", "token_frontal", points)
    template = Template.from_bytes((SYNTHETIC / "good_2026_1.iso").read_bytes())
    return RecordImages(fingers=fingers, slaps=slaps, absent={10: "amputated"}, portrait=portrait,
                        text={3: "cccd test", 4: [["a", "b"], ["c"]]}, templates={1: template})


def text_record(rtype: int, fields: list[tuple[int, bytes]], binary: bytes | None) -> bytes:
    """An ANSI/NIST-ITL text record with a correct 'T.001:LEN' for whatever fields it is given (so that the
    length walk passes and the fields themselves are what is tested); ``binary`` goes in field 999."""
    body = b"".join(b"\x1d%d.%03d:%s" % (rtype, tag, value) for tag, value in fields)
    if binary is not None:
        body += b"\x1d%d.999:" % rtype + binary
    for digits in range(1, 8):
        total = len(b"%d.001:" % rtype) + digits + len(body) + 1
        if len(str(total)) == digits:
            return b"%d.001:%d" % (rtype, total) + body + b"\x1c"
    raise ValueError(f"a type-{rtype} record of {len(body)} bytes is too long for a 7-digit length")
