"""Bad input gets a typed error that names the file, never a Pillow/OpenCV/codec traceback or a crash."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

import cccd_biometrics as cb
from cccd_biometrics.errors import (
    CccdBiometricsError,
    ImageTooLargeError,
    ImageTooSmallError,
    InputNotFoundError,
    InvalidImageError,
    UnsupportedFormatError,
)
from cccd_biometrics.io.decode import MAX_PIXELS
from tests.helpers.images import fingerprint, png_header_only, tiff_header_only

FP = fingerprint(256)


def _encoded(fmt: str) -> bytes:
    if fmt == "WSQ":
        from cccd_biometrics.io.encode import encode_wsq

        return encode_wsq(FP, 500.0, "<test>")
    buf = io.BytesIO()
    Image.fromarray(FP).save(buf, format=fmt)
    return buf.getvalue()


def _raises_naming(path, exc_type, loader=cb.load_fingerprint, **kwargs):
    with pytest.raises(exc_type) as info:
        loader(path, **kwargs)
    assert isinstance(info.value, CccdBiometricsError)
    assert str(path) in str(info.value)
    return info.value


def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    err = _raises_naming(p, InvalidImageError)
    assert "empty" in str(err)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WSQ", "BMP", "TIFF", "JPEG2000"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.95])
def test_truncated_files(tmp_path, fmt, keep):
    data = _encoded(fmt)
    p = tmp_path / f"cut.{fmt.lower()}"
    p.write_bytes(data[: int(len(data) * keep)])
    _raises_naming(p, InvalidImageError)


def test_text_file_named_png(tmp_path):
    p = tmp_path / "notes.png"
    p.write_text("this is not an image\n")
    _raises_naming(p, UnsupportedFormatError)


def test_formats_outside_the_capture_set_are_refused(tmp_path):
    p = tmp_path / "anim.gif"
    Image.fromarray(FP).save(p, format="GIF")
    _raises_naming(p, UnsupportedFormatError)


def test_image_too_small_to_hold_a_finger(tmp_path):
    p = tmp_path / "tiny.png"
    Image.fromarray(FP[:50, :50]).save(p, dpi=(500, 500))
    err = _raises_naming(p, ImageTooSmallError)
    assert "64x64" in str(err)


def test_image_too_small_after_resampling(tmp_path):
    p = tmp_path / "hires.png"
    Image.fromarray(FP[:100, :100]).save(p, dpi=(1000, 1000))  # 50x50 px at 500 ppi
    _raises_naming(p, ImageTooSmallError)


def test_portrait_too_small(tmp_path):
    p = tmp_path / "thumb.png"
    Image.new("RGB", (20, 30)).save(p)
    _raises_naming(p, ImageTooSmallError, loader=cb.load_portrait)


def test_missing_path(tmp_path):
    _raises_naming(tmp_path / "nope.png", InputNotFoundError)


def test_directory_instead_of_file(tmp_path):
    err = _raises_naming(tmp_path, InputNotFoundError)
    assert "directory" in str(err)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    err = _raises_naming(fifo, InputNotFoundError)
    assert "regular file" in str(err)


def test_text_mode_and_closed_streams(tmp_path):
    p = tmp_path / "fp.png"
    Image.fromarray(FP).save(p)
    with open(p, encoding="latin-1") as fh, pytest.raises(InvalidImageError, match="binary"):
        cb.load_fingerprint(fh)
    fh = open(p, "rb")  # noqa: SIM115 - closed on purpose
    fh.close()
    with pytest.raises(InputNotFoundError):
        cb.load_fingerprint(fh)


@pytest.mark.parametrize("source", [42, None, 3.5, ["a.png"]])
def test_unsupported_source_types(source):
    with pytest.raises(InvalidImageError, match="unsupported source type"):
        cb.load_fingerprint(source)


@pytest.mark.parametrize(
    "array",
    [
        np.zeros(100, np.uint8),  # 1-D
        np.zeros((2, 64, 64, 3), np.uint8),  # 4-D
        np.zeros((64, 64, 2), np.uint8),  # two channels
        np.zeros((0, 0), np.uint8),  # empty
        np.zeros((0, 64, 3), np.uint8),  # empty colour
        np.full((128, 128), np.nan, np.float32),  # NaN
        np.where(np.eye(128) > 0, np.inf, 0.5),  # infinity
        np.zeros((128, 128), np.complex64),  # complex
        np.zeros((128, 128), object),  # object
    ],
    ids=["1d", "4d", "2ch", "empty", "empty-rgb", "nan", "inf", "complex", "object"],
)
@pytest.mark.parametrize("loader", [cb.load_fingerprint, cb.load_portrait], ids=["finger", "portrait"])
def test_bad_arrays(array, loader):
    with pytest.raises(InvalidImageError) as info:
        loader(array)
    assert "<array>" in str(info.value)


def test_array_too_large_and_too_small():
    with pytest.raises(ImageTooLargeError):
        cb.load_fingerprint(np.zeros((200, 200), np.uint8), max_pixels=10_000)
    with pytest.raises(ImageTooSmallError):
        cb.load_fingerprint(np.zeros((40, 40), np.uint8))


def test_max_pixels_applies_to_files(tmp_path):
    p = tmp_path / "fp.png"
    Image.fromarray(FP).save(p)
    err = _raises_naming(p, ImageTooLargeError, max_pixels=256 * 256 - 1)
    assert "limit" in str(err)


@pytest.mark.parametrize(
    ("kind", "width", "height"),
    [("png", 100_000, 100_000), ("tiff", 100_000, 100_000), ("png", 9_000, 9_000), ("tiff", 9_000, 9_000)],
)
def test_decompression_bomb_refused_from_the_header(tmp_path, kind, width, height):
    # 9000x9000 = 81 Mpx is under Pillow's own guard (89 Mpx) but over ours (64 Mpx)
    data = png_header_only(width, height) if kind == "png" else tiff_header_only(width, height)
    assert len(data) < 300 and width * height > MAX_PIXELS
    p = tmp_path / f"bomb.{kind}"
    p.write_bytes(data)
    _raises_naming(p, ImageTooLargeError)


_BOMB_CHILD = textwrap.dedent(
    """
    import resource, sys
    import cccd_biometrics as cb
    from cccd_biometrics.errors import ImageTooLargeError
    # cap the address space 1 GiB above what the imports took: decoding the bomb would need 10 GB
    with open("/proc/self/statm") as f:
        vm = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 30), vm + (1 << 30)))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for path in sys.argv[1:]:
        try:
            cb.load_fingerprint(path)
        except ImageTooLargeError:
            pass
        else:
            raise SystemExit("not refused: " + path)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(grown_kib)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and RLIMIT_AS")
