"""One face measure: its native value and a 0-100 component, and the two mappings from value to component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._shared.jsonsafe import json_safe

__all__ = ["Measure", "component", "window"]


@dataclass(frozen=True)
class Measure:
    """One quality measure: its native value and a 0-100 component (100 = best)."""

    name: str
    value: float
    component: int
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"value": self.value, "component": self.component, "unit": self.unit})


def component(value: float, bad: float, good: float) -> int:
    """Linear 0-100 mapping: ``bad`` -> 0, ``good`` -> 100 (either order), clipped."""
    if not np.isfinite(value):
        return 0
    return round(100 * float(np.clip((value - bad) / (good - bad), 0.0, 1.0)))


def window(value: float, lo_bad: float, lo_good: float, hi_good: float, hi_bad: float) -> int:
    """Component for a value that is best inside [lo_good, hi_good]."""
    return min(component(value, lo_bad, lo_good), component(value, hi_bad, hi_good))
