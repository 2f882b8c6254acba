"""What the matcher makes of one message: the candidate entries, the margin and the decision (D-8).

Plain models without numpy or scipy, so that the decide step, the terminal UI and anything else that
only reads matches can import them without the matcher's index (engine/matcher.py builds them).
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict

from kefu.engine.normalize import Normalized
from kefu.engine.rules import Matching


class Candidate(BaseModel):
    """One entry a message may be about."""

    model_config = ConfigDict(frozen=True)

    entry: str
    score: float  # confidence 0-100 that this entry is the answer: calibrated from its lead, 100 for an exact ask
    raw: float  # the scorer's similarity 0-1
    ask: str  # the ask (or title, or keywords) that drove it


class Decision(str, Enum):
    auto_send = "auto_send"
    suggest = "suggest"
    none = "none"


class Match(BaseModel):
    """What the matcher makes of one message (IR-1), and what D-8 decides with the given levels."""

    model_config = ConfigDict(frozen=True)

    message: Normalized
    candidates: tuple[Candidate, ...]  # best first
    margin: float  # best raw similarity minus the best other entry's, in points of 100
    decision: Decision
    levels: Matching
    exact: bool = False  # the normalised message is an ask (or the title) of the best entry and of no other
    tiny: bool = False  # the shop is too small to calibrate: it auto-sends exact asks only
    reason: str = ""  # why the decision, in one line (for `kefu ask --explain` and the `why`)
    meaning: float | None = None  # meaning to the best entry above the shop's background, where checked

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
