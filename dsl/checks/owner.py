"""K029 and K033: a shop has exactly one owner (店鋪主賬號), and each person one role."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import K029, K033
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Role, Shop


def check(shop: Shop) -> Iterator[Diagnostic]:
    owners = [member for member in shop.staff if member.role is Role.owner]
    if not owners and shop.span is not None:
        yield Diagnostic(
            code=K029.code,
            severity=Severity.error,
            span=shop.span,
            message=f"shop '{shop.id}' has no owner",
            help="add to its staff block: owner NAME (only the owner or an admin may switch assist and the bot)",
        )
    for extra in owners[1:]:
        if extra.span is not None:
            yield Diagnostic(
                code=K033.code,
                severity=Severity.error,
                span=extra.span,
                message=f"shop '{shop.id}' has a second owner '{extra.name}'",
                help=f"make {extra.name} an admin",
                related=(owners[0].span,) if owners[0].span else (),
            )
    seen: dict[str, object] = {}
    for member in shop.staff:
        if member.name in seen and member.span is not None:
            yield Diagnostic(
                code=K033.code,
                severity=Severity.error,
                span=member.span,
                message=f"'{member.name}' is in staff twice",
                help="give each person one line",
            )
        seen.setdefault(member.name, member.span)
