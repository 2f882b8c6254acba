"""`kefu diff`'s output: a `RulesDiff` as lines for a terminal, or as Markdown for a pull-request comment.

Both read every change through `phrase`, so they say the same thing: a headline (what changed, with
its old and new value when that fits on the line), detail lines (asks, keywords, holidays, a reply's
old and new text) and `file:line` on both sides. Text from the rules (ids, asks, replies, names, file
names) goes through `kefu.dsl.visible`, so no control character reaches the terminal or breaks a line of
the comment; in Markdown it stands in code spans, so nothing in it is read as markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.dsl.compare import WRITTEN, Change, DiffDocument, RulesDiff
from kefu.dsl.visible import visible

COLOURS = {"red": 31, "green": 32, "yellow": 33, "magenta": 35}


def style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    """`text` in ANSI colour and weight; the command's echo strips them when the output is no terminal."""
    codes = ([str(COLOURS[fg])] if fg else []) + (["1"] if bold else []) + (["2"] if dim else [])
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


Quote = Callable[[str], str]  # how a value from the rules is shown: quoted (terminal) or a code span (Markdown)

SIGIL = {"added": "+", "removed": "-", "changed": "~"}
EMPTY = {
    "bot.fallback": "(the default fallback)",
    "bot.off_hours_reply": "(none)",
    "greeting": "(none)",
    "language": "(not set)",
}
TEXTS = ("bot.fallback", "bot.off_hours_reply", "greeting", "name")  # shown as old and new lines


@dataclass
class Phrase:
    """A change in words: what kind (added/removed/changed), the headline and detail lines (sign, text)."""

    how: str
    headline: str
    details: list[tuple[str, str]] = field(default_factory=list)


def terminal_quote(text: str) -> str:
    return f'"{visible(text)}"'


def plain(text: str) -> str:
    return visible(text)


def _value(setting: str, value: Any) -> str:
    """A setting's value as the language writes it."""
    if value is None:
        return "closed" if setting.startswith("hours.") else EMPTY.get(setting, "(not set)")
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _shown(setting: str, value: Any, q: Quote, v: Quote) -> str:
    """A setting's value: a text from the rules quoted, anything else (and a text not set) as kefu says it."""
    return q(value) if setting in TEXTS and value is not None else v(_value(setting, value))


def _setting_name(change: Change) -> str:
    setting = change.setting or ""
    if setting.startswith("hours."):
        name = f"hours {setting.split('.', 1)[1]}"
    elif setting == "uses":
        name = "presets used"
    else:
        name = WRITTEN.get(setting, setting)
    return name


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def phrase(change: Change, q: Quote, v: Quote) -> Phrase:
    """`change` in words; `q` shows a name or text from the rules, `v` a value kefu wrote."""
    kind = change.kind
    entry = v(change.entry or "")
    if kind == "shop_added":
        return Phrase("added", f"shop {v(change.shop)} added: {q(str(change.new))}")
    if kind == "shop_removed":
        return Phrase("removed", f"shop {v(change.shop)} removed: {q(str(change.old))}")
    if kind in ("entry_added", "entry_removed"):
        value = change.new if kind == "entry_added" else change.old
        how = "added" if kind == "entry_added" else "removed"
        asks = _counted(len(value["asks"]), "ask")
        return Phrase(how, f"entry {entry} {how}: {q(value['title'])}, {asks}", [("", f"reply {q(value['reply'])}")])
    if kind == "entry_renamed":
        return Phrase("changed", f"entry {v(change.old_entry or '')} renamed to {entry} (the same asks and reply)")
    if kind in ("asks_changed", "keywords_changed"):
        what = "asks" if kind == "asks_changed" else "keywords"
        lines = [("+", q(t)) for t in change.added] + [("-", q(t)) for t in change.removed]
        counts = ", ".join(
            part
            for part in (
                f"{len(change.added)} added" if change.added else "",
                f"{len(change.removed)} removed" if change.removed else "",
            )
            if part
        )
        return Phrase("changed", f"entry {entry} {what}: {counts}", lines)
    if kind == "reply_changed":
        return Phrase("changed", f"entry {entry} reply changed", [("-", q(change.old)), ("+", q(change.new))])
    if kind == "entry_changed":
        if change.setting == "auto":
            old, new = ("auto-send allowed" if x else "suggest only" for x in (change.old, change.new))
            return Phrase("changed", f"entry {entry}: {v(old)} -> {v(new)}")
        return Phrase("changed", f"entry {entry} {change.setting}: {q(str(change.old))} -> {q(str(change.new))}")
    if kind in ("period_added", "period_removed"):
        value = change.new if kind == "period_added" else change.old
        how = "added" if kind == "period_added" else "removed"
        details = [("", f"{WRITTEN.get(k, k)} {_shown(k, x, q, v)}") for k, x in value["settings"].items()]
        return Phrase(how, f"period {q(change.period or '')} {how}: {v(value['dates'])}", details)
    if kind in ("staff_added", "staff_removed"):
        value = change.new if kind == "staff_added" else change.old
        how = "added" if kind == "staff_added" else "removed"
        own = "" if value["auto_send"] is None else f", auto_send {_value('', value['auto_send'])}"
        return Phrase(
            how, f"staff {v(change.staff or '')} {how}: {v(value['role'])}, capacity {value['capacity']}{own}"
        )
    if kind == "staff_changed":
        old, new = (
            "(the shop's)" if x is None and change.setting == "auto_send" else _value("", x)
            for x in (change.old, change.new)
        )
        return Phrase("changed", f"staff {v(change.staff or '')} {change.setting}: {v(old)} -> {v(new)}")
    if kind == "synonyms_changed":
        lines = [("+", q(t)) for t in change.added] + [("-", q(t)) for t in change.removed]
        return Phrase("changed", "synonyms changed", lines)
    if kind == "tests_changed":
        changed = list(change.new or [])
        lines = [("+", plain(t)) for t in change.added] + [("-", plain(t)) for t in change.removed]
        lines += [("~", plain(t)) for t in changed]
        return Phrase("changed", "tests changed (no answer changes with them)", lines)
    # policy_changed
    prefix = f"period {q(change.period)} " if change.period else ""
    name = _setting_name(change)
    setting = change.setting or ""
    if setting == "holidays":
        lines = [("+", v(t)) for t in change.added] + [("-", v(t)) for t in change.removed]
        return Phrase("changed", f"{prefix}holidays: {len(change.added)} added, {len(change.removed)} removed", lines)
    if setting in TEXTS and (change.old is not None and change.new is not None):
        return Phrase("changed", f"{prefix}{name} changed", [("-", q(change.old)), ("+", q(change.new))])
    if setting in TEXTS:
        return Phrase(
            "changed", f"{prefix}{name}: {_shown(setting, change.old, q, v)} -> {_shown(setting, change.new, q, v)}"
        )
    return Phrase("changed", f"{prefix}{name}: {v(_value(setting, change.old))} -> {v(_value(setting, change.new))}")


