"""What a shop's tests and scenarios exercise (`kefu test --coverage`): its entries, its settings and
the paths the assistant's decisions can take.

Read from the results of `engine.verify.run_shop(shop, explain=True)`: each test case keeps its match,
each scenario the actions it played, each with its `why`. Nothing is played again here.

- An **entry** is reached when a case or a scenario answered or suggested it.
- A **setting** is a line of the shop's rules that sets part of its policy: each working-hours range,
  each holiday, each period and what it sets, the assist, bot, greeting and matching settings, each
  staff member (its line: role, capacity) and its own auto-send. It is exercised when a decision went
  through it: the clock of a decision fell within a range, on a holiday or in a period; the route a
  `why` names was decided by a switch (`assist`, `bot`, `bot when`, auto-send, an agent's own choice;
  not when a scenario switched it at run time); a level held a match (`confidence` and `margin` for what is sent,
  `suggest` for what is suggested or not); the text sent was that setting's (greeting, fallback,
  off-hours reply); a `repeat_limit` stopped smart reception; a staff member was given a
  conversation, replied, or switched a setting (or was refused: the role decides). Each names the
  line that set it (the period's own line for what a period sets).
- A **path** is one way a decision can go, named from the engine's own words: a match's decision
  (`match.*`, `engine.match.Decision`), where the shop's hours stood (`hours.*`, `explain.HOURS`), the
  route of a customer message (`route.*`, `explain.ROUTES`, which the `why` names) and what was done:
  each kind of message sent (`send.*`), suggestions (`suggest.*`), notices (`notice.*`), a queue, a
  rating, a switch allowed or refused, a session closed. Paths that the shop's rules rule out (a
  holiday without holidays, a greeting without one) are left out of its list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import get_args

from pydantic import BaseModel, ConfigDict, computed_field

from kefu.engine import clock
from kefu.engine.diagnostics import Span
from kefu.engine.events import (
    Action,
    Changed,
    Denied,
    Kind,
    Lists,
    Notice,
    Queue,
    Rated,
    Send,
    Sender,
    SessionClosed,
    Suggest,
)
from kefu.engine.explain import HOURS, ROUTES, RUN_TIME
from kefu.engine.match import Decision, Match
from kefu.engine.rules import WEEKDAYS, Policy, Shop
from kefu.engine.timetable import Timetable
from kefu.engine.verify import Result
from kefu.engine.why import Why

# action types that only keep the books (who holds a conversation, which list it is in, when a
# session opened): the decisions they follow are counted by their other actions and their `why`
BOOKKEEPING: frozenset[str] = frozenset({"assign", "lists", "session_opened"})
SMART: tuple[Sender, ...] = (Sender.bot, Sender.assist)  # who sends a KB answer (smart reception)
TEXTS: dict[Kind, str] = {  # the setting whose text a message of this kind sends
    Kind.greeting: "greeting",
    Kind.fallback: "bot.fallback",
    Kind.off_hours_reply: "bot.off_hours_reply",
}
MATCH_WORDS: dict[Decision, str] = {
    Decision.auto_send: "the best entry is sure enough to be sent",
    Decision.suggest: "the best entry is only suggested",
    Decision.none: "nothing is suggested",
}
SEND_WORDS: dict[Kind, str] = {
    Kind.answer: "a KB answer sent by {sender}",
    Kind.fallback: "the bot's fallback text (BOT-7)",
    Kind.off_hours_reply: "the off-hours reply (BOT-7)",
    Kind.greeting: "the greeting that opens a session",
    Kind.reply: "a human agent replies",
}
NOTICE_WORDS: dict[str, str] = {
    "assist_cannot_answer": "assist cannot answer: the agent is told (AR-7)",
    "bot_cannot_answer": "the bot cannot answer: the agents are told (BOT-7)",
    "repeat_limit": "the same answer again: smart reception stops (STOP-1)",
}
ACTION_WORDS: dict[str, str] = {
    "queue": "every online agent is at capacity: the customer waits (BOT-2)",
    "rated": "the customer rates an answer {how} (BOT-8)",
    "changed": "an owner or admin switches a setting (AR-1, BOT-1)",
    "denied": "a switch is refused (AR-1, BOT-1, AR-8)",
    "session_closed": "a session closes after 24 hours (D-1)",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class EntryUse(_Frozen):
    """One entry of the shop and the tests and scenarios that reach it."""

    shop: str
    entry: str
    file: str | None
    line: int | None
    preset: str | None = None  # the preset it comes from (its file:line is the preset's)
    by: tuple[str, ...] = ()  # `test "name"` / `scenario "name"`, in the order they ran

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reached(self) -> bool:
        return bool(self.by)


class SettingUse(_Frozen):
    """One setting written in the shop's rules and the tests and scenarios that exercise it."""

    shop: str
    setting: str  # `hours.mon`, `holiday`, `period`, `assist.enabled`, `bot.when`, `staff.amy`, ...
    value: str  # as the rules say: `09:00-12:00`, `2026-02-14..2026-02-22`, `on`, `off_hours`, `95`, ...
    period: str | None = None  # the period that sets it; None for the shop's own settings
    file: str | None
    line: int | None
    by: tuple[str, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exercised(self) -> bool:
        return bool(self.by)


class PathUse(_Frozen):
    """One path a decision can take, and how often the tests and scenarios took it."""

    shop: str
    path: str  # `route.bot.nobody_online`, `send.fallback`, `hours.holiday`, `match.suggest`, ...
    what: str  # the path in words
    count: int = 0  # decisions that took it
    by: tuple[str, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def taken(self) -> bool:
        return self.count > 0


class Tally(_Frozen):
    """How many of `total` are reached, exercised or taken."""

    covered: int
    total: int


class Summary(_Frozen):
    entries: Tally
    settings: Tally
    paths: Tally


class ShopCoverage(_Frozen):
    """What one shop's tests and scenarios exercise."""

    shop: str
    entries: tuple[EntryUse, ...]
    settings: tuple[SettingUse, ...]
    paths: tuple[PathUse, ...]

    @property
    def summary(self) -> Summary:
        return Summary(
            entries=_tally(entry.reached for entry in self.entries),
            settings=_tally(setting.exercised for setting in self.settings),
            paths=_tally(path.taken for path in self.paths),
        )


def _tally(flags: Iterable[bool]) -> Tally:
    seen = list(flags)
    return Tally(covered=sum(seen), total=len(seen))


# -- the paths ------------------------------------------------------------------------------------


def vocabulary() -> dict[str, str]:
    """Every path a decision can take, by name, with what it means: built from the engine's own
    enums, literals and tables, so a new route, kind of message, notice or action is a new path."""
    paths = {f"match.{d.value}": MATCH_WORDS[d] for d in Decision}
    paths.update({f"hours.{standing}": f"hours: {words}" for standing, words in HOURS.items()})
    routes = {key: words.format(agent="the agent", when=" all day or off hours") for key, words in ROUTES.items()}
    paths.update({f"route.{key}": words for key, words in routes.items()})
    for kind in Kind:
        if kind == Kind.answer:
            paths.update({f"send.answer.{s.value}": SEND_WORDS[kind].format(sender=s.value) for s in SMART})
        else:
            paths[f"send.{kind.value}"] = SEND_WORDS[kind]
    source = get_args(Suggest.model_fields["source"].annotation)
    paths.update({f"suggest.{s}": f"suggestions for the agent, from the {s} (AR-2, IR-3)" for s in source})
    reasons = get_args(Notice.model_fields["reason"].annotation)
    paths.update({f"notice.{reason}": NOTICE_WORDS[reason] for reason in reasons})
    for kind in action_types():
        if kind == "rated":
            paths.update({f"rated.{how}": ACTION_WORDS[kind].format(how=how) for how in ("solved", "unsolved")})
        elif kind in ACTION_WORDS:
            paths[kind] = ACTION_WORDS[kind]
    return paths


def action_types() -> tuple[str, ...]:
    """The `type` of every action `decide` may take, but the bookkeeping ones and the four the
    vocabulary names by their parts (send, suggest, notice)."""
    union = get_args(get_args(Action)[0])
    names = tuple(get_args(member.model_fields["type"].annotation)[0] for member in union)
    return tuple(n for n in names if n not in BOOKKEEPING and n not in ("send", "suggest", "notice"))


def shop_paths(shop: Shop) -> dict[str, str]:
    """The paths this shop's rules leave open: no working hours, holiday, greeting or off-hours reply
    path where the rules set none, and no queue without staff."""
    policies = [shop.policy, *(period.policy for period in shop.periods)]
    closed: set[str] = set()
    if shop.hours:
        closed.add("hours.always")
    else:
        closed.update({"hours.working", "hours.off", "hours.holiday"})
    if not shop.closed:
        closed.add("hours.holiday")
    if not any(policy.greeting for policy in policies):
        closed.add("send.greeting")
    if not any(policy.bot.off_hours_reply for policy in policies):
        closed.add("send.off_hours_reply")
    if not shop.staff:
        closed.update({"queue", "send.reply", "route.assist.auto_send"})
    return {path: what for path, what in vocabulary().items() if path not in closed}


# -- the settings -----------------------------------------------------------------------------------

Key = tuple[str, str | None, Span | None]  # setting, period, where: one row (ranges on one line differ)


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "off"
    return str(getattr(value, "value", value))


def _policy_rows(
    shop: Shop, policy: Policy, period: str | None, base: Policy | None
) -> Iterator[tuple[SettingUse, Key]]:
    """The settings a policy's own lines write (a period's: only those it sets itself)."""
    parts = {"assist": policy.assist, "bot": policy.bot, "matching": policy.matching}
    inherited = set() if base is None else {span for _, span in _all_spans(base)}
    for kind, model in parts.items():
        for name, span in model.spans:
            if span in inherited:
                continue
            yield _row(shop, f"{kind}.{name}", _value(getattr(model, name)), span, period)
    for name, span in policy.spans:
        if span not in inherited:
            yield _row(shop, name, _value(policy.greeting), span, period)


def _all_spans(policy: Policy) -> Iterator[tuple[str, Span]]:
    for kind, model in (("assist", policy.assist), ("bot", policy.bot), ("matching", policy.matching)):
        yield from ((f"{kind}.{name}", span) for name, span in model.spans)
    yield from policy.spans


def _row(shop: Shop, setting: str, value: str, span: Span | None, period: str | None = None) -> tuple[SettingUse, Key]:
    row = SettingUse(
        shop=shop.id,
        setting=setting,
        value=value,
        period=period,
        file=span.file if span else None,
        line=span.line if span else None,
    )
    return row, (setting, period, span)


def settings_of(shop: Shop) -> list[tuple[SettingUse, Key]]:
    """Every setting the shop's rules write, in the order `kefu test --coverage` lists them, each
    with the key its uses are found under."""
    rows = [
        _row(shop, f"hours.{WEEKDAYS[day.weekday]}", f"{_clock_text(r.start)}-{_clock_text(r.end % 1440)}", r.span)
        for day in shop.hours
        for r in day.ranges
    ]
    rows.extend(_row(shop, "holiday", _dates(d.start, d.end), d.span) for d in shop.closed)
    rows.extend(_policy_rows(shop, shop.policy, None, None))
    for period in shop.periods:
        rows.append(_row(shop, "period", _dates(period.dates.start, period.dates.end), period.span, period.name))
        rows.extend(_policy_rows(shop, period.policy, period.name, shop.policy))
    for member in shop.staff:
        rows.append(_row(shop, f"staff.{member.name}", member.role.value, member.span))
        if member.auto_send is not None:
            rows.append(_row(shop, f"staff.{member.name}.auto_send", _value(member.auto_send), member.span))
    return rows


def _dates(start: dt.date, end: dt.date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"


# -- reading the results ----------------------------------------------------------------------------


@dataclass
class _Seen:
    """What the results went through: setting rows, paths (with counts) and entries, each with who."""

    settings: dict[Key, list[str]] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    entries: dict[str, list[str]] = field(default_factory=dict)

    def setting(self, key: Key, by: str) -> None:
        _add(self.settings.setdefault(key, []), by)

    def path(self, path: str, by: str) -> None:
        _add(self.paths.setdefault(path, []), by)
        self.counts[path] = self.counts.get(path, 0) + 1


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


class _Reader:
    """Reads one shop's results into a `_Seen`."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.timetable = Timetable.of(shop)
        self.seen = _Seen()
        self.staff = {member.name: member for member in shop.staff}

    # where settings are written: the policy in force and the line of each of its settings
    def key(self, policy: Policy, setting: str, period: str | None) -> Key | None:
        span = dict(_all_spans(policy)).get(setting)
        if span is None:
            return None
        own = period if period is not None and span not in dict(_all_spans(self.shop.policy)).values() else None
        return (setting, own, span)

    def mark(self, policy: Policy, period: str | None, settings: Iterable[str], by: str) -> None:
        for setting in settings:
            key = self.key(policy, setting, period)
            if key is not None:
                self.seen.setting(key, by)

    def staff_mark(self, name: str | None, setting: str | None, by: str) -> None:
        """A staff member's line (`setting` None) or its own auto-send."""
        member = self.staff.get(name or "")
        if member is not None and member.span is not None:
            self.seen.setting((f"staff.{name}" + (f".{setting}" if setting else ""), None, member.span), by)

    # test cases: a match against the shop's own levels
    def case(self, result: Result, match: Match) -> None:
        by = _label(result)
        self.seen.path(f"match.{match.decision.value}", by)
        best = match.best.score if match.best else None
        levels = _levels(match.decision.value, best, match.margin, match.levels.confidence, match.levels.margin)
        self.mark(self.shop.policy, None, levels, by)

    # scenarios: each action, and once per event its route, hours and match
    def scenario(self, result: Result) -> None:
        by = _label(result)
        agent: str | None = None
        done: set[tuple[int | None, str]] = set()
        for action in result.actions:
            if action.type == "assign":
                agent = action.agent
                self.staff_mark(agent, None, by)
            local = self.timetable.local(action.time)
            period = clock.period_at(self.shop, local.date())
            policy = self.timetable.policy_at(local)
            why = getattr(action, "why", None)
            for path in _action_paths(action):
                self.seen.path(path, by)
            self.action_settings(action, policy, period.name if period else None, by)
            if why is None or (action.event, "why") in done:
                continue
            done.add((action.event, "why"))
            self.decision(why, local, policy, period.name if period else None, agent, by)

    def action_settings(self, action: Action, policy: Policy, period: str | None, by: str) -> None:
        """The settings an action itself shows: the text it sent, the level that stopped smart
        reception, the staff member who replied or switched."""
        if isinstance(action, Send) and action.kind in TEXTS:
            self.mark(policy, period, (TEXTS[action.kind],), by)
        if isinstance(action, Notice) and action.reason == "repeat_limit":
            self.mark(policy, period, ("matching.repeat_limit",), by)
        if isinstance(action, Send) and action.sender == Sender.agent:
            self.staff_mark(action.agent, None, by)
        if isinstance(action, (Changed, Denied)):
            self.staff_mark(action.actor, None, by)

    def decision(
        self, why: Why, local: dt.datetime, policy: Policy, period: str | None, agent: str | None, by: str
    ) -> None:
        """One decision's `why`: its hours, period, route and match."""
        standing = self.timetable.standing(local)
        self.seen.path(f"hours.{standing}", by)
        self.clock_settings(local, standing, by)
        if period is not None:
            span = next((p.span for p in self.shop.periods if p.name == period), None)
            if span is not None:
                self.seen.setting(("period", period, span), by)
        switched = {step.what for step in why.policy if step.rule == RUN_TIME}
        route = next((step.key for step in why.policy if step.what == "route" and step.key), None)
        if route is not None:
            self.seen.path(f"route.{route}", by)
            self.mark(policy, period, _route_settings(route, switched), by)
            if route in ("assist.auto_send", "human.auto_send_off") and "assist" not in switched:
                member = self.staff.get(agent or "")
                if member is not None and member.auto_send is not None:
                    self.staff_mark(agent, "auto_send", by)
                else:
                    self.mark(policy, period, ("assist.auto_send",), by)
        matched = why.matched
        if matched is not None:
            self.seen.path(f"match.{matched.decision}", by)
            best = matched.candidates[0].score if matched.candidates else None
            held = matched.levels
            self.mark(policy, period, _levels(matched.decision, best, matched.margin, held.confidence, held.margin), by)

    def clock_settings(self, local: dt.datetime, standing: str, by: str) -> None:
        """The holiday a decision fell on, or the working-hours range it fell within."""
        if standing == "holiday":
            for day in self.shop.closed:
                if local.date() in day and day.span is not None:
                    self.seen.setting(("holiday", None, day.span), by)
            return
        if standing != "working":
            return
        minute = local.hour * 60 + local.minute
        today = local.date()
        yesterday = today - dt.timedelta(days=1)
        spill = not self.timetable.is_closed(yesterday)  # a holiday closes the night that starts on it
        for day in self.shop.hours:
            for r in day.ranges:
                within = (day.weekday == today.weekday() and r.start <= minute < r.end) or (
                    spill and day.weekday == yesterday.weekday() and r.start <= minute + 1440 < r.end
                )
                if within and r.span is not None:
                    self.seen.setting((f"hours.{WEEKDAYS[day.weekday]}", None, r.span), by)


def _label(result: Result) -> str:
    return f'{result.kind} "{result.block}"'


def _levels(decision: str, score: float | None, margin: float, confidence: int, margin_level: int) -> tuple[str, ...]:
    """The matching levels that held a match's decision: what is sent passed `confidence` and
    `margin`; what is suggested passed `suggest` and was held back by one of the two; nothing, by
    `suggest`."""
    if score is None:
        return ()
    if decision == Decision.auto_send.value:
        return ("matching.confidence", "matching.margin")
    if decision == Decision.none.value:
        return ("matching.suggest",)
    held = "matching.confidence" if score < confidence else "matching.margin" if margin < margin_level else None
    return ("matching.suggest",) + ((held,) if held else ())


def _route_settings(route: str, switched: set[str]) -> tuple[str, ...]:
    """The switches that decided a route (none that a scenario flipped at run time)."""
    bot = () if "bot" in switched else ("bot.enabled", "bot.when")
    assist = () if "assist" in switched else ("assist.enabled",)
    return {
        "bot.nobody_online": bot,
        "bot.queued": bot,
        "assist.auto_send": assist,
        "human.bot_off": bot[:1],
        "human.bot_off_hours_only": bot,
        "human.open": (),
        "human.assist_off": assist,
        "human.auto_send_off": assist,
    }.get(route, ())


def _action_paths(action: Action) -> tuple[str, ...]:
    """The paths an action itself names (its route and hours are read from its `why`)."""
    if isinstance(action, Send):
        if action.kind == Kind.answer:
            return (f"send.answer.{action.sender.value}",)
        return (f"send.{action.kind.value}",)
    if isinstance(action, Suggest):
        return (f"suggest.{action.source}",)
    if isinstance(action, Notice):
        return (f"notice.{action.reason}",)
    if isinstance(action, Rated):
        return ("rated.solved" if action.solved else "rated.unsolved",)
    if isinstance(action, (Queue, Changed, Denied, SessionClosed)):
        return (action.type,)
    if isinstance(action, Lists) or action.type in BOOKKEEPING:
        return ()
    return (action.type,)


# -- the coverage ----------------------------------------------------------------------------------


def coverage(shop: Shop, results: Sequence[Result]) -> ShopCoverage:
    """What `results` (the shop's, from `run_shop(shop, explain=True)`) exercise of the shop."""
    reader = _Reader(shop)
    for result in results:
        by = _label(result)
        for entry in result.reached:
            _add(reader.seen.entries.setdefault(entry, []), by)
        if result.match is not None:
            reader.case(result, result.match)
        if result.kind == "scenario":
            reader.scenario(result)
    seen = reader.seen
    entries = tuple(
        EntryUse(
            shop=shop.id,
            entry=entry.id,
            file=entry.span.file if entry.span else None,
            line=entry.span.line if entry.span else None,
            preset=entry.preset,
            by=tuple(seen.entries.get(entry.id, ())),
        )
        for entry in shop.entries
    )
    settings = tuple(row.model_copy(update={"by": tuple(seen.settings.get(key, ()))}) for row, key in settings_of(shop))
    listed = shop_paths(shop)
    every = vocabulary()
    listed.update({path: every.get(path, path) for path in seen.paths if path not in listed})
    paths = tuple(
        PathUse(
            shop=shop.id,
            path=path,
            what=what,
            count=seen.counts.get(path, 0),
            by=tuple(seen.paths.get(path, ())),
        )
        for path, what in listed.items()
    )
    return ShopCoverage(shop=shop.id, entries=entries, settings=settings, paths=paths)
