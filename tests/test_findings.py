"""The one catalogue of finding codes: every code the checks raise is in it, and the README's table is its output."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from cccd_biometrics.findings import CODES, Severity, action_for, code_table

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "cccd_biometrics"


def test_every_raised_code_is_catalogued():
    """Every module of the package, so that a module split or a new check cannot slip out of the scan."""
    raised, where = set(), {}
    for path in sorted(PKG.rglob("*.py")):
        if path.stem == "__main__" or path.name == "errors.py":  # runs the program | the exceptions' own codes
            continue
        parts = path.relative_to(PKG).with_suffix("").parts
        name = ".".join(("cccd_biometrics", *(parts[:-1] if parts[-1] == "__init__" else parts)))
        module = importlib.import_module(name)
        quoted = set(re.findall(r'"((?:FINGER|FACE|SLAP|RECORD)_[A-Z_]+)"', path.read_text()))
        quoted -= set(getattr(module, "__all__", ()))  # exported names such as SLAP_FINGERS are no codes
        raised |= quoted
        where.update({code: name for code in quoted})
    assert {"FINGER_TOO_DRY", "FACE_BLURRED", "SLAP_INCOMPLETE", "RECORD_DUPLICATE_FINGER"} <= raised
    assert not raised - set(CODES), {code: where[code] for code in raised - set(CODES)}


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
