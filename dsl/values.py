"""Reading argument values (ids, numbers, switches, hours, dates, durations) with exact diagnostics.

Every reader takes the atoms of one statement and either returns a value or records a diagnostic
pointing at the atom that is wrong, and returns None.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import unicodedata
from collections.abc import Iterable

from kefu.dsl.codes import K010, K011, K014, K023, K024, K025, K039, Code
from kefu.dsl.syntax import Atom, Stmt, bad_escapes
from kefu.engine.diagnostics import Diagnostic, Span
from kefu.engine.rules import PLACEHOLDERS, SWITCH, WEEKDAYS, DateRange, TimeRange, WorkingDay

ID_RE = re.compile(r"^[^\W\d][\w-]*(?:\.[\w-]+)*$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_PLACEHOLDER_RE = re.compile(r"\$\$|\$\{([^}\n]*)\}|\$\{")
_DAY_ALIASES = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6)}


def has_text(text: str) -> bool:
    """Whether `text` shows anything: not only spaces and invisible (format) characters."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in text)


def did_you_mean(name: str, known: Iterable[str], cutoff: float = 0.7) -> str | None:
    """'did you mean X?' for the closest known name, if one is close enough (long words: never)."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff) if len(name) <= 40 else []
    return f"did you mean '{close[0]}'?" if close else None


def shorten(text: str, limit: int = 30) -> str:
    """A user's word as it appears in a message: never a whole 10 MB line."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Reader:
    """Collects diagnostics for one file while values are read from its statements."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------------------------
    def error(
        self,
        code: Code,
        where: Atom | Stmt | Span,
        message: str,
        help: str = "",
        related: Iterable[Span] = (),
    ) -> None:
        """A finding of `code` (at the code's level) at `where`."""
        span = where if isinstance(where, Span) else where.span(self.path)
        self.diagnostics.append(code.at(span, message, help, related))

    def unknown(self, stmt: Stmt, context: str, known: Iterable[str]) -> None:
        name = stmt.head.value
        help = did_you_mean(name, known, 0.6) or "known here: " + ", ".join(sorted(known))
        self.error(K010, stmt.head, f"unknown {context} '{shorten(name)}'", help)

    # -- shapes ------------------------------------------------------------------------------
    def no_block(self, stmt: Stmt) -> None:
        if stmt.block is not None:
            self.error(
                K011,
                Span(
                    file=self.path,
                    line=stmt.block.line,
                    column=stmt.block.column,
                    end_line=stmt.block.line,
                    end_column=stmt.block.column,
                ),
                f"'{stmt.head.value}' takes no block",
                "remove the { ... } block",
            )

    def count(self, stmt: Stmt, wanted: int, what: str) -> list[Atom] | None:
        """Exactly `wanted` non-comma arguments, else a K011."""
        self.no_block(stmt)
        args = [a for a in stmt.args if a.kind != "comma"]
        if len(args) != wanted or len(args) != len(stmt.args):
            where: Atom | Stmt = stmt.args[wanted] if len(stmt.args) > wanted else stmt
            found = "nothing" if not stmt.args else f"{len(stmt.args)} arguments"
            self.error(
                K011,
                where,
                f"'{stmt.head.value}' takes {what}, found {found}",
                f"write: {stmt.head.value} {_example(what)}",
            )
            return None
        return args

    def string(self, stmt: Stmt, what: str = "one string") -> str | None:
        args = self.count(stmt, 1, what)
        if args is None:
            return None
        return self.string_atom(args[0], stmt.head.value)

    def string_atom(self, atom: Atom, head: str) -> str | None:
        if atom.kind != "string":
            self.error(
                K011,
                atom,
                f"'{head}' takes a string in double quotes, found '{shorten(atom.raw)}'",
                f'write: {head} "{atom.raw}"',
            )
            return None
        for offset in bad_escapes(atom.raw):
            span = Span(
                file=self.path,
                line=atom.line,
                column=atom.column + offset,
                end_line=atom.line,
                end_column=atom.column + offset + 1,
            )
            self.error(
                K011,
                span,
                f"unknown escape '{atom.raw[offset : offset + 2]}' in a string",
                'strings know \\" \\\\ \\n and \\t; write \\\\ for a backslash',
            )
        return atom.value

    def text(self, atom: Atom) -> str:
        """A word or a string, as a plain value (names, terms, keywords)."""
        return atom.value

    def word(self, stmt: Stmt, what: str = "one word") -> Atom | None:
        args = self.count(stmt, 1, what)
        return args[0] if args else None

    def switch(self, stmt: Stmt) -> bool | None:
        args = self.count(stmt, 1, "on or off")
        return None if args is None else self.switch_atom(args[0], stmt.head.value)

    def switch_atom(self, atom: Atom, head: str) -> bool | None:
        if atom.value in SWITCH:
            return atom.value == "on"
        self.error(K011, atom, f"'{head}' takes on or off, found '{shorten(atom.raw)}'", f"write: {head} on")
        return None

    def number(self, stmt: Stmt, low: int, high: int | None) -> int | None:
        args = self.count(stmt, 1, "a whole number")
        return None if args is None else self.number_atom(args[0], stmt.head.value, low, high)

    def number_atom(self, atom: Atom, head: str, low: int, high: int | None) -> int | None:
        if atom.kind != "word" or not atom.raw.isdigit():
            self.error(
                K011, atom, f"'{head}' takes a whole number, found '{shorten(atom.raw)}'", f"write: {head} {low or 1}"
            )
            return None
        value = int(atom.raw)
        if value < low or (high is not None and value > high):
            bounds = f"{low}-{high}" if high is not None else f"at least {low}"
            self.error(K039, atom, f"'{head}' must be {bounds}, found {value}", f"write a number {bounds}")
            return None
        return value

    def items(self, stmt: Stmt) -> list[list[Atom]]:
        """The arguments split at commas; an empty item is reported."""
        groups: list[list[Atom]] = [[]]
        for atom in stmt.args:
            if atom.kind == "comma":
                if not groups[-1]:
                    self.error(K011, atom, "empty item in a list", "remove the extra ','")
                groups.append([])
            else:
                groups[-1].append(atom)
        if not groups[-1] and len(groups) > 1:
            self.error(K011, stmt.args[-1], "a list ends with ','", "remove the last ','")
        return [group for group in groups if group]

    def id_atom(self, atom: Atom, what: str) -> str | None:
        """A dotted name, or any non-empty quoted string (imported ids survive)."""
        if atom.kind == "string":
            value = atom.value
            if value.strip():
                return value
            self.error(K014, atom, f"empty {what} id", "give it a name such as order.status")
            return None
        if atom.kind == "word" and ID_RE.match(atom.raw):
            return atom.raw
        self.error(
            K014,
            atom,
            f"'{shorten(atom.raw)}' is not a valid {what} id",
            "use a dotted name of letters, digits, '_' and '-' (order.status), or quote it",
        )
        return None

    # -- replies -----------------------------------------------------------------------------
    def placeholders(self, atom: Atom) -> None:
        """K025: only the fixed placeholders; `$$` is a literal dollar sign."""
        for match in _PLACEHOLDER_RE.finditer(atom.raw):
            if match.group() == "$$":
                continue
            name = match.group(1)
            if name is not None and name.strip() in PLACEHOLDERS:
                continue
            span = Span(
                file=self.path,
                line=atom.line,
                column=atom.column + match.start(),
                end_line=atom.line,
                end_column=atom.column + match.end() - 1,
            )
            if name is None:
                self.error(K025, span, "'${' without a closing '}'", "close it: ${shop.name}, or write $$ for a '$'")
                continue
            close = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.5)
            help = (
                f"did you mean ${{{close[0]}}}?"
                if close
                else "known: " + ", ".join("${" + p + "}" for p in PLACEHOLDERS)
            )
            self.error(K025, span, f"unknown placeholder '${{{name}}}'", help)

    # -- time --------------------------------------------------------------------------------
    def date_atom(self, atom: Atom, text: str | None = None) -> dt.date | None:
        text = atom.raw if text is None else text
        match = _DATE_RE.match(text)
        if not match:
            self.error(K024, atom, f"'{text}' is not a date", "write dates as YYYY-MM-DD, for example 2026-01-01")
            return None
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            self.error(K024, atom, f"impossible date '{text}': {exc}", "check the month and day")
            return None

    def date_range_atom(self, atom: Atom) -> DateRange | None:
        """`2026-01-01` or `2026-02-16..2026-02-20` (inclusive)."""
        if atom.kind != "word":
            self.error(K024, atom, f"expected a date, found {atom.raw}", "write 2026-01-01 or 2026-02-16..2026-02-20")
            return None
        first, sep, last = atom.raw.partition("..")
        start = self.date_atom(atom, first)
        end = self.date_atom(atom, last) if sep else start
        if start is None or end is None:
            return None
        if end < start:
            self.error(K024, atom, f"the range {atom.raw} ends before it starts", f"write {last}..{first}")
            return None
        return DateRange(start=start, end=end)

    def time_of(self, atom: Atom, text: str, allow_24: bool) -> int | None:
        match = _TIME_RE.match(text)
        if not match:
            self.error(K023, atom, f"'{text}' is not a time", "write times as HH:MM, for example 09:00")
            return None
        hour, minute = int(match.group(1)), int(match.group(2))
        if minute > 59 or hour > 24 or (hour == 24 and (minute or not allow_24)):
            self.error(K023, atom, f"impossible time '{text}'", "hours are 00-23 (24:00 only as an end), minutes 00-59")
            return None
        return hour * 60 + minute

    def time_range_atom(self, atom: Atom) -> TimeRange | None:
        first, sep, last = atom.raw.partition("-")
        if not sep or atom.kind != "word":
            self.error(K023, atom, f"'{atom.raw}' is not a time range", "write a range as 09:00-18:00")
            return None
        start = self.time_of(atom, first, allow_24=False)
        end = self.time_of(atom, last, allow_24=True)
        if start is None or end is None:
            return None
        if end == start:
            self.error(K023, atom, f"the range {atom.raw} is empty", "use 00:00-24:00 for a whole day")
            return None
        if end < start:
            end += 1440  # past midnight: ends the next day
        return TimeRange(start=start, end=end)

    def days_atom(self, atom: Atom) -> tuple[int, ...] | None:
        text = atom.raw.lower()
        if text in _DAY_ALIASES:
            return _DAY_ALIASES[text]
        first, sep, last = text.partition("-")
        if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
            self.error(
                K023,
                atom,
                f"'{atom.raw}' is not a day or range of days",
                "days are mon tue wed thu fri sat sun, ranges like mon-fri, or daily",
            )
            return None
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last) if sep else WEEKDAYS.index(first)
        return tuple(range(a, b + 1)) if a <= b else tuple(list(range(a, 7)) + list(range(b + 1)))

    def hours(self, stmt: Stmt) -> list[tuple[int, TimeRange, Atom]]:
        """`mon-fri 09:00-12:00 13:00-18:00, sat 10:00-14:00` as (weekday, range, atom) triples."""
        self.no_block(stmt)
        found: list[tuple[int, TimeRange, Atom]] = []
        groups = self.items(stmt)
        if not groups:
            self.error(K011, stmt, "'hours' takes days and time ranges", "write: hours mon-fri 09:00-18:00")
        for group in groups:
            days = self.days_atom(group[0])
            if len(group) == 1:
                self.error(K023, group[0], f"'{group[0].raw}' has no time range", f"write: {group[0].raw} 09:00-18:00")
            for atom in group[1:]:
                span = self.time_range_atom(atom)
                if days is not None and span is not None:
                    found.extend((day, span, atom) for day in days)
        return found

    def duration_atom(self, atom: Atom) -> int | None:
        match = _DURATION_RE.match(atom.raw)
        if atom.kind != "word" or not match or not any(match.groups()):
            self.error(
                K011, atom, f"'{atom.raw}' is not a duration", "write a duration such as 30s, 5m, 2h, 1d or 1h30m"
            )
            return None
        d, h, m, s = (int(g or 0) for g in match.groups())
        return ((d * 24 + h) * 60 + m) * 60 + s


