"""Synthetic fingerprints: determinism, pattern classes, ground-truth geometry and conventions, impressions."""

from __future__ import annotations

import itertools
import json

import cv2
import numpy as np
import pytest

from cccd_biometrics.fingerprint.synthetic import _kernels as kernels
from cccd_biometrics.fingerprint.synthetic.generator import (
    PATTERNS,
    QUALITY_LEVELS,
    MasterFingerprint,
    generate_master,
    quality_parameters,
    render_impression,
)
from cccd_biometrics.fingerprint.template.types import Minutia, Template
from cccd_biometrics.images import FingerImage

SMALL = (240, 200)


@pytest.fixture(scope="module")
def masters() -> list[MasterFingerprint]:
    """Three full-size (500x400) masters: a loop, a whorl and an arch-family print."""
    return [generate_master(21, "left_loop"), generate_master(22, "whorl"), generate_master(23, "tented_arch")]


def _poincare(orientation: np.ndarray, x: float, y: float, radius: float = 5.0) -> float:
    """Poincaré index of the orientation field around (x, y): +0.5 at a core, -0.5 at a delta."""
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    xs = np.clip(np.rint(x + radius * np.cos(t)).astype(int), 0, orientation.shape[1] - 1)
    ys = np.clip(np.rint(y - radius * np.sin(t)).astype(int), 0, orientation.shape[0] - 1)
    doubled = 2.0 * orientation[ys, xs].astype(np.float64)
    steps = np.angle(np.exp(1j * (np.roll(doubled, -1) - doubled)))
    return float(steps.sum() / (4 * np.pi))


def test_master_is_deterministic_and_seed_dependent():
    a, b = generate_master(5, size=SMALL), generate_master(5, size=SMALL)
    c = generate_master(6, size=SMALL)
    assert a.pattern == b.pattern
    assert np.array_equal(a.ridges, b.ridges) and a.minutiae == b.minutiae
    assert not np.array_equal(a.ridges, c.ridges)
    assert not a.ridges.flags.writeable


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_singularities(pattern):
    master = generate_master(3, pattern, size=(300, 240))
    expected = {"arch": (0, 0), "tented_arch": (1, 1), "left_loop": (1, 1), "right_loop": (1, 1), "whorl": (2, 2)}
    assert (len(master.cores), len(master.deltas)) == expected[pattern]
    h, w = master.shape
    for points, index in ((master.cores, 0.5), (master.deltas, -0.5)):
        for x, y in points:
            if 6 <= x < w - 6 and 6 <= y < h - 6:
                assert _poincare(master.orientation, x, y) == pytest.approx(index, abs=0.05)
    if pattern in ("left_loop", "right_loop"):
        # the delta lies on the side opposite to where the loop's ridges enter and leave
        (cx, _), (dx, _) = master.cores[0], master.deltas[0]
        assert (dx > cx) == (pattern == "left_loop")


