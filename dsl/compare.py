"""Two versions of the rules compared by meaning (`kefu diff`): by shop, entry id and setting, never by line.

What is compared, for each shop (matched by id) and for each preset that no shop uses:
- entries by id: added, removed, renamed (the same asks and reply under a new id), and for an entry on
  both sides its asks and keywords (as sets: which were added and removed), its reply, its title,
  category and `auto`;
- the shop's settings: name, language, time zone, the presets it uses, working hours (per weekday),
  holidays (as the set of days closed, so `2026-01-01, 2026-01-02` and `2026-01-01..2026-01-02` are
  one thing), assist, bot, greeting, fallback, off-hours reply, the matching levels;
- periods by name: added, removed, dates, and each setting the period itself writes (a change to the
  shop-wide value that a period only inherits is reported once, for the shop);
- staff by name (role, capacity, the agent's own auto-send), synonym groups, test blocks and scenarios.

Comments, formatting and the order of entries, asks, keywords, staff or holidays are not meaning, so
a change to them alone shows as none. Assist on/off and the shop-wide auto-send (AR-1), bot on/off
and when it works (BOT-1) may be changed only by the owner or an admin: their changes carry those ids.

Every change carries `file:line` on both sides where the setting is written (`old_at`, `new_at`), as
the side names its files (`REV:path` for a revision). Lines of single settings come from the files'
parse results (`PolicyDraft`, kept in `LoadResult.items`): the rules model keeps one span per block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kefu.dsl.build import FileItems, PolicyDraft
from kefu.engine.diagnostics import Span
from kefu.engine.rules import (
    WEEKDAYS,
    DateRange,
    FaqEntry,
    Period,
    Policy,
    Preset,
    RuleSet,
    Setting,
    Shop,
    StaffMember,
    SynonymGroup,
    without_spans,
)

ChangeKind = Literal[
    "shop_added",
    "shop_removed",
    "entry_added",
    "entry_removed",
    "entry_renamed",
    "asks_changed",
    "keywords_changed",
    "reply_changed",
    "entry_changed",
    "policy_changed",
    "period_added",
    "period_removed",
    "staff_added",
    "staff_removed",
    "staff_changed",
    "synonyms_changed",
    "tests_changed",
]

# Settings only the owner or an admin may change, with the requirement that says so (SPEC.md).
OWNER_ONLY: dict[str, str] = {
    "assist.enabled": "AR-1",
    "assist.auto_send": "AR-1",
    "bot.enabled": "BOT-1",
    "bot.when": "BOT-1",
}
assert {Setting.assist, Setting.auto_send, Setting.bot, Setting.bot_when} == set(Setting)  # the same four

# The settings a policy holds, in the order they are reported: (model path, how the language writes it).
POLICY_SETTINGS: tuple[tuple[str, str], ...] = (
    ("assist.enabled", "assist"),
    ("assist.auto_send", "assist auto_send"),
    ("bot.enabled", "bot"),
    ("bot.when", "bot when"),
    ("bot.fallback", "bot fallback"),
    ("bot.off_hours_reply", "bot off_hours_reply"),
    ("greeting", "greeting"),
    ("matching.confidence", "matching confidence"),
    ("matching.suggest", "matching suggest"),
    ("matching.margin", "matching margin"),
    ("matching.repeat_limit", "matching repeat_limit"),
)
WRITTEN: dict[str, str] = dict(POLICY_SETTINGS)


class Change(BaseModel):
    """One change in meaning. Which of the optional fields are set depends on `kind` (docs/review.md)."""

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    unit: Literal["shop", "preset"] = "shop"
    shop: str  # the shop's id (a preset's id when `unit` is "preset")
    entry: str | None = None  # an entry's id (the new id of a renamed entry)
    old_entry: str | None = None  # entry_renamed: the id it had
    period: str | None = None  # the period a setting belongs to, or that was added or removed
    staff: str | None = None  # the staff member's name
    setting: str | None = None  # what changed: "bot.when", "hours.sat", "holidays", "title", "role", ...
    old: Any = None  # the value before (None: not set, or nothing)
    new: Any = None  # the value after
    added: tuple[str, ...] = ()  # asks, keywords, holidays, synonym groups, tests added
    removed: tuple[str, ...] = ()
    old_at: str | None = None  # `file:line` in the old rules
    new_at: str | None = None  # `file:line` in the new rules
    owner_only: tuple[str, ...] = ()  # AR-1 / BOT-1: only the owner or an admin may change this


class RulesDiff(BaseModel):
    """Everything that differs in meaning between two versions of rules."""

    model_config = ConfigDict(frozen=True)

    old: str  # how the old rules were named (`HEAD~1:rules/`)
    new: str
    changes: tuple[Change, ...] = ()

    @property
    def owner_only(self) -> list[Change]:
        return [change for change in self.changes if change.owner_only]


class Counts(BaseModel):
    """How many changes, how many only the owner or an admin may make, and how many of each kind."""

    changes: int
    owner_only: int
    by_kind: dict[str, int]


class DiffDocument(BaseModel):
    """What `kefu diff --json` prints (`kefu schema diff` is its JSON Schema)."""

    old: str
    new: str
    changes: tuple[Change, ...]
    counts: Counts

    @classmethod
    def of(cls, diff: RulesDiff) -> DiffDocument:
        by_kind: dict[str, int] = {}
        for change in diff.changes:
            by_kind[change.kind] = by_kind.get(change.kind, 0) + 1
        counts = Counts(changes=len(diff.changes), owner_only=len(diff.owner_only), by_kind=by_kind)
        return cls(old=diff.old, new=diff.new, changes=diff.changes, counts=counts)


# -- where settings are written --------------------------------------------------------------------


@dataclass
class Places:
    """Where a shop writes each setting: model path -> span, per period, and its overrides by entry id."""

    policy: dict[str, Span] = field(default_factory=dict)
    periods: dict[str, dict[str, Span]] = field(default_factory=dict)
    period_spans: dict[str, Span] = field(default_factory=dict)
    overrides: dict[str, Span] = field(default_factory=dict)
    drops: dict[str, Span] = field(default_factory=dict)
    header: Span | None = None

    def written_in(self, period: str) -> set[str]:
        return set(self.periods.get(period, {}))


def _draft_places(draft: PolicyDraft, into: dict[str, Span]) -> None:
    for kind in ("assist", "bot", "matching"):
        for key, (_, where) in getattr(draft, kind).items():
            into.setdefault(f"{kind}.{key}", where)
        if kind in draft.spans:
            into.setdefault(kind, draft.spans[kind])
    if draft.greeting is not None:
        into.setdefault("greeting", draft.greeting[1])


def _statement_line(file: str, start: int, word: str) -> int | None:
    """The line of the statement `word` in the block that opens on line `start` (the model keeps no
    span of a shop's holidays): looked for up to the block's closing brace at the line's start."""
    try:
        lines = Path(file).read_text(encoding="utf-8-sig", errors="replace").split("\n")
    except OSError:
        return None
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.startswith("}"):
            return None
        text = line.strip()
        if text == word or text.startswith((word + " ", word + "\t")):
            return number
    return None


def places_of(shop: Shop, items_of: dict[Path, FileItems | None]) -> Places:
    """Where `shop`'s settings are written, from its files' parse results (`LoadResult.items`)."""
    places = Places(header=shop.span)
    for name in shop.files:
        items = items_of.get(Path(name).resolve())
        if items is None:
            continue
        for draft in (items.policy, *items.more_policy):
            _draft_places(draft, places.policy)
        for period in items.periods:
            _draft_places(period.policy, places.periods.setdefault(period.name, {}))
            places.period_spans.setdefault(period.name, period.span)
        for override in items.overrides:
            places.overrides.setdefault(override.id, override.span)
        for ident, where in items.drops:
            places.drops.setdefault(ident, where)
        for header in items.headers:
            if header.kind != "shop":
                continue
            if header.timezone is not None:
                places.policy.setdefault("timezone", header.timezone[1])
            for day, _, atom in header.hours:
                places.policy.setdefault(f"hours.{WEEKDAYS[day]}", atom.span(items.path))
                places.policy.setdefault("hours", atom.span(items.path))
            line = _statement_line(header.span.file, header.span.line, "closed")
            if line is not None:
                places.policy["holidays"] = header.span.model_copy(update={"line": line, "end_line": line})
    return places


# -- comparing -------------------------------------------------------------------------------------

Where = Callable[[Span | None], str | None]


@dataclass
class Side:
    """One version of the rules: what was loaded, how its files are named, where its settings stand."""

    label: str
    rules: RuleSet
    name: Callable[[str], str] = lambda file: file
    places: dict[str, Places] = field(default_factory=dict)  # by shop id
    names: dict[str, str] = field(default_factory=dict)  # file -> its name, each looked up once

    def at(self, span: Span | None) -> str | None:
        if span is None:
            return None
        name = self.names.get(span.file)
        if name is None:
            name = self.names[span.file] = self.name(span.file)
        return f"{name}:{span.line}"


def _get(policy: Policy, path: str) -> Any:
    value: Any = policy
    for part in path.split("."):
        value = getattr(value, part)
    return value.value if hasattr(value, "value") else value


def _time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_text(shop: Shop, weekday: int) -> str | None:
    """A weekday's working hours as the language writes them (`09:00-12:00 13:00-18:00`, `20:00-02:00`
    past midnight, `18:00-24:00`), None when closed all day."""
    day = next((d for d in shop.hours if d.weekday == weekday), None)
    if day is None or not day.ranges:
        return None
    return " ".join(f"{_time(r.start)}-{_time(r.end - 1440 if r.end > 1440 else r.end)}" for r in day.ranges)


def closed_days(ranges: Iterable[DateRange]) -> list[tuple[dt.date, dt.date]]:
    """Holidays as sorted, merged ranges of days: one set of days however it was written."""
    merged: list[tuple[dt.date, dt.date]] = []
    for r in sorted(ranges, key=lambda r: (r.start, r.end)):
        if merged and r.start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], r.end))
        else:
            merged.append((r.start, r.end))
    return merged


