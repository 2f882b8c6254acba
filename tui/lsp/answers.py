"""What the server answers, as plain values: hover texts, places to go to, completions, fixes and
symbols. Positions are kefu's (1-based lines and columns, spans ending on their last character);
`kefu.tui.lsp.server` turns them into the protocol's.

Everything is read from what kefu itself reads: the statement table of `kefu.dsl.language`, the
loaded shops and presets (`kefu.tui.lsp.checks`), the parser (`kefu.tui.lsp.text`), the matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kefu.dsl import language
from kefu.dsl.language import Construct
from kefu.dsl.syntax import Atom
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import PLACEHOLDERS, SETTING_VALUES, WEEKDAYS, FaqEntry, Role, Shop
from kefu.tui.lsp.checks import Checker
from kefu.tui.lsp.text import (
    ENTRY_WORDS,
    At,
    Lines,
    at,
    construct_in,
    entry_atoms,
    entry_id_at,
    known_in,
    statements,
)

# The requirements of SPEC.md each setting carries out, shown when hovering it.
SPEC_IDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("file", "shop"): ("KB-1",),
    ("file", "faq"): ("KB-3", "IR-1"),
    ("file", "override"): ("KB-2",),
    ("file", "drop"): ("KB-2",),
    ("file", "assist"): ("AR-1", "AR-2", "AR-3"),
    ("file", "bot"): ("BOT-1", "BOT-2", "BOT-3"),
    ("file", "matching"): ("IR-2", "D-8"),
    ("file", "greeting"): ("D-1",),
    ("file", "test"): ("IR-1",),
    ("file", "staff"): ("AR-1", "BOT-1"),
    ("period", "assist"): ("AR-1", "AR-2", "AR-3"),
    ("period", "bot"): ("BOT-1", "BOT-2", "BOT-3"),
    ("period", "matching"): ("IR-2", "D-8"),
    ("shop", "use"): ("KB-2",),
    ("shop", "hours"): ("BOT-3",),
    ("shop", "closed"): ("BOT-3",),
    ("preset", "use"): ("KB-2",),
    ("staff", "owner"): ("AR-1", "BOT-1"),
    ("staff", "admin"): ("AR-1", "BOT-1"),
    ("staff", "agent"): ("AR-8", "BOT-2"),
    ("assist", "on"): ("AR-1",),
    ("assist", "off"): ("AR-1",),
    ("assist", "auto_send"): ("AR-3", "AR-8", "D-7"),
    ("bot", "on"): ("BOT-1",),
    ("bot", "off"): ("BOT-1",),
    ("bot", "when"): ("BOT-3",),
    ("bot", "fallback"): ("BOT-7",),
    ("bot", "off_hours_reply"): ("BOT-3",),
    ("matching", "confidence"): ("IR-2", "D-8"),
    ("matching", "suggest"): ("IR-3", "AR-2"),
    ("matching", "margin"): ("D-8",),
    ("matching", "repeat_limit"): ("STOP-1",),
    ("faq", "ask"): ("KB-3", "IR-1"),
    ("faq", "keywords"): ("IR-3",),
    ("faq", "reply"): ("KB-3",),
    ("faq", "auto"): ("IR-2",),
    ("override", "ask"): ("KB-2",),
    ("override", "reply"): ("KB-2",),
    ("override", "drop"): ("KB-2",),
    ("scenario", "online"): ("D-6",),
    ("scenario", "offline"): ("D-6",),
    ("scenario", "open"): ("D-6",),
    ("scenario", "leave"): ("D-6",),
    ("scenario", "types"): ("IR-3",),
    ("scenario", "rate"): ("BOT-8",),
    ("expect", "bot"): ("BOT-4",),
    ("expect", "assist"): ("AR-3",),
    ("expect", "suggest"): ("AR-2",),
    ("expect", "fallback"): ("BOT-7",),
    ("expect", "unread"): ("AR-5",),
    ("expect", "unreplied"): ("AR-7",),
}
DAY_WORDS = (*WEEKDAYS, "daily", "weekdays", "weekends")
REPLY_TEXTS = frozenset({"reply", "greeting", "fallback", "off_hours_reply"})  # texts that take placeholders
MAX_ASKS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Place:
    """A span in a file, by path."""

    path: Path
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    kind: str  # "keyword" | "value" | "entry" | "placeholder"
    detail: str = ""
    insert: str | None = None  # what to insert when not the label


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the span (columns inclusive; an empty span, end_column = column - 1, inserts)."""

    path: Path
    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    kind: str  # "shop" | "preset" | "block" | "entry" | "test" | "scenario"
    detail: str
    place: Place
    selection: Place
    children: tuple[Symbol, ...] = ()


