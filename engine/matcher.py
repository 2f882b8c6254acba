"""Intent recognition (IR-1, IR-2, IR-3, KB-3, D-8): which entry a message is about, and how sure.

One index is built per rules load. The lexical scorer represents every ask (and each entry's title
and keywords) as a tf-idf vector of `engine.features`; a message is scored against every entry at
once with sparse matrix products (no Python loop over asks): the best single ask of each entry and
the entry's centroid, averaged. That raw similarity is turned into a calibrated confidence 0-100
with the shop's own knowledge base (see `engine.calibration`), so that a shop's levels mean the
same whatever its size or language.

Scorers sit behind the small `Scorer` protocol; a second one (a sentence-embedding model) can join
the lexical one later without changing any caller.
"""

from __future__ import annotations

import math
from collections import Counter
from enum import Enum
from typing import Protocol, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import sparse

from engine.calibration import MAX_SAMPLES, fit
from engine.features import features
from engine.normalize import Normalized, Normalizer
from engine.rules import FaqEntry, Matching, SynonymGroup

ASK_WEIGHT = 0.5  # raw = ASK_WEIGHT * best ask + (1 - ASK_WEIGHT) * entry centroid


class Scores(BaseModel):
    """One scorer's view of a message: a similarity in [0, 1] per entry, and the ask behind it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    raw: np.ndarray  # shape (entries,)
    per_ask: np.ndarray  # shape (asks,): what drove each entry's score


class Scorer(Protocol):
    """What the matcher needs of a scorer. Implementations: `LexicalScorer` (more may join)."""

    name: str

    def score(self, message: Normalized) -> Scores: ...

    def best_ask(self, scores: Scores, entry: int) -> int: ...

    def ask_text(self, index: int) -> str: ...


class LexicalScorer:
    """tf-idf over `engine.features` with sublinear term frequency, scored by sparse products."""

    name = "lexical"

    def __init__(self, entries: Sequence[FaqEntry], normalize: Normalizer) -> None:
        self.normalize = normalize
        texts: list[str] = []
        owners: list[int] = []
        for number, entry in enumerate(entries):
            for text in [entry.title, *(ask.text for ask in entry.asks)] + ([" ".join(entry.keywords)] if entry.keywords else []):
                texts.append(text)
                owners.append(number)
        self.texts = texts
        self.owners = np.asarray(owners, dtype=np.int64)
        self.entries = len(entries)
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for row, text in enumerate(texts):  # one pass: no list of per-ask counters held at once
            for feature, n in Counter(features(normalize(text).text)).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(feature, len(vocabulary)))
                values.append(1.0 + math.log(n))
        self.vocabulary = vocabulary
        shape = (len(texts), max(len(vocabulary), 1))
        tf = sparse.csr_matrix((np.asarray(values), (np.asarray(rows), np.asarray(cols))), shape=shape)
        document_frequency = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
        self.idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
        self.unseen_idf = float(self.idf.max())  # the weight of a feature no ask has
        weighted = tf.multiply(self.idf).tocsr()
        self.asks = _l2_rows(weighted)  # (asks, features)
        self.asks_t = self.asks.T.tocsr()  # (features, asks): a message's features pick rows
        membership = sparse.csr_matrix((np.ones(len(texts)), (self.owners, np.arange(len(texts)))),
                                       shape=(len(entries), len(texts)))
        self.sums = (membership @ self.asks).tocsr()  # unnormalised centroids, kept for calibration
        self.centroids_t = _l2_rows(self.sums).T.tocsr()
        order = np.argsort(self.owners, kind="stable")
        self.order = order  # asks grouped by entry, for per-entry maxima
        self.starts = np.searchsorted(self.owners[order], np.arange(len(entries)))

    def vector(self, message: Normalized) -> tuple[np.ndarray, np.ndarray]:
        """The message's features present in the index, with their tf-idf weights (L2-normalised)."""
        count = Counter(features(message.text))
        known = [(self.vocabulary[f], 1.0 + math.log(n)) for f, n in count.items() if f in self.vocabulary]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        index = np.asarray([k for k, _ in known], dtype=np.int64)
        weight = np.asarray([w for _, w in known]) * self.idf[index]
        # unknown features still count in the norm: a long message about something else scores low
        unknown = [1.0 + math.log(n) for f, n in count.items() if f not in self.vocabulary]
        norm = math.sqrt(float(weight @ weight) + sum((w * self.unseen_idf) ** 2 for w in unknown))
        return index, weight / norm if norm else weight

    def score(self, message: Normalized) -> Scores:
        index, weight = self.vector(message)
        if index.size == 0:
            return Scores(raw=np.zeros(self.entries), per_ask=np.zeros(len(self.texts)))
        per_ask = np.asarray(self.asks_t[index].T @ weight).ravel()
        best = np.maximum.reduceat(per_ask[self.order], self.starts) if per_ask.size else np.zeros(self.entries)
        centroid = np.asarray(self.centroids_t[index].T @ weight).ravel()
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


def _l2_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


