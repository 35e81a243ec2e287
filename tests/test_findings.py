"""The one catalogue of finding codes: every code the checks raise is in it, and the README's table is its output."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from cccd_biometrics.findings import CODES, Severity, action_for, code_table

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("fingerprint/quality/score.py", "face/icao.py", "batch/check.py", "fingerprint/slap.py", "enrolment.py")


def test_every_raised_code_is_catalogued():
    pkg = ROOT / "src" / "cccd_biometrics"
    raised = set()
    for name in SOURCES:
        module = importlib.import_module("cccd_biometrics." + name.removesuffix(".py").replace("/", "."))
        quoted = set(re.findall(r'"((?:FINGER|FACE|SLAP|RECORD)_[A-Z_]+)"', (pkg / name).read_text()))
        raised |= quoted - set(getattr(module, "__all__", ()))  # exported names such as SLAP_FINGERS are no codes
    assert raised and raised <= set(CODES)


def test_entries_are_complete():
    for code, info in CODES.items():
        assert info.code == code and info.modality in ("fingerprint", "portrait", "slap", "record")
        assert isinstance(info.severity, Severity) and info.meaning.endswith(".") and info.action.endswith(".")
        assert action_for(code) == info.action


def test_readme_table_is_generated_from_the_catalogue():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- codes:begin -->\n(.*?)<!-- codes:end -->", readme, re.S)
    assert block is not None, "README has no generated code table"
    assert block.group(1) == code_table(), "README code table is stale: paste `python -m cccd_biometrics.findings`"
