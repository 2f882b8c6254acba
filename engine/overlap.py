"""Every ask of a shop against the rest of its index, for `kefu lint`, without scoring each ask against
every text.

The asks of a shop share common features (請問, 可以, 嗎, "can i"): the product of the index with itself
is nearly dense, minutes for a shop of 10,000 entries. Most asks need far less: proof that their own
entry beats every other by the shop's margin when a customer writes them word for word. A bound gives
it. Split the features into rare ones (held by at most `max(MIN_COMMON, COMMON_SHARE x texts)` texts)
and common ones. Every text's vector and the ask's have length 1, so the ask's similarity to any text,
or to an entry's centroid, is at most its similarity over the rare features plus the length of its
own common part (Cauchy-Schwarz); an entry's raw score, a weighted mean of the two, is bounded the
same way. The rare product is sparse and cheap. An ask is settled (`clear`) when its own entry's raw
score, exactly known (the ask is one of its texts, so its best ask scores 1), beats the bound of every
other entry by the margin; the caller matches the others in full.

The same rare product names each ask's likeliest near-duplicates: the texts of other entries that
share the most rare weight with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from kefu.engine.matcher import ASK_WEIGHT, LexicalScorer, l2_rows

COMMON_SHARE = 0.01  # a feature held by more than this share of the texts is common ...
MIN_COMMON = 50  # ... and by more than this many


@dataclass(frozen=True, slots=True)
class Overlap:
    """One ask against the rest of the index."""

    clear: bool  # its own entry's raw score beats every other entry's by the margin or more (proven)
    nearest: tuple[int, ...] | None  # text rows of other entries (titles, asks) sharing the most rare
    # weight with it, best first; None when the ask holds no rare feature (only a full score can tell)


def overlaps(
    scorer: LexicalScorer, rows: Sequence[int], margin: float, nearest: int = 5, chunk: int = 1024
) -> list[Overlap]:
    """Each of the index's texts `rows` (asks), as the message it is: whether its own entry wins by
    `margin` (raw points of 100) for sure, and its `nearest` candidate near-duplicates."""
    texts = len(scorer.texts)
    if not rows or not texts:
        return [Overlap(clear=False, nearest=None) for _ in rows]
    common = scorer.document_frequency > max(MIN_COMMON, COMMON_SHARE * texts)
    rare_t = (sparse.diags((~common).astype(float)) @ scorer.both_t).tocsr()
    rare_t.eliminate_zeros()
    centroids = l2_rows(scorer.sums)
    norms = _CommonNorms.of(scorer, common, centroids)
    found: list[Overlap] = []
    for start in range(0, len(rows), chunk):
        picked = np.asarray(rows[start : start + chunk], dtype=np.int64)
        found.extend(_chunk(scorer, norms, picked, common, centroids, rare_t, margin, nearest))
    return found


def _chunk(
    scorer: LexicalScorer,
    norms: _CommonNorms,
    picked: np.ndarray,
    common: np.ndarray,
    centroids: sparse.csr_matrix,
    rare_t: sparse.csr_matrix,
    margin: float,
    nearest: int,
) -> list[Overlap]:
    """`overlaps` of one chunk of asks, with numpy over the chunk's whole rare product (no loop per pair)."""
    texts, entries = len(scorer.texts), scorer.entries
    queries = scorer.asks[picked]
    owners = scorer.owners[picked]
    lines = len(picked)
    rest = np.sqrt(np.maximum(np.asarray(queries.multiply(queries) @ common.astype(float)).ravel(), 0.0))
    own_centroid = np.asarray(queries.multiply(centroids[owners]).sum(axis=1)).ravel()
    own_raw = np.clip(ASK_WEIGHT + (1 - ASK_WEIGHT) * own_centroid, 0.0, 1.0)  # its best ask is itself: 1
    product = (queries @ rare_t).tocoo()
    line, column, value = product.row.astype(np.int64), product.col.astype(np.int64), product.data
    is_text = column < texts
    entry = np.where(is_text, scorer.owners[np.minimum(column, texts - 1)], column - texts)
    other = entry != owners[line]
    # per (ask, other entry): ASK_WEIGHT x its best text + the rest x its centroid, over the rare features
    key = line[other] * entries + entry[other]
    part = np.where(is_text[other], value[other], 0.0)
    centroid_part = np.where(is_text[other], 0.0, value[other])
    order = np.lexsort((-part, key))
    key, part, centroid_part = key[order], part[order], centroid_part[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, dtype=np.int64)
    best = np.maximum.reduceat(part, starts) if key.size else np.zeros(0)
    centre = np.add.reduceat(centroid_part, starts) if key.size else np.zeros(0)
    pairs = key[starts] if key.size else np.zeros(0, dtype=np.int64)
    pair_line, pair_entry = pairs // entries, pairs % entries
    pruned = ASK_WEIGHT * best + (1 - ASK_WEIGHT) * centre + rest[pair_line] * norms.entry[pair_entry]
    bound = np.zeros(lines)
    np.maximum.at(bound, pair_line, pruned)
    floor = np.array([norms.others(int(owner)) for owner in owners])
    bound = np.minimum(np.maximum(bound, rest * floor), 1.0)
    has_features = np.diff(queries.indptr) > 0
    clear = has_features & (own_raw - bound >= margin / 100 + 1e-9)  # a hair to spare for rounding
    # the nearest texts of other entries, by shared rare weight
    keep = is_text & other & scorer.asked[np.minimum(column, texts - 1)] & (value > 0)
    near_line, near_row, near_value = line[keep], column[keep], value[keep]
    order = np.lexsort((near_row, -near_value, near_line))
    near_line, near_row = near_line[order], near_row[order]
    first = np.searchsorted(near_line, np.arange(lines))
    last = np.searchsorted(near_line, np.arange(lines), side="right")
    found: list[Overlap] = []
    for index in range(lines):
        if not has_features[index] or rest[index] >= 1.0 - 1e-9:
            found.append(Overlap(clear=bool(clear[index]), nearest=None))
            continue
        top = near_row[first[index] : min(last[index], first[index] + nearest)]
        found.append(Overlap(clear=bool(clear[index]), nearest=tuple(int(row) for row in top)))
    return found


@dataclass(frozen=True, slots=True)
class _CommonNorms:
    """How long the common part of each entry's texts and centroid can be: an entry's raw score over
    the common features is at most the ask's common length times `entry[e]`."""

    entry: np.ndarray  # per entry: ASK_WEIGHT x its longest text's common part + the rest x its centroid's
    top: tuple[tuple[float, int], ...]  # the two largest of `entry`, with their entries

    @classmethod
    def of(cls, scorer: LexicalScorer, common: np.ndarray, centroids: sparse.csr_matrix) -> _CommonNorms:
        weight = common.astype(float)
        texts = np.sqrt(np.asarray(scorer.asks.multiply(scorer.asks) @ weight).ravel())
        longest = np.maximum.reduceat(texts[scorer.order], scorer.starts) if texts.size else np.zeros(0)
        centroid = np.sqrt(np.asarray(centroids.multiply(centroids) @ weight).ravel())
        entry = ASK_WEIGHT * longest + (1 - ASK_WEIGHT) * centroid
        order = np.argsort(-entry, kind="stable")[:2]
        return cls(entry=entry, top=tuple((float(entry[i]), int(i)) for i in order))

    def others(self, own: int) -> float:
        """The largest of `entry` among the entries other than `own`."""
        return next((value for value, entry in self.top if entry != own), 0.0)