def _patch_period(ridges: np.ndarray, x: int, y: int, size: int = 64) -> float:
    """Dominant period (px) of a patch from the peak of its 2-D spectrum."""
    patch = ridges[y - size // 2:y + size // 2, x - size // 2:x + size // 2].astype(np.float64)
    window = np.outer(np.hanning(size), np.hanning(size))
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2((patch - patch.mean()) * window)))
    fy, fx = np.unravel_index(np.argmax(spectrum), spectrum.shape)
    return size / float(np.hypot(fy - size // 2, fx - size // 2))


def test_ridge_period_is_about_nine_pixels(masters):
    periods = []
    for master in masters:
        assert 7.5 < float(np.median(master.period[master.mask])) < 11.0
        inner = cv2.erode(master.mask.astype(np.uint8), np.ones((70, 70), np.uint8), borderValue=0)
        ys, xs = np.nonzero(inner[::40, ::40])
        periods += [_patch_period(master.ridges, 40 * x, 40 * y) for y, x in zip(ys, xs, strict=True)]
    assert len(periods) > 30
    assert 8.0 < float(np.median(periods)) < 10.5


def test_master_minutiae_count_and_kinds(masters):
    for master in masters:
        kinds = [m.kind for m in master.minutiae]
        assert 25 <= len(kinds) <= 110
        assert kinds.count("ending") > 5 and kinds.count("bifurcation") > 5
        for m in master.minutiae:
            assert master.mask[int(m.y), int(m.x)]
            assert 0.0 <= m.angle < 360.0


def _sample(binary: np.ndarray, m: Minutia, distance: float) -> bool:
    x = m.x + distance * np.cos(np.radians(m.angle))
    y = m.y - distance * np.sin(np.radians(m.angle))
    return bool(binary[round(y), round(x)])


def test_minutia_angle_convention(masters):
    """ISO/IEC 19794-2: an ending points into its ridge; a bifurcation points between its branches,
    i.e. into the valley that separates them; y grows downwards, angles are counter-clockwise on screen."""
    ending_ok = ending_n = bif_ok = bif_n = 0
    for master in masters:
        binary = cv2.GaussianBlur(master.ridges, (0, 0), 1.0) > 0
        for m in master.minutiae:
            behind = _sample(binary, m, -5.0)
            if m.kind == "ending":
                ending_n += 1
                ending_ok += _sample(binary, m, 5.0) and not behind
            else:
                # the valley between the branches opens a few pixels past the fork
                bif_n += 1
                bif_ok += behind and not _sample(binary, m, 7.0)
    assert ending_ok / ending_n > 0.9
    assert bif_ok / bif_n > 0.9


def test_impression_deterministic_and_valid(masters):
    a = render_impression(masters[0], 4, dryness=0.3)
    b = render_impression(masters[0], 4, dryness=0.3)
    c = render_impression(masters[0], 5, dryness=0.3)
    assert a.image.dtype == np.uint8 and a.image.shape == masters[0].shape
    assert np.array_equal(a.image, b.image) and a.minutiae == b.minutiae
    assert not np.array_equal(a.image, c.image)
    assert all(isinstance(m, Minutia) for m in a.minutiae)
    record = json.loads(json.dumps(a.to_dict()))
    assert record["parameters"]["dryness"] == 0.3 and len(record["minutiae"]) == len(a.minutiae)
    template = a.template
    assert isinstance(template, Template) and (template.width, template.height) == (400, 500)


def test_rigid_transform_carries_ground_truth_exactly(masters):
    master = masters[1]
    imp = render_impression(master, 1, rotation=25.0, translation=(12.0, -8.0), distortion=0.0, contact=1.0)
    ys, xs = np.nonzero(master.mask)
    centre = np.array([xs.mean(), ys.mean()])
    a = np.radians(25.0)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])   # counter-clockwise on screen
    by_kind = {}
    for m in master.minutiae:
        x, y = centre + np.array([12.0, -8.0]) + rot @ (np.array([m.x, m.y]) - centre)
        by_kind[(round(x, 1), round(y, 1))] = (m.angle + 25.0) % 360.0
    assert len(imp.minutiae) > 20
    for g in imp.minutiae:
        key = min(by_kind, key=lambda k: (k[0] - g.x) ** 2 + (k[1] - g.y) ** 2)
        assert np.hypot(key[0] - g.x, key[1] - g.y) < 0.2
        assert abs((g.angle - by_kind[key] + 180.0) % 360.0 - 180.0) < 0.5


def _detect_on_image(image: np.ndarray, contact: np.ndarray) -> np.ndarray:
    """Minimal detector (threshold, thin, crossing number) used only to check that ground truth follows
    the rendered ridges: (N, 2) x, y."""
    smooth = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 1.0)
    binary = ((smooth < 128) & contact).astype(np.uint8)
    found = kernels.skeleton_minutiae(kernels.prune_spurs(kernels.thin(binary), 6))
    return found[:, 1::-1].astype(np.float64)


def test_ground_truth_follows_the_distorted_image(masters):
    hits = total = 0
    for i, master in enumerate(masters):
        imp = render_impression(master, 7 + i, rotation=-20.0, distortion=1.0, noise=0.0)
        inner = cv2.erode(imp.contact_mask.astype(np.uint8), np.ones((21, 21), np.uint8)).astype(bool)
        detected = _detect_on_image(imp.image, imp.contact_mask)
        for g in imp.minutiae:
            if inner[round(g.y), round(g.x)]:
                total += 1
                hits += bool(np.any(np.hypot(detected[:, 0] - g.x, detected[:, 1] - g.y) <= 12.0))
    assert total > 60
    assert hits / total > 0.8


def test_ground_truth_stays_inside_contact(masters):
    full = render_impression(masters[0], 2, contact=0.95)
    part = render_impression(masters[0], 2, contact=0.95, partial=0.5)
    for imp in (full, part):
        assert all(imp.contact_mask[round(m.y), round(m.x)] for m in imp.minutiae)
    assert part.contact_mask.sum() < 0.6 * full.contact_mask.sum()
    assert len(part.minutiae) < 0.75 * len(full.minutiae)


def test_good_impressions_have_a_real_minutiae_count(masters):
    counts = [len(render_impression(m, 1).minutiae) for m in masters]
    assert all(25 <= c <= 80 for c in counts), counts


def test_quality_levels_change_the_image_as_named(masters):
    master = masters[0]
    images = {q: render_impression(master, 3, **quality_parameters(q, 1)) for q in QUALITY_LEVELS}
    contact = images["good"].contact_mask
    mean = {q: float(imp.image[contact].mean()) for q, imp in images.items()}
    assert mean["dry"] > mean["good"] + 10
    assert mean["wet"] < mean["good"] - 10
    good_detail = np.abs(cv2.Laplacian(images["good"].image, cv2.CV_32F)).mean()
    assert np.abs(cv2.Laplacian(images["smudged"].image, cv2.CV_32F)).mean() < 0.8 * good_detail
    assert images["partial"].contact_mask.sum() < 0.7 * contact.sum()


