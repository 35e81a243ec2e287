"""The README's first Python example runs, and every value its comments show is what it gives.

The comments are the example's promised output (``expr  # 21.2, True, ('FINGER_TOO_DRY',)``): a comment that reads
as a Python literal is compared with the line's value (floats to the decimals shown, strings with ``...`` as the
parts around it); other comments are prose and only the line has to run.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

import pytest

from tests.helpers.enrolment import ROOT


def _first_python_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match is not None, "README has no python example"
    return match.group(1).splitlines()


def _split_comment(line: str) -> tuple[str, str | None]:
    """The code and its trailing comment (the tokenizer knows a '#' inside a string is not one)."""
    for tok in tokenize.generate_tokens(io.StringIO(line).readline):
        if tok.type == tokenize.COMMENT:
            return line[:tok.start[1]].rstrip(), tok.string[1:].strip()
    return line.rstrip(), None


def _promised(comment: str | None) -> tuple[bool, object]:
    if not comment:
        return False, None
    try:
        return True, ast.literal_eval(comment)
    except (ValueError, SyntaxError):
        return False, None


def _matches(value: object, expected: object) -> bool:
    if isinstance(expected, tuple | list):
        return (isinstance(value, tuple | list) and len(value) == len(expected)
                and all(_matches(v, e) for v, e in zip(value, expected, strict=True)))
    if isinstance(expected, float):
        decimals = len(repr(expected).partition(".")[2])
        return isinstance(value, int | float) and round(float(value), decimals) == expected
    if isinstance(expected, str) and "..." in expected:
        head, _, tail = expected.partition("...")
        return isinstance(value, str) and value.startswith(head.rstrip()) and value.endswith(tail.lstrip())
    return value == expected


def test_readme_example_runs_and_shows_its_values(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    checked = 0
    for line in _first_python_block():
        code, comment = _split_comment(line)
        if not code:
            continue
        tree = ast.parse(code)
        has_value, expected = _promised(comment)
        if has_value and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
            value = eval(compile(ast.Expression(tree.body[0].value), "README", "eval"), namespace)
            assert _matches(value, expected), f"README says {comment!r} for {code!r}; it gives {value!r}"
            checked += 1
        else:
            exec(compile(tree, "README", "exec"), namespace)
    assert checked >= 5


@pytest.mark.parametrize(("value", "expected", "ok"), [
    (21.24, 21.2, True), (21.26, 21.2, False), ("Moisten the finger. Capture again.", "Moisten ... again.", True),
    ((False, ("A",)), (False, ("A",)), True), ([3, 4], [3, 4, 7], False),
])
def test_matches(value, expected, ok):
    assert _matches(value, expected) is ok
