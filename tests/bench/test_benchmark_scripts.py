"""Every benchmark script imports against the library as it is: a renamed or moved function breaks the script
that reads it here, not on the day someone reruns a calibration."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py") if not p.stem.startswith(("bench_", "conftest")))


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_imports(name, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the scripts import each other as siblings
    module = importlib.import_module(name)
    assert module.__doc__, f"benchmarks/{name}.py says nothing of what it measures"
    sys.modules.pop(name, None)
