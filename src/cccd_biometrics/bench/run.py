"""Dataset benchmarks of comparators and quality measures: error rates, DET and error-versus-reject curves.

The metric functions are small and pure (numpy arrays in, numbers or arrays out) so that other modules and
users can reuse them. Conventions: a comparison *accepts* when ``score >= threshold``;
FMR(t) is the fraction of impostor scores ``>= t``, FNMR(t) the fraction of genuine scores ``< t``.
Confidence intervals of these rates (identity bootstrap) are in :mod:`.bench_stats`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .._shared.jsonsafe import json_safe
from ..errors import CccdBiometricsError
from ..fingerprint.capture import load_fingerprint
from ..fingerprint.match.mcc import DEFAULT_MATCHER, compare_one_to_many, prepare_gallery, prepare_template
from ..fingerprint.minutiae.extract import extract_minutiae
from ..fingerprint.params import DEFAULT_MINUTIAE, DEFAULT_QUALITY_THRESHOLDS
from ..fingerprint.quality.score import assess_fingerprint
from ..fingerprint.template.types import Template
from .datasets import (
    comparison_pairs,
    discover_dataset,
    read_reference_quality,
    read_reference_scores,
    read_reference_xyt,
)
from .metrics import (
    eer,
    erc_area,
    erc_curve,
    fnmr_at_fmr,
    pairwise_quality,
    subject_bootstrap,
    threshold_at_fmr,
)
from .options import MATCHERS, MINUTIAE_SOURCES, QUALITY_SOURCES
from .report import format_rate

__all__ = [
    "BOOTSTRAP_SEED",
    "MATCHERS",
    "MINUTIAE_SOURCES",
    "QUALITY_SOURCES",
    "BenchmarkError",
    "BenchmarkResult",
    "run_benchmark",
]


# ------------------------------------------------------------------------------------------------ runner
PROTOCOLS = {
    "fvc": "FVC: every pair of impressions of a finger is genuine, every pair of impressions of different "
           "fingers is impostor (all i<j pairs)",
    "socofing": "SOCOFing: each real print against its altered versions is genuine, all pairs of real prints "
                "of different fingers are impostor",
    "uareu": "U.are.U: identity = <person>_<finger>; every pair of impressions of a finger is genuine, every pair "
             "of impressions of different fingers is impostor (all i<j pairs)",
    "manifest": "manifest (path,identity): every pair of images of one identity is genuine, every pair of images "
                "of different identities is impostor (all i<j pairs)",
}


class BenchmarkError(CccdBiometricsError):
    """A benchmark cannot run as asked (unknown option, missing reference outputs or component)."""

    code = "BENCHMARK"


@dataclass(frozen=True)
class BenchmarkResult:
    """Everything a benchmark run measured. ``scores``/``genuine``/``pair_quality`` are per comparison."""

    summary: dict[str, Any]
    scores: np.ndarray = field(repr=False)
    genuine: np.ndarray = field(repr=False)
    pair_quality: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return json_safe(self.summary)


def _process_image(path: str, ppi: float | None, want_quality: bool, want_minutiae: bool) -> dict[str, Any]:
    """Load one image and run our quality and/or extraction on it (runs in a worker process)."""
    out: dict[str, Any] = {"template": None, "quality": float("nan"), "error": None,
                           "load_ms": 0.0, "quality_ms": 0.0, "extract_ms": 0.0}
    try:
        t0 = time.perf_counter()
        img = load_fingerprint(path, ppi=ppi)
        t1 = time.perf_counter()
        out["load_ms"] = 1000 * (t1 - t0)
        if want_quality:
            out["quality"] = float(assess_fingerprint(img).score)
            out["quality_ms"] = 1000 * (time.perf_counter() - t1)
        if want_minutiae:
            t2 = time.perf_counter()
            out["template"] = extract_minutiae(img)
            out["extract_ms"] = 1000 * (time.perf_counter() - t2)
    except CccdBiometricsError as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _default_reference(root: Path) -> Path | None:
    for parent in [root, *root.parents]:
        candidate = parent / "reference"
        if (candidate / "README.md").is_file():
            return candidate
    return None


def _progress(total: int, desc: str, enabled: bool | None) -> Any:
    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, desc=desc, unit="img" if "image" in desc else "cmp", disable=not show,
                file=sys.stderr, leave=False)


def _per_image(samples: list[Any], ppi: float | None, quality: str, minutiae: str, workers: int,
               progress: bool | None) -> list[dict[str, Any]]:
    want_q, want_m = quality == "ours", minutiae == "ours"
    if not (want_q or want_m):
        return [{"template": None, "quality": float("nan"), "error": None, "load_ms": 0.0, "quality_ms": 0.0,
                 "extract_ms": 0.0} for _ in samples]
    results: list[dict[str, Any]] = [{}] * len(samples)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        per_ppi: list[float | None] = [ppi] * len(samples)
        overruled: set[int] = set()
        if ppi is None:  # a light first pass (decode + resolution) so each image is processed once, at its sensor's
            resolutions = list(pool.map(_resolution_of, [str(s.path) for s in samples], chunksize=16))
            sensor = sensor_resolutions(resolutions)
            overruled = set(sensor)
            # estimated resolutions are passed on, so the second pass does not estimate them again
            per_ppi = [sensor.get(i, r["ppi"] if r["ppi_source"] == "estimated" else None)
                       for i, r in enumerate(resolutions)]
        bar = _progress(len(samples), "images", progress)
        futures = {pool.submit(_process_image, str(s.path), per_ppi[i], want_q, want_m): i
                   for i, s in enumerate(samples)}
        for fut in _as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            if i in overruled:
                results[i]["ppi_source"] = "sensor"
            bar.update(1)
    bar.close()
    return results


def _resolution_of(path: str) -> dict[str, Any]:
    """An image's resolution and where it came from, and its size (runs in a worker process)."""
    try:
        img = load_fingerprint(path)
    except CccdBiometricsError:
        return {"ppi": None, "ppi_source": None, "shape": None}
    return {"ppi": float(img.original_ppi), "ppi_source": img.ppi_source,
            "shape": tuple(img.original_shape or img.shape)}


