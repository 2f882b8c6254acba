"""`Rows`, the list widget of the inbox, the conversations and the suggestions: items wrap to the width
(CJK characters take two cells), the cursor moves with the keys and stays in sight, enter or a click
selects, a conversation follows its newest line, and a change never asks for a layout of the screen."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult

from kefu.tui.rows import Item, Rows

pytestmark = pytest.mark.asyncio


class Harness(App[None]):
    """One list of 6 lines by 12 cells (10 inside its padding)."""

    CSS = "Rows { width: 12; height: 6; }"

    def __init__(self, follow: bool = False) -> None:
        super().__init__()
        self.follow = follow
        self.selected: list[tuple[int, str | None]] = []

    def compose(self) -> ComposeResult:
        yield Rows(follow=self.follow, id="rows")

    def on_rows_selected(self, event: Rows.Selected) -> None:
        self.selected.append((event.index, event.item.id))

    @property
    def rows(self) -> Rows:
        return self.query_one(Rows)


def items(count: int) -> list[Item]:
    return [Item(Text(f"row {number}"), f"r{number}") for number in range(count)]


def wheel(rows: Rows) -> events.MouseScrollDown:
    """One notch of the mouse wheel, down, over the list."""
    return events.MouseScrollDown(rows, 2, 2, 0, 1, 0, False, False, False)


def shown(rows: Rows) -> list[str]:
    """The text of each line on screen, without the padding."""
    return [rows.render_line(y).text.strip() for y in range(rows.size.height)]


async def test_items_wrap_to_the_width_and_cjk_characters_take_two_cells() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        app.rows.set_items([Item(Text("請問有免運嗎?謝謝")), Item(Text("ok"))])
        await pilot.pause()
        assert shown(app.rows)[:4] == ["請問有免運", "嗎?謝謝", "ok", ""]


async def test_the_cursor_moves_with_the_keys_and_stays_in_sight() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        app.rows.set_items(items(20))
        app.rows.focus()
        await pilot.pause()
        assert app.rows.highlighted == 0 and shown(app.rows)[0] == "row 0"
        await pilot.press("down", "down")
        assert app.rows.highlighted == 2
        await pilot.press("end")
        await pilot.pause()
        assert app.rows.highlighted == 19 and shown(app.rows)[-1] == "row 19"
        await pilot.press("pageup")
        await pilot.pause()
        assert app.rows.highlighted == 14 and "row 14" in shown(app.rows)
        await pilot.press("home", "up")
        assert app.rows.highlighted == 0
        await pilot.press("pagedown")
        assert app.rows.highlighted == 5


async def test_enter_and_a_click_select_an_item() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        app.rows.set_items(items(3))
        app.rows.focus()
        await pilot.press("down", "enter")
        await pilot.click(Rows, offset=(3, 2))
        await pilot.pause()
        assert app.selected == [(1, "r1"), (2, "r2")]
        await pilot.click(Rows, offset=(3, 5))  # below the last item: nothing
        await pilot.pause()
        assert len(app.selected) == 2


async def test_the_mouse_wheel_scrolls_without_moving_the_cursor() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        app.rows.set_items(items(20))
        await pilot.pause()
        app.rows.post_message(wheel(app.rows))
        await pilot.pause()
        assert shown(app.rows)[0] == "row 3" and app.rows.highlighted == 0
        for _ in range(10):
            app.rows.post_message(wheel(app.rows))
        await pilot.pause()
        assert shown(app.rows)[-1] == "row 19"  # never past the end


async def test_a_list_that_follows_keeps_its_newest_line_in_sight() -> None:
    app = Harness(follow=True)
    async with app.run_test() as pilot:
        app.rows.set_items(items(3))
        await pilot.pause()
        assert app.rows.highlighted == 2
        app.rows.add_items([Item(Text("a longer line that wraps"))])
        await pilot.pause()
        assert app.rows.highlighted == 3 and shown(app.rows)[-1] == "wraps"
        app.rows.highlighted = 0  # reading an older line: a new one does not pull the cursor away
        app.rows.add_items([Item(Text("newest"))])
        await pilot.pause()
        assert app.rows.highlighted == 0 and shown(app.rows)[0] == "row 0"


async def test_a_new_list_keeps_the_cursor_on_the_item_it_was_on() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        app.rows.set_items(items(5))
        app.rows.highlighted = 3
        app.rows.set_items([Item(Text("new"), "new"), *items(5)])
        await pilot.pause()
        assert app.rows.highlighted_item == Item(Text("row 3"), "r3")
        app.rows.set_items([Item(Text("other"), "x")])
        assert app.rows.highlighted == 0
        app.rows.set_items([])
        assert app.rows.highlighted is None and shown(app.rows) == [""] * 6


async def test_an_item_replaced_by_a_taller_one_moves_the_items_after_it() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        app.rows.set_items(items(3))
        await pilot.pause()
        app.rows.replace_at(0, Item(Text("one\ntwo"), "r0"))
        await pilot.pause()
        assert shown(app.rows)[:4] == ["one", "two", "row 1", "row 2"]


async def test_a_change_repaints_the_list_without_a_layout_of_the_screen(pilot_layouts: list[int]) -> None:
    app = Harness(follow=True)
    async with app.run_test() as pilot:
        await pilot.pause()
        before = len(pilot_layouts)
        app.rows.set_items(items(30))
        app.rows.add_items(items(5))
        app.rows.replace_at(0, Item(Text("one\ntwo\nthree")))
        await pilot.pause()
        assert len(pilot_layouts) == before


@pytest.fixture
def pilot_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every layout of a screen, counted."""
    from textual.screen import Screen

    layouts: list[int] = []
    original = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(1)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return layouts
