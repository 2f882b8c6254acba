"""Statements to the parts of a shop: what each statement means, checked one file at a time.

`build(document)` returns a `FileItems`: the header, staff, settings, entries, overrides, tests
and scenarios a file declares, plus its diagnostics. Which statements exist, where each may stand,
whether it repeats and which builder here reads it is `dsl.language`'s table: this module
dispatches on it and holds the builders. Joining files into shops and applying presets is
`dsl.load`'s work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.dsl import language
from kefu.dsl.codes import K010, K011, K012, K013, K044, K047
from kefu.dsl.language import BLOCKS, Construct
from kefu.dsl.patterns import problem as pattern_problem
from kefu.dsl.suppression import Suppression, find_suppressions
from kefu.dsl.syntax import Atom, Document, Stmt
from kefu.dsl.values import Reader, has_text, shorten
from kefu.engine.diagnostics import Span
from kefu.engine.rules import (
    SETTING_VALUES,
    Ask,
    BotHours,
    DateRange,
    Expectation,
    FaqEntry,
    Matching,
    Pattern,
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
Handler = Callable[[Any, Any], Any]  # a builder: (statement, what its block fills)
BOT_HOURS: tuple[str, ...] = tuple(hours.value for hours in BotHours)
SETTING_WORDS: dict[str, tuple[str, ...]] = {setting.value: words for setting, words in SETTING_VALUES.items()}


def _bounds(name: str) -> tuple[int, int | None]:
    """A matching level's range, as the rules model constrains it."""
    field_info = Matching.model_fields[name]
    low = next((m.ge for m in field_info.metadata if hasattr(m, "ge")), 0)
    high = next((m.le for m in field_info.metadata if hasattr(m, "le")), None)
    return low, high


LEVEL_BOUNDS: dict[str, tuple[int, int | None]] = {
    name: _bounds(name) for name in Matching.model_fields if name != "span"
}


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
    reply_span: Span | None = None  # where the override's `reply` is written


@dataclass(slots=True)
class PolicyDraft:
    """Settings written in one place (top level or a period): field -> (value, where)."""

    assist: Fields = field(default_factory=dict)
    bot: Fields = field(default_factory=dict)
    matching: Fields = field(default_factory=dict)
    greeting: tuple[str | None, Span] | None = None
    spans: dict[str, Span] = field(default_factory=dict)  # block kind -> where it was first written


@dataclass(slots=True)
class LintDraft:
    """One `lint { }` block: what `kefu lint` holds the shop's replies to."""

    span: Span
    budget: tuple[int, Span] | None = None
    contact: list[Pattern] = field(default_factory=list)
    allow: list[Pattern] = field(default_factory=list)


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
    lints: list[LintDraft] = field(default_factory=list)
    tests: list[TestBlock] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    shop_only: list[tuple[str, Span]] = field(default_factory=list)  # statements a preset may not hold
    diagnostics: list = field(default_factory=list)
    broken: bool = False
    statements: int = 0  # top-level statements the file holds, known or not
    suppressions: list[Suppression] = field(default_factory=list)  # its `# kefu: ignore[...]` comments


JUNK_AFTER = 8  # this many unknown statements first: the file is not a rule file
MAX_UNKNOWN = 50  # unknown top-level statements reported one by one, per file


@dataclass(slots=True)
class _StepParts:
    """A scenario step being read: its arguments before any `expect`, its expectations, the steps so far."""

    construct: Construct | None
    args: list[Atom]
    expect: tuple[Expectation, ...]
    span: Span
    steps: list[ScenarioStep]


@dataclass(slots=True)
class _Expecting:
    """One expectation being read: what it is, its words, and the expectations so far."""

    construct: Construct
    atoms: list[Atom]
    found: list[Expectation]


