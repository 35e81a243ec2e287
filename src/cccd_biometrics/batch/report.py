"""A self-contained HTML report of a batch run: counts, distributions, findings, the worst captures.

The report is built row by row (:meth:`ReportBuilder.add_row`) with bounded memory — counters, fixed-bin
histograms and the current worst ``N`` rows — so it can summarise a hundred million rows. The page has no
network assets: styles are inline, plots are PNG images embedded as base64 ``data:`` URIs. It shows no
pixels of any capture unless thumbnails are asked for (biometric data is personal data).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..io.decode import MAX_PIXELS, decode_image
from ..provenance import format_versions, runtime_versions
from .check import check_parameters

__all__ = ["ReportBuilder", "write_report"]

_SCORE_BINS = np.linspace(0.0, 100.0, 51)  # 2 points wide
_TIME_BINS = np.logspace(-4, 3, 71)  # 0.1 ms .. 1000 s, 10 bins a decade
_KEEP_ROW = ("path", "kind", "status", "score", "compliant", "codes", "findings", "error", "error_type", "seconds")
_THUMB_SIDE = 112


def _badness(row: dict[str, Any]) -> tuple[float, ...]:
    """Sort key of a checked capture, smaller is worse: flagged first, then low score, then many findings."""
    score = row.get("score")
    return (
        0.0 if row.get("status") == "flagged" else 1.0,
        float(score) if isinstance(score, (int, float)) and math.isfinite(score) else math.inf,
        -float(len(row.get("codes") or ())),
    )


class ReportBuilder:
    """Accumulates rows and writes the HTML report.

    Parameters
    ----------
    worst:
        How many of the worst captures (and of the errors) to list.
    thumbnails:
        Embed a small thumbnail of each listed capture (read again from its path).
    """

    def __init__(self, *, worst: int = 25, thumbnails: bool = False) -> None:
        self.worst_n = max(0, worst)
        self.thumbnails = thumbnails
        self.status_by_kind: Counter[tuple[str, str]] = Counter()
        self.findings: Counter[str] = Counter()
        self.finding_kinds: dict[str, str] = {}
        self.error_types: Counter[str] = Counter()
        self.score_hist: dict[str, list[int]] = {}
        self.time_hist: dict[str, list[int]] = {}
        self.compliance: Counter[str] = Counter()
        self.seconds_total = 0.0
        self._worst: list[dict[str, Any]] = []
        self._errors: list[dict[str, Any]] = []

    # ------------------------------------------------------------------------------------------ collect

    def add_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add_row(row)

    def add_row(self, row: dict[str, Any]) -> None:
        kind = row.get("kind") or "unknown"
        status = row.get("status") or "error"
        self.status_by_kind[(kind, status)] += 1
        seconds = float(row.get("seconds") or 0.0)
        self.seconds_total += seconds
        if status == "error":
            self.error_types[row.get("error_type") or "error"] += 1
            if len(self._errors) < self.worst_n:
                self._errors.append({k: row.get(k) for k in _KEEP_ROW})
            return
        self._count(self.time_hist, kind, _TIME_BINS.size - 1, 10.0 * (math.log10(max(seconds, 1e-4)) + 4.0))
        for code in row.get("codes") or ():
            self.findings[code] += 1
            self.finding_kinds.setdefault(code, kind)
        score = row.get("score")
        if isinstance(score, (int, float)) and math.isfinite(score):
            self._count(self.score_hist, kind, _SCORE_BINS.size - 1, float(score) / 2.0)
        if row.get("compliant") is not None:
            self.compliance["compliant" if row["compliant"] else "not compliant"] += 1
        if status == "flagged" or score is not None:
            self._keep_worst(row)

    @staticmethod
    def _count(store: dict[str, list[int]], kind: str, n_bins: int, position: float) -> None:
        """Add one to the bin at ``position`` (in bin widths from the first edge; clipped to the ends)."""
        counts = store.setdefault(kind, [0] * n_bins)
        counts[min(max(int(position), 0), n_bins - 1)] += 1

    def _keep_worst(self, row: dict[str, Any]) -> None:
        if self.worst_n == 0:
            return
        self._worst.append({k: row.get(k) for k in _KEEP_ROW})
        if len(self._worst) >= 4 * self.worst_n:
            self._worst = sorted(self._worst, key=_badness)[: self.worst_n]

    def worst(self) -> list[dict[str, Any]]:
        """The worst captures seen so far, worst first."""
        return sorted(self._worst, key=_badness)[: self.worst_n]

    @property
    def total(self) -> int:
        return sum(self.status_by_kind.values())

    # ------------------------------------------------------------------------------------------- render

    def render(self, title: str = "cccd-bio check report") -> str:
        """The report as one HTML string."""
        now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        privacy = "Thumbnails of the listed captures are included." if self.thumbnails else (
            "No image content is included.")
        sections = [
            f"<h1>{html.escape(title)}</h1><p class=muted>Generated {now} by cccd-bio. {privacy}</p>",
            self._counts_section(),
            self._plots_section(),
            self._findings_section(),
            self._worst_section(),
            self._errors_section(),
            _parameters_section(),
            _environment_section(),
        ]
        return _PAGE.format(title=html.escape(title), body="\n".join(s for s in sections if s))

    def write(self, path: str | os.PathLike, *, title: str = "cccd-bio check report") -> Path:
        """Write the report to ``path`` (atomically: a temporary file renamed into place)."""
        out = Path(path)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(self.render(title), encoding="utf-8")
        os.replace(tmp, out)
        return out

    def _counts_section(self) -> str:
        kinds = sorted({k for k, _ in self.status_by_kind})
        head = "<tr><th>kind</th><th>checked</th><th>passed</th><th>flagged</th><th>errors</th></tr>"
        body = []
        for kind in [*kinds, "all"]:
            def n(status: str, kind: str = kind) -> int:
                return sum(v for (k, s), v in self.status_by_kind.items() if s == status and kind in (k, "all"))
            ok, flagged, errors = n("ok"), n("flagged"), n("error")
            cells = "".join(f"<td>{v:,}</td>" for v in (ok + flagged + errors, ok, flagged, errors))
            body.append(f"<tr{' class=total' if kind == 'all' else ''}><td>{html.escape(kind)}</td>{cells}</tr>")
        mean_ms = 1000.0 * self.seconds_total / self.total if self.total else 0.0
        return (f"<h2>Counts</h2><table>{head}{''.join(body)}</table>"
                f"<p class=muted>Check time: {self.seconds_total:,.1f} s in all, {mean_ms:.1f} ms per capture.</p>")

    def _plots_section(self) -> str:
        figures = []
        if self.score_hist:
            figures.append(_plot_hist(self.score_hist, _SCORE_BINS, "quality score (0-100)", log_x=False))
        if self.compliance:
            figures.append(_plot_bars(dict(self.compliance), "portraits"))
        if self.time_hist:
            figures.append(_plot_hist(self.time_hist, _TIME_BINS, "check time per checked capture (s)", log_x=True))
        if not figures:
            return ""
        note = "" if self.score_hist else "<p class=muted>No quality scores in these results.</p>"
        return "<h2>Distributions</h2>" + note + "".join(f"<img alt='plot' src='{src}'>" for src in figures)

    def _findings_section(self) -> str:
        if not self.findings:
            return "<h2>Findings</h2><p>No findings.</p>"
        checked = max(1, self.total - sum(self.error_types.values()))
        rows = "".join(
            f"<tr><td><code>{html.escape(code)}</code></td><td>{html.escape(self.finding_kinds.get(code, ''))}</td>"
            f"<td>{n:,}</td><td>{100.0 * n / checked:.1f} %</td></tr>"
            for code, n in self.findings.most_common()
        )
        return ("<h2>Findings</h2><table><tr><th>code</th><th>kind</th><th>captures</th><th>share</th></tr>"
                f"{rows}</table>")

    def _worst_section(self) -> str:
        worst = self.worst()
        if not worst:
            return ""
        head = "<tr>" + ("<th></th>" if self.thumbnails else "") + (
            "<th>capture</th><th>kind</th><th>score</th><th>status</th><th>findings</th></tr>")
        body = "".join(self._worst_row(r) for r in worst)
        return f"<h2>Worst {len(worst)} captures</h2><table>{head}{body}</table>"

    def _worst_row(self, r: dict[str, Any]) -> str:
        thumb = ""
        if self.thumbnails:
            src = _thumbnail(r.get("path") or "")
            thumb = f"<td><img class=thumb alt='' src='{src}'></td>" if src else "<td>-</td>"
        score = r.get("score")
        shown = f"{score:.1f}" if isinstance(score, (int, float)) else (
            "-" if r.get("compliant") is None else ("compliant" if r["compliant"] else "not compliant"))
        findings = r.get("findings") or [{"code": c} for c in r.get("codes") or ()]
        items = "".join(
            f"<li><code>{html.escape(str(f.get('code', '')))}</code> {html.escape(str(f.get('message') or ''))}"
            + (f" <em>{html.escape(str(f['action']))}</em>" if f.get("action") else "") + "</li>"
            for f in findings
        )
        return (f"<tr>{thumb}<td class=path>{html.escape(str(r.get('path')))}</td>"
                f"<td>{html.escape(str(r.get('kind') or '-'))}</td><td>{shown}</td>"
                f"<td>{html.escape(str(r.get('status')))}</td><td><ul>{items}</ul></td></tr>")

    def _errors_section(self) -> str:
        if not self.error_types:
            return ""
        types = "".join(f"<tr><td>{html.escape(t)}</td><td>{n:,}</td></tr>" for t, n in self.error_types.most_common())
        listed = "".join(f"<tr><td class=path>{html.escape(str(r.get('path')))}</td>"
                         f"<td>{html.escape(str(r.get('error') or ''))}</td></tr>" for r in self._errors)
        return (f"<h2>Errors</h2><table><tr><th>error</th><th>captures</th></tr>{types}</table>"
                f"<h3>Messages (the first {len(self._errors)})</h3>"
                f"<table><tr><th>input</th><th>message</th></tr>{listed}</table>")


def _environment_section() -> str:
    """The versions this run used, once per report (scores and codes can move with them)."""
    text = html.escape(format_versions(runtime_versions()))
    return f"<h2>Run environment</h2><pre class=muted>{text}</pre>"


def _png_data_uri(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(5.2, 3.0))


def _plot_hist(store: dict[str, list[int]], bins: np.ndarray, xlabel: str, *, log_x: bool) -> str:
    fig, ax = _figure()
    for kind, counts in sorted(store.items()):
        ax.stairs(counts, bins, label=f"{kind} ({sum(counts):,})", fill=False, linewidth=1.6)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("captures")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)


def _plot_bars(values: dict[str, int], title: str) -> str:
    fig, ax = _figure()
    names = sorted(values)
    ax.bar(names, [values[n] for n in names], color=["#2f7d4f" if n == "compliant" else "#b3472f" for n in names])
    ax.set_ylabel("captures")
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)


def _parameters_section() -> str:
    """The checks' parameters, so that a report says what produced its findings."""
    text = json.dumps(check_parameters(), indent=1, sort_keys=True)
    return ("<h2>Parameters</h2><details><summary class=muted>thresholds and profile the checks applied</summary>"
            f"<pre><code>{html.escape(text)}</code></pre></details>")


