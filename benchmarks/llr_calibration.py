"""What the record check's calibrations share (``calibrate_duplicate_fusion.py``, ``calibrate_swap_llr.py``).

Both fit log-likelihood-ratio tables of comparator scores on segments cut by ``segment_slap`` from slaps composed
of the citizen sources' impressions, and pick operating points on null samples alone: the same composition round,
the same density estimate and the same rounding of a threshold, here once.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.enrolment.stages import _segment_templates
from cccd_biometrics.fingerprint.slap import SLAP_FINGERS
from cccd_biometrics.fingerprint.slap_compose import compose_slap
from enrolment_rates import Images


def segment_round(images: Images, src: str, seed: int, rnd: int, offsets: np.ndarray,
                  cuts: dict[int, object] | None = None) -> dict[int, tuple[int, int, bool, object]]:
    """One round: each finger f's impression (rnd + offsets[f]) % 8 composed into the three slaps at random
    positions and segmented; finger -> (impression, labelled position, slap marked uncertain, prepared template)
    of the segment labelled as it. ``cuts`` (when given) receives finger -> that segment's analysis (its ridge
    images, for the duplicate check's capture-versus-segment ridge evidence)."""
    rng = np.random.default_rng([seed, zlib.crc32(src.encode()), rnd])
    perm = rng.permutation(10)  # position p holds finger perm[p - 1]
    imp = {f: int((rnd + offsets[f]) % 8) for f in range(10)}
    out = {}
    for slap in (13, 14, 15):
        prints = {p: images.image(src, int(perm[p - 1]), imp[int(perm[p - 1])]) for p in SLAP_FINGERS[slap]}
        comp = compose_slap(prints, slap, seed=int(rng.integers(2**31)))
        seg = cb.segment_slap(comp.image, slap, ppi=500)
        for pos, tpl in _segment_templates({slap: seg}).items():
            f = int(perm[pos - 1])
            out[f] = (imp[f], pos, bool(seg.findings), tpl)
            if cuts is not None:
                cuts[f] = next(s.analysis for s in seg.segments if s.position == pos)
    return out


def llr_knots(genuine: np.ndarray, impostor: np.ndarray, knots: tuple[float, ...], bw: float,
              clip: float) -> list[float]:
    """log g(s) / f(s) at ``knots``: densities by Gaussian kernels (bandwidth ``bw``), the impostor tail past
    its 99th percentile an exponential fitted to the top 1 % (its density is too thin there to smooth);
    made non-decreasing and clipped to +-``clip``."""
    grid = np.asarray(knots)

    def kde(x: np.ndarray) -> np.ndarray:
        z = (grid[:, None] - x[None, :]) / bw
        return np.exp(-0.5 * z * z).sum(axis=1) / (x.size * bw * math.sqrt(2 * math.pi))

    g = kde(genuine) + 1e-12
    f = kde(impostor)
    q99 = float(np.quantile(impostor, 0.99))
    tail = impostor[impostor >= q99]
    lam = 1.0 / max(float(np.mean(tail - q99)), 1e-6)  # exponential tail: f(s) = 0.01 lam exp(-lam (s - q99))
    f = np.where(grid > q99, 0.01 * lam * np.exp(-lam * (grid - q99)), f) + 1e-12
    # non-decreasing by the lower envelope from the right: a few genuine comparisons of empty segments score 0
    # and would otherwise lift the whole low end
    llr = np.minimum.accumulate(np.log(g / f)[::-1])[::-1]
    return [round(float(v), 2) for v in np.clip(llr, -clip, clip)]


def threshold_at(null: np.ndarray, rate: float) -> float:
    """Lowest 2-decimal value t with (null >= t).mean() <= rate."""
    allowed = math.floor(rate * null.size)
    top = np.sort(null)[::-1]
    return math.floor(float(top[allowed]) * 100 + 1) / 100
