"""Minutiae comparator: score properties, invariances, one-to-many, errors, and accuracy on FVC data."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.errors import TemplateFormatError
from cccd_biometrics.fingerprint.match.mcc import (
    DECISION_THRESHOLDS,
    PreparedGallery,
    compare_one_to_many,
    prepare_gallery,
    prepare_template,
)
from cccd_biometrics.fingerprint.template.types import Minutia, Template


def random_template(seed: int, n: int = 45, width: int = 300, height: int = 400, ppi: float = 500.0) -> Template:
    """Minutiae spread over a finger-sized area, at least 12 px apart (as real ones are)."""
    rng = np.random.default_rng(seed)
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        x, y = rng.uniform(20, width - 20), rng.uniform(20, height - 20)
        if all((x - a) ** 2 + (y - b) ** 2 >= 144 for a, b in pts):
            pts.append((x, y))
    angles = rng.uniform(0, 360, n)
    return Template(tuple(Minutia(x, y, a, "ending", 80) for (x, y), a in zip(pts, angles, strict=False)),
                    width=width, height=height, ppi=ppi)


def transformed(t: Template, degrees: float, dx: float, dy: float, jitter: float = 0.0, seed: int = 0,
                drop: int = 0) -> Template:
    """Rotate (counter-clockwise as seen on screen), shift, jitter and drop minutiae of a template."""
    rng = np.random.default_rng(seed)
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    cx, cy = t.width / 2, t.height / 2
    out = []
    for m in t.minutiae[drop:]:
        # y grows downwards: a visual counter-clockwise rotation is clockwise in (x, y) maths terms
        u, v = m.x - cx, m.y - cy
        x, y = cx + c * u + s * v + dx, cy - s * u + c * v + dy
        out.append(Minutia(x + rng.normal(0, jitter), y + rng.normal(0, jitter),
                           (m.angle + degrees + rng.normal(0, 3 * jitter)) % 360, m.kind, m.quality))
    return Template(tuple(out), width=t.width, height=t.height, ppi=t.ppi)


def test_identical_scores_high_and_different_scores_low():
    a, b = random_template(1), random_template(2)
    same = cb.compare_templates(a, a)
    other = cb.compare_templates(a, b)
    assert 0.0 <= other < DECISION_THRESHOLDS["fmr_1%"] < same <= 1.0


def test_symmetric_and_deterministic():
    for seed in range(6):
        a, b = random_template(seed), transformed(random_template(seed), 20, 15, -10, jitter=2.0, seed=seed,
                                                  drop=seed)
        c = random_template(seed + 100, n=30)
        for x, y in ((a, b), (a, c), (b, c)):
            s1, s2 = cb.compare_templates(x, y), cb.compare_templates(y, x)
            assert s1 == s2
            assert s1 == cb.compare_templates(x, y)


def test_rotation_and_translation_invariant():
    a = random_template(3)
    base = cb.compare_templates(a, a)
    for degrees in (-55, 25, 50):
        moved = transformed(a, degrees, 30, -20)
        assert cb.compare_templates(a, moved) == pytest.approx(base, rel=0.05)
    # beyond the documented rotation tolerance (60 degrees) minutiae directions no longer pair up
    assert cb.compare_templates(a, transformed(a, 120, 0, 0)) < DECISION_THRESHOLDS["fmr_1%"]


def test_distorted_mate_beats_impostors():
    a = random_template(4)
    mate = transformed(a, 15, 10, 5, jitter=3.0, seed=1, drop=8)
    impostors = [random_template(s) for s in range(10, 30)]
    scores = compare_one_to_many(a, [mate, *impostors])
    assert scores[0] > DECISION_THRESHOLDS["fmr_0.1%"]
    assert scores[0] > 2 * scores[1:].max()


def test_resolution_is_normalised():
    a = random_template(5)
    doubled = Template(tuple(Minutia(2 * m.x, 2 * m.y, m.angle, m.kind, m.quality) for m in a.minutiae),
                       width=2 * a.width, height=2 * a.height, ppi=1000.0)
    other = transformed(a, 10, 5, 5, jitter=2.0, seed=3, drop=5)
    assert cb.compare_templates(doubled, other) == pytest.approx(cb.compare_templates(a, other), abs=1e-9)


def test_one_to_many_matches_pairwise_and_accepts_every_gallery_form():
    probe = random_template(6)
    gallery = [transformed(probe, 5, 3, 3, jitter=2.0, seed=2, drop=4), *(random_template(s) for s in (7, 8, 9)),
               Template((), width=300, height=400)]
    expected = np.array([cb.compare_templates(probe, g) for g in gallery])
    packed = prepare_gallery(gallery)
    assert isinstance(packed, PreparedGallery) and len(packed) == len(gallery)
    for form in (gallery, [prepare_template(g) for g in gallery], packed):
        np.testing.assert_array_equal(compare_one_to_many(probe, form), expected)
    assert compare_one_to_many(probe, []).shape == (0,)
    np.testing.assert_array_equal(compare_one_to_many(probe, packed.subset(1, 4)), expected[1:4])
    with pytest.raises(IndexError):
        packed.subset(2, 9)


def test_empty_and_tiny_templates_score_zero():
    empty = Template((), width=300, height=400)
    one = Template((Minutia(10, 10, 0),), width=300, height=400)
    a = random_template(10)
    assert cb.compare_templates(empty, a) == 0.0
    assert cb.compare_templates(empty, empty) == 0.0
    assert cb.compare_templates(one, a) == 0.0


def test_bad_input_raises_typed_errors():
    a = random_template(11)
    with pytest.raises(TemplateFormatError):
        cb.compare_templates(a, "not a template")  # type: ignore[arg-type]
    nan = Template((Minutia(float("nan"), 1, 0), *a.minutiae), width=300, height=400)
    with pytest.raises(TemplateFormatError):
        cb.compare_templates(a, nan)
    with pytest.raises(TemplateFormatError):
        cb.compare_templates(a, Template(a.minutiae, width=300, height=400, ppi=0))


@pytest.mark.dataset
def test_beats_bozorth3_on_fvc2002_db1_subset(shared_data):
    """Fingers 101-105 of FVC2002 DB1_B (MINDTCT minutiae): our EER below BOZORTH3's on the same pairs."""
    from cccd_biometrics.bench import metrics
    from cccd_biometrics.bench.datasets import (
        Dataset,
        comparison_pairs,
        discover_dataset,
        read_reference_scores,
        read_reference_xyt,
    )

    full = discover_dataset(shared_data / "fvc2002_b" / "DB1_B")
    ds = Dataset(full.root, full.layout, tuple(s for s in full.samples if int(s.identity) <= 105))
    refs = read_reference_xyt(shared_data / "reference", "mindtct", ds.samples)
    templates = [prepare_template(refs[s.key]) for s in ds.samples]
    pairs, genuine = comparison_pairs(ds)
    ours = np.array([cb.compare_templates(templates[i], templates[j]) for i, j in pairs])
    keys = [s.key for s in ds.samples]
    table = read_reference_scores(shared_data / "reference", "bozorth3_mindtct", keys)
    boz = np.array([table[(keys[i], keys[j])] for i, j in pairs])
    ours_eer = metrics.eer(ours[genuine], ours[~genuine])
    assert ours_eer < metrics.eer(boz[genuine], boz[~genuine])
    assert ours_eer < 0.05