class _Builder:
    """Reads one file's statements. Its builders are the ones dsl.language names, each called as
    `builder(stmt, into)`: `into` is what the enclosing block fills (the policy draft at the top
    level and in a period, the header, a block's fields, the scenario's steps, ...)."""

    def __init__(self, document: Document) -> None:
        self.reader = Reader(document.path)
        self.items = FileItems(path=document.path, broken=document.broken)
        self.path = document.path
        self.tables: dict[str, dict[str, tuple[Construct, Handler]]] = {}

    # -- dispatch -----------------------------------------------------------------------------
    def table(self, block: str) -> dict[str, tuple[Construct, Handler]]:
        """What may stand in `block`, by name, with its builder bound to this file's builder."""
        found = self.tables.get(block)
        if found is None:
            found = self.tables[block] = {
                name: (construct, getattr(self, construct.builder)) for name, construct in language.known(block).items()
            }
        return found

    def unknown(self, stmt: Stmt, block: str) -> None:
        """The one place an unknown statement is reported, in every block: its names come from the table."""
        self.reader.unknown(stmt, BLOCKS[block].what, language.known(block))

    def build(self, stmts: tuple[Stmt, ...]) -> FileItems:
        self.items.statements = len(stmts)
        top = self.table("file")
        unknown = 0
        for index, stmt in enumerate(stmts):
            found = top.get(stmt.head.value) if stmt.head.kind == "word" else None
            if found is None:
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
                    self.unknown(stmt, "file")
                elif unknown == MAX_UNKNOWN + 1:
                    self.reader.error(
                        K010,
                        stmt.head,
                        f"more than {MAX_UNKNOWN} unknown statements in this file; the rest are not reported",
                        "fix the ones above first",
                    )
                continue
            construct, handler = found
            if construct.shop_only:
                self.items.shop_only.append((stmt.head.value, stmt.head.span(self.path)))
            handler(stmt, self.items.policy)
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
        block: str,
        into: Any,
        prepare: Callable[[Stmt, Construct | None, Any], Any] | None = None,
    ) -> None:
        """Run each statement's builder; report unknown statements and, unless they repeat, ones given twice.

        `prepare(stmt, construct or None, into)`, if given, reads what every statement of the block
        shares (a scenario step's trailing `expect`), also for an unknown one, and gives the builder's `into`."""
        seen: dict[str, Span] = {}
        table = self.table(block)
        for stmt in stmts:
            found = table.get(stmt.head.value) if stmt.head.kind == "word" else None
            target = into if prepare is None else prepare(stmt, None if found is None else found[0], into)
            if found is None:
                self.unknown(stmt, block)
                continue
            construct, handler = found
            name = construct.name
            if not construct.repeats:
                if name in seen:
                    self.reader.error(
                        K012,
                        stmt.head,
                        f"'{name}' is given twice in {BLOCKS[block].what.split()[0]}",
                        "keep one of them",
                        related=(seen[name],),
                    )
                    continue
                seen[name] = stmt.head.span(self.path)
            handler(stmt, target)

    # -- shop and preset headers -----------------------------------------------------------------
    def header(self, stmt: Stmt, into: object = None) -> None:
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
        if stmt.block is not None:
            self.dispatch(stmt.block.stmts, kind, header)

    def word_value(self, stmt: Stmt) -> str | None:
        atom = self.reader.word(stmt)
        return None if atom is None else atom.value

    def language(self, stmt: Stmt, header: Header) -> None:
        header.language = self.word_value(stmt)

    def preset_category(self, stmt: Stmt, header: Header) -> None:
        header.category = self.word_value(stmt)

    def timezone(self, stmt: Stmt, header: Header) -> None:
        atom = self.reader.word(stmt, "one time zone name")
        if atom is not None:
            header.timezone = (atom.value, atom.span(self.path))

    def hours(self, stmt: Stmt, header: Header) -> None:
        header.hours.extend(self.reader.hours(stmt))

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
                header.closed.append(found.model_copy(update={"span": group[0].span(self.path)}))

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
    def staff(self, stmt: Stmt, into: object = None) -> None:
        stmts = self.block_of(stmt, "staff { owner mia }")
        if stmts is not None:
            self.dispatch(stmts, "staff", None)

    def member(self, stmt: Stmt, into: object = None) -> None:
        self.reader.no_block(stmt)
        role = Role(stmt.head.value)
        if not stmt.args:
            self.reader.error(K011, stmt, f"'{role.value}' needs a name", f"write: {role.value} mia")
            return
        name = stmt.args[0].value
        known = {arg.shape.split()[0]: arg for arg in language.known("staff")[role.value].args if arg.kind == "option"}
        options: dict[str, Any] = {}
        rest = list(stmt.args[1:])
        while rest:
            key = rest.pop(0)
            option = known.get(key.value)
            if option is None:
                shapes = ", ".join(arg.shape for arg in known.values())
                self.reader.error(K010, key, f"unknown staff option '{key.raw}'", f"known: {shapes}")
                break
            if not rest:
                self.reader.error(
                    K011,
                    key,
                    f"'{key.value}' needs a value",
                    f"write: {key.value} {option.words[0] if option.words else '5'}",
                )
                break
            value = rest.pop(0)
            if key.value in options:
                self.reader.error(K012, key, f"'{key.value}' is given twice for {name}", "keep one of them")
            elif option.words:  # on|off
                options[key.value] = self.reader.switch_atom(value, key.value)
            else:
                options[key.value] = self.reader.number_atom(value, key.value, 0, None)
        options = {k: v for k, v in options.items() if v is not None}
        self.items.staff.append(StaffMember(name=name, role=role, span=stmt.span(self.path), **options))

    # -- policy ---------------------------------------------------------------------------------
    def policy_block(self, stmt: Stmt, draft: PolicyDraft) -> None:
        kind = stmt.head.value
        fields: Fields = getattr(draft, kind)
        draft.spans.setdefault(kind, stmt.span(self.path))
        shorthand = any(arg.kind == "switch" for arg in language.known("file")[kind].args)
        if stmt.block is None and shorthand and len(stmt.args) == 1:
            value = self.reader.switch_atom(stmt.args[0], kind)  # shorthand: `bot off`
            if value is not None:
                self.put(fields, "enabled", value, stmt)
            return
        stmts = self.block_of(stmt, f"{kind} {{ ... }}")
        if stmts is None:
            return
        if stmt.args:
            self.reader.error(K011, stmt.args[0], f"'{kind}' takes a block, not arguments", f"write: {kind} {{ ... }}")
        self.dispatch(stmts, kind, fields)

    def turn_on(self, stmt: Stmt, fields: Fields) -> None:
        self.flag(stmt, fields, True)

    def turn_off(self, stmt: Stmt, fields: Fields) -> None:
        self.flag(stmt, fields, False)

    def flag(self, stmt: Stmt, fields: Fields, value: bool) -> None:
        if stmt.args or stmt.block:
            self.reader.error(
                K011,
                stmt.args[0] if stmt.args else stmt,
                f"'{stmt.head.value}' takes no arguments",
                f"write: {stmt.head.value}",
            )
        self.put(fields, "enabled", value, stmt)

    def auto_send(self, stmt: Stmt, fields: Fields) -> None:
        self.put(fields, "auto_send", self.reader.switch(stmt), stmt)

    def reply_setting(self, stmt: Stmt, fields: Fields) -> None:
        self.put(fields, stmt.head.value, self.reply_text(stmt), stmt)

    def level(self, stmt: Stmt, fields: Fields) -> None:
        low, high = LEVEL_BOUNDS[stmt.head.value]
        self.put(fields, stmt.head.value, self.reader.number(stmt, low, high), stmt)

    def put(self, fields: Fields, key: str, value: Any, stmt: Stmt) -> None:
        if value is None:
            return
        if key in fields and fields[key][1] != stmt.head.span(self.path):
            what = "on/off" if key == "enabled" else f"'{stmt.head.value}'"
            self.reader.error(K012, stmt.head, f"{what} is given twice", "keep one of them", related=(fields[key][1],))
            return
        fields[key] = (value, stmt.head.span(self.path))

    def bot_when(self, stmt: Stmt, fields: Fields) -> None:
        words = " or ".join(BOT_HOURS)
        atom = self.reader.word(stmt, words)
        if atom is None:
            return
        if atom.value not in BOT_HOURS:
            self.reader.error(
                K011, atom, f"'when' takes {words}, found '{atom.raw}'", f"write: when {BotHours.off_hours.value}"
            )
            return
        self.put(fields, "when", atom.value, stmt)

    def reply_text(self, stmt: Stmt) -> str | None:
        value = self.reader.string(stmt)
        if value is not None:
            if not has_text(value):
                what = "greeting" if stmt.head.value == "greeting" else stmt.head.value.replace("_", " ")
                hint = ", or: greeting off" if stmt.head.value == "greeting" else ""
                self.reader.error(K044, stmt.args[0], f"the {what} is empty", f"write the text to send{hint}")
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

    # -- lint -----------------------------------------------------------------------------------
    def lint(self, stmt: Stmt, into: object = None) -> None:
        stmts = self.block_of(stmt, "lint { reply_budget 160 }")
        if stmts is None:
            return
        if stmt.args:
            self.reader.error(K011, stmt.args[0], "'lint' takes a block, not arguments", "write: lint { ... }")
        draft = LintDraft(span=stmt.span(self.path))
        self.items.lints.append(draft)
        self.dispatch(stmts, "lint", draft)

    def lint_budget(self, stmt: Stmt, draft: LintDraft) -> None:
        value = self.reader.number(stmt, 1, None)
        if value is not None:
            draft.budget = (value, stmt.head.span(self.path))

    def lint_patterns(self, stmt: Stmt, draft: LintDraft) -> None:
        self.reader.no_block(stmt)
        groups = self.reader.items(stmt)
        if not groups:
            self.reader.error(K011, stmt, f"'{stmt.head.value}' takes patterns", f'write: {stmt.head.value} "(?i)line"')
        found: list[Pattern] = getattr(draft, stmt.head.value)
        for group in groups:
            for extra in group[1:]:
                self.reader.error(K011, extra, "patterns in a list are separated by ','", f"write: , {extra.raw}")
            text = self.reader.string_atom(group[0], stmt.head.value)
            if text is None:
                continue
            why = pattern_problem(text)
            if why is not None:
                self.reader.error(
                    K047,
                    group[0],
                    f"'{shorten(text, 40)}' {why}",
                    "fix the pattern (Python's re syntax; write \\\\ for a backslash in a kefu string)"
                    if why.startswith("is not")
                    else "repeat the inner part only once: (a+)+ matches what a+ does",
                )
                continue
            found.append(Pattern(text=text, span=group[0].span(self.path)))

    # -- knowledge base -------------------------------------------------------------------------
    def synonyms(self, stmt: Stmt, into: object = None) -> None:
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

    def faq(self, stmt: Stmt, into: object = None) -> None:
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
        found = self.entry_fields(stmts, "faq")
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

    def entry_fields(self, stmts: tuple[Stmt, ...], block: str) -> dict[str, Any]:
        found: dict[str, Any] = {"asks": [], "drop_asks": [], "ask_lines": 0}
        self.dispatch(stmts, block, found)
        return found

    def ask(self, stmt: Stmt, found: dict[str, Any]) -> None:
        found["ask_lines"] += 1
        text = self.reader.string(stmt)
        if text is not None:
            if not text.strip():
                self.reader.error(K011, stmt.args[0], "an ask cannot be empty", "write the customer's question")
            else:
                found["asks"].append(Ask(text=text, span=stmt.args[0].span(self.path)))

    def keywords(self, stmt: Stmt, found: dict[str, Any]) -> None:
        self.reader.no_block(stmt)
        groups = self.reader.items(stmt)
        words: list[str] = []
        for group in groups:
            for extra in group[1:]:
                self.reader.error(K011, extra, "keywords are separated by ','", f"write: {group[0].raw}, {extra.raw}")
            words.append(group[0].value)
        if not words:
            self.reader.error(K011, stmt, "'keywords' takes a list", "write: keywords 包郵, 運費")
        found["keywords"] = tuple(words)

    def auto(self, stmt: Stmt, found: dict[str, Any]) -> None:
        words = " or ".join(language.words("faq", "auto"))
        atom = self.reader.word(stmt, words)
        if atom is not None:
            if atom.value not in language.words("faq", "auto"):
                self.reader.error(K011, atom, f"'auto' takes {words}, found '{atom.raw}'", "write: auto never")
            else:
                found["auto"] = atom.value == "allowed"

    def drop_ask(self, stmt: Stmt, found: dict[str, Any]) -> None:
        if not stmt.args or stmt.args[0].value != "ask" or len(stmt.args) != 2:
            self.reader.error(K011, stmt, "inside an override, 'drop' takes: ask \"...\"", 'write: drop ask "..."')
            return
        text = self.reader.string_atom(stmt.args[1], "drop ask")
        if text is not None:
            found["drop_asks"].append((text, stmt.args[1].span(self.path)))

    def entry_reply(self, stmt: Stmt, found: dict[str, Any]) -> None:
        self.found(found, "reply", self.reply_text(stmt))
        if "reply" in found and stmt.args:
            found["reply_span"] = stmt.args[0].span(self.path)

    def title(self, stmt: Stmt, found: dict[str, Any]) -> None:
        self.found(found, "title", self.reader.string(stmt))

    def entry_category(self, stmt: Stmt, found: dict[str, Any]) -> None:
        self.found(found, "category", self.word_value(stmt))

    @staticmethod
    def found(found: dict[str, Any], key: str, value: Any) -> None:
        if value is not None:
            found[key] = value

    def override(self, stmt: Stmt, into: object = None) -> None:
        target = self.faq_target(stmt, "override")
        if target is None:
            return
        ident, span = target
        stmts = self.block_of(stmt, f'override faq {ident} {{ reply "..." }}')
        if stmts is None:
            return
        found = self.entry_fields(stmts, "override")
        found.pop("ask_lines")
        reply_span = found.pop("reply_span", None)
        self.items.overrides.append(
            Override(
                id=ident,
                span=span,
                add_asks=found.pop("asks"),
                drop_asks=found.pop("drop_asks"),
                fields=found,
                reply_span=reply_span,
            )
        )

    def drop(self, stmt: Stmt, into: object = None) -> None:
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
    def period(self, stmt: Stmt, into: object = None) -> None:
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
        self.dispatch(stmts, "period", draft)
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

    def test(self, stmt: Stmt, into: object = None) -> None:
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

    def scenario(self, stmt: Stmt, into: object = None) -> None:
        found = self.named(stmt, "scenario")
        if found is None:
            return
        name, stmts = found
        steps: list[ScenarioStep] = []
        self.dispatch(stmts, "scenario", steps, prepare=self.step)
        self.items.scenarios.append(Scenario(name=name, steps=tuple(steps), span=stmt.span(self.path)))

    def step(self, stmt: Stmt, construct: Construct | None, steps: list[ScenarioStep]) -> _StepParts:
        """What every scenario step shares: no block, its arguments and a trailing `expect ...`."""
        self.reader.no_block(stmt)
        args = list(stmt.args)
        expect: tuple[Expectation, ...] = ()
        if construct is None or construct.name != "expect":
            lead = construct.lead if construct is not None else 0  # a person may be called "expect"
            for index, atom in enumerate(args):
                if index >= lead and atom.kind == "word" and atom.value == "expect":
                    expect = self.expectations(args[index + 1 :], atom)
                    args = args[:index]
                    break
        return _StepParts(construct, args, expect, stmt.span(self.path), steps)

    def takes(self, stmt: Stmt, parts: _StepParts) -> bool:
        """The step has exactly the arguments its construct declares, else a K011."""
        construct = parts.construct
        assert construct is not None  # a known step: its builder runs
        args, count = parts.args, len(construct.args)
        if len(args) != count:
            self.reader.error(
                K011,
                args[count] if len(args) > count else stmt,
                f"'{construct.name}' takes {construct.takes}",
                f"write: {construct.example}",
            )
            return False
        return True

    def plain_step(self, stmt: Stmt, parts: _StepParts) -> None:
        """A step whose arguments are, in the table's order, values of the step's fields by their kind."""
        if not self.takes(stmt, parts):
            return
        kind = stmt.head.value
        construct = parts.construct
        assert construct is not None  # a known step: its builder runs
        values: dict[str, Any] = {}
        ok = True
        for arg, atom in zip(construct.args, parts.args, strict=True):
            value: Any
            if arg.kind == "date":
                value = self.reader.date_atom(atom)
            elif arg.kind == "time":
                value = self.reader.time_of(atom, atom.raw, allow_24=False)
            elif arg.kind == "duration":
                value = self.reader.duration_atom(atom)
            elif arg.kind == "string":
                value = self.reader.string_atom(atom, kind)
            else:
                value = atom.value
            ok = ok and value is not None
            values[arg.kind] = value
        if not ok:
            return
        fields: dict[str, Any] = {}
        if "date" in values:
            minute = values["time"]
            fields["time"] = dt.datetime.combine(values["date"], dt.time(minute // 60, minute % 60))
        if "duration" in values:
            fields["seconds"] = values["duration"]
        if "name" in values:
            fields["actor"] = values["name"]
        if "string" in values:
            fields["text"] = values["string"]
        parts.steps.append(ScenarioStep(kind=kind, expect=parts.expect, span=parts.span, **fields))

    def rate(self, stmt: Stmt, parts: _StepParts) -> None:
        args = parts.args
        if not args or args[0].value not in language.words("scenario", "rate"):
            self.reader.error(
                K011,
                args[0] if args else stmt,
                "'rate' takes " + " or ".join(language.words("scenario", "rate")),
                'write: rate unsolved not_useful "free text"',
            )
            return
        if args[0].value == "solved":
            if len(args) > 1:
                self.reader.error(K011, args[1], "'rate solved' takes nothing more", "write: rate solved")
                return
            parts.steps.append(ScenarioStep(kind="rate", value="solved", expect=parts.expect, span=parts.span))
            return
        reasons = language.words("scenario", "rate", 1)
        if len(args) < 2 or args[1].value not in reasons or len(args) > 3:
            self.reader.error(
                K011,
                args[1] if len(args) > 1 else stmt,
                "'rate unsolved' takes a reason: " + ", ".join(reasons) + ", then optional text",
                'write: rate unsolved not_useful "free text"',
            )
            return
        text = self.reader.string_atom(args[2], "rate") if len(args) == 3 else None
        parts.steps.append(
            ScenarioStep(
                kind="rate", value="unsolved", reason=args[1].value, text=text, expect=parts.expect, span=parts.span
            )
        )

    def set_step(self, stmt: Stmt, parts: _StepParts) -> None:
        if not self.takes(stmt, parts):
            return
        actor, setting, value = parts.args
        allowed = SETTING_WORDS
        if setting.value not in allowed:
            self.reader.error(K010, setting, f"unknown setting '{setting.value}'", "known: " + ", ".join(allowed))
            return
        words = allowed[setting.value]
        if value.value not in words:
            self.reader.error(
                K011,
                value,
                f"'{setting.value}' takes {' or '.join(words)}, found '{value.value}'",
                f"write: set {actor.raw} {setting.value} {words[0]}",
            )
            return
        parts.steps.append(
            ScenarioStep(
                kind="set",
                actor=actor.value,
                setting=setting.value,
                value=value.value,
                expect=parts.expect,
                span=parts.span,
            )
        )

    def expect_step(self, stmt: Stmt, parts: _StepParts) -> None:
        expect = self.expectations(parts.args, stmt.head)
        if expect:
            parts.steps.append(ScenarioStep(kind="expect", expect=expect, span=parts.span))

    def expectations(self, atoms: list[Atom], at: Atom) -> tuple[Expectation, ...]:
        found: list[Expectation] = []
        groups: list[list[Atom]] = [[]]
        for atom in atoms:
            if atom.kind == "comma":
                groups.append([])
            else:
                groups[-1].append(atom)
        if not atoms:
            self.reader.error(K011, at, "'expect' needs what to expect", "write: expect bot shipping.free")
        table = self.table("expect")
        for group in (g for g in groups if g):
            head = group[0].value
            name = f"not {group[1].value}" if head == "not" and len(group) == 2 else head  # two words, one kind
            known = table.get(name)
            stmt = Stmt(group[0], tuple(group[1:]), None)
            if known is None or len(group) != len(name.split()) + len(known[0].args):
                self.unknown(stmt, "expect")
                continue
            known[1](stmt, _Expecting(known[0], group, found))
        return tuple(found)

    def expectation(self, stmt: Stmt, into: _Expecting) -> None:
        """An expectation: its kind, and the entry id or text its one argument gives."""
        construct, group = into.construct, into.atoms
        kind = construct.name.replace(" ", "_")
        span = group[-1].span(self.path)  # the id or text it names; the word itself when alone
        value: str | None = None
        if construct.args:
            atom = group[-1]
            value = (
                self.reader.id_atom(atom, "entry")
                if construct.args[0].kind == "id"
                else self.reader.string_atom(atom, kind)
            )
            if value is None:
                return
        into.found.append(Expectation(kind=kind, value=value, span=span))


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
        "lints",
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
