from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_biometrics.errors import TemplateFormatError
from cccd_biometrics.fingerprint.template.codecs import detect_format
from cccd_biometrics.fingerprint.template.types import Minutia, Template

# ------------------------------------------------------------------------------------------------ strategies

iso_minutia = st.builds(
    Minutia,
    x=st.integers(0, 16383).map(float),
    y=st.integers(0, 16383).map(float),
    angle=st.integers(0, 255).map(lambda a: a * 360.0 / 256.0),
    kind=st.sampled_from(["ending", "bifurcation", "other"]),
    quality=st.integers(0, 100),
)
ansi_minutia = st.builds(
    Minutia,
    x=st.integers(0, 16383).map(float),
    y=st.integers(0, 16383).map(float),
    angle=st.integers(0, 179).map(lambda a: 2.0 * a),
    kind=st.sampled_from(["ending", "bifurcation", "other"]),
    quality=st.integers(0, 100),
)


def _template(minutiae, **kw):
    return Template(minutiae=tuple(minutiae), width=kw.get("width", 400), height=kw.get("height", 500),
                    ppi=kw.get("ppi", 500.0), quality=kw.get("quality", 60), finger_position=kw.get("pos", 3))


def _record_fields(t: Template) -> tuple:
    return (t.minutiae, t.width, t.height, t.ppi, t.quality, t.finger_position)


# ------------------------------------------------------------------------------------------------ round trips

@settings(max_examples=150, deadline=2000)
@given(st.lists(iso_minutia, max_size=60), st.integers(1, 16383), st.sampled_from([500.0, 569.0, 1000.0]),
       st.integers(0, 100), st.integers(0, 10))
def test_iso_round_trip_is_exact(minutiae, size, ppi, quality, pos):
    t = _template(minutiae, width=size, height=size, ppi=ppi, quality=quality, pos=pos)
    data = t.to_bytes("iso")
    assert data[:8] == b"FMR\x00 20\x00" and struct.unpack(">I", data[8:12])[0] == len(data)
    back = Template.from_bytes(data)
    assert _record_fields(back) == _record_fields(t)
    assert back.to_bytes("iso19794-2") == data


@settings(max_examples=150, deadline=2000)
@given(st.lists(ansi_minutia, max_size=60))
def test_ansi_round_trip_is_exact(minutiae):
    t = _template(minutiae)
    data = t.to_bytes("ansi")
    assert detect_format(data) == "ansi"
    back = Template.from_bytes(data)
    assert _record_fields(back) == _record_fields(t)
    assert back.metadata["record_format"] == "ansi"
    assert back.to_bytes("ansi") == data


@settings(max_examples=100, deadline=2000)
@given(st.lists(st.builds(Minutia, x=st.floats(0, 5000), y=st.floats(0, 5000), angle=st.floats(0, 359.999),
                          kind=st.sampled_from(["ending", "bifurcation", "other"]), quality=st.integers(0, 100)),
                max_size=40))
def test_json_round_trip_is_exact_for_floats(minutiae):
    t = _template(minutiae)
    back = Template.from_bytes(t.to_bytes("json"))
    assert back == t


def test_iso_quantisation_is_within_half_a_unit():
    t = _template([Minutia(10.3, 20.7, 123.4, "ending", 50), Minutia(5.0, 6.0, 359.5, "bifurcation", 80)])
    back = Template.from_bytes(t.to_bytes("iso"))
    for a, b in zip(t.minutiae, back.minutiae, strict=True):
        assert abs(a.x - b.x) <= 0.5 and abs(a.y - b.y) <= 0.5
        assert min(abs(a.angle - b.angle), 360 - abs(a.angle - b.angle)) <= 360 / 512 + 1e-9
        assert a.kind == b.kind and a.quality == b.quality
    ansi = Template.from_bytes(t.to_bytes("ansi"))
    assert [m.angle for m in ansi.minutiae] == [124.0, 0.0]


def test_xyt_uses_mindtct_convention():
    t = _template([Minutia(100, 30, 90.0, "ending", 42)], height=500)
    assert t.to_bytes("xyt") == b"100 470 270 42\n"
    back = Template.from_bytes(b"100 470 270 42\n", height=500)
    assert (back.minutiae[0].x, back.minutiae[0].y, back.minutiae[0].angle) == (100.0, 30.0, 90.0)
    assert back.minutiae[0].quality == 42
    with pytest.raises(TemplateFormatError):
        Template.from_bytes(b"100 470 270 42\n")  # height unknown


def test_xyt_lines_with_and_without_quality():
    """The one xyt parser (also used for the reference tools' minutiae in ``bench``): bottom-left origin,
    NIST angle = ISO angle + 180, quality defaulting to 100; malformed lines are a TemplateFormatError."""
    t = Template.from_bytes(b"10 20 90 55\n30 5 270 7\n", "xyt", height=100)
    assert [(m.x, m.y, m.angle, m.quality) for m in t.minutiae] == [(10, 80, 270, 55), (30, 95, 90, 7)]
    assert Template.from_bytes(b"10 20 90\n", "xyt", height=100).minutiae[0].quality == 100
    with pytest.raises(TemplateFormatError):
        Template.from_bytes(b"1 2 x\n", "xyt", height=10)


