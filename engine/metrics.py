"""The merchant's four numbers (M-1..M-4), recomputed from the stored history exactly as D-1..D-5 say.

Sessions are the unit (D-1): each opens with the `session_opened` action of a customer message and
ends with `session_closed` (or is still open where the history stops). A session belongs to the
period its first message falls in; a rating belongs to the period it was given in. Periods are
read on the shop's own wall clock.

- M-1 smart reception resolved: the session's last message is a KB answer by assist or the bot (so
  the customer did not follow up). Greetings, fallbacks and off-hours replies are not smart reception.
- M-2 responded within 24 h (D-3): every customer message is followed within 24 h by a KB answer or a
  human reply. A session whose unanswered message is younger than 24 h where the history stops is
  *pending*: neither responded nor late, and left out of the rate.
- M-3 first response time (D-4): from the first customer message that smart reception did not answer
  to the first human reply after it; sessions without one are left out.
- M-4 satisfaction (D-5): solved ratings / all ratings, for smart reception and humans side by side.

`compute` reads any history of records: the store's steps (`kefu metrics`) or the steps a session of
the terminal UI holds in memory (`played`); `timeline` splits one shop's history into hour, day or
week buckets with the empty ones between kept, for a chart over time. Both run the same tally, so
the terminal UI and `kefu metrics` cannot disagree on the same events.
"""

from __future__ import annotations

import copy
import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from kefu.engine.clock import zone
from kefu.engine.events import Action, Event, Kind, Rated, Send, Sender

WINDOW = dt.timedelta(hours=24)  # D-3
SMART = (Sender.assist, Sender.bot)
Grouping = Literal["all", "hour", "day", "week", "month"]
HOUR = dt.timedelta(hours=1)


class Record(Protocol):
    """A stored step: what `engine.store.Store.steps` yields."""

    run: int
    shop: str
    event: Event
    actions: tuple[Action, ...]


class StepLike(Protocol):
    """A step played in memory (`engine.events.Step`): a record without a run."""

    shop: str
    event: Event
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Recorded:
    """A step of one run, as `compute` reads it."""

    run: int
    shop: str
    event: Event
    actions: tuple[Action, ...]


def records(steps: Iterable[StepLike], run: int = 0) -> Iterator[Recorded]:
    """Steps played in memory as the records of one run (a terminal UI session's `played`)."""
    for step in steps:
        yield Recorded(run, step.shop, step.event, step.actions)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Share(_Model):
    count: int
    total: int
    rate: float | None  # count / total, None when total is 0


class Responded(Share):
    pending: int  # sessions not yet decided: an unanswered message younger than 24 h


class FirstResponse(_Model):
    sessions: int
    average_seconds: float | None
    median_seconds: float | None


class Satisfaction(_Model):
    smart_reception: Share
    human: Share
    unattributed: int  # ratings given before any answer in the conversation
    reasons: dict[str, int]  # unsolved ratings by reason (BOT-8)


class PeriodMetrics(_Model):
    shop: str
    period: str  # "all", "2026-11-25T23", "2026-11-25", "2026-W48", "2026-11"
    start: dt.datetime | None  # the window asked for (--from) or the bucket's start, None: from the beginning
    end: dt.datetime | None  # (--to, exclusive), None: to the end
    sessions: int
    resolved: Share  # M-1
    responded_24h: Responded  # M-2
    first_response: FirstResponse  # M-3
    satisfaction: Satisfaction  # M-4
    runs: tuple[int, ...] = ()  # the recorded runs the figures cover (filled in by the caller that chose them)


class Report(_Model):
    periods: list[PeriodMetrics]


class Timeline(_Model):
    """One shop's figures bucket by bucket over a span, empty buckets included (sessions 0, rates None)."""

    shop: str
    by: Grouping
    buckets: list[PeriodMetrics]  # in time order; each bucket's start and end are its own bounds


def share(count: int, total: int) -> Share:
    return Share(count=count, total=total, rate=count / total if total else None)


# -- one session's story ----------------------------------------------------------------------


