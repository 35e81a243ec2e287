"""Benchmark report files: DET and error-versus-reject plots (matplotlib PNG) and a self-contained HTML page."""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..provenance import runtime_versions
from .metrics import det_curve, erc_curve

if TYPE_CHECKING:
    from .run import BenchmarkResult

__all__ = ["format_rate", "plot_det", "plot_erc", "write_benchmark_report", "write_html", "write_results_json"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def plot_det(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, title: str) -> Path:
    """DET plot (FNMR against FMR, log-log) of one or more ``{label: (fmr, fnmr)}`` curves."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=100)
    floor = 1e-4
    for label, (fmr, fnmr) in curves.items():
        ax.step(np.maximum(fmr, floor), np.maximum(fnmr, floor), where="post", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor * 10, 1)
    ax.plot([floor, 1], [floor, 1], color="grey", lw=0.5, ls=":")
    ax.set_xlabel("FMR")
    ax.set_ylabel("FNMR")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left")
    fig.subplots_adjust(left=0.15, right=0.96, bottom=0.12, top=0.92)  # fixed: tight_layout costs ~0.5 s
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_erc(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, title: str) -> Path:
    """Error-versus-reject plot of ``{label: (rejected fraction, FNMR)}`` curves."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=100)
    for label, (fraction, fnmr) in curves.items():
        ax.plot(100 * fraction, 100 * fnmr, label=label)
    ax.set_xlabel("rejected genuine pairs (%), lowest quality first")
    ax.set_ylabel("FNMR (%) at FMR = 1 %")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right")
    fig.subplots_adjust(left=0.13, right=0.96, bottom=0.12, top=0.92)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_results_json(results: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


_INTERVAL_NOTE = ("<p>The 95 % intervals resample the identities (fingers) of the data set with replacement: they "
                  "show how much the rates depend on which identities happen to be in it. They do not cover new "
                  "impressions of the same identities, another sensor or population, and with few identities "
                  "(10 per FVC DB) they are themselves rough. FNMR at FMR = 0.1 % rests on the few highest impostor "
                  "scores (2 of an FVC DB's 2,880): a resample repeating one of them reaches that FMR only by "
                  "rejecting everything, so its interval can reach 100 %.</p>")


def format_rate(value: Any, interval: Any = None) -> str:
    """An error rate in percent with its 95 % interval when there is one: ``"5.32 % (95 % CI 2.10-9.80 %)"``."""
    if value is None:
        return "-"
    text = f"{100 * float(value):.2f} %"
    if interval is not None and None not in interval and np.all(np.isfinite(np.asarray(interval, dtype=float))):
        lower, upper = interval
        text += f" (95 % CI {100 * float(lower):.2f}-{100 * float(upper):.2f} %)"
    return text


def write_html(results: dict[str, Any], images: list[Path], path: Path) -> Path:
    """A short self-contained page (plots embedded) summarising ``results``."""
    m = results["metrics"]
    rows = [
        ("dataset", results["dataset"]), ("layout", results["layout"]),
        ("minutiae / comparator / quality", f"{results['minutiae']} / {results['matcher']} / {results['quality']}"),
        ("images (failed)", f"{results['counts']['images']} ({results['counts']['failed_images']})"),
        ("genuine / impostor pairs", f"{results['counts']['genuine']} / {results['counts']['impostor']}"),
        ("EER", format_rate(m["eer"], m.get("eer_ci95"))),
        ("FNMR at FMR = 1 %", format_rate(m["fnmr_at_fmr_1pct"], m.get("fnmr_at_fmr_1pct_ci95"))),
        ("FNMR at FMR = 0.1 %", format_rate(m["fnmr_at_fmr_0.1pct"], m.get("fnmr_at_fmr_0.1pct_ci95"))),
        ("ERC area (0-20 %, 1.0 = random)", "-" if m.get("erc_area") is None else f"{m['erc_area']:.3f}"),
        ("total time", f"{results['timings']['total_s']:.2f} s"),
    ]
    boot = m.get("bootstrap")
    if boot:
        rows.insert(8, ("95 % intervals", f"identity bootstrap: {boot['resamples']} resamples of the "
                                       f"{boot['identities']} identities (seed {boot['seed']})"))
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    figures = "\n".join(
        f'<img alt="{html.escape(p.stem)}" src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
        for p in images)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cccd-bio bench: {html.escape(results['dataset'])}</title>
<style>body{{font-family:sans-serif;max-width:1150px;margin:2em auto}}th{{text-align:left;padding-right:2em}}
img{{max-width:49%}}td,th{{border-bottom:1px solid #ddd;padding:4px}}</style></head>
<body><h1>Benchmark: {html.escape(results['dataset'])}</h1>
<table>{table}</table>
{figures}
<p>Protocol: {html.escape(results['protocol'])}. Full figures in results.json.</p>
{_INTERVAL_NOTE if boot else ""}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path


def write_benchmark_report(result: BenchmarkResult, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``results.json``, ``det.png``, ``erc.png`` (when a quality was measured), ``scores.csv`` and
    ``index.html`` into ``out_dir``; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    s = result.summary
    label = f"{s['minutiae']} + {s['matcher']}"
    gen, imp = result.scores[result.genuine], result.scores[~result.genuine]
    paths = {"det": plot_det({label: det_curve(gen, imp)}, out / "det.png", f"DET: {Path(s['dataset']).name}")}
    if result.pair_quality is not None:
        thr = s["metrics"]["threshold_at_fmr_1pct"]
        curves = {f"quality: {s['quality']}": erc_curve(gen, result.pair_quality[result.genuine], thr),
                  "oracle (genuine score)": erc_curve(gen, gen, thr)}
        paths["erc"] = plot_erc(curves, out / "erc.png", f"ERC: {Path(s['dataset']).name}")
    scores_csv = out / "scores.csv"
    scores_csv.write_text("genuine,score\n" + "".join(f"{int(g)},{v:.6g}\n"
                                                       for g, v in zip(result.genuine, result.scores, strict=False)))
    paths["scores"] = scores_csv
    results = {**result.to_dict(), "environment": runtime_versions(face_engine=False)}
    paths["results"] = write_results_json(results, out / "results.json")
    paths["html"] = write_html(results, [p for k, p in paths.items() if k in ("det", "erc")],
                               out / "index.html")
    return paths
