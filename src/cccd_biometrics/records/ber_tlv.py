"""A strict BER-TLV codec (ISO/IEC 7816-4 / 8825-1 subset) for ICAO data groups.

Strict both ways: definite lengths only, in their shortest form (``0x81`` only for 128-255, ``0x82`` only
for 256-65535 ...), at most 4 length bytes, tags of at most 3 bytes in their shortest form, no trailing bytes,
a nesting depth cap, and every length checked against the bytes left before anything is sliced. A decoded
tree re-encodes to the same bytes.

>>> node = Tlv(0x7F61, (Tlv(0x02, b"\\x01"),))
>>> encode(node).hex()
'7f6103020101'
>>> decode_one(encode(node)) == node
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RecordFormatError

__all__ = ["MAX_DEPTH", "Tlv", "decode", "decode_one", "encode", "find", "is_constructed"]

MAX_DEPTH = 8
"""Deepest nesting read (an ICAO data group nests 4 levels)."""

MAX_LENGTH = 0xFFFFFFFF


@dataclass(frozen=True)
class Tlv:
    """One data object: ``tag`` as an int of its bytes (``0x7F61``), ``value`` bytes (primitive) or the tuple
    of children (constructed)."""

    tag: int
    value: bytes | tuple[Tlv, ...]

    @property
    def children(self) -> tuple[Tlv, ...]:
        if isinstance(self.value, bytes):
            raise RecordFormatError(f"tag {self.tag:X} is primitive, a constructed object was expected")
        return self.value

    @property
    def data(self) -> bytes:
        if not isinstance(self.value, bytes):
            raise RecordFormatError(f"tag {self.tag:X} is constructed, a primitive object was expected")
        return self.value


def _tag_bytes(tag: int) -> bytes:
    if tag < 0 or tag > 0xFFFFFF:
        raise RecordFormatError(f"tag {tag:X} does not fit 3 bytes")
    raw = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    _check_tag(raw, 0, len(raw))
    return raw


def is_constructed(tag: int) -> bool:
    """Whether ``tag`` (as an int of its bytes) has the constructed bit set in its first byte."""
    return bool(_tag_bytes(tag)[0] & 0x20)


def _check_tag(data: bytes, pos: int, end: int) -> int:
    """Validate the tag starting at ``pos``; return the offset after it."""
    first = data[pos]
    pos += 1
    if first & 0x1F != 0x1F:
        return pos
    if pos >= end:
        raise RecordFormatError("truncated multi-byte tag")
    if data[pos] == 0x80 or (data[pos] < 0x1F and data[pos] & 0x80 == 0):
        raise RecordFormatError("tag not in its shortest form")
    for n in range(2):
        if pos >= end:
            raise RecordFormatError("truncated multi-byte tag")
        b = data[pos]
        pos += 1
        if not b & 0x80:
            return pos
        if n == 1:
            break
    raise RecordFormatError("tag longer than 3 bytes")


def _length_bytes(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n > MAX_LENGTH:
        raise RecordFormatError(f"length {n} does not fit 4 bytes")
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _read_length(data: bytes, pos: int, end: int) -> tuple[int, int]:
    if pos >= end:
        raise RecordFormatError("truncated: a length is missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise RecordFormatError("indefinite length (0x80) is not allowed")
    if count > 4:
        raise RecordFormatError(f"length of {count} bytes (at most 4)")
    if pos + count > end:
        raise RecordFormatError("truncated length")
    n = int.from_bytes(data[pos : pos + count], "big")
    if n < 0x80 or (n.bit_length() + 7) // 8 != count:
        raise RecordFormatError("length not in its shortest form")
    return n, pos + count


def _decode_range(data: bytes, pos: int, end: int, depth: int) -> tuple[Tlv, ...]:
    if depth > MAX_DEPTH:
        raise RecordFormatError(f"nesting deeper than {MAX_DEPTH} levels")
    out = []
    while pos < end:
        start = pos
        pos = _check_tag(data, pos, end)
        tag = int.from_bytes(data[start:pos], "big")
        n, pos = _read_length(data, pos, end)
        if n > end - pos:
            raise RecordFormatError(f"tag {tag:X} declares {n} bytes, {end - pos} are left")
        if data[start] & 0x20:
            out.append(Tlv(tag, _decode_range(data, pos, pos + n, depth + 1)))
        else:
            out.append(Tlv(tag, bytes(data[pos : pos + n])))
        pos += n
    return tuple(out)


def decode(data: bytes) -> tuple[Tlv, ...]:
    """All the data objects of ``data``, which they must fill exactly.

    Raises
    ------
    RecordFormatError
        On any violation of the rules in the module docstring.
    """
    data = bytes(data)
    return _decode_range(data, 0, len(data), 0)


def decode_one(data: bytes) -> Tlv:
    """The single data object that ``data`` holds (nothing before or after it)."""
    nodes = decode(data)
    if len(nodes) != 1:
        raise RecordFormatError(f"expected one data object, found {len(nodes)}")
    return nodes[0]


def encode(node: Tlv) -> bytes:
    """The BER-TLV bytes of ``node`` (lengths in the shortest definite form)."""
    tag = _tag_bytes(node.tag)
    constructed = bool(tag[0] & 0x20)
    if isinstance(node.value, bytes):
        if constructed:
            raise RecordFormatError(f"tag {node.tag:X} is constructed but has a byte value")
        body = node.value
    else:
        if not constructed:
            raise RecordFormatError(f"tag {node.tag:X} is primitive but has children")
        body = b"".join(encode(c) for c in node.value)
    return tag + _length_bytes(len(body)) + body


def find(nodes: tuple[Tlv, ...], tag: int, *, required: bool = True) -> Tlv | None:
    """The one child with ``tag`` (a duplicate is an error); ``None`` when absent and not ``required``."""
    hits = [n for n in nodes if n.tag == tag]
    if len(hits) > 1:
        raise RecordFormatError(f"tag {tag:X} appears {len(hits)} times")
    if not hits:
        if required:
            raise RecordFormatError(f"tag {tag:X} is missing")
        return None
    return hits[0]