def test_template_caches_its_prepared_form():
    """Repeated comparisons of the same Template objects reuse the cylinders; the cache is invisible."""
    import copy
    import dataclasses
    import pickle

    from cccd_biometrics.fingerprint.match.mcc import MatcherConfig, prepare_template

    rng = np.random.default_rng(3)
    t = Template(tuple(cb.Minutia(float(x), float(y), float(a)) for x, y, a in rng.uniform(30, 250, (40, 3))),
                 width=300, height=300)
    before = (repr(t), t.to_dict(), t.to_bytes("iso"))
    p1 = prepare_template(t)
    assert prepare_template(t) is p1  # cached
    assert prepare_template(t, MatcherConfig(ns=16)) is not p1  # per configuration
    assert (repr(t), t.to_dict(), t.to_bytes("iso")) == before
    twin = Template(t.minutiae, width=300, height=300)
    assert twin == t  # the cache takes no part in equality
    assert cb.compare_templates(t, twin) == cb.compare_templates(twin, t)
    for clone in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t), dataclasses.replace(t)):
        assert clone == t and "_derived_cache" not in clone.__dict__
        assert prepare_template(clone) is not p1
        assert np.array_equal(prepare_template(clone).bits, p1.bits)


def _split_copy(t: Template) -> Template:
    """The template's right half moved 45 px down and turned 20 degrees: each half is locally the same print,
    but no single rigid transform brings both halves onto the original."""
    right = Template(tuple(m for m in t.minutiae if m.x >= t.width / 2), width=t.width, height=t.height)
    moved = transformed(right, 20, 0, 45)
    return Template(tuple(m for m in t.minutiae if m.x < t.width / 2) + moved.minutiae, width=t.width,
                    height=t.height)


@pytest.mark.parametrize("seed", [20, 22, 23])
def test_global_transform_stage_keeps_mates_and_discounts_inconsistent_matches(seed):
    from cccd_biometrics.fingerprint.match.mcc import MatcherConfig

    lss_only = MatcherConfig(transform_power=0.0)
    a = random_template(seed, n=50)
    mate = transformed(a, 12, 8, -6, jitter=2.0, seed=4, drop=6)
    # a genuine pair: its overlapping minutiae agree on one transform, the LSS-R score is kept
    assert cb.compare_templates(a, mate) >= 0.95 * cb.compare_templates(a, mate, lss_only)
    # locally alike but globally inconsistent: the best transform brings only one half together
    split = _split_copy(a)
    assert cb.compare_templates(a, split) < 0.8 * cb.compare_templates(a, split, lss_only)


def test_global_transform_stage_never_raises_the_lss_score_and_caps_crowded_overlaps():
    from cccd_biometrics.fingerprint.match.mcc import MatcherConfig

    lss_only = MatcherConfig(transform_power=0.0)
    templates = [random_template(s) for s in range(40, 46)] + [transformed(random_template(40), 5, 3, 3, 2.0, 1, 5)]
    for i, x in enumerate(templates):
        for y in templates[i + 1:]:
            assert cb.compare_templates(x, y) <= cb.compare_templates(x, y, lss_only)
    # a mate crowded with 70 false minutiae: capping the overlap counts at 50 keeps its mates from being diluted
    a = random_template(20, n=50)
    rng = np.random.default_rng(20)
    false = tuple(Minutia(float(x), float(y), float(t)) for x, y, t in
                  zip(rng.uniform(20, 280, 70), rng.uniform(20, 380, 70), rng.uniform(0, 360, 70), strict=True))
    crowded = Template(transformed(a, 12, 8, -6, jitter=2.0, seed=4, drop=6).minutiae + false, width=300,
                       height=400)
    capped, uncapped = cb.compare_templates(a, crowded), cb.compare_templates(a, crowded,
                                                                               MatcherConfig(transform_cap=1e9))
    assert capped > 1.2 * uncapped
