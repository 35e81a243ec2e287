"""Structural validation of a WSQ stream before it reaches the NBIS C decoder.

The reference WSQ decoder (NBIS, wrapped by the ``wsq`` package) trusts its input: a truncated table, a
block that names an undefined Huffman table, or corrupt entropy-coded data whose bits match no Huffman code
make it read out of bounds, and the whole Python process aborts or segfaults (measured: every truncation of a
valid stream inside its tables, and about 0.3 % of random byte mutations). This module walks the stream
exactly as the decoder will — markers, table segments, the frame header, every Huffman-coded block — and
raises :class:`~cccd_biometrics.errors.InvalidImageError` at the first inconsistency, so that only streams the
decoder can parse safely are handed to it.

Stream layout (FBI WSQ specification, IAFIS-IC-0110): SOI, tables (DTT transform, DQT quantisation, DHT
Huffman, COM comments), SOF frame header, then blocks (optional tables, SOB header naming a Huffman table,
entropy-coded data with 0xFF00 byte stuffing), EOI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .._shared.binary import BoundedReader
from ..errors import InvalidImageError

__all__ = ["WsqHeader", "validate_wsq"]

SOI, EOI, SOF, SOB, DTT, DQT, DHT, DRT, COM = range(0xFFA0, 0xFFA9)
_TABLES = (DTT, DQT, DHT, COM)
_MAX_HUFFMAN_TABLES = 8  # size of the decoder's table array
_MAX_HUFFMAN_VALUES = 256
_MAX_FILTER_TAPS = 32  # the FBI filters have 7 and 9 taps; long filters overrun small subbands
MIN_WSQ_SIDE = 32
"""Smallest image side the decoder handles (its wavelet tree splits each side five times)."""
MAX_WSQ_SIDE = 16384
"""Largest image side accepted: the decoder segfaults on sides above about 40 000 (measured); a 1000 ppi
10-print card is under 8 000 px a side."""


@dataclass(frozen=True)
class WsqHeader:
    """What the frame header and comments say, read without decoding."""

    width: int
    height: int


class _Reader(BoundedReader):
    """The shared bounded reader, with the WSQ error (naming the source and the byte position)."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data, lambda reader, n: self.fail("truncated"))
        self.name = name

    def fail(self, problem: str) -> InvalidImageError:
        return InvalidImageError(f"WSQ stream is corrupt: {problem} (at byte {self.pos})", source=self.name)


