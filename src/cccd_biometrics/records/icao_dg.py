"""ICAO Doc 9303 Part 10 data groups DG2 (face) and DG3 (fingers): CBEFF biometric information templates.

Structure (BER-TLV, see :mod:`.ber_tlv`)::

    75 (DG2) | 63 (DG3)
      7F61  biometric information group template
        02    number of instances (1 byte)
        7F60  biometric information template (one per instance)
          A1    biometric header template: 80 header version 0101, 81 biometric type (02 face, 08 finger),
                82 subtype (finger: position bits), 87 format owner 0101 (ISO/IEC JTC 1/SC 37),
                88 format type (0008 face image 19794-5, 0007 finger image 19794-4)
          5F2E  biometric data block: the 19794-5 record (DG2) or a 19794-4 record (DG3)

Written: one instance per face (DG2) or per finger (DG3, each a one-view 19794-4 record). Read: every
instance; the enciphered data block ``7F2E`` (Extended Access Control protected) is refused with a typed
error (no chip access and no keys here). No signature is checked: that is the reader's job (Part 11).
"""

from __future__ import annotations

from ..errors import RecordFormatError
from .ber_tlv import Tlv, decode_one, encode, find
from .iso19794_4 import read_iso19794_4, write_iso19794_4
from .iso19794_5 import read_iso19794_5, write_iso19794_5
from .model import MAX_RECORD_BYTES, FingerCapture, PortraitCapture

__all__ = ["read_dg2", "read_dg3", "write_dg2", "write_dg3"]

DG2_TAG, DG3_TAG = 0x75, 0x63
_GROUP, _TEMPLATE, _COUNT, _HEADER, _DATA, _DATA_ENCIPHERED = 0x7F61, 0x7F60, 0x02, 0xA1, 0x5F2E, 0x7F2E
_FORMAT_OWNER = b"\x01\x01"
_FACE = (b"\x02", b"\x00\x08")
_FINGER = (b"\x08", b"\x00\x07")
_FINGER_SUBTYPE = {1: 0x05, 2: 0x09, 3: 0x0D, 4: 0x11, 5: 0x15, 6: 0x06, 7: 0x0A, 8: 0x0E, 9: 0x12, 10: 0x16}
"""CBEFF biometric subtype of each finger position: bit 0x01 right / 0x02 left, then thumb 0x04, pointer 0x08,
middle 0x0C, ring 0x10, little 0x14 (ISO/IEC 19785-1 / Doc 9303 Part 10)."""


def _header(kind: tuple[bytes, bytes], subtype: int | None) -> Tlv:
    items = [Tlv(0x80, b"\x01\x01"), Tlv(0x81, kind[0])]
    if subtype is not None:
        items.append(Tlv(0x82, bytes([subtype])))
    items += [Tlv(0x87, _FORMAT_OWNER), Tlv(0x88, kind[1])]
    return Tlv(_HEADER, tuple(items))


def _group(tag: int, instances: list[tuple[Tlv, bytes]]) -> bytes:
    if not 1 <= len(instances) <= 255:
        raise RecordFormatError(f"{len(instances)} biometric instances: 1-255 fit a data group")
    templates = tuple(Tlv(_TEMPLATE, (h, Tlv(_DATA, d))) for h, d in instances)
    return encode(Tlv(tag, (Tlv(_GROUP, (Tlv(_COUNT, bytes([len(instances)])), *templates)),)))


def _instances(data: bytes, tag: int, kind: tuple[bytes, bytes]) -> list[bytes]:
    if len(data) > MAX_RECORD_BYTES:
        raise RecordFormatError(f"data group of {len(data)} bytes exceeds the {MAX_RECORD_BYTES}-byte cap")
    root = decode_one(data)
    if root.tag != tag:
        raise RecordFormatError(f"data group tag {root.tag:X}, expected {tag:X}")
    group = find(root.children, _GROUP)
    assert group is not None
    if len(root.children) != 1:
        raise RecordFormatError("the data group holds more than its biometric information group template")
    count = find(group.children, _COUNT)
    assert count is not None
    templates = [t for t in group.children if t.tag == _TEMPLATE]
    if len(count.data) != 1 or count.data[0] != len(templates) or len(templates) + 1 != len(group.children):
        raise RecordFormatError("the instance count does not match the biometric information templates")
    out = []
    for t in templates:
        if find(t.children, _DATA_ENCIPHERED, required=False) is not None:
            raise RecordFormatError("enciphered biometric data block (7F2E): protected data is not read here")
        header, block = find(t.children, _HEADER), find(t.children, _DATA)
        assert header is not None and block is not None
        _check_header(header, kind)
        out.append(block.data)
    return out


def _check_header(header: Tlv, kind: tuple[bytes, bytes]) -> None:
    btype = find(header.children, 0x81, required=False)
    owner, ftype = find(header.children, 0x87), find(header.children, 0x88)
    assert owner is not None and ftype is not None
    if btype is not None and btype.data != kind[0]:
        raise RecordFormatError(f"biometric type {btype.data.hex()}, expected {kind[0].hex()}")
    if owner.data != _FORMAT_OWNER or ftype.data != kind[1]:
        raise RecordFormatError(f"format owner/type {owner.data.hex()}/{ftype.data.hex()}, expected "
                                f"{_FORMAT_OWNER.hex()}/{kind[1].hex()}")


def write_dg2(portrait: PortraitCapture) -> bytes:
    """DG2 holding ``portrait`` as a 19794-5:2005 record.

    >>> import numpy as np
    >>> write_dg2(PortraitCapture(np.zeros((40, 30, 3), np.uint8)))[:1].hex()
    '75'
    """
    return _group(DG2_TAG, [(_header(_FACE, None), write_iso19794_5(portrait))])


def read_dg2(data: bytes) -> list[PortraitCapture]:
    """Every portrait of a DG2 (usually one).

    Raises
    ------
    RecordFormatError
        On any BER-TLV, CBEFF header or 19794-5 violation.
    """
    return [read_iso19794_5(block) for block in _instances(bytes(data), DG2_TAG, _FACE)]


def write_dg3(fingers: dict[int, FingerCapture], *, compression: str = "WSQ") -> bytes:
    """DG3 holding one 19794-4:2005 record per finger (``fingers``: position 1-10 -> capture)."""
    instances = []
    for pos, cap in sorted(fingers.items()):
        if pos not in _FINGER_SUBTYPE:
            raise RecordFormatError(f"finger position {pos}: DG3 holds fingers 1-10")
        record = write_iso19794_4({pos: cap}, compression=compression)
        instances.append((_header(_FINGER, _FINGER_SUBTYPE[pos]), record))
    return _group(DG3_TAG, instances)


def read_dg3(data: bytes) -> dict[int, FingerCapture]:
    """The finger images of a DG3 by position (a position met twice keeps its first image).

    Raises
    ------
    RecordFormatError
        On any BER-TLV, CBEFF header or 19794-4 violation.
    """
    out: dict[int, FingerCapture] = {}
    for block in _instances(bytes(data), DG3_TAG, _FINGER):
        for pos, cap in read_iso19794_4(block).items():
            out.setdefault(pos, cap)
    return out
