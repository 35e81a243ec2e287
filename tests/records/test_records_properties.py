"""Property tests of the record codecs: random records round-trip bit-exact, damaged records raise typed errors."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cccd_biometrics.errors import CccdBiometricsError
from cccd_biometrics.records import (
    FeaturePoint,
    FingerCapture,
    PortraitCapture,
    QualityMetric,
    RecordImages,
    SlapCapture,
    SlapSegment,
    read_dg2,
    read_dg3,
    read_iso19794_4,
    read_iso19794_5,
    read_transaction,
    write_dg2,
    write_dg3,
    write_iso19794_4,
    write_iso19794_5,
    write_transaction,
)
from cccd_biometrics.records.ber_tlv import Tlv, decode, encode
from tests.helpers.records import enrolment, text_record

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=12)
metrics = st.builds(QualityMetric, st.integers(0, 100), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))


@st.composite
def gray(draw, lo=8, hi=40):
    h, w = draw(st.integers(lo, hi)), draw(st.integers(lo, hi))
    seed = draw(st.integers(0, 2**31))
    return np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)


@st.composite
def fingers(draw):
    out = {}
    for p in draw(st.sets(st.integers(1, 10), max_size=4)):
        rt = draw(st.sampled_from([4, 14]))
        out[p] = FingerCapture(draw(gray()), 500.0 if rt == 4 else float(draw(st.sampled_from([500, 1000]))),
                               "NONE", tuple(draw(st.lists(metrics, max_size=2))) if rt == 14 else (),
                               draw(st.integers(0, 3)), record_type=rt)
    return out


@st.composite
def slaps(draw):
    out = {}
    for p in draw(st.sets(st.sampled_from([13, 14, 15]), max_size=2)):
        px = draw(gray(16, 40))
        h, w = px.shape
        segs = tuple(SlapSegment(f, 0, draw(st.integers(0, w - 1)), 0, draw(st.integers(0, h - 1)))
                     for f in draw(st.sets(st.integers(1, 10), max_size=3)))
        qual = {f: tuple(draw(st.lists(metrics, min_size=1, max_size=2))) for f in draw(st.sets(st.integers(1, 10),
                                                                                                 max_size=2))}
        out[p] = SlapCapture(px, 500.0, "NONE", segs, qual)
    return out


text_values = st.one_of(latin1.filter(lambda s: s != ""), st.lists(st.lists(latin1, min_size=2, max_size=3),
                                                                    min_size=1, max_size=3))


@given(fingers(), slaps(), st.dictionaries(st.integers(3, 30), text_values, max_size=4))
@SETTINGS
def test_transaction_round_trip_bit_exact(f, s, text):
    absent = {p: "UP" for p in range(1, 11) if p not in f} if any(c.record_type == 14 for c in f.values()) or s \
        else {}
    rec = RecordImages(fingers=f, slaps=s, absent=dict(list(absent.items())[:2]), text=text)
    data = write_transaction(rec, date="20260101", tcn="P")
    back = read_transaction(data)
    assert write_transaction(back) == data
    for p, cap in f.items():
        assert np.array_equal(back.fingers[p].pixels, cap.pixels) and back.fingers[p].quality == cap.quality
    for p, cap in s.items():
        assert back.slaps[p].segments == cap.segments and back.slaps[p].quality == cap.quality
    assert back.absent == rec.absent and back.text == {k: v for k, v in text.items()}


@given(gray(8, 30), st.lists(metrics, max_size=3), st.sampled_from(["2005", "2011"]), st.integers(0, 10))
@SETTINGS
def test_fir_round_trip_bit_exact(px, qs, version, pos):
    cap = FingerCapture(px, 500.0, "NONE", tuple(qs))
    data = write_iso19794_4({pos: cap}, compression="NONE", version=version)
    back = read_iso19794_4(data)
    assert write_iso19794_4(back, compression="NONE", version=version) == data
    assert np.array_equal(back[pos].pixels, px)


points = st.builds(FeaturePoint, st.builds(lambda a, b: f"{a}.{b}", st.integers(1, 15), st.integers(0, 15)),
                   st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 255))
attributes = st.fixed_dictionaries({}, optional={"gender": st.integers(0, 255), "expression": st.integers(0, 0xFFFF),
                                                 "pose": st.integers(0, 0xFFFFFF), "quality": st.integers(0, 0xFFFF)})


@given(st.lists(points, max_size=5), st.sampled_from(["basic", "full_frontal", "token_frontal"]), attributes)
@SETTINGS
def test_fac_and_dg2_round_trip_bit_exact(pts, image_type, attrs):
    rgb = np.zeros((24, 16, 3), np.uint8)
    portrait = PortraitCapture(rgb, "JPEG", image_type, tuple(pts), attributes=attrs)
    data = write_iso19794_5(portrait)
    back = read_iso19794_5(data)
    assert write_iso19794_5(back) == data and back.feature_points == tuple(pts) and back.image_type == image_type
    dg2 = write_dg2(back)
    assert write_dg2(read_dg2(dg2)[0]) == dg2


def tlv_trees():
    primitive = st.builds(Tlv, st.sampled_from([0x02, 0x04, 0x80, 0x5F2E, 0x9F1F, 0x5F8101]), st.binary(max_size=300))
    return st.recursive(primitive, lambda kids: st.builds(
        Tlv, st.sampled_from([0x30, 0x7F61, 0x7F60, 0xA1, 0x63, 0x75]), st.lists(kids, max_size=4).map(tuple)),
        max_leaves=12)


@given(tlv_trees())
@SETTINGS
def test_ber_tlv_trees_round_trip(tree):
    raw = encode(tree)
    try:
        back = decode(raw)
    except CccdBiometricsError:
        # only deeper-than-cap nesting may be refused
        pytest.skip("nesting cap")
    assert back == (tree,) and encode(back[0]) == raw


@pytest.fixture(scope="module")
def seeds():
    rec = enrolment(True)
    return {
        "ansi": (write_transaction(rec, date="20261207", tcn="H"), read_transaction),
        "fir": (write_iso19794_4({1: rec.fingers[1], 2: rec.fingers[2]}), read_iso19794_4),
        "fir2011": (write_iso19794_4({1: rec.fingers[1]}, version="2011"), read_iso19794_4),
        "fac": (write_iso19794_5(rec.portrait), read_iso19794_5),
        "dg2": (write_dg2(rec.portrait), read_dg2),
        "dg3": (write_dg3({1: rec.fingers[1]}), read_dg3),
        "tlv": (write_dg3({1: rec.fingers[1]}), decode),
    }


mutations = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2**31), st.binary(min_size=1, max_size=8)),
                     min_size=1, max_size=5)


def _mutate(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for kind, where, payload in ops:
        p = where % max(1, len(b))
        if kind == 0:
            b[p : p + len(payload)] = payload
        elif kind == 1:
            b[p:p] = payload
        elif kind == 2:
            del b[p : p + payload[0]]
        else:
            del b[p:]
    return bytes(b)


@pytest.mark.parametrize("name", ["ansi", "fir", "fir2011", "fac", "dg2", "dg3", "tlv"])
@given(ops=mutations)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_mutated_records_raise_only_typed_errors(seeds, name, ops):
    valid, read = seeds[name]
    with contextlib.suppress(CccdBiometricsError):
        read(_mutate(valid, ops))


field_values = st.lists(st.sampled_from([b"0", b"1", b"14", b"500", b"WSQ20", b"NONE", b"JPEGB", b"XX", b"UP", b"27",
                                         b"513", b"\x1f", b"\x1e", b"-3", b"99999999999", b"2.5", b"\xff", b"abc"]),
                        min_size=0, max_size=5).map(b"".join)
record_fields = st.lists(st.tuples(st.sampled_from([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 21, 24, 29, 126,
                                                    128, 129, 130, 131, 134, 135, 136, 137]), field_values),
                         max_size=12)


@given(st.lists(st.tuples(st.sampled_from([2, 9, 10, 14, 15]), record_fields, st.one_of(st.none(),
                                                                                         st.binary(max_size=40))),
                min_size=1, max_size=4),
       st.booleans())
@settings(max_examples=300, deadline=None)
def test_grammar_built_transactions_raise_only_typed_errors(records, honest_cnt):
    body = [text_record(t, f, b if t in (10, 14) else None) for t, f, b in records]
    cnt = b"\x1e".join([b"1\x1f%d" % len(body)] + [b"%d\x1f%d" % (t, i if honest_cnt else i + 1)
                                                   for i, (t, _, _) in enumerate(records)])
    head = text_record(1, [(2, b"0502"), (3, cnt)], None)
    with contextlib.suppress(CccdBiometricsError):
        read_transaction(head + b"".join(body))
