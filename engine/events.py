"""Events in, actions out: the public interface of `decide` (version 1).

`kefu simulate` reads events as JSON Lines and prints actions as JSON Lines; the terminal UI and
scenarios produce the same events. Every line carries `type` and `time` (ISO 8601; without an
offset it is read in the shop's time zone) and may carry `v` (the format version, 1) and `shop`
(needed only when the rules hold several shops). Add fields and types freely; never rename one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kefu.engine.rules import Reason as Reason  # defined with the rules model; events carry them
from kefu.engine.rules import Setting as Setting
from kefu.engine.why import Why

VERSION: Literal[1] = 1


FIRST_YEAR, LAST_YEAR = 2, 9998  # a day of slack on each side: any shop's clock and a session's 24 h fit


class _Line(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = VERSION
    time: dt.datetime
    shop: str | None = None

    @field_validator("v", mode="before")
    @classmethod
    def _version_is_a_number(cls, v: object) -> object:
        """JSON's `true` is not the version 1 (Python would take it as 1)."""
        if isinstance(v, bool):
            raise ValueError("the format version is the number 1")
        return v

    @field_validator("time")
    @classmethod
    def _within_the_calendar(cls, time: dt.datetime) -> dt.datetime:
        """Times at the calendar's ends cannot be moved to a shop's clock: refused, not crashed on."""
        if not FIRST_YEAR <= time.year <= LAST_YEAR:
            raise ValueError(f"year {time.year} is out of the range kefu plays ({FIRST_YEAR} to {LAST_YEAR})")
        return time


# -- events -----------------------------------------------------------------------------------


class CustomerMessage(_Line):
    """A customer writes in a conversation (IR-1)."""

    type: Literal["customer_message"] = "customer_message"
    conversation: str = Field(min_length=1)
    customer: str | None = None  # the customer's display name, for `${customer.name}`
    text: str


class AgentOnline(_Line):
    type: Literal["agent_online"] = "agent_online"
    agent: str


class AgentOffline(_Line):
    type: Literal["agent_offline"] = "agent_offline"
    agent: str


class AgentOpen(_Line):
    """The agent opens a conversation on its screen: it is replying there now (D-6, AR-4)."""

    type: Literal["agent_open"] = "agent_open"
    agent: str
    conversation: str = Field(min_length=1)


class AgentLeave(_Line):
    """The agent closes the conversation on its screen: focused nowhere (D-6)."""

    type: Literal["agent_leave"] = "agent_leave"
    agent: str
    conversation: str = Field(min_length=1)


class AgentTypes(_Line):
    """The agent types keywords in the input box: suggestions follow them (IR-3)."""

    type: Literal["agent_types"] = "agent_types"
    agent: str
    conversation: str = Field(min_length=1)
    text: str


class AgentMessage(_Line):
    """The agent sends its own words."""

    type: Literal["agent_message"] = "agent_message"
    agent: str
    conversation: str = Field(min_length=1)
    text: str


class AgentSendSuggestion(_Line):
    """The agent sends a suggested reply as it is, or (with `text`) after editing it (AR-2)."""

    type: Literal["agent_send_suggestion"] = "agent_send_suggestion"
    agent: str
    conversation: str = Field(min_length=1)
    entry: str
    text: str | None = None  # the edited reply; None: sent as suggested


class SettingChange(_Line):
    """Someone switches a shop-wide setting; only the owner or an admin may (AR-1, BOT-1)."""

    type: Literal["setting_change"] = "setting_change"
    actor: str
    setting: Setting
    value: str


class AgentAutoSend(_Line):
    """An agent allows or refuses auto-send for itself only (AR-8, D-7)."""

    type: Literal["agent_auto_send"] = "agent_auto_send"
    actor: str
    agent: str
    value: bool


class CustomerRating(_Line):
    """The customer rates an answer (BOT-8, M-4): the one sent for the event numbered `answer` (the
    `event` of its `send` action), or without `answer` the last one; `unsolved` needs a reason."""

    type: Literal["customer_rating"] = "customer_rating"
    conversation: str = Field(min_length=1)
    solved: bool
    reason: Reason | None = None
    text: str | None = None
    answer: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _reason_when_unsolved(self) -> CustomerRating:
        if not self.solved and self.reason is None:
            raise ValueError("an unsolved rating needs a reason: too_long, not_useful, off_topic or other")
        if self.solved and self.reason is not None:
            raise ValueError("a solved rating takes no reason")
        return self


class Tick(_Line):
    """The clock passes: sessions idle for 24 hours close (D-1)."""

    type: Literal["tick"] = "tick"


