"""What a change to the rules does to real messages: every message whose decision changed between
the old rules and the new, grouped (`kefu impact`).

Two kinds of message (`engine.corpus`):

- **plain messages** (the shops' test cases, eval query files) are decided as `kefu ask` decides
  them: the matcher at the shop's own levels, no clock. Their verdict is auto-send, suggest or
  nothing, with the best entry. `engine.rescore` decides them, scoring again only the messages whose
  new decision the change could make another;
- **streams** (scenarios, `kefu simulate` event files, the runs in the store) are replayed in time
  through the whole policy, each from its start, once with the old rules and once with the new; each
  customer message's verdict is read from the actions its own step took: the bot's answer, assist's
  auto-send, the bot's fallback, a repeat stop, the off-hours reply, a suggestion, or nothing. A change
  early in a conversation can change what follows it; both are listed.

A message changed when its verdict's level or entry differs. Its change is named by the two levels
(`auto_send->suggest`, `answer->fallback`, `suggest->none`, ...), or `entry` when the level is the
same and the entry is another. Changes are grouped by change and entries, the biggest group first;
the first example of each group carries the `why` of both sides (`engine.why`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kefu.engine import clock
from kefu.engine.corpus import CorpusError, Message, Stream
from kefu.engine.decide import CompiledShop
from kefu.engine.events import Action, CustomerMessage, Kind, Notice, Send, Sender, Suggest
from kefu.engine.explain import matched
from kefu.engine.match import Decision, Match
from kefu.engine.rescore import Decided, Path, compare_messages
from kefu.engine.simulate import Simulation
from kefu.engine.why import PolicyStep, Why

Level = Literal["auto_send", "answer", "suggest", "fallback", "stop", "off_hours_reply", "none"]
EXAMPLES = 3  # examples kept per group
LEVEL_WORDS: dict[str, str] = {
    "auto_send": "auto-send",
    "answer": "bot answer",
    "suggest": "suggest",
    "fallback": "fallback",
    "stop": "repeat stop",
    "off_hours_reply": "off-hours reply",
    "none": "nothing",
}
PLAIN_LEVEL: dict[Decision, Level] = {
    Decision.auto_send: "auto_send",
    Decision.suggest: "suggest",
    Decision.none: "none",
}
ENTRY = "entry"  # the change of a message answered at the same level by another entry


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Verdict(_Frozen):
    """What one message got: the level, the entry (None for nothing, a fallback, an off-hours reply)
    and the best entry's score where one was matched."""

    level: Level
    entry: str | None = None
    score: float | None = None


class Changed(_Frozen):
    """A message whose verdict changed."""

    shop: str
    kind: str  # test | corpus | scenario | events | db
    where: str  # file:line, a scenario step, a stored event
    text: str
    change: str  # `entry`, or `old->new` levels
    old: Verdict
    new: Verdict
    old_why: Why | None = None  # kept for the first example of each group
    new_why: Why | None = None
    follows: str | None = None  # in a stream: where an earlier message of the same conversation changed


class Group(_Frozen):
    """Messages with the same change between the same entries."""

    change: str
    old_entry: str | None
    new_entry: str | None
    count: int
    examples: tuple[Changed, ...]


class ShopImpact(_Frozen):
    """One shop's figures: messages compared, changed, and how the plain messages were decided."""

    shop: str
    messages: int
    changed: int
    path: Path  # same | fast | full (see engine.rescore)
    reason: str
    rescored: int  # distinct plain messages scored again with the new rules


class Impact(_Frozen):
    """The whole comparison."""

    base: str
    rules: str
    messages: int
    changed: int
    sources: dict[str, int]  # messages compared, by kind
    shops: tuple[ShopImpact, ...]
    groups: tuple[Group, ...]
    notes: tuple[str, ...] = ()  # shops on one side only, streams skipped


def change_of(old: Verdict, new: Verdict) -> str | None:
    """The name of the change, or None when the verdict is the same."""
    if old.level != new.level:
        return f"{old.level}->{new.level}"
    if old.entry != new.entry:
        return ENTRY
    return None


