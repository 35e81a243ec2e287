"""Shared helpers for the portrait tests: the shipped compliant originals and the defect generator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from benchmarks import face_defects

ROOT = Path(__file__).resolve().parents[2]
PORTRAITS = ROOT / "sample_data" / "portraits"


def compliant_originals() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, RGB, pupils) of the CC BY studio portraits shipped in sample_data (the compliant originals).

    The NASA astronaut photo is not among them: its background is cluttered and it is not framed to ICAO
    geometry, so it is not a compliant original.
    """
    from cccd_biometrics.face.capture import load_portrait

    pupils = json.loads((PORTRAITS / "pupils.json").read_text())["pupils"]
    return [(name, load_portrait(PORTRAITS / name).pixels, np.array(eyes)) for name, eyes in sorted(pupils.items())]


__all__ = ["PORTRAITS", "compliant_originals", "face_defects"]
