"""Fuzzing the intake: arbitrary or damaged bytes give an image or a library error, never anything else.

The NBIS WSQ decoder aborts or segfaults the process on malformed streams, so damaged WSQ is also fed to the
loader in a child process: a crash there fails the test instead of killing the test run.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import cccd_biometrics as cb
from cccd_biometrics.errors import CccdBiometricsError
from cccd_biometrics.images import FingerImage, Portrait
from tests.helpers.images import fingerprint

# Pillow warns about the corrupt tags it skips; the outcome, not the warning, is under test here
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SMALL = fingerprint(96)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _encode(fmt: str) -> bytes:
    if fmt == "WSQ":
        from cccd_biometrics.io.encode import encode_wsq

        return encode_wsq(SMALL, 500.0, "<fuzz>")
    buf = io.BytesIO()
    Image.fromarray(SMALL).save(buf, format=fmt)
    return buf.getvalue()


VALID = {fmt: _encode(fmt) for fmt in ("PNG", "BMP", "WSQ", "TIFF", "JPEG")}


def _load_or_typed_error(data: bytes, loader=cb.load_fingerprint) -> None:
    try:
        out = loader(data)
    except CccdBiometricsError:
        return
    assert isinstance(out, (FingerImage, Portrait))


@FUZZ
@given(st.binary(min_size=0, max_size=2048))
def test_random_bytes(data):
    _load_or_typed_error(data)


@FUZZ
@given(st.binary(min_size=0, max_size=512))
def test_random_bytes_behind_real_magic_numbers(tail):
    for magic in (b"\x89PNG\r\n\x1a\n", b"BM", b"II*\x00", b"MM\x00*", b"\xff\xd8\xff", b"\xff\xa0\xff\xa8",
                  b"\x00\x00\x00\x0cjP  \r\n\x87\n"):
        _load_or_typed_error(magic + tail)


def _mutations(fmt: str):
    n = len(VALID[fmt])
    edit = st.tuples(st.integers(0, n - 1), st.integers(0, 255))
    return st.tuples(st.lists(edit, min_size=1, max_size=8), st.integers(1, n))


def _mutate(fmt: str, edits, keep) -> bytes:
    b = bytearray(VALID[fmt])
    for pos, value in edits:
        b[pos] = value
    return bytes(b[:keep])


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "JPEG"])
def test_mutated_valid_files(fmt):
    @FUZZ
    @given(_mutations(fmt))
    def run(mutation):
        edits, keep = mutation
        _load_or_typed_error(_mutate(fmt, edits, keep))
        _load_or_typed_error(_mutate(fmt, edits, keep), loader=cb.load_portrait)

    run()


@FUZZ
@given(_mutations("WSQ"))
def test_mutated_wsq_in_process(mutation):
    # the stream validator stands between hostile data and the C decoder; the child-process tests below
    # establish that it does so without crashing, this one that the outcome is always typed
    edits, keep = mutation
    _load_or_typed_error(_mutate("WSQ", edits, keep))


_WSQ_CHILD = textwrap.dedent(
    """
    import random, sys
    import cccd_biometrics as cb
    from cccd_biometrics.errors import CccdBiometricsError
    valid = sys.stdin.buffer.read()
    mode, count = sys.argv[1], int(sys.argv[2])
    outcomes = {"image": 0, "error": 0}
    for i in range(count):
        rnd = random.Random(i)
        if mode == "truncate":
            data = valid[: i * len(valid) // count]
        else:
            b = bytearray(valid)
            span = len(b) if mode == "anywhere" else min(len(b), 800)  # "header": the tables and frame header
            for _ in range(rnd.randint(1, 6)):
                b[rnd.randrange(span)] = rnd.randrange(256)
            data = bytes(b)
        try:
            cb.load_fingerprint(data, ppi=500)
            outcomes["image"] += 1
        except CccdBiometricsError:
            outcomes["error"] += 1
    print(outcomes["image"], outcomes["error"])
    """
)


@pytest.mark.parametrize(("mode", "count"), [("truncate", 250), ("header", 300), ("anywhere", 200)])
def test_damaged_wsq_never_crashes_the_process(mode, count):
    valid = VALID_LARGE_WSQ()
    out = subprocess.run(
        [sys.executable, "-c", _WSQ_CHILD, mode, str(count)], input=valid, capture_output=True, timeout=300
    )
    assert out.returncode == 0, f"child died with {out.returncode}: {out.stderr[-1500:]!r}"
    images, errors = map(int, out.stdout.split())
    assert images + errors == count and errors > 0


def VALID_LARGE_WSQ() -> bytes:  # noqa: N802 - a constant computed on demand
    from cccd_biometrics.io.encode import encode_wsq

    return encode_wsq(fingerprint(256), 500.0, "<fuzz>")


def test_known_decoder_crashers_are_refused():
    """Streams that crashed the bare NBIS decoder (found by fuzzing) are refused before it sees them."""
    valid = VALID_LARGE_WSQ()
    truncated_in_tables = [valid[:n] for n in (132, 139, 150, 185, 400, 700)]
    huge_frame = bytearray(valid)
    sof = valid.index(b"\xff\xa2")
    huge_frame[sof + 6 : sof + 8] = (61184).to_bytes(2, "big")  # height 61184: the decoder segfaults
    code = textwrap.dedent(
        """
        import pickle, sys
        import cccd_biometrics as cb
        from cccd_biometrics.errors import InvalidImageError
        for data in pickle.loads(sys.stdin.buffer.read()):
            try:
                cb.load_fingerprint(data)
            except InvalidImageError:
                continue
            raise SystemExit("accepted a stream that crashes the decoder")
        """
    )
    import pickle

    streams = [*truncated_in_tables, bytes(huge_frame)]
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(streams), capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr[-1500:]
