"""Every requirement of SPEC.md has a test that names it (`test_AR5_...` or the id in a docstring)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

# SPEC.md lives beside the checkout (../shared); the list is kept here so a fresh clone checks it too.
IDS = (
    [f"KB-{n}" for n in range(1, 4)]
    + [f"IR-{n}" for n in range(1, 4)]
    + [f"AR-{n}" for n in range(1, 9)]
    + [f"BOT-{n}" for n in range(1, 9)]
    + ["STOP-1", "STOP-2"]
    + [f"M-{n}" for n in range(1, 5)]
    + [f"D-{n}" for n in range(1, 9)]
)
SPEC = ROOT.parent / "shared" / "SPEC.md"
TESTS = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py"))


def test_the_list_matches_spec_md_when_it_is_there() -> None:
    if not SPEC.is_file():
        pytest.skip("SPEC.md is not beside this checkout")
    written = re.findall(r"^- \*\*([A-Z]+-\d+)\b", SPEC.read_text(encoding="utf-8"), re.M)
    assert written == IDS


@pytest.mark.parametrize("requirement", IDS)
def test_every_requirement_has_a_test_that_names_it(requirement: str) -> None:
    name = requirement.replace("-", "")
    named = re.search(rf"def test_(\w*_)?{name}_", TESTS) or re.search(rf'"""[^"]*\b{requirement}\b', TESTS)
    assert named, f"no test names {requirement}: call one test_{name}_... or put {requirement} in its docstring"