def place(checker: Checker, span: Span) -> Place:
    return Place(checker.path_of(span.file), span.line, span.column, span.end_line, span.end_column)


def atom_place(path: Path, atom: Atom) -> Place:
    return Place(path, atom.line, atom.column, atom.end_line, atom.end_column)


# -- hover ---------------------------------------------------------------------------------------


def hover(checker: Checker, path: Path, lines: Lines, line: int, column: int) -> tuple[str, Place] | None:
    """Markdown for what the cursor is on, and the span it describes."""
    found = at(lines, line, column, str(path))
    if found.stmt is None:
        return None
    stmt, block = found.path[-1]
    if block == "test" and stmt.head.kind == "string":
        text = _test_case(checker, path, stmt.head.value, found)
        if text is not None:
            return text, atom_place(path, found.atom or stmt.head)
    named = entry_id_at(found)
    if named is not None and found.atom is not None:
        text = _entry_hover(checker, path, named[0], named[1])
        if text is not None:
            return text, atom_place(path, found.atom)
    if found.atom is not None and stmt.head.kind == "word":  # a statement's keyword, or one of its values
        construct = construct_in(block, stmt.head.value)
        if construct is not None:
            return _construct_hover(construct, block), atom_place(path, found.atom)
    return None


def _construct_hover(construct: Construct, block: str) -> str:
    spec = SPEC_IDS.get((block, construct.name), ())
    lines = [f"**{construct.keyword}** ({language.BLOCKS[block].what})", "", construct.summary, ""]
    lines.append(f"```kefu\n{construct.syntax}\n```")
    lines.append(f"Example: `{construct.example}`")
    if spec:
        lines.append("")
        lines.append("SPEC: " + ", ".join(spec))
    return "\n".join(lines)


def _quote(text: str, limit: int = 160) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(span: Span | None) -> str:
    return f"{span.file}:{span.line}" if span is not None else "?"


def describe_entry(entry: FaqEntry) -> list[str]:
    """An entry in a few lines of markdown: title, asks, reply and where it is written."""
    origin = f" (preset {entry.preset})" if entry.preset else ""
    lines = [f"**{entry.id}** {entry.title}{origin}", ""]
    asks = [f'"{_quote(a.text, 60)}"' for a in entry.asks[:MAX_ASKS_SHOWN]]
    more = len(entry.asks) - MAX_ASKS_SHOWN
    lines.append("asks: " + " · ".join(asks) + (f" (+{more} more)" if more > 0 else ""))
    lines.append("")
    lines.append(f'reply: "{_quote(entry.reply)}"' + ("" if entry.auto else " (auto never: suggested only)"))
    lines.append("")
    lines.append(f"`{_where(entry.span)}`")
    return lines


def _entry_hover(checker: Checker, path: Path, entry_id: str, how: str) -> str | None:
    shop = checker.shop_of(path)
    entries = {e.id: e for e in checker.entries_for(path)}
    entry = entries.get(entry_id)
    if how == "drop":
        base = checker.preset_entry(shop, entry_id) if shop is not None else None
        if base is None:
            return f"**{entry_id}**: no used preset has this entry"
        return "\n".join(["dropped from this shop:", "", *describe_entry(base)])
    if entry is None:
        return f"**{entry_id}**: no such entry in this shop"
    lines = describe_entry(entry)
    if how == "override" and shop is not None:
        base = checker.preset_entry(shop, entry_id)
        if base is not None:
            lines += ["", "---", f"overrides the preset entry at `{_where(base.span)}`; differs in:"]
            lines += [f"- {change}" for change in differences(base, entry)] or ["- nothing"]
    return "\n".join(lines)


