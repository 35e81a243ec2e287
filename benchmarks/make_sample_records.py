"""Write sample_data/records/example_tenprint.an2 from sample_data images only (CC0 synthetic prints, the
public-domain NASA portrait), so that it may ship::

    python benchmarks/make_sample_records.py

An ANSI/NIST-ITL transaction: fingers 1-9 as Type-14 WSQ with the library's quality score
(``assess_fingerprint``) in FQM, finger 10 declared amputated
(AMP), a right-four slap (13) made of four prints side by side with its SEG boxes, the ground-truth minutiae of
fingers 1-9 as Type-9 INCITS 378 blocks, the portrait as Type-10 JPEG (its file's bytes), Type-2 text. The ISO
and ICAO forms follow with ``cccd-bio convert`` (``.fir``, ``.fac``, ``.dg2``, ``.dg3``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import cccd_biometrics as cb
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
    slap = np.hstack([prints[f - 1][:, 100:300] for f in (2, 3, 4, 5)])
    segments = tuple(SlapSegment(f, i * 200, i * 200 + 199, 0, 499) for i, f in enumerate((2, 3, 4, 5)))
    slaps = {13: SlapCapture(slap, 500.0, "WSQ", segments)}
    templates = {p: Template.from_bytes(paths[p - 1].with_suffix(".iso").read_bytes()) for p in range(1, 10)}
    jpeg = (SAMPLE / "portraits" / "nasa_astronaut_eileen_collins.jpg").read_bytes()
    rgb = np.asarray(Image.open(SAMPLE / "portraits" / "nasa_astronaut_eileen_collins.jpg").convert("RGB"))
    portrait = PortraitCapture(rgb, "JPEG", "basic", encoded=jpeg)
    return RecordImages(fingers=fingers, slaps=slaps, absent={10: "amputated"}, portrait=portrait,
                        text={3: "cccd_biometrics example, synthetic prints"}, templates=templates)


def main() -> None:
    out = SAMPLE / "records"
    out.mkdir(exist_ok=True)
    rec = example()
    write_transaction(rec, out / "example_tenprint.an2", tot="CAR", ori="CCCDEXAMP", date="20261207",
                      tcn="CCCD-EXAMPLE-1")


if __name__ == "__main__":
    main()
