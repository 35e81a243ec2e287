"""Write sample_data/records/example_tenprint.an2 from sample_data images only (CC0 synthetic prints, the
public-domain NASA portrait), so that it may ship::

    python benchmarks/make_sample_records.py

An ANSI/NIST-ITL transaction: fingers 1-9 as Type-14 WSQ with the library's quality score
(``assess_fingerprint``) in FQM, finger 10 declared amputated (AMP), a right-four slap (13) composed from
fingers 2-5 (``slap_compose``) with its SEG boxes, the ground-truth minutiae of fingers 1-9 as Type-9 INCITS 378
blocks, the portrait as Type-10 JPEG (its file's bytes), Type-2 text. The ISO and ICAO forms follow with
``cccd-bio convert`` (``.fir``, ``.fac``, ``.dg2``, ``.dg3``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.slap_compose import compose_slap
from cccd_biometrics.fingerprint.template import Template
from cccd_biometrics.records import (
    OUR_QUALITY_ALGORITHM,
    FingerCapture,
    PortraitCapture,
    QualityMetric,
    RecordImages,
    SlapCapture,
    SlapSegment,
    write_transaction,
)

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def example() -> RecordImages:
    paths = sorted((SAMPLE / "fingerprints" / "synthetic").glob("*.png"))
    prints = [np.asarray(Image.open(p).convert("L")) for p in paths]
    scores = [round(cb.assess_fingerprint(cb.load_fingerprint(p, ppi=500)).score) for p in paths]
    fingers = {p: FingerCapture(prints[p - 1], 500.0, "WSQ", (QualityMetric(scores[p - 1], *OUR_QUALITY_ALGORITHM),))
               for p in range(1, 10)}
    slaps = {13: _right_slap({f: prints[f - 1] for f in (2, 3, 4, 5)})}
    templates = {p: Template.from_bytes(paths[p - 1].with_suffix(".iso").read_bytes()) for p in range(1, 10)}
    jpeg = (SAMPLE / "portraits" / "nasa_astronaut_eileen_collins.jpg").read_bytes()
    rgb = np.asarray(Image.open(SAMPLE / "portraits" / "nasa_astronaut_eileen_collins.jpg").convert("RGB"))
    portrait = PortraitCapture(rgb, "JPEG", "basic", encoded=jpeg)
    return RecordImages(fingers=fingers, slaps=slaps, absent={10: "amputated"}, portrait=portrait,
                        text={3: "cccd_biometrics example, synthetic prints"}, templates=templates)


def _right_slap(prints: dict[int, np.ndarray]) -> SlapCapture:
    """The right four fingers placed on a platen as a hand lays them (the same impressions as the individual
    captures, cut to their fingertips), with SEG boxes: the axis-aligned hull of each fingertip box."""
    slap = compose_slap(prints, 13, seed=2026, rotation=-12.0, partial_rate=0.0, latent_rate=0.0,
                        flat_background=True)
    h, w = slap.image.shape
    segments = []
    for f in slap.fingers:
        x0, y0 = np.clip(np.floor(f.corners.min(axis=0)), 0, None).astype(int)
        x1, y1 = np.minimum(np.ceil(f.corners.max(axis=0)), (w - 1, h - 1)).astype(int)
        segments.append(SlapSegment(f.position, int(x0), int(x1), int(y0), int(y1)))
    return SlapCapture(slap.image, 500.0, "WSQ", tuple(segments))


def main() -> None:
    out = SAMPLE / "records"
    out.mkdir(exist_ok=True)
    rec = example()
    write_transaction(rec, out / "example_tenprint.an2", tot="CAR", ori="CCCDEXAMP", date="20261207",
                      tcn="CCCD-EXAMPLE-1")


if __name__ == "__main__":
    main()