MIN_SENSOR_IMAGES = 3


def sensor_resolutions(per_image: list[dict[str, Any]]) -> dict[int, float]:
    """Images whose ESTIMATED resolution disagrees with the other images of their sensor, and the sensor's.

    A dataset's images of one size come from one sensor at one resolution, but the ridge-period estimate of a
    single image is only good to about +-20 % (:mod:`.fingerprint.resolution`), so now and then one print of a
    500 ppi set is taken for 330 or 850 ppi and resampled to the wrong scale. The (lower) median estimate of
    all images of the same size (at least ``MIN_SENSOR_IMAGES``) is the sensor's; returns ``{index: that ppi}`` for
    the estimated images that differ from it. Resolutions given by metadata are left alone.
    """
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, row in enumerate(per_image):
        if row.get("ppi_source") == "estimated" and row.get("shape") is not None:
            groups.setdefault(tuple(row["shape"]), []).append(i)
    redo: dict[int, float] = {}
    for members in groups.values():
        if len(members) < MIN_SENSOR_IMAGES:
            continue
        sensor = float(statistics.median_low([per_image[i]["ppi"] for i in members]))
        redo.update({i: sensor for i in members if abs(per_image[i]["ppi"] - sensor) > 0.5})
    return redo


def _as_completed(futures: dict[Any, int]) -> Any:
    return as_completed(futures)


