"""`kefu test`'s runner: what passes, what fails, and where the failure is reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kefu.dsl.load import load
from kefu.engine.rules import Shop
from kefu.engine.verify import Result, run_shop, uncovered
from tests.conftest import RULES, copy_rules

SHOP = RULES / "shops" / "tw" / "shop.kefu"


def shop_with(tmp_path: Path, extra: str) -> Shop:
    """The demo rules copied, with `extra` appended to tw's shop file."""
    rules = copy_rules(tmp_path)
    shop_file = rules / "shops" / "tw" / "shop.kefu"
    shop_file.write_text(shop_file.read_text(encoding="utf-8") + "\n" + textwrap.dedent(extra), encoding="utf-8")
    result = load([rules / "shops" / "tw"])
    assert not result.errors, result.errors
    shop = result.rules.shop("tw")
    assert shop is not None
    return shop


def failures(results: list[Result], block: str) -> list[Result]:
    return [r for r in results if r.block == block and not r.passed]


def test_the_demo_shops_tests_and_scenarios_all_pass() -> None:
    for name in ("tw", "sg"):
        shop = load([RULES / "shops" / name]).rules.shop(name)
        assert shop is not None
        results = run_shop(shop)
        assert results and [r for r in results if not r.passed] == []


def test_a_case_passes_when_the_entry_is_at_least_suggested_and_none_when_nothing_is_auto_sent(tmp_path: Path) -> None:
    """IR-2, D-8: `-> id` holds for auto-sent or suggested; `-> none` for anything not auto-sent."""
    shop = shop_with(
        tmp_path,
        """
        test "levels" {
            "請問這個有免運嗎?" -> shipping.free
            "請問這個有免運嗎?" -> order.status
            "請問這個有免運嗎?" -> none
            "今天天氣如何" -> none
        }
    """,
    )
    results = [r for r in run_shop(shop) if r.block == "levels"]
    assert [r.passed for r in results] == [True, False, False, True]
    wrong, auto_sent = results[1], results[2]
    assert wrong.expected == "order.status (auto-sent or suggested)" and wrong.got.startswith(
        "shipping.free (auto-sent"
    )
    assert auto_sent.expected == "nothing auto-sent"
    assert wrong.file and wrong.file.endswith("shop.kefu") and wrong.line is not None


def test_a_failing_scenario_names_its_step_the_expectation_and_what_happened(tmp_path: Path) -> None:
    shop = shop_with(
        tmp_path,
        """
        scenario "wrong sender" {
            at 2026-11-24 23:30
            customer "請問有免運嗎?" expect assist shipping.free
        }
    """,
    )
    [failure] = failures(run_shop(shop), "wrong sender")
    text = (tmp_path / "rules" / "shops" / "tw" / "shop.kefu").read_text(encoding="utf-8").splitlines()
    assert 'customer "請問有免運嗎?" expect assist shipping.free' in text[failure.line - 1]  # type: ignore[operator]
    assert failure.expected == "assist shipping.free"
    assert "bot answer shipping.free" in failure.got


def test_a_standalone_expect_looks_at_everything_since_the_previous_one(tmp_path: Path) -> None:
    shop = shop_with(
        tmp_path,
        """
        scenario "window" {
            at 2026-11-24 23:30
            customer "我想訂做一件客製化的外套"
            customer "???"
            expect notice, fallback, off_hours_reply
            customer "還在嗎"
            expect notice
        }
    """,
    )
    [failure] = failures(run_shop(shop), "window")
    assert failure.expected == "notice" and failure.got == "nothing sent"


def test_a_scenario_without_a_clock_fails_at_its_first_timed_step(tmp_path: Path) -> None:
    shop = shop_with(
        tmp_path,
        """
        scenario "no clock" {
            customer "請問有免運嗎?"
        }
    """,
    )
    [failure] = failures(run_shop(shop), "no clock")
    assert "an `at` step" in failure.expected


def test_list_expectations_read_the_conversation_now(tmp_path: Path) -> None:
    """AR-7: after assist cannot answer, the conversation is Unreplied; `not unreplied` fails."""
    shop = shop_with(
        tmp_path,
        """
        scenario "lists" {
            at 2026-11-25 14:00
            online bob
            customer "我想訂做一件客製化的外套" expect not unreplied
        }
    """,
    )
    [failure] = failures(run_shop(shop), "lists")
    assert failure.expected == "not unreplied" and failure.got == "unread, unreplied"


def test_coverage_lists_entries_no_case_or_scenario_reaches() -> None:
    shop = load([RULES / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    assert uncovered(shop, run_shop(shop)) == []  # the demo shop tests every entry (kefu lint's K058)
    shop = shop.model_copy(update={"tests": tuple(block for block in shop.tests if block.name != "本店")})
    missing = uncovered(shop, run_shop(shop))
    assert "shipping.free" not in missing and "invoice.company" not in missing  # a case; a typed suggestion
    assert "store.points" in missing
    assert set(missing) < {entry.id for entry in shop.entries}


@pytest.mark.parametrize("expect, passes", [("greeting", True), ("nothing", True), ("fallback", False)])
def test_nothing_allows_the_greeting_that_opens_a_session(tmp_path: Path, expect: str, passes: bool) -> None:
    shop = shop_with(
        tmp_path,
        f"""
        scenario "quiet" {{
            at 2026-11-25 14:00
            online amy
            customer "我的訂單現在是什麼狀態?" expect {expect}
        }}
    """,
    )
    assert (failures(run_shop(shop), "quiet") == []) == passes
