"""`FixedInput`: typing, and emptying the input after enter, repaint the input alone (no layout of the
screen), and a text longer than the input still scrolls with the cursor."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input

from kefu.tui.inputs import FixedInput

pytestmark = pytest.mark.asyncio


class Harness(App[None]):
    CSS = "Input { width: 20; height: 3; overflow-x: hidden; }"

    def __init__(self, kind: type[Input]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind()


async def layouts_while_typing(kind: type[Input], monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Layouts of the screen while typing a long text and emptying the input; how far the text scrolled."""
    count = [0]
    original = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        count[0] += 1
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    app = Harness(kind)
    async with app.run_test() as pilot:
        box = app.query_one(Input)
        box.focus()
        await pilot.pause()
        before = count[0]
        await pilot.press(*"a message longer than the input")
        await pilot.pause()
        scrolled = box.scroll_offset.x
        box.value = ""
        await pilot.pause()
        return count[0] - before, scrolled


async def test_typing_into_a_fixed_input_never_lays_out_the_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    layouts, scrolled = await layouts_while_typing(FixedInput, monkeypatch)
    assert layouts == 0
    assert scrolled > 0  # the long text scrolled with the cursor


async def test_textuals_input_would_lay_out_the_screen_on_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """What FixedInput saves: the same keys in Textual's Input ask for layouts."""
    layouts, _ = await layouts_while_typing(Input, monkeypatch)
    assert layouts > 0
