"""`kefu tui`, driven with Textual's pilot: each flow of the terminal UI, named for the SPEC ids it shows.

Every flow goes through the app's keys and widgets; what it proves is read back from the session (the
engine's state and the committed actions) and from what the widgets show.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kefu.dsl.load import load
from kefu.engine.clock import zone
from kefu.engine.decide import CompiledShop
from kefu.engine.events import Kind, Rated, Send, Sender
from kefu.engine.meaning import MeaningUnavailable
from kefu.engine.rules import Shop
from kefu.tui.app import READY, KefuApp
from kefu.tui.rows import Rows
from kefu.tui.screens import Choice, Prompt, WhyScreen
from kefu.tui.session import EVENT, Session
from tests.conftest import RULES

TAIPEI = zone("Asia/Taipei")
NIGHT = dt.datetime(2026, 11, 24, 23, 30, tzinfo=TAIPEI)  # Tuesday, off hours: the bot works
DAY = dt.datetime(2026, 11, 25, 14, 0, tzinfo=TAIPEI)  # Wednesday, working hours
SHIPPING = "請問有免運嗎?"
STATUS = "我的訂單現在是什麼狀態?"
UNKNOWN = "我想訂做一件客製化的外套"

pytestmark = pytest.mark.asyncio


@functools.cache
def shops() -> tuple[Shop, ...]:
    """The demo shops tw and sg, loaded once for the module."""
    ruleset = load([RULES]).rules
    return tuple(shop for shop in (ruleset.shop("tw"), ruleset.shop("sg")) if shop is not None)


@functools.cache
def compiled(shop: Shop) -> CompiledShop:
    """A shop's matcher is built once for the module: it never changes after it is built."""
    return CompiledShop(shop)


@asynccontextmanager
async def running(
    start: dt.datetime, me: str = "amy", size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[KefuApp, Pilot[int], Session]]:
    session = Session(shops(), start, compile=compiled)
    app = KefuApp(session, me=me)
    async with app.run_test(size=size) as pilot:
        yield app, pilot, session


