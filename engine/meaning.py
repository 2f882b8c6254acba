"""A second opinion before a guess is auto-sent: does the message *mean* what the entry means?

The lexical scorer counts shared words, so a message that shares only its frame with one entry and
nothing with the others leads by its whole similarity: in a dozen-entry clinc shop *how many pounds
are in 10 kilos* (a unit conversion the shop has no entry for) leads to `spelling` through *how many
es are in receiving*, and the calibrated score says 98. Holding the shop's own asks out never shows
it (none of its entries shares a frame with another), and every lexical correction measured (a
larger lead penalty, floors, priors, backgrounds of everyday words: docs/matching.md) removes wrong
answers only at the rate it removes right ones.

A static sentence embedding knows that *pounds* and *kilos* are not letters: WordLlama (`l2_supercat`,
token embeddings distilled from a large language model, averaged per text; its 256-dimension weights
ship inside its wheel, 16 MB, so nothing is downloaded). The similarity of a message to an entry is
built as the lexical one's: the mean of its best text's cosine and the entry's centroid's, both
sides normalised as the lexical scorer sees them (one Chinese script, case and width folded,
synonyms applied: a zh-Hant shop checks a customer writing Simplified Chinese as it checks one
writing Traditional). A guess whose calibrated score and margin would auto-send it is sent only
when that similarity reaches `MEANING_FLOOR`; otherwise it is suggested. Exact asks and suggestions
are never checked: the check only ever holds an auto-send back, so what the calibration promises
still holds.

The floor is chosen by what a wrong auto-send costs: at 95% precision one wrong answer weighs as
much as 19 right ones, so the floor is the one that maximises 19 x (wrong auto-sends held back) -
(right ones held back) over the visible eval sets, their cut shops and bench/variants.py's shops of
seeds 1-3 (0.425; leaving any one source out: 0.425-0.5). On the shops of seeds 4-6, which chose
nothing, it leaves 10 of 90 under 95% where 12 were, holding back 12 right auto-sends for each
wrong one where a larger lead penalty holds back 20-25 (bench/meaning_check.py, docs/matching.md).

Each entry's texts are embedded the first time a message would be auto-sent to it, and the model is
loaded the first time any is: a shop's index builds no slower, and a message that is not about to
be auto-sent costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MEANING_FLOOR = 0.425  # embedding similarity a guess needs to be auto-sent (see the module doc)
DIMENSIONS = 256  # the weights the wheel ships
ASK_WEIGHT = 0.5  # as the lexical scorer's: the best text and the centroid, averaged
MAX_CHARS = 2000  # the start of a huge message is what it means (the normaliser folds as much)

Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> (texts, DIMENSIONS) rows of unit length

_lock = threading.Lock()
_loaded: list[Embed] = []


def embedder() -> Embed:
    """The model, loaded once per process, from the wheel's own folder with downloads off (its loader
    looks for the tokenizer in a cache folder before any download: the wheel's folder finds it).

    A text's vector is WordLlama's own (`embed(texts, norm=True)`: the mean of its tokens' rows of the
    embedding table, of unit length), computed one text at a time: the same vectors (within 3e-8 on
    3,400 asks of the eval sets) in less than half the time for the few texts of one entry, whose
    batch tokenizer pays for threads it does not need. A text with no token is the zero vector.
    """
    with _lock:
        if not _loaded:
            import wordllama
            from wordllama import WordLlama

            model = WordLlama.load(
                cache_dir=Path(wordllama.__file__).parent, disable_download=True, trunc_dim=DIMENSIONS
            )
            table = np.asarray(model.embedding, dtype=np.float32)
            tokenizer = model.tokenizer

            def embed(texts: Sequence[str]) -> np.ndarray:
                vectors = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
                for row, text in enumerate(texts):
                    ids = tokenizer.encode(text[:MAX_CHARS] or " ", add_special_tokens=False).ids
                    if ids:
                        mean = table[np.clip(ids, 0, table.shape[0] - 1)].sum(axis=0, dtype=np.float32)
                        mean /= np.float32(len(ids))
                        norm = float(np.linalg.norm(mean))
                        vectors[row] = mean / norm if norm > 0 else mean
                return vectors

            _loaded.append(embed)
        return _loaded[0]


@lru_cache(maxsize=4096)
def _message(text: str) -> np.ndarray:
    """One message's vector (a message is often judged twice: at two sets of levels, or both ends of a range)."""
    return embedder()([text])[0]


class Meaning:
    """The embedding's similarity of messages to a shop's entries, each entry embedded on first need."""

    def __init__(self, texts: Sequence[Sequence[str]]) -> None:
        """`texts`: per entry, the texts it is matched on (title, asks, keywords), normalised."""
        self._texts = texts
        self._memo()

    def _memo(self) -> None:
        self._entries: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Sequence[Sequence[str]]]:
        """The texts only: the vectors are a memo of them (deciding a message must leave a compiled
        shop as it found it, byte for byte: tests/engine/test_purity.py), and a lock does not pickle."""
        return {"texts": self._texts}

    def __setstate__(self, state: dict[str, Sequence[Sequence[str]]]) -> None:
        self._texts = state["texts"]
        self._memo()

    def of(self, message: str, entry: int) -> float:
        """How close `message` (normalised) is to entry number `entry` in meaning, 0-1."""
        texts, centroid = self._entry(entry)
        vector = _message(message)
        best = float((texts @ vector).max()) if texts.size else 0.0
        return float(np.clip(ASK_WEIGHT * best + (1 - ASK_WEIGHT) * float(centroid @ vector), 0.0, 1.0))

    def _entry(self, entry: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            found = self._entries.get(entry)
            if found is None:
                texts = embedder()(list(self._texts[entry])) if self._texts[entry] else np.zeros((0, DIMENSIONS))
                total = texts.sum(axis=0) if texts.size else np.zeros(DIMENSIONS, dtype=np.float32)
                centroid = total / max(float(np.linalg.norm(total)), 1e-9)
                found = self._entries[entry] = (texts, centroid)
            return found
