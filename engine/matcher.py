"""Intent recognition (IR-1, IR-2, IR-3, KB-3, D-8): which entry a message is about, and how sure.

One index is built per rules load. The lexical scorer represents every ask (and each entry's title
and keywords) as a tf-idf vector of `engine.features`; a message is scored against every entry at
once by summing the index rows its features pick (numpy over the sparse index's arrays, no Python
loop over asks): the best single ask of each entry and the entry's centroid, averaged. The best
entry's lead over the runner-up is turned into a calibrated confidence 0-100 with the shop's own
knowledge base (see `engine.calibration`), so that a shop's levels mean the same whatever its
size or language.

Scorers sit behind the small `Scorer` protocol; a second one (a sentence-embedding model) can join
the lexical one later without changing any caller.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import sparse

from kefu.engine.calibration import MAX_SAMPLES, fit
from kefu.engine.features import features
from kefu.engine.match import Candidate, Decision, Match
from kefu.engine.meaning import MEANING_FLOOR, Meaning, MeaningUnavailable
from kefu.engine.normalize import Normalized, Normalizer
from kefu.engine.rules import FaqEntry, Matching, SynonymGroup

ASK_WEIGHT = 0.5  # raw = ASK_WEIGHT * best ask + (1 - ASK_WEIGHT) * entry centroid


@dataclass(frozen=True, slots=True)
class Scores:
    """One scorer's view of a message: a similarity in [0, 1] per entry, and the ask behind it.
    Internal to matching (a plain dataclass: arrays need no validation)."""

    raw: np.ndarray  # shape (entries,)
    per_ask: np.ndarray  # shape (asks,): what drove each entry's score


class Scorer(Protocol):
    """What the matcher needs of a scorer. Implementations: `LexicalScorer` (more may join)."""

    name: str

    def score(self, message: Normalized) -> Scores: ...

    def best_ask(self, scores: Scores, entry: int) -> int: ...

    def ask_text(self, index: int) -> str: ...


class LexicalScorer:
    """tf-idf over `engine.features` with sublinear term frequency, scored by summing index rows."""

    name = "lexical"

    def __init__(self, entries: Sequence[FaqEntry], normalize: Normalizer) -> None:
        self.normalize = normalize
        texts: list[str] = []
        owners: list[int] = []
        asked: list[bool] = []  # the title or an ask (not the keywords): a customer may write it as is
        self.titles: list[int] = []  # each entry's title row: its asks are the rows after it, in order
        for number, entry in enumerate(entries):
            self.titles.append(len(texts))
            for text in [entry.title, *(ask.text for ask in entry.asks)]:
                texts.append(text)
                owners.append(number)
                asked.append(True)
            if entry.keywords:
                texts.append(" ".join(entry.keywords))
                owners.append(number)
                asked.append(False)
        self.texts = texts
        self.owners = np.asarray(owners, dtype=np.int64)
        self.asked = np.asarray(asked, dtype=bool)  # per text: a title or an ask (False: an entry's keywords)
        self.entries = len(entries)
        self.normal: list[str] = []  # each text as it matches (normalised, synonyms applied)
        # normalised ask -> its entry, or -1 where several entries have it: an exact ask (see Matcher)
        self.exact: dict[str, int] = {}
        distinct: dict[str, int] = {}  # each distinct text's row of features (a title is often an ask too)
        row_of: list[int] = []  # each text's distinct row
        found: list[str] = []  # every distinct text's features, one after the other
        lengths: list[int] = []
        normals: list[str] = []
        for text, owner, is_ask in zip(texts, owners, asked):
            if text not in distinct:
                distinct[text] = len(distinct)
                normals.append(normalize.text(text))
                lengths.append(len(features_of := features(normals[-1])))
                found += features_of
            row_of.append(distinct[text])
            normal = normals[row_of[-1]]
            self.normal.append(normal)
            if is_ask and normal:
                self.exact[normal] = owner if self.exact.get(normal, owner) == owner else -1
        vocabulary: defaultdict[str, int] = defaultdict()
        vocabulary.default_factory = vocabulary.__len__  # a new feature gets the next column, in order met
        columns = np.fromiter(map(vocabulary.__getitem__, found), dtype=np.int64, count=len(found))
        vocabulary.default_factory = None
        width = max(len(vocabulary), 1)
        # one call counts every (text, feature) pair, without a counter per text: a repeated feature
        # is summed into one stored value, which becomes its sublinear term frequency
        per_text = sparse.csr_matrix(
            (np.ones(len(found)), (np.repeat(np.arange(len(distinct)), lengths), columns)),
            shape=(len(distinct), width),
        )
        per_text.data = 1.0 + np.log(per_text.data)
        tf = per_text[np.asarray(row_of, dtype=np.int64)]
        tf.sort_indices()
        document_frequency = np.bincount(tf.indices, minlength=width)
        self.vocabulary = vocabulary
        self.document_frequency = document_frequency  # texts holding each feature
        self.idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
        self.unseen_idf = float(self.idf.max())  # the weight of a feature no ask has
        weighted = tf.multiply(self.idf).tocsr()
        self.asks = l2_rows(weighted)  # (asks, features)
        self.asks_t = self.asks.T.tocsr()  # (features, asks): a message's features pick rows
        membership = sparse.csr_matrix(
            (np.ones(len(texts)), (self.owners, np.arange(len(texts)))), shape=(len(entries), len(texts))
        )
        self.sums = (membership @ self.asks).tocsr()  # unnormalised centroids, kept for calibration
        self.centroids_t = l2_rows(self.sums).T.tocsr()
        # both side by side, (features, asks + entries): a message is scored with one gather
        self.both_t = sparse.hstack([self.asks_t, self.centroids_t], format="csr")
        order = np.argsort(self.owners, kind="stable")
        self.order = order  # asks grouped by entry, for per-entry maxima
        self.starts = np.searchsorted(self.owners[order], np.arange(len(entries)))

    def vector(self, message: Normalized, count: Counter[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The message's features present in the index, with their tf-idf weights (L2-normalised).
        `count`: the message's features counted already (`counted`), to count them once for two indexes."""
        count = counted(message) if count is None else count
        found = list(zip(map(self.vocabulary.get, count), count.values()))
        columns = [column for column, _ in found if column is not None]
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        tf = [1.0 + math.log(n) for column, n in found if column is not None]
        # unknown features still count in the norm: a long message about something else scores low
        unseen = self.unseen_idf
        unknown = sum(((1.0 + math.log(n)) * unseen) ** 2 for column, n in found if column is None)
        index = np.asarray(columns, dtype=np.int64)
        weight = np.asarray(tf) * self.idf[index]
        norm = math.sqrt(float(weight @ weight) + unknown)
        return index, weight / norm if norm else weight

    def score(self, message: Normalized, count: Counter[str] | None = None) -> Scores:
        """Every ask and entry against the message's features: the rows of the index those features
        pick, summed with numpy over the index's own arrays (the sparse library's general indexing
        cost ten times the arithmetic for a message of a few dozen features)."""
        index, weight = self.vector(message, count)
        if index.size == 0:
            return Scores(raw=np.zeros(self.entries), per_ask=np.zeros(len(self.texts)))
        asks = len(self.texts)
        both = _sum_rows(self.both_t, index, weight, asks + self.entries)
        per_ask, centroid = both[:asks], both[asks:]
        best = np.maximum.reduceat(per_ask[self.order], self.starts) if per_ask.size else np.zeros(self.entries)
        raw = ASK_WEIGHT * best + (1 - ASK_WEIGHT) * centroid
        return Scores(raw=np.clip(raw, 0.0, 1.0), per_ask=per_ask)

    def best_ask(self, scores: Scores, entry: int) -> int:
        """The ask (or title, or keywords) of `entry` that scored highest: what drove its score."""
        start = self.starts[entry]
        end = self.starts[entry + 1] if entry + 1 < self.entries else len(self.order)
        asks = self.order[start:end]
        return int(asks[int(np.argmax(scores.per_ask[asks]))])

    def ask_text(self, index: int) -> str:
        return self.texts[index]