def _minus(a: list[tuple[dt.date, dt.date]], b: list[tuple[dt.date, dt.date]]) -> list[str]:
    """The days of `a` not in `b`, as ranges written the language's way (`2026-02-14..2026-02-22`)."""
    out: list[str] = []
    for start, end in a:
        pieces = [(start, end)]
        for b_start, b_end in b:
            next_pieces = []
            for p_start, p_end in pieces:
                if b_end < p_start or b_start > p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < b_start:
                    next_pieces.append((p_start, b_start - dt.timedelta(days=1)))
                if b_end < p_end:
                    next_pieces.append((b_end + dt.timedelta(days=1), p_end))
            pieces = next_pieces
        out.extend(s.isoformat() if s == e else f"{s.isoformat()}..{e.isoformat()}" for s, e in pieces)
    return out


def _synonym_key(group: SynonymGroup) -> tuple[str, tuple[str, ...]]:
    """A group's meaning: every term is read as its first, so the first term counts and the rest is a set."""
    return group.terms[0], tuple(sorted(group.terms[1:]))


def synonym_text(group: SynonymGroup) -> str:
    """A group as it is written: `運費 = 郵費 = 寄費`."""
    return " = ".join(group.terms)


def _entry_value(entry: FaqEntry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "asks": [ask.text for ask in entry.asks],
        "keywords": list(entry.keywords),
        "reply": entry.reply,
    }


