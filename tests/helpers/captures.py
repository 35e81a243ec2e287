"""Small synthetic capture folders for the batch, report and CLI tests (no real person)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

VOLATILE = ("seconds",)


def make_captures(folder: Path, n_fingers: int, n_portraits: int = 0, seed: int = 0) -> list[Path]:
    """Small synthetic captures: ridge-like grey fingerprints and colour 'portraits' (no real person)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:256, 0:256]
    paths = []
    for i in range(n_fingers):
        angle = rng.uniform(0, np.pi)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / rng.uniform(8.5, 10.0)
        img = np.clip(128 + 90 * np.sin(phase) + rng.normal(0, 12, xx.shape), 0, 255).astype(np.uint8)
        p = folder / f"finger_{i:04d}.png"
        cv2.imwrite(str(p), img)
        paths.append(p)
    for i in range(n_portraits):
        img = rng.integers(0, 255, (96, 80, 3), dtype=np.uint8)
        img[:, :, 2] = 220  # strong colour: detected as a portrait
        p = folder / f"portrait_{i:04d}.jpg"
        cv2.imwrite(str(p), img)
        paths.append(p)
    return paths


def stable(rows):
    """Rows without the timing, keyed by path, for comparing runs."""
    return {r["path"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in rows}
