"""`kefu check --fail-on error|warning`: warnings exit 0 unless --fail-on warning (issue 9, point 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefu.dsl.levels import failing
from kefu.dsl.load import LoadResult
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import RuleSet
from tests.tui.test_cli import GOOD, run, shop


def finding(severity: Severity) -> Diagnostic:
    return Diagnostic(
        code="K099",
        severity=severity,
        message=f"a synthetic {severity.value}",
        span=Span.at("shop/shop.kefu", 1, 1, 1, 5),
        help="nothing to fix: a test finding",
    )


@pytest.mark.parametrize(
    "severities, fail_on, fails",
    [
        ((), Severity.error, False),
        ((), Severity.warning, False),
        ((Severity.warning,), Severity.error, False),
        ((Severity.warning,), Severity.warning, True),
        ((Severity.error,), Severity.error, True),
        ((Severity.error,), Severity.warning, True),
        ((Severity.warning, Severity.error), Severity.error, True),
    ],
)
def test_failing(severities: tuple[Severity, ...], fail_on: Severity, fails: bool) -> None:
    assert failing([finding(s) for s in severities], fail_on) is fails


@pytest.fixture
def one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading finds one warning and nothing else."""

    def load(paths: list[Path], cache: object = None, with_matcher: bool = False, lint: bool = False) -> LoadResult:
        return LoadResult(rules=RuleSet(), diagnostics=[finding(Severity.warning)], files=["shop/shop.kefu"])

    monkeypatch.setattr("kefu.dsl.load.load", load)


@pytest.mark.usefixtures("one_warning")
@pytest.mark.parametrize("extra, status", [([], 0), (["--fail-on", "error"], 0), (["--fail-on", "warning"], 1)])
def test_a_warning_exits_0_unless_fail_on_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], status: int
) -> None:
    code, out, err = run(capsys, "check", str(shop(tmp_path, GOOD)), *extra)
    assert code == status
    assert out.startswith("shop/shop.kefu:1:1: warning[K099]: a synthetic warning")
    assert err.strip() == "checked 1 file: found 1 warning"


@pytest.mark.usefixtures("one_warning")
def test_fail_on_applies_to_json_output_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(shop(tmp_path, GOOD)), "--json", "--fail-on", "warning")
    assert code == 1 and json.loads(out)["diagnostics"][0]["severity"] == "warning"


def test_fail_on_takes_only_the_two_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", str(shop(tmp_path, GOOD)), "--fail-on", "info")
    assert code == 2 and err.startswith("kefu check: error: invalid value for '--fail-on': 'info' is not one of")
