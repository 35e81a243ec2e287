"""ANSI/NIST-ITL transactions: round trips, field contents, typed errors on bad input."""

from __future__ import annotations

import io

import nistitl
import numpy as np
import pytest

from cccd_biometrics.errors import CccdBiometricsError, InputNotFoundError, RecordFormatError
from cccd_biometrics.records import (
    FingerCapture,
    QualityMetric,
    RecordImages,
    parse_transaction,
    read_transaction,
    write_transaction,
)
from cccd_biometrics.records.ansi_nist import MAX_RECORDS
from tests.helpers.records import enrolment, finger_pixels


@pytest.fixture(scope="module")
def written() -> bytes:
    return write_transaction(enrolment(), date="20261207", tcn="TEST-1")


@pytest.fixture(scope="module")
def reread(written):
    return read_transaction(written)


def test_written_read_written_is_bit_exact(written, reread):
    assert write_transaction(reread) == written


def test_record_types_and_order(written):
    msg = nistitl.Message()
    msg.parse(written)
    types = [r.type for r in msg]
    assert types == [1, 2, 4] + [14] * 8 + [14, 9, 10]
    cnt = msg[0][3].value
    assert cnt[0] == ["1", str(len(types) - 1)]
    assert [int(c[0]) for c in cnt[1:]] == types[1:]


def test_fingers_come_back_with_their_images_and_scores(reread):
    src = enrolment()
    assert sorted(reread.fingers) == list(range(1, 10))
    for p, cap in reread.fingers.items():
        orig = src.fingers[p]
        assert cap.shape == orig.shape and cap.ppi == 500.0 and cap.compression == "WSQ"
        assert cap.record_type == (4 if p == 1 else 14)
        # WSQ is lossy, but at 0.75 bpp a print stays close to the original
        assert np.abs(cap.pixels.astype(int) - orig.pixels).mean() < 12
        if p != 1:  # Type-4 has no quality field
            assert cap.quality == orig.quality


def test_slap_segments_quality_and_absence(reread):
    slap = reread.slaps[13]
    src = enrolment().slaps[13]
    assert slap.segments == src.segments
    assert slap.quality == src.quality
    assert reread.absent == {10: "XX"}


def test_text_header_and_portrait(reread):
    assert reread.text == {3: "cccd test", 4: [["a", "b"], ["c"]]}
    assert reread.header[4] == "CAR" and reread.header[9] == "TEST-1" and reread.header[2] == "0502"
    p = reread.portrait
    assert p is not None and p.compression == "JPEG"
    assert p.feature_points == enrolment().portrait.feature_points
    assert p.pixels.shape == enrolment().portrait.pixels.shape


def test_type9_minutiae_match_ansi378_quantisation(reread):
    src = enrolment().templates[1]
    t = reread.templates[1]
    assert len(t) == len(src) and t.finger_position == 1
    for a, b in zip(t.minutiae, src.minutiae, strict=True):
        assert (a.x, a.y, a.kind) == (round(b.x), round(b.y), b.kind)
        assert abs((a.angle - b.angle + 180) % 360 - 180) <= 1.0  # INCITS 378 stores 2-degree steps


def test_paths_and_streams(tmp_path, written):
    path = tmp_path / "t.an2"
    rec = read_transaction(io.BytesIO(written))
    write_transaction(rec, path)
    assert path.read_bytes() == written
    assert read_transaction(path).fingers.keys() == rec.fingers.keys()
    with pytest.raises(InputNotFoundError):
        read_transaction(tmp_path / "missing.an2")


def test_parse_leaves_images_encoded(written):
    parsed = parse_transaction(written)
    assert len(parsed.images) == 11
    assert all(isinstance(i.data, bytes) and i.data for i in parsed.images)


def test_new_images_are_encoded_and_uncompressed_type4_works():
    px = finger_pixels(0, 128)
    rec = RecordImages(fingers={3: FingerCapture(px, compression="NONE", record_type=4),
                                4: FingerCapture(px, compression="PNG", quality=(QualityMetric(77),))})
    back = read_transaction(write_transaction(rec, date="20260101", tcn="X"))
    assert np.array_equal(back.fingers[3].pixels, px) and np.array_equal(back.fingers[4].pixels, px)
    assert back.fingers[4].quality == (QualityMetric(77),)


def test_absence_without_a_type14_carrier_is_refused():
    rec = RecordImages(fingers={1: FingerCapture(finger_pixels(0, 128), record_type=4)}, absent={2: "amputated"})
    with pytest.raises(RecordFormatError, match="AMP"):
        write_transaction(rec, date="20260101")


def test_type4_needs_500ppi():
    rec = RecordImages(fingers={1: FingerCapture(finger_pixels(0, 128), ppi=1000.0, record_type=4)})
    with pytest.raises(RecordFormatError, match="500 ppi"):
        write_transaction(rec, date="20260101")


@pytest.mark.parametrize(
    "data",
    [b"", b"1.001:", b"hello world", b"2.001:20\x1d2.002:0\x1c", b"1.001:999\x1d1.002:0502\x1c",
     b"1.001:5\x1c" * 3],
)
def test_garbage_is_a_typed_error(data):
    with pytest.raises(RecordFormatError):
        read_transaction(data)


def test_truncations_are_typed_errors(written):
    for n in list(range(0, 400, 7)) + list(range(len(written) - 300, len(written), 11)):
        with pytest.raises(CccdBiometricsError):
            read_transaction(written[:n])


def test_trailing_bytes_are_refused(written):
    with pytest.raises(RecordFormatError):
        read_transaction(written + b"x")


def test_record_count_is_capped():
    r2 = b"2.001:17\x1d2.002:0\x1c"
    head = b"1.001:20\x1d1.002:0502\x1c"
    assert (len(r2), len(head)) == (17, 20)  # each record's declared length is its own
    with pytest.raises(RecordFormatError, match="records"):
        read_transaction(head + r2 * (MAX_RECORDS + 5))


def test_our_score_and_nfiq2_in_fqm():
    import cccd_biometrics as cb
    from cccd_biometrics.records import NFIQ2_ALGORITHM, OUR_QUALITY_ALGORITHM, quality_metrics

    img = cb.load_fingerprint(finger_pixels(2), ppi=500)
    score = cb.assess_fingerprint(img).score
    rec = RecordImages(fingers={2: FingerCapture(finger_pixels(2), quality=quality_metrics(score, nfiq2=57))})
    data = write_transaction(rec, date="20260101", tcn="Q")
    assert b"14.024:2\x1f%d\x1f0000\x1f52429\x1e2\x1f57\x1f000F\x1f1\x1d" % round(score) in data
    q = read_transaction(data).fingers[2].quality
    assert [(m.score, (m.vendor, m.product)) for m in q] == [(round(score), OUR_QUALITY_ALGORITHM),
                                                             (57, NFIQ2_ALGORITHM)]


def test_parser_work_is_capped():
    """Many small records in front of a large one would make nistitl slice and search quadratically."""
    head = b"1.001:20\x1d1.002:0502\x1c"
    r2 = b"2.001:17\x1d2.002:0\x1c"
    big = b"2.001:8000019\x1d2.002:0\x1d2.003:" + b"a" * (8_000_019 - 29) + b"\x1c"
    assert len(big) == 8_000_019
    with pytest.raises(RecordFormatError, match="work cap"):  # refused by the walk, before nistitl runs
        read_transaction(head + r2 * 600 + big)


def test_text_record_must_end_with_fs():
    head = b"1.001:20\x1d1.002:0502\x1d"
    with pytest.raises(RecordFormatError, match="FS"):
        read_transaction(head)