def test_bad_arguments():
    with pytest.raises(ValueError):
        generate_master(1, pattern="double_loop", size=SMALL)
    with pytest.raises(ValueError):
        generate_master(1, size=(64, 64))
    with pytest.raises(ValueError):
        generate_master(-1, size=SMALL)
    master = generate_master(1, size=SMALL)
    for kwargs in ({"dryness": 1.5}, {"contrast": 0.0}, {"partial": 1.0}, {"contact": 0.0}, {"distortion": -1},
                   {"creases": -1}, {"pressure": 2.0}, {"seed": -3}):
        with pytest.raises(ValueError):
            render_impression(master, **{"seed": 1, **kwargs})
    with pytest.raises(TypeError):
        render_impression(np.zeros((10, 10)), 1)
    with pytest.raises(ValueError):
        quality_parameters("excellent", 1)


def test_quality_score_ranks_the_levels_and_good_prints_look_real(masters, shared_data):
    """Good impressions score within the range of real optical prints (FVC2002 DB1_B), degraded ones lower."""
    from cccd_biometrics.fingerprint.capture import load_fingerprint
    from cccd_biometrics.fingerprint.quality.score import assess_fingerprint

    scores: dict[str, list[float]] = {q: [] for q in QUALITY_LEVELS}
    for master in masters:
        for q in QUALITY_LEVELS:
            imp = render_impression(master, 1, **quality_parameters(q, master.seed))
            scores[q].append(float(assess_fingerprint(FingerImage(imp.image)).score))
    good = np.median(scores["good"])
    for q in ("dry", "wet", "smudged", "partial"):
        assert np.median(scores[q]) < good - 8, (q, scores)
    fvc_files = sorted((shared_data / "fvc2002_b" / "DB1_B").glob("*.tif"))[::4]
    fvc = [float(assess_fingerprint(load_fingerprint(p, ppi=500)).score) for p in fvc_files]
    assert np.percentile(fvc, 50) <= good <= max(fvc) + 3, (scores["good"], np.percentile(fvc, [50, 100]))


def test_threads_get_the_same_prints(masters):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool:
        images = list(pool.map(lambda s: render_impression(masters[2], s % 2, wetness=0.3).image, range(4)))
    assert np.array_equal(images[0], images[2]) and np.array_equal(images[1], images[3])


def test_pressure_widens_ridges(masters):
    means = [float(render_impression(masters[1], 2, pressure=p, contact=0.9).image[
        render_impression(masters[1], 2, contact=0.9).contact_mask].mean()) for p in (0.0, 0.5, 1.0)]
    assert means[0] > means[1] + 3 > means[2] + 6


@pytest.mark.parametrize("effect", ["dryness", "wetness", "blur", "smudge", "noise"])
def test_quality_falls_with_graded_degradation(masters, effect):
    """The quality issue's degradation property, on generated prints of graded strength."""
    from cccd_biometrics.fingerprint.quality.score import assess_fingerprint

    levels = (0.05, 0.5, 1.0) if effect == "noise" else (0.0, 0.5, 0.75, 1.0)
    scores = [float(assess_fingerprint(FingerImage(render_impression(masters[0], 1, **{effect: v}).image)).score)
              for v in levels]
    assert all(a > b for a, b in itertools.pairwise(scores)), scores
    assert scores[-1] < scores[0] - (5 if effect == "noise" else 20), scores


def _match_count(truth: tuple[Minutia, ...], found: tuple[Minutia, ...], dist: float = 12.0,
                 angle: float = 30.0) -> int:
    """One-to-one greedy matching, nearest pairs first, within ``dist`` px and ``angle`` degrees."""
    pairs = []
    for i, t in enumerate(truth):
        for j, f in enumerate(found):
            d = float(np.hypot(t.x - f.x, t.y - f.y))
            if d <= dist and abs((t.angle - f.angle + 180.0) % 360.0 - 180.0) <= angle:
                pairs.append((d, i, j))
    used_t, used_f = set(), set()
    for _, i, j in sorted(pairs):
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
    return len(used_t)


def test_extract_minutiae_against_ground_truth(masters, record_property):
    """Precision / recall of ``extract_minutiae`` on good impressions (12 px, 30 degrees). The issue's goal is
    0.85 for both, measured on 40 fingers by benchmarks/synthetic_realism.py; here, on three fingers, a floor
    that only a broken extractor or broken ground truth would miss."""
    minutiae = pytest.importorskip("cccd_biometrics.fingerprint.minutiae.extract")
    matched = truth_n = found_n = 0
    for master in masters:
        imp = render_impression(master, 1)
        found = minutiae.extract_minutiae(FingerImage(imp.image)).minutiae
        matched += _match_count(imp.minutiae, found)
        truth_n += len(imp.minutiae)
        found_n += len(found)
    precision, recall = matched / max(found_n, 1), matched / max(truth_n, 1)
    record_property("precision", round(precision, 3))
    record_property("recall", round(recall, 3))
    print(f"extract_minutiae vs synthetic ground truth: precision {precision:.3f}, recall {recall:.3f}")
    assert precision > 0.75 and recall > 0.7
