"""K029: a shop has an owner (店鋪主賬號), the one who may switch assist and the bot."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Role, Shop

CODE = define(
    "K029",
    "no-owner",
    "the shop has no owner",
    "Only the owner or an admin may switch assist and the bot (AR-1, BOT-1); a shop needs exactly one owner.",
    "staff {\n    agent amy\n}",
    "staff {\n    owner mia\n    agent amy\n}",
    level=Severity.error,
    category="staff",
    level_reason="Without an owner, no one may be allowed to switch assist or the bot, so the shop could "
    "not be run as the platform requires.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    if shop.span is not None and not any(member.role is Role.owner for member in shop.staff):
        yield CODE.at(
            shop.span,
            f"shop '{shop.id}' has no owner",
            "add to its staff block: owner NAME (only the owner or an admin may switch assist and the bot)",
        )
