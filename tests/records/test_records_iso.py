"""ISO/IEC 19794-4 and 19794-5 records: round trips, feature points, the iso19794 Pillow plugin as a cross-reader."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from PIL import Image

from cccd_biometrics.errors import RecordFormatError
from cccd_biometrics.records import (
    FeaturePoint,
    FingerCapture,
    PortraitCapture,
    feature_points_from_facemesh,
    read_iso19794_4,
    read_iso19794_5,
    write_iso19794_4,
    write_iso19794_5,
)
from tests.helpers.records import enrolment, finger_pixels


@pytest.fixture(scope="module")
def plugin():
    """The iso19794 plugin (0.1.0) assigns ``Image.mode``, which Pillow >= 10.1 made read-only; a setter
    storing Pillow's own ``_mode`` lets it run unchanged otherwise."""
    fac = pytest.importorskip("iso19794.FAC")
    fir = pytest.importorskip("iso19794.FIR")
    pytest.importorskip("wsq")  # registers the WSQ decoder the plugin asks Pillow for
    for cls in (fac.FACImageFile, fir.FIRImageFile):
        if not isinstance(cls.__dict__.get("mode"), property):
            cls.mode = property(lambda self: self._mode, lambda self, v: setattr(self, "_mode", v))
    return fac, fir


@pytest.mark.parametrize("compression", ["WSQ", "NONE", "PNG", "JPEG2000"])
@pytest.mark.parametrize("version", ["2005", "2011"])
def test_fir_round_trip_bit_exact(compression, version):
    rec = enrolment()
    fingers = {p: rec.fingers[p] for p in (2, 7)}
    data = write_iso19794_4(fingers, compression=compression, version=version)
    back = read_iso19794_4(data)
    assert sorted(back) == [2, 7]
    assert write_iso19794_4(back, compression=compression, version=version) == data
    if compression in ("NONE", "PNG", "JPEG2000"):  # lossless stores
        assert np.array_equal(back[2].pixels, fingers[2].pixels)
    expected = fingers[2].quality if version == "2011" else fingers[2].quality[:1]
    assert tuple((q.score, q.vendor, q.product) for q in back[2].quality) == tuple(
        (q.score, q.vendor if version == "2011" else 0, q.product if version == "2011" else 0) for q in expected)


def test_fir_2005_header_layout():
    data = write_iso19794_4({3: FingerCapture(finger_pixels(0, 128), compression="NONE")}, compression="NONE")
    assert data[:8] == b"FIR\x00010\x00"
    assert int.from_bytes(data[8:14], "big") == len(data) == 32 + 14 + 128 * 128
    assert data[18] == 1 and data[19] == 1  # one finger, ppi units
    assert int.from_bytes(data[20:22], "big") == 500 and data[28] == 8 and data[29] == 0
    assert data[36] == 3  # finger position of the view


@pytest.mark.parametrize("compression", ["WSQ", "NONE", "JPEG2000"])
def test_plugin_opens_our_fir_2011(plugin, compression):
    rec = enrolment()
    data = write_iso19794_4({2: rec.fingers[2], 3: rec.fingers[3]}, compression=compression, version="2011",
                            captured=datetime.datetime(2026, 12, 7, 5, 0, 0))
    ours = read_iso19794_4(data)
    im = Image.open(io.BytesIO(data))
    im.load()
    assert im.format == "FIR" and im.n_frames == 2 and im.mode == "L"
    assert im.size == (400, 500) and im.header["position"] == "RIGHT_INDEX_FINGER"
    assert [q.score for q in im.header["quality_records"]] == [62, 42]
    assert np.array_equal(np.asarray(im), ours[2].pixels)
    im.seek(1)
    im.load()
    assert im.header["position"] == "RIGHT_MIDDLE_FINGER" and np.array_equal(np.asarray(im), ours[3].pixels)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the plugin's __del__
def test_plugin_refuses_the_2005_edition(plugin):
    """The plugin reads 19794-4 version 020 (2011) only: our 2005 records cannot be cross-read by it."""
    data = write_iso19794_4({1: enrolment().fingers[1]})
    with pytest.raises(SyntaxError, match="version"):
        plugin[1].FIRImageFile(io.BytesIO(data))


@pytest.mark.parametrize("compression", ["JPEG", "JPEG2000"])
def test_fac_round_trip_and_plugin(plugin, compression):
    src = enrolment().portrait
    portrait = PortraitCapture(src.pixels, compression, "token_frontal", src.feature_points)
    data = write_iso19794_5(portrait)
    back = read_iso19794_5(data)
    assert write_iso19794_5(back) == data
    assert back.image_type == "token_frontal" and back.feature_points == src.feature_points
    im = Image.open(io.BytesIO(data))
    im.load()
    h = im.header
    assert im.format == "FAC" and im.size == (src.pixels.shape[1], src.pixels.shape[0])
    assert h["face_image_type"] == "TOKEN_FRONTAL" and h["image_data_type"] == compression
    assert [(p.point_type, p.point_code, p.x, p.y) for p in h["landmark_points"]] == [
        (1, 0xC1, src.feature_points[0].x, src.feature_points[0].y),
        (1, 0xC2, src.feature_points[1].x, src.feature_points[1].y)]
    # the plugin hands JPEG's YCbCr planes over as they are decoded; compare in that space
    plugin_px = np.asarray(im, dtype=np.int16)
    ours = np.asarray(Image.fromarray(back.pixels).convert("YCbCr" if compression == "JPEG" else "RGB"), np.int16)
    assert np.abs(plugin_px - ours).mean() < 2


def test_feature_points_from_facemesh():
    pts = np.zeros((468, 3))
    pts[263, :2], pts[362, :2] = (300, 200), (260, 204)
    pts[33, :2], pts[133, :2] = (100, 200), (140, 204)
    pts[1, :2] = (200, 300)
    fps = {p.code: p for p in feature_points_from_facemesh(pts, 400, 500)}
    assert (fps["12.1"].x, fps["12.1"].y) == (280, 202) and (fps["12.2"].x, fps["12.2"].y) == (120, 202)
    assert (fps["9.3"].x, fps["9.3"].y) == (200, 300)
    assert "9.3" not in {p.code for p in feature_points_from_facemesh(pts, 150, 250)}
    with pytest.raises(RecordFormatError):
        feature_points_from_facemesh(np.zeros((10, 2)), 100, 100)


def test_feature_point_codes_are_checked():
    with pytest.raises(RecordFormatError):
        FeaturePoint("16.1", 1, 1)
    assert FeaturePoint("3.12", 1, 1).byte == 0x3C


@pytest.mark.parametrize("reader", [read_iso19794_4, read_iso19794_5])
def test_bad_records_are_typed_errors(reader):
    for data in (b"", b"FIR\x00", b"FAC\x00010\x00", b"FIR\x00010\x00" + b"\xff" * 40, b"\x00" * 64):
        with pytest.raises(RecordFormatError):
            reader(data)


def test_truncated_and_extended_fir_fac():
    rec = enrolment()
    for data, reader in ((write_iso19794_4({1: rec.fingers[1]}), read_iso19794_4),
                         (write_iso19794_4({1: rec.fingers[1]}, version="2011"), read_iso19794_4),
                         (write_iso19794_5(rec.portrait), read_iso19794_5)):
        for n in range(0, len(data), max(1, len(data) // 97)):
            with pytest.raises(RecordFormatError):
                reader(data[:n])
        with pytest.raises(RecordFormatError):
            reader(data + b"\x00")