class _Comparer:
    def __init__(self, old: Side, new: Side) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def add(self, **fields: Any) -> None:
        self.changes.append(Change(**fields))

    # -- entries -----------------------------------------------------------------------------------
    def entry_place(self, side: Side, unit: str, entry: FaqEntry) -> str | None:
        places = side.places.get(unit)
        override = places.overrides.get(entry.id) if places else None
        return side.at(override or entry.span)

    def entries(
        self, unit: str, kind: Literal["shop", "preset"], old: Iterable[FaqEntry], new: Iterable[FaqEntry]
    ) -> None:
        before = {e.id: e for e in old}
        after = {e.id: e for e in new}
        gone = [ident for ident in before if ident not in after]
        came = [ident for ident in after if ident not in before]
        renamed: dict[str, str] = {}
        by_meaning: dict[tuple[frozenset[str], str], list[str]] = {}
        for ident in came:
            entry = after[ident]
            by_meaning.setdefault((frozenset(a.text for a in entry.asks), entry.reply), []).append(ident)
        for ident in gone:
            entry = before[ident]
            twins = by_meaning.get((frozenset(a.text for a in entry.asks), entry.reply))
            if twins:
                renamed[ident] = twins.pop(0)
        where = {"unit": kind, "shop": unit}
        for ident, entry in before.items():  # in the old file's order, then what came
            if ident in after:
                self.entry(unit, kind, entry, after[ident])
            elif ident in renamed:
                new_id = renamed[ident]
                self.add(
                    kind="entry_renamed",
                    **where,
                    entry=new_id,
                    old_entry=ident,
                    old_at=self.old.at(entry.span),
                    new_at=self.new.at(after[new_id].span),
                )
                self.entry(unit, kind, entry, after[new_id])
            else:
                dropped = self.new.places.get(unit)
                drop_span = dropped.drops.get(ident) if dropped else None
                self.add(
                    kind="entry_removed",
                    **where,
                    entry=ident,
                    old=_entry_value(entry),
                    old_at=self.old.at(entry.span),
                    new_at=self.new.at(drop_span),
                )
        for ident in came:
            if ident in renamed.values():
                continue
            entry = after[ident]
            self.add(kind="entry_added", **where, entry=ident, new=_entry_value(entry), new_at=self.new.at(entry.span))

    def entry(self, unit: str, kind: Literal["shop", "preset"], old: FaqEntry, new: FaqEntry) -> None:
        if _same_entry(old, new):
            return
        where = {
            "unit": kind,
            "shop": unit,
            "entry": new.id,
            "old_at": self.entry_place(self.old, unit, old),
            "new_at": self.entry_place(self.new, unit, new),
        }
        old_asks = {ask.text: ask for ask in old.asks}
        new_asks = {ask.text: ask for ask in new.asks}
        added = [text for text in new_asks if text not in old_asks]
        removed = [text for text in old_asks if text not in new_asks]
        if added or removed:
            old_at = self.old.at(old_asks[removed[0]].span) if removed else where["old_at"]
            new_at = self.new.at(new_asks[added[0]].span) if added else where["new_at"]
            self.add(
                kind="asks_changed",
                **{**where, "old_at": old_at or where["old_at"], "new_at": new_at or where["new_at"]},
                added=tuple(added),
                removed=tuple(removed),
            )
        added_words = [word for word in new.keywords if word not in old.keywords]
        removed_words = [word for word in old.keywords if word not in new.keywords]
        if added_words or removed_words:
            self.add(kind="keywords_changed", **where, added=tuple(added_words), removed=tuple(removed_words))
        if old.reply != new.reply:
            self.add(kind="reply_changed", **where, old=old.reply, new=new.reply)
        for name in ("title", "category", "auto"):
            if getattr(old, name) != getattr(new, name):
                self.add(kind="entry_changed", **where, setting=name, old=getattr(old, name), new=getattr(new, name))

    # -- settings ----------------------------------------------------------------------------------
    def setting_at(self, side: Side, unit: str, setting: str, period: str | None = None) -> str | None:
        places = side.places.get(unit)
        if places is None:
            return None
        if period is not None:
            spans = places.periods.get(period, {})
            span = spans.get(setting) or spans.get(setting.split(".")[0]) or places.period_spans.get(period)
        else:
            span = places.policy.get(setting) or places.policy.get(setting.split(".")[0]) or places.header
        return side.at(span)

    def policy(
        self, unit: str, old: Policy, new: Policy, period: str | None = None, only: set[str] | None = None
    ) -> None:
        for path, _ in POLICY_SETTINGS:
            if only is not None and path not in only:
                continue
            before, after = _get(old, path), _get(new, path)
            if before == after:
                continue
            self.add(
                kind="policy_changed",
                shop=unit,
                period=period,
                setting=path,
                old=before,
                new=after,
                old_at=self.setting_at(self.old, unit, path, period),
                new_at=self.setting_at(self.new, unit, path, period),
                owner_only=(OWNER_ONLY[path],) if path in OWNER_ONLY else (),
            )

    def header(self, old: Shop, new: Shop) -> None:
        unit = new.id
        for name in ("name", "language", "timezone", "uses"):
            before, after = getattr(old, name), getattr(new, name)
            if before != after:
                self.add(
                    kind="policy_changed",
                    shop=unit,
                    setting=name,
                    old=list(before) if isinstance(before, tuple) else before,
                    new=list(after) if isinstance(after, tuple) else after,
                    old_at=self.setting_at(self.old, unit, name),
                    new_at=self.setting_at(self.new, unit, name),
                )
        for day, word in enumerate(WEEKDAYS):
            before_hours, after_hours = hours_text(old, day), hours_text(new, day)
            if before_hours != after_hours:
                self.add(
                    kind="policy_changed",
                    shop=unit,
                    setting=f"hours.{word}",
                    old=before_hours,
                    new=after_hours,
                    old_at=self.setting_at(self.old, unit, f"hours.{word}"),
                    new_at=self.setting_at(self.new, unit, f"hours.{word}"),
                )
        before_days, after_days = closed_days(old.closed), closed_days(new.closed)
        if before_days != after_days:
            self.add(
                kind="policy_changed",
                shop=unit,
                setting="holidays",
                added=tuple(_minus(after_days, before_days)),
                removed=tuple(_minus(before_days, after_days)),
                old_at=self.setting_at(self.old, unit, "holidays"),
                new_at=self.setting_at(self.new, unit, "holidays"),
            )

    def periods(self, old: Shop, new: Shop) -> None:
        unit = new.id
        before = {p.name: p for p in old.periods}
        after = {p.name: p for p in new.periods}
        old_places = self.old.places.get(unit, Places())
        new_places = self.new.places.get(unit, Places())
        for name, period in before.items():
            if name not in after:
                self.add(
                    kind="period_removed",
                    shop=unit,
                    period=name,
                    old=self.period_value(period, old_places.written_in(name)),
                    old_at=self.old.at(period.span),
                    owner_only=_owner_only(old_places.written_in(name)),
                )
        for name, period in after.items():
            if name not in before:
                self.add(
                    kind="period_added",
                    shop=unit,
                    period=name,
                    new=self.period_value(period, new_places.written_in(name)),
                    new_at=self.new.at(period.span),
                    owner_only=_owner_only(new_places.written_in(name)),
                )
        for name, period in before.items():
            if name not in after:
                continue
            other = after[name]
            if period.dates != other.dates:
                self.add(
                    kind="policy_changed",
                    shop=unit,
                    period=name,
                    setting="dates",
                    old=_dates(period),
                    new=_dates(other),
                    old_at=self.old.at(period.span),
                    new_at=self.new.at(other.span),
                )
            written = old_places.written_in(name) | new_places.written_in(name)
            self.policy(unit, period.policy, other.policy, period=name, only=written)

    @staticmethod
    def period_value(period: Period, written: set[str]) -> dict[str, Any]:
        settings = {path: _get(period.policy, path) for path, _ in POLICY_SETTINGS if path in written}
        return {"dates": _dates(period), "settings": settings}

    def staff(self, old: Shop, new: Shop) -> None:
        unit = new.id
        before = {m.name: m for m in old.staff}
        after = {m.name: m for m in new.staff}
        for name, member in before.items():
            if name not in after:
                self.add(
                    kind="staff_removed", shop=unit, staff=name, old=_member(member), old_at=self.old.at(member.span)
                )
        for name, member in after.items():
            if name not in before:
                self.add(
                    kind="staff_added", shop=unit, staff=name, new=_member(member), new_at=self.new.at(member.span)
                )
        for name, member in before.items():
            if name not in after:
                continue
            other = after[name]
            for setting in ("role", "capacity", "auto_send"):
                a, b = _member(member)[setting], _member(other)[setting]
                if a != b:
                    self.add(
                        kind="staff_changed",
                        shop=unit,
                        staff=name,
                        setting=setting,
                        old=a,
                        new=b,
                        old_at=self.old.at(member.span),
                        new_at=self.new.at(other.span),
                    )

    def synonyms(
        self, unit: str, kind: Literal["shop", "preset"], old: Iterable[SynonymGroup], new: Iterable[SynonymGroup]
    ) -> None:
        before = {_synonym_key(g): g for g in old}
        after = {_synonym_key(g): g for g in new}
        added = [key for key in after if key not in before]
        removed = [key for key in before if key not in after]
        if added or removed:
            self.add(
                kind="synonyms_changed",
                unit=kind,
                shop=unit,
                added=tuple(synonym_text(after[k]) for k in added),
                removed=tuple(synonym_text(before[k]) for k in removed),
                old_at=self.old.at(before[removed[0]].span) if removed else None,
                new_at=self.new.at(after[added[0]].span) if added else None,
            )

    def tests(self, old: Shop, new: Shop) -> None:
        """Test blocks and scenarios by name: they change no answer, but a reviewer sees them go."""

        def named(shop: Shop) -> dict[str, tuple[Span | None, object]]:
            found: dict[str, tuple[Span | None, object]] = {}
            for block in shop.tests:
                cases = sorted(str(without_spans(case)) for case in block.cases)  # their order means nothing
                found[f'test "{block.name}"'] = (block.span, cases)
            for scenario in shop.scenarios:
                found[f'scenario "{scenario.name}"'] = (scenario.span, without_spans(scenario))
            return found

        before, after = named(old), named(new)
        added = [name for name in after if name not in before]
        removed = [name for name in before if name not in after]
        changed = [name for name in before if name in after and before[name][1] != after[name][1]]
        if added or removed or changed:
            first_old = next((before[n][0] for n in removed + changed), None)
            first_new = next((after[n][0] for n in added + changed), None)
            self.add(
                kind="tests_changed",
                shop=new.id,
                added=tuple(added),
                removed=tuple(removed),
                new=list(changed) or None,
                old_at=self.old.at(first_old),
                new_at=self.new.at(first_new),
            )

    def shop(self, old: Shop, new: Shop) -> None:
        self.header(old, new)
        self.policy(new.id, old.policy, new.policy)
        self.periods(old, new)
        self.staff(old, new)
        self.synonyms(new.id, "shop", old.synonyms, new.synonyms)
        self.entries(new.id, "shop", old.entries, new.entries)
        self.tests(old, new)

    def preset(self, old: Preset, new: Preset) -> None:
        self.synonyms(new.id, "preset", old.synonyms, new.synonyms)
        self.entries(new.id, "preset", old.entries, new.entries)