def _thumbnail(path: str) -> str | None:
    """A small JPEG of the capture as a data URI, or ``None`` when it cannot be read."""
    try:
        im = decode_image(path, max_pixels=MAX_PIXELS).image
        im = im.convert("RGB") if im.mode not in ("L", "RGB") else im
        im.thumbnail((_THUMB_SIDE, _THUMB_SIDE), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=80)
    except Exception:  # a thumbnail is a nicety: an unreadable file shows none
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def write_report(rows: Iterable[dict[str, Any]], path: str | os.PathLike, *, worst: int = 25,
                 thumbnails: bool = False, title: str = "cccd-bio check report") -> Path:
    """Write the HTML report of ``rows`` (e.g. :func:`cccd_biometrics.batch.results.iter_result_rows`)."""
    builder = ReportBuilder(worst=worst, thumbnails=thumbnails)
    builder.add_rows(rows)
    return builder.write(path, title=title)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em;
       color: #1d232a; padding: 0 1em; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: .5em 0; }}
th, td {{ border-bottom: 1px solid #e4e4e4; padding: .25em .7em; text-align: left; vertical-align: top; }}
th {{ background: #f3f5f7; }} tr.total td {{ font-weight: 600; }}
td.path {{ font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; max-width: 32em; }}
ul {{ margin: 0; padding-left: 1.1em; }} code {{ font-size: 12px; }} .muted {{ color: #666; }}
img {{ margin: .3em 1em .3em 0; }} img.thumb {{ border: 1px solid #ccc; }}
</style></head>
<body>
{body}
</body></html>
"""
