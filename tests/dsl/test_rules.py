"""The registry: every code one object with a level, every rule module found, levels and what fails a run.

The per-code fixtures and goldens are in test_diagnostics.py; this file checks the registry itself
(no hand-kept list can miss a rule module), each rule against every fixture, and the levels.
"""

from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import pytest

from kefu.dsl import render
from kefu.dsl.codes import CODES, Code, define, explain
from kefu.dsl.levels import failing
from kefu.dsl.load import load
from kefu.dsl.rules import RULES, Context, Rule, RuleError, _rule
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import Shop
from tests.conftest import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RULE_FILES = sorted(
    path for path in (ROOT / "dsl" / "rules").glob("*/*.py") if path.name != "__init__.py"
)  # dsl/rules/<category>/<name>.py


def test_every_rule_module_is_registered() -> None:
    """Discovery finds every module under dsl/rules/<category>/, and nothing else."""
    assert sorted(rule.path for rule in RULES) == [str(path.relative_to(ROOT)) for path in RULE_FILES]


def test_rules_live_one_folder_deep() -> None:
    assert [path for path in (ROOT / "dsl" / "rules").glob("*.py") if path.name != "__init__.py"] == []
    assert [path for path in (ROOT / "dsl" / "rules").glob("*/*/") if path.name != "__pycache__"] == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code.code)
def test_a_rule_is_one_module_with_its_code(rule: Rule) -> None:
    """Its code is registered, its category is its folder, and its module says what it checks."""
    assert CODES[rule.code.code] is rule.code
    assert rule.code.category == rule.category == Path(rule.path).parent.name
    module = __import__(rule.module, fromlist=["check"])
    assert (module.__doc__ or "").startswith(f"{rule.code.code}:"), rule.module


def _fixture_shops(folder: Path) -> list[Shop]:
    shops: list[Shop] = []
    for source in sorted(FIXTURES.glob("K[0-9][0-9][0-9]_*")):
        target = folder / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
        shops.extend(load([target]).rules.shops)
    return shops


def test_each_rule_gives_only_its_own_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule run on the shop of every fixture: findings of its code only, at its level."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    shops = _fixture_shops(tmp_path)
    assert len(shops) > 20
    contexts = {id(shop): Context(shop) for shop in shops}
    for rule in RULES:
        for shop in shops:
            found = rule.check(shop, contexts[id(shop)]) if rule.needs_matcher else rule.check(shop)
            for diagnostic in found:
                assert (diagnostic.code, diagnostic.severity) == (rule.code.code, rule.code.level), rule.module


def test_a_module_without_code_or_check_is_refused() -> None:
    empty = types.ModuleType("kefu.dsl.rules.staff.empty")
    with pytest.raises(RuleError, match="needs CODE"):
        _rule(empty, "staff")


def test_a_rule_in_the_wrong_folder_is_refused() -> None:
    module = types.ModuleType("kefu.dsl.rules.staff.stray")
    module.CODE = define(  # type: ignore[attr-defined]
        "K099", "stray", "a stray rule", "why", "avoid", "prefer", level=Severity.warning, category="matching",
        level_reason="a test",
    )  # fmt: skip
    module.check = lambda shop: []  # type: ignore[attr-defined]
    with pytest.raises(RuleError, match="its folder is 'staff'"):
        _rule(module, "staff")


def test_codes_are_registered_once_in_code_order() -> None:
    assert list(CODES) == sorted(CODES)
    assert all(isinstance(code, Code) and CODES[key] is code and code.code == key for key, code in CODES.items())
    assert len({code.name for code in CODES.values()}) == len(CODES)


def test_the_warnings_are_those_that_leave_the_shop_as_written() -> None:
    """Each warning's page says why (level_reason); every other code is an error."""
    warnings = sorted(code.code for code in CODES.values() if code.level is Severity.warning)
    lint = [f"K0{n}" for n in range(50, 62)]
    assert warnings == ["K003", "K006", "K021", "K030", "K034", "K040", "K041", "K043", "K045", "K046", *lint]


@pytest.mark.parametrize("code", ["K021", "k020"])
def test_explain_shows_the_level_and_why(code: str) -> None:
    entry = CODES[code.upper()]
    page = explain(code)
    assert page is not None and page.startswith(f"{entry.code} ({entry.name}): {entry.summary}\n")
    assert f"Level: {entry.level.value}. {entry.level_reason}" in page
    assert f"Category: {entry.category}" in page


# -- levels: what fails a run ----------------------------------------------------------------------

SPAN = Span.at("shop.kefu", 3, 1, 3, 4)
ERROR = CODES["K020"].at(SPAN, "duplicate entry id 'a'", "give one of the entries another id")
WARNING = CODES["K021"].at(SPAN, "the ask \"x\" is under both 'a' and 'b'", "keep it under one")


@pytest.mark.parametrize(
    "found, fail_on, fails",
    [
        ([], Severity.error, False),
        ([], Severity.warning, False),
        ([WARNING], Severity.error, False),  # warnings exit 0 ...
        ([WARNING], Severity.warning, True),  # ... unless --fail-on warning
        ([ERROR], Severity.error, True),
        ([ERROR], Severity.warning, True),
        ([WARNING, ERROR], Severity.error, True),
    ],
    ids=["clean", "clean-strict", "warning", "warning-strict", "error", "error-strict", "both"],
)
def test_failing_is_any_error_or_any_warning_when_asked(
    found: list[Diagnostic], fail_on: Severity, fails: bool
) -> None:
    assert failing(found, fail_on) is fails


def test_failing_defaults_to_errors() -> None:
    assert failing([WARNING]) is False and failing([ERROR]) is True


def test_a_warning_renders_as_warning_in_every_format() -> None:
    text = render.render_text([WARNING], lambda _: None)
    assert text.startswith("shop.kefu:3:1: warning[K021]: the ask")
    assert json.loads(render.render_json([WARNING]))["diagnostics"][0]["severity"] == "warning"
    assert render.render_github([WARNING, ERROR]).splitlines()[0].startswith("::warning file=shop.kefu,line=3,")
    assert render.render_github([ERROR]).startswith("::error file=shop.kefu,")


def test_discovering_the_rules_imports_no_matcher() -> None:
    """Every command loads rules, the terminal UI on every save: the rules that need the matcher (and
    the lint rules) import numpy and scipy only when they run, not when the registry finds them."""
    import subprocess
    import sys

    code = "import sys, kefu.dsl.load; print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
