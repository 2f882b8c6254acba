"""`kefu test --run PATTERN` (a regular expression searched in each block's name), `-v` (every case
and scenario with its result) and exit 1 with a clear line when nothing ran."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import RULES
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