def held_out(scorer: LexicalScorer, normalize: Normalizer, limit: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-out over a knowledge base: for up to `limit` asks, the top raw score, the best
    other entry's raw score and whether the top entry was the ask's own, with the ask (and every
    identical text of its entry) removed from the index. Features only that ask had count as
    unknown words, as they would in a customer's message."""
    rows = np.arange(len(scorer.texts))
    if rows.size > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))
    document_frequency = np.diff(scorer.asks_t.indptr)
    copies: dict[tuple[int, str], list[int]] = {}  # an entry's rows with the same text (a title = an ask)
    for number, (owner, text) in enumerate(zip(scorer.owners.tolist(), scorer.texts)):
        copies.setdefault((owner, text), []).append(number)
    sizes = np.bincount(scorer.owners, minlength=scorer.entries)
    tops, seconds, correct = [], [], []
    for row in rows:
        entry = int(scorer.owners[row])
        text = scorer.texts[row]
        index, weight = scorer.vector(normalize(text))
        if index.size == 0:
            continue
        shared = document_frequency[index] > 1
        lost = float(np.sum(weight[~shared] ** 2))  # features only this ask had: unknown now
        index, weight = index[shared], weight[shared] / max(np.sqrt(float(np.sum(weight[shared] ** 2)) + lost * 4.0), 1e-12)
        same = copies[(entry, text)]
        if index.size == 0:
            per_ask = np.zeros(len(scorer.texts))
            centroid = np.zeros(scorer.entries)
        else:
            per_ask = np.asarray(scorer.asks_t[index].T @ weight).ravel()
            centroid = np.asarray(scorer.centroids_t[index].T @ weight).ravel()
        per_ask[same] = 0.0
        best = np.maximum.reduceat(per_ask[scorer.order], scorer.starts)
        removed = scorer.asks[same].sum(axis=0).A1
        left = scorer.sums[entry].toarray().ravel() - removed
        norm = np.sqrt(max(float(left @ left), 0.0))
        remaining = int(sizes[entry]) - len(same)
        if remaining <= 0 or norm < 1e-9:
            centroid[entry], best[entry] = 0.0, 0.0
        else:
            centroid[entry] = float(left[index] @ weight) / norm if index.size else 0.0
        raw = ASK_WEIGHT * best + (1 - ASK_WEIGHT) * centroid
        top = int(np.argmax(raw))
        other = np.partition(np.delete(raw, top), -1)[-1] if raw.size > 1 else 0.0
        tops.append(float(raw[top]))
        seconds.append(float(other))
        correct.append(top == entry and remaining > 0)
    return np.asarray(tops), np.asarray(seconds), np.asarray(correct, dtype=bool)


class Candidate(BaseModel):
    """One entry a message may be about."""

    model_config = ConfigDict(frozen=True)

    entry: str
    score: float  # calibrated confidence 0-100
    raw: float  # the scorer's similarity 0-1
    ask: str  # the ask (or title, or keywords) that drove it


class Decision(str, Enum):
    auto_send = "auto_send"
    suggest = "suggest"
    none = "none"


class Match(BaseModel):
    """What the matcher makes of one message (IR-1), and what D-8 decides with the given levels."""

    model_config = ConfigDict(frozen=True)

    message: Normalized
    candidates: tuple[Candidate, ...]  # best first
    margin: float  # best raw similarity minus the best other entry's, in points of 100
    decision: Decision
    levels: Matching

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Matcher:
    """One index per rules load: normalisation with the shop's synonyms, the scorer, calibration."""

    def __init__(self, entries: Sequence[FaqEntry], synonyms: Sequence[SynonymGroup] = ()) -> None:
        self.entries = tuple(entries)
        self.normalize = Normalizer(synonyms)
        self.scorer = LexicalScorer(self.entries, self.normalize)
        tops, _, correct = held_out(self.scorer, self.normalize, MAX_SAMPLES)
        self.calibration = fit(tops, correct)

    def match(self, text: str, levels: Matching, top: int = 5) -> Match:
        message = self.normalize(text)
        if not self.entries:
            return Match(message=message, candidates=(), margin=0.0, decision=Decision.none, levels=levels)
        scores = self.scorer.score(message)
        confidence = self.calibration(scores.raw)
        order = np.argsort(-scores.raw, kind="stable")[: max(top, 2)]  # calibration is monotone: same order
        candidates = tuple(
            Candidate(entry=self.entries[i].id, score=round(float(confidence[i]), 1), raw=round(float(scores.raw[i]), 4),
                      ask=self.scorer.ask_text(self.scorer.best_ask(scores, int(i))))
            for i in order if scores.raw[i] > 0
        )
        best = candidates[0].score if candidates else 0.0
        # the margin is read on the raw similarity (in points of 100): calibration is a step map,
        # flat where the data were sparse, and would call two very different matches a tie
        other_raw = float(scores.raw[order[1]]) if len(order) > 1 else 0.0
        margin = round(100.0 * (float(scores.raw[order[0]]) - other_raw), 1) if candidates else 0.0
        entry = self.entries[int(order[0])] if candidates else None
        if entry is not None and entry.auto and best >= levels.confidence and margin >= levels.margin:
            decision = Decision.auto_send
        elif candidates and best >= levels.suggest:
            decision = Decision.suggest
        else:
            decision = Decision.none
        return Match(message=message, candidates=candidates[:top], margin=margin, decision=decision, levels=levels)