def differences(base: FaqEntry, entry: FaqEntry) -> list[str]:
    """What an override changed in a preset entry, one line each."""
    changes: list[str] = []
    for name in ("title", "reply", "category"):
        before, after = getattr(base, name), getattr(entry, name)
        if before != after:
            changes.append(f'{name}: "{_quote(str(before), 60)}" → "{_quote(str(after), 60)}"')
    if base.keywords != entry.keywords:
        changes.append(f"keywords: {', '.join(base.keywords)} → {', '.join(entry.keywords)}")
    if base.auto != entry.auto:
        changes.append(f"auto: {'allowed' if base.auto else 'never'} → {'allowed' if entry.auto else 'never'}")
    before_asks = [a.text for a in base.asks]
    after_asks = [a.text for a in entry.asks]
    added = [a for a in after_asks if a not in before_asks]
    dropped = [a for a in before_asks if a not in after_asks]
    if added:
        changes.append("asks added: " + ", ".join(f'"{_quote(a, 40)}"' for a in added))
    if dropped:
        changes.append("asks dropped: " + ", ".join(f'"{_quote(a, 40)}"' for a in dropped))
    return changes


def _test_case(checker: Checker, path: Path, message: str, found: At) -> str | None:
    """What the matcher decides now for a test line `"message" -> id` (`kefu ask --explain` in short)."""
    from kefu.engine.match import Decision

    shop = checker.shop_of(path)
    if shop is None:
        return None
    stmt = found.path[-1][0]
    args = [a.value for a in stmt.args if a.kind != "comma"]
    expect = args[1] if len(args) >= 2 and args[0] == "->" else None
    match = checker.matcher(shop).match(message, shop.policy.matching, top=3)
    best, decision = match.best, match.decision
    got = best.entry if best is not None and decision != Decision.none else None
    verdict = {Decision.auto_send: "auto-send", Decision.suggest: "suggest only", Decision.none: "no answer"}[decision]
    if expect in (None, "none"):
        passes = decision != Decision.auto_send
    else:
        passes = got == expect
    levels = shop.policy.matching
    lines = [f"**{verdict}**: {got or '-'}" + (f" — score {best.score:.1f}, margin {match.margin:.1f}" if best else "")]
    lines.append("")
    lines.append(f"this case {'passes' if passes else 'fails'} (expects {expect or 'none'})")
    lines.append("")
    lines.append(f"levels: auto-send at {levels.confidence} with margin {levels.margin}, suggest at {levels.suggest}")
    lines.append("")
    lines.append(f"normalised: '{_quote(match.message.text, 80)}'")
    if match.message.synonyms:
        lines.append("")
        lines.append("synonyms: " + ", ".join(f"{a} → {b}" for a, b in match.message.synonyms))
    if len(match.candidates) > 1:
        runner = match.candidates[1]
        lines.append("")
        via = _quote(runner.ask, 60)
        lines.append(f'runner-up: {runner.entry} (score {runner.score:.1f}, raw {runner.raw:.3f}, via "{via}")')
    if match.reason:
        lines += ["", f"why: {match.reason}"]
    return "\n".join(lines)


# -- definition and references -------------------------------------------------------------------


