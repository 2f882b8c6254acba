"""`Rows`: a list of wrapped rows with a cursor, drawn line by line at the size the stylesheet gives it.

The inbox, the two sides of a conversation and the suggestions are lists that change on nearly every
event. Textual's `OptionList` keeps its content's height in a reactive that asks for a layout of the
whole screen whenever it changes (a row added, a list replaced), and a layout repaints every widget.
`Rows` scrolls by itself instead: its size is the one the stylesheet fixes, so a change repaints only
its own lines (Textual's line API, `render_line`), and a new event costs a few lines, not a frame.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual, visualize
from textual.widget import Widget

SCROLL_STEP = 3  # lines a mouse wheel notch moves
CACHED = 4096  # drawn items kept (a list's rows, a conversation's lines, in one or two styles)


class Item(NamedTuple):
    """One row of the list: what it shows, and the id it is selected by (None: not selectable by id)."""

    text: Text
    id: str | None = None


class Rows(Widget, can_focus=True):
    """Items that wrap to the width, a highlighted one (the cursor), enter or a click selects it.

    `follow=True` keeps the last row in sight when items are added while the cursor is on the last item
    (a conversation: the newest message at the bottom)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"rows--cursor"}
    DEFAULT_CSS = """
    Rows {
        height: 1fr;
        padding: 0 1;
        color: $foreground;
        background: $surface;
        & > .rows--cursor {
            color: $foreground;
            background: $block-cursor-blurred-background;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .rows--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class Selected(Message):
        """An item was chosen (enter, or a click)."""

        def __init__(self, rows: Rows, index: int, item: Item) -> None:
            super().__init__()
            self.rows = rows
            self.index = index
            self.item = item

        @property
        def control(self) -> Rows:
            return self.rows

    def __init__(self, *, follow: bool = False, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.follow = follow
        self._items: list[Item] = []
        self._cursor: int | None = None
        self._top = 0  # the first line in sight
        self._width = -1  # the width the items were wrapped at
        self._heights: list[int] = []  # lines per item at that width
        self._starts: list[int] = []  # first line of each item
        self._strips: dict[tuple[object, ...], list[Strip]] = {}  # an item's lines, by what it shows

    # -- the items ---------------------------------------------------------------------------------

    @property
    def items(self) -> list[Item]:
        return list(self._items)

    @property
    def highlighted(self) -> int | None:
        """The index of the item under the cursor."""
        return self._cursor

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        self._cursor = None if index is None or not self._items else max(0, min(index, len(self._items) - 1))
        self._into_sight()
        self.refresh()

    @property
    def highlighted_item(self) -> Item | None:
        return self._items[self._cursor] if self._cursor is not None else None

    def set_items(self, items: list[Item], highlight: int | None = None) -> None:
        """Show `items` instead of the ones shown, the cursor on `highlight` (default: the same id as
        before, else the first item; the last one for a list that follows)."""
        before = self.highlighted_item
        self._items = list(items)
        self._width = -1  # measured again on the next draw, mostly from the cache of drawn lines
        if highlight is None and before is not None and before.id is not None:
            highlight = next((i for i, item in enumerate(items) if item.id == before.id), None)
        if highlight is None and items:
            highlight = len(items) - 1 if self.follow else 0
        self._top = 0
        self.highlighted = highlight

    def add_items(self, items: list[Item]) -> None:
        """Add items at the end; a list that follows moves its cursor (and its sight) to the last one."""
        at_end = self._cursor is None or self._cursor == len(self._items) - 1
        self._items.extend(items)
        if self._width >= 0:
            self._measure(len(self._items) - len(items))
        if self.follow and at_end:
            self.highlighted = len(self._items) - 1
        elif self._cursor is None and self._items:
            self.highlighted = 0
        else:
            self.refresh()

    def replace_at(self, index: int, item: Item) -> None:
        """Show `item` in place of the item at `index` (same place, maybe another height)."""
        self._items[index] = item
        if self._width >= 0:
            height = len(self._draw_item(index, self.visual_style))
            if height != self._heights[index]:
                self._heights[index] = height
                for later in range(index + 1, len(self._items)):
                    self._starts[later] = self._starts[later - 1] + self._heights[later - 1]
        self.refresh()

    # -- keys and the mouse ------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        if self._items:
            self.highlighted = (self._cursor if self._cursor is not None else -1) + step

    def action_page(self, direction: int) -> None:
        if not self._items:
            return
        self._wrap()
        line = self._starts[self._cursor or 0] + direction * max(1, self.size.height - 1)
        self.highlighted = self._item_at(max(0, min(line, self._lines() - 1)))

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = len(self._items) - 1

    def action_select(self) -> None:
        if self._cursor is not None:
            self.post_message(self.Selected(self, self._cursor, self._items[self._cursor]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._items:
            return
        self._wrap()
        line = self._top + offset.y
        if line < self._lines():
            self.highlighted = self._item_at(line)
            self.action_select()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll(SCROLL_STEP)
        event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll(-SCROLL_STEP)
        event.stop()

    def on_resize(self) -> None:
        self._into_sight()

    # -- drawing -----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        self._wrap()
        width = self._width
        line = self._top + y
        if line >= self._lines():
            return Strip.blank(width, self.visual_style.rich_style)
        index = self._item_at(line)
        cursor = index == self._cursor
        style = self.get_visual_style("rows--cursor") if cursor else self.visual_style
        strips = self._draw_item(index, style)
        offset = line - self._starts[index]
        return strips[offset] if offset < len(strips) else Strip.blank(width, style.rich_style)

    def _draw_item(self, index: int, style: VisualStyle) -> list[Strip]:
        """The item's lines in `style` at the current width; the same text drawn before is not drawn
        again (a list replaced by one that mostly shows the same rows costs only its new rows)."""
        text, width = self._items[index].text, self._width
        key = (text.plain, tuple(text.spans), text.style, style, width)
        strips = self._strips.get(key)
        if strips is None:
            if len(self._strips) >= CACHED:
                self._strips.clear()
            visual = visualize(self, text)
            rendered = Visual.to_strips(self, visual, width, None, style)
            strips = [strip.extend_cell_length(width, style.rich_style) for strip in rendered] or [
                Strip.blank(width, style.rich_style)
            ]
            self._strips[key] = strips
        return strips

    def _wrap(self) -> None:
        """Measure every item at the current width (once per width or change of items)."""
        if self._width == self.size.width:
            return
        self._width = self.size.width
        self._heights, self._starts = [], []
        self._measure(0)

    def _measure(self, first: int) -> None:
        for index in range(first, len(self._items)):
            self._starts.append(self._starts[-1] + self._heights[-1] if self._starts else 0)
            self._heights.append(len(self._draw_item(index, self.visual_style)))

    def _lines(self) -> int:
        return self._starts[-1] + self._heights[-1] if self._starts else 0

    def _item_at(self, line: int) -> int:
        return max(0, bisect_right(self._starts, line) - 1)

    def _into_sight(self) -> None:
        """Scroll so the cursor's item is in sight (its first line when it is taller than the list)."""
        height = self.size.height
        if not self._items or height <= 0 or self.size.width <= 0:
            self._top = 0
            return
        self._wrap()
        if self._cursor is not None:
            start, end = self._starts[self._cursor], self._starts[self._cursor] + self._heights[self._cursor]
            if end > self._top + height:
                self._top = end - height
            if start < self._top:
                self._top = start
        self._top = max(0, min(self._top, self._lines() - height))

    def _scroll(self, lines: int) -> None:
        self._wrap()
        self._top = max(0, min(self._top + lines, self._lines() - self.size.height))
        self.refresh()