def _our_scores(templates: list[Any], pairs: np.ndarray, workers: int, progress: bool | None) -> np.ndarray:
    """Scores of the given pairs with our comparator: one probe against its partners per task, on threads
    (the compiled kernels release the GIL)."""
    prepared = [prepare_template(t) for t in templates]
    everything = prepare_gallery(prepared)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    starts = np.flatnonzero(np.r_[True, np.diff(pairs[order, 0]) != 0])
    groups = np.split(order, starts[1:])
    scores = np.zeros(len(pairs))
    bar = _progress(len(pairs), "comparisons", progress)

    def run(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        partners = pairs[group, 1]
        if np.array_equal(partners, np.arange(partners[0], partners[0] + partners.size)):
            gallery = everything.subset(int(partners[0]), int(partners[-1]) + 1)  # FVC: views, no copies
        else:
            gallery = prepare_gallery([prepared[j] for j in partners])
        return group, compare_one_to_many(prepared[pairs[group[0], 0]], gallery)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for group, values in pool.map(run, groups):
            scores[group] = values
            bar.update(len(group))
    bar.close()
    return scores


def _reference_scores(reference: Path, tool: str, keys: list[str], pairs: np.ndarray) -> np.ndarray:
    table = read_reference_scores(reference, tool, keys)
    try:
        return np.array([table[(keys[i], keys[j])] for i, j in pairs], dtype=np.float64)
    except KeyError as exc:
        raise BenchmarkError(f"no {tool} reference score for pair {exc.args[0]}") from exc


def _templates(dataset: Any, minutiae: str, per_image: list[dict[str, Any]], reference: Path | None) -> list[Any]:
    empty = Template((), width=0, height=0)
    if minutiae == "ours":
        return [r["template"] if r["template"] is not None else empty for r in per_image]
    if reference is None:
        raise BenchmarkError("reference outputs not found: pass --reference DIR")
    refs = read_reference_xyt(reference, minutiae.removesuffix("-ref"), dataset.samples)
    if not refs:
        raise BenchmarkError(f"no {minutiae} minutiae for this dataset under {reference}")
    return [refs.get(s.key, empty) for s in dataset.samples]


def _qualities(dataset: Any, quality: str, per_image: list[dict[str, Any]], reference: Path | None
               ) -> np.ndarray | None:
    if quality == "none":
        return None
    if quality == "ours":
        return np.array([r["quality"] for r in per_image], dtype=np.float64)
    if reference is None:
        raise BenchmarkError("reference outputs not found: pass --reference DIR")
    table = read_reference_quality(reference, quality.removesuffix("-ref"))
    return np.array([table.get(s.key, np.nan) for s in dataset.samples], dtype=np.float64)


def _check_options(minutiae: str, matcher: str, quality: str) -> None:
    for value, allowed, what in ((minutiae, MINUTIAE_SOURCES, "minutiae"), (matcher, MATCHERS, "matcher"),
                                 (quality, QUALITY_SOURCES, "quality")):
        if value not in allowed:
            raise BenchmarkError(f"unknown {what} source {value!r}; choose from {', '.join(allowed)}")


def run_benchmark(dataset_dir: str | os.PathLike, *, ppi: float | None = None, minutiae: str = "ours",
                  matcher: str = "ours", quality: str = "ours", reference: str | os.PathLike | None = None,
                  workers: int | None = None, progress: bool | None = None, bootstrap: int = 1000,
                  log: Callable[[str], None] | None = None) -> BenchmarkResult:
    """Run quality, extraction and every comparison of a dataset's protocol, and measure error rates.

    Parameters
    ----------
    dataset_dir:
        An FVC-style (``<finger>_<impression>.ext``), U.are.U (``<person>_<finger>_<impression>.ext``) or
        SOCOFing folder, or a CSV manifest ``path,identity`` for any other layout (see :mod:`.datasets`).
    ppi:
        Resolution of the images when their metadata is missing or wrong (e.g. 569 for FVC2002 DB2). Without
        it, each image's resolution comes from its metadata or is estimated from its ridge period, and an
        estimate that disagrees with the other images of the same size (one sensor) is overruled by their
        median (:func:`sensor_resolutions`).
    minutiae:
        ``"ours"`` (:func:`cccd_biometrics.extract_minutiae`), or ``"mindtct-ref"`` / ``"fjfx-ref"`` (peer
        minutiae from the reference outputs).
    matcher:
        ``"ours"`` (:func:`cccd_biometrics.compare_templates`) or ``"bozorth3-ref"`` (peer scores on the same
        reference minutiae).
    quality:
        ``"ours"``, ``"nfiq2-ref"``, ``"nfiq1-ref"`` or ``"none"`` (no error-versus-reject curve).
    reference:
        Folder of reference outputs (default: a ``reference`` folder next to the dataset or above it).
    workers:
        Processes for the per-image work and threads for comparisons (default: the CPU count).
    progress:
        Progress bars on stderr (default: when stderr is a terminal).
    bootstrap:
        Resamples of the identity bootstrap (:func:`cccd_biometrics.bench.metrics.subject_bootstrap`, seed
        ``BOOTSTRAP_SEED``) giving the 95 % intervals ``eer_ci95``, ``fnmr_at_fmr_1pct_ci95`` and
        ``fnmr_at_fmr_0.1pct_ci95`` of ``summary["metrics"]``; 0 disables them (they are then None). The
        intervals reflect which identities (fingers) happen to be in the data set, not the variation of
        impressions within an identity: on an FVC DB of 10 fingers they span several points of EER.
    log:
        Called with a one-line summary (EER and its interval) at the end.

    Raises
    ------
    BenchmarkError
        If an option is unknown or what it needs is missing.
    InputNotFoundError
        If ``dataset_dir`` holds no recognised dataset.
    """
    _check_options(minutiae, matcher, quality)
    if bootstrap < 0:
        raise BenchmarkError(f"bootstrap must be 0 (off) or a number of resamples, not {bootstrap}")
    if matcher == "bozorth3-ref" and minutiae == "ours":
        minutiae = "mindtct-ref"  # BOZORTH3 scores exist only on the reference minutiae
    workers = max(1, workers or os.cpu_count() or 1)
    t_start = time.perf_counter()
    dataset = discover_dataset(Path(dataset_dir))
    ref_dir = Path(reference) if reference else _default_reference(Path(dataset_dir).resolve())
    pairs, genuine = comparison_pairs(dataset)
    keys = [s.key for s in dataset.samples]

    need_images = minutiae == "ours" and matcher == "ours"
    per_image = _per_image(list(dataset.samples), ppi, quality, "ours" if need_images else "none", workers,
                           progress)
    t_images = time.perf_counter()
    if matcher == "ours":
        templates = _templates(dataset, minutiae, per_image, ref_dir)
        t_prepared = time.perf_counter()
        scores = _our_scores(templates, pairs, workers, progress)
        n_minutiae = [len(t) for t in templates]
    else:
        if ref_dir is None:
            raise BenchmarkError("reference outputs not found: pass --reference DIR")
        t_prepared = time.perf_counter()
        scores = _reference_scores(ref_dir, f"bozorth3_{minutiae.removesuffix('-ref')}", keys, pairs)
        n_minutiae = []
    t_compared = time.perf_counter()
    qualities = _qualities(dataset, quality, per_image, ref_dir)
    summary = _summarise(dataset, pairs, genuine, scores, qualities, per_image, n_minutiae)
    t_bootstrap = time.perf_counter()
    summary["metrics"].update(_bootstrap_metrics(dataset, pairs, genuine, scores, bootstrap))
    t_bootstrapped = time.perf_counter()
    summary.update(minutiae=minutiae, matcher=matcher, quality=quality, ppi=ppi, workers=workers)
    # the parameters behind every figure of this run (the library's defaults; references have their own)
    summary["parameters"] = {"minutiae": DEFAULT_MINUTIAE.to_dict() if minutiae == "ours" else None,
                             "matcher": DEFAULT_MATCHER.to_dict() if matcher == "ours" else None,
                             "quality_thresholds": DEFAULT_QUALITY_THRESHOLDS.to_dict() if quality == "ours" else None}
    # images whose own resolution estimate was overruled by their sensor's (see sensor_resolutions)
    summary["counts"]["sensor_resolution_images"] = sum(r.get("ppi_source") == "sensor" for r in per_image)
    summary["timings"] = {
        "total_s": time.perf_counter() - t_start,
        "images_s": t_images - t_start,
        "comparisons_s": t_compared - t_prepared,
        "comparison_us_per_pair": 1e6 * (t_compared - t_prepared) / max(len(pairs), 1),
        "bootstrap_s": t_bootstrapped - t_bootstrap,
        **{f"median_{k}": float(np.median([r[k] for r in per_image])) if per_image else None
           for k in ("load_ms", "quality_ms", "extract_ms")},
    }
    pair_q = None if qualities is None else pairwise_quality(qualities[pairs[:, 0]], qualities[pairs[:, 1]])
    if log:
        m = summary["metrics"]
        log(f"{dataset.root}: EER {format_rate(m['eer'], m['eer_ci95'])}")
    return BenchmarkResult(summary, scores, genuine, pair_q)


BOOTSTRAP_SEED = 0
# results.json metric -> SubjectBootstrap attribute
_INTERVAL_KEYS = (("eer", "eer"), ("fnmr_at_fmr_1pct", "fnmr_at_fmr_1pct"),
                  ("fnmr_at_fmr_0.1pct", "fnmr_at_fmr_0_1pct"))


def _bootstrap_metrics(dataset: Any, pairs: np.ndarray, genuine: np.ndarray, scores: np.ndarray, resamples: int
                       ) -> dict[str, Any]:
    """``metrics`` entries of the identity bootstrap: ``<metric>_ci95`` = [lower, upper] and ``bootstrap`` (what
    was resampled, how often, and the bootstrap standard deviations); all None when ``resamples`` is 0.

    A pair's identities are those of its two samples (:attr:`.bench_datasets.Sample.identity`): one identity for
    a genuine pair (two impressions of a finger; a real and an altered print in SOCOFing), two for an impostor
    pair. An identity is a finger: in SOCOFing (``<subject>_<hand>_<finger>``) the ten fingers of a subject are
    resampled independently, so the interval leaves out what the fingers of one person share.
    """
    out: dict[str, Any] = {f"{key}_ci95": None for key, _ in _INTERVAL_KEYS}
    out["bootstrap"] = None
    if resamples <= 0:
        return out
    identity = np.array([s.identity for s in dataset.samples])[pairs]
    res = subject_bootstrap(scores[genuine], identity[genuine, 0], scores[~genuine], identity[~genuine],
                            resamples=resamples, seed=BOOTSTRAP_SEED, level=0.95)
    intervals = {key: getattr(res, attr) for key, attr in _INTERVAL_KEYS}
    out.update({f"{key}_ci95": [iv.lower, iv.upper] for key, iv in intervals.items()})
    out["bootstrap"] = {"resamples": res.resamples, "unit": "identity", "seed": res.seed,
                        "identities": res.identities, "valid_resamples": res.valid_resamples,
                        "level": res.level, "std": {key: iv.std for key, iv in intervals.items()}}
    return out


def _summarise(dataset: Any, pairs: np.ndarray, genuine: np.ndarray, scores: np.ndarray,
               qualities: np.ndarray | None, per_image: list[dict[str, Any]], n_minutiae: list[int]
               ) -> dict[str, Any]:
    gen, imp = scores[genuine], scores[~genuine]
    if gen.size == 0 or imp.size == 0:
        raise BenchmarkError("the dataset yields no genuine or no impostor pair")
    thr1 = threshold_at_fmr(imp, 0.01)
    metrics: dict[str, Any] = {
        "eer": eer(gen, imp),
        "fnmr_at_fmr_1pct": fnmr_at_fmr(gen, imp, 0.01),
        "fnmr_at_fmr_0.1pct": fnmr_at_fmr(gen, imp, 0.001),
        "threshold_at_fmr_1pct": thr1,
        "threshold_at_fmr_0.1pct": threshold_at_fmr(imp, 0.001),
        "erc_area": None,
        "erc_area_oracle": None,
    }
    if qualities is not None:
        pq = pairwise_quality(qualities[pairs[:, 0]], qualities[pairs[:, 1]])[genuine]
        fractions, fnmr = erc_curve(gen, pq, thr1)
        metrics["erc_area"] = erc_area(fractions, fnmr)
        metrics["erc_area_oracle"] = erc_area(*erc_curve(gen, gen, thr1))
        metrics["erc"] = {"rejected": fractions[::2].tolist(), "fnmr": fnmr[::2].tolist()}
    errors = [r.get("error") for r in per_image if r.get("error")]
    return {
        "dataset": str(dataset.root),
        "layout": dataset.layout,
        "protocol": PROTOCOLS[dataset.layout],
        "counts": {"images": len(dataset.samples), "failed_images": len(errors), "pairs": len(pairs),
                   "genuine": int(genuine.sum()), "impostor": int((~genuine).sum()),
                   "mean_minutiae": float(np.mean(n_minutiae)) if n_minutiae else None},
        "metrics": metrics,
        "errors": errors[:20],
    }