def definition(checker: Checker, path: Path, lines: Lines, line: int, column: int) -> list[Place]:
    found = at(lines, line, column, str(path))
    if found.stmt is None or found.atom is None:
        return []
    stmt, block = found.path[-1]
    if block in ("shop", "preset") and stmt.head.value == "use" and found.atom.kind == "string":
        target = (path.parent / found.atom.value).resolve()
        return [Place(target, 1, 1, 1, 0)] if target.is_file() else []
    named = entry_id_at(found)
    if named is None:
        return []
    entry_id, how = named
    shop = checker.shop_of(path)
    if how in ("override", "drop") and shop is not None:
        base = checker.preset_entry(shop, entry_id)
        return [place(checker, base.span)] if base is not None and base.span is not None else []
    entry = next((e for e in checker.entries_for(path) if e.id == entry_id), None)
    if entry is None or entry.span is None:
        return []
    if how == "faq" or entry.preset is None:
        return [place(checker, entry.span)]
    base = checker.preset_entry(shop, entry_id) if shop is not None else None  # an overridden preset entry
    target = (base or entry).span
    return [place(checker, target)] if target is not None else []


def references(
    checker: Checker, path: Path, lines: Lines, line: int, column: int, texts: dict[Path, str], declaration: bool
) -> list[Place]:
    """Every place that names the entry id under the cursor, in the files of its shop and of the
    presets (and the shops using them)."""
    found = at(lines, line, column, str(path))
    named = entry_id_at(found)
    if named is None:
        return []
    entry_id = named[0]
    files: set[Path] = {path.resolve()}
    shop = checker.shop_of(path)
    shops = [shop] if shop is not None else []
    for user in checker.known.users.get(path.resolve(), ()):
        if user in checker.known.shops:
            shops.append(checker.known.shops[user])
    for each in shops:
        files.update(checker.path_of(f) for f in each.files)
        files.update(checker.path_of(e.span.file) for e in each.entries if e.span is not None)
    places: list[Place] = []
    for file in sorted(files):
        text = texts.get(file)
        if text is None:
            try:
                text = file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue
        if entry_id not in text:
            continue
        for atom, how in entry_atoms(statements(text, str(file))):
            if atom.value == entry_id and (declaration or how != "faq"):
                places.append(atom_place(file, atom))
    return places


# -- completion -----------------------------------------------------------------------------------

_WORD_BEFORE = re.compile(r"[\w.${-]*$")


def completions(checker: Checker, path: Path, lines: Lines, line: int, column: int) -> list[Completion]:
    """What may be written at the cursor."""
    text = lines.line(line)
    before = text[: column - 1]
    in_string = _open_string(before)
    if in_string is not None:
        return _placeholders(in_string) if "${" in in_string[in_string.rfind("${") :] else []
    words = before.split()
    typing = bool(_WORD_BEFORE.search(before).group()) if before and not before[-1].isspace() else False  # type: ignore[union-attr]
    previous = words[:-1] if typing else words
    block = _block_at(lines, line, column)
    if not previous or previous[-1] in ("{", ";") or (before.rstrip().endswith((";", "{")) and not typing):
        return _statements(block)
    head = previous[0]
    if block == "test":
        if previous[-1] == "->":
            return [Completion("none", "value", "nothing may be auto-sent"), *_entries(checker.entries_for(path))]
        return []
    if block == "file" and head in ("override", "drop"):
        if len(previous) == 1:
            return [Completion("faq", "keyword")]
        return _entries(checker.preset_entries(path) or checker.entries_for(path))
    if block == "scenario" and "expect" in previous:
        if previous[-1] in ENTRY_WORDS:
            return _entries(checker.entries_for(path))
        return _statements("expect")
    if block == "scenario" and head == "set":
        if len(previous) == 2:
            return [Completion(s.value, "value") for s in SETTING_VALUES]
        if len(previous) == 3:
            setting = next((s for s in SETTING_VALUES if s.value == previous[2]), None)
            return [Completion(v, "value") for v in SETTING_VALUES.get(setting, ())] if setting else []
    if block == "shop" and head == "hours":
        return [Completion(day, "value", "days") for day in DAY_WORDS]
    if block == "staff" and head in {r.value for r in Role}:
        return [Completion("capacity", "keyword"), Completion("auto_send", "keyword")] + (
            [Completion(v, "value") for v in ("on", "off")] if previous[-1] == "auto_send" else []
        )
    construct = construct_in(block, head)
    if construct is not None:
        index = len(previous) - 1
        if index < len(construct.args) and construct.args[index].words:
            return [Completion(word, "value") for word in construct.args[index].words]
    return []


