"""The seed page's stories, end to end: written as `scenario` blocks in the demo shops (so merchants
see them and `kefu test rules/` runs them), or played here when they need several conversations or
a shop in a daylight-saving zone."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kefu.dsl.load import load
from kefu.engine.decide import CompiledShop
from kefu.engine.events import Kind, Sender
from kefu.engine.simulate import Simulation
from kefu.engine.verify import run_shop
from tests.conftest import RULES
from tests.engine.plays import EVENTS, NIGHT, SHIPPING, at, online, says

STORIES = {
    # scenario name in the demo shop -> the requirements it plays
    ("tw", "深夜機器人接待,早上轉人工"): "BOT-3 BOT-4 BOT-5 BOT-6 BOT-7 BOT-8 D-2: night, nobody online, the bot "
    "answers, then cannot, sends the fallback, then the off-hours reply once; "
    "Unreplied until amy replies next morning",
    ("tw", "白天輔助回覆自動發送與重複停止"): "AR-3 AR-5 STOP-1 STOP-2 IR-3: assist auto-sends, the same reply twice "
    "stops it with a notice, typed keywords bring suggestions",
    ("tw", "客服打開會話後停止自動發送"): "AR-3 AR-4 AR-6 D-6: assist answers while bob is elsewhere and stops when "
    "he opens the conversation",
    ("tw", "客服拒絕自動發送"): "AR-8 D-7: amy refused auto-send for herself: suggestions only",
    ("tw", "國定假日白天由機器人接待"): "BOT-3 BOT-8: a holiday is off hours all day; an unsolved rating with a reason",
    ("tw", "客服不能關掉機器人"): "BOT-1 AR-1: an agent's switch is denied and changes nothing; the owner's works",
    ("sg", "friday late shift, then the bot after 02:00"): "BOT-2 BOT-3 AR-3: hours past midnight",
}


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], object]:
    played = {}
    for name in ("tw", "sg"):
        shop = load([RULES / "shops" / name]).rules.shop(name)
        assert shop is not None
        played.update({(name, r.block): r for r in run_shop(shop) if r.kind == "scenario"})
    return played


@pytest.mark.parametrize("story", list(STORIES), ids=[name for _, name in STORIES])
def test_story_in_the_demo_shops(results: dict[tuple[str, str], object], story: tuple[str, str]) -> None:
    """Every story names its requirements in STORIES; see rules/shops/*/shop.kefu for the steps."""
    assert story in results, f"scenario {story[1]!r} is missing from shop {story[0]}"
    result = results[story]
    assert result.passed, f"{result.file}:{result.line}: expected {result.expected}, got {result.got}"  # type: ignore[attr-defined]


def test_BOT2_every_online_agent_at_capacity_queues_the_customer_and_the_bot_answers(tw: CompiledShop) -> None:
    """BOT-2, BOT-5: at night bob (capacity 3) is online with three customers; the fourth queues and
    the bot answers it; when bob frees up (a session closes) the queued customer is assigned."""
    simulation = Simulation({"tw": tw.shop}, compile=lambda _: tw)
    events = [online(NIGHT, "bob")] + [says(at(NIGHT, i), "我想訂做一件客製化的外套", f"c{i}") for i in range(1, 4)]
    events += [says(at(NIGHT, 5), SHIPPING, "c4"), at_tick(at(NIGHT, 4 + 24 * 60))]
    actions = []
    for event in EVENTS.validate_python(events):
        played = simulation.play(event)
        assert isinstance(played, list)
        actions.extend(a for step in played for a in step.actions)
    assert [a.conversation for a in actions if a.type == "assign"][:3] == ["c1", "c2", "c3"]
    [queued] = [a for a in actions if a.type == "queue"]
    assert (queued.conversation, queued.position) == ("c4", 1)
    [answer] = [a for a in actions if a.type == "send" and a.conversation == "c4" and a.kind == Kind.answer]
    assert answer.sender == Sender.bot and answer.entry == "shipping.free"
    assert [a.conversation for a in actions if a.type == "assign"][3:] == ["c4"]  # c1..c3 closed: room for c4


def at_tick(time: str) -> dict[str, str]:
    return {"type": "tick", "time": time}


BERLIN = """
shop de "Demo DE" {
    language en
    timezone "Europe/Berlin"
    hours mon-fri 09:00-18:00
}

staff {
    owner max
}

bot {
    on
    when off_hours
    fallback "Sorry, nobody is online; we will answer as soon as we are back."
}

matching {
    confidence 40  # a two-entry shop: its own held-out data cannot show more confidence than this
    suggest 20
}

faq shipping.free "Free shipping" {
    ask "is shipping free"
    ask "do you charge for delivery"
    ask "free delivery?"
    reply "Shipping is free from 50 EUR."
}

faq returns "Returns" {
    ask "how do I return an item"
    ask "can I send it back"
    ask "return policy"
    reply "You can return any item within 30 days."
}

scenario "the bot follows the wall clock across the change to winter time" {
    # Sunday 2026-10-25 03:00 CEST becomes 02:00 CET; Monday 08:30 is before work, 09:30 is working time
    at 2026-10-24 23:00
    customer "is shipping free" expect bot shipping.free
    at 2026-10-26 08:30
    customer "is shipping free" expect bot shipping.free
    at 2026-10-26 09:30
    customer "how do I return an item" expect nothing, unreplied
}
"""


def test_BOT3_a_dst_change_moves_nothing_on_the_shops_wall_clock(tmp_path: Path) -> None:
    """BOT-3: working hours are read on the shop's wall clock on both sides of a DST change."""
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "de"
    folder.mkdir()
    (folder / "shop.kefu").write_text(textwrap.dedent(BERLIN).lstrip(), encoding="utf-8")
    loaded = load([folder])
    assert not loaded.errors, loaded.errors
    shop = loaded.rules.shop("de")
    assert shop is not None
    [result] = [r for r in run_shop(shop) if r.kind == "scenario"]
    assert result.passed, f"line {result.line}: expected {result.expected}, got {result.got}"
