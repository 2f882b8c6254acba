"""`kefu lint`: everything `kefu check` finds and the lint codes, with check's outputs and a stricter exit.

Each lint code has its fixture and golden in tests/dsl (test_diagnostics.py); these tests drive the
command a user runs: the demo shops lint clean, a finding fails the lint, the outputs, the shop's
`lint { }` settings and suppressions with a reason.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.tui.test_cli import run

RULES = ROOT / "rules"
FIXTURES = ROOT / "tests" / "dsl" / "fixtures"


def fixture_shop(tmp_path: Path, name: str) -> Path:
    """The fixture `name` as the only shop of a folder (a repository root, so the shop search stops)."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    folder = tmp_path / name
    folder.mkdir()
    shutil.copyfile(FIXTURES / f"{name}.kefu", folder / "shop.kefu")
    return folder


def test_the_demo_shops_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """The one finding in rules/ (the LINE account's reply, K057) is justified in place with a reason."""
    code, out, err = run(capsys, "lint", str(RULES))
    assert (code, out, err.strip()) == (0, "", "linted 4 files: no problems")
    line = next(
        line for line in (RULES / "shops" / "tw" / "shop.kefu").read_text().splitlines() if "@demostore_tw" in line
    )
    assert "# kefu: ignore[K057] the shop's own LINE account" in line


def test_a_lint_finding_fails_the_lint_but_not_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = fixture_shop(tmp_path, "K051_ask_within_margin")
    code, out, err = run(capsys, "lint", str(shop))
    assert code == 1
    assert "warning[K051]: the ask \"運費多少\" beats 'shipping.fee'" in out
    assert "under the margin 8: written word for word, it is never auto-sent" in out
    assert err.strip() == "linted 1 file: found 2 warnings"  # K051, and K046 of a small shop
    assert run(capsys, "lint", "--fail-on", "error", str(shop))[0] == 0
    code, out, _ = run(capsys, "check", str(shop))
    assert code == 0 and "[K051]" not in out  # the lint rules run only in kefu lint


def test_lint_json_and_github_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = fixture_shop(tmp_path, "K054_duplicate_reply")
    code, out, _ = run(capsys, "lint", "--json", str(shop))
    found = [d for d in json.loads(out)["diagnostics"] if d["code"] == "K054"]
    assert code == 1 and len(found) == 1
    assert found[0]["path"].endswith("shop.kefu") and (found[0]["line"], found[0]["severity"]) == (16, "warning")
    assert found[0]["related"] and found[0]["related"][0]["line"] == 11
    code, out, _ = run(capsys, "lint", "--format", "github", str(shop))
    assert code == 1 and "::warning file=" in out and "K054" in out


def test_lint_settings_allow_and_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`allow` lets the platform's own link through (K057); `reply_budget` moves K055's limit."""
    (tmp_path / ".git").mkdir()
    shop = tmp_path / "shop"
    shop.mkdir()
    text = (FIXTURES / "K057_off_platform_contact.kefu").read_text(encoding="utf-8")
    (shop / "shop.kefu").write_text(text, encoding="utf-8")
    _, out, _ = run(capsys, "lint", "--json", str(shop))
    messages = [d["message"] for d in json.loads(out)["diagnostics"] if d["code"] == "K057"]
    assert len(messages) == 1 and "@demostore" in messages[0] and "shopee" not in messages[0]
    (shop / "shop.kefu").write_text(text.replace('allow "shopee\\\\.tw"', "reply_budget 20"), encoding="utf-8")
    _, out, _ = run(capsys, "lint", "--json", str(shop))
    codes = [d["code"] for d in json.loads(out)["diagnostics"]]
    assert codes.count("K057") == 2 and "K055" in codes


def test_a_suppression_of_a_lint_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Silences the finding in kefu lint; is K040 there when it silences nothing; kefu check leaves it be."""
    shop = fixture_shop(tmp_path, "K054_duplicate_reply")
    path = shop / "shop.kefu"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[15] += "  # kefu: ignore[K054] the two entries are merged next week"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "lint", "--fail-on", "error", str(shop))
    assert code == 0 and "[K054]" not in out and "[K040]" not in out
    lines[10] += "  # kefu: ignore[K054]"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, out, _ = run(capsys, "lint", str(shop))
    assert "warning[K040]: no K054 finding on this line to ignore" in out
    _, out, _ = run(capsys, "check", str(shop))
    assert "[K040]" not in out


def test_a_broken_pattern_is_an_error_that_check_finds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = fixture_shop(tmp_path, "K047_bad_pattern")
    code, out, _ = run(capsys, "check", str(shop))
    assert code == 1 and "error[K047]: '(line' is not a regular expression" in out


def test_lint_of_a_missing_path_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "lint", str(tmp_path / "nowhere"))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "nowhere" in err