async def type_in(pilot: Pilot[int], app: KefuApp, widget: str, text: str) -> None:
    box = app.query_one(widget, Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await pilot.pause()


def sent(session: Session) -> list[Send]:
    return [a for p in session.played for s in p.steps for a in s.actions if isinstance(a, Send)]


def shown(app: KefuApp, widget: str) -> str:
    return "\n".join(str(item.text) for item in app.query_one(widget, Rows).items)


async def test_BOT4_BOT6_a_customer_at_2330_gets_the_bots_answer_labelled_on_both_sides() -> None:
    """BOT-4, BOT-6: at night the bot answers; the customer sees 由聊天助手發送, the agent 機器人."""
    async with running(NIGHT) as (app, pilot, session):
        await type_in(pilot, app, "#customer-input", SHIPPING)
        [answer] = [s for s in sent(session) if s.kind == Kind.answer]
        assert answer.sender == Sender.bot and answer.entry == "shipping.free"
        customer = shown(app, "#customer-lines")
        assert SHIPPING in customer and "由聊天助手發送" in customer and "機器人" not in customer
        inbox = app.query_one("#inbox-list", Rows)
        inbox.focus()
        await pilot.press("enter")  # amy opens c1: the agent's side
        await pilot.pause()
        agent = shown(app, "#agent-lines")
        assert "[機器人]" in agent and "由聊天助手發送" not in agent


async def test_AR6_the_customer_sees_no_label_under_an_assist_auto_send() -> None:
    async with running(DAY, me="bob") as (app, pilot, session):
        await pilot.press("f7")  # bob comes online
        await type_in(pilot, app, "#customer-input", STATUS)
        [answer] = [s for s in sent(session) if s.kind == Kind.answer]
        assert (answer.sender, answer.label, answer.customer_label) == (Sender.assist, "自動發送", None)
        assert "自動發送" not in shown(app, "#customer-lines")


async def test_AR5_AR7_BOT7_the_inbox_shows_the_red_dot_and_the_unreplied_tag_and_filters() -> None:
    """AR-5: answered is Unread, not Unreplied; BOT-7: not answered is Unreplied with the tag."""
    async with running(NIGHT) as (app, pilot, _):
        await type_in(pilot, app, "#customer-input", SHIPPING)
        await pilot.press("ctrl+n")
        await type_in(pilot, app, "#customer-input", UNKNOWN)
        inbox = shown(app, "#inbox-list")
        assert inbox.count("●") == 2 and inbox.count("未回覆") == 1
        app.query_one("#lists").active = "unreplied"
        await pilot.pause()
        assert "c2" in shown(app, "#inbox-list") and "c1" not in shown(app, "#inbox-list")
        app.query_one("#lists").active = "unread"
        await pilot.pause()
        assert {"c1", "c2"} <= set(shown(app, "#inbox-list").split())


async def test_AR2_a_suggestion_is_sent_with_one_key_or_edited_first() -> None:
    """AR-2: while amy looks at the conversation, assist suggests; ctrl+s sends it as is, ctrl+e moves
    it into the input to edit, enter sends the edited text as a reply from that entry."""
    async with running(DAY) as (app, pilot, session):
        await pilot.press("f7")  # amy online (her own auto-send is off)
        await type_in(pilot, app, "#customer-input", STATUS)
        app.query_one("#inbox-list", Rows).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "order.status" in shown(app, "#suggestions")
        await pilot.press("ctrl+s")
        await pilot.pause()
        reply = sent(session)[-1]
        assert (reply.sender, reply.kind, reply.entry) == (Sender.agent, Kind.reply, "order.status")
        await type_in(pilot, app, "#customer-input", SHIPPING)
        await pilot.press("ctrl+e")
        await pilot.pause()
        box = app.query_one("#agent-input", Input)
        assert box.value and app.editing == "shipping.free"
        box.value = box.value + " 謝謝!"
        await pilot.press("enter")
        await pilot.pause()
        edited = sent(session)[-1]
        assert edited.entry == "shipping.free" and edited.text.endswith(" 謝謝!")


async def test_IR3_what_the_agent_types_brings_suggestions() -> None:
    async with running(DAY) as (app, pilot, session):
        await pilot.press("f7")
        await type_in(pilot, app, "#customer-input", UNKNOWN)
        app.query_one("#inbox-list", Rows).focus()
        await pilot.press("enter")
        await pilot.pause()
        box = app.query_one("#agent-input", Input)
        box.focus()
        await pilot.press(*"發票")
        await pilot.pause()
        assert "invoice" in shown(app, "#suggestions")  # at once: a preview of the decide step
        assert not [p for p in session.played if p.event.type == "agent_types"]
        for _ in range(50):  # the agent pauses: the words it settled on are played as an event
            await pilot.pause(0.1)
            if any(p.event.type == "agent_types" for p in session.played):
                break
        [typed] = [p.event for p in session.played if p.event.type == "agent_types"]
        assert typed.text == "發票"  # type: ignore[union-attr]
        assert "invoice" in shown(app, "#suggestions")


async def test_AR1_BOT1_an_agent_who_flips_the_bot_is_refused_and_the_owner_is_not() -> None:
    async with running(NIGHT) as (app, pilot, session):
        app.action_set("bot", "off")
        await pilot.pause()
        status = str(app.query_one("#status", Static).render())
        assert "refused: only the owner or an admin may switch 'bot'" in status
        app.me = "mia"
        app.action_set("bot", "off")
        await pilot.pause()
        assert session.state.settings.bot is False
        assert "bot off" in str(app.query_one("#topbar", Static).render())


async def test_AR8_an_agent_sets_its_own_auto_send() -> None:
    async with running(DAY, me="bob") as (app, pilot, session):
        app.action_own_auto_send(False)
        await pilot.pause()
        assert session.state.agents["bob"].auto_send is False
        assert session.state.agents["amy"].auto_send is False  # amy's own, from the rules, untouched
        assert session.state.agents["mia"].auto_send is None


async def test_BOT8_the_customer_rates_an_earlier_bot_answer_with_a_reason_and_free_text() -> None:
    async with running(NIGHT) as (app, pilot, session):
        await type_in(pilot, app, "#customer-input", SHIPPING)
        await type_in(pilot, app, "#customer-input", STATUS)
        lines = app.query_one("#customer-lines", Rows)
        lines.focus()
        texts = [line for line in session.transcripts.of("c1") if line.for_customer]
        lines.highlighted = next(i for i, line in enumerate(texts) if line.entry == "shipping.free")
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        await pilot.press("down", "down", "enter")  # off_topic: 答非所問
        await pilot.pause()
        assert isinstance(app.screen, Prompt)
        await pilot.press(*"不是這個", "enter")
        await pilot.pause()
        [rated] = [a for p in session.played for s in p.steps for a in s.actions if isinstance(a, Rated)]
        assert (rated.entry, rated.answer, rated.reason.value if rated.reason else None, rated.text) == (
            "shipping.free",
            1,
            "off_topic",
            "不是這個",
        )
        assert "問題未解決: 答非所問 — 不是這個" in shown(app, "#customer-lines")


async def test_KB1_the_merchant_switches_between_its_shops() -> None:
    async with running(NIGHT) as (app, pilot, session):
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert session.shop_id == "sg" and app.me in session.staff()
        await type_in(pilot, app, "#customer-input", "how much is shipping")
        assert all(s.shop == "sg" for s in sent(session))
        assert "Sent by the chat assistant" in shown(app, "#customer-lines")


async def test_the_clock_jumps_to_a_time_and_runs() -> None:
    async with running(DAY) as (app, pilot, session):
        await pilot.press("f2")
        await pilot.pause()
        box = app.screen.query_one("#prompt-input", Input)
        box.value = "23:30"
        await pilot.press("enter")
        await pilot.pause()
        assert session.local() == NIGHT + dt.timedelta(days=1)
        assert "off hours" in str(app.query_one("#topbar", Static).render())
        await pilot.press("f5")
        await pilot.pause()
        assert session.local().minute == 31


async def test_the_why_panel_shows_the_match_and_the_rules_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened = tmp_path / "opened"
    monkeypatch.setenv("EDITOR", f"sh -c 'echo \"$0 $1\" > {opened}'")
    monkeypatch.delenv("VISUAL", raising=False)
    async with running(NIGHT) as (app, pilot, session):
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # a headless test has no terminal to hand over
        await type_in(pilot, app, "#customer-input", SHIPPING)
        lines = app.query_one("#customer-lines", Rows)
        lines.focus()
        texts = [line for line in session.transcripts.of("c1") if line.for_customer]
        lines.highlighted = next(i for i, line in enumerate(texts) if line.entry == "shipping.free")
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WhyScreen)
        panel = str(app.screen.query_one("#why-text", Static).render())
        assert "shipping.free" in panel and "rules/shops/tw/shop.kefu:35" in panel
        assert "the bot answers (no agent online" in panel
        await pilot.press("e")
        await pilot.pause()
    assert opened.read_text().split() == ["+35", "rules/shops/tw/shop.kefu"]


