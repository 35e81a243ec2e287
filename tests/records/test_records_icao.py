"""ICAO DG2/DG3 and the strict BER-TLV codec under them."""

from __future__ import annotations

import pytest

from cccd_biometrics.errors import RecordFormatError
from cccd_biometrics.records import read_dg2, read_dg3, read_iso19794_4, read_iso19794_5, write_dg2, write_dg3
from cccd_biometrics.records.ber_tlv import Tlv, decode, decode_one, encode, find
from tests.helpers.records import enrolment


@pytest.fixture(scope="module")
def dg2() -> bytes:
    return write_dg2(enrolment().portrait)


@pytest.fixture(scope="module")
def dg3() -> bytes:
    rec = enrolment()
    return write_dg3({p: rec.fingers[p] for p in (1, 2, 6)})


def test_dg2_structure(dg2):
    root = decode_one(dg2)
    assert root.tag == 0x75
    group = find(root.children, 0x7F61)
    assert find(group.children, 0x02).data == b"\x01"
    template = find(group.children, 0x7F60)
    header = find(template.children, 0xA1)
    assert find(header.children, 0x81).data == b"\x02"  # facial features
    assert find(header.children, 0x87).data == b"\x01\x01" and find(header.children, 0x88).data == b"\x00\x08"
    block = find(template.children, 0x5F2E).data
    assert block[:8] == b"FAC\x00010\x00"
    assert read_iso19794_5(block).image_type == "token_frontal"


def test_dg2_round_trip(dg2):
    (portrait,) = read_dg2(dg2)
    assert write_dg2(portrait) == dg2
    assert portrait.feature_points == enrolment().portrait.feature_points


def test_dg3_structure_and_round_trip(dg3):
    root = decode_one(dg3)
    assert root.tag == 0x63
    group = find(root.children, 0x7F61)
    templates = [t for t in group.children if t.tag == 0x7F60]
    assert find(group.children, 0x02).data == b"\x03" and len(templates) == 3
    subtypes = [find(find(t.children, 0xA1).children, 0x82).data for t in templates]
    assert subtypes == [b"\x05", b"\x09", b"\x06"]  # right thumb, right index, left thumb
    assert read_iso19794_4(find(templates[1].children, 0x5F2E).data).keys() == {2}
    fingers = read_dg3(dg3)
    assert sorted(fingers) == [1, 2, 6]
    assert write_dg3(fingers) == dg3


def test_dg_types_are_not_confused(dg2, dg3):
    with pytest.raises(RecordFormatError):
        read_dg2(dg3)
    with pytest.raises(RecordFormatError):
        read_dg3(dg2)


def test_enciphered_block_is_refused(dg2):
    root = decode_one(dg2)
    group = find(root.children, 0x7F61)
    t = find(group.children, 0x7F60)
    header = find(t.children, 0xA1)
    enciphered = Tlv(0x75, (Tlv(0x7F61, (Tlv(0x02, b"\x01"), Tlv(0x7F60, (header, Tlv(0x7F2E, ()))))),))
    with pytest.raises(RecordFormatError, match="7F2E"):
        read_dg2(encode(enciphered))


def test_instance_count_must_match(dg2):
    data = bytearray(dg2)
    i = data.index(b"\x02\x01\x01")
    data[i + 2] = 2
    with pytest.raises(RecordFormatError, match="count"):
        read_dg2(bytes(data))


@pytest.mark.parametrize(
    "data, why",
    [
        (b"\x04\x80\x00\x00", "indefinite"),
        (b"\x04\x81\x05abcde", "shortest"),
        (b"\x04\x82\x00\x81" + b"a" * 0x81, "shortest"),
        (b"\x04\x85\x00\x00\x00\x00\x01a", "at most 4"),
        (b"\x04\x84\xff\xff\xff\xff", "left"),
        (b"\x04\x03ab", "left"),
        (b"\x04\x01a\x00", "truncated"),
        (b"\x5f\x80\x01\x01a", "shortest"),
        (b"\x5f\x05\x01a", "shortest"),
        (b"\x5f\x81\x81\x01\x01a", "3 bytes"),
        (b"\x1f", "truncated"),
    ],
)
def test_ber_tlv_strictness(data, why):
    with pytest.raises(RecordFormatError, match=why):
        decode(data)


def test_ber_tlv_nesting_is_capped():
    data = b"\x04\x00"
    for _ in range(12):
        data = b"\x30" + bytes([len(data)]) + data
    with pytest.raises(RecordFormatError, match="nesting"):
        decode(data)


def test_ber_tlv_long_lengths_round_trip():
    for n in (0, 1, 127, 128, 255, 256, 65535, 65536):
        node = Tlv(0x5F2E, b"x" * n)
        raw = encode(node)
        assert decode_one(raw) == node
    assert encode(Tlv(0x04, b"x" * 128))[:3] == b"\x04\x81\x80"
    assert encode(Tlv(0x04, b"x" * 256))[:4] == b"\x04\x82\x01\x00"


def test_ber_tlv_encode_refuses_inconsistent_nodes():
    with pytest.raises(RecordFormatError):
        encode(Tlv(0x04, (Tlv(0x04, b""),)))  # primitive tag with children
    with pytest.raises(RecordFormatError):
        encode(Tlv(0x7F61, b"raw"))  # constructed tag with bytes
    with pytest.raises(RecordFormatError):
        encode(Tlv(0x1F01, b""))  # tag not in its shortest form