def change_words(change: str) -> str:
    """`auto_send->suggest` as people read it: `auto-send -> suggest`."""
    if change == ENTRY:
        return "another entry"
    old, _, new = change.partition("->")
    return f"{LEVEL_WORDS.get(old, old)} -> {LEVEL_WORDS.get(new, new)}"


# -- plain messages -------------------------------------------------------------------------------


def _plain_verdict(decided: Decided) -> Verdict:
    level: Level = PLAIN_LEVEL[decided.decision]
    score = None
    if decided.match is not None and decided.match.best is not None:
        score = decided.match.best.score
    return Verdict(level=level, entry=decided.entry, score=score)


def plain_why(match: Match | None) -> Why | None:
    """The `why` of a plain message: what the matcher made of it (`kefu ask --explain`)."""
    if match is None:
        return None
    return Why(matched=matched(match), policy=(PolicyStep(what="decided", value="as kefu ask: the shop's own levels"),))


def compare_plain(
    shop: str,
    old: CompiledShop,
    new: CompiledShop,
    messages: Sequence[Message],
    fast: bool = True,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Changed], ShopImpact]:
    """The plain messages of one shop, each distinct text decided once per side."""
    texts = list(dict.fromkeys(message.text for message in messages))
    outcome = compare_messages(
        old.matcher,
        new.matcher,
        old.shop.policy.matching,
        new.shop.policy.matching,
        texts,
        fast=fast,
        progress=progress,
    )
    by_text = {pair.text: pair for pair in outcome.pairs}
    changed = []
    for message in messages:
        pair = by_text[message.text]
        before, after = _plain_verdict(pair.old), _plain_verdict(pair.new)
        change = change_of(before, after)
        if change is None:
            continue
        changed.append(
            Changed(
                shop=shop,
                kind=message.kind,
                where=message.where,
                text=message.text,
                change=change,
                old=before,
                new=after,
                old_why=plain_why(pair.old.match),
                new_why=plain_why(pair.new.match),
            )
        )
    figures = ShopImpact(
        shop=shop,
        messages=len(messages),
        changed=len(changed),
        path=outcome.path,
        reason=outcome.reason,
        rescored=outcome.rescored,
    )
    return changed, figures


# -- streams --------------------------------------------------------------------------------------


def stream_verdict(actions: Iterable[Action]) -> tuple[Verdict, Why | None]:
    """What a customer message's own step did, strongest first, and the `why` of that action."""
    actions = list(actions)
    sends = [a for a in actions if isinstance(a, Send)]
    for send in sends:
        if send.kind == Kind.answer:
            level: Level = "auto_send" if send.sender == Sender.assist else "answer"
            return Verdict(level=level, entry=send.entry, score=send.score), send.why
    for send in sends:
        if send.kind == Kind.fallback:
            return Verdict(level="fallback"), send.why
    for action in actions:
        if isinstance(action, Notice) and action.reason == "repeat_limit":
            best = action.why.matched.candidates[0] if action.why and action.why.matched else None
            return Verdict(level="stop", entry=best.entry if best else None), action.why
    for send in sends:
        if send.kind == Kind.off_hours_reply:
            return Verdict(level="off_hours_reply"), send.why
    for action in actions:
        if isinstance(action, Suggest) and action.suggestions:
            top = action.suggestions[0]
            return Verdict(level="suggest", entry=top.entry, score=top.score), action.why
    return Verdict(level="none"), None


NO_WHY = {
    "off_hours_reply": "the off-hours reply: smart reception had stopped in this conversation (D-2), so the bot "
    "did not answer or fall back again",
    "none": "no answer, fallback or suggestion: smart reception had stopped in this conversation (D-2), a human "
    "holds it, or nothing reached the suggest level",
}


def _nothing_why(rules: CompiledShop, event: CustomerMessage, level: str) -> Why:
    """The `why` of a verdict no action explains (nothing, the off-hours reply): what the matcher made
    of the message at the levels in force then, and what the step did instead."""
    local = rules.timetable.local(clock.aware(rules.shop, event.time))
    match = rules.matcher.match(event.text, rules.timetable.policy_at(local).matching, top=3)
    note = PolicyStep(what="actions", value=NO_WHY.get(level, NO_WHY["none"]))
    return Why(matched=matched(match), policy=(note,))