def _open_string(before: str) -> str | None:
    """The text of a string the cursor is inside (from its quote), or None."""
    inside, start, index = False, 0, 0
    while index < len(before):
        char = before[index]
        if char == "\\" and inside:
            index += 2
            continue
        if char == '"':
            inside, start = not inside, index
        elif char == "#" and not inside:
            return None
        index += 1
    return before[start:] if inside else None


def _placeholders(string: str) -> list[Completion]:
    typed = string[string.rfind("${") + 2 :]
    return [
        Completion(name, "placeholder", "filled in when sent", insert=name + "}")
        for name in PLACEHOLDERS
        if name.startswith(typed)
    ]


def _statements(block: str) -> list[Completion]:
    return [
        Completion(construct.keyword, "keyword", construct.summary, insert=construct.keyword)
        for construct in known_in(block).values()
    ]


def _entries(entries: list[FaqEntry]) -> list[Completion]:
    return [Completion(entry.id, "entry", entry.title) for entry in entries]


def _block_at(lines: Lines, line: int, column: int) -> str:
    """The block the cursor stands in, read from the braces before it in its top-level statement
    (a half-typed statement still has its block)."""
    piece = lines.piece(line)
    end = lines.offset(line, column) - piece.start
    stack = ["file"]
    words: list[str] = []
    for token in _tokens(piece.text[:end]):
        if token == "{":
            head = words[0] if words else ""
            current = stack[-1]
            construct = construct_in(current, head) if head else None
            inner = construct.opens if construct is not None else None
            if construct is not None and construct.lines:
                inner = construct.name
            stack.append(inner or "?")
            words = []
        elif token == "}":
            if len(stack) > 1:
                stack.pop()
            words = []
        elif token in (";", "\n"):
            words = []
        else:
            words.append(token)
    return stack[-1] if stack[-1] != "?" else "file"


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[{};\n]|[^\s{};"#]+')


def _tokens(text: str) -> Iterator[str]:
    for match in _TOKEN.finditer(text):
        token = match.group()
        if not token.startswith("#"):
            yield token


# -- code actions ----------------------------------------------------------------------------------

_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")
_CASE = re.compile(r'as in: ("(?:[^"\\]|\\.)*" -> \S+)$')
_IGNORE = re.compile(r"#\s*kefu:\s*ignore\[([^\]]*)\]")
_SHOP = re.compile(r"of shop '([^']+)'")


def fixes(checker: Checker, path: Path, lines: Lines, diagnostic: Diagnostic, texts: dict[Path, str]) -> list[Fix]:
    """The fixes a finding carries: its did-you-mean, a suppression comment for a warning, and for an
    untested entry (K058) a test case in the shop's words."""
    found: list[Fix] = []
    span = diagnostic.span
    mean = _DID_YOU_MEAN.search(diagnostic.help)
    if mean is not None and span.line == span.end_line:
        written = lines.line(span.line)[span.column - 1 : span.end_column]
        if written and not any(ch.isspace() or ch == '"' for ch in written):
            edit = Edit(path, span.line, span.column, span.end_line, span.end_column, mean.group(1))
            found.append(Fix(f"Change '{written}' to '{mean.group(1)}'", (edit,), preferred=True))
    case = _CASE.search(diagnostic.help)
    if diagnostic.code == "K058" and case is not None:
        named = _SHOP.search(diagnostic.message)
        found.extend(_add_test(checker, path, case.group(1), texts, named.group(1) if named else None))
    if diagnostic.severity is Severity.warning:
        found.append(_suppress(path, lines, diagnostic))
    return found


def _suppress(path: Path, lines: Lines, diagnostic: Diagnostic) -> Fix:
    line = diagnostic.span.line
    text = lines.line(line)
    code = diagnostic.code
    existing = _IGNORE.search(text)
    if existing is not None:
        codes = [c.strip() for c in existing.group(1).split(",") if c.strip()]
        inside = existing.start(1) + 1
        edit = Edit(path, line, inside, line, existing.end(1), ", ".join([*codes, code]))
    else:
        end = len(text) + 1
        edit = Edit(path, line, end, line, end - 1, f"  # kefu: ignore[{code}]")
    return Fix(f"Ignore {code} on this line (# kefu: ignore[{code}])", (edit,))


def _add_test(checker: Checker, path: Path, case: str, texts: dict[Path, str], shop_id: str | None) -> list[Fix]:
    """A test block with the case: in `path`, or at the end of the file of the shop the finding
    names when `path` is a preset's (a preset holds no tests)."""
    shops = [s for s in checker.known.shops.values() if s.id == shop_id]
    shop = shops[0] if shops else checker.shop_of(path)
    target = path.resolve()
    if path.resolve() in checker.known.presets and shop is not None and shop.files:
        target = checker.path_of(shop.files[0])
    text = texts.get(target)
    if text is None:
        try:
            text = target.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return []
    entry_id = case.rsplit("-> ", 1)[-1]
    lines = Lines(text)
    last = len(lines.starts)
    end = len(lines.line(last)) + 1
    lead = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    block = f'{lead}test "{entry_id}" {{\n    {case}\n}}\n'
    edit = Edit(target, last, end, last, end - 1, block)
    return [Fix(f"Add a test for '{entry_id}'", (edit,))]


# -- symbols ---------------------------------------------------------------------------------------

_KINDS = {"shop": "shop", "preset": "preset", "faq": "entry", "test": "test", "scenario": "scenario"}


def document_symbols(path: Path, text: str) -> list[Symbol]:
    """The outline: the header, each block, each entry, test and scenario."""
    symbols: list[Symbol] = []
    for stmt in statements(text, str(path)):
        head = stmt.head.value
        args = [a for a in stmt.args if a.kind != "comma"]
        first = args[0] if args else stmt.head
        name = first.value if head in ("shop", "preset", "faq") else head
        if head in ("override", "drop") and len(args) >= 2:
            name = f"{head} {args[1].value}"
        elif head in ("period", "test", "scenario"):
            name = f"{head} {first.value}"
        end = (
            (stmt.block.end_line, stmt.block.end_column)
            if stmt.block
            else (stmt.end_line, (args or [stmt.head])[-1].end_column)
        )
        whole = Place(path, stmt.head.line, stmt.head.column, end[0], end[1])
        detail = args[1].value if head in ("shop", "preset", "faq") and len(args) >= 2 else ""
        children: list[Symbol] = []
        if head in ("shop", "preset") and stmt.block is not None:
            for inner in stmt.block.stmts:
                last = inner.args[-1] if inner.args else inner.head
                child = Place(path, inner.head.line, inner.head.column, last.end_line, last.end_column)
                children.append(Symbol(inner.head.value, "block", "", child, atom_place(path, inner.head)))
        symbols.append(Symbol(name, _KINDS.get(head, "block"), detail, whole, atom_place(path, first), tuple(children)))
    return symbols


def workspace_symbols(checker: Checker, query: str) -> list[Symbol]:
    """Entry ids across every known shop and preset whose id or title holds the query."""
    seen: set[tuple[str, str]] = set()
    found: list[Symbol] = []
    owners: list[tuple[str, tuple[FaqEntry, ...]]] = [
        *((f"shop {s.id}", s.entries) for s in checker.known.shops.values()),
        *((f"preset {p.id}", p.entries) for p in checker.known.presets.values()),
    ]
    lowered = query.lower()
    for owner, entries in owners:
        for entry in entries:
            if entry.span is None or (
                lowered and lowered not in entry.id.lower() and lowered not in entry.title.lower()
            ):
                continue
            key = (entry.id, str(entry.span))
            if key in seen:
                continue
            seen.add(key)
            where = place(checker, entry.span)
            found.append(Symbol(entry.id, "entry", f"{entry.title} ({owner})", where, where))
    return found


def shop_summary(shop: Shop) -> str:
    return f"shop {shop.id}: {len(shop.entries)} entries"
