"""How high a shop's own data lets a score go, and whether its auto-send level is within reach (D-8, IR-2).

A score is the share of right answers among the shop's held-out asks that led at least as clearly
(`engine.calibration`), so the shop's data caps it: the map's highest step is the best score any
message that is not word for word one of the shop's asks can get. A shop with few asks per entry
has few held-out messages to show its answers are right, and its map tops out low (an empty map,
at 0). When that cap is below the shop's
`confidence`, nothing but an exact ask can ever be auto-sent, whatever the customer writes:
`kefu check` warns about it and `kefu ask --explain` says so beside the match. A shop too small to
calibrate (`Matcher.tiny`: one entry, or fewer than `MIN_CALIBRATION` asks to hold out) scores every
guess 0, whatever its map says: its ceiling is 0.

What raises the cap is more asks per entry, worded as customers write: each one is another held-out
message of the map. The figures here say how many the shop has now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # numpy: loading rules imports this module (kefu check's rule), the matcher does not
    from kefu.engine.matcher import Matcher


class Ceiling(BaseModel):
    """The highest score a shop's data can show, next to one auto-send level and its asks."""

    model_config = ConfigDict(frozen=True)

    highest: float  # rounded as scores are (one decimal), so it compares with a level as a score does
    confidence: int
    asks: int
    entries: int
    fewest: str | None = None  # the entry with the fewest asks (the first of them), None without entries
    fewest_asks: int = 0
    too_small: str | None = None  # why the shop is too small to calibrate ("one entry", ...), else None
    hold_out: int = 0  # asks a shop must be able to hold out to calibrate (MIN_CALIBRATION)

    @property
    def reached(self) -> bool:
        """Whether a message that is not one of the asks can reach `confidence` at all."""
        return self.highest >= self.confidence

    @property
    def per_entry(self) -> float:
        return self.asks / self.entries if self.entries else 0.0

    def shows(self) -> str:
        """`this shop's own data shows at most 35 for a message that is not one of its asks`."""
        if self.too_small is not None:
            return (
                f"this shop is too small to calibrate ({self.too_small}): "
                "a message that is not one of its asks scores 0"
            )
        return f"this shop's own data shows at most {self.highest:g} for a message that is not one of its asks"

    def raise_it(self) -> str:
        """What would raise the ceiling, and the shop's asks now (the help of K046)."""
        if self.entries < 2:
            return f"a shop calibrates from two entries on: write more entries; it has {self.asks_now()}"
        more = "write more asks per entry, worded as customers write"
        if self.too_small is not None:
            more += f", until {self.hold_out} asks and titles can be held out"
        return f"{more}; it has {self.asks_now()}"

    def asks_now(self) -> str:
        """`4 asks for 2 entries (2.0 per entry; fewest: 'returns' with 1)`."""
        per_entry = f"{self.per_entry:.1f} per entry"
        if self.fewest is not None and self.fewest_asks < self.per_entry:
            per_entry += f"; fewest: '{self.fewest}' with {self.fewest_asks}"
        asks = f"{self.asks} ask{'s' * (self.asks != 1)}"
        return f"{asks} for {self.entries} entr{'ies' if self.entries != 1 else 'y'} ({per_entry})"


def ceiling(matcher: Matcher, confidence: int) -> Ceiling:
    """The ceiling of the shop `matcher` was built for (its calibration, and whether it is too small to
    calibrate at all), against `confidence`."""
    from kefu.engine.matcher import MIN_CALIBRATION

    entries = matcher.entries
    too_small = None
    if matcher.tiny:
        too_small = (
            "one entry"
            if len(entries) < 2
            else f"{matcher.calibration_asks} asks to hold out, {MIN_CALIBRATION} needed"
        )
    fewest = min(entries, key=lambda entry: len(entry.asks), default=None)
    return Ceiling(
        highest=0.0 if matcher.tiny else round(matcher.calibration.highest, 1),
        confidence=confidence,
        too_small=too_small,
        hold_out=MIN_CALIBRATION,
        asks=sum(len(entry.asks) for entry in entries),
        entries=len(entries),
        fewest=fewest.id if fewest is not None else None,
        fewest_asks=len(fewest.asks) if fewest is not None else 0,
    )
