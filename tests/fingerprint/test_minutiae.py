from __future__ import annotations

import cv2
import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.fields.enhance import skeletonize
from cccd_biometrics.fingerprint.minutiae import _kernels as kernels
from cccd_biometrics.fingerprint.minutiae.extract import visualize_minutiae
from cccd_biometrics.fingerprint.template.types import MINUTIA_KINDS, Template


def fork_pattern(size: int = 240, period: float = 9.0, offset: float = 0.0, scale: int = 1) -> np.ndarray:
    """Parallel horizontal ridges with one extra ridge starting at the centre (a phase vortex): a single
    minutia whose ISO direction points to the right (0 degrees), an ending or a bifurcation by ``offset``."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    c = size / 2
    psi = 2 * np.pi * y / period + np.arctan2(y - c, x - c) + offset
    img = np.clip(128 + 100 * np.cos(psi), 0, 255).astype(np.uint8)
    return np.kron(img, np.ones((scale, scale), np.uint8)) if scale > 1 else img


def _angle_diff(a: float, b: float) -> float:
    d = abs(a - b) % 360
    return min(d, 360 - d)


@pytest.mark.parametrize(("offset", "kind"), [(0.0, "ending"), (np.pi, "bifurcation")])
@pytest.mark.parametrize(("rot", "expected_angle"), [(0, 0.0), (1, 90.0), (2, 180.0), (3, 270.0)])
def test_single_minutia_location_kind_and_iso_angle(offset, kind, rot, expected_angle):
    img = np.ascontiguousarray(np.rot90(fork_pattern(offset=offset), rot))
    t = cb.extract_minutiae(cb.load_fingerprint(img, ppi=500))
    assert len(t) == 1
    m = t.minutiae[0]
    assert m.kind == kind
    assert np.hypot(m.x - 120, m.y - 120) <= 6
    assert _angle_diff(m.angle, expected_angle) <= 15
    assert 0 <= m.angle < 360 and 0 <= m.quality <= 100


def test_coordinates_are_in_original_resolution():
    img = fork_pattern(size=240, period=9.0, scale=2)  # the same print captured at 1000 ppi
    t = cb.extract_minutiae(cb.load_fingerprint(img, ppi=1000))
    assert (t.width, t.height, t.ppi) == (480, 480, 1000.0)
    assert len(t) == 1
    assert np.hypot(t.minutiae[0].x - 240, t.minutiae[0].y - 240) <= 12


@pytest.mark.parametrize("value", [0, 128, 255])
def test_blank_image_gives_no_minutiae(value):
    t = cb.extract_minutiae(cb.load_fingerprint(np.full((300, 300), value, np.uint8), ppi=500))
    assert len(t) == 0 and isinstance(t, Template)


@pytest.mark.parametrize("sigma", [0.0, 1.0, 2.0, 3.0, 4.0])
def test_noise_gives_few_minutiae(sigma):
    noise = np.random.default_rng(1).integers(0, 256, (320, 320)).astype(np.uint8)
    if sigma:
        noise = cv2.GaussianBlur(noise, (0, 0), sigma)
    assert len(cb.extract_minutiae(cb.load_fingerprint(noise, ppi=500))) <= 30


def test_sample_print_gives_sane_template(sample_data):
    img = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png")
    t = cb.extract_minutiae(img)
    # a rolled ink print (larger than a plain one): dozens of minutiae, not hundreds
    assert 40 <= len(t) <= 160
    arr = t.as_array()
    assert (arr[:, 0] >= 0).all() and (arr[:, 0] < t.width).all()
    assert (arr[:, 1] >= 0).all() and (arr[:, 1] < t.height).all()
    assert ((arr[:, 2] >= 0) & (arr[:, 2] < 360)).all()
    assert {m.kind for m in t.minutiae} <= set(MINUTIA_KINDS)
    assert {"ending", "bifurcation"} <= {m.kind for m in t.minutiae}
    assert Template.from_bytes(t.to_bytes("iso")).to_bytes("iso") == t.to_bytes("iso")


def test_extraction_reuses_analysis_and_is_deterministic(sample_data):
    img = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png")
    a = cb.analyze_fingerprint(img)
    t1 = cb.extract_minutiae(a)
    assert "skeleton" in a.__dict__ and "enhanced" in a.__dict__  # cached on the shared Analysis
    assert cb.extract_minutiae(img).minutiae == t1.minutiae


def test_analysis_products_shapes_and_skeleton_is_thin(sample_data):
    a = cb.analyze_fingerprint(cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png"))
    assert a.enhanced.shape == a.binary.shape == a.skeleton.shape == a.shape
    assert a.enhanced.dtype == np.float32 and not a.enhanced[~a.mask].any()
    sk = a.skeleton.astype(bool)
    assert sk.any() and not (sk & ~a.binary.astype(bool)).any()
    # one pixel wide: no 2x2 block of skeleton pixels
    assert not (sk[:-1, :-1] & sk[1:, :-1] & sk[:-1, 1:] & sk[1:, 1:]).any()


def test_thinning_keeps_topology_of_a_thick_bar():
    img = np.zeros((40, 60), np.uint8)
    img[15:22, 5:55] = 1
    sk = skeletonize(img)
    assert sk.sum() >= 40
    n, _ = cv2.connectedComponents(sk, connectivity=8)
    assert n == 2  # background + one line
    _, _, kinds = kernels.crossing_number_candidates(sk, np.ones(sk.shape, np.bool_), kernels.CROSSING_NUMBER)
    assert sorted(kinds.tolist()) == [0, 0]  # two endings, no bifurcation


def test_overlay_draws_on_original_size(sample_data):
    img = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png")
    t = cb.extract_minutiae(img)
    ov = visualize_minutiae(img, t)
    assert ov.shape == (t.height, t.width, 3) and ov.dtype == np.uint8
    assert (ov[..., 2].astype(int) - ov[..., 1]).max() > 100  # red marks drawn


@pytest.mark.dataset
def test_fvc_plain_prints_give_sane_counts(shared_data):
    counts = []
    for db in ("DB1_B", "DB3_B", "DB4_B"):
        for path in sorted((shared_data / "fvc2002_b" / db).glob("*_1.tif"))[:4]:
            counts.append(len(cb.extract_minutiae(cb.load_fingerprint(path, ppi=500))))
    assert 15 <= np.median(counts) <= 80 and max(counts) <= 120, counts


@pytest.mark.parametrize("shape", [(301, 257), (300, 65), (257, 300)])
def test_no_minutiae_on_image_border_for_odd_sizes(sample_data, shape):
    pixels = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png").pixels
    crop = np.ascontiguousarray(pixels[100:100 + shape[0], 120:120 + shape[1]])
    t = cb.extract_minutiae(cb.load_fingerprint(crop, ppi=500))
    arr = t.as_array()
    if len(arr):
        margin = np.minimum.reduce([arr[:, 0], arr[:, 1], shape[1] - 1 - arr[:, 0], shape[0] - 1 - arr[:, 1]])
        assert margin.min() >= 8


def test_threads_sharing_one_analysis_agree(sample_data):
    from concurrent.futures import ThreadPoolExecutor

    img = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png")
    expected = cb.extract_minutiae(img, with_quality=False).minutiae
    a = cb.analyze_fingerprint(img)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: cb.extract_minutiae(a, with_quality=False).minutiae, range(8)))
    assert all(r == expected for r in results)


def test_enhancement_tables_are_mirror_symmetric():
    from cccd_biometrics.fingerprint.fields.enhance import _filter_tables

    along_off, along_w, across_off, across_w, across_n = _filter_tables(388)
    assert np.array_equal(along_off, -along_off[:, ::-1]) and np.allclose(along_w, along_w[::-1])
    for p, n in enumerate(across_n):
        assert n % 2 == 1
        assert np.array_equal(across_off[p, :, :n], -across_off[p, :, :n][:, ::-1])
        assert np.allclose(across_w[p, :, :n], across_w[p, :, :n][:, ::-1], atol=1e-6)
        assert abs(across_w[p, :, :n].sum(axis=1)).max() < 1e-5  # zero mean: no response to flat grey


def _traced_skeleton(binary: np.ndarray, period: float = 9.0):
    """Candidates of a hand-drawn binary ridge image, traced and put through the topology filter."""
    from cccd_biometrics.fingerprint.minutiae import extract as mn

    skeleton = skeletonize(binary)
    rows, cols, kinds = mn._candidates(skeleton, np.ones(binary.shape, bool))
    status, length, hit, probe = mn._trace(skeleton, rows, cols, period)
    flow = np.zeros(len(rows))  # horizontal ridges
    artefact, links = mn._topology_rejects(rows, cols, kinds, status, length, hit, flow, period)
    merged = mn._merged_junctions(rows, cols, status, hit, probe, links)
    return rows, cols, kinds, artefact, merged[:3]


def _fork(width: int, hole: tuple[int, int]) -> np.ndarray:
    """A ridge forking to the right at (40, 55), with a one-pixel hole at (row, col) ``hole``."""
    img = np.zeros((80, 120), np.uint8)
    cv2.line(img, (5, 40), (55, 40), 1, width)
    cv2.line(img, (55, 40), (115, 15), 1, width)
    cv2.line(img, (55, 40), (115, 65), 1, width)
    img[hole] = 0
    return img


def test_fork_drawn_as_a_small_loop_gives_one_bifurcation():
    # a hole at the junction: the skeleton draws the fork as three bifurcations joined by short links, all
    # rejected as bridges/holes and merged back into the one fork
    _, _, kinds, artefact, (mr, mc, ma) = _traced_skeleton(_fork(5, (40, 56)))
    assert (kinds == 1).sum() == 3 and artefact[kinds == 1].all()
    assert len(mr) == 1
    assert np.hypot(mr[0] - 40, mc[0] - 56) <= 4
    assert _angle_diff(float(ma[0]), 0.0) <= 20  # ISO: into the valley between the branches


def test_pore_in_a_ridge_is_not_merged():
    # a hole in the stem before the fork: a loop with two external branches is a pore, not a minutia
    _, cols, kinds, artefact, (mr, _, _) = _traced_skeleton(_fork(7, (40, 53)))
    pore = (kinds == 1) & (cols < 56)
    assert pore.sum() == 2 and artefact[pore].all()
    assert not artefact[(kinds == 1) & (cols > 58)].any()  # the fork itself stays
    assert len(mr) == 0


def test_bridge_between_two_ridges_is_not_merged():
    img = np.zeros((60, 120), np.uint8)
    cv2.line(img, (5, 20), (115, 20), 1, 3)
    cv2.line(img, (5, 26), (115, 26), 1, 3)
    cv2.line(img, (60, 20), (60, 26), 1, 3)
    _, cols, kinds, artefact, (mr, _, _) = _traced_skeleton(img)
    bridge = (kinds == 1) & (np.abs(cols - 60) <= 3)
    assert bridge.sum() == 2 and artefact[bridge].all()
    assert len(mr) == 0  # four branches leave the pair: two ridges, no fork


def test_break_needs_both_endings_on_one_ridge():
    from cccd_biometrics.fingerprint.minutiae.extract import _break_rejects

    period = 9.0
    # two endings facing each other across an 18 px gap: on the same ridge, and on neighbouring ridges
    for dy, broken in ((0.0, True), (period, False)):
        rows = np.array([40.0, 40.0 + dy])
        cols = np.array([50.0, 68.0])
        angles = np.array([180.0, 0.0])  # ISO: each points back into its own ridge
        bad = _break_rejects(rows, cols, np.zeros(2, np.int64), angles, np.ones(2, bool), period)
        assert bad.all() == broken and bad.any() == broken


def test_candidates_account_for_every_minutia_and_rejection(sample_data):
    from cccd_biometrics.fingerprint.minutiae.extract import REJECT_REASONS, minutiae_candidates, minutiae_from_analysis

    a = cb.analyze_fingerprint(cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png"))
    cand = minutiae_candidates(a)
    minutiae = minutiae_from_analysis(a)
    assert set(cand.reasons) <= set(REJECT_REASONS)
    assert cand.kept.sum() == len(minutiae) > 0
    # the kept candidates are the minutiae (bifurcations exactly; endings before the ISO offset)
    bif = {(m.x, m.y) for m in minutiae if m.kind == "bifurcation"}
    kept_bif = cand.kept & (cand.kinds == 1)
    assert {(float(c), float(r)) for r, c in zip(cand.rows[kept_bif], cand.cols[kept_bif], strict=True)} == bif
    # the sample rolled print has every kind of artefact; untraced edge candidates have no angle
    assert {"edge", "artefact", "merged", "break"} <= set(cand.reasons)
    edge_untraced = np.isnan(cand.angles)
    assert edge_untraced.any() and all(cand.reasons[i] == "edge" for i in np.flatnonzero(edge_untraced))
    d = cand.to_dict()
    assert d["candidates"] == len(cand.reasons) == sum(d["by_reason"].values())
    assert d["by_reason"]["kept"] == len(minutiae)


def test_candidates_of_a_single_fork():
    from cccd_biometrics.fingerprint.minutiae.extract import minutiae_candidates

    a = cb.analyze_fingerprint(cb.load_fingerprint(fork_pattern(offset=np.pi), ppi=500))
    cand = minutiae_candidates(a)
    kept = np.flatnonzero(cand.kept)
    assert len(kept) == 1 and cand.kinds[kept[0]] == 1
    assert np.hypot(cand.rows[kept[0]] - 120, cand.cols[kept[0]] - 120) <= 6
