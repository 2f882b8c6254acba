"""engine/impact.py: each kind of change `kefu impact` names, for plain messages (decided as
`kefu ask` decides them) and for streams replayed through the whole policy, and how changes group."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kefu.engine.corpus import Message, Played, Stream
from kefu.engine.decide import CompiledShop
from kefu.engine.events import CustomerMessage
from kefu.engine.impact import Changed, Verdict, change_of, compare_plain, compare_stream, group
from tests.engine.impact_shops import EXPECTED, UNCHANGED, new_text, old_text, shop_of, write


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledShop, CompiledShop]:
    folder = tmp_path_factory.mktemp("impact")
    (folder / ".git").mkdir()
    old = shop_of(write(folder / "old", old_text()))
    new = shop_of(write(folder / "new", new_text()))
    return CompiledShop(old), CompiledShop(new)


def plain(texts: list[str]) -> list[Message]:
    return [Message(text=text, shop="s", kind="corpus", where=f"q.jsonl:{n}") for n, text in enumerate(texts, 1)]


@pytest.mark.parametrize("fast", [True, False])
def test_each_plain_change_is_named_by_its_two_levels_or_entry(
    sides: tuple[CompiledShop, CompiledShop], fast: bool
) -> None:
    """auto-send -> suggest, suggest -> auto-send, suggest -> nothing, nothing -> suggest,
    auto-send -> nothing and another entry: each its own change, with both entries (D-8, KB-3)."""
    old, new = sides
    changed, figures = compare_plain("s", old, new, plain([*EXPECTED, *UNCHANGED]), fast=fast)
    got = {c.text: (c.change, c.old.entry, c.new.entry) for c in changed}
    assert got == EXPECTED
    assert figures.messages == len(EXPECTED) + len(UNCHANGED) and figures.changed == len(EXPECTED)
    assert figures.path == ("fast" if fast else "full")
    refund = next(c for c in changed if c.text == "how do i get a refund")
    assert refund.old_why is not None and refund.old_why.matched is not None
    assert refund.old_why.matched.decision == "auto_send" and "exact ask" in refund.old_why.matched.reason
    assert refund.new_why is not None and "auto never" in refund.new_why.matched.reason  # type: ignore[union-attr]


def night(texts: list[str]) -> Stream:
    """One conversation each, no agent online: the bot (on all day) takes them."""
    start = dt.datetime(2026, 11, 24, 23, 0, tzinfo=dt.UTC)
    events = tuple(
        Played(
            event=CustomerMessage(time=start + dt.timedelta(minutes=n), conversation=f"c{n}", text=text),
            where=f"night.jsonl:{n + 1}",
        )
        for n, text in enumerate(texts)
    )
    return Stream(kind="events", name="night.jsonl", events=events)


def test_the_bot_answer_turns_fallback_and_back_in_a_replayed_stream(sides: tuple[CompiledShop, CompiledShop]) -> None:
    """BOT-4, BOT-7: replayed in time, the entry that became 'auto never' is no longer answered by the
    bot (answer -> fallback), the one that stopped being so is (fallback -> answer)."""
    old, new = sides
    changed, counted = compare_stream(
        night(["how do i get a refund", "is there a warranty", "reset my password"]), {"s": old}, {"s": new}
    )
    assert counted == {"s": 3}
    got = {c.text: (c.change, c.old, c.new) for c in changed}
    assert got["how do i get a refund"][0] == "answer->fallback"
    assert got["how do i get a refund"][1].entry == "refund" and got["how do i get a refund"][2].entry is None
    assert got["is there a warranty"][0] == "fallback->answer"
    assert "reset my password" not in got
    fallback = next(c for c in changed if c.change == "answer->fallback")
    assert fallback.new_why is not None and any(step.what == "route" for step in fallback.new_why.policy)


def test_a_stream_replays_in_time_so_an_agent_online_gets_assist_not_the_bot(
    sides: tuple[CompiledShop, CompiledShop],
) -> None:
    old, new = sides
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    from kefu.engine.events import AgentOnline

    stream = Stream(
        kind="events",
        name="day.jsonl",
        events=(
            Played(event=AgentOnline(time=start, agent="mia"), where="day.jsonl:1"),
            Played(
                event=CustomerMessage(time=start, conversation="c1", text="how do i get a refund"), where="day.jsonl:2"
            ),
        ),
    )
    changed, _ = compare_stream(stream, {"s": old}, {"s": new})
    assert [(c.change, c.where) for c in changed] == [("auto_send->suggest", "day.jsonl:2")]


def verdict(level: str, entry: str | None = None) -> Verdict:
    return Verdict(level=level, entry=entry)  # type: ignore[arg-type]


def test_change_names() -> None:
    assert change_of(verdict("auto_send", "a"), verdict("auto_send", "a")) is None
    assert change_of(verdict("auto_send", "a"), verdict("auto_send", "b")) == "entry"
    assert change_of(verdict("suggest", "a"), verdict("auto_send", "b")) == "suggest->auto_send"
    assert change_of(verdict("none"), verdict("fallback")) == "none->fallback"


def changed_message(number: int, change: str, old: Verdict, new: Verdict) -> Changed:
    return Changed(shop="s", kind="corpus", where=f"q:{number}", text=f"m{number}", change=change, old=old, new=new)


def test_groups_are_by_change_and_entries_biggest_first_with_a_few_examples() -> None:
    a_to_b = [changed_message(n, "entry", verdict("suggest", "a"), verdict("suggest", "b")) for n in range(5)]
    down = [
        changed_message(10 + n, "auto_send->suggest", verdict("auto_send", "a"), verdict("suggest", "a"))
        for n in range(2)
    ]
    down_c = [changed_message(20, "auto_send->suggest", verdict("auto_send", "c"), verdict("suggest", "c"))]
    groups = group(down_c + down + a_to_b)
    assert [(g.change, g.old_entry, g.new_entry, g.count) for g in groups] == [
        ("entry", "a", "b", 5),
        ("auto_send->suggest", "a", "a", 2),
        ("auto_send->suggest", "c", "c", 1),
    ]
    assert [e.where for e in groups[0].examples] == ["q:0", "q:1", "q:2"]


def test_nothing_changes_when_the_rules_are_the_same(sides: tuple[CompiledShop, CompiledShop], tmp_path: Path) -> None:
    old, _ = sides
    changed, figures = compare_plain("s", old, old, plain([*EXPECTED, *UNCHANGED]))
    assert changed == [] and figures.path == "same"
