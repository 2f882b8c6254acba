"""Statements to the parts of a shop: what each statement means, checked one file at a time.

`build(document)` returns a `FileItems`: the header, staff, settings, entries, overrides, tests
and scenarios a file declares, plus its diagnostics. Joining files into shops and applying presets
is `dsl.load`'s work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.dsl.codes import K010, K011, K012, K013
from kefu.dsl.suppression import Suppression, find_suppressions
from kefu.dsl.syntax import Atom, Document, Stmt
from kefu.dsl.values import Reader
from kefu.engine.diagnostics import Span
from kefu.engine.rules import (
    Ask,
    DateRange,
    Expectation,
    FaqEntry,
    Role,
    Scenario,
    ScenarioStep,
    StaffMember,
    SynonymGroup,
    TestBlock,
    TestCase,
    TimeRange,
)

Fields = dict[str, tuple[Any, Span]]


@dataclass(slots=True)
class Header:
    kind: str  # "shop" | "preset"
    id: str
    name: str
    span: Span
    language: str | None = None
    timezone: tuple[str, Span] | None = None
    hours: list[tuple[int, TimeRange, Atom]] = field(default_factory=list)
    closed: list[DateRange] = field(default_factory=list)
    category: str | None = None
    uses: list[tuple[str, Span]] = field(default_factory=list)


@dataclass(slots=True)
class Override:
    id: str
    span: Span
    fields: dict[str, Any] = field(default_factory=dict)
    add_asks: list[Ask] = field(default_factory=list)
    drop_asks: list[tuple[str, Span]] = field(default_factory=list)


@dataclass(slots=True)
class PolicyDraft:
    """Settings written in one place (top level or a period): field -> (value, where)."""

    assist: Fields = field(default_factory=dict)
    bot: Fields = field(default_factory=dict)
    matching: Fields = field(default_factory=dict)
    greeting: tuple[str | None, Span] | None = None
    spans: dict[str, Span] = field(default_factory=dict)  # block kind -> where it was first written


@dataclass(slots=True)
class PeriodDraft:
    name: str
    dates: DateRange
    policy: PolicyDraft
    span: Span


@dataclass(slots=True)
class FileItems:
    path: str
    headers: list[Header] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    policy: PolicyDraft = field(default_factory=PolicyDraft)
    more_policy: list[PolicyDraft] = field(default_factory=list)  # from further chunks of a large file
    synonyms: list[SynonymGroup] = field(default_factory=list)
    faqs: list[FaqEntry] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    drops: list[tuple[str, Span]] = field(default_factory=list)
    periods: list[PeriodDraft] = field(default_factory=list)
    tests: list[TestBlock] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    shop_only: list[tuple[str, Span]] = field(default_factory=list)  # statements a preset may not hold
    diagnostics: list = field(default_factory=list)
    broken: bool = False
    statements: int = 0  # top-level statements the file holds, known or not
    suppressions: list[Suppression] = field(default_factory=list)  # its `# kefu: ignore[...]` comments


JUNK_AFTER = 8  # this many unknown statements first: the file is not a rule file
MAX_UNKNOWN = 50  # unknown top-level statements reported one by one, per file


class _Builder:
    def __init__(self, document: Document) -> None:
        self.reader = Reader(document.path)
        self.items = FileItems(path=document.path, broken=document.broken)
        self.path = document.path

    # -- top level -----------------------------------------------------------------------------
    def build(self, stmts: tuple[Stmt, ...]) -> FileItems:
        handlers: dict[str, Callable[[Stmt], None]] = {
            "shop": self.header,
            "preset": self.header,
            "staff": self.staff,
            "assist": lambda s: self.policy_block(s, self.items.policy),
            "bot": lambda s: self.policy_block(s, self.items.policy),
            "matching": lambda s: self.policy_block(s, self.items.policy),
            "greeting": lambda s: self.policy_block(s, self.items.policy),
            "synonyms": self.synonyms,
            "faq": self.faq,
            "override": self.override,
            "drop": self.drop,
            "period": self.period,
            "test": self.test,
            "scenario": self.scenario,
        }
        self.items.statements = len(stmts)
        unknown = 0
        for index, stmt in enumerate(stmts):
            handler = handlers.get(stmt.head.value) if stmt.head.kind == "word" else None
            if handler is None:
                unknown += 1
                if unknown == index + 1 == JUNK_AFTER:  # nothing known so far: not a rule file at all
                    self.reader.diagnostics = [d for d in self.reader.diagnostics if d.code != K010.code]
                    self.reader.error(
                        K010,
                        stmts[0].head,
                        f"this is not a kefu rule file: its first {JUNK_AFTER} statements are none that kefu knows",
                        "a rule file starts with shop, preset, faq, ... (see docs/language.md)",
                    )
                    self.items.broken = True
                    break
                if unknown <= MAX_UNKNOWN:
                    self.reader.unknown(stmt, "top-level statement", handlers)
                elif unknown == MAX_UNKNOWN + 1:
                    self.reader.error(
                        K010,
                        stmt.head,
                        f"more than {MAX_UNKNOWN} unknown statements in this file; the rest are not reported",
                        "fix the ones above first",
                    )
                continue
            if stmt.head.value not in ("shop", "preset", "faq", "synonyms"):
                self.items.shop_only.append((stmt.head.value, stmt.head.span(self.path)))
            handler(stmt)
        self.items.diagnostics = self.reader.diagnostics
        return self.items

    def block_of(self, stmt: Stmt, example: str) -> tuple[Stmt, ...] | None:
        if stmt.block is None:
            self.reader.error(K011, stmt, f"'{stmt.head.value}' needs a {{ block }}", f"write: {example}")
            return None
        return stmt.block.stmts

    def dispatch(
        self,
        stmts: tuple[Stmt, ...],
        context: str,
        handlers: dict[str, Callable[[Stmt], Any]],
        seen: dict[str, Span] | None = None,
        repeatable: tuple[str, ...] = (),
    ) -> None:
        """Run each statement's handler; report unknown statements and settings given twice."""
        seen = {} if seen is None else seen
        for stmt in stmts:
            name = stmt.head.value
            handler = handlers.get(name) if stmt.head.kind == "word" else None
            if handler is None:
                self.reader.unknown(stmt, context, handlers)
                continue
            if name not in repeatable:
                if name in seen:
                    self.reader.error(
                        K012,
                        stmt.head,
                        f"'{name}' is given twice in {context.split()[0]}",
                        "keep one of them",
                        related=(seen[name],),
                    )
                    continue
                seen[name] = stmt.head.span(self.path)
            handler(stmt)

    # -- shop and preset headers -----------------------------------------------------------------
    def header(self, stmt: Stmt) -> None:
        kind = stmt.head.value
        args = [a for a in stmt.args if a.kind != "comma"]
        what = "shop" if kind == "shop" else "preset"
        if not args:
            self.reader.error(K013, stmt, f"'{kind}' needs an id and a name", f'write: {kind} tw "Demo Store"')
            self.items.broken = True  # a header we cannot use: checks across the shop would only add noise
            return
        ident = self.reader.id_atom(args[0], what) or "?"
        name = ident
        if len(args) >= 2:
            name = self.reader.string_atom(args[1], kind) or ident
        else:
            self.reader.error(
                K013, args[0], f"{what} '{ident}' has no display name", f'write: {kind} {args[0].raw} "Demo Store"'
            )
        if len(args) > 2:
            self.reader.error(
                K011, args[2], f"'{kind}' takes an id and a name, found more", "remove the extra arguments"
            )
        header = Header(kind=kind, id=ident, name=name, span=stmt.span(self.path))
        self.items.headers.append(header)
        if stmt.block is None:
            return
        handlers: dict[str, Callable[[Stmt], Any]] = {
            "language": lambda s: setattr(header, "language", self.word_value(s)),
            "use": lambda s: self.uses(s, header),
        }
        if kind == "shop":
            handlers |= {
                "timezone": lambda s: self.timezone(s, header),
                "hours": lambda s: header.hours.extend(self.reader.hours(s)),
                "closed": lambda s: self.closed(s, header),
            }
        else:
            handlers["category"] = lambda s: setattr(header, "category", self.word_value(s))
        self.dispatch(stmt.block.stmts, f"{kind} setting", handlers, repeatable=("hours", "closed", "use"))

    def word_value(self, stmt: Stmt) -> str | None:
        atom = self.reader.word(stmt)
        return None if atom is None else atom.value

    def timezone(self, stmt: Stmt, header: Header) -> None:
        atom = self.reader.word(stmt, "one time zone name")
        if atom is not None:
            header.timezone = (atom.value, atom.span(self.path))

    def closed(self, stmt: Stmt, header: Header) -> None:
        self.reader.no_block(stmt)
        groups = self.reader.items(stmt)
        if not groups:
            self.reader.error(K011, stmt, "'closed' takes dates", "write: closed 2026-01-01, 2026-02-16..2026-02-20")
        for group in groups:
            for extra in group[1:]:
                self.reader.error(
                    K011, extra, "dates in a list are separated by ','", f"write: {group[0].raw}, {extra.raw}"
                )
            found = self.reader.date_range_atom(group[0])
            if found is not None:
                header.closed.append(found)

    def uses(self, stmt: Stmt, header: Header) -> None:
        self.reader.no_block(stmt)
        for group in self.reader.items(stmt):
            for atom in group:
                if atom.kind != "string":
                    self.reader.error(
                        K011,
                        atom,
                        f"'use' takes file paths in double quotes, found '{atom.raw}'",
                        f'write: use "{atom.raw}"',
                    )
                else:
                    header.uses.append((atom.value, atom.span(self.path)))

    # -- staff --------------------------------------------------------------------------------
    def staff(self, stmt: Stmt) -> None:
        stmts = self.block_of(stmt, "staff { owner mia }")
        if stmts is None:
            return
        handlers = {role.value: self.member for role in Role}
        self.dispatch(stmts, "staff statement", handlers, repeatable=tuple(handlers))

    def member(self, stmt: Stmt) -> None:
        self.reader.no_block(stmt)
        role = Role(stmt.head.value)
        if not stmt.args:
            self.reader.error(K011, stmt, f"'{role.value}' needs a name", f"write: {role.value} mia")
            return
        name = stmt.args[0].value
        options: dict[str, Any] = {}
        rest = list(stmt.args[1:])
        while rest:
            key = rest.pop(0)
            if key.value not in ("capacity", "auto_send"):
                self.reader.error(K010, key, f"unknown staff option '{key.raw}'", "known: capacity N, auto_send on|off")
                break
            if not rest:
                self.reader.error(
                    K011,
                    key,
                    f"'{key.value}' needs a value",
                    f"write: {key.value} {'5' if key.value == 'capacity' else 'on'}",
                )
                break
            value = rest.pop(0)
            if key.value in options:
                self.reader.error(K012, key, f"'{key.value}' is given twice for {name}", "keep one of them")
            elif key.value == "capacity":
                options["capacity"] = self.reader.number_atom(value, "capacity", 0, None)
            else:
                options["auto_send"] = self.reader.switch_atom(value, "auto_send")
        options = {k: v for k, v in options.items() if v is not None}
        self.items.staff.append(StaffMember(name=name, role=role, span=stmt.span(self.path), **options))

    # -- policy ---------------------------------------------------------------------------------
    def policy_block(self, stmt: Stmt, draft: PolicyDraft) -> None:
        kind = stmt.head.value
        if kind == "greeting":
            self.greeting(stmt, draft)
            return
        fields: Fields = getattr(draft, kind)
        draft.spans.setdefault(kind, stmt.span(self.path))
        if stmt.block is None and kind in ("assist", "bot") and len(stmt.args) == 1:
            value = self.reader.switch_atom(stmt.args[0], kind)  # shorthand: `bot off`
            if value is not None:
                self.put(fields, "enabled", value, stmt)
            return
        stmts = self.block_of(stmt, f"{kind} {{ ... }}")
        if stmts is None:
            return
        if stmt.args:
            self.reader.error(K011, stmt.args[0], f"'{kind}' takes a block, not arguments", f"write: {kind} {{ ... }}")
        setters: dict[str, Callable[[Stmt], Any]]
        if kind == "assist":
            setters = {
                "on": lambda s: self.flag(s, fields, True),
                "off": lambda s: self.flag(s, fields, False),
                "auto_send": lambda s: self.put(fields, "auto_send", self.reader.switch(s), s),
            }
        elif kind == "bot":
            setters = {
                "on": lambda s: self.flag(s, fields, True),
                "off": lambda s: self.flag(s, fields, False),
                "when": lambda s: self.bot_when(s, fields),
                "fallback": lambda s: self.put(fields, "fallback", self.reply_text(s), s),
                "off_hours_reply": lambda s: self.put(fields, "off_hours_reply", self.reply_text(s), s),
            }
        else:
            setters = {
                "confidence": lambda s: self.put(fields, "confidence", self.reader.number(s, 0, 100), s),
                "suggest": lambda s: self.put(fields, "suggest", self.reader.number(s, 0, 100), s),
                "margin": lambda s: self.put(fields, "margin", self.reader.number(s, 0, 100), s),
                "repeat_limit": lambda s: self.put(fields, "repeat_limit", self.reader.number(s, 1, None), s),
            }
        self.dispatch(stmts, f"{kind} setting", setters, repeatable=("on", "off"))

    def flag(self, stmt: Stmt, fields: Fields, value: bool) -> None:
        if stmt.args or stmt.block:
            self.reader.error(
                K011,
                stmt.args[0] if stmt.args else stmt,
                f"'{stmt.head.value}' takes no arguments",
                f"write: {stmt.head.value}",
            )
        self.put(fields, "enabled", value, stmt)

    def put(self, fields: Fields, key: str, value: Any, stmt: Stmt) -> None:
        if value is None:
            return
        if key in fields and fields[key][1] != stmt.head.span(self.path):
            what = "on/off" if key == "enabled" else f"'{stmt.head.value}'"
            self.reader.error(K012, stmt.head, f"{what} is given twice", "keep one of them", related=(fields[key][1],))
            return
        fields[key] = (value, stmt.head.span(self.path))

    def bot_when(self, stmt: Stmt, fields: Fields) -> None:
        atom = self.reader.word(stmt, "all_day or off_hours")
        if atom is None:
            return
        if atom.value not in ("all_day", "off_hours"):
            self.reader.error(
                K011, atom, f"'when' takes all_day or off_hours, found '{atom.raw}'", "write: when off_hours"
            )
            return
        self.put(fields, "when", atom.value, stmt)

    def reply_text(self, stmt: Stmt) -> str | None:
        value = self.reader.string(stmt)
        if value is not None:
            self.reader.placeholders(stmt.args[0])
        return value

    def greeting(self, stmt: Stmt, draft: PolicyDraft) -> None:
        args = self.reader.count(stmt, 1, "one string, or off")
        if args is None:
            return
        where = stmt.head.span(self.path)
        if draft.greeting is not None:
            self.reader.error(
                K012, stmt.head, "'greeting' is given twice", "keep one of them", related=(draft.greeting[1],)
            )
            return
        if args[0].kind == "word" and args[0].value == "off":
            draft.greeting = (None, where)
            return
        text = self.reply_text(stmt)
        if text is not None:
            draft.greeting = (text, where)

    # -- knowledge base -------------------------------------------------------------------------
    def synonyms(self, stmt: Stmt) -> None:
        stmts = self.block_of(stmt, "synonyms { 包郵 = 免運 }")
        for line in stmts or ():
            self.reader.no_block(line)
            atoms = (line.head,) + line.args
            terms = [a.value for a in atoms[0::2]]
            joins = atoms[1::2]
            if any(j.value != "=" or j.kind != "word" for j in joins) or len(atoms) % 2 == 0 or len(terms) < 2:
                bad = next((j for j in joins if j.value != "="), atoms[-1])
                self.reader.error(K011, bad, "a synonym line is terms joined by '='", "write: 包郵 = 免運 = 免運費")
                continue
            self.items.synonyms.append(SynonymGroup(terms=tuple(terms), span=line.span(self.path)))

    def faq(self, stmt: Stmt) -> None:
        args = [a for a in stmt.args if a.kind != "comma"]
        if not args:
            self.reader.error(K013, stmt, "'faq' needs an id", 'write: faq shipping.free "商品包郵" { ... }')
            return
        ident = self.reader.id_atom(args[0], "entry")
        title = None
        if len(args) >= 2:
            title = self.reader.string_atom(args[1], "faq")
        if len(args) > 2:
            self.reader.error(K011, args[2], "'faq' takes an id and a title, found more", "remove the extra arguments")
        stmts = self.block_of(stmt, f'faq {args[0].raw} "title" {{ ask "..."; reply "..." }}')
        if stmts is None or ident is None:
            return
        found = self.entry_fields(stmts, allow_drop=False)
        asks: list[Ask] = found.pop("asks")
        found.pop("drop_asks")
        ask_lines = found.pop("ask_lines")
        span = stmt.span(self.path)
        if not ask_lines:
            self.reader.error(
                K013, stmt.head, f"entry '{ident}' has no ask", f'add a line: ask "..." inside faq {ident}'
            )
        if "reply" not in found:
            self.reader.error(
                K013, stmt.head, f"entry '{ident}' has no reply", f'add a line: reply "..." inside faq {ident}'
            )
            return
        if not asks:
            return
        header = self.items.headers[0] if self.items.headers else None
        if header is not None and header.kind == "preset":
            found["preset"] = header.id
            found.setdefault("category", header.category)
        self.items.faqs.append(
            FaqEntry(
                id=ident,
                title=title or found.pop("title", None) or asks[0].text,
                asks=tuple(asks),
                span=span,
                **{k: v for k, v in found.items() if k != "title"},
            )
        )

    def entry_fields(self, stmts: tuple[Stmt, ...], allow_drop: bool) -> dict[str, Any]:
        found: dict[str, Any] = {"asks": [], "drop_asks": [], "ask_lines": 0}

        def ask(s: Stmt) -> None:
            found["ask_lines"] += 1
            text = self.reader.string(s)
            if text is not None:
                if not text.strip():
                    self.reader.error(K011, s.args[0], "an ask cannot be empty", "write the customer's question")
                else:
                    found["asks"].append(Ask(text=text, span=s.args[0].span(self.path)))

        def keywords(s: Stmt) -> None:
            self.reader.no_block(s)
            groups = self.reader.items(s)
            words: list[str] = []
            for group in groups:
                for extra in group[1:]:
                    self.reader.error(
                        K011, extra, "keywords are separated by ','", f"write: {group[0].raw}, {extra.raw}"
                    )
                words.append(group[0].value)
            if not words:
                self.reader.error(K011, s, "'keywords' takes a list", "write: keywords 包郵, 運費")
            found["keywords"] = tuple(words)

        def auto(s: Stmt) -> None:
            atom = self.reader.word(s, "never or allowed")
            if atom is not None:
                if atom.value not in ("never", "allowed"):
                    self.reader.error(
                        K011, atom, f"'auto' takes never or allowed, found '{atom.raw}'", "write: auto never"
                    )
                else:
                    found["auto"] = atom.value == "allowed"

        def drop(s: Stmt) -> None:
            if not s.args or s.args[0].value != "ask" or len(s.args) != 2:
                self.reader.error(K011, s, "inside an override, 'drop' takes: ask \"...\"", 'write: drop ask "..."')
                return
            text = self.reader.string_atom(s.args[1], "drop ask")
            if text is not None:
                found["drop_asks"].append((text, s.args[1].span(self.path)))

        def setter(key: str, read: Callable[[Stmt], Any]) -> Callable[[Stmt], None]:
            def apply(s: Stmt) -> None:
                value = read(s)
                if value is not None:
                    found[key] = value

            return apply

        handlers: dict[str, Callable[[Stmt], Any]] = {
            "ask": ask,
            "keywords": keywords,
            "reply": setter("reply", self.reply_text),
            "title": setter("title", self.reader.string),
            "category": setter("category", self.word_value),
            "auto": auto,
        }
        if allow_drop:
            handlers["drop"] = drop
        self.dispatch(stmts, "entry field", handlers, repeatable=("ask", "drop"))
        return found

    def override(self, stmt: Stmt) -> None:
        target = self.faq_target(stmt, "override")
        if target is None:
            return
        ident, span = target
        stmts = self.block_of(stmt, f'override faq {ident} {{ reply "..." }}')
        if stmts is None:
            return
        found = self.entry_fields(stmts, allow_drop=True)
        found.pop("ask_lines")
        self.items.overrides.append(
            Override(id=ident, span=span, add_asks=found.pop("asks"), drop_asks=found.pop("drop_asks"), fields=found)
        )

    def drop(self, stmt: Stmt) -> None:
        self.reader.no_block(stmt)
        target = self.faq_target(stmt, "drop")
        if target is not None:
            self.items.drops.append(target)

    def faq_target(self, stmt: Stmt, verb: str) -> tuple[str, Span] | None:
        args = [a for a in stmt.args if a.kind != "comma"]
        if len(args) != 2 or args[0].value != "faq":
            where = args[0] if args and args[0].value != "faq" else stmt
            self.reader.error(K011, where, f"'{verb}' takes: faq ID", f"write: {verb} faq order.status")
            return None
        ident = self.reader.id_atom(args[1], "entry")
        return None if ident is None else (ident, args[1].span(self.path))

    # -- periods, tests, scenarios --------------------------------------------------------------
    def period(self, stmt: Stmt) -> None:
        args = [a for a in stmt.args if a.kind != "comma"]
        if len(args) != 2:
            self.reader.error(
                K011,
                stmt,
                "'period' takes a name and dates",
                'write: period "11.11 sale" 2026-11-10..2026-11-12 { ... }',
            )
            return
        name = self.reader.string_atom(args[0], "period")
        dates = self.reader.date_range_atom(args[1])
        stmts = self.block_of(stmt, 'period "sale" 2026-11-10..2026-11-12 { bot { when all_day } }')
        if stmts is None or name is None or dates is None:
            return
        draft = PolicyDraft()
        handlers = {k: (lambda s, d=draft: self.policy_block(s, d)) for k in ("assist", "bot", "matching", "greeting")}
        self.dispatch(stmts, "period setting", handlers, repeatable=("assist", "bot", "matching"))
        self.items.periods.append(PeriodDraft(name=name, dates=dates, policy=draft, span=stmt.span(self.path)))

    def named(self, stmt: Stmt, kind: str) -> tuple[str, tuple[Stmt, ...]] | None:
        args = stmt.args
        if len(args) != 1:
            self.reader.error(
                K011, stmt, f"'{kind}' takes one name in double quotes", f'write: {kind} "shipping" {{ ... }}'
            )
            return None
        name = self.reader.string_atom(args[0], kind)
        stmts = self.block_of(stmt, f'{kind} "name" {{ ... }}')
        return None if name is None or stmts is None else (name, stmts)

    def test(self, stmt: Stmt) -> None:
        found = self.named(stmt, "test")
        if found is None:
            return
        name, stmts = found
        cases: list[TestCase] = []
        for case in stmts:
            self.reader.no_block(case)
            atoms = (case.head,) + case.args
            if len(atoms) != 3 or case.head.kind != "string" or atoms[1].value != "->":
                self.reader.error(
                    K011, case, 'a test case is: "message" -> entry.id (or none)', '"有包郵嗎?" -> shipping.free'
                )
                continue
            expect = (
                None if atoms[2].kind == "word" and atoms[2].value == "none" else self.reader.id_atom(atoms[2], "entry")
            )
            if expect is None and atoms[2].value != "none":
                continue
            cases.append(TestCase(message=case.head.value, expect=expect, span=case.span(self.path)))
        self.items.tests.append(TestBlock(name=name, cases=tuple(cases), span=stmt.span(self.path)))

    def scenario(self, stmt: Stmt) -> None:
        found = self.named(stmt, "scenario")
        if found is None:
            return
        name, stmts = found
        steps = [step for step in (self.step(s) for s in stmts) if step is not None]
        self.items.scenarios.append(Scenario(name=name, steps=tuple(steps), span=stmt.span(self.path)))

    def step(self, stmt: Stmt) -> ScenarioStep | None:
        self.reader.no_block(stmt)
        kind = stmt.head.value
        args = list(stmt.args)
        span = stmt.span(self.path)
        expect: tuple[Expectation, ...] = ()
        if kind != "expect":
            lead = {
                "at": 2,
                "wait": 1,
                "online": 1,
                "offline": 1,
                "open": 1,
                "leave": 1,
                "agent": 1,
                "types": 1,
                "rate": 1,
                "set": 3,
            }.get(kind, 0)  # a person may be called "expect"
            for index, atom in enumerate(args):
                if index >= lead and atom.kind == "word" and atom.value == "expect":
                    expect = self.expectations(args[index + 1 :], atom)
                    args = args[:index]
                    break

        def need(count: int, shape: str) -> bool:
            if len(args) != count:
                self.reader.error(
                    K011,
                    args[count] if len(args) > count else stmt,
                    f"'{kind}' takes {shape}",
                    f"write: {kind} {shape}",
                )
                return False
            return True

        if kind == "at":
            if not need(2, "YYYY-MM-DD HH:MM"):
                return None
            day = self.reader.date_atom(args[0])
            minute = self.reader.time_of(args[1], args[1].raw, allow_24=False)
            if day is None or minute is None:
                return None
            when = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
            return ScenarioStep(kind="at", time=when, expect=expect, span=span)
        if kind == "wait":
            seconds = self.reader.duration_atom(args[0]) if need(1, "a duration such as 5m") else None
            return None if seconds is None else ScenarioStep(kind="wait", seconds=seconds, expect=expect, span=span)
        if kind in ("online", "offline", "open", "leave"):
            if not need(1, "an agent's name"):
                return None
            return ScenarioStep(kind=kind, actor=args[0].value, expect=expect, span=span)
        if kind == "customer":
            if not need(1, '"message"'):
                return None
            text = self.reader.string_atom(args[0], kind)
            return None if text is None else ScenarioStep(kind="customer", text=text, expect=expect, span=span)
        if kind in ("agent", "types"):
            if not need(2, 'NAME "text"'):
                return None
            text = self.reader.string_atom(args[1], kind)
            return (
                None
                if text is None
                else ScenarioStep(kind=kind, actor=args[0].value, text=text, expect=expect, span=span)
            )
        if kind == "rate":
            return self.rate(stmt, args, expect, span)
        if kind == "set":
            if not need(3, "ACTOR SETTING VALUE"):
                return None
            setting, value = args[1].value, args[2].value
            allowed = {
                "assist": ("on", "off"),
                "auto_send": ("on", "off"),
                "bot": ("on", "off"),
                "bot_when": ("all_day", "off_hours"),
            }
            if setting not in allowed:
                self.reader.error(K010, args[1], f"unknown setting '{setting}'", "known: " + ", ".join(allowed))
                return None
            if value not in allowed[setting]:
                self.reader.error(
                    K011,
                    args[2],
                    f"'{setting}' takes {' or '.join(allowed[setting])}, found '{value}'",
                    f"write: set {args[0].raw} {setting} {allowed[setting][0]}",
                )
                return None
            return ScenarioStep(kind="set", actor=args[0].value, setting=setting, value=value, expect=expect, span=span)
        if kind == "expect":
            expect = self.expectations(args, stmt.head)
            return ScenarioStep(kind="expect", expect=expect, span=span) if expect else None
        self.reader.unknown(
            stmt,
            "scenario step",
            ("at", "wait", "online", "offline", "open", "leave", "customer", "agent", "types", "rate", "set", "expect"),
        )
        return None

    def rate(self, stmt: Stmt, args: list[Atom], expect: tuple[Expectation, ...], span: Span) -> ScenarioStep | None:
        reasons = ("too_long", "not_useful", "off_topic", "other")
        if not args or args[0].value not in ("solved", "unsolved"):
            self.reader.error(
                K011,
                args[0] if args else stmt,
                "'rate' takes solved or unsolved",
                'write: rate unsolved not_useful "free text"',
            )
            return None
        if args[0].value == "solved":
            if len(args) > 1:
                self.reader.error(K011, args[1], "'rate solved' takes nothing more", "write: rate solved")
                return None
            return ScenarioStep(kind="rate", value="solved", expect=expect, span=span)
        if len(args) < 2 or args[1].value not in reasons or len(args) > 3:
            self.reader.error(
                K011,
                args[1] if len(args) > 1 else stmt,
                "'rate unsolved' takes a reason: " + ", ".join(reasons) + ", then optional text",
                'write: rate unsolved not_useful "free text"',
            )
            return None
        text = self.reader.string_atom(args[2], "rate") if len(args) == 3 else None
        return ScenarioStep(kind="rate", value="unsolved", reason=args[1].value, text=text, expect=expect, span=span)

    def expectations(self, atoms: list[Atom], at: Atom) -> tuple[Expectation, ...]:
        with_value = {"bot": "id", "assist": "id", "suggest": "id", "label": "text", "customer_label": "text"}
        plain = {"fallback", "off_hours_reply", "greeting", "nothing", "unread", "unreplied", "notice", "queued"}
        found: list[Expectation] = []
        groups: list[list[Atom]] = [[]]
        for atom in atoms:
            if atom.kind == "comma":
                groups.append([])
            else:
                groups[-1].append(atom)
        if not atoms:
            self.reader.error(K011, at, "'expect' needs what to expect", "write: expect bot shipping.free")
        for group in (g for g in groups if g):
            head = group[0].value
            span = group[-1].span(self.path)  # the id or text it names; the word itself when alone
            if head == "not" and len(group) == 2 and group[1].value in ("unread", "unreplied"):
                found.append(Expectation(kind=f"not_{group[1].value}", span=span))
            elif head in plain and len(group) == 1:
                found.append(Expectation(kind=head, span=span))
            elif head in with_value and len(group) == 2:
                if with_value[head] == "id":
                    ident = self.reader.id_atom(group[1], "entry")
                    if ident is not None:
                        found.append(Expectation(kind=head, value=ident, span=span))
                else:
                    text = self.reader.string_atom(group[1], head)
                    if text is not None:
                        found.append(Expectation(kind=head, value=text, span=span))
            else:
                known = sorted(plain | set(with_value) | {"not unread", "not unreplied"})
                self.reader.unknown(Stmt(group[0], tuple(group[1:]), None), "expectation", known)
        return tuple(found)


def merge(first: FileItems, second: FileItems) -> FileItems:
    """Join the items of two consecutive chunks of one file (see dsl.chunks)."""
    for name in (
        "headers",
        "staff",
        "synonyms",
        "faqs",
        "overrides",
        "drops",
        "periods",
        "tests",
        "scenarios",
        "shop_only",
        "diagnostics",
        "suppressions",
    ):
        getattr(first, name).extend(getattr(second, name))
    first.more_policy.extend([second.policy, *second.more_policy])
    first.broken = first.broken or second.broken
    return first


def build(document: Document) -> FileItems:
    """What one parsed file declares, with the diagnostics of reading it."""
    items = _Builder(document).build(document.stmts)
    items.diagnostics = document.diagnostics + items.diagnostics
    items.suppressions = find_suppressions(document.comments)
    return items
