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
writing Traditional).

That similarity is not comparable across shops: a static embedding finds any two Chinese texts of a
shop about 0.5 alike and two English ones 0.1-0.2 (it reads Chinese nearly character by character).
So what is checked is the message's meaning *above the shop's background*, the mean similarity of
the shop's texts to entries they are not of: (similarity - background) / (1 - background). A guess
whose calibrated score and margin would auto-send it is sent only when that reaches
`MEANING_FLOOR`; otherwise it is suggested. Exact asks and suggestions are never checked: the check
only ever holds an auto-send back, so what the calibration promises still holds.

The floor is chosen by what a wrong auto-send costs: at 95% precision one wrong answer weighs as
much as 19 right ones, so the floor is the one that maximises 19 x (wrong auto-sends held back) -
(right ones held back) over the visible eval sets, their cut shops and bench/variants.py's shops of
seeds 1-3 (0.25; leaving any one source out: 0.25-0.325). On the shops of seeds 4-6, which chose
nothing, it leaves 9 of 90 under 95% where 12 were with no check (10 with a floor on the similarity
itself), holding back 7 right auto-sends for each wrong one where a larger lead penalty holds back
20-25 (bench/meaning_check.py, docs/matching.md).

Each entry's texts are embedded the first time a message would be auto-sent to it, and the model is
loaded the first time any is, and the shop's background is measured then (among at most
BACKGROUND_ENTRIES entries of BACKGROUND_TEXTS texts: 10-90 ms once for the eval sets' shops): a
shop's index builds no slower, and a message that is not about to be auto-sent costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MEANING_FLOOR = 0.25  # meaning (above the shop's background) a guess needs to be auto-sent (module doc)
DIMENSIONS = 256  # the weights the wheel ships
ASK_WEIGHT = 0.5  # engine.matcher.ASK_WEIGHT (which imports this module): best text and centroid, averaged
MAX_CHARS = 2000  # the start of a huge message is what it means (the normaliser folds as much)
PLACES = 3  # a similarity is rounded once, and that number is compared, shown and stored
BACKGROUND_ENTRIES = 64  # entries the shop's background similarity is measured among (a sample beyond)
BACKGROUND_TEXTS = 32  # an entry's first texts the background reads (one of 10,000 asks costs no more)

Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> (texts, DIMENSIONS) rows of unit length


class MeaningUnavailable(Exception):
    """The model could not be loaded (a broken install): no guess is auto-sent unchecked."""


_lock = threading.Lock()
_loaded: list[Embed] = []
_failed: list[str] = []


def embedder() -> Embed:
    """The model, loaded once per process, from the wheel's own folder with downloads off (its loader
    looks for the tokenizer in a cache folder before any download: the wheel's folder finds it).
    Raises MeaningUnavailable, every time, if it cannot be loaded.

    A text's vector is WordLlama's own (`embed(texts, norm=True)`: the mean of its tokens' rows of the
    embedding table, of unit length), computed one text at a time: the same vectors (within 3e-8 on
    3,400 asks of the eval sets) in less than half the time for the few texts of one entry, whose
    batch tokenizer pays for threads it does not need. The mean and its length are taken in float64
    (a column's sum in row order), the unit vector kept in float32. A blank text is the zero vector.
    """
    with _lock:
        if not _loaded and not _failed:
            try:
                _loaded.append(_load())
            except Exception as error:  # a missing or damaged wheel: said once, the same every time
                _failed.append(f"{type(error).__name__}: {error}".splitlines()[0])
        if _failed:
            raise MeaningUnavailable(_failed[0])
        return _loaded[0]


def _load() -> Embed:
    import wordllama
    from wordllama import WordLlama

    model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True, trunc_dim=DIMENSIONS)
    table = np.asarray(model.embedding, dtype=np.float32)
    tokenizer = model.tokenizer

    def embed(texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False).ids if text.strip() else []
            if ids:
                mean = table[np.clip(ids, 0, table.shape[0] - 1)].sum(axis=0, dtype=np.float64) / len(ids)
                norm = float(np.sqrt(np.sum(mean * mean)))
                vectors[row] = mean / norm if norm > 0 else 0.0
        return vectors

    return embed


@lru_cache(maxsize=4096)
def _message(text: str) -> np.ndarray:
    """One message's vector, in float64 for the products (a message is often judged twice: at two
    sets of levels, or at both ends of a range)."""
    return embedder()([text])[0].astype(np.float64)