def _where(change: Change) -> str:
    old, new = change.old_at, change.new_at
    if old and new:
        return f"{visible(old)} -> {visible(new)}"
    return visible(old or new or "")


def _unit(change: Change) -> str:
    return f"{change.unit} {change.shop}"


def owner_note(change: Change) -> str:
    return f"owner/admin only: {', '.join(change.owner_only)}"


def summary(diff: RulesDiff) -> str:
    """`3 changes in 1 shop, 1 only the owner or an admin may make (BOT-1)`, or that there are none."""
    if not diff.changes:
        return f"no changes in meaning between {visible(diff.old)} and {visible(diff.new)}"
    units = {_unit(c) for c in diff.changes}
    shops = sum(1 for unit in units if unit.startswith("shop "))
    presets = len(units) - shops
    where = " and ".join(
        part
        for part in (_counted(shops, "shop") if shops else "", _counted(presets, "preset") if presets else "")
        if part
    )
    text = f"{_counted(len(diff.changes), 'change')} in {where}"
    owner = diff.owner_only
    if owner:
        ids = sorted({i for c in owner for i in c.owner_only})
        text += f", {len(owner)} only the owner or an admin may make ({', '.join(ids)})"
    return text


def render_text(diff: RulesDiff) -> str:
    """The changes by shop, each with its place on both sides, styled (`style`)."""
    lines = [style(f"{visible(diff.old)} -> {visible(diff.new)}", bold=True)]
    unit = None
    colour = {"added": "green", "removed": "red", "changed": "yellow"}
    for change in diff.changes:
        if _unit(change) != unit:
            unit = _unit(change)
            lines.append(style(f"{change.unit} {visible(change.shop)}", bold=True))
        words = phrase(change, terminal_quote, plain)
        head = f"  {SIGIL[words.how]} {words.headline}"
        lines.append(style(head, fg=colour[words.how]))
        if change.owner_only:
            lines[-1] += "  " + style(f"[{owner_note(change)}]", fg="magenta", bold=True)
        for sign, text in words.details:
            lines.append(f"      {sign} {text}".rstrip() if sign else f"      {text}")
        where = _where(change)
        if where:
            lines.append(style(f"      {where}", dim=True))
    return "\n".join(lines)


def code(text: str) -> str:
    """`text` as a Markdown code span: control characters as escapes, a fence longer than any run of
    backticks in it, padded when it starts or ends with one."""
    shown = visible(text)
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def fence(lines: list[str], info: str = "") -> list[str]:
    """`lines` in a fenced code block whose fence is longer than any run of backticks in them."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    marks = "`" * max(3, longest + 1)
    return [f"{marks}{info}", *lines, marks]


def render_markdown(diff: RulesDiff) -> str:
    """A pull-request comment: a title, the summary in bold, then each shop's changes as a list, the
    owner/admin-only ones marked; asks, replies and holidays in a `diff` block under their change."""
    lines = [f"### kefu diff: {code(diff.old)} → {code(diff.new)}", ""]
    if not diff.changes:
        return "\n".join(lines + ["No changes in meaning."]) + "\n"
    lines.append(f"**{summary(diff)}**")
    unit = None
    for change in diff.changes:
        if _unit(change) != unit:
            unit = _unit(change)
            lines += ["", f"#### {change.unit} {code(change.shop)}", ""]
        words = phrase(change, code, code)
        mark = {"added": "➕", "removed": "➖", "changed": "✏️"}[words.how]
        owner = f" ⚠️ **{owner_note(change)}**" if change.owner_only else ""
        where = " → ".join(code(at) for at in (change.old_at, change.new_at) if at)
        lines.append(f"- {mark} {words.headline}{owner}" + (f" ({where})" if where else ""))
        details = phrase(change, terminal_quote, plain).details
        if details:
            block = [f"{sign} {text}" if sign else f"  {text}" for sign, text in details]
            lines += ["", *("  " + line for line in fence(block, "diff")), ""]
    return "\n".join(lines) + "\n"


def render_json(diff: RulesDiff) -> str:
    """`{"old", "new", "changes": [...], "counts": {"changes", "owner_only", "by_kind"}}` (docs/review.md)."""
    return json.dumps(DiffDocument.of(diff).model_dump(mode="json"), ensure_ascii=False, indent=2)
