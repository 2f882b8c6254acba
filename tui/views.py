"""What each part of the terminal UI shows, as Rich text made from a session: no widgets here, so every
view can be checked without a screen. Text from outside (messages, names) is shown with its control
characters made visible, as everywhere in kefu's human output.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from kefu.dsl.visible import visible
from kefu.engine import clock
from kefu.engine.inbox import Conversation
from kefu.engine.why import Why
from kefu.engine.wording import Wording, wording
from kefu.tui.session import Session
from kefu.tui.transcript import Line

LISTS = ("all", "unread", "unreplied", "queue")


@dataclass(frozen=True, slots=True)
class Row:
    """One conversation in the inbox."""

    id: str
    customer: str | None
    agent: str | None
    unread: bool
    unreplied: bool
    queued: bool
    open: bool  # a session is open
    last: str  # the last line's text


def inbox(session: Session, which: str = "all", limit: int | None = None) -> tuple[list[Row], int]:
    """The inbox of the current shop, newest activity first: every conversation of the session, with
    the live state's lists (AR-5, AR-7, BOT-5, BOT-7). `which`: all, unread, unreplied or queue.
    Returns the first `limit` rows (all by default) and how many conversations the list holds."""
    state = session.state
    transcripts = session.transcripts
    rows: list[Row] = []
    count = 0
    for conversation in transcripts.newest_first():
        if limit is not None and len(rows) >= limit and which == "all":
            return rows, len(transcripts.lines)  # every conversation is in the list: none left to look at
        live: Conversation | None = state.conversations.get(conversation)
        if which != "all" and not (live and getattr(live, "queued" if which == "queue" else which)):
            continue
        count += 1
        if limit is not None and len(rows) >= limit:
            continue
        rows.append(
            Row(
                id=conversation,
                customer=transcripts.customers.get(conversation),
                agent=live.agent if live else None,
                unread=bool(live and live.unread),
                unreplied=bool(live and live.unreplied),
                queued=bool(live and live.queued),
                open=bool(live and live.session is not None),
                last=transcripts.of(conversation)[-1].text,
            )
        )
    return rows, count


def inbox_row(row: Row, words: Wording, width: int = 24) -> Text:
    """`● c1 王小明 [未回覆]` and the last line under it."""
    text = Text()
    text.append("● " if row.unread else "  ", style="bold red")
    text.append(visible(row.id), style="bold")
    if row.customer:
        text.append(f" {visible(row.customer)}")
    if row.unreplied:
        text.append(f" {words.unreplied}", style="reverse red")
    if row.queued:
        text.append(" queued", style="italic yellow")
    text.append("\n  ")
    text.append(_cut(visible(" ".join(row.last.split())), width), style="dim")
    return text


def _cut(text: str, width: int) -> str:
    """At most `width` terminal cells (a CJK character takes two), with … when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 1)).rstrip() + "…"


def agent_line(line: Line) -> Text:
    """A line as an agent sees it: who, the text, and the label under it (AR-6, BOT-6); notices as
    system messages (AR-7, BOT-7, STOP-2)."""
    text = Text()
    when = f"{line.time:%H:%M} "
    if line.side == "system":
        text.append(when, style="dim")
        text.append(f"⚠ {visible(line.text)}", style="italic yellow")
        return text
    who = {"customer": "customer", "assistant": "assistant", "agent": line.agent or "agent", "shop": "shop"}[line.side]
    text.append(when, style="dim")
    text.append(f"{visible(who)}: ", style="bold cyan" if line.side == "customer" else "bold green")
    text.append(visible(line.text))
    if line.label:
        text.append(f"\n      [{line.label}]", style="magenta")
    if line.rated is not None:
        text.append("\n      " + rating_text(line, None), style="dim")
    return text


def customer_line(line: Line, words: Wording) -> Text:
    """A line as the customer sees it: no label for assist (AR-6), the bot's label (BOT-6), and under a
    bot answer the rating (BOT-8)."""
    text = Text()
    mine = line.side == "customer"
    text.append(f"{line.time:%H:%M} ", style="dim")
    text.append("me: " if mine else "shop: ", style="bold cyan" if mine else "bold green")
    text.append(visible(line.text))
    if line.customer_label:
        text.append(f"\n      {line.customer_label}", style="magenta")
    if line.ratable:
        text.append("\n      " + rating_text(line, words), style="dim" if line.rated else "underline")
    return text