Event = Annotated[
    CustomerMessage
    | AgentOnline
    | AgentOffline
    | AgentOpen
    | AgentLeave
    | AgentTypes
    | AgentMessage
    | AgentSendSuggestion
    | SettingChange
    | AgentAutoSend
    | CustomerRating
    | Tick,
    Field(discriminator="type"),
]


# -- actions ----------------------------------------------------------------------------------


class Sender(str, Enum):
    assist = "assist"
    bot = "bot"
    agent = "agent"
    shop = "shop"  # greeting and off-hours auto-reply: the shop's own words, not smart reception


class Kind(str, Enum):
    answer = "answer"  # a KB answer: smart reception (assist or bot)
    fallback = "fallback"  # BOT-7
    off_hours_reply = "off_hours_reply"  # BOT-7, once per session (D-2)
    greeting = "greeting"  # when a session opens
    reply = "reply"  # a human agent's message (own words or a suggestion)


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = VERSION
    time: dt.datetime
    shop: str
    event: int | None = None  # the number of the event in the stream that caused it (1 = the first)


class Send(_Action):
    """A message goes to the customer. `label` is what agents see under it (AR-6, BOT-6);
    `customer_label` what the customer sees."""

    type: Literal["send"] = "send"
    conversation: str
    sender: Sender
    kind: Kind
    text: str
    entry: str | None = None
    agent: str | None = None  # the human who sent it, or whose conversation assist answered
    label: str | None = None
    customer_label: str | None = None
    score: float | None = None  # the match's confidence, for KB answers
    why: Why | None = None  # only when asked (`kefu simulate --explain`)


class Suggestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entry: str
    score: float
    raw: float
    reply: str


class Suggest(_Action):
    """Suggested replies shown to the agent (AR-2), from the customer's message or typed keywords (IR-3)."""

    type: Literal["suggest"] = "suggest"
    conversation: str
    agent: str
    source: Literal["message", "keywords"]
    suggestions: tuple[Suggestion, ...]
    why: Why | None = None


class Notice(_Action):
    """A system message in the chat for agents (AR-7, STOP-2); the customer does not see it."""

    type: Literal["notice"] = "notice"
    conversation: str
    reason: Literal["assist_cannot_answer", "bot_cannot_answer", "repeat_limit"]
    text: str
    why: Why | None = None


class Lists(_Action):
    """Where the conversation stands in the agent's inbox: Unread (red dot) and Unreplied (tag)."""

    type: Literal["lists"] = "lists"
    conversation: str
    unread: bool
    unreplied: bool
    why: Why | None = None  # when asked: why a customer message was left to a human


class Assign(_Action):
    type: Literal["assign"] = "assign"
    conversation: str
    agent: str


class Queue(_Action):
    """Every online agent is at capacity: the customer waits (BOT-2)."""

    type: Literal["queue"] = "queue"
    conversation: str
    position: int


class Changed(_Action):
    """A setting changed (the audit log: who, what, before -> after)."""

    type: Literal["changed"] = "changed"
    actor: str
    setting: str
    before: str
    after: str


class Denied(_Action):
    """A change refused, with the reason; nothing changed (AR-1, BOT-1, AR-8)."""

    type: Literal["denied"] = "denied"
    actor: str
    setting: str
    value: str
    reason: str


class Rated(_Action):
    """A customer's rating, tied to what it rates (BOT-8, M-4)."""

    type: Literal["rated"] = "rated"
    conversation: str
    solved: bool
    reason: Reason | None = None
    text: str | None = None
    sender: Sender | None = None  # who sent the rated answer: smart reception or a human
    entry: str | None = None
    answer: int | None = None  # the event the rated answer was sent for, when the rating named it


class SessionOpened(_Action):
    """A customer message opened a session (D-1)."""

    type: Literal["session_opened"] = "session_opened"
    conversation: str


class SessionClosed(_Action):
    """A session closed 24 hours after its last message (D-1)."""

    type: Literal["session_closed"] = "session_closed"
    conversation: str


Action = Annotated[
    Send | Suggest | Notice | Lists | Assign | Queue | Changed | Denied | Rated | SessionOpened | SessionClosed,
    Field(discriminator="type"),
]


# -- a step ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One event and the actions `decide` took for it: what a store write holds. A plain frozen
    dataclass, not a model: its parts are validated models already, and it never leaves the engine."""

    shop: str
    event: Event
    actions: tuple[Action, ...] = ()
    line: int | None = None  # the input line it came from; None for a tick kefu added itself
    raw: str | None = None  # the input line as read (the event's JSON), stored as is when given
