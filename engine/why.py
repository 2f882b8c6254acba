"""Why the assistant did what it did: the `why` a `send`, `suggest` or `notice` action carries when asked
(and a `lists` action that leaves a customer's message to a human, the one outcome with nothing sent).

Two halves: what the matcher made of the message (the normalised text, the synonyms applied, the best
entries with their raw similarity and calibrated score, the margin and the levels it was held to, and
the decision's reason: an exact ask, too little evidence, a shop too small to calibrate, a guess
held back for its meaning), and
the policy path that led to the action (working hours, holiday or period, who is online and their load,
focus, the agent's and the shop's auto-send, the repeat count, a D-2 stop), each step naming the rule
that set it as `file:line`. `decide` builds it only when asked (`explain=True`), so a plain run pays
nothing for it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scored(_Frozen):
    """One entry the message may be about."""

    entry: str
    raw: float  # the scorer's similarity 0-1
    score: float  # calibrated confidence 0-100
    ask: str  # the ask (or title, or keywords) that drove it


class Levels(_Frozen):
    """The matching levels in force (D-8, STOP-1), and the rule that set them."""

    confidence: int
    suggest: int
    margin: int
    repeat_limit: int
    rule: str | None = None


class Matched(_Frozen):
    """What the matcher made of the message."""

    message: str  # as the customer (or the agent, typing) wrote it
    normalised: str
    synonyms: tuple[tuple[str, str], ...] = ()  # (term found, replaced by)
    candidates: tuple[Scored, ...] = ()  # best first
    margin: float = 0.0  # the best raw similarity minus the runner-up's, in points of 100
    decision: str  # auto_send | suggest | none
    levels: Levels
    exact: bool = False  # the message is an ask (or the title) of the best entry, word for word: score 100
    tiny: bool = False  # the shop is too small to calibrate: only exact asks are auto-sent
    reason: str = ""  # why the decision, in one line (exact ask, evidence, tiny shop, score and margin, meaning)
    meaning: float | None = None  # meaning to the best entry above the shop's background, where checked


class PolicyStep(_Frozen):
    """One fact of the policy the decision went through: `what` it is about, its `value` now, and the
    rule setting it (`file:line`), or None where no rule did (a default, or a switch flipped at run time)."""

    what: str
    value: str
    rule: str | None = None
    key: str | None = None  # the route's name for tools, one of `engine.explain.ROUTES` (`kefu test --coverage`)


class Why(_Frozen):
    """Why an action was taken."""

    matched: Matched | None = None  # None for actions no message was matched for (a greeting)
    policy: tuple[PolicyStep, ...] = ()
