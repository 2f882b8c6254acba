"""Inline suppression: `# kefu: ignore[K021]` at the end of a line silences those codes' findings there.

A suppression applies to the findings whose span starts on the comment's own line, and only to
warnings: an error means the shop cannot be built as written, so it cannot be ignored. Several codes
are written `ignore[K021, K037]`. A suppression that silences nothing is reported (K040), and so is
one kefu cannot use (K041): an unknown code, a name instead of a code, an error's code, a code of
these two findings, or a directive written wrongly.

Suppressions are read from the comments of the parse result (`find_suppressions`, called by the
builder, so they travel with a file's built items through the content cache) and applied to a whole
run's findings after the checks (`apply_suppressions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kefu.dsl.codes import CODES, K040, K041
from kefu.dsl.rules import RULES
from kefu.dsl.syntax import Comment
from kefu.dsl.values import did_you_mean
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import Shop

if TYPE_CHECKING:  # the builder imports this module to read suppressions
    from kefu.dsl.build import FileItems

_DIRECTIVE = re.compile(r"#\s*kefu\s*:\s*(?:(ignore)\b|([A-Za-z_-]+)\s*\[)")
_BRACKETS = re.compile(r"\s*\[([^\]\n]*)\]")
_ITEM = re.compile(r"[^,\s][^,]*")
_CODE_SHAPE = re.compile(r"^K\d{3}$", re.I)
EXAMPLE = "# kefu: ignore[K021]"


@dataclass(frozen=True, slots=True)
class Ignored:
    """One code named by a suppression, where it is written."""

    code: str  # upper-cased as written
    line: int
    column: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Suppression:
    """One `# kefu: ...` directive: the codes it names, or why it cannot be used (`problem`, `fix`)."""

    line: int
    column: int  # of the directive's '#'
    end_column: int
    codes: tuple[Ignored, ...] = ()
    problem: str = ""
    fix: str = ""


def find_suppressions(comments: Iterable[Comment]) -> list[Suppression]:
    """The `# kefu:` directives among a file's comments (every other comment is left alone)."""
    return [_read(comment) for comment in comments if "kefu" in comment.text and _DIRECTIVE.search(comment.text)]


def _read(comment: Comment) -> Suppression:
    text = comment.text
    match = _DIRECTIVE.search(text)
    assert match is not None
    start = comment.column + match.start()
    end = comment.column + len(text) - 1
    if match.group(1) is None:
        problem = f"unknown directive '{match.group(2)}'; kefu reads only 'ignore' here"
        return Suppression(comment.line, start, end, problem=problem, fix=f"write: {EXAMPLE}")
    brackets = _BRACKETS.match(text, match.end())
    if brackets is None:
        return Suppression(
            comment.line, start, end, problem="a suppression names its codes in brackets", fix=f"write: {EXAMPLE}"
        )
    codes = tuple(
        Ignored(
            item.group().strip().upper(),
            comment.line,
            comment.column + brackets.start(1) + item.start(),
            comment.column + brackets.start(1) + item.start() + len(item.group().strip()) - 1,
        )
        for item in _ITEM.finditer(brackets.group(1))
    )
    if not codes:
        return Suppression(
            comment.line, start, end, problem="the suppression names no code", fix=f"write: {EXAMPLE}, or delete it"
        )
    return Suppression(comment.line, start, end, codes)


def _span(path: str, line: int, column: int, end_column: int) -> Span:
    return Span.at(path, line, column, line, end_column)


def _problem(ignored: Ignored, seen: set[str]) -> tuple[str, str] | None:
    """Why a named code cannot be ignored, and the fix; None when it can."""
    code = CODES.get(ignored.code)
    if code is None:
        by_name = next((c for c in CODES.values() if c.name == ignored.code.lower()), None)
        if by_name is not None:
            return f"'{ignored.code.lower()}' is a name; a suppression names codes", f"write: {by_name.code}"
        close = did_you_mean(ignored.code, list(CODES), 0.6)
        if close is None and not _CODE_SHAPE.match(ignored.code):
            return f"'{ignored.code}' is not a code", "codes look like K021 (docs/rules/README.md lists them)"
        return f"unknown code '{ignored.code}'", close or "docs/rules/README.md lists every code"
    if code.level is Severity.warning and not code.ignorable:
        return f"'{code.code}' cannot be ignored: it is about suppressions", "fix or delete the suppression instead"
    if code.level is Severity.error:
        return f"'{code.code}' is an error, and errors cannot be ignored", "fix it: only warnings can be ignored"
    if code.code in seen:
        return f"'{code.code}' is named twice", f"delete the second {code.code}"
    return None


def _checked_files(files: list[FileItems], shops: Iterable[Shop]) -> set[str]:
    """Files whose every rule check ran: those of shops with no syntax error, and of their entries."""
    broken = {items.path for items in files if items.broken}
    checked: set[str] = set()
    for shop in shops:
        if not broken & set(shop.files):
            checked.update(shop.files)
            checked.update(entry.span.file for entry in shop.entries if entry.span is not None)
    return checked


def apply_suppressions(
    diagnostics: list[Diagnostic],
    files: Iterable[FileItems | None],
    shops: Iterable[Shop],
    not_run: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """The findings minus the suppressed ones, plus K040 and K041 for suppressions that silence nothing
    or cannot be used. K040 is held back where it could be wrong: in a file with syntax errors, for a
    rule's code in a file whose shop was not checked (or that is checked as no shop's part), and for
    the codes in `not_run`, whose rules did not run this time (those needing the matcher, outside
    `kefu check`)."""
    built = [items for items in files if items is not None]
    with_suppressions = [items for items in built if items.suppressions]
    if not with_suppressions:
        return diagnostics
    found: list[Diagnostic] = []
    wanted: dict[tuple[str, int], dict[str, tuple[Ignored, int]]] = {}
    for items in with_suppressions:
        for suppression in items.suppressions:
            if suppression.problem:
                span = _span(items.path, suppression.line, suppression.column, suppression.end_column)
                found.append(K041.at(span, suppression.problem, suppression.fix))
                continue
            seen: set[str] = set()
            for ignored in suppression.codes:
                problem = _problem(ignored, seen)
                seen.add(ignored.code)
                if problem is not None:
                    span = _span(items.path, ignored.line, ignored.column, ignored.end_column)
                    found.append(K041.at(span, *problem))
                    continue
                wanted.setdefault((items.path, ignored.line), {})[ignored.code] = (ignored, len(suppression.codes))
    used: set[tuple[str, int, str]] = set()
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        key = (diagnostic.span.file, diagnostic.span.line)
        if diagnostic.severity is Severity.warning and diagnostic.code in wanted.get(key, {}):
            used.add((*key, diagnostic.code))
            continue
        kept.append(diagnostic)
    broken = {items.path for items in built if items.broken}
    checked = _checked_files(built, shops)
    rule_codes = {rule.code.code for rule in RULES}
    for (path, line), named in wanted.items():
        for code, (ignored, named_here) in named.items():
            if (path, line, code) in used or path in broken or (code in rule_codes and path not in checked):
                continue
            if code in not_run:
                continue
            found.append(
                K040.at(
                    _span(path, ignored.line, ignored.column, ignored.end_column),
                    f"no {code} finding on this line to ignore",
                    f"delete {code} from the list" if named_here > 1 else "delete the suppression",
                )
            )
    return kept + found
