"""Image intake: every format and pixel mode round-trips; every kind of source loads; ppi is decided right."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import cccd_biometrics as cb
from cccd_biometrics.errors import InvalidImageError, UnsupportedFormatError
from cccd_biometrics.images import FingerImage, Portrait
from tests.helpers.images import fingerprint

FP = fingerprint(256)

LOSSLESS = ["png", "bmp", "tiff", "jp2"]


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


@pytest.mark.parametrize("suffix", LOSSLESS)
def test_lossless_formats_round_trip_exactly(tmp_path, suffix):
    path = cb.save_image(FP, tmp_path / f"fp.{suffix}", ppi=500)
    img = cb.load_fingerprint(path, ppi=500)
    assert isinstance(img, FingerImage)
    assert img.pixels.dtype == np.uint8 and img.shape == FP.shape
    np.testing.assert_array_equal(img.pixels, FP)


def test_jpeg_round_trip_is_close(tmp_path):
    path = cb.save_image(FP, tmp_path / "fp.jpg", quality=95)
    img = cb.load_fingerprint(path, ppi=500)
    assert img.format == "JPEG" and _mad(img.pixels, FP) < 3.0


def test_wsq_round_trip_is_close_and_carries_500_ppi(tmp_path):
    fi = cb.load_fingerprint(FP, ppi=500)
    path = cb.save_image(fi, tmp_path / "fp.wsq")
    assert path.read_bytes()[:2] == b"\xff\xa0"
    img = cb.load_fingerprint(path)
    assert img.format == "WSQ" and img.ppi_source == "metadata" and img.original_ppi == 500
    assert img.shape == FP.shape and _mad(img.pixels, FP) < 8.0
    assert np.corrcoef(img.pixels.ravel(), FP.ravel())[0, 1] > 0.95


def test_wsq_written_at_another_ppi_says_so(tmp_path):
    path = cb.save_image(FP, tmp_path / "fp1000.wsq", ppi=1000)
    img = cb.load_fingerprint(path)
    assert img.original_ppi == 1000 and img.ppi_source == "metadata"
    assert img.shape == (128, 128)  # resampled from 1000 to 500 ppi


def test_wsq_bitrate_cannot_be_chosen(tmp_path):
    # the wsq codec always writes 0.75 bpp; asking for another rate must not be silently ignored
    with pytest.raises(UnsupportedFormatError, match=r"0\.75"):
        cb.save_image(FP, tmp_path / "a.wsq", quality=2.0)


def _modes() -> list[tuple[str, str, Image.Image, np.ndarray, float]]:
    """(id, format, Pillow image, expected grey pixels, tolerance in mean abs difference)."""
    g = Image.fromarray(FP)
    rgb = Image.merge("RGB", [g, g, g])
    alpha_half = Image.fromarray(np.where(np.arange(256)[None, :] < 128, 255, 0).astype(np.uint8).repeat(256, 0))
    rgba_visible = rgb.copy()
    rgba_visible.putalpha(255)
    rgba_zero = rgb.copy()
    rgba_zero.putalpha(0)  # SOCOFing: a 32-bit BMP whose alpha channel is all zero over a visible print
    la = g.copy()
    la.putalpha(alpha_half)
    expected_la = np.where(np.asarray(alpha_half) == 255, FP, 255).astype(np.uint8)
    sixteen = Image.fromarray(FP.astype(np.uint16) * 257)
    palette = g.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    bilevel = g.point(lambda v: 255 if v >= 128 else 0).convert("1")
    cmyk = rgb.convert("CMYK")
    floats = Image.fromarray(FP.astype(np.float32) * 2.0 + 10.0, mode="F")
    lo, hi = float(FP.min()), float(FP.max())
    stretched = np.rint((FP - lo) * 255.0 / (hi - lo)).astype(np.uint8)  # float images: finite range stretched
    return [
        ("L-png", "PNG", g, FP, 0),
        ("RGB-png", "PNG", rgb, FP, 0.6),
        ("RGB-jp2", "JPEG2000", rgb, FP, 0.6),
        ("RGBA-png", "PNG", rgba_visible, FP, 0.6),
        ("RGBA-bmp-zero-alpha", "BMP", rgba_zero, FP, 0.6),
        ("RGBA-bmp-visible", "BMP", rgba_visible, FP, 0.6),
        ("LA-png-half-transparent", "PNG", la, expected_la, 0.6),
        ("I16-png", "PNG", sixteen, FP, 0),
        ("I16-tiff", "TIFF", sixteen, FP, 0),
        ("P-png", "PNG", palette, np.asarray(palette.convert("L")), 0),
        ("P-bmp", "BMP", palette, np.asarray(palette.convert("L")), 0),
        ("1-png", "PNG", bilevel, np.asarray(bilevel.convert("L")), 0),
        ("1-tiff", "TIFF", bilevel, np.asarray(bilevel.convert("L")), 0),
        ("CMYK-jpeg", "JPEG", cmyk, FP, 4.0),
        ("CMYK-tiff", "TIFF", cmyk, FP, 1.0),
        ("F-tiff", "TIFF", floats, stretched, 0.6),
    ]


@pytest.mark.parametrize(("fmt", "im", "expected", "tol"), [m[1:] for m in _modes()], ids=[m[0] for m in _modes()])
def test_pixel_modes_are_converted_not_rejected(tmp_path, fmt, im, expected, tol):
    buf = io.BytesIO()
    im.save(buf, format=fmt)
    img = cb.load_fingerprint(buf.getvalue(), ppi=500)
    assert img.pixels.dtype == np.uint8 and img.pixels.ndim == 2 and img.shape == FP.shape
    assert _mad(img.pixels, expected) <= tol


def test_transparent_palette_png_is_composited_over_white():
    im = Image.fromarray(FP).convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
    im.info["transparency"] = int(np.asarray(im)[0, 0])
    buf = io.BytesIO()
    im.save(buf, format="PNG", transparency=im.info["transparency"])
    img = cb.load_fingerprint(buf.getvalue(), ppi=500)
    transparent = np.asarray(im) == im.info["transparency"]
    assert transparent.any() and np.all(img.pixels[transparent] == 255)


class _Sources:
    @staticmethod
    def all(path):
        data = path.read_bytes()
        return {
            "str": str(path),
            "Path": path,
            "bytes": data,
            "bytearray": bytearray(data),
            "memoryview": memoryview(data),
            "BytesIO": io.BytesIO(data),
        }


@pytest.mark.parametrize("kind", ["str", "Path", "bytes", "bytearray", "memoryview", "BytesIO", "open file"])
def test_every_source_kind_loads_the_same_pixels(tmp_path, kind):
    path = cb.save_image(FP, tmp_path / "fp.png", ppi=500)
    if kind == "open file":
        with open(path, "rb") as fh:
            img = cb.load_fingerprint(fh)
        assert img.source == str(path)
    else:
        img = cb.load_fingerprint(_Sources.all(path)[kind])
    np.testing.assert_array_equal(img.pixels, FP)
    assert img.original_ppi == 500 and img.ppi_source == "metadata"


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (FP, FP),
        (np.dstack([FP] * 3), FP),
        (np.dstack([FP] * 3 + [np.zeros_like(FP)]), FP),
        (FP[:, :, None], FP),
        (FP.astype(np.uint16) * 257, FP),
        (FP.astype(np.float32) / 255.0, FP),
        (FP.astype(np.float64), FP),
        (FP.astype(np.int32), FP),
        (FP >= 128, np.where(FP >= 128, 255, 0).astype(np.uint8)),
    ],
    ids=["uint8", "rgb", "rgba", "hw1", "uint16", "float01", "float255", "int32", "bool"],
)
def test_arrays_load(array, expected):
    img = cb.load_fingerprint(array, ppi=500)
    assert img.source == "<array>" and img.format is None
    assert _mad(img.pixels, expected) <= 0.6


def test_loaded_pixels_are_read_only():
    img = cb.load_fingerprint(FP, ppi=500)
    with pytest.raises(ValueError):
        img.pixels[0, 0] = 1


# --- resolution -------------------------------------------------------------------------------------------


def _png(pixels: np.ndarray, dpi: float | None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return buf.getvalue()


def test_meaningful_metadata_ppi_is_used_and_resampled():
    img = cb.load_fingerprint(_png(FP, 1000))
    assert img.ppi_source == "metadata" and round(img.original_ppi) == 1000
    assert img.original_shape == (256, 256) and img.shape == (128, 128)
    assert img.scale_to_original == pytest.approx(2.0, rel=1e-3)
    assert img.to_dict()["ppi"] == 1000.0 and img.to_dict()["width"] == 256


@pytest.mark.parametrize("placeholder", [1, 72, 96, 150, 300])
def test_placeholder_dpi_is_ignored_and_the_ridge_period_decides(placeholder):
    img = cb.load_fingerprint(_png(FP, placeholder))
    assert img.ppi_source == "estimated" and img.original_ppi == 500
    assert img.shape == FP.shape


def test_caller_ppi_overrides_metadata():
    img = cb.load_fingerprint(_png(FP, 1000), ppi=250)
    assert img.ppi_source == "caller" and img.original_ppi == 250 and img.shape == (512, 512)


@pytest.mark.parametrize("bad", [0, -5, 10, 1e6, float("nan"), float("inf"), "abc", [500]])
def test_implausible_caller_ppi_is_a_typed_error(bad):
    with pytest.raises(InvalidImageError, match="ppi"):
        cb.load_fingerprint(FP, ppi=bad)


def test_downscaled_capture_is_detected_and_upsampled():
    import cv2

    from cccd_biometrics.fingerprint.capture import estimate_ppi

    # this NIST card has wide ridges: its own period reads as ~700 ppi, snapped to 500 at full size
    apparent = estimate_ppi(FP, snap=False)
    assert apparent is not None and 330 <= apparent <= 800
    small = cv2.resize(FP, None, fx=170 / 500, fy=170 / 500, interpolation=cv2.INTER_AREA)  # 87x87
    img = cb.load_fingerprint(small)
    assert img.ppi_source == "estimated"
    assert img.original_ppi == pytest.approx(apparent * 170 / 500, rel=0.12)
    assert img.original_shape == (87, 87)
    assert img.shape[0] == round(87 * 500 / img.original_ppi)


def test_no_estimate_means_500_assumed():
    img = cb.load_fingerprint(FP, estimate_resolution=False)
    assert img.ppi_source == "assumed" and img.original_ppi == 500 and img.shape == FP.shape


# --- portraits and saving ---------------------------------------------------------------------------------


def test_sample_portrait_loads_as_rgb(sample_data):
    p = cb.load_portrait(sample_data / "portraits" / "nasa_astronaut_eileen_collins.jpg")
    assert isinstance(p, Portrait) and p.pixels.dtype == np.uint8 and p.pixels.shape == (512, 512, 3)
    assert p.format == "JPEG"


def test_portrait_exif_orientation_is_applied():
    im = Image.new("RGB", (80, 40), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif)
    assert cb.load_portrait(buf.getvalue()).shape == (80, 40)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG2000", "TIFF", "BMP"])
def test_portrait_modes(fmt):
    rgba = Image.new("RGBA", (64, 48), (10, 200, 30, 0))
    buf = io.BytesIO()
    rgba.save(buf, format=fmt)
    p = cb.load_portrait(buf.getvalue())
    assert p.pixels.shape == (48, 64, 3)


def test_portrait_from_arrays():
    assert cb.load_portrait(FP).pixels.shape == (256, 256, 3)
    assert cb.load_portrait(np.dstack([FP] * 4)).pixels.shape == (256, 256, 3)


@pytest.mark.parametrize("suffix", ["png", "bmp", "tif", "jpg", "jp2", "wsq"])
def test_save_every_writable_format_then_read_it(tmp_path, suffix):
    fi = cb.load_fingerprint(FP, ppi=500)
    path = cb.save_image(fi, tmp_path / f"out.{suffix}")
    assert cb.load_fingerprint(path).shape == FP.shape


def test_save_portrait_and_unknown_format(tmp_path):
    p = cb.load_portrait(np.dstack([FP] * 3))
    assert cb.load_portrait(cb.save_image(p, tmp_path / "p.png")).shape == (256, 256)
    with pytest.raises(UnsupportedFormatError, match="GIF"):
        cb.save_image(p, tmp_path / "p.gif")


def test_reading_every_format_loads_only_the_pillow_plugins_it_needs(tmp_path):
    # Pillow imports all of its ~40 format plugins when asked for a format it has not registered yet: the
    # plugins of READ_FORMATS are registered by cccd_biometrics.io.decode, so no file it reads triggers that
    import subprocess
    import sys

    paths = [str(cb.save_image(FP, tmp_path / f"fp.{suffix}", ppi=500)) for suffix in [*LOSSLESS, "jpg"]]
    code = ("import sys\nfrom cccd_biometrics.fingerprint.capture import load_fingerprint\n"
            "for p in sys.argv[1:]:\n    load_fingerprint(p)\n"
            "print(sorted(m for m in sys.modules if m.startswith('PIL.') and m.endswith('ImagePlugin')))")
    out = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, check=True).stdout
    assert "PdfImagePlugin" not in out and "PsdImagePlugin" not in out, out
    assert "TiffImagePlugin" in out and "Jpeg2KImagePlugin" in out


def test_loading_an_array_leaves_the_callers_array_alone():
    # a FingerImage freezes its pixels; at 500 ppi the loader once handed the caller's own array to it, so a
    # segment_slap or load_fingerprint(arr, ppi=500) call made the caller's array read-only and aliased it
    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, (320, 300), dtype=np.uint8)
    img = cb.load_fingerprint(a, ppi=500)
    assert a.flags.writeable and not img.pixels.flags.writeable
    a[:] = 0  # the caller reuses its buffer: the loaded image does not change
    assert img.pixels.any()
    slap = rng.integers(0, 256, (600, 800), dtype=np.uint8)
    cb.segment_slap(slap, 13, assess=False)
    assert slap.flags.writeable
