"""`kefu test --coverage`'s computation (engine/coverage.py): the entries, settings and paths a shop's
test cases and scenarios exercise, and the path list that follows the engine's own words."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import get_args

import pytest

from kefu.dsl.load import load
from kefu.engine.coverage import BOOKKEEPING, ShopCoverage, action_types, coverage, shop_paths, vocabulary
from kefu.engine.events import Action, Kind, Notice, Suggest
from kefu.engine.explain import HOURS, ROUTES
from kefu.engine.match import Decision
from kefu.engine.rules import Shop
from kefu.engine.verify import run_shop
from tests.conftest import ROOT, RULES

HEADER = """\
shop demo "Demo" {
    language en
    timezone "UTC"
    hours mon-fri 09:00-18:00, sat 10:00-14:00
    closed 2026-12-25
}

staff {
    owner mia
    agent bob capacity 3
    agent amy auto_send off
    agent zed capacity 0
}

assist {
    on
    auto_send on
}

bot {
    on
    when off_hours
    fallback "Sorry, we are away."
    off_hours_reply "We answer from 09:00."
}

matching {
    confidence 95
    suggest 50
    margin 8
}

faq shipping.free "Free shipping" {
    ask "is shipping free"
    ask "do you ship for free"
    reply "Free shipping from $$50."
}

faq order.status "Order status" {
    ask "where is my order"
    reply "See My orders."
}

faq store.hours "Opening hours" {
    ask "when are you open"
    reply "${shop.hours}"
}

period "sale" 2026-11-10..2026-11-12 {
    bot {
        when all_day
    }
}
"""

# BOT-3 / BOT-7: a scenario plays the bot at night; AR-3: a test case and a scenario exercise assist
NIGHT_AND_DAY = """
test "assist answers" {
    "is shipping free" -> shipping.free
}

scenario "night bot" {
    at 2026-11-24 23:30
    customer "is shipping free" expect bot shipping.free
    customer "can I pay with bitcoin" expect fallback, notice
}

scenario "assist by day" {
    at 2026-11-25 14:00
    online bob
    customer "where is my order" expect assist order.status
}
"""

# one scenario a route: every route the engine names (ROUTES) is taken by one of these
EVERY_ROUTE = """
scenario "bot nobody online" {
    at 2026-11-24 23:30
    customer "is shipping free" expect bot shipping.free
}

scenario "bot queued" {
    at 2026-11-11 14:00
    online zed
    customer "is shipping free" expect queued, bot shipping.free
}

scenario "assist auto-send" {
    at 2026-11-25 14:00
    online bob
    customer "where is my order" expect assist order.status
}

scenario "human bot off" {
    at 2026-11-24 23:30
    set mia bot off
    customer "is shipping free" expect nothing, unreplied
}

scenario "human bot off hours only" {
    at 2026-11-25 14:00
    customer "is shipping free" expect nothing, unreplied
}

scenario "human open" {
    at 2026-11-25 14:00
    online bob
    open bob
    customer "is shipping free" expect nothing, unreplied
}

scenario "human assist off" {
    at 2026-11-25 14:00
    set mia assist off
    online bob
    customer "is shipping free" expect nothing, unreplied
}

