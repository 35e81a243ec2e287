"""Record containers without the image codecs: a 10-finger + 3-slap + face transaction with 10 minutiae
templates, written and parsed (goal: <= 100 ms each), plus the ISO 19794-4 / DG3 / DG2 equivalents.

Images are encoded once in the fixture and carried as stored bytes, so the timed calls run the container code
only (what the issue's speed goal measures); ``test_read_transaction_with_codecs`` adds WSQ and JPEG decoding
for comparison. Run with ``pytest benchmarks/bench_records.py --benchmark-only``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cccd_biometrics.fingerprint.template import Template
from cccd_biometrics.records import (
    FingerCapture,
    PortraitCapture,
    QualityMetric,
    RecordImages,
    SlapCapture,
    SlapSegment,
    feature_points_from_facemesh,
    parse_transaction,
    read_transaction,
    write_dg2,
    write_dg3,
    write_iso19794_4,
    write_transaction,
)
from cccd_biometrics.records._codec import encode_gray, encode_rgb
from cccd_biometrics.records.icao_dg import _instances
from cccd_biometrics.records.iso19794_4 import decode_fir

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _stored_finger(px: np.ndarray, quality: int) -> FingerCapture:
    return FingerCapture(px, 500.0, "WSQ", (QualityMetric(quality), QualityMetric(quality - 10, 0x000F, 1)),
                         encoded=encode_gray(px, "WSQ", 500.0))


@pytest.fixture(scope="module")
def record() -> RecordImages:
    prints = [np.asarray(Image.open(p).convert("L")) for p in sorted((SAMPLE / "fingerprints" / "synthetic")
                                                                      .glob("*.png"))]
    fingers = {p: _stored_finger(prints[p - 1], 50 + p) for p in range(1, 11)}
    slaps = {}
    for s, fs in ((13, (2, 3, 4, 5)), (14, (7, 8, 9, 10)), (15, (1, 6))):
        px = np.hstack([prints[f - 1][:, 100:300] for f in fs])
        segs = tuple(SlapSegment(f, i * 200, i * 200 + 199, 0, 499) for i, f in enumerate(fs))
        slaps[s] = SlapCapture(px, 500.0, "WSQ", segs, {f: (QualityMetric(60),) for f in fs},
                               encoded=encode_gray(px, "WSQ", 500.0))
    rgb = np.asarray(Image.open(SAMPLE / "portraits" / "frl_london_002_neutral.jpg").convert("RGB"))
    mesh = np.random.default_rng(0).uniform(50, 400, (468, 2))
    portrait = PortraitCapture(rgb, "JPEG", "token_frontal", feature_points_from_facemesh(mesh, 467, 600),
                               encoded=encode_rgb(rgb, "JPEG"))
    t = Template.from_bytes((SAMPLE / "fingerprints" / "synthetic" / "good_2026_1.iso").read_bytes())
    return RecordImages(fingers=fingers, slaps=slaps, portrait=portrait, text={3: "bench"},
                        templates={p: t for p in range(1, 11)})


@pytest.fixture(scope="module")
def transaction(record) -> bytes:
    return write_transaction(record, date="20261207", tcn="BENCH")


def test_write_transaction(benchmark, record, transaction):
    assert benchmark(write_transaction, record, date="20261207", tcn="BENCH") == transaction


def test_parse_transaction(benchmark, transaction):
    parsed = benchmark(parse_transaction, transaction)
    assert len(parsed.images) == 14 and len(parsed.templates) == 10


def test_read_transaction_with_codecs(benchmark, transaction):
    rec = benchmark(read_transaction, transaction)
    assert len(rec.fingers) == 10 and len(rec.slaps) == 3


def test_write_fir_ten_fingers(benchmark, record):
    benchmark(write_iso19794_4, record.fingers)


def test_parse_fir_ten_fingers(benchmark, record):
    data = write_iso19794_4(record.fingers)
    assert len(benchmark(decode_fir, data).views) == 10


def test_write_dg3_and_dg2(benchmark, record):
    benchmark(lambda: (write_dg3(record.fingers), write_dg2(record.portrait)))


def test_parse_dg3(benchmark, record):
    data = write_dg3(record.fingers)
    assert len(benchmark(_instances, data, 0x63, (b"\x08", b"\x00\x07"))) == 10