def counted(message: Normalized) -> Counter[str]:
    """The message's features with how often each occurs: what a scorer reads of it."""
    return Counter(features(message.text))


def top_two(raw: np.ndarray) -> list[int]:
    """`top_entries(raw, 2)` with two passes over the entries and no sort."""
    first = int(np.argmax(raw))
    if raw.size < 2:
        return [first]
    rest = raw.copy()
    rest[first] = -np.inf
    return [first, int(np.argmax(rest))]


FEW = 16  # top_entries of at most this many: by repeated argmax


def top_entries(raw: np.ndarray, count: int) -> list[int]:
    """The `count` highest entries, best first, ties in entry order: the head of a stable argsort of
    `-raw`, without sorting every entry (the entries tied with the last one kept are all sorted)."""
    if raw.size <= count:
        return np.argsort(-raw, kind="stable").tolist()
    if count <= FEW:  # a few passes of argmax (the first of a tie): numpy's partition took 7 ms on some
        work = raw.copy()  # 20k-entry score vectors with many equal scores, where argmax takes 10 us
        found = []
        for _ in range(count):
            best = int(np.argmax(work))
            found.append(best)
            work[best] = -np.inf
        return found
    kth = np.partition(raw, raw.size - count)[raw.size - count]  # the count-th highest value
    pool = np.flatnonzero(raw >= kth)  # in entry order
    return pool[np.argsort(-raw[pool], kind="stable")][:count].tolist()


