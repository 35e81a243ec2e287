"""Crash campaign for the WSQ path: damaged streams fed to the NBIS decoder in child processes.

Each child decodes a range of deterministic damaged copies of a valid stream; when a child dies (abort,
segfault), the case is recorded and a new child resumes after it. ``--raw`` calls the bare decoder (the
baseline: how often hostile input kills the process), the default goes through
:func:`cccd_biometrics.io.wsq_stream.validate_wsq` first, as :func:`cccd_biometrics.load_fingerprint` does::

    python benchmarks/wsq_fuzz_campaign.py --mode header --count 2000 [--raw]

Modes: ``truncate`` (every prefix length), ``header`` (1-8 random bytes changed in the first 800 bytes:
tables and frame header), ``anywhere`` (1-8 bytes changed anywhere).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "fingerprints" / "nist_sd4_f0001_01.wsq"

_CHILD = textwrap.dedent(
    """
    import os, random, sys
    import _wsq
    from cccd_biometrics.errors import CccdBiometricsError
    from cccd_biometrics.io.wsq_stream import validate_wsq
    valid = open(sys.argv[1], "rb").read()
    mode, start, stop, raw = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # the C decoder prints to stderr on bad data
    for i in range(start, stop):
        if mode == "truncate":
            data = valid[:i]
        else:
            rnd, b = random.Random(i), bytearray(valid)
            span = min(len(b), 800) if mode == "header" else len(b)
            for _ in range(rnd.randint(1, 8)):
                b[rnd.randrange(span)] = rnd.randrange(256)
            data = bytes(b)
        print(i, flush=True)
        if not raw:
            try:
                validate_wsq(data, "<fuzz>")
            except CccdBiometricsError:
                print("refused", flush=True)
                continue
        try:
            _wsq.decompress(data)
        except Exception:
            pass
    print("done", flush=True)
    """
)


def campaign(mode: str, count: int, raw: bool) -> None:
    stop = len(SAMPLE.read_bytes()) if mode == "truncate" else count
    start, crashes, refused = 0, [], 0
    while start < stop:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(SAMPLE), mode, str(start), str(stop), "1" if raw else "0"],
            capture_output=True, text=True,
        )
        lines = out.stdout.split()
        refused += lines.count("refused")
        cases = [int(x) for x in lines if x.isdigit()]
        if lines and lines[-1] == "done":
            break
        if not cases:
            raise SystemExit(f"child failed before its first case: {out.stderr[-500:]}")
        crashes.append((cases[-1], out.returncode))
        start = cases[-1] + 1
    print(f"mode={mode} cases={stop} decoder={'bare' if raw else 'validated'} refused={refused} "
          f"crashes={len(crashes)} first={crashes[:10]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["truncate", "header", "anywhere"], default="header")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--raw", action="store_true", help="call the bare decoder, without validation")
    args = ap.parse_args()
    campaign(args.mode, args.count, args.raw)


if __name__ == "__main__":
    main()