@dataclass
class _Session:
    shop: str
    opened: dt.datetime
    last: str = "customer"  # the last message: customer | smart | other (M-1)
    waiting_since: dt.datetime | None = None  # the oldest customer message not yet answered (D-3)
    late: bool = False
    first_unanswered: dt.datetime | None = None  # D-4
    first_response: dt.timedelta | None = None
    period: tuple[str, str] = ("", "")  # the tally it counts in: its shop and the period it opened in

    def customer(self, time: dt.datetime, smart_answered: bool) -> None:
        self.last = "customer"
        if self.waiting_since is None:
            self.waiting_since = time
        if not smart_answered and self.first_unanswered is None:
            self.first_unanswered = time

    def sent(self, send: Send) -> None:
        smart = send.kind == Kind.answer and send.sender in SMART
        human = send.sender == Sender.agent
        self.last = "smart" if smart else "other"
        if (smart or human) and self.waiting_since is not None:  # D-3: fallbacks, greetings are no answer
            self.late = self.late or send.time - self.waiting_since > WINDOW
            self.waiting_since = None
        if human and self.first_unanswered is not None and self.first_response is None:
            self.first_response = send.time - self.first_unanswered

    def verdict(self, now: dt.datetime | None) -> str:
        """M-2: responded, late, or pending (`now`: where the history stops; None: the session closed)."""
        if self.late:
            return "late"
        if self.waiting_since is None:
            return "responded"
        if now is not None and now - self.waiting_since <= WINDOW:
            return "pending"
        return "late"


@dataclass
class _Tally:
    sessions: int = 0
    resolved: int = 0
    responded: int = 0
    late: int = 0
    pending: int = 0
    first_responses: list[float] = field(default_factory=list)
    smart: list[int] = field(default_factory=lambda: [0, 0])  # solved, all
    human: list[int] = field(default_factory=lambda: [0, 0])
    unattributed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def session(self, session: _Session, now: dt.datetime | None, sign: int = 1) -> None:
        """Count a session in (`sign` -1: count it out again, the last one counted first)."""
        self.sessions += sign
        self.resolved += sign * (session.last == "smart")
        verdict = session.verdict(now)
        self.responded += sign * (verdict == "responded")
        self.late += sign * (verdict == "late")
        self.pending += sign * (verdict == "pending")
        if session.first_response is not None:
            if sign > 0:
                self.first_responses.append(session.first_response.total_seconds())
            else:
                self.first_responses.pop()

    def rating(self, rated: Rated, sign: int = 1) -> None:
        if rated.sender in SMART:
            bucket = self.smart
        elif rated.sender == Sender.agent:
            bucket = self.human
        else:
            self.unattributed += sign
            return
        bucket[0] += sign * rated.solved
        bucket[1] += sign
        if not rated.solved and rated.reason is not None:
            left = self.reasons.get(rated.reason.value, 0) + sign
            if left:
                self.reasons[rated.reason.value] = left
            else:
                del self.reasons[rated.reason.value]

    def plus(self, other: _Tally) -> _Tally:
        """A new tally counting what both count."""
        reasons = dict(self.reasons)
        for reason, count in other.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
        return _Tally(
            sessions=self.sessions + other.sessions,
            resolved=self.resolved + other.resolved,
            responded=self.responded + other.responded,
            late=self.late + other.late,
            pending=self.pending + other.pending,
            first_responses=self.first_responses + other.first_responses,
            smart=[self.smart[0] + other.smart[0], self.smart[1] + other.smart[1]],
            human=[self.human[0] + other.human[0], self.human[1] + other.human[1]],
            unattributed=self.unattributed + other.unattributed,
            reasons=reasons,
        )

    def result(self, shop: str, period: str, start: dt.datetime | None, end: dt.datetime | None) -> PeriodMetrics:
        times = self.first_responses
        decided = self.responded + self.late
        return PeriodMetrics(
            shop=shop,
            period=period,
            start=start,
            end=end,
            sessions=self.sessions,
            resolved=share(self.resolved, self.sessions),
            responded_24h=Responded(
                count=self.responded,
                total=decided,
                rate=self.responded / decided if decided else None,
                pending=self.pending,
            ),
            first_response=FirstResponse(
                sessions=len(times),
                average_seconds=sum(times) / len(times) if times else None,
                median_seconds=statistics.median(times) if times else None,
            ),
            satisfaction=Satisfaction(
                smart_reception=share(self.smart[0], self.smart[1]),
                human=share(self.human[0], self.human[1]),
                unattributed=self.unattributed,
                reasons=dict(sorted(self.reasons.items())),
            ),
        )


# -- the whole history ------------------------------------------------------------------------


