"""Records built from the shared datasets (FVC2002 prints with their ISO templates, studio portraits, the
U.are.U sample set at 500 ppi): round trips and the cross-reader. Skipped when ../shared/data is absent."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from PIL import Image

from cccd_biometrics.fingerprint.template import Template
from cccd_biometrics.records import (
    FingerCapture,
    PortraitCapture,
    RecordImages,
    feature_points_from_facemesh,
    read_dg2,
    read_dg3,
    read_iso19794_4,
    read_transaction,
    write_dg2,
    write_dg3,
    write_iso19794_4,
    write_transaction,
)

pytestmark = pytest.mark.dataset


def _gray(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


@pytest.fixture(scope="module")
def dataset_record(shared_data) -> RecordImages:
    db1 = shared_data / "fvc2002_b" / "DB1_B"
    fingers, templates = {}, {}
    for p, finger in zip(range(1, 11), range(101, 111), strict=True):
        fingers[p] = FingerCapture(_gray(db1 / f"{finger}_1.tif"), 500.0, "WSQ", impression=0)
        templates[p] = Template.from_bytes((db1 / f"{finger}_1.iso").read_bytes())
    face = sorted((shared_data / "faces_dev" / "neutral").glob("*.jpg"))[0]
    rgb = np.asarray(Image.open(face).convert("RGB").resize((600, 600)))
    return RecordImages(fingers=fingers, portrait=PortraitCapture(rgb, "JPEG2000", "full_frontal"),
                        templates=templates)


def test_fvc_ten_print_transaction_round_trip(dataset_record):
    data = write_transaction(dataset_record, date="20261207", tcn="DATASET")
    back = read_transaction(data)
    assert write_transaction(back) == data
    assert sorted(back.fingers) == list(range(1, 11)) and len(back.templates) == 10
    for p, t in back.templates.items():
        src = dataset_record.templates[p]
        assert len(t) == len(src) and (t.width, t.height) == (src.width, src.height)
    assert back.portrait.compression == "JPEG2000" and back.portrait.pixels.shape == (600, 600, 3)


def test_fvc_fir_and_dg3_round_trip(dataset_record):
    fingers = dataset_record.fingers
    for version in ("2005", "2011"):
        data = write_iso19794_4(fingers, version=version)
        assert write_iso19794_4(read_iso19794_4(data), version=version) == data
    dg3 = write_dg3(fingers)
    assert write_dg3(read_dg3(dg3)) == dg3


def test_plugin_opens_uareu_fir(shared_data):
    FIR = pytest.importorskip("iso19794.FIR")
    pytest.importorskip("wsq")
    if not isinstance(FIR.FIRImageFile.__dict__.get("mode"), property):
        FIR.FIRImageFile.mode = property(lambda s: s._mode, lambda s, v: setattr(s, "_mode", v))
    paths = sorted((shared_data / "neurotech_uareu").glob("*_1.tif"))[:4]
    fingers = {i + 1: FingerCapture(_gray(p), 500.0, "NONE") for i, p in enumerate(paths)}
    # the plugin cannot parse the standard's "unknown" capture time (all 0xFF): give it one
    data = write_iso19794_4(fingers, compression="NONE", version="2011", captured=datetime.datetime(2026, 1, 2))
    im = Image.open(io.BytesIO(data))
    for i in range(4):
        im.seek(i)
        im.load()
        assert np.array_equal(np.asarray(im), fingers[i + 1].pixels)


def test_portrait_with_facemesh_points_in_dg2(shared_data):
    from cccd_biometrics.face.icao import locate_face

    face = sorted((shared_data / "faces_dev" / "neutral").glob("*.jpg"))[1]
    rgb = np.asarray(Image.open(face).convert("RGB").resize((675, 675)))
    try:
        geo, _ = locate_face(rgb)
    except AttributeError as exc:  # the bundled detector needs an OpenCV DNN engine this install may lack
        pytest.skip(f"face detector unavailable here: {exc}")
    if geo is None:
        pytest.skip("no face found")
    pts = feature_points_from_facemesh(geo.landmarks, 675, 675)
    assert {"12.1", "12.2", "9.3", "8.3", "8.4"} <= {p.code for p in pts}
    by = {p.code: p for p in pts}
    assert by["12.1"].x > by["12.2"].x  # the subject's left eye is on the image's right
    dg2 = write_dg2(PortraitCapture(rgb, "JPEG", "full_frontal", pts))
    (back,) = read_dg2(dg2)
    assert back.feature_points == pts and write_dg2(back) == dg2
