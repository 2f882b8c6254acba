"""`kefu eval`'s figures (engine.evaluation): suggestion precision@3 beside recall@3 (issue 12, IR-3, D-8)."""

from __future__ import annotations

from kefu.engine.evaluation import Query, needed_for, precision_low, report
from kefu.engine.match import Candidate, Decision, Match
from kefu.engine.normalize import Normalized
from kefu.engine.rules import Matching


def match(decision: Decision, *entries: str) -> Match:
    return Match(
        message=Normalized(original="m", text="m"),
        candidates=tuple(Candidate(entry=e, score=0.0, raw=0.5, ask="a") for e in entries),
        margin=10.0,
        decision=decision,
        levels=Matching(),
    )


def test_IR3_suggestion_precision_at_3_is_the_share_of_suggested_queries_whose_top_3_hold_the_entry() -> None:
    """Of the queries that got suggestions (suggest or auto-send), those whose top 3 hold the expected
    entry; an out-of-scope query that got suggestions is wrong; a query with no answer is not counted."""
    results = [
        (Query(text="1", expect="a"), match(Decision.suggest, "b", "c", "a")),  # right, third
        (Query(text="2", expect="a"), match(Decision.auto_send, "a", "b")),  # right, first
        (Query(text="3", expect="a"), match(Decision.suggest, "b", "c", "d", "a")),  # fourth: wrong
        (Query(text="4", expect=None), match(Decision.suggest, "a")),  # out of scope, suggested: wrong
        (Query(text="5", expect="a"), match(Decision.none, "a")),  # no suggestion: not counted
        (Query(text="6", expect=None), match(Decision.none, "a")),  # no suggestion: not counted
    ]
    figures = report(results, Matching())
    assert figures.suggest_precision_at_3 == 0.5  # 2 of 4
    assert figures.suggest_recall_at_3 == 0.75  # unchanged: 3 of 4 in scope hold it in the top 3
    assert report([], Matching()).suggest_precision_at_3 == 0.0


def test_IR3_the_report_counts_the_auto_sends_its_precision_is_a_share_of() -> None:
    """`auto_sends`: every query auto-sent, in scope or not; auto_precision is right / auto_sends."""
    results = [
        (Query(text="1", expect="a"), match(Decision.auto_send, "a")),  # right
        (Query(text="2", expect="a"), match(Decision.auto_send, "b")),  # wrong entry
        (Query(text="3", expect=None), match(Decision.auto_send, "a")),  # out of scope: wrong
        (Query(text="4", expect="a"), match(Decision.suggest, "a")),  # suggested: not counted
    ]
    figures = report(results, Matching())
    assert figures.auto_sends == 3 and figures.auto_precision == round(1 / 3, 4)
    assert report([], Matching()).auto_sends == 0


def test_a_precision_on_few_auto_sends_shows_its_lower_bound() -> None:
    """The 95% Wilson interval's lower end: 25 of 25 right is at least 86.7%, 95 of 100 at least 88.8%,
    2,000 of 2,000 at least 99.8%; with nothing sent nothing is shown."""
    assert precision_low(25, 25) == 0.8668
    assert precision_low(95, 100) == 0.8882
    assert precision_low(2000, 2000) == 0.9981
    assert precision_low(0, 0) == 0.0 and precision_low(0, 10) == 0.0


def test_how_many_auto_sends_would_show_a_target() -> None:
    """At 100% right, 73 auto-sends show 95% (72 do not); at or under the target, no number does."""
    assert needed_for(1.0, 0.95) == 73
    assert precision_low(73, 73) >= 0.95 > precision_low(72, 72)
    needed = needed_for(0.98, 0.95)
    assert needed is not None and precision_low(round(0.98 * needed), needed) >= 0.95
    assert needed_for(0.95, 0.95) is None and needed_for(0.9, 0.95) is None