def compare_stream(
    stream: Stream,
    old: Mapping[str, CompiledShop],
    new: Mapping[str, CompiledShop],
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Changed], Counter[str]]:
    """One stream replayed with each side's rules (shops on both sides only): the customer messages
    whose verdict changed, and the customer messages compared per shop. An event that cannot be
    played (an unknown shop with several, time running backwards) is a `CorpusError`."""
    sides = [
        Simulation(
            {i: rules.shop for i, rules in compiled.items()}, compile=lambda s, c=compiled: c[s.id], explain=True
        )
        for compiled in (old, new)
    ]
    changed: list[Changed] = []
    counted: Counter[str] = Counter()
    first_change: dict[tuple[str, str], str] = {}  # (shop, conversation) -> where its first change was
    for played in stream.events:
        event = played.event
        if event.shop is not None and event.shop not in new:
            continue  # a shop on one side only, or not in the rules
        results = [side.play(event) for side in sides]
        for result in results:
            if not isinstance(result, list):
                raise CorpusError(f"{played.where}: {result.message}")
        if progress is not None:
            progress(1)
        if not isinstance(event, CustomerMessage):
            continue
        before_steps, after_steps = results
        assert isinstance(before_steps, list) and isinstance(after_steps, list)
        shop = before_steps[-1].shop
        counted[shop] += 1
        before, old_why = stream_verdict(before_steps[-1].actions)
        after, new_why = stream_verdict(after_steps[-1].actions)
        change = change_of(before, after)
        if change is None:
            continue
        conversation = (shop, event.conversation)
        changed.append(
            Changed(
                shop=shop,
                kind=stream.kind,
                where=played.where,
                text=event.text,
                change=change,
                old=before,
                new=after,
                old_why=old_why or _nothing_why(old[shop], event, before.level),
                new_why=new_why or _nothing_why(new[shop], event, after.level),
                follows=first_change.get(conversation),
            )
        )
        first_change.setdefault(conversation, played.where)
    return changed, counted


def _rule(rule: str | None, rename: Callable[[str], str]) -> str | None:
    if rule is None or ":" not in rule:
        return rule
    file, _, line = rule.rpartition(":")
    return f"{rename(file)}:{line}" if line.isdigit() else rule


def renamed(change: Changed, rename: Callable[[str], str]) -> Changed:
    """The change with the files of its old side's `why` named by `rename` (the old rules are read
    from a temporary copy of a revision: `REV:path` names them as `kefu diff` does)."""
    why = change.old_why
    if why is None:
        return change
    policy = tuple(step.model_copy(update={"rule": _rule(step.rule, rename)}) for step in why.policy)
    found = why.matched
    if found is not None:
        levels = found.levels.model_copy(update={"rule": _rule(found.levels.rule, rename)})
        found = found.model_copy(update={"levels": levels})
    return change.model_copy(update={"old_why": why.model_copy(update={"matched": found, "policy": policy})})


# -- grouping ---------------------------------------------------------------------------------------


def group(changed: Iterable[Changed]) -> tuple[Group, ...]:
    """Changes grouped by (change, old entry, new entry), the biggest group first; a few examples
    each, the first with the `why` of both sides and the rest without."""
    groups: defaultdict[tuple[str, str | None, str | None], list[Changed]] = defaultdict(list)
    for change in changed:
        groups[(change.change, change.old.entry, change.new.entry)].append(change)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0][0], item[0][1] or "", item[0][2] or ""))
    return tuple(
        Group(
            change=key[0],
            old_entry=key[1],
            new_entry=key[2],
            count=len(members),
            examples=tuple(
                member if number == 0 else member.model_copy(update={"old_why": None, "new_why": None})
                for number, member in enumerate(members[:EXAMPLES])
            ),
        )
        for key, members in ordered
    )
