"""An HTML report of enrolment records, each laid out as the ten-print card an operator knows.

The card follows the FBI FD-258 layout: the right hand's five rolled/flat positions (1-5) on the first row, the
left hand's (6-10) on the second, and the plain impressions below — left four fingers (14), the two thumbs (15),
right four fingers (13). Each box shows its position, finger, quality score and, when something is wrong, the
finding codes in red; declared absences show their reason. No pixel of any capture is included (biometric data
is personal data): the card carries codes and numbers only. The page is self-contained (inline styles, no
scripts, no network assets).
"""

from __future__ import annotations

import datetime as _dt
import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..enrolment import FINGER_NAMES, SLAP_NAMES, EnrolmentReport

__all__ = ["render_enrolment_report", "write_enrolment_report"]

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}
.card{border:2px solid #333;padding:10px;margin:16px 0;max-width:1100px;background:#fbfaf6}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff}
.accept{background:#2e7d32}.recapture{background:#c62828}.supervisor{background:#6a1b9a}
.row{display:grid;gap:6px;margin:6px 0}.r5{grid-template-columns:repeat(5,1fr)}.r3{grid-template-columns:2fr 1fr 2fr}
.box{border:1px solid #555;min-height:92px;padding:6px;background:#fff;position:relative}
.box .pos{font-size:11px;color:#555}.box .name{font-weight:600;font-size:13px}
.box .score{font-size:12px;color:#333}.box.bad{border:2px solid #c62828;background:#fff5f5}
.box.warn{border:2px solid #ef8f00}.box.absent{background:#eee;color:#666}.box.missing{background:#ffe9e9}
.code{display:inline-block;margin:2px 2px 0 0;padding:1px 4px;border-radius:3px;font-size:11px;
 background:#c62828;color:#fff;font-family:ui-monospace,Menlo,monospace}
.code.warning{background:#ef8f00}
.portrait{margin-top:6px}.small{font-size:12px;color:#555}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _codes_by_position(report: dict[str, Any]) -> dict[int | str, list[tuple[str, str]]]:
    """Position (finger, slap or "portrait") -> [(code, severity)] of the error and warning findings on it."""
    out: dict[int | str, list[tuple[str, str]]] = {}
    for f in report["findings"]:
        if f["severity"] == "info" or f["code"] == "RECORD_HAND_SWAPPED":
            continue
        # a mismatch names the segment the finger matched instead: the failing position is the first one
        positions = f["positions"][:1] if f["code"] == "RECORD_SEQUENCE_MISMATCH" else f["positions"]
        targets: list[int | str] = list(positions) or ["portrait"]
        for p in targets:
            bucket = out.setdefault(p, [])
            if (f["code"], f["severity"]) not in bucket:
                bucket.append((f["code"], f["severity"]))
    return out


def _detail(pos: int, report: dict[str, Any]) -> tuple[str, str]:
    """(extra CSS class, the box's line of detail)."""
    key = str(pos)
    if key in report["absent"]:
        return "absent", f"absent: {_e(report['absent'][key])}"
    if key in report["fingers"]:
        r = report["fingers"][key]
        if r.get("error") or r.get("score") is None:
            return "", "unreadable"
        return "", f"quality {r['score']:.0f} · {r['minutiae']} minutiae"
    if key in report["slaps"]:
        seg = report["slaps"][key]
        return ("", "unreadable") if "error" in seg else ("", f"{seg['found']} of {seg['expected']} fingers found")
    return ("missing", "not captured") if pos <= 10 else ("absent", "no slap")


def _box(pos: int, report: dict[str, Any], codes: dict[int | str, list[tuple[str, str]]]) -> str:
    name = FINGER_NAMES.get(pos) or SLAP_NAMES.get(pos, str(pos))
    chips = "".join(f"<span class='code {_e(sev)}'>{_e(code)}</span>" for code, sev in codes.get(pos, []))
    extra, detail = _detail(pos, report)
    classes = ["box", extra] if extra else ["box"]
    severities = {sev for _, sev in codes.get(pos, [])}
    if "error" in severities:
        classes.append("bad")
    elif "warning" in severities:
        classes.append("warn")
    return (f"<div class='{' '.join(classes)}' data-position='{pos}'><div class='pos'>{pos}</div>"
            f"<div class='name'>{_e(name)}</div><div class='score'>{detail}</div><div>{chips}</div></div>")


def _card(report: dict[str, Any]) -> str:
    codes = _codes_by_position(report)
    hand = any(f["code"] == "RECORD_HAND_SWAPPED" for f in report["findings"])
    banner = ("<p><span class='code'>RECORD_HAND_SWAPPED</span> the left and right hands were exchanged</p>"
              if hand else "")
    rows = [
        "<div class='row r5'>" + "".join(_box(p, report, codes) for p in range(1, 6)) + "</div>",
        "<div class='row r5'>" + "".join(_box(p, report, codes) for p in range(6, 11)) + "</div>",
        "<div class='row r3'>" + "".join(_box(p, report, codes) for p in (14, 15, 13)) + "</div>",
    ]
    portrait = ""
    if report.get("portrait") is not None:
        chips = "".join(f"<span class='code {_e(s)}'>{_e(c)}</span>" for c, s in codes.get("portrait", []))
        p = report["portrait"]
        state = "unreadable" if "error" in p else ("compliant" if p.get("compliant") else "not compliant")
        portrait = (f"<div class='portrait box{' bad' if chips else ''}'><div class='name'>portrait</div>"
                    f"<div class='score'>{_e(state)}</div><div>{chips}</div></div>")
    redo = "".join(f"<li>{_e(r['label'])} <span class='small'>({_e(', '.join(r['codes']))})</span></li>"
                   for r in report["recapture"])
    redo_html = f"<p><b>Capture again, in this order:</b></p><ol>{redo}</ol>" if redo else ""
    verdict = _e(report["verdict"])
    return (f"<section class='card' data-verdict='{verdict}'><h2>{_e(report['source'])} "
            f"<span class='verdict {verdict}'>{verdict}</span></h2>{banner}"
            + "".join(rows) + portrait + redo_html + "</section>")


def _as_dict(report: EnrolmentReport | dict[str, Any]) -> dict[str, Any]:
    return report if isinstance(report, dict) else report.to_dict()


def render_enrolment_report(reports: Sequence[EnrolmentReport | dict[str, Any]], *,
                            errors: Sequence[dict[str, Any]] = (), title: str = "cccd-bio enrolment report") -> str:
    """The HTML page (a string) for ``reports`` (:class:`EnrolmentReport` or its ``to_dict()``, e.g. from batch
    rows) and the records that could not be read (``errors``: rows with ``record`` or ``path`` and ``error``)."""
    dicts = [_as_dict(r) for r in reports]
    counts = {v: sum(r["verdict"] == v for r in dicts) for v in ("accept", "recapture", "supervisor")}
    thresholds = dicts[0]["thresholds"] if dicts else {}
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary = (f"<p>{len(dicts) + len(errors)} records: {counts['accept']} accept, {counts['recapture']} "
               f"recapture, {counts['supervisor']} supervisor, {len(errors)} unreadable. Generated {stamp}.</p>")
    if thresholds:
        summary += (f"<p class='small'>Duplicates: comparator score &ge; {thresholds['duplicate']} (FMR &le; 0.01 %);"
                    f" sequence confirmed at &ge; {thresholds['sequence_confirm']} (FMR 1 %). No images of the "
                    "captures are included.</p>")
    err = ""
    if errors:
        body = "".join(f"<tr><td>{_e(r.get('record') or r.get('path'))}</td><td>{_e(r.get('error'))}</td></tr>"
                       for r in errors)
        err = f"<h2>Records that could not be read</h2><table><tr><th>record</th><th>error</th></tr>{body}</table>"
    order = sorted(dicts, key=lambda r: ("supervisor", "recapture", "accept").index(r["verdict"]))
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>{summary}{err}"
            + "".join(_card(r) for r in order) + "</body></html>\n")


def write_enrolment_report(path: str | os.PathLike, reports: Sequence[EnrolmentReport | dict[str, Any]], *,
                           errors: Sequence[dict[str, Any]] = ()) -> Path:
    """Write :func:`render_enrolment_report` to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(render_enrolment_report(reports, errors=errors), encoding="utf-8")
    return out