SLICED_FROM = 20_000  # stored values picked from which `_sum_rows` copies row slices instead of gathering


def _sum_rows(matrix: sparse.csr_matrix, rows: np.ndarray, weight: np.ndarray, width: int) -> np.ndarray:
    """`matrix[rows].T @ weight` as a dense vector of `width`: the picked rows' stored values,
    taken in row order and summed per column (the same additions, in the same order)."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(width)
    if total >= SLICED_FROM:
        # long rows (a word many asks share, in a big shop): one sequential copy per row beats a
        # gather by position (at 100k asks 3.5 -> 2.3 ms a message); for a few short rows the loop
        # costs more than it saves
        picked = [
            (start, start + length, w)
            for start, length, w in zip(starts.tolist(), lengths.tolist(), weight.tolist())
            if length
        ]
        columns = np.concatenate([matrix.indices[start:end] for start, end, _ in picked])
        values = np.concatenate([matrix.data[start:end] * w for start, end, w in picked])
        return np.bincount(columns, weights=values, minlength=width)
    # positions of every stored value of the picked rows, without a Python loop over rows
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    values = matrix.data[offsets] * np.repeat(weight, lengths)
    return np.bincount(matrix.indices[offsets], weights=values, minlength=width)


def l2_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


WORK_BUDGET = 60_000_000  # (feature, ask) pairs touched by held-out asks: about 3 s here
MIN_SAMPLES = 300  # held out whatever the budget says (or every ask of a smaller shop)
BLOCK = 1_000_000  # cells of the dense (held-out asks x entries) blocks scored at once: 8 MB


class HeldOut(BaseModel):
    """The knowledge base matched against itself (see `engine.calibration`): per held-out message,
    its lead over the runner-up and whether the answer was right."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    lead: np.ndarray
    correct: np.ndarray


@dataclass(frozen=True, slots=True)
class HeldBlock:
    """A block of held-out asks with each one's raw similarity to every entry: what the leads of
    `held_out` are computed from, apart so a second scorer's view can be added to it first (a plain
    dataclass, internal to matching, like `Scores`)."""

    rows: np.ndarray  # the asks held out (index rows)
    in_scope: bool  # True: each ask alone held out; False: its whole entry held out
    raw: np.ndarray  # (rows, entries)
    owners: np.ndarray  # each held-out ask's entry
    alone: np.ndarray  # in scope: nothing of its entry was left to match it against (it cannot be right)