def test_decompression_bomb_allocates_no_pixel_memory(tmp_path):
    paths = []
    for kind, data in (("png", png_header_only(100_000, 100_000)), ("tiff", tiff_header_only(100_000, 100_000))):
        p = tmp_path / f"bomb.{kind}"
        p.write_bytes(data)
        paths.append(str(p))
    out = subprocess.run([sys.executable, "-c", _BOMB_CHILD, *paths], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip()) < 50 * 1024  # peak resident memory grew by less than 50 MiB


def test_oversized_file_is_not_read(tmp_path):
    p = tmp_path / "huge.png"
    with open(p, "wb") as fh:
        fh.write(png_header_only(64, 64))
        fh.seek(8 * 1000 + (1 << 20) + 10)
        fh.write(b"\0")  # sparse: big on paper, nothing on disk
    _raises_naming(p, ImageTooLargeError, max_pixels=1000)


def test_lab_tiff_is_converted():
    buf = io.BytesIO()
    Image.new("LAB", (64, 64), (50, 0, 0)).save(buf, format="TIFF")
    img = cb.load_fingerprint(buf.getvalue(), ppi=500)
    assert img.pixels.dtype == np.uint8 and img.shape == (64, 64)


def test_mode_without_conversion_is_a_typed_error():
    from cccd_biometrics.io.decode import gray_pixels

    # Pillow cannot convert premultiplied-alpha grey ("La"): the loader says so in a typed error
    with pytest.raises(UnsupportedFormatError, match="La") as info:
        gray_pixels(Image.new("La", (64, 64)), "x.tif")
    assert "x.tif" in str(info.value)