class Meaning:
    """The embedding's similarity of messages to a shop's entries, each entry embedded on first need."""

    def __init__(self, texts: Sequence[Sequence[str]]) -> None:
        """`texts`: per entry, the texts it is matched on (title, asks, keywords), normalised; blank
        ones (an ask of emoji only) mean nothing and are left out."""
        self._texts = texts
        self._memo()

    def _memo(self) -> None:
        self._entries: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._background: float | None = None
        self._lock = threading.Lock()  # the entries' memo
        self._measuring = threading.Lock()  # the background's

    def __getstate__(self) -> dict[str, Sequence[Sequence[str]]]:
        """The texts only: the vectors are a memo of them (deciding a message must leave a compiled
        shop as it found it, byte for byte: tests/engine/test_purity.py), and a lock does not pickle."""
        return {"texts": self._texts}

    def __setstate__(self, state: dict[str, Sequence[Sequence[str]]]) -> None:
        self._texts = state["texts"]
        self._memo()

    def of(self, message: str, entry: int) -> float:
        """How much closer `message` (normalised) is to entry number `entry` in meaning than this shop's
        texts are to other entries (`background`): (similarity - background) / (1 - background), 0-1,
        rounded to PLACES: the number the floor is compared with is the one shown. Raises
        MeaningUnavailable if the model cannot be loaded."""
        if not message.strip():
            return 0.0
        background = self.background()
        relative = (self.similarity(message, entry) - background) / max(1.0 - background, 1e-6)
        return round(float(np.clip(relative, 0.0, 1.0)), PLACES)

    def similarity(self, message: str, entry: int) -> float:
        """The embedding's similarity of `message` (normalised) to entry number `entry`, unscaled: the
        mean of its best text's cosine and the entry's centroid's, 0-1."""
        texts, centroid = self._entry(entry)
        vector = _message(message)
        if not texts.size or not vector.any():
            return 0.0
        best = float((texts @ vector).max())
        return float(np.clip(ASK_WEIGHT * best + (1 - ASK_WEIGHT) * float(centroid @ vector), 0.0, 1.0))

    def background(self) -> float:
        """How similar this shop's texts are to entries they are not of: the mean `similarity` of every
        text to every other entry, among BACKGROUND_ENTRIES entries (all of them in a shop of no more,
        else that many evenly spaced in the shop's order: the texts are all it depends on), each read
        by its first BACKGROUND_TEXTS texts (a bound on the work, whatever the shop: at most 64 x 32
        texts embedded, 2 s if every one were 2,000 characters; a message is still compared with all
        of an entry's texts, so in a shop of entries with more than 32 asks the background reads a
        little low, 0.113 for 0.131 on clinc150's full training data). A static
        embedding's similarities sit higher in some scripts than in others (unrelated Chinese texts of
        a shop average about 0.5, English ones 0.1-0.2), so meaning is measured above this level. 0
        for a shop of fewer than two entries with texts. Computed on first need, once."""
        with self._measuring:  # one thread measures; another waits for its number
            if self._background is None:
                self._background = self._measure()
            return self._background

    def _measure(self) -> float:
        kept = [self._kept(entry) for entry in range(len(self._texts))]
        with_texts = [entry for entry, texts in enumerate(kept) if texts]
        if len(with_texts) > BACKGROUND_ENTRIES:  # evenly spaced: the same on every machine and version
            with_texts = [with_texts[i * len(with_texts) // BACKGROUND_ENTRIES] for i in range(BACKGROUND_ENTRIES)]
        vectors = [
            self._entry(entry) if len(kept[entry]) <= BACKGROUND_TEXTS else _embedded(kept[entry][:BACKGROUND_TEXTS])
            for entry in with_texts
        ]
        return _mean_to_others(vectors) if len(vectors) > 1 else 0.0

    def _entry(self, entry: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            found = self._entries.get(entry)
            if found is None:
                found = self._entries[entry] = _embedded(self._kept(entry))
            return found

    def _kept(self, entry: int) -> list[str]:
        """The entry's texts that mean something (a blank one, an ask of emoji only, is left out)."""
        return [text for text in self._texts[entry] if text.strip()]


def _embedded(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Texts' vectors (float32, kept so) and their centroid (float64, for the products)."""
    vectors = embedder()(texts) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)
    total = vectors.sum(axis=0, dtype=np.float64)
    return vectors, total / max(float(np.sqrt(np.sum(total * total))), 1e-12)


def _mean_to_others(entries: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """The mean similarity (as `Meaning.similarity`) of every text of `entries` (their vectors and
    centroid, each with a text) to every entry but its own."""
    texts = np.concatenate([vectors for vectors, _ in entries]).astype(np.float64)
    centroids = np.stack([centroid for _, centroid in entries])
    sizes = [len(vectors) for vectors, _ in entries]
    starts = np.cumsum([0, *sizes[:-1]])
    best = np.maximum.reduceat(texts @ texts.T, starts, axis=1)  # each text's best text of each entry
    similarity = np.clip(ASK_WEIGHT * best + (1 - ASK_WEIGHT) * (texts @ centroids.T), 0.0, 1.0)
    own = np.repeat(np.arange(len(entries)), sizes)
    similarity[np.arange(len(texts)), own] = np.nan
    return float(np.nanmean(similarity))
