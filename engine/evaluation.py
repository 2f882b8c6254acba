"""Answer quality of a shop's matcher on labelled customer messages (`kefu eval`).

A query is `{"text": ..., "expect": entry id or null}`; null means out of scope: nothing should be
auto-sent. Figures are fractions 0-1 under the shop's own levels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from kefu.engine.matcher import EVIDENCE_FLOOR, Decision, Match, Matcher
from kefu.engine.rules import Matching


class Query(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    expect: str | None
    line: int = 0


class Report(BaseModel):
    """The keys of `kefu eval --json` (a public interface: add, never rename)."""

    model_config = ConfigDict(frozen=True)

    queries: int
    in_scope: int
    out_of_scope: int
    top1: float  # in-scope queries whose best entry is the expected one
    auto_coverage: float  # in-scope queries auto-sent correctly / in-scope queries
    auto_precision: float  # correct auto-sends / all auto-sends (out-of-scope ones count as wrong)
    oos_auto_rate: float  # out-of-scope queries auto-sent / out-of-scope queries
    auto_sends: int  # queries auto-sent, in scope or not: what auto_precision is a share of
    suggest_recall_at_3: float  # in-scope queries whose expected entry is among the top 3
    # of the queries that got suggestions (decision suggest or auto-send), those whose top 3 hold the
    # expected entry; an out-of-scope query that got suggestions counts as wrong
    suggest_precision_at_3: float
    levels: dict[str, int]
    # guesses the score and margin would have auto-sent that the meaning check held back (suggested
    # instead, or nothing under the suggest level), and how many of them were the expected entry
    meaning_held: int = 0
    meaning_held_right: int = 0


class SweepRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    confidence: int
    precision: float
    coverage: float
    auto_sends: int
    # the lowest precision these auto-sends are consistent with (95% Wilson score interval's lower
    # end; 0 with none): 25 of 25 right shows at least 0.8668
    precision_low: float


Z95 = 1.959964  # the normal quantile of a two-sided 95% interval


def precision_low(right: int, sent: int) -> float:
    """The lower end of the 95% Wilson score interval of `right` of `sent`: what a precision measured on
    few messages can be trusted to (a point estimate of 100% on 20 auto-sends is not one on 2,000)."""
    if sent <= 0:
        return 0.0
    share, z2 = right / sent, Z95 * Z95
    centre = share + z2 / (2 * sent)
    spread = Z95 * math.sqrt(share * (1 - share) / sent + z2 / (4 * sent * sent))
    return round(max(0.0, (centre - spread) / (1 + z2 / sent)), 4)


def needed_for(share: float, target: float) -> int | None:
    """How many auto-sends at precision `share` would show `target` as the interval's lower end, or
    None when no number would (`share` <= `target`)."""
    if share <= target:
        return None
    sent = 1
    while precision_low(round(share * sent), sent) < target:
        sent *= 2
    low, high = sent // 2, sent  # the smallest lies in (low, high]
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if precision_low(round(share * middle), middle) >= target else (middle, high)
    return high


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def run(
    matcher: Matcher, queries: Sequence[Query], levels: Matching, progress: Callable[[int], None] | None = None
) -> tuple[Report, list[tuple[Query, Match]]]:
    """Match every query once; the report and each query's match (for a sweep)."""
    results: list[tuple[Query, Match]] = []
    for number, query in enumerate(queries, 1):
        results.append((query, matcher.match(query.text, levels, top=3)))
        if progress is not None:
            progress(number)
    return report(results, levels), results


def report(results: Iterable[tuple[Query, Match]], levels: Matching) -> Report:
    results = list(results)
    in_scope = [(q, m) for q, m in results if q.expect is not None]
    out = [(q, m) for q, m in results if q.expect is None]
    top1 = sum(1 for q, m in in_scope if m.best is not None and m.best.entry == q.expect)
    auto = [(q, m) for q, m in results if m.decision is Decision.auto_send]
    right = sum(1 for q, m in auto if q.expect is not None and m.best.entry == q.expect)
    recall3 = sum(1 for q, m in in_scope if q.expect in [c.entry for c in m.candidates[:3]])
    suggested = [(q, m) for q, m in results if m.decision is not Decision.none]
    held = sum(1 for q, m in suggested if q.expect is not None and q.expect in [c.entry for c in m.candidates[:3]])
    checked_out = [(q, m) for q, m in results if m.meaning is not None and m.decision is not Decision.auto_send]
    return Report(
        queries=len(results),
        in_scope=len(in_scope),
        out_of_scope=len(out),
        top1=_ratio(top1, len(in_scope)),
        auto_coverage=_ratio(right, len(in_scope)),
        auto_precision=_ratio(right, len(auto)),
        oos_auto_rate=_ratio(sum(1 for _, m in out if m.decision is Decision.auto_send), len(out)),
        auto_sends=len(auto),
        suggest_recall_at_3=_ratio(recall3, len(in_scope)),
        suggest_precision_at_3=_ratio(held, len(suggested)),
        levels={"confidence": levels.confidence, "suggest": levels.suggest, "margin": levels.margin},
        meaning_held=len(checked_out),
        meaning_held_right=sum(1 for q, m in checked_out if m.best is not None and m.best.entry == q.expect),
    )


def sweep(results: Sequence[tuple[Query, Match]], matcher: Matcher, levels: Matching) -> list[SweepRow]:
    """Precision and coverage at every confidence level 0..100 (the shop's margin and entries' `auto`;
    a guess without evidence, or in a shop too small to calibrate, is never sent at any level, nor one
    the meaning check holds back)."""
    rows: list[SweepRow] = []
    in_scope = sum(1 for q, _ in results if q.expect is not None)
    auto_ok = {e.id: e.auto for e in matcher.entries}
    sendable = [  # what the matcher would send at a level its score reaches
        (q, m)
        for q, m in results
        if m.best is not None
        and m.margin >= levels.margin
        and auto_ok.get(m.best.entry, True)
        and (m.exact or (not m.tiny and m.best.raw >= EVIDENCE_FLOOR and matcher.means(m.message, m.best.entry)))
    ]
    for level in range(0, 101, 5):
        sent = [(q, m) for q, m in sendable if m.best is not None and m.best.score >= level]
        right = sum(1 for q, m in sent if m.best.entry == q.expect)
        rows.append(
            SweepRow(
                confidence=level,
                precision=_ratio(right, len(sent)) if sent else 1.0,
                coverage=_ratio(right, in_scope),
                auto_sends=len(sent),
                precision_low=precision_low(right, len(sent)),
            )
        )
    return rows


def recommend(rows: Sequence[SweepRow], target: float) -> SweepRow | None:
    """The lowest confidence level whose precision reaches `target` (with at least one auto-send)."""
    for row in rows:
        if row.auto_sends and row.precision >= target:
            return row
    return None