scenario "human auto-send off" {
    at 2026-11-25 14:00
    online amy
    customer "is shipping free" expect nothing, suggest shipping.free, unreplied
}
"""


def demo(tmp_path: Path, blocks: str) -> Shop:
    (tmp_path / ".git").mkdir(exist_ok=True)
    folder = tmp_path / "demo"
    folder.mkdir(exist_ok=True)
    (folder / "shop.kefu").write_text(HEADER + textwrap.dedent(blocks), encoding="utf-8")
    result = load([folder])
    assert not result.errors, result.errors
    shop = result.rules.shop("demo")
    assert shop is not None
    return shop


def covered(shop: Shop) -> ShopCoverage:
    results = run_shop(shop, explain=True)
    assert [r.block for r in results if not r.passed] == []
    return coverage(shop, results)


def line_of(shop: Shop, text: str) -> int:
    lines = Path(shop.files[0]).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.strip().startswith(text))


def settings(report: ShopCoverage) -> dict[tuple[str, str | None, str], tuple[str, ...]]:
    return {(s.setting, s.period, s.value): s.by for s in report.settings}


def test_BOT3_AR3_a_night_bot_scenario_and_an_assist_test_exercise_their_settings_and_paths(tmp_path: Path) -> None:
    shop = demo(tmp_path, NIGHT_AND_DAY)
    report = covered(shop)
    by = settings(report)
    night, day, case = 'scenario "night bot"', 'scenario "assist by day"', 'test "assist answers"'
    # the bot's switches and its fallback decided the night; its off-hours reply was never sent
    assert by[("bot.enabled", None, "on")] == (night,) and by[("bot.when", None, "off_hours")] == (night,)
    assert by[("bot.fallback", None, "Sorry, we are away.")] == (night,)
    assert by[("bot.off_hours_reply", None, "We answer from 09:00.")] == ()
    # assist auto-sent by day, for bob who follows the shop's auto-send; the case held the levels
    assert by[("assist.enabled", None, "on")] == (day,) and by[("assist.auto_send", None, "on")] == (day,)
    assert by[("staff.bob", None, "agent")] == (day,)
    assert by[("matching.confidence", None, "95")] == (case, night, day)
    # Wednesday's hours were played, Saturday's never; no holiday, no period, no repeat stop
    assert by[("hours.wed", None, "09:00-18:00")] == (day,)
    assert by[("hours.sat", None, "10:00-14:00")] == ()
    assert by[("holiday", None, "2026-12-25")] == ()
    assert by[("period", "sale", "2026-11-10..2026-11-12")] == () and by[("bot.when", "sale", "all_day")] == ()
    assert by[("staff.amy.auto_send", None, "off")] == ()
    # each names the line that writes it: the period's own line for what the period sets
    rows = {(s.setting, s.period): s for s in report.settings}
    assert rows[("bot.when", None)].line == line_of(shop, "when off_hours")
    assert rows[("bot.when", "sale")].line == line_of(shop, "when all_day")
    assert rows[("hours.sat", None)].line == line_of(shop, "hours ")
    assert {s.file for s in report.settings} == {shop.files[0]}

    paths = {p.path: p for p in report.paths}
    assert (paths["route.bot.nobody_online"].count, paths["route.bot.nobody_online"].by) == (2, (night,))
    assert paths["send.fallback"].by == (night,) and paths["notice.bot_cannot_answer"].taken
    assert paths["route.assist.auto_send"].by == (day,) and paths["send.answer.assist"].count == 1
    assert paths["match.auto_send"].by == (case, night, day)
    assert paths["hours.off"].by == (night,) and paths["hours.working"].by == (day,)
    untaken = {p.path for p in report.paths if not p.taken}
    assert {"hours.holiday", "route.human.open", "route.bot.queued", "queue", "send.off_hours_reply"} <= untaken
    assert "hours.always" not in paths and "send.greeting" not in paths  # the shop has hours and no greeting

    summary = report.summary
    assert (summary.entries.covered, summary.entries.total) == (2, 3)  # store.hours: nothing asks it
    assert summary.settings.covered == sum(1 for s in report.settings if s.by) < summary.settings.total
    assert summary.paths.total == len(report.paths) and 0 < summary.paths.covered < summary.paths.total
    assert [e.entry for e in report.entries if not e.reached] == ["store.hours"]


def test_a_period_in_force_and_its_own_setting_are_exercised_there(tmp_path: Path) -> None:
    shop = demo(tmp_path, EVERY_ROUTE)
    by = settings(covered(shop))
    assert by[("period", "sale", "2026-11-10..2026-11-12")] == ('scenario "bot queued"',)
    assert by[("bot.when", "sale", "all_day")] == ('scenario "bot queued"',)  # the bot worked all day there
    assert by[("staff.zed", None, "agent")] == ()  # queued, never given the conversation


def test_a_switch_flipped_at_run_time_does_not_exercise_the_rules_setting(tmp_path: Path) -> None:
    shop = demo(
        tmp_path,
        """
        scenario "owner turns the bot off" {
            at 2026-11-24 23:30
            set mia bot off
            customer "is shipping free" expect nothing, unreplied
        }
        """,
    )
    report = covered(shop)
    by = settings(report)
    assert by[("bot.enabled", None, "on")] == ()  # switched off at run time: the rules' `on` decided nothing
    assert by[("staff.mia", None, "owner")] == ('scenario "owner turns the bot off"',)
    assert {p.path for p in report.paths if p.taken} >= {"changed", "route.human.bot_off", "hours.off"}


def test_every_route_the_engine_names_is_a_path_and_each_can_be_taken(tmp_path: Path) -> None:
    """The path list is built from the engine's words (ROUTES, Kind, Notice, Decision, the action
    types), so a route added to the engine is a path at once; these scenarios take each route."""
    report = covered(demo(tmp_path, EVERY_ROUTE))
    taken = {p.path for p in report.paths if p.taken}
    assert {f"route.{key}" for key in ROUTES} <= taken
    assert {p.path for p in report.paths if p.path.startswith("route.")} == {f"route.{key}" for key in ROUTES}


def test_the_path_list_follows_the_engines_enums_and_literals() -> None:
    paths = set(vocabulary())
    assert {f"match.{d.value}" for d in Decision} <= paths
    assert {f"hours.{standing}" for standing in HOURS} <= paths
    assert {f"send.{k.value}" for k in Kind if k != Kind.answer} | {"send.answer.bot", "send.answer.assist"} <= paths
    assert {f"notice.{r}" for r in get_args(Notice.model_fields["reason"].annotation)} <= paths
    assert {f"suggest.{s}" for s in get_args(Suggest.model_fields["source"].annotation)} <= paths
    every_type = {get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(Action)[0])}
    named = set(action_types()) | BOOKKEEPING | {"send", "suggest", "notice"}
    assert named == every_type  # a new action type is a path, or is named bookkeeping here
    assert all(any(p == t or p.startswith(f"{t}.") for p in paths) for t in action_types())


def test_the_route_names_are_documented_where_the_why_is() -> None:
    events = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert [key for key in ROUTES if f"`{key}`" not in events] == []


def test_a_shop_without_hours_greeting_or_holidays_lists_no_path_for_them(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "shop.kefu").write_text('shop bare "Bare"\nstaff {\n    owner mia\n}\n', encoding="utf-8")
    shop = load([tmp_path]).rules.shop("bare")
    assert shop is not None
    paths = shop_paths(shop)
    assert "hours.always" in paths
    assert not {"hours.working", "hours.off", "hours.holiday", "send.greeting", "send.off_hours_reply"} & set(paths)


def test_run_shop_keeps_no_actions_without_explain() -> None:
    shop = load([RULES / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    plain = run_shop(shop)
    assert all(r.actions == () for r in plain)  # kefu test without --coverage builds no why, keeps nothing
    explained = [r for r in run_shop(shop, explain=True) if r.kind == "scenario"]
    assert explained and all(r.actions for r in explained)
    assert "actions" not in plain[0].model_dump() and "match" not in plain[0].model_dump()


@pytest.mark.parametrize("name", ["tw", "sg"])
def test_the_demo_shops_report(name: str) -> None:
    shop = load([RULES / "shops" / name]).rules.shop(name)
    assert shop is not None
    report = covered(shop)
    rows = {(s.setting, s.period): s for s in report.settings}
    assert rows[("bot.enabled", None)].exercised and rows[("assist.enabled", None)].exercised
    assert rows[("matching.confidence", None)].exercised
    assert rows[("greeting", None)].exercised  # every scenario's first message opens a session
    assert all(s.file and s.line for s in report.settings)
    taken = {p.path for p in report.paths if p.taken}
    assert {"route.bot.nobody_online", "route.assist.auto_send", "send.fallback", "hours.off"} <= taken


def test_the_tw_shop_names_preset_entries_at_the_preset_file_and_its_period_unexercised() -> None:
    shop = load([RULES / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    report = covered(shop)
    entries = {e.entry: e for e in report.entries}
    stock = entries["product.stock"]  # a preset entry a test case reaches
    assert stock.preset == "general" and stock.file and stock.file.endswith("presets/general.zh-Hant.kefu")
    assert stock.reached and stock.by == ('test "通用類"',)
    fee = entries["shipping.fee"]  # overridden by the shop: still the preset's entry and line
    assert fee.preset == "general" and fee.file and "presets" in fee.file
    assert not next(s for s in report.settings if s.setting == "period").exercised  # no scenario plays 11.11
    holidays = [s for s in report.settings if s.setting == "holiday"]
    assert [s.value for s in holidays if s.exercised] == ["2026-12-25"]  # the holiday scenario's day only


def test_a_range_past_midnight_is_exercised_the_next_morning_but_not_after_a_holiday(tmp_path: Path) -> None:
    """BOT-3: sg's Friday late shift runs to Saturday 02:00; a holiday closes the night that starts on it."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "shop.kefu").write_text(
        'shop late "Late" {\n    timezone "UTC"\n    hours fri 20:00-02:00\n    closed 2026-11-20\n}\n'
        "staff {\n    owner mia\n    agent bob\n}\nassist {\n    on\n    auto_send on\n}\n"
        'faq a.b "A" {\n    ask "is shipping free"\n    reply "yes"\n}\n'
        'scenario "friday night" {\n    at 2026-11-28 01:30\n    online bob\n    customer "is shipping free"\n}\n'
        'scenario "after a holiday" {\n    at 2026-11-21 01:30\n    online bob\n    customer "is shipping free"\n}\n',
        encoding="utf-8",
    )
    shop = load([tmp_path]).rules.shop("late")
    assert shop is not None
    report = coverage(shop, run_shop(shop, explain=True))
    assert settings(report)[("hours.fri", None, "20:00-02:00")] == ('scenario "friday night"',)
    paths = {p.path: p.by for p in report.paths}
    assert paths["hours.off"] == ('scenario "after a holiday"',)