def _same_entry(old: FaqEntry, new: FaqEntry) -> bool:
    """Whether two entries mean the same, written alike (the common case, checked before anything else)."""
    return (
        old.reply == new.reply
        and old.title == new.title
        and old.keywords == new.keywords
        and old.category == new.category
        and old.auto == new.auto
        and len(old.asks) == len(new.asks)
        and all(a.text == b.text for a, b in zip(old.asks, new.asks))
    )


def _owner_only(written: set[str]) -> tuple[str, ...]:
    return tuple(sorted({OWNER_ONLY[path] for path in written if path in OWNER_ONLY}))


def _dates(period: Period) -> str:
    start, end = period.dates.start.isoformat(), period.dates.end.isoformat()
    return start if start == end else f"{start}..{end}"


def _member(member: StaffMember) -> dict[str, Any]:
    return {"role": member.role.value, "capacity": member.capacity, "auto_send": member.auto_send}


def _lone_presets(rules: RuleSet) -> dict[str, Preset]:
    """Presets no shop of `rules` uses: compared on their own (a used preset's changes show in its shops)."""
    used = {ident for shop in rules.shops for ident in shop.uses}
    return {preset.id: preset for preset in rules.presets if preset.id not in used}


def compare(old: Side, new: Side) -> RulesDiff:
    """What differs in meaning between the rules of `old` and `new`."""
    comparer = _Comparer(old, new)
    before = {shop.id: shop for shop in old.rules.shops}
    after = {shop.id: shop for shop in new.rules.shops}
    for ident, shop in before.items():
        if ident not in after:
            comparer.add(kind="shop_removed", shop=ident, old=shop.name, old_at=old.at(shop.span))
    for ident, shop in after.items():
        if ident not in before:
            comparer.add(kind="shop_added", shop=ident, new=shop.name, new_at=new.at(shop.span))
    for ident, shop in before.items():
        if ident in after:
            comparer.shop(shop, after[ident])
    lone_before, lone_after = _lone_presets(old.rules), _lone_presets(new.rules)
    all_used = {ident for rules in (old.rules, new.rules) for shop in rules.shops for ident in shop.uses}
    for ident in sorted(set(lone_before) | set(lone_after)):
        if ident in all_used:
            continue
        empty = Preset(id=ident, title="", file="")
        comparer.preset(lone_before.get(ident, empty), lone_after.get(ident, empty))
    return RulesDiff(old=old.label, new=new.label, changes=tuple(comparer.changes))