def rating_text(line: Line, words: Wording | None) -> str:
    """What the rating under an answer says: the customer's verdict, or how to give one."""
    rated = line.rated
    if rated is None:
        if words is None:
            return ""
        return f"[s] {words.solved}  [u] {words.unsolved}"
    if words is None:
        verdict = "solved" if rated.solved else f"unsolved ({rated.reason.value if rated.reason else ''})"
        return f"rated: {verdict}" + (f' "{visible(rated.text)}"' if rated.text else "")
    verdict = (
        words.solved
        if rated.solved
        else f"{words.unsolved}: {words.reasons[rated.reason.value]}"
        if (rated.reason)
        else words.unsolved
    )
    return f"✓ {verdict}" + (f" — {visible(rated.text)}" if rated.text else "")


STANDING = {"always": "working hours", "holiday": "holiday", "working": "working hours", "off": "off hours"}


def clock_text(session: Session, short: bool = False) -> str:
    """`Tue 2026-11-24 23:30 · off hours · period 'sale'` (`short`: without the year)."""
    local = session.local()
    state = STANDING[session.timetable().standing(local)]
    in_force = clock.period_at(session.shop, local.date())
    period = in_force.name if in_force is not None else None
    when = f"{local:%a %m-%d %H:%M}" if short else f"{local:%a %Y-%m-%d %H:%M}"
    return f"{when} · {state}" + (f" · period '{visible(period)}'" if period else "")


def agents_text(session: Session) -> Text:
    """Each agent online (●) or offline (○) with load / capacity."""
    state = session.state
    text = Text()
    for agent in state.agents.values():
        mark = "●" if agent.online else "○"
        text.append(
            f"{mark}{visible(agent.name)} {state.loads.get(agent.name, 0)}/{agent.capacity}  ",
            style="green" if agent.online else "dim",
        )
    return text


def switches_text(session: Session) -> str:
    """The assist and bot switches as they stand now (rules, period, or flipped at run time)."""
    now = session.switches()
    on = {True: "on", False: "off"}
    return f"assist {on[now.assist]} (auto-send {on[now.auto_send]}) · bot {on[now.bot]}" + (
        f" ({now.bot_when.value})" if now.bot else ""
    )


def why_text(why: Why | None) -> Text:
    """The why panel: the match and the policy path, each step with the rule's file:line."""
    text = Text()
    if why is None:
        text.append("kefu keeps no why for this line (only the assistant's messages and suggestions have one)")
        return text
    matched = why.matched
    route = next((step.value for step in why.policy if step.what == "route"), None)
    if matched is not None:
        best = matched.candidates[0] if matched.candidates else None
        levels = matched.levels
        text.append(f"{matched.decision}", style="bold magenta")
        if best is not None:
            text.append(f": {visible(best.entry)}, score {best.score:.1f} (auto-send at {levels.confidence})")
        text.append(f", margin {matched.margin:.1f} (needs {levels.margin})")
        if levels.rule:
            text.append(f"  {visible(levels.rule)}", style="cyan")
        text.append("\n")
    if route:
        text.append(f"{visible(route)}\n", style="bold")
    text.append("\n")
    if matched is not None:
        text.append("The message\n", style="bold")
        text.append(f"  {visible(matched.message)}\n  read as {visible(matched.normalised)}\n")
        for found, used in matched.synonyms:
            text.append(f"  synonym: {visible(found)} -> {visible(used)}\n")
        text.append("\nThe best entries\n", style="bold")
        for candidate in matched.candidates:
            text.append(f"  {visible(candidate.entry):<24} score {candidate.score:5.1f}  raw {candidate.raw:.3f}\n")
            text.append(f"    ask: {visible(candidate.ask)}\n", style="dim")
        levels = matched.levels
        text.append(
            f"\n  margin {matched.margin:.1f} (needs {levels.margin}); auto-send at {levels.confidence}, suggest at "
            f"{levels.suggest}, repeat limit {levels.repeat_limit}: {matched.decision}\n"
        )
        if levels.rule:
            text.append(f"  levels set at {visible(levels.rule)}\n", style="cyan")
        if matched.reason:
            text.append(f"  {visible(matched.reason)}\n")
    text.append("\nThe policy\n", style="bold")
    for step in why.policy:
        text.append(f"  {step.what:<13}{visible(step.value)}")
        if step.rule:
            text.append(f"  {visible(step.rule)}", style="cyan")
        text.append("\n")
    return text


def words_of(session: Session) -> Wording:
    return wording(session.shop.language)
