from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent)
                    if (p / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data")
"""../shared/data beside the clone (main, CI), or ../../shared/data from a worktree at <root>/wt/<name>."""
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; tests using it are skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_data() -> Path:
    return SAMPLE_DATA
