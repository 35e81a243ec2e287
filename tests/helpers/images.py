"""Shared builders for the intake tests: a real fingerprint crop and crafted file headers."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "fingerprints" / "nist_sd4_f0001_01.png"


def fingerprint(size: int = 256) -> np.ndarray:
    """A centred ``size`` x ``size`` crop of the public-domain NIST SD4 sample (500 ppi, uint8)."""
    g = np.asarray(Image.open(SAMPLE).convert("L"))
    y0, x0 = (g.shape[0] - size) // 2, (g.shape[1] - size) // 2
    return np.ascontiguousarray(g[y0 : y0 + size, x0 : x0 + size])


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` 8-bit grey pixels, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def tiff_header_only(width: int, height: int) -> bytes:
    """A little-endian baseline TIFF claiming ``width`` x ``height`` 8-bit grey pixels in one 16-byte strip."""
    entries = [
        (256, 4, 1, width),  # ImageWidth (LONG)
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 8),  # StripOffsets: right after the header
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
    ]
    ifd_offset = 8 + 16
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        packed = struct.pack("<HHI", tag, typ, count)
        packed += struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        ifd += packed
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + b"\x00" * 16 + ifd


def stripes(theta_deg: float, period: float, size: int = 256, contrast: float = 100.0) -> np.ndarray:
    """Sinusoidal ridges of direction ``theta_deg`` (counter-clockwise on screen) and ``period`` px."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    t = np.deg2rad(theta_deg)
    # distance across the ridges: the normal is (-sin, cos) in (x, y-up) coordinates, y-up = -row
    across = -np.sin(t) * xx - np.cos(t) * yy
    return np.clip(128 + contrast * np.cos(2 * np.pi * across / period), 0, 255).astype(np.uint8)
