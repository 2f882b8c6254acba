"""A shop's own regular expressions (`lint { contact "..."; allow "..." }`), checked before kefu runs
them on every text a shop sends.

Python's `re` backtracks, and a repeat inside a repeat (`(a+)+`, `(\\w*)*`, `(a|ab)*c` is fine) can take
exponential time on a text that almost matches: `kefu lint` would hang. Such a pattern is refused
while reading (K047), as one that does not compile is. The check walks the parsed pattern: an
unbounded repeat whose body holds another repeat of more than one is refused.
"""

from __future__ import annotations

import re
from re import _constants as constants  # the parser's own names (3.11+)
from re import _parser as parser
from typing import Any

REPEATS = {constants.MAX_REPEAT, constants.MIN_REPEAT, getattr(constants, "POSSESSIVE_REPEAT", None)} - {None}
UNBOUNDED = constants.MAXREPEAT


def problem(pattern: str) -> str | None:
    """Why kefu will not run `pattern` ("is not a regular expression: ...", "could take forever: ..."),
    or None."""
    try:
        re.compile(pattern)
        parsed = parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        return f"is not a regular expression: {getattr(error, 'msg', None) or error}"
    if _nested(parsed, inside=False):
        return "could take forever: a repeat inside a repeat (such as (a+)+) backtracks on a text that almost matches"
    return None


def _nested(items: Any, inside: bool) -> bool:
    """Whether a repeat of more than one stands inside an unbounded repeat, in `items` (a parsed
    subpattern); `inside`: `items` is itself the body of an unbounded repeat."""
    for op, value in items:
        if op in REPEATS:
            _, high, body = value
            if inside and high > 1:
                return True
            if _nested(body, inside or high == UNBOUNDED):
                return True
        elif op is constants.SUBPATTERN:
            if _nested(value[-1], inside):
                return True
        elif op is constants.BRANCH:
            if any(_nested(branch, inside) for branch in value[1]):
                return True
        elif op in (constants.ASSERT, constants.ASSERT_NOT):
            if _nested(value[1], inside):
                return True
        elif op is getattr(constants, "ATOMIC_GROUP", None):
            if _nested(value, inside):
                return True
    return False
