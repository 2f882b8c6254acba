"""`FixedInput`: a text input whose size the stylesheet fixes, so a key repaints the input alone."""

from __future__ import annotations

from typing import Self

from textual.geometry import Region
from textual.widgets import Input


class FixedInput(Input):
    """An input sized by the stylesheet (neither its width nor its height `auto`).

    Textual's `Input` sets its virtual size to its text's width on every change, and a change of
    virtual size asks for a layout of the whole screen, which repaints every widget. When the
    stylesheet fixes the input's size that layout moves nothing, so it is not asked for: a key, or
    the input emptied after enter, repaints the input and nothing else. The text still scrolls with
    the cursor (the virtual size is kept; only the layout is skipped)."""

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if layout and not self.styles.auto_dimensions:
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