def working_days(found: list[tuple[int, TimeRange, Atom]], reader: Reader) -> tuple[WorkingDay, ...]:
    """Group ranges by weekday and report ranges that overlap (also across midnight and Sunday)."""
    week = sorted(
        ((day * 1440 + span.start, day * 1440 + span.end, atom) for day, span, atom in found), key=lambda item: item[0]
    )
    pairs = list(itertools.pairwise(week))
    if len(week) > 1:  # the week wraps: Sunday night into Monday morning
        first = week[0]
        pairs.append((week[-1], (first[0] + 10080, first[1] + 10080, first[2])))
    for (_, end, earlier), (start, _, later) in pairs:
        if start < end:
            reader.error(
                K023,
                later,
                f"working hours overlap: {later.raw} overlaps {earlier.raw}",
                "merge the ranges into one",
                related=(earlier.span(reader.path),),
            )
    by_day: dict[int, list[TimeRange]] = {}
    for day, span, atom in found:
        by_day.setdefault(day, []).append(span.model_copy(update={"span": atom.span(reader.path)}))
    return tuple(
        WorkingDay(weekday=day, ranges=tuple(sorted(ranges, key=lambda r: r.start)))
        for day, ranges in sorted(by_day.items())
    )


def _example(what: str) -> str:
    return {
        "one string": '"..."',
        "on or off": "on",
        "a whole number": "80",
        "one word": "name",
    }.get(what, "...")
