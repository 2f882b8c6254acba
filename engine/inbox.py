"""The state `decide` reads and returns: agents, settings switched at run time, conversations.

Frozen models: `decide` never changes the state it is given; it returns a new one that shares
every part it did not touch. A conversation leaves the state when its session closes with nothing
left for an agent to do (D-1), so the state holds the live inbox, not the history (that is the store's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import immutables
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, WithJsonSchema

from kefu.engine.events import Sender
from kefu.engine.rules import BotHours, Policy, Role, Shop

SESSION = dt.timedelta(hours=24)  # D-1: a session closes 24 h after its last message


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Agent(_Frozen):
    name: str
    role: Role
    capacity: int
    online: bool = False
    focus: str | None = None  # the conversation open on its screen (D-6)
    auto_send: bool | None = None  # its own choice (AR-8, D-7); None: the shop-wide option


class Settings(_Frozen):
    """Switches flipped at run time by the owner or an admin; None: as the rules say."""

    assist: bool | None = None
    auto_send: bool | None = None
    bot: bool | None = None
    bot_when: BotHours | None = None


@dataclass(frozen=True, slots=True)
class Switches:
    """The switches in force: each one flipped at run time (`Settings`) where it was, else as the rules
    or the period in force say (`Policy`). The decide step and every view read them from here."""

    assist: bool
    auto_send: bool  # the shop-wide option
    bot: bool
    bot_when: BotHours

    @classmethod
    def of(cls, settings: Settings, policy: Policy) -> Switches:
        return cls(
            assist=settings.assist if settings.assist is not None else policy.assist.enabled,
            auto_send=settings.auto_send if settings.auto_send is not None else policy.assist.auto_send,
            bot=settings.bot if settings.bot is not None else policy.bot.enabled,
            bot_when=settings.bot_when if settings.bot_when is not None else policy.bot.when,
        )

    def bot_in_hours(self, working: bool) -> bool:
        """BOT-1, BOT-3: the bot is on and within its hours: all day, or off hours only and the shop is
        outside its working hours (`working` as the timetable says for the instant)."""
        return self.bot and (self.bot_when == BotHours.all_day or not working)

    def auto_send_for(self, agent: Agent) -> bool:
        """D-7: the agent's own choice where it made one, else the shop's; never without assist."""
        if not self.assist:
            return False
        return agent.auto_send if agent.auto_send is not None else self.auto_send


class Session(_Frozen):
    """D-1, D-2: what smart reception has done in the current session."""

    opened: dt.datetime
    last: dt.datetime  # the last message in either direction
    stopped: bool = False  # D-2: no more KB answers until a human replies
    off_hours_sent: bool = False  # D-2: at most once a session
    repeats: dict[str, int] = Field(default_factory=dict)  # entry -> times auto-sent (STOP-1)


Model = TypeVar("Model", bound=BaseModel)


def replace(model: Model, changes: dict[str, Any]) -> Model:
    """A frozen model with some fields changed, validated again: both safer and faster here than
    `model_copy(update=...)`, which checks nothing (and copies four dicts to do it)."""
    return type(model)(**{**model.__dict__, **changes})


def _as_map(value: Any) -> immutables.Map:
    return value if isinstance(value, immutables.Map) else immutables.Map(value)


# A persistent map (a HAMT): `decide` returns a new state whose conversations share every entry it
# did not touch, at O(log n) a change instead of copying the whole inbox for each one.
PersistentMap = Annotated[
    immutables.Map, PlainValidator(_as_map), PlainSerializer(dict), WithJsonSchema({"type": "object"})
]


Answered = tuple[int, Sender, str | None]  # (the event it answered, sender, entry)
ANSWERS_KEPT = 20  # answers of a conversation a rating may still name


class Conversation(_Frozen):
    id: str
    customer: str | None = None
    agent: str | None = None  # assigned to
    queued: bool = False
    unread: bool = False  # red dot
    unreplied: bool = False  # tag 未回覆
    session: Session | None = None
    last_customer_text: str | None = None
    last_answer: tuple[Sender, str | None] | None = None  # what a rating rates: sender and entry
    answers: tuple[Answered, ...] = ()  # the last ANSWERS_KEPT answers, which a rating may name


class State(_Frozen):
    shop: str
    agents: dict[str, Agent]
    settings: Settings = Settings()
    queue: tuple[str, ...] = ()  # conversation ids waiting for an agent, first come first
    conversations: PersistentMap = Field(default_factory=immutables.Map)  # id -> Conversation
    loads: dict[str, int] = Field(default_factory=dict)  # agent -> conversations it holds (open sessions)
    now: dt.datetime | None = None  # the last event's time

    @classmethod
    def initial(cls, shop: Shop) -> State:
        """Everyone offline, every setting as the rules say."""
        agents = {
            p.name: Agent(name=p.name, role=p.role, capacity=p.capacity, auto_send=p.auto_send) for p in shop.staff
        }
        return cls(shop=shop.id, agents=agents)
