"""Mutation campaign for the record parsers: damaged copies of real records, only typed errors allowed.

Seeds are records written by this library from sample_data images (128 px finger crops, a 90x120 portrait, so
that a parser's campaign of 100,000 inputs takes minutes): an ANSI/NIST-ITL transaction (Type-1/2/4/9/10/14),
an ISO/IEC 19794-4 record, a 19794-5 record, DG2 and DG3. Each parser runs in its own child process (a crash of
a native decoder would show as a dead child); each input is mutated deterministically from its index (byte
changes, bit flips, insertions, deletions, truncation, duplicated spans, extreme length values, digits changed
in ASCII length fields) and fed to the full reader (structure + image decode). An input must either parse or
raise :class:`~cccd_biometrics.errors.CccdBiometricsError`; anything else is counted as an escape (first ones
printed), an input running over 5 s is stopped by an alarm and counted as a hang. ``ansi_nist_grammar``
instead builds small transactions from record and field grammar (random fields and values, correct record
lengths, honest or dishonest CNT) so that the inputs get past the length walk into nistitl and the field
interpretation::

    nice python benchmarks/records_fuzz_campaign.py --count 100000 [--parser ansi_nist ...]

Prints one line per parser: inputs, accepted, typed errors by class, escapes, hangs, max and median seconds
per input, and the child's peak RSS (ru_maxrss) before and after the campaign.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

PARSERS = ("ansi_nist", "ansi_nist_grammar", "iso19794_4", "iso19794_5", "dg2", "dg3", "ber_tlv")

_CHILD = textwrap.dedent(
    """
    import collections, json, random, resource, signal, statistics, sys, time
    from tests.helpers.records import enrolment, text_record
    from cccd_biometrics.errors import CccdBiometricsError
    from cccd_biometrics import records as R
    from cccd_biometrics.records import ber_tlv

    parser, count, seed_base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rec = enrolment(True)
    seeds = {
        "ansi_nist": (lambda: R.write_transaction(rec, date="20261207", tcn="FUZZ"), R.read_transaction),
        "iso19794_4": (lambda: R.write_iso19794_4({p: rec.fingers[p] for p in (1, 2, 3)}), R.read_iso19794_4),
        "iso19794_5": (lambda: R.write_iso19794_5(rec.portrait), R.read_iso19794_5),
        "dg2": (lambda: R.write_dg2(rec.portrait), R.read_dg2),
        "dg3": (lambda: R.write_dg3({p: rec.fingers[p] for p in (1, 2)}), R.read_dg3),
        "ber_tlv": (lambda: R.write_dg3({p: rec.fingers[p] for p in (1, 2)}), ber_tlv.decode),
    }
    if parser == "ansi_nist_grammar":
        make, read = seeds["ansi_nist"]
    else:
        make, read = seeds[parser]
    valid = make()
    read(valid)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    VALUES = [b"0", b"1", b"2", b"4", b"8", b"10", b"13", b"14", b"500", b"WSQ20", b"NONE", b"JPEGB", b"XX", b"UP",
              b"27", b"513", b"U", b"F", b"\\x1f", b"\\x1e", b"-3", b"99999999999", b"2.5", b"\\xff", b"abc"]
    TAGS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 21, 24, 29, 126, 127, 128, 129, 130, 131, 132, 134, 135, 136,
            137]

    def grammar(i):
        rnd = random.Random(seed_base * 1_000_003 + i)
        body, cnt = [], []
        for _ in range(rnd.randint(1, 4)):
            t = rnd.choice([2, 4, 9, 10, 14, 15])
            if t == 4:
                raw = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 30)))
                body.append((5 + len(raw)).to_bytes(4, "big") + raw)
                cnt.append(b"4\\x1f%d" % raw[0])
                continue
            idc = rnd.randint(0, 3)
            fields = [(rnd.choice(TAGS), b"".join(rnd.choice(VALUES) for _ in range(rnd.randint(0, 5))))
                      for _ in range(rnd.randint(0, 14))]
            if rnd.random() < 0.7:
                fields.insert(0, (2, b"%d" % idc))
            binary = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 30))) if t in (10, 14) else None
            body.append(text_record(t, fields, binary))
            cnt.append(b"%d\\x1f%d" % (t, idc if rnd.random() < 0.9 else idc + 1))
        head = text_record(1, [(2, b"0502"), (3, b"\\x1e".join([b"1\\x1f%d" % len(body)] + cnt))], None)
        return head + b"".join(body)

    def mutate(i):
        if parser == "ansi_nist_grammar":
            return grammar(i)
        rnd, b = random.Random(seed_base * 1_000_003 + i), bytearray(valid)
        for _ in range(rnd.randint(1, 6)):
            if not b:
                b = bytearray(b"\\x00")
            k, p = rnd.random(), rnd.randrange(len(b))
            if k < 0.25:
                b[p] = rnd.randrange(256)
            elif k < 0.4:
                b[p] ^= 1 << rnd.randrange(8)
            elif k < 0.5:
                b[p:p] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
            elif k < 0.6:
                del b[p:p + rnd.randint(1, 64)]
            elif k < 0.65:
                del b[p:]
            elif k < 0.72:
                q = rnd.randrange(len(b)); n = rnd.randint(1, 256)
                b[p:p] = b[q:q + n]
            elif k < 0.82:
                b[p:p + 4] = rnd.choice([b"\\xff\\xff\\xff\\xff", b"\\x00\\x00\\x00\\x00", b"\\x7f\\xff\\xff\\xff",
                                         b"\\x80", b"\\x84\\xff\\xff\\xff", b"\\x00\\x01"])
            else:
                digits = [j for j in range(max(0, p - 200), min(len(b), p + 200)) if 48 <= b[j] <= 57]
                if digits:
                    b[rnd.choice(digits)] = rnd.choice(b"0123456789:\\x1c\\x1d\\x1e\\x1f")
        return bytes(b)

    class Hang(Exception):
        pass

    def alarm(*_):
        raise Hang()

    signal.signal(signal.SIGALRM, alarm)
    errors, escapes, times, hangs, accepted = collections.Counter(), [], [], 0, 0
    for i in range(count):
        data = mutate(i)
        t = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        try:
            read(data)
            accepted += 1
        except Hang:
            hangs += 1
        except CccdBiometricsError as exc:
            errors[type(exc).__name__] += 1
        except Exception as exc:
            escapes.append(f"{i}: {type(exc).__name__}: {str(exc)[:120]}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        times.append(time.perf_counter() - t)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"parser": parser, "seed_bytes": len(valid), "inputs": count, "accepted": accepted,
                      "typed_errors": dict(errors), "escapes": len(escapes), "first_escapes": escapes[:5],
                      "hangs": hangs, "max_s": max(times), "median_s": statistics.median(times),
                      "total_s": sum(times), "rss_mb_before": rss0 / 1024, "rss_mb_peak": rss1 / 1024}))
    """
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--parser", nargs="*", default=list(PARSERS), choices=PARSERS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="append the JSON lines to this file")
    args = ap.parse_args()
    root = str(Path(__file__).resolve().parents[1])  # the child imports tests.helpers from here (python -c)
    for name in args.parser:
        proc = subprocess.run([sys.executable, "-c", _CHILD, name, str(args.count), str(args.seed)],
                              capture_output=True, text=True, cwd=root)
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        if proc.returncode != 0 or not line.startswith("{"):
            line = json.dumps({"parser": name, "child_died": proc.returncode, "stderr": proc.stderr[-2000:]})
        print(line, flush=True)
        if args.out:
            with args.out.open("a") as fh:
                fh.write(line + "\n")


if __name__ == "__main__":
    main()
