"""The terminal UI's screens as snapshots (pytest-textual-snapshot), at 80x24 and 120x40, in the zh-Hant
shop tw and the English shop sg: the main screen after a night's conversation, the why panel and the help.

After a deliberate change to the screen: `pytest tests/tui/test_snapshots.py --snapshot-update`, then
review the SVGs (the report opens them side by side).
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kefu.dsl.load import load
from kefu.engine.clock import zone
from kefu.engine.decide import CompiledShop
from kefu.engine.rules import Shop
from kefu.tui.app import KefuApp
from kefu.tui.session import Session
from tests.conftest import RULES

NIGHT = {
    "tw": ("請問有免運嗎?", "我想訂做一件客製化的外套"),
    "sg": ("how much is shipping", "can you sew my name on it"),
}
SIZES = [(80, 24), (120, 40)]


@functools.cache
def shop(shop_id: str) -> Shop:
    found = load([RULES / "shops" / shop_id]).rules.shop(shop_id)
    assert found is not None
    return found


@functools.cache
def compiled(rules: Shop) -> CompiledShop:
    return CompiledShop(rules)


def night(shop_id: str) -> KefuApp:
    """A customer at 23:30 asks what the knowledge base answers, then what it cannot; the first agent
    has opened the conversation."""
    rules = shop(shop_id)
    session = Session([rules], dt.datetime(2026, 11, 24, 23, 30, tzinfo=zone(rules.timezone)), compile=compiled)
    session.compile()
    answered, unknown = NIGHT[shop_id]
    session.customer_says("c1", answered, "Wang" if shop_id == "sg" else "王小明")
    session.advance(dt.timedelta(minutes=1))
    session.customer_says("c1", unknown)
    session.advance(dt.timedelta(minutes=1))
    session.customer_says("c2", answered)
    app = KefuApp(session)
    session.agent("open", app.me, conversation="c1")
    return app


async def settle(pilot: Pilot[int]) -> None:
    """A blinking cursor would make two shots of the same screen differ."""
    for box in pilot.app.query(Input):
        box.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("shop_id", ["tw", "sg"])
def test_the_main_screen_after_a_night(snap_compare, shop_id: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(night(shop_id), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("shop_id", ["tw", "sg"])
def test_the_why_panel_of_the_bots_answer(snap_compare, shop_id: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_why(pilot: Pilot[int]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, KefuApp)
        lines = app.query_one("#customer-lines")
        lines.focus()
        shown = [line for line in app.session.transcripts.of("c1") if line.for_customer]
        lines.highlighted = next(i for i, line in enumerate(shown) if line.kind == "answer")  # type: ignore[attr-defined]
        await pilot.press("w")
        await pilot.pause()

    assert snap_compare(night(shop_id), terminal_size=size, run_before=open_why)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_help_screen(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(night("tw"), terminal_size=size, press=["f1"], run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("shop_id", ["tw", "sg"])
def test_the_metrics_screen_after_a_night(snap_compare, shop_id: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(night(shop_id), terminal_size=size, press=["f11"], run_before=settle)


def test_the_main_screen_in_the_light_theme(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def light(pilot: Pilot[int]) -> None:
        pilot.app.theme = "textual-light"
        await settle(pilot)

    assert snap_compare(night("tw"), terminal_size=(120, 40), run_before=light)