def held_out(scorer: LexicalScorer, limit: int, seed: int = 0) -> HeldOut:
    """Up to `limit` asks (fewer in a huge shop, where each costs more: at least MIN_SAMPLES),
    each matched twice without a Python loop over asks: with itself (and
    every identical text of its entry) removed, an in-scope message; and with its whole entry
    removed, an out-of-scope one. Features that only the removed rows had count as unknown words,
    as they would in a customer's message."""
    return leads(held_out_blocks(scorer, limit, seed))


def held_out_blocks(scorer: LexicalScorer, limit: int, seed: int = 0) -> Iterator[HeldBlock]:
    """The blocks `held_out` reads, one at a time (a block is at most BLOCK cells)."""
    rows = np.flatnonzero(np.diff(scorer.asks.indptr))  # asks with at least one feature
    rows = np.random.default_rng(seed).permutation(rows)[:limit]
    # a held-out ask costs about the number of (feature, ask) pairs it touches: stay in budget
    ask_frequency = np.diff(scorer.asks_t.indptr)  # asks having each feature
    owner_of_pair = np.repeat(np.arange(len(scorer.texts)), np.diff(scorer.asks.indptr))
    touched = np.bincount(owner_of_pair, weights=ask_frequency[scorer.asks.indices], minlength=len(scorer.texts))[rows]
    within = np.cumsum(touched) <= WORK_BUDGET
    within[:MIN_SAMPLES] = True
    rows = np.sort(rows[within])
    groups = _same_text_groups(scorer)
    entry_frequency = np.diff(scorer.sums.tocsc().indptr)  # entries having each feature
    size = max(1, BLOCK // max(scorer.entries, 1))
    for begin in range(0, rows.size, size):
        batch = rows[begin : begin + size]
        yield _held_in(scorer, batch, groups, ask_frequency)
        yield _held_entry_out(scorer, batch, entry_frequency)


def leads(blocks: Iterable[HeldBlock]) -> HeldOut:
    """Per held-out ask, the best entry's lead over the runner-up and whether that entry is right."""
    found: list[np.ndarray] = []
    correct: list[np.ndarray] = []
    for block in blocks:
        top, lead = _lead(block.raw)
        if block.in_scope:
            found.append(lead)
            correct.append((top == block.owners) & ~block.alone)
        else:  # in a one-entry shop nothing is left to answer with: no lead
            found.append(lead if block.raw.shape[1] >= 2 else np.zeros(block.rows.size))
            correct.append(np.zeros(block.rows.size, dtype=bool))
    if not found:
        return HeldOut(lead=np.zeros(0), correct=np.zeros(0, dtype=bool))
    return HeldOut(lead=np.concatenate(found), correct=np.concatenate(correct))


def _same_text_groups(scorer: LexicalScorer) -> np.ndarray:
    """For each row, a group number shared by the rows of the same entry with the same text."""
    seen: dict[tuple[int, str], int] = {}
    return np.asarray(
        [seen.setdefault((owner, text), len(seen)) for owner, text in zip(scorer.owners.tolist(), scorer.texts)],
        dtype=np.int64,
    )


def _without(queries: sparse.csr_matrix, lost: np.ndarray) -> sparse.csr_matrix:
    """Queries with the `lost` stored values dropped: those features are unknown words now, still
    counted in the norm (four times, as an unseen feature's weight is about twice a known one's)."""
    squares = queries.multiply(queries)
    data = np.where(lost, 0.0, queries.data)
    kept = sparse.csr_matrix((data, queries.indices, queries.indptr), shape=queries.shape)
    kept_norm2 = np.asarray(kept.multiply(kept).sum(axis=1)).ravel()
    lost_norm2 = np.asarray(squares.sum(axis=1)).ravel() - kept_norm2
    norm = np.sqrt(kept_norm2 + 4.0 * lost_norm2)
    norm[norm == 0] = 1.0
    kept = sparse.diags(1.0 / norm) @ kept
    kept.eliminate_zeros()
    return kept.tocsr()


def _best_asks(scorer: LexicalScorer, per_ask: sparse.csr_matrix, drop: np.ndarray) -> np.ndarray:
    """(batch, entries): each entry's best ask score, without the stored values marked `drop`."""
    coo = per_ask.tocoo()
    keep = ~drop
    best = np.zeros((per_ask.shape[0], scorer.entries))
    np.maximum.at(best, (coo.row[keep], scorer.owners[coo.col[keep]]), coo.data[keep])
    return best


def _lead(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the best column and its lead over the runner-up."""
    if raw.shape[1] < 2:
        return raw.argmax(axis=1), raw.max(axis=1)
    top2 = -np.partition(-raw, 1, axis=1)[:, :2]
    return raw.argmax(axis=1), top2[:, 0] - top2[:, 1]


def _row_sums(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(matrix.sum(axis=1)).ravel()


def _held_in(scorer: LexicalScorer, batch: np.ndarray, groups: np.ndarray, ask_frequency: np.ndarray) -> HeldBlock:
    asks = scorer.asks[batch]
    queries = _without(asks, ask_frequency[asks.indices] <= 1)
    per_ask = (queries @ scorer.asks_t).tocsr()
    row = np.repeat(np.arange(batch.size), np.diff(per_ask.indptr))
    owners = scorer.owners[batch]
    copy = groups[per_ask.indices] == groups[batch][row]  # the held-out ask and its twins
    best = _best_asks(scorer, per_ask, copy)
    centroid = (queries @ scorer.centroids_t).toarray()
    # the own entry's centroid without the copies: sums[e]·q is the sum of its asks' scores
    own = scorer.owners[per_ask.indices] == owners[row]
    left_dot = np.bincount(row, weights=np.where(own & ~copy, per_ask.data, 0.0), minlength=batch.size)
    copies = np.bincount(groups)[groups[batch]]
    sums = scorer.sums[owners]
    left_norm2 = np.maximum(
        _row_sums(sums.multiply(sums))
        - 2 * copies * _row_sums(sums.multiply(asks))
        + copies**2 * _row_sums(asks.multiply(asks)),
        0.0,
    )
    remaining = np.bincount(scorer.owners, minlength=scorer.entries)[owners] - copies
    alone = (remaining <= 0) | (left_norm2 < 1e-18)
    line = np.arange(batch.size)
    centroid[line, owners] = np.where(alone, 0.0, left_dot / np.sqrt(np.where(alone, 1.0, left_norm2)))
    raw = ASK_WEIGHT * best + (1 - ASK_WEIGHT) * centroid
    raw[line, owners] = np.where(alone, 0.0, raw[line, owners])
    return HeldBlock(rows=batch, in_scope=True, raw=raw, owners=owners, alone=alone)


def _held_entry_out(scorer: LexicalScorer, batch: np.ndarray, entry_frequency: np.ndarray) -> HeldBlock:
    asks = scorer.asks[batch]
    owners = scorer.owners[batch]
    queries = _without(asks, entry_frequency[asks.indices] <= 1)
    per_ask = (queries @ scorer.asks_t).tocsr()
    row = np.repeat(np.arange(batch.size), np.diff(per_ask.indptr))
    best = _best_asks(scorer, per_ask, scorer.owners[per_ask.indices] == owners[row])
    raw = ASK_WEIGHT * best + (1 - ASK_WEIGHT) * (queries @ scorer.centroids_t).toarray()
    raw[np.arange(batch.size), owners] = 0.0  # the entry is not there: scored as `match` scores a missing runner-up
    return HeldBlock(rows=batch, in_scope=False, raw=raw, owners=owners, alone=np.zeros(batch.size, dtype=bool))


# The raw similarity a guess needs to be suggested or sent, each chosen leave-one-set-out (bench/evidence.py):
EVIDENCE_FLOOR = 0.07  # in a shop that calibrates, beside the score: on the eval sets at the default levels
TINY_SHOP_FLOOR = 0.11  # in a shop too small to calibrate, alone: on tiny shops cut from the eval sets
MIN_CALIBRATION = 20  # asks to hold out a shop needs to calibrate: 95 in 100 cannot show in fewer than 20


def calibration_asks(scorer: LexicalScorer) -> int:
    """How many asks a calibration can hold out: the distinct texts (with a feature) of entries having at
    least two, as holding out an entry's only text leaves nothing of the entry to match it against."""
    has_features = np.diff(scorer.asks.indptr) > 0
    distinct = {(owner, text) for owner, text, ok in zip(scorer.owners.tolist(), scorer.texts, has_features) if ok}
    per_entry = Counter(owner for owner, _ in distinct)
    return sum(count for count in per_entry.values() if count >= 2)


class Scored(Protocol):
    """What the decision reads of the best candidate (a `Candidate`, or `_Best` without a message)."""

    @property
    def entry(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def raw(self) -> float: ...


@dataclass(frozen=True, slots=True)
class _Best:
    entry: str
    score: float
    raw: float


class Matcher:
    """One index per rules load: normalisation with the shop's synonyms, the scorer, calibration.

    The decision (D-8) rests on evidence, in this order:

    - an **exact ask**: the normalised message is an ask (or the title) of one entry and of no other.
      That entry scores 100; it is auto-sent when the margin holds and the entry allows it.
    - **no evidence**: the best entry's raw similarity is under EVIDENCE_FLOOR (TINY_SHOP_FLOOR in a
      tiny shop), so the message shares (almost) nothing with it: no answer, whatever the score.
    - a shop **too small to calibrate** (one entry, or fewer than MIN_CALIBRATION asks it can hold
      out): its leads mean nothing, so a guess scores 0, is never sent and is suggested on evidence.
    - otherwise the calibrated score against the shop's levels; and a guess those would auto-send
      is sent only when it also **means** what the entry means (`engine.meaning`: an embedding
      similarity MEANING_FLOOR or more above the shop's background), else suggested.
    """

    def __init__(self, entries: Sequence[FaqEntry], synonyms: Sequence[SynonymGroup] = ()) -> None:
        self.entries = tuple(entries)
        self.normalize = Normalizer(synonyms)
        self.scorer = LexicalScorer(self.entries, self.normalize)
        self.held_out = held_out(self.scorer, MAX_SAMPLES)
        self.calibration = fit(self.held_out.lead, self.held_out.correct)
        self.calibration_asks = calibration_asks(self.scorer)
        self.tiny = len(self.entries) < 2 or self.calibration_asks < MIN_CALIBRATION
        bounds = [*self.scorer.titles, len(self.scorer.texts)]
        # normalised as the lexical side sees them (one script, case and width folded, synonyms applied)
        self.meaning = Meaning([self.scorer.normal[start:end] for start, end in pairwise(bounds)])
        self.meaning_floor = MEANING_FLOOR  # the meaning a guess needs to be auto-sent (0: no check; a bench's)
        self.numbers = {entry.id: number for number, entry in enumerate(self.entries)}  # id -> index

    def match(self, text: str, levels: Matching, top: int = 5) -> Match:
        message = self.normalize(text)
        if not self.entries:
            return Match(
                message=message,
                candidates=(),
                margin=0.0,
                decision=Decision.none,
                levels=levels,
                reason="no answer: the shop has no entries",
            )
        return self.judge(message, self.scorer.score(message), levels, top)

    def judge(self, message: Normalized, scores: Scores, levels: Matching, top: int = 5) -> Match:
        """The match of a message this matcher scored (`scorer.score(message)`): what `match` returns.
        Apart so a caller holding the scores (`engine.rescore`, `kefu lint`) decides without scoring again."""
        order, top_raw, exact = self.ranked(message, scores, max(top, 2))
        first = top_raw[0]
        second = top_raw[1] if len(top_raw) > 1 else 0.0
        # every entry's lead over the best *other* entry: the best one's is positive, the rest's not
        leads = [first - second] + [raw - first for raw in top_raw[1:]]
        candidates = tuple(
            Candidate(
                entry=self.entries[i].id,
                score=self._score(rank, leads[rank], exact >= 0),
                raw=round(top_raw[rank], 4),
                ask=self.scorer.ask_text(self.scorer.best_ask(scores, i)),
            )
            for rank, i in enumerate(order)
            if top_raw[rank] > 0 or (rank == 0 and exact >= 0)
        )
        margin = round(100.0 * (first - second), 1) if candidates else 0.0  # raw points of 100
        decision, reason, sense = self._decide(
            candidates,
            self.entries[order[0]],
            margin,
            exact >= 0,
            levels,
            lambda: self.meaning.of(message.text, order[0]),
        )
        return Match(
            message=message,
            candidates=candidates[:top],
            margin=margin,
            decision=decision,
            levels=levels,
            exact=exact >= 0,
            tiny=self.tiny,
            reason=reason,
            meaning=sense,  # rounded once, by Meaning.of: the number compared is the one shown
        )

    def means(self, message: Normalized, entry: str) -> bool:
        """Whether the message passes the meaning check for the entry with id `entry` (what an auto-send
        of a guess needs at any level: `kefu eval --sweep`)."""
        try:
            return self.meaning.of(message.text, self.numbers[entry]) >= self.meaning_floor
        except MeaningUnavailable:  # as `match` does: no guess is auto-sent unchecked
            return False

    def ranked(self, message: Normalized, scores: Scores, top: int) -> tuple[list[int], list[float], int]:
        """The `top` best entries of a scored message (the entry it is an exact ask of first), their raw
        similarities as Python floats (the same doubles), and that exact entry (-1: none). With
        `decision`, what `judge` decides, without building a match (a bench's penalty grid)."""
        order = top_entries(scores.raw, top)
        exact = self.scorer.exact.get(message.text, -1) if message.text else -1
        if exact >= 0 and order[0] != exact:  # the entry the message is an ask of comes first
            order = [exact] + [i for i in order if i != exact][: top - 1]
        return order, scores.raw[order].tolist(), exact

    def decision(
        self, entry: int, first: float, second: float, exact: bool, levels: Matching, message: Normalized
    ) -> Decision:
        """What `match` decides for the message whose best entry is `entry` (its index) with raw
        `first`, the best other entry's raw `second` and `exact` as found: the same rules, without
        scoring it (`engine.rescore` asks it at the ends of the range a score can be in). The message
        is read only if the decision would be an auto-send of a guess (its meaning is checked)."""
        if not exact and first <= 0:
            return Decision.none  # no candidates
        best = _Best(self.entries[entry].id, self._score(0, first - second, exact), round(first, 4))
        margin = round(100.0 * (first - second), 1)
        decided, _, _ = self._decide(
            (best,), self.entries[entry], margin, exact, levels, lambda: self.meaning.of(message.text, entry)
        )
        return decided

    def _score(self, rank: int, lead: float, exact: bool) -> float:
        """An exact ask scores 100 and the others 0; in a shop too small to calibrate every guess
        scores 0 (no confidence can be shown); otherwise the calibrated confidence of the lead."""
        if exact:
            return 100.0 if rank == 0 else 0.0
        if self.tiny:
            return 0.0
        return round(self.calibration.of(lead), 1)

    def _decide(
        self,
        candidates: Sequence[Scored],
        entry: FaqEntry,
        margin: float,
        exact: bool,
        levels: Matching,
        meaning: Callable[[], float],
    ) -> tuple[Decision, str, float | None]:
        """D-8 with evidence: the decision, why in one line, and the message's meaning (engine.meaning) to
        the entry where it was checked (`meaning` is called only for a guess about to be auto-sent)."""
        decision, reason = self._evidence(candidates, entry, margin, exact, levels)
        if decision is not Decision.auto_send or exact:
            return decision, reason, None
        try:
            sense = meaning()
        except MeaningUnavailable as error:
            return (*self._held_back(candidates[0], levels, reason, f"the meaning check cannot run ({error})"), None)
        if sense >= self.meaning_floor:
            return decision, f"{reason}; meaning {sense:.3f} >= {self.meaning_floor:g}", sense
        far = f"its meaning is far from '{candidates[0].entry}' ({sense:.3f} < {self.meaning_floor:g})"
        return (*self._held_back(candidates[0], levels, reason, far), sense)

    @staticmethod
    def _held_back(best: Scored, levels: Matching, reason: str, why: str) -> tuple[Decision, str]:
        """A guess the score and margin would send, not sent: suggested if its score reaches the
        suggest level (a shop may set it above `confidence`), else nothing."""
        lexical = reason.removeprefix("auto-send: ")
        if best.score >= levels.suggest:
            return Decision.suggest, f"suggest: {lexical}, but {why}, so it is not auto-sent"
        return (
            Decision.none,
            f"no answer: {lexical}, but {why}, and score {best.score:g} < {levels.suggest} (the suggest level)",
        )

    def _evidence(
        self, candidates: Sequence[Scored], entry: FaqEntry, margin: float, exact: bool, levels: Matching
    ) -> tuple[Decision, str]:
        """D-8 with the lexical evidence: the decision and why, in one line."""
        if not candidates:
            return Decision.none, "no answer: the message shares nothing with any entry"
        best = candidates[0]
        held = f"margin {margin:g} {'>=' if margin >= levels.margin else '<'} {levels.margin}"
        never = f"'{best.entry}' is 'auto never'"
        if exact:
            if not entry.auto:
                return (
                    Decision.suggest,
                    f"suggest: the message is an exact ask of '{best.entry}' (score 100), but {never}",
                )
            if best.score >= levels.confidence and margin >= levels.margin:
                return (
                    Decision.auto_send,
                    f"auto-send: the message is an exact ask of '{best.entry}' (score 100), {held}",
                )
            return Decision.suggest, f"suggest: the message is an exact ask of '{best.entry}' (score 100), but {held}"
        floor = TINY_SHOP_FLOOR if self.tiny else EVIDENCE_FLOOR
        if best.raw < floor:
            return Decision.none, (
                f"no answer: raw {best.raw:.3f} < {floor:g}, the message shares almost nothing with "
                f"'{best.entry}' (the least evidence a guess needs{' in a shop this small' if self.tiny else ''})"
            )
        if self.tiny:
            return Decision.suggest, (
                f"suggest: raw {best.raw:.3f} >= {floor:g}; the shop is too small to calibrate "
                f"({self._size()}), so only exact asks are auto-sent"
            )
        sure = f"score {best.score:g} {'>=' if best.score >= levels.confidence else '<'} {levels.confidence}"
        if entry.auto and best.score >= levels.confidence and margin >= levels.margin:
            return Decision.auto_send, f"auto-send: {sure} and {held}"
        if best.score >= levels.suggest:
            why_not = never if not entry.auto else sure if best.score < levels.confidence else held
            return Decision.suggest, f"suggest: score {best.score:g} >= {levels.suggest}; not sent: {why_not}"
        return Decision.none, f"no answer: score {best.score:g} < {levels.suggest} (the suggest level)"

    def _size(self) -> str:
        if len(self.entries) < 2:
            return "one entry"
        return f"{self.calibration_asks} asks to hold out, {MIN_CALIBRATION} needed"