async def test_replay_steps_back_and_forward_through_recorded_events() -> None:
    events = [
        {"type": "customer_message", "time": "2026-11-24T23:30", "conversation": "c1", "text": SHIPPING},
        {"type": "customer_message", "time": "2026-11-24T23:40", "conversation": "c2", "text": UNKNOWN},
    ]
    tape = [EVENT.validate_python(event) for event in events]
    session = Session(shops(), NIGHT, compile=compiled)
    session.load_tape(tape)
    app = KefuApp(session, me="amy")
    async with app.run_test(size=(120, 40)) as pilot:
        assert shown(app, "#inbox-list") == ""
        await pilot.press("f10", "f10")
        await pilot.pause()
        assert "c2" in shown(app, "#inbox-list") and session.local().minute == 40
        await pilot.press("f9")
        await pilot.pause()
        assert "c2" not in shown(app, "#inbox-list") and "c1" in shown(app, "#inbox-list")
        assert "recording: 1 played, 1 ahead" in str(app.query_one("#topbar", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_cjk_text_fits_at_80x24_and_larger(size: tuple[int, int]) -> None:
    async with running(NIGHT, size=size) as (app, pilot, session):
        await type_in(pilot, app, "#customer-input", "請問有免運嗎?" * 10)
        assert session.transcripts.of("c1")
        assert len(app.query_one("#inbox-list", Rows).items) == 1


async def test_ctrl_q_quits_with_status_0() -> None:
    async with running(NIGHT) as (app, pilot, _):
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code in (0, None)


async def test_D8_without_the_meaning_model_the_app_says_guesses_are_only_suggested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A broken install: the app loads the model as it starts, and says so in the status line when it
    cannot (every guess is then suggested, never auto-sent: tests/engine/test_meaning.py)."""

    def broken() -> None:
        raise MeaningUnavailable("FileNotFoundError: l2_supercat_256.safetensors")

    monkeypatch.setattr("kefu.tui.app.embedder", broken)
    async with running(NIGHT) as (app, pilot, _):
        for _ in range(50):
            await pilot.pause(0.05)
            if "meaning check cannot run" in str(app.query_one("#status", Static).render()):
                break
        status = str(app.query_one("#status", Static).render())
        assert status == (
            "the meaning check cannot run (FileNotFoundError: l2_supercat_256.safetensors): "
            "guesses are suggested, not auto-sent"
        )


async def test_a_failure_while_warming_the_meaning_check_never_keeps_the_app_from_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Measuring the shops' meaning backgrounds as the app starts is only a head start: if it fails,
    the app still gets ready and answers (the check meets the failure again where a guess is checked)."""

    def failing(self: Session) -> None:
        raise RuntimeError("no memory left for the background")

    monkeypatch.setattr(Session, "warm_meaning", failing)
    session = Session(shops(), NIGHT, compile=CompiledShop)  # built after the first frame, not before
    app = KefuApp(session, me="amy")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if str(app.query_one("#status", Static).render()) == READY:
                break
        assert str(app.query_one("#status", Static).render()) == READY
        await type_in(pilot, app, "#customer-input", SHIPPING)
        assert any(line.sender == Sender.bot for line in session.transcripts.of("c1"))