def period_of(instant: dt.datetime, zone: ZoneInfo | None, by: Grouping) -> str:
    if by == "all":
        return "all"
    local = instant.astimezone(zone) if zone is not None else instant
    if by == "hour":
        return f"{local:%Y-%m-%dT%H}"
    if by == "day":
        return local.date().isoformat()
    if by == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def compute(
    history: Iterable[Record],
    zones: dict[str, str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    by: Grouping = "all",
) -> Report:
    """M-1..M-4 per shop and period. `start`/`end` (aware) keep sessions opened and ratings given
    in [start, end); `zones` maps a shop to its time zone name for `by`."""
    tracker = Tracker(zones, start, end, by)
    for record in history:
        tracker.add(record)
    return tracker.report()


class Tracker:
    """`compute` one record at a time: `report` gives the figures of what was added so far (sessions
    still open are judged where each run's history stops) and leaves the tracker as it was, so a
    screen that shows the figures live pays for each new event once, not for the whole history.
    An `undoable` tracker can also take its last record back (`pop`), as a replay steps back."""

    def __init__(
        self,
        zones: dict[str, str] | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        by: Grouping = "all",
        undoable: bool = False,
    ) -> None:
        self.zones = zones or {}
        self.start, self.end, self.by = start, end, by
        self.added = 0  # records added
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._live: dict[tuple[int, str, str], _Session] = {}
        self._last_seen: dict[tuple[int, str], dt.datetime] = {}
        self._undo: list[list[Callable[[], None]]] | None = [] if undoable else None

    def add(self, record: Record) -> None:
        self.added += 1
        undo: list[Callable[[], None]] = []
        event = record.event
        self._remember(self._last_seen, (record.run, record.shop), event.time, undo)
        message_pending = event.type == "customer_message"
        smart_answered = (
            any(isinstance(a, Send) and a.kind == Kind.answer and a.sender in SMART for a in record.actions)
            if message_pending
            else False
        )
        live = self._live
        for action in record.actions:
            key = (record.run, record.shop, getattr(action, "conversation", ""))
            if action.type == "session_closed":
                closed = live.get(key)
                if closed is not None:
                    self._remember(live, key, None, undo)
                    if self._inside(closed.opened):
                        self._count(closed.period, undo, _closing(closed))
                continue
            if action.type == "session_opened":
                opened = _Session(shop=record.shop, opened=action.time, period=self._key(record.shop, action.time))
                self._remember(live, key, opened, undo)
                continue
            if message_pending:
                self._customer(record, smart_answered, undo)
                message_pending = False
            if isinstance(action, Send) and key in live:
                self._changing(live[key], undo)
                live[key].sent(action)
            elif isinstance(action, Rated) and self._inside(action.time):
                period = self._key(record.shop, action.time)
                self._count(period, undo, _rating(action))
        if message_pending:
            self._customer(record, smart_answered, undo)
        if self._undo is not None:
            self._undo.append(undo)

    def pop(self) -> None:
        """Take the last record added back (an undoable tracker only)."""
        if not self._undo:
            raise IndexError("no record to take back" if self._undo is not None else "the tracker is not undoable")
        for step in reversed(self._undo.pop()):
            step()
        self.added -= 1

    def copy(self) -> Tracker:
        """An independent copy."""
        return copy.deepcopy(self)

    def report(self) -> Report:
        tallies = dict(self._tallies)
        live: dict[tuple[str, str], _Tally] = {}  # the open sessions, counted apart: the tracker stays as it was
        last_seen, start, end = self._last_seen, self.start, self.end
        for (run, shop, _), session in self._live.items():
            opened = session.opened
            if (start is not None and opened < start) or (end is not None and opened >= end):
                continue
            tally = live.get(session.period)
            if tally is None:
                tally = live[session.period] = _Tally()
            tally.session(session, last_seen[(run, shop)])
        for key, counted in live.items():
            tallies[key] = tallies[key].plus(counted) if key in tallies else counted
        return Report(periods=[tallies[key].result(*key, start, end) for key in sorted(tallies)])

    # -- changes, each with its way back when the tracker is undoable -------------------------------

    def _remember(self, table: dict[Any, Any], key: Any, value: Any, undo: list[Callable[[], None]]) -> None:
        """`table[key] = value` (None: delete it)."""
        if self._undo is not None:
            had, before = key in table, table.get(key)
            undo.append(lambda: table.__setitem__(key, before) if had else table.pop(key, None))
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value

    def _changing(self, session: _Session, undo: list[Callable[[], None]]) -> None:
        """`session` is about to change: keep what it was."""
        if self._undo is not None:
            before = copy.copy(session)
            undo.append(lambda: session.__dict__.update(before.__dict__))

    def _customer(self, record: Record, smart_answered: bool, undo: list[Callable[[], None]]) -> None:
        session = self._live.get((record.run, record.shop, getattr(record.event, "conversation", "")))
        if session is not None:
            self._changing(session, undo)
            session.customer(record.event.time, smart_answered)

    def _count(
        self, period: tuple[str, str], undo: list[Callable[[], None]], change: Callable[[_Tally, int], None]
    ) -> None:
        tallies = self._tallies
        created = period not in tallies
        tally = tallies.setdefault(period, _Tally())
        change(tally, 1)
        if self._undo is not None:

            def back() -> None:
                change(tally, -1)
                if created:
                    del tallies[period]

            undo.append(back)

    def _inside(self, instant: dt.datetime) -> bool:
        return (self.start is None or instant >= self.start) and (self.end is None or instant < self.end)

    def _key(self, shop: str, instant: dt.datetime) -> tuple[str, str]:
        return (shop, period_of(instant, _zone(self.zones.get(shop)), self.by))


def _closing(session: _Session) -> Callable[[_Tally, int], None]:
    """Count a closed session in a tally (or out again)."""
    return lambda tally, sign: tally.session(session, None, sign)


def _rating(rated: Rated) -> Callable[[_Tally, int], None]:
    return lambda tally, sign: tally.rating(rated, sign)


def _zone(name: str | None) -> ZoneInfo | None:
    return zone(name) if name else None


def of_shop(report: Report, shop: str) -> PeriodMetrics:
    """`shop`'s one period in a report `by="all"`; all zero when the history holds nothing of it yet."""
    found = [p for p in report.periods if p.shop == shop]
    return found[0] if found else _Tally().result(shop, "all", None, None)


# -- one shop over time -----------------------------------------------------------------------


def timeline(
    history: Iterable[Record],
    shop: str,
    zone_name: str | None,
    start: dt.datetime,
    end: dt.datetime,
    by: Grouping,
) -> Timeline:
    """`shop`'s figures per `by` bucket (hour, day or week on its own clock) for every bucket from the
    one holding `start` to the one holding `end`: `compute(by=...)` of the same history."""
    return fill(compute(history, {shop: zone_name} if zone_name else {}, by=by), shop, zone_name, start, end, by)


def fill(
    report: Report, shop: str, zone_name: str | None, start: dt.datetime, end: dt.datetime, by: Grouping
) -> Timeline:
    """A report `by` hour, day or week as one shop's timeline: the buckets from `start` to `end` that
    hold no session and no rating filled in as empty, each bucket with its bounds. A bucket outside
    the span that holds figures (an event before `start`) is kept in its place."""
    if by in ("all", "month"):
        raise ValueError(f"a timeline has hour, day or week buckets, not {by}")
    counted = {p.period: p for p in report.periods if p.shop == shop}
    bounds = _buckets(start, end, _zone(zone_name), by)
    for period in counted.keys() - bounds.keys():
        bounds[period] = (None, None)
    buckets = []
    for period in sorted(bounds):
        first, after = bounds[period]
        found = counted.get(period) or _Tally().result(shop, period, None, None)
        buckets.append(found.model_copy(update={"start": first, "end": after}))
    return Timeline(shop=shop, by=by, buckets=buckets)


def _buckets(
    start: dt.datetime, end: dt.datetime, where: ZoneInfo | None, by: Grouping
) -> dict[str, tuple[dt.datetime | None, dt.datetime | None]]:
    """Every bucket from the one holding `start` to the one holding `end`, with its bounds on the
    shop's wall clock (a day is midnight to midnight even across a clock change)."""
    step = {"hour": HOUR, "day": dt.timedelta(days=1), "week": dt.timedelta(days=7)}[by]
    found: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}
    first = _floor(start, where, by)
    last = _floor(end, where, by)
    while first <= last:
        after = first + step  # wall-clock arithmetic: aware datetimes of one zone add as wall times
        found.setdefault(period_of(first, where, by), (first, after))
        first = after
    return found


def _floor(instant: dt.datetime, where: ZoneInfo | None, by: Grouping) -> dt.datetime:
    """The start of the bucket holding `instant`, on the shop's wall clock."""
    local = instant.astimezone(where) if where is not None else instant
    hour = local.replace(minute=0, second=0, microsecond=0)
    if by == "hour":
        return hour
    day = hour.replace(hour=0)
    return day if by == "day" else day - dt.timedelta(days=day.weekday())
