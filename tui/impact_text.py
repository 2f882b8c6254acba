"""`kefu impact`'s output: an `Impact` as lines for a terminal, as Markdown for a pull-request
comment, or as JSON.

Text and Markdown say the same things in the same order: a headline with the counts, then each group
(the biggest first) with its change, its entries, its count, a few example messages with where each
was written, and the `why` of both sides for the first example. Text from outside (messages, entry
ids, file names) goes through `kefu.dsl.visible`; in Markdown it stands in code spans.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from kefu.dsl.visible import visible
from kefu.engine.impact import LEVEL_WORDS, Changed, Group, Impact, Verdict, change_words
from kefu.engine.why import Why
from kefu.tui.diff_text import code, fence

CLIP = 60  # characters of a message shown on its line


def clip(text: str, width: int = CLIP) -> str:
    shown = visible(text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def summary(impact: Impact) -> str:
    """One line: how many messages changed of how many, in how many groups."""
    groups = len(impact.groups)
    head = f"{impact.changed} of {impact.messages} message{'s' * (impact.messages != 1)} changed"
    if not impact.changed:
        return f"no decision changed ({impact.messages} message{'s' * (impact.messages != 1)} replayed)"
    return f"{head}, in {groups} group{'s' * (groups != 1)}"


def sources(impact: Impact) -> str:
    """What was replayed: `12 test, 300 corpus, 40 db`."""
    return ", ".join(f"{count} {kind}" for kind, count in impact.sources.items()) or "nothing"


def verdict(side: Verdict) -> str:
    """`auto-send shipping.free (96)`, `nothing`."""
    words = LEVEL_WORDS[side.level]
    entry = f" {visible(side.entry)}" if side.entry else ""
    score = f" ({side.score:g})" if side.score is not None and side.entry else ""
    return f"{words}{entry}{score}"


def group_title(group: Group, quote: Callable[[str], str] = visible, arrow: str = "->") -> str:
    """`auto-send -> suggest: shipping.free`, `another entry: shipping.free -> shipping.fee`; `quote`
    shows an entry id (a code span in Markdown)."""
    old, new = group.old_entry, group.new_entry
    if old == new or old is None or new is None:
        entries = quote(old or new or "") if (old or new) else ""
    else:
        entries = f"{quote(old)} {arrow} {quote(new)}"
    return f"{change_words(group.change)}" + (f": {entries}" if entries else "")


def why_line(why: Why | None) -> list[str]:
    """The `why` of one side in a few lines: the matcher's reason with its best entries, then how the
    message was routed (for a replayed stream)."""
    if why is None:
        return ["(nothing matched)"]
    lines = []
    if why.matched is not None:
        matched = why.matched
        best = ", ".join(f"{visible(c.entry)} {c.score:g} (raw {c.raw:.3f})" for c in matched.candidates[:2])
        lines.append(visible(matched.reason) + (f"  [{best}]" if best else ""))
    for step in why.policy:
        if step.what in ("route", "hours", "period", "stopped", "actions"):
            rule = f"  [{visible(step.rule)}]" if step.rule else ""
            lines.append(f"{step.what}: {visible(step.value)}{rule}")
    return lines or ["(no reason recorded)"]


def example_line(change: Changed) -> str:
    follows = f"  (after the change at {visible(change.follows)})" if change.follows else ""
    return f"{clip(change.text)!r}  {visible(change.where)}  {verdict(change.old)} -> {verdict(change.new)}{follows}"


def render_text(impact: Impact) -> str:
    lines = [f"kefu impact: {visible(impact.base)} -> {visible(impact.rules)}: {summary(impact)}"]
    lines.append(f"  replayed: {sources(impact)}")
    for shop in impact.shops:
        lines.append(
            f"  shop {visible(shop.shop)}: {shop.changed} of {shop.messages} changed; plain messages: {shop.path} "
            f"path, {shop.rescored} scored again ({visible(shop.reason)})"
        )
    for note in impact.notes:
        lines.append(f"  note: {visible(note)}")
    for group in impact.groups:
        lines += ["", f"{group.count:>5}  {group_title(group)}"]
        for change in group.examples:
            lines.append(f"       {example_line(change)}")
        first = group.examples[0]
        for label, why in (("before", first.old_why), ("now", first.new_why)):
            for number, line in enumerate(why_line(why)):
                lines.append(f"         {label + ':' if number == 0 else '':<8}{line}")
        if group.count > len(group.examples):
            lines.append(f"       ... and {group.count - len(group.examples)} more")
    return "\n".join(lines)


def render_markdown(impact: Impact) -> str:
    """A pull-request comment: the title, the summary in bold, a table of the groups, then each
    group's examples and the why of its first example."""
    lines = [f"### kefu impact: {code(impact.base)} → {code(impact.rules)}", ""]
    lines.append(f"**{summary(impact)}** (replayed: {sources(impact)})")
    for note in impact.notes:
        lines += ["", f"> {visible(note)}"]
    if not impact.groups:
        return "\n".join(lines) + "\n"
    lines += ["", "| messages | change | entries |", "|---:|---|---|"]
    for group in impact.groups:
        old, new = group.old_entry, group.new_entry
        one = old == new or old is None or new is None
        entries = (code(old or new or "") if (old or new) else "") if one else f"{code(old)} → {code(new)}"
        lines.append(f"| {group.count} | {change_words(group.change)} | {entries} |")
    for group in impact.groups:
        lines += ["", f"#### {group.count} × {group_title(group, code, '→')}", ""]
        for change in group.examples:
            sides = f"{code(verdict(change.old))} → {code(verdict(change.new))}"
            follows = f" (after the change at {code(change.follows)})" if change.follows else ""
            lines.append(f"- {code(change.text)} ({code(change.where)}): {sides}{follows}")
        if group.count > len(group.examples):
            lines.append(f"- … and {group.count - len(group.examples)} more")
        first = group.examples[0]
        block = [f"before: {line}" for line in why_line(first.old_why)]
        block += [f"now:    {line}" for line in why_line(first.new_why)]
        lines += ["", *fence(block)]
    return "\n".join(lines) + "\n"


def render_json(impact: Impact) -> str:
    """The `Impact` model as one JSON object (keys in docs/impact.md)."""
    return json.dumps(impact.model_dump(mode="json"), ensure_ascii=False, indent=2)