def _check_table(r: _Reader, marker: int, huffman: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
    """Validate one table segment (the marker already read) and record Huffman tables by id."""
    length = r.u16()
    if length < 2:
        raise r.fail(f"segment length {length}")
    body = _Reader(r.take(length - 2), r.name)
    try:
        if marker == DTT:
            hi_taps, lo_taps = body.u8(), body.u8()
            if not (1 <= hi_taps <= _MAX_FILTER_TAPS and 1 <= lo_taps <= _MAX_FILTER_TAPS):
                raise body.fail(f"filter lengths {hi_taps}/{lo_taps}")
            body.take(6 * ((lo_taps + 1) // 2 + (hi_taps + 1) // 2))
        elif marker == DQT:
            body.take(3 + 64 * 6)
        elif marker == DHT:
            while body.pos < len(body.data):
                table_id = body.u8()
                counts = np.frombuffer(body.take(16), dtype=np.uint8).astype(np.int64)
                n_values = int(counts.sum())
                if table_id >= _MAX_HUFFMAN_TABLES or n_values == 0 or n_values > _MAX_HUFFMAN_VALUES:
                    raise body.fail(f"Huffman table {table_id} with {n_values} codes")
                huffman[table_id] = (counts, np.frombuffer(body.take(n_values), dtype=np.uint8).astype(np.int64))
        # COM is free text: its length is all there is to check
    except InvalidImageError as exc:
        raise r.fail(f"table segment {marker:04X}: {exc}") from None
    if marker != COM and body.pos != len(body.data):
        raise r.fail(f"table segment {marker:04X} has {len(body.data) - body.pos} stray bytes")


def _decode_tables(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """JPEG-style canonical code ranges per code length 1..16 (maxcode -1 where a length has no code)."""
    maxcode = np.full(17, -1, np.int64)
    mincode = np.zeros(17, np.int64)
    valptr = np.zeros(17, np.int64)
    code, k = 0, 0
    for length in range(1, 17):
        n = int(counts[length - 1])
        if n:
            valptr[length], mincode[length] = k, code
            code += n
            k += n
            maxcode[length] = code - 1
        code <<= 1
    return maxcode, mincode, valptr


@njit(cache=True, nogil=True)
def _scan_block(
    data: np.ndarray, pos: int, maxcode: np.ndarray, mincode: np.ndarray, valptr: np.ndarray,
    values: np.ndarray, coefficients: int, limit: int,
) -> tuple[int, int, int]:
    """Walk one block's Huffman-coded data as the NBIS decoder does.

    Returns (position of the marker that ends the block, coefficient count, error code); error codes:
    1 truncated, 2 bits that match no code, 3 a code outside the table, 4 invalid symbol,
    5 more coefficients than pixels, 6 a marker inside a multi-bit field.
    """
    n = data.shape[0]
    byte = 0
    bits_left = 0
    while True:
        # one Huffman code, bit by bit; a marker at a code boundary ends the block
        code = 0
        length = 0
        while True:
            if bits_left == 0:
                if pos >= n:
                    return pos, coefficients, 1
                byte = int(data[pos])
                pos += 1
                if byte == 0xFF:
                    if pos >= n:
                        return pos, coefficients, 1
                    if data[pos] != 0:
                        return pos - 1, coefficients, 0
                    pos += 1
                bits_left = 8
            bits_left -= 1
            code = (code << 1) | ((byte >> bits_left) & 1)
            length += 1
            if length > 16:
                return pos, coefficients, 2
            if code <= maxcode[length]:
                break
        index = valptr[length] + code - mincode[length]
        if index < 0 or index >= values.shape[0]:
            return pos, coefficients, 3
        symbol = values[index]
        extra = 0
        if symbol == 101 or symbol == 102 or symbol == 105:
            extra = 8
        elif symbol == 103 or symbol == 104 or symbol == 106:
            extra = 16
        elif not (1 <= symbol <= 100 or 107 <= symbol <= 254):
            return pos, coefficients, 4
        run = 0
        for _ in range(extra):
            if bits_left == 0:
                if pos >= n:
                    return pos, coefficients, 1
                byte = int(data[pos])
                pos += 1
                if byte == 0xFF:
                    if pos >= n:
                        return pos, coefficients, 1
                    if data[pos] != 0:
                        return pos, coefficients, 6
                    pos += 1
                bits_left = 8
            bits_left -= 1
            run = (run << 1) | ((byte >> bits_left) & 1)
        if 1 <= symbol <= 100:
            coefficients += symbol
        elif symbol == 105 or symbol == 106:
            coefficients += run
        else:
            coefficients += 1
        if coefficients > limit:
            return pos, coefficients, 5


_SCAN_ERRORS = {
    1: "truncated inside the coded data",
    2: "coded data matches no Huffman code",
    3: "Huffman code outside its table",
    4: "invalid Huffman symbol",
    5: "more coefficients than pixels",
    6: "marker inside a coded value",
}


def _read_marker(r: _Reader) -> int:
    marker = r.u16()
    if not SOI <= marker <= COM:
        r.pos -= 2
        raise r.fail(f"unknown marker {marker:04X}")
    return marker


def validate_wsq(data: bytes, name: str) -> WsqHeader:
    """Check that ``data`` is a complete, well-formed WSQ stream; return its frame size.

    Raises
    ------
    InvalidImageError
        On the first structural problem (truncation, bad table, undefined Huffman table, corrupt coded data).
    """
    r = _Reader(data, name)
    if _read_marker(r) != SOI:
        raise r.fail("no start-of-image marker")
    huffman: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    seen: set[int] = set()
    marker = _read_marker(r)
    while marker != SOF:
        if marker not in _TABLES:
            raise r.fail(f"marker {marker:04X} before the frame header")
        _check_table(r, marker, huffman)
        seen.add(marker)
        marker = _read_marker(r)
    if r.u16() != 17:
        raise r.fail("frame header length")
    frame = r.take(15)
    height, width = frame[2] << 8 | frame[3], frame[4] << 8 | frame[5]
    if min(width, height) < MIN_WSQ_SIDE or max(width, height) > MAX_WSQ_SIDE:
        raise r.fail(f"frame size {width}x{height} (sides must be {MIN_WSQ_SIDE}-{MAX_WSQ_SIDE})")
    _check_blocks(r, huffman, seen, width * height)
    return WsqHeader(width=width, height=height)


def _check_blocks(r: _Reader, huffman: dict[int, tuple[np.ndarray, np.ndarray]], seen: set[int], pixels: int) -> None:
    buf = np.frombuffer(r.data, dtype=np.uint8)
    coefficients, blocks = 0, 0
    marker = _read_marker(r)
    while marker != EOI:
        while marker != SOB:
            if marker not in _TABLES:
                raise r.fail(f"unexpected marker {marker:04X} between blocks")
            _check_table(r, marker, huffman)
            seen.add(marker)
            marker = _read_marker(r)
        if not {DTT, DQT} <= seen:
            raise r.fail("transform or quantisation table missing")
        if r.u16() != 3:
            raise r.fail("block header length")
        table_id = r.u8()
        if table_id not in huffman:
            raise r.fail(f"block uses undefined Huffman table {table_id}")
        counts, values = huffman[table_id]
        maxcode, mincode, valptr = _decode_tables(counts)
        end, coefficients, err = _scan_block(buf, r.pos, maxcode, mincode, valptr, values, coefficients, pixels)
        r.pos = end
        if err:
            raise r.fail(_SCAN_ERRORS[err])
        blocks += 1
        marker = _read_marker(r)
    if blocks == 0:
        raise r.fail("no coded blocks")
