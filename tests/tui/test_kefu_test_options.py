"""`kefu test --run PATTERN` (a regular expression searched in each block's name), `-v` (every case
and scenario with its result), exit 1 with a clear line when nothing ran, and `--coverage` (entries,
settings and paths the cases and scenarios exercise) in text and `--json`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import RULES, copy_rules, without_test_block
from tests.tui.test_cli import GOOD, run, shop

SG = str(RULES / "shops" / "sg")


def test_run_keeps_only_the_blocks_whose_name_the_pattern_finds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", SG, "--run", "friday", "--json")
    assert code == 0
    report = json.loads(out)
    assert {(row["kind"], row["block"]) for row in report["results"]} == {
        ("scenario", "friday late shift, then the bot after 02:00")
    }


def test_run_is_a_regular_expression(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(RULES), "--run", "^(shipping|friday) ", "--json")
    assert code == 0
    blocks = {row["block"] for row in json.loads(out)["results"]}
    assert blocks == {"shipping and orders", "friday late shift, then the bot after 02:00"}


def test_verbose_prints_each_case_and_scenario_with_its_result(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", SG, "-v")
    lines = out.splitlines()
    sg = RULES / "shops" / "sg" / "shop.kefu"
    text = sg.read_text(encoding="utf-8").splitlines()
    scenario = text.index('scenario "friday late shift, then the bot after 02:00" {') + 1
    assert code == 0
    assert any(
        line.endswith(f'shop.kefu:{scenario}: scenario "friday late shift, then the bot after 02:00": ok')
        for line in lines
    )
    cases = [line for line in lines if re.search(r': test "[^"]+": ok, ', line)]
    assert cases and len(cases) == int(lines[-1].split()[0]) - 1  # every case, and the one scenario
    assert lines[-1].endswith(" passed, 0 failed")


def test_without_verbose_passing_cases_are_not_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", SG)
    assert code == 0 and len(out.splitlines()) == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "kefu test: nothing ran: no test or scenario blocks under "),
        (["--run", "no such name"], "kefu test: nothing ran: no test or scenario name under "),
    ],
    ids=["no blocks", "pattern matches none"],
)
def test_nothing_ran_is_a_finding_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    folder = shop(tmp_path, GOOD) if not extra else Path(SG)
    code, out, err = run(capsys, "test", str(folder), *extra)
    assert (code, out) == (1, "")
    assert err.startswith(message) and len(err.splitlines()) == 1 and not err.rstrip().endswith(".")


def test_nothing_ran_with_json_still_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", SG, "--run", "zzz", "--json")
    assert code == 1
    assert json.loads(out) == {"passed": 0, "failed": 0, "failures": [], "results": []}
    assert "nothing ran" in err


def test_a_pattern_that_is_not_a_regular_expression_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", SG, "--run", "(")
    assert (code, out) == (2, "")
    assert err.startswith("kefu test: error: --run '(': not a regular expression: ")
    assert len(err.splitlines()) == 1


TW = str(RULES / "shops" / "tw")
TW_FILE = RULES / "shops" / "tw" / "shop.kefu"


def line_in(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.strip().startswith(start))


def test_coverage_reports_after_the_pass_fail_line_and_lists_what_nothing_exercises(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = copy_rules(tmp_path)  # the demo shop tests every entry: without one block, some go untested
    without_test_block(rules / "shops" / "tw" / "shop.kefu", "通用類: 出貨與配送")
    tw_file = rules / "shops" / "tw" / "shop.kefu"
    code, out, _ = run(capsys, "test", str(rules / "shops" / "tw"), "--coverage")
    lines = out.splitlines()
    assert code == 0
    done = next(i for i, line in enumerate(lines) if line.endswith(" passed, 0 failed"))
    head = lines[done + 1]
    assert head.startswith("coverage: shop tw: ") and " entries reached, " in head
    assert " settings exercised, " in head and head.endswith(" paths taken")
    period = line_in(tw_file, 'period "雙11大促"')
    assert f'shop.kefu:{period}: period "雙11大促" 2026-11-10..2026-11-12: no test or scenario exercises it' in out
    when = line_in(tw_file, "when all_day")
    assert f'shop.kefu:{when}: period "雙11大促" bot.when all_day: no test or scenario exercises it' in out
    preset = rules / "presets" / "general.zh-Hant.kefu"
    hours = line_in(preset, "faq service.hours")
    assert f"general.zh-Hant.kefu:{hours}: service.hours: no test case or scenario reaches it" in out  # KB-2
    assert any(line.startswith("tw: path queue (") and line.endswith("no test or scenario takes it") for line in lines)
    assert "bot.enabled" not in out  # exercised: only what nothing exercises is listed


def test_coverage_json_keeps_its_keys_and_adds_settings_paths_and_a_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = copy_rules(tmp_path)  # without one block of sg's tests, some entries go untested
    without_test_block(rules / "shops" / "sg" / "shop.kefu", "after the order")
    code, out, _ = run(capsys, "test", str(rules), "--coverage", "--json")
    report = json.loads(out)
    assert code == 0
    assert {"uncovered", "entries", "reached", "settings", "paths", "summary"} <= set(report)
    assert {"shop", "entry", "file", "line"} == set(report["uncovered"][0])
    assert report["entries"] == len(report["uncovered"]) + len(report["reached"])
    assert {"shop", "entry", "file", "line", "preset", "by"} == set(report["reached"][0])
    assert {"shop", "setting", "value", "period", "file", "line", "by", "exercised"} == set(report["settings"][0])
    assert {"shop", "path", "what", "count", "by", "taken"} == set(report["paths"][0])
    assert set(report["summary"]) == {"tw", "sg"}
    for shop_id, summary in report["summary"].items():
        for part in ("settings", "paths"):
            rows = [row for row in report[part] if row["shop"] == shop_id]
            done = sum(1 for row in rows if row["exercised" if part == "settings" else "taken"])
            assert summary[part] == {"covered": done, "total": len(rows)}
    bot = next(row for row in report["paths"] if (row["shop"], row["path"]) == ("tw", "route.bot.nobody_online"))
    assert bot["count"] >= 3 and 'scenario "國定假日白天由機器人接待"' in bot["by"]


def test_coverage_with_run_and_shop_counts_only_what_ran(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(RULES), "--coverage", "--json", "--shop", "tw", "--run", "國定假日")
    report = json.loads(out)
    assert code == 0 and set(report["summary"]) == {"tw"}
    assert {row["block"] for row in report["results"]} == {"國定假日白天由機器人接待"}
    holidays = {row["value"]: row["exercised"] for row in report["settings"] if row["setting"] == "holiday"}
    assert holidays["2026-12-25"] and not holidays["2026-01-01"]
    taken = {row["path"] for row in report["paths"] if row["taken"]}
    assert "hours.holiday" in taken and "route.assist.auto_send" not in taken
    assert report["summary"]["tw"]["entries"]["covered"] == 1  # shipping.free, all this scenario reaches


def test_coverage_verbose_lists_the_paths_taken_with_their_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", TW, "--coverage", "-v", "--run", "國定假日")
    assert code == 0
    assert 'tw: path hours.holiday: 2 x, scenario "國定假日白天由機器人接待"' in out.splitlines()


def test_the_coverage_page_shows_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/coverage.md: each line of its example is a line `kefu test rules/shops/tw --coverage` prints
    (its paths given from the repository's root), and its JSON row is a row of --json."""
    page = (RULES.parent / "docs" / "coverage.md").read_text(encoding="utf-8")
    example = page.split("```\n", 2)[1].splitlines()
    _, out, _ = run(capsys, "test", TW, "--coverage")
    real = out.splitlines()
    root = str(RULES.parent) + "/"
    assert [line for line in example if line not in real and root + line not in real] == []
    row = json.loads(page.split("```json\n", 1)[1].split("\n```", 1)[0])
    _, out, _ = run(capsys, "test", TW, "--coverage", "--json")
    rows = json.loads(out)["settings"]
    assert row in rows or {**row, "file": root + row["file"]} in rows  # named from where kefu runs
