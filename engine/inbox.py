"""The state `decide` reads and returns: agents, settings switched at run time, conversations.

Frozen, slotted dataclasses: `decide` never changes the state it is given; it returns a new one that
shares every part it did not touch. They are the engine's own working values, built only by
`decide` from validated events and rules, so nothing validates them again on the hot path (pydantic
stays at the edges: events read, actions written, the rules model). A conversation leaves the
state when its session closes with nothing left for an agent to do (D-1), so the state holds the
live inbox, not the history (that is the store's).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

import immutables

from kefu.engine.events import Sender
from kefu.engine.rules import BotHours, Role, Shop

SESSION = dt.timedelta(hours=24)  # D-1: a session closes 24 h after its last message


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    role: Role
    capacity: int
    online: bool = False
    focus: str | None = None  # the conversation open on its screen (D-6)
    auto_send: bool | None = None  # its own choice (AR-8, D-7); None: the shop-wide option


@dataclass(frozen=True, slots=True)
class Settings:
    """Switches flipped at run time by the owner or an admin; None: as the rules say."""

    assist: bool | None = None
    auto_send: bool | None = None
    bot: bool | None = None
    bot_when: BotHours | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """D-1, D-2: what smart reception has done in the current session."""

    opened: dt.datetime
    last: dt.datetime  # the last message in either direction
    stopped: bool = False  # D-2: no more KB answers until a human replies
    off_hours_sent: bool = False  # D-2: at most once a session
    repeats: dict[str, int] = field(default_factory=dict)  # entry -> times auto-sent (STOP-1); never changed


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    customer: str | None = None
    agent: str | None = None  # assigned to
    queued: bool = False
    unread: bool = False  # red dot
    unreplied: bool = False  # tag 未回覆
    session: Session | None = None
    last_customer_text: str | None = None
    last_answer: tuple[Sender, str | None] | None = None  # what a rating rates: sender and entry


Value = TypeVar("Value", Agent, Settings, Session, Conversation)


def replace(value: Value, changes: dict[str, Any]) -> Value:
    """A new value with some fields changed (an unknown field name is a TypeError)."""
    return dataclasses.replace(value, **changes)


@dataclass(frozen=True, slots=True)
class State:
    shop: str
    agents: dict[str, Agent]  # staff-sized; replaced, never changed
    settings: Settings = Settings()
    queue: tuple[str, ...] = ()  # conversation ids waiting for an agent, first come first
    # A persistent map (a HAMT): `decide` returns a new state whose conversations share every entry
    # it did not touch, at O(log n) a change instead of copying the whole inbox for each one.
    conversations: immutables.Map[str, Conversation] = field(default_factory=immutables.Map)
    loads: dict[str, int] = field(default_factory=dict)  # agent -> conversations it holds (open sessions)
    now: dt.datetime | None = None  # the last event's time

    @classmethod
    def initial(cls, shop: Shop) -> State:
        """Everyone offline, every setting as the rules say."""
        agents = {
            p.name: Agent(name=p.name, role=p.role, capacity=p.capacity, auto_send=p.auto_send) for p in shop.staff
        }
        return cls(shop=shop.id, agents=agents)
