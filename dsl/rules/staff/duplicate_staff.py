"""K033: each person is in staff once, with one role, and a shop has one owner."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import Role, Shop

CODE = define(
    "K033",
    "duplicate-staff",
    "a person appears twice in staff, or there are two owners",
    "Each name is one person with one role; a shop has one owner (店鋪主賬號).",
    "staff {\n    owner mia\n    owner ken\n}",
    "staff {\n    owner mia\n    admin ken\n}",
    level=Severity.error,
    category="staff",
    level_reason="kefu cannot tell which role the person has, or which of two owners is the one, and will not guess.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    owners = [member for member in shop.staff if member.role is Role.owner]
    for extra in owners[1:]:
        if extra.span is not None:
            yield CODE.at(
                extra.span,
                f"shop '{shop.id}' has a second owner '{extra.name}'",
                f"make {extra.name} an admin",
                related=(owners[0].span,) if owners[0].span else (),
            )
    seen: dict[str, Span | None] = {}
    for member in shop.staff:
        if member.name in seen and member.span is not None:
            yield CODE.at(member.span, f"'{member.name}' is in staff twice", "give each person one line")
        seen.setdefault(member.name, member.span)
