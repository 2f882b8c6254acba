"""Plays for the engine's tests: the demo shop tw, event builders and action filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import TypeAdapter

from kefu.dsl.load import load
from kefu.engine.decide import CompiledShop, run
from kefu.engine.events import Event, Kind
from kefu.engine.inbox import State
from tests.conftest import RULES

EVENTS = TypeAdapter(list[Event])
DAY = "2026-11-25T14:00"  # Wednesday, working hours
NIGHT = "2026-11-24T23:30"  # Tuesday night, off hours
SHIPPING = "請問有免運嗎?"  # shipping.free, confidently
STATUS = "我的訂單現在是什麼狀態?"  # order.status, confidently
UNKNOWN = "我想訂做一件客製化的外套"  # nothing in the KB


def tw_rules() -> CompiledShop:
    shop = load([RULES / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    return CompiledShop(shop)


def variant(rules: CompiledShop, **update: Any) -> CompiledShop:
    """The same shop and matcher with some of the shop's fields changed."""
    return CompiledShop(rules.shop.model_copy(update=update), rules.matcher)


def with_bot(rules: CompiledShop, **bot: Any) -> CompiledShop:
    policy = rules.shop.policy
    return variant(rules, policy=policy.model_copy(update={"bot": policy.bot.model_copy(update=bot)}))


def with_assist(rules: CompiledShop, **assist: Any) -> CompiledShop:
    policy = rules.shop.policy
    return variant(rules, policy=policy.model_copy(update={"assist": policy.assist.model_copy(update=assist)}))


def at(time: str, minutes: int) -> str:
    return (dt.datetime.fromisoformat(time) + dt.timedelta(minutes=minutes)).isoformat()


def play(rules: CompiledShop, *events: dict[str, Any]) -> tuple[State, list[Any]]:
    return run(rules, EVENTS.validate_python(list(events)))


def says(time: str, text: str, conversation: str = "c1") -> dict[str, Any]:
    return {"type": "customer_message", "time": time, "conversation": conversation, "text": text}


def online(time: str, agent: str) -> dict[str, Any]:
    return {"type": "agent_online", "time": time, "agent": agent}


def opens(time: str, agent: str, conversation: str = "c1") -> dict[str, Any]:
    return {"type": "agent_open", "time": time, "agent": agent, "conversation": conversation}


def replies(time: str, agent: str, text: str, conversation: str = "c1") -> dict[str, Any]:
    return {"type": "agent_message", "time": time, "agent": agent, "conversation": conversation, "text": text}


def sends(actions: list[Any], kind: Kind | None = None) -> list[Any]:
    return [a for a in actions if a.type == "send" and (kind is None or a.kind == kind)]


def of(actions: list[Any], action_type: str) -> list[Any]:
    return [a for a in actions if a.type == action_type]