def test_ansi_long_length_and_extra_views_survive():
    t = _template([Minutia(1, 2, 4.0, "ending", 3)])
    iso = bytearray(t.to_bytes("iso"))
    view = bytes(iso[24:])  # one finger view: header, minutia, extended-data length
    iso[22] = 2  # two views
    iso += view[:-2] + b"\x00\x04\xab\xcd\x00\x00"[:6]
    iso[-6:-4] = b"\x00\x04"
    iso[8:12] = struct.pack(">I", len(iso))
    back = Template.from_bytes(bytes(iso))
    assert len(back.metadata["extra_views"]) == 1
    assert back.to_bytes("iso") == bytes(iso)


def test_unknown_format_name_raises():
    with pytest.raises(TemplateFormatError):
        _template([]).to_bytes("wsq")


def test_too_many_minutiae_for_record_raises():
    with pytest.raises(TemplateFormatError):
        _template([Minutia(1, 1, 0.0)] * 256).to_bytes("iso")


# ------------------------------------------------------------------------------------------------ dataset

@pytest.mark.dataset
def test_fvc2002_sdk_templates_reencode_byte_identically(shared_data):
    files = sorted(shared_data.glob("fvc2002_b/DB*_B/*.iso"))
    assert len(files) >= 320
    for f in files:
        data = f.read_bytes()
        t = Template.from_bytes(data)
        assert 0 < len(t) <= 255
        assert t.to_bytes("iso") == data, f.name
        assert Template.from_bytes(t.to_bytes("json")).to_bytes("iso") == data


@pytest.mark.dataset
def test_truncated_templates_raise(shared_data):
    files = sorted((shared_data / "fvc2002_b" / "invalid_iso_templates").rglob("*.iso"))
    assert len(files) == 3
    for f in files:
        with pytest.raises(TemplateFormatError):
            Template.from_bytes(f.read_bytes())
        with pytest.raises(TemplateFormatError):
            Template.from_bytes(f.read_bytes(), "iso")


# ------------------------------------------------------------------------------------------------ fuzzing

def _decode_or_format_error(data: bytes, fmt=None, **kw):
    try:
        t = Template.from_bytes(data, fmt, **kw)
    except TemplateFormatError:
        return None
    assert isinstance(t, Template)
    assert len(t.minutiae) <= max(len(data), 1)  # nothing allocated beyond the input's size
    return t


@settings(max_examples=400, deadline=2000)
@given(st.binary(max_size=600))
def test_fuzz_random_bytes(data):
    _decode_or_format_error(data)
    for fmt in ("iso", "ansi", "xyt", "json"):
        _decode_or_format_error(data, fmt, height=500)


_SEED = _template([Minutia(10 * i, 20 * i, 3.0 * i, "ending" if i % 2 else "bifurcation", i) for i in range(12)])


@settings(max_examples=400, deadline=2000)
@given(st.sampled_from(["iso", "ansi"]), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)),
                                                  max_size=6), st.integers(0, 120))
def test_fuzz_mutated_records(fmt, edits, cut):
    data = bytearray(_SEED.to_bytes(fmt))
    for pos, value in edits:
        if pos < len(data):
            data[pos] = value
    data = bytes(data[: len(data) - cut]) if cut else bytes(data)
    _decode_or_format_error(data)
    _decode_or_format_error(data, fmt)


@settings(max_examples=200, deadline=2000)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=20))
def test_fuzz_json_shapes(obj):
    _decode_or_format_error(json.dumps({"minutiae": [obj], "width": obj, "height": 3}).encode(), "json")
    _decode_or_format_error(json.dumps(obj).encode(), "json")


def test_deeply_nested_json_is_a_format_error():
    with pytest.raises(TemplateFormatError):
        Template.from_bytes(b"[" * 100000 + b"]" * 100000, "json")
    with pytest.raises(TemplateFormatError):
        Template.from_bytes(b"{" + b'"a":[' * 100000, "json")


@settings(max_examples=200, deadline=2000)
@given(st.dictionaries(st.sampled_from(["capture_equipment", "y_res", "view_number", "impression_type",
                                        "extended_data", "extra_views", "minutia_reserved_bits", "header_reserved",
                                        "cbeff_product", "record_format"]),
                       st.one_of(st.integers(-5, 70000), st.text(max_size=6), st.lists(st.integers(-3, 300),
                                                                                          max_size=3)),
                       max_size=4),
       st.integers(-3, 300), st.floats(-10, 20000) | st.just(float("nan")))
def test_fuzz_encoding_odd_templates(meta, quality, x):
    t = Template(minutiae=(Minutia(x, 5.0, 10.0, "ending", 50),), width=300, height=400, quality=quality,
                 metadata=meta)
    for fmt in ("iso", "ansi", "xyt", "json"):
        try:
            data = t.to_bytes(fmt)
        except TemplateFormatError:
            continue
        assert isinstance(data, bytes)
