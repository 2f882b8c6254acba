"""K043: a bidirectional override, embedding or isolate in text that reaches a customer, or a
direction mark in text without a right-to-left letter.

U+202A-U+202E and U+2066-U+2069 reorder the characters after them on screen: a reply is reviewed in
one order and read by the customer in another (the "Trojan Source" trick, CVE-2021-42574). The marks
U+200E, U+200F and U+061C reorder no word, but they move the digits and punctuation next to them
(`7-14` can show as `14-7`): right-to-left text needs them to punctuate, so a mark is flagged only in
a text without a right-to-left letter, where it can do nothing else. Every one of these characters
prints as an escape in kefu's human output (`kefu.dsl.visible`): the finding's source line shows it.

The built shop says whether such a character reaches a customer at all (a quick search of its texts,
after presets, overrides and drops); only then are the shop's files (and the preset files its
entries come from) read again, to point at the very character in the string where it is written.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from kefu.dsl.codes import define
from kefu.dsl.language import TOP_LEVEL
from kefu.dsl.source import read_file
from kefu.dsl.syntax import parse
from kefu.dsl.tree import Atom, Stmt
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import Shop

CODE = define(
    "K043",
    "bidi-control",
    "a bidirectional override or isolate (or a stray direction mark) in text sent to customers",
    "U+202A-U+202E (embeddings, overrides) and U+2066-U+2069 (isolates) are invisible and reorder the "
    "characters after them: the text a reviewer reads in the rule file is not the text a customer reads "
    "on screen, and a reply can say the opposite of what was approved. kefu checks replies, asks, titles, "
    "greetings, the bot's fallback and off-hours reply, the shop's name and the staff's names (the last "
    "two reach customers through `${shop.name}` and `${agent.name}`). The marks U+200E, U+200F and U+061C "
    "reorder no word but move the digits and punctuation near them (`7-14` shows as `14-7`); right-to-left "
    "text needs them, so a mark is flagged only in a text without a right-to-left letter.",
    '# \\u202e and \\u202c stand for the invisible characters U+202E and U+202C\nreply "退款期限:\\u202e天7\\u202c"',
    'reply "退款期限:7天"',
    level=Severity.warning,
    category="text",
    level_reason="The shop builds and runs, and the text is sent as written; it only looks different from "
    "what is sent. A shop that writes right-to-left text on purpose can ignore the finding on its line.",
)

BIDI = {
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
}
BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
MARKS = {"\u200e": "left-to-right mark", "\u200f": "right-to-left mark", "\u061c": "arabic letter mark"}
MARK_RE = re.compile("[\u200e\u200f\u061c]")
ANY_RE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
FLAGGED = (*BIDI, *MARKS)
_ITEM_START = re.compile(r"^(?:" + "|".join(TOP_LEVEL) + r")(?=[ \t{;\r\n]|$)", re.M)  # as dsl.syntax cuts
STAFF = frozenset({"owner", "admin", "agent"})
ENTRY_FIELDS = {"reply": "the reply", "ask": "an ask", "title": "the title"}
BOT_FIELDS = {"fallback": "the bot's fallback", "off_hours_reply": "the off-hours reply"}


def check(shop: Shop) -> Iterator[Diagnostic]:
    texts = _texts(shop)
    joined = "\n".join(texts)
    if ANY_RE.search(joined) is None:  # one pass over the texts: the common case ends here
        return
    sent = {text for text in texts if ANY_RE.search(text)}
    files = list(shop.files)
    for entry in shop.entries:  # preset files the shop's entries come from
        if entry.span is not None and entry.span.file not in files:
            files.append(entry.span.file)
    for file in files:
        source, _ = read_file(Path(file), file)
        if source is None or ANY_RE.search(source.text) is None:
            continue
        yield from _findings(_statements_holding(source.text, file), None, file, sent)


def _statements_holding(text: str, file: str) -> tuple[Stmt, ...]:
    """The top-level statements of `text` that hold one of the characters, read alone: each from the
    line it starts on (a top-level keyword at column 1) to the next such line, so a large shop is not
    parsed again whole. A piece that does not read cleanly alone (an unindented nested statement
    fooled the cut) is given up for a parse of the whole file."""
    starts = [match.start() for match in _ITEM_START.finditer(text)]
    pieces = sorted({bisect.bisect_right(starts, match.start()) - 1 for match in ANY_RE.finditer(text)})
    stmts: list[Stmt] = []
    line, counted = 1, 0
    for index in pieces:
        start = starts[index] if index >= 0 else 0
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line += text.count("\n", counted, start)
        counted = start
        document = parse(text[start:end], file, first_line=line)
        if document.diagnostics or document.broken:
            return parse(text, file).stmts
        stmts.extend(document.stmts)
    return tuple(stmts)


def _texts(shop: Shop) -> list[str]:
    """Every text of the built shop that reaches a customer (or an agent, as the shop's words)."""
    texts = [shop.name, *(member.name for member in shop.staff)]
    for policy in (shop.policy, *(period.policy for period in shop.periods)):
        texts.extend(text for text in (policy.greeting, policy.bot.fallback, policy.bot.off_hours_reply) if text)
    texts += [text for entry in shop.entries for text in (entry.id, entry.title, entry.reply)]
    texts += [ask.text for entry in shop.entries for ask in entry.asks]  # one pass each: 10k entries in ms
    return texts


def _findings(stmts: tuple[Stmt, ...], parent: Stmt | None, file: str, sent: set[str]) -> Iterator[Diagnostic]:
    """Where the texts in `sent` are written: a preset's reply that the shop overrides, or an entry it
    drops, reaches no customer of this shop and is not flagged here."""
    for stmt in stmts:
        for atom, what in _sent(stmt, parent):
            found = _flagged(atom.raw) if atom.value in sent else []
            if found:
                yield _finding(atom, found, what, file)
        if stmt.block is not None:
            yield from _findings(stmt.block.stmts, stmt, file, sent)


def _sent(stmt: Stmt, parent: Stmt | None) -> Iterator[tuple[Atom, str]]:
    """The atoms of `stmt` that hold text sent to customers, each with what it is."""
    head = stmt.head.value
    within = parent.head.value if parent is not None else None
    args = [atom for atom in stmt.args if atom.kind != "comma"]
    if within is None and head in ("shop", "faq") and len(args) >= 2:
        yield args[1], "the shop's name" if head == "shop" else f"the title of '{args[0].value}'"
        yield args[0], "the shop's id" if head == "shop" else "the entry's id"
    elif within in ("faq", "override") and head in ENTRY_FIELDS and args and parent is not None:
        entry = next((atom.value for atom in parent.args if atom.value != "faq"), "?")
        yield args[0], f"{ENTRY_FIELDS[head]} of '{entry}'"
    elif within in (None, "period") and head == "greeting" and args:
        yield args[0], "the greeting"
    elif within == "bot" and head in BOT_FIELDS and args:
        yield args[0], BOT_FIELDS[head]
    elif within == "staff" and head in STAFF and args:
        yield args[0], f"the name of {head} '{args[0].value}'"
    elif within is None and head == "faq" and args:
        yield args[0], "the entry's id"


def _flagged(raw: str) -> list[re.Match[str]]:
    """The overrides, embeddings and isolates in `raw`; its marks too when it has no right-to-left letter."""
    found = list(BIDI_RE.finditer(raw))
    marks = list(MARK_RE.finditer(raw))
    if marks and not _right_to_left(MARK_RE.sub("", raw)):
        found = sorted(found + marks, key=lambda match: match.start())
    return found


def _right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def _finding(atom: Atom, found: list[re.Match[str]], what: str, file: str) -> Diagnostic:
    char = found[0].group()
    column = atom.column + found[0].start()
    others = f" and {len(found) - 1} more such character{'s' * (len(found) > 2)}" if len(found) > 1 else ""
    if char in MARKS:
        message = f"{what} holds U+{ord(char):04X} ({MARKS[char]}) without a right-to-left letter{others}"
        help = "remove it: a mark only moves the digits and punctuation near it"
    else:
        message = f"{what} holds U+{ord(char):04X} ({BIDI[char]}){others}: it displays differently from what is sent"
        help = "remove it and write the text in the order it is read; right-to-left words need no override"
    return CODE.at(Span.at(file, atom.line, column, atom.line, column), message, help)
