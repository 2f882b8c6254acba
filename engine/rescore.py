"""Which messages a change to a shop's knowledge base can decide differently, without scoring every
message twice: what `kefu impact` runs (`engine.impact`).

Plain messages are decided as `kefu ask` decides them (`Matcher.match` at the shop's levels). Their
decisions under the old rules are always computed (that is the baseline of the comparison). Under
the new rules, a message needs scoring again only if its decision could be another; the rest keep
the old one. Deciding which is harder than it looks, and done here exactly:

- **tf-idf is global.** An ask added, removed or reworded changes the document frequency of its
  features and the number of texts, so every feature's idf moves, every ask's weights and norm move,
  and every message's raw similarity to every entry moves, a little: the messages that share words
  with the changed entry are not the only ones whose scores change.
- **Calibration is global.** The confidence a lead maps to is fitted on the shop's own held-out asks
  (`engine.calibration`), so one entry more or less moves the map, and with it every message's score.

So instead of guessing who is touched, this bounds how far anything can move. All tf-idf weights
are positive, so if every component of two vectors is scaled by a factor within [1/k, k], their
cosine is scaled within [1/k², k²]. For each entry whose matcher input (id, title, asks, keywords,
`auto`) is unchanged, the two indexes give the exact ratio, component by component, of its new
normalised ask and centroid vectors to its old ones: its range [qmin, qmax]. For each message, the
ratio of its new feature weights to its old ones (idf ratios; the unseen-word weight for words only
one index knows) gives a factor m. Its new raw similarity to that entry then lies within
[raw·qmin/m, raw·qmax·m] (and is 0 exactly where it was 0: no shared feature). Entries added or
whose matcher input changed are scored exactly (a small index of their columns only). The new
decision is a monotone function of the best entry's raw similarity and its lead over the runner-up
(through the *new* calibration map and the *new* levels): if the best entry is certain (its lowest
possible raw beats every other entry's highest) and the decision is the same at both ends of the
range, it is known without scoring (the meaning check of an auto-send, `engine.meaning`, reads the
message, that entry's texts and the new shop's background, no raw similarity: the same at both
ends, computed exactly by the new matcher). A message whose new decision is
known and equals the old one is unchanged; every other message is scored again with the new
matcher, in full.

The bound is sound whatever changed (a moved calibration map or new levels only make more messages
uncertain); it is tight when the change is small, which is what makes skipping worth it. Where it
cannot apply (synonyms changed, so every message normalises differently; a shop too small to
calibrate on either side; a shop with no entries) every message is scored again (`path` "full"). A
matcher reused unchanged (only replies, hours or staff changed) gives the same scores: only the
levels can change a decision, and the old scores are judged again (`path` "same").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import sparse

from kefu.engine.match import Decision, Match
from kefu.engine.matcher import ASK_WEIGHT, LexicalScorer, Matcher, _sum_rows, counted, top_two
from kefu.engine.normalize import Normalized
from kefu.engine.rules import FaqEntry, Matching

Path = Literal["same", "fast", "full"]
CONTENDERS = 8  # entries that may lead a message, at most, for it to be settled as nothing whoever leads
REFINE = 4  # entries scored exactly when the bound alone cannot settle a message
SLACK = 1e-9  # absolute room for rounding in the bound's own arithmetic (raw similarities are 0..1)


def entry_input(entry: FaqEntry) -> tuple[object, ...]:
    """What the matcher reads of an entry (as `engine.simulate.recompile` compares them)."""
    return entry.id, entry.title, tuple(ask.text for ask in entry.asks), entry.keywords, entry.auto


@dataclass(frozen=True, slots=True)
class Decided:
    """One message's decision under one matcher: the match, when it was scored (None when it was
    known from the bound without scoring), and the decision with its entry."""

    decision: Decision
    entry: str | None
    match: Match | None


@dataclass(frozen=True, slots=True)
class Pair:
    """A message decided under the old matcher and the new one."""

    text: str
    old: Decided
    new: Decided


@dataclass(frozen=True, slots=True)
class Outcome:
    """Every message's pair of decisions, which path ran and how many messages were scored again."""

    pairs: tuple[Pair, ...]
    path: Path
    reason: str
    rescored: int


def decided(match: Match) -> Decided:
    best = match.best
    entry = best.entry if best is not None and match.decision != Decision.none else None
    return Decided(match.decision, entry, match)


def compare_messages(
    old: Matcher,
    new: Matcher,
    old_levels: Matching,
    new_levels: Matching,
    texts: Sequence[str],
    fast: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Each text decided by `old` at `old_levels` and by `new` at `new_levels` (texts given once each).
    `fast` False scores every message with both matchers (what the fast path must equal)."""
    tick = progress or (lambda _: None)
    if old is new:
        return _same(old, old_levels, new_levels, texts, tick)
    bound = Bound.of(old, new) if fast else None
    if bound is None:
        reason = "asked to score every message" if not fast else full_reason(old, new)
        pairs = []
        for text in texts:
            pairs.append(Pair(text, decided(old.match(text, old_levels)), decided(new.match(text, new_levels))))
            tick(1)
        return Outcome(tuple(pairs), "full", reason, len(texts))
    pairs, rescored = [], 0
    for text in texts:
        message = old.normalize(text)
        count = counted(message)
        scores = old.scorer.score(message, count)
        before = quick(old, message, scores.raw, old_levels)
        known = bound.decide(message, count, scores.raw, new_levels)
        if known is not None and (known.decision, known.entry) == (before.decision, before.entry):
            after = known
        else:
            after = decided(new.match(text, new_levels))
            rescored += 1
            if (after.decision, after.entry) != (before.decision, before.entry):  # a change: its whole match
                before = decided(old.judge(message, scores, old_levels))
        pairs.append(Pair(text, before, after))
        tick(1)
    return Outcome(tuple(pairs), "fast", bound.reason, rescored)


def quick(matcher: Matcher, message: Normalized, raw: np.ndarray, levels: Matching) -> Decided:
    """The decision `matcher.judge` makes from these scores, without building the match (its
    candidates and their asks): the best entry (an exact ask first), its raw and the runner-up's."""
    exact = matcher.scorer.exact.get(message.text, -1) if message.text else -1
    order = top_two(raw)
    if exact >= 0 and order[0] != exact:
        order = [exact, order[0]]
    first, second = float(raw[order[0]]), float(raw[order[1]]) if len(order) > 1 else 0.0
    decision = matcher.decision(order[0], first, second, exact >= 0, levels, message)
    return Decided(decision, matcher.entries[order[0]].id if decision != Decision.none else None, None)


def levels_of(levels: Matching) -> Matching:
    """The levels without where they are written (a revision's copy is another file)."""
    return levels.model_copy(update={"span": None, "spans": ()})


def _same(
    matcher: Matcher, old_levels: Matching, new_levels: Matching, texts: Sequence[str], tick: Callable[[int], None]
) -> Outcome:
    """One matcher on both sides: the same scores; a decision changes only with the levels."""
    same_levels = levels_of(old_levels) == levels_of(new_levels)
    pairs = []
    for text in texts:
        message = matcher.normalize(text)
        if not matcher.entries:
            before = after = decided(matcher.match(text, old_levels))
        else:
            scores = matcher.scorer.score(message)
            before = decided(matcher.judge(message, scores, old_levels))
            after = before if same_levels else decided(matcher.judge(message, scores, new_levels))
        pairs.append(Pair(text, before, after))
        tick(1)
    why = "so are the levels" if same_levels else "the levels changed: the old scores judged at the new ones"
    return Outcome(tuple(pairs), "same", f"the matcher's input is unchanged; {why}", 0)


def full_reason(old: Matcher, new: Matcher) -> str:
    """Why the bound cannot apply, or '' when it can."""
    if not old.entries or not new.entries:
        return "a shop with no entries"
    if old.normalize.replacements != new.normalize.replacements:
        return "the synonyms changed: every message normalises differently"
    if old.tiny or new.tiny:
        return "a shop too small to calibrate"
    return ""


def _entry_rows(scorer: LexicalScorer) -> np.ndarray:
    """Where each entry's rows (title, asks, keywords) start in the index, and the end: rows are
    written entry by entry."""
    return np.searchsorted(scorer.owners, np.arange(scorer.entries + 1))


def _ratio_range(
    old_rows: sparse.csr_matrix, new_rows: sparse.csr_matrix, columns: np.ndarray, groups: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per group (an entry), the least and greatest ratio new/old over the components of its rows.
    `columns` maps old feature columns to new ones. None when the rows do not hold the same features
    (they always do for an unchanged text; a safeguard, not a path)."""
    mapped = sparse.csr_matrix(
        (old_rows.data, columns[old_rows.indices], old_rows.indptr), shape=(old_rows.shape[0], new_rows.shape[1])
    )
    mapped.sort_indices()
    new_rows = new_rows.copy()
    new_rows.sort_indices()
    if not (np.array_equal(mapped.indptr, new_rows.indptr) and np.array_equal(mapped.indices, new_rows.indices)):
        return None
    if np.any(mapped.data <= 0):
        return None
    ratio = new_rows.data / mapped.data
    row = np.repeat(np.arange(mapped.shape[0]), np.diff(mapped.indptr))
    low, high = np.full(size, np.inf), np.full(size, -np.inf)
    np.minimum.at(low, groups[row], ratio)
    np.maximum.at(high, groups[row], ratio)
    return low, high


class Bound:
    """How far the new matcher can move a message's raw similarities from the old one's (see the
    module doc): per unchanged entry its ratio range, per feature its weight ratio, and a small index
    of the entries that changed or were added, scored exactly."""

    def __init__(self, old: Matcher, new: Matcher, reason: str) -> None:
        self.old, self.new, self.reason = old, new, reason

    @classmethod
    def of(cls, old: Matcher, new: Matcher) -> Bound | None:
        """The bound between two matchers, or None when it cannot apply (`full_reason`)."""
        if full_reason(old, new):
            return None
        bound = cls(old, new, "")
        if not bound._build():
            return None
        return bound

    def _build(self) -> bool:
        old, new = self.old.scorer, self.new.scorer
        old_at = {entry.id: i for i, entry in enumerate(self.old.entries)}
        kept_old, kept_new, changed = [], [], []
        for j, entry in enumerate(self.new.entries):
            i = old_at.get(entry.id)
            if i is not None and entry_input(self.old.entries[i]) == entry_input(entry):
                kept_old.append(i)
                kept_new.append(j)
            else:
                changed.append(j)
        self.kept_old = np.asarray(kept_old, dtype=np.int64)
        self.kept_new = np.asarray(kept_new, dtype=np.int64)
        self.changed = np.asarray(changed, dtype=np.int64)
        # each old feature column's new column (-1: a feature the new index does not have)
        columns = np.full(max(len(old.vocabulary), 1), -1, dtype=np.int64)
        for feature, column in old.vocabulary.items():
            columns[column] = new.vocabulary.get(feature, -1)
        # unchanged entries: the ratio range of their normalised ask rows and their centroid
        old_starts, new_starts = _entry_rows(old), _entry_rows(new)
        old_rows = np.concatenate(
            [np.arange(old_starts[i], old_starts[i + 1]) for i in kept_old] or [np.zeros(0, dtype=np.int64)]
        )
        new_rows = np.concatenate(
            [np.arange(new_starts[j], new_starts[j + 1]) for j in kept_new] or [np.zeros(0, dtype=np.int64)]
        )
        group = np.repeat(np.arange(len(kept_new)), [new_starts[j + 1] - new_starts[j] for j in kept_new])
        if old_rows.size != new_rows.size:
            return False
        size = len(kept_new)
        asks = _ratio_range(old.asks[old_rows], new.asks[new_rows], columns, group, size)
        old_centroids = old.centroids_t.T.tocsr()[self.kept_old]
        new_centroids = new.centroids_t.T.tocsr()[self.kept_new]
        centroids = _ratio_range(old_centroids, new_centroids, columns, np.arange(size), size)
        if asks is None or centroids is None:
            return False
        low = np.minimum(asks[0], centroids[0])
        high = np.maximum(asks[1], centroids[1])
        low[~np.isfinite(low)] = 1.0  # an entry without features: raw 0 either side
        high[~np.isfinite(high)] = 1.0
        self.low, self.high = low, high
        # each feature's weight ratio new/old (before normalising); a word one index does not know
        # weighs the unseen-word weight there
        self.unseen = (old.unseen_idf, new.unseen_idf)
        new_idf = np.where(columns >= 0, new.idf[np.maximum(columns, 0)], new.unseen_idf)
        ratio = (new_idf / old.idf).tolist() if len(old.vocabulary) else []
        self.weight_ratio = {feature: ratio[column] for feature, column in old.vocabulary.items()}
        # per old entry: its new index (-1: changed or removed) and its ratio range
        self.old_to_new = np.full(len(self.old.entries), -1, dtype=np.int64)
        self.old_to_new[self.kept_old] = self.kept_new
        self.low_old = np.zeros(len(self.old.entries))
        self.high_old = np.zeros(len(self.old.entries))
        self.low_old[self.kept_old] = low
        self.high_old[self.kept_old] = high
        # the changed and added entries, scored exactly: their ask columns and centroid columns
        owners = new.owners
        ask_columns = np.flatnonzero(np.isin(owners, self.changed))
        self.changed_owner = np.searchsorted(self.changed, owners[ask_columns])
        asks_total = len(new.texts)
        self.small = new.both_t[:, np.concatenate([ask_columns, asks_total + self.changed])].tocsr()
        self.changed_asks = ask_columns.size
        # for scoring a few entries exactly: each ask row's number per stored value, the entries'
        # first rows, the centroids as rows, and a dense message vector reused (zeroed after each use)
        self.row_of = np.repeat(np.arange(new.asks.shape[0]), np.diff(new.asks.indptr))
        self.new_starts = new_starts
        self.centroid_rows = new.centroids_t.T.tocsr()
        self.dense = np.zeros(new.asks.shape[1])
        touched = np.unique(self.small.nonzero()[0])  # the features of the changed entries' texts
        wanted = set(touched.tolist())
        self.changed_features = frozenset(f for f, column in new.vocabulary.items() if column in wanted)
        kept = len(kept_new)
        self.reason = (
            f"{len(changed)} entr{'y' if len(changed) == 1 else 'ies'} changed or added, "
            f"{len(self.old.entries) - kept} changed or removed of {len(self.old.entries)}; "
            f"unchanged entries move by a factor within [{float(low.min(initial=1.0)):.4f}, "
            f"{float(high.max(initial=1.0)):.4f}]"
        )
        return True

    def _message_factor(self, count: Counter[str]) -> float:
        """How far the message's own normalised weights can move: max/min of its weight ratios."""
        new = self.new.scorer
        ratios = []
        for feature in count:
            known = self.weight_ratio.get(feature)
            if known is not None:
                ratios.append(known)
            else:
                found = new.vocabulary.get(feature)
                ratios.append((float(new.idf[found]) if found is not None else self.unseen[1]) / self.unseen[0])
        if not ratios:
            return 1.0
        return max(ratios) / min(ratios)

    def _changed_raw(self, message: Normalized, count: Counter[str]) -> np.ndarray:
        """The exact new raw similarity of the message to each changed or added entry (0 where it
        shares no feature with their texts)."""
        entries = self.changed.size
        if self.changed_features.isdisjoint(count):
            return np.zeros(entries)
        index, weight = self.new.scorer.vector(message, count)
        if index.size == 0:
            return np.zeros(entries)
        both = _sum_rows(self.small, index, weight, self.changed_asks + entries)
        per_ask, centroid = both[: self.changed_asks], both[self.changed_asks :]
        best = np.zeros(entries)
        np.maximum.at(best, self.changed_owner, per_ask)
        return np.clip(ASK_WEIGHT * best + (1 - ASK_WEIGHT) * centroid, 0.0, 1.0)

    def decide(self, message: Normalized, count: Counter[str], old_raw: np.ndarray, levels: Matching) -> Decided | None:
        """The message's decision under the new matcher when the bound settles it, else None.
        `count`: its features (`counted`); `old_raw`: its raw similarity to each old entry."""
        new = self.new
        factor = self._message_factor(count) * (1 + SLACK)
        # the entries the message shares a feature with (raw 0 stays 0 exactly): unchanged ones by
        # their old raw and ratio range, changed and added ones by their exact new raw
        shared = np.flatnonzero(old_raw)
        shared = shared[self.old_to_new[shared] >= 0]
        raw = old_raw[shared]
        ids = self.old_to_new[shared]
        low = np.maximum(raw * self.low_old[shared] / factor - SLACK, 0.0)
        high = np.minimum(raw * self.high_old[shared] * factor + SLACK, 1.0)
        if self.changed.size:
            exact_raw = self._changed_raw(message, count)
            hit = exact_raw > 0
            if hit.any():
                ids = np.concatenate([ids, self.changed[hit]])
                low = np.concatenate([low, np.maximum(exact_raw[hit] - SLACK, 0.0)])
                high = np.concatenate([high, np.minimum(exact_raw[hit] + SLACK, 1.0)])
        exact = new.scorer.exact.get(message.text, -1) if message.text else -1
        settled = self._settle(ids, low, high, exact, levels, message)
        if settled is not None or ids.size == 0:
            return settled
        # too close to call on the bound alone: the few entries that can be best or runner-up are
        # scored exactly with the new index (a few dot products), the rest keep their bound
        near = np.argsort(-high, kind="stable")[:REFINE]
        if exact >= 0:
            near = np.union1d(near, np.flatnonzero(ids == exact))
        near = near[~np.isin(ids[near], self.changed)]  # changed entries are exact already
        if near.size == 0:
            return None
        exact_raw = self._exact_raw(message, count, ids[near])
        low, high = low.copy(), high.copy()
        low[near] = np.maximum(exact_raw - SLACK, 0.0)
        high[near] = np.where(exact_raw > 0, np.minimum(exact_raw + SLACK, 1.0), 0.0)
        return self._settle(ids, low, high, exact, levels, message)

    def _settle(
        self, ids: np.ndarray, low: np.ndarray, high: np.ndarray, exact: int, levels: Matching, message: Normalized
    ) -> Decided | None:
        """The decision when every raw similarity within its range gives the same one, else None.
        `ids`: the new entries the message shares a feature with (every other one scores 0)."""
        new = self.new
        if exact >= 0:
            best = exact
            at = np.flatnonzero(ids == exact)
            first_low, first_high = (float(low[at[0]]), float(high[at[0]])) if at.size else (0.0, 0.0)
            others = ids != exact
        else:
            if ids.size == 0:
                return Decided(Decision.none, None, None)  # shares nothing with any entry
            place = int(np.argmax(low))
            best = int(ids[place])
            first_low, first_high = float(low[place]), float(high[place])
            others = np.ones(ids.size, dtype=bool)
            others[place] = False
        second_low = float(low[others].max()) if others.any() else 0.0
        second_high = float(high[others].max()) if others.any() else 0.0
        if exact < 0 and (first_low <= 0 or first_low <= second_high):
            return self._none_whoever_leads(ids, low, high, levels, message)  # the best entry itself is uncertain
        least = new.decision(best, first_low, second_high, exact >= 0, levels, message)
        most = new.decision(best, first_high, second_low, exact >= 0, levels, message)
        if least != most:
            return None
        return Decided(least, new.entries[best].id if least != Decision.none else None, None)

    def _none_whoever_leads(
        self, ids: np.ndarray, low: np.ndarray, high: np.ndarray, levels: Matching, message: Normalized
    ) -> Decided | None:
        """Near-ties (entries a shop wrote almost alike): which entry leads is not settled, but if
        none of those that can lead would get more than nothing even at its best (its highest raw
        against the others' lowest), the decision is nothing whoever leads."""
        contenders = np.flatnonzero(high >= low.max())
        if contenders.size > CONTENDERS:
            return None
        for place in contenders.tolist():
            others = np.delete(low, place)
            second = float(others.max()) if others.size else 0.0
            if self.new.decision(int(ids[place]), float(high[place]), second, False, levels, message) != Decision.none:
                return None
        return Decided(Decision.none, None, None)

    def _exact_raw(self, message: Normalized, count: Counter[str], entries: np.ndarray) -> np.ndarray:
        """The new raw similarity of the message to each of `entries` (new indexes), computed from
        the new index's rows as `LexicalScorer.score` does (the sums in another order: equal within
        rounding, which SLACK covers)."""
        index, weight = self.new.scorer.vector(message, count)
        if index.size == 0:
            return np.zeros(entries.size)
        dense = self.dense
        dense[index] = weight
        try:
            asks, centroids = self.new.scorer.asks, self.centroid_rows
            found = np.zeros(entries.size)
            for place, entry in enumerate(entries.tolist()):
                first, last = self.new_starts[entry], self.new_starts[entry + 1]
                lo, hi = asks.indptr[first], asks.indptr[last]
                products = asks.data[lo:hi] * dense[asks.indices[lo:hi]]
                per_ask = np.bincount(self.row_of[lo:hi] - first, weights=products, minlength=last - first)
                clo, chi = centroids.indptr[entry], centroids.indptr[entry + 1]
                centroid = float(centroids.data[clo:chi] @ dense[centroids.indices[clo:chi]])
                best = float(per_ask.max()) if per_ask.size else 0.0
                found[place] = min(max(ASK_WEIGHT * best + (1 - ASK_WEIGHT) * centroid, 0.0), 1.0)
            return found
        finally:
            dense[index] = 0.0
