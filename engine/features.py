"""What a text is made of, for the lexical scorer: features that work with and without spaces.

Chinese (and any Han text) has no spaces, so a sentence is not one token: Han runs give character
unigrams, bigrams and trigrams. Other scripts give words (with a light suffix strip), word
bigrams and character 4-grams inside words, which tolerate typos and inflection. Every feature is
prefixed with its kind so a Han bigram never collides with a Latin word.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from kefu.engine.normalize import HAN_RANGES

_RUNS = re.compile(f"[{HAN_RANGES}]+|[^\\s{HAN_RANGES}]+")
_HAN_START = re.compile(f"[{HAN_RANGES}]")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")
MAX_FEATURES = 4000  # a 100 KB message is matched on a bounded number of features


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix strip (plural, -ing, -ed, -ly): enough for matching, never for display."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def features(text: str) -> list[str]:
    """Features of normalised text (see engine.normalize.fold)."""
    out: list[str] = []
    words: list[str] = []
    for run in _RUNS.findall(text):
        if _HAN_START.match(run):
            out.extend(_han(run))
        else:
            words.append(stem(run))
    out.extend("w:" + word for word in words)
    out.extend("b:" + a + " " + b for a, b in itertools.pairwise(words))
    for word in words:
        out.extend(_grams(word))
    return out[:MAX_FEATURES]


@lru_cache(maxsize=1 << 16)
def _han(run: str) -> tuple[str, ...]:
    """A Han run's character unigrams, bigrams and trigrams (runs repeat across asks: kept)."""
    return (
        *("c1:" + ch for ch in run),
        *("c2:" + run[i : i + 2] for i in range(len(run) - 1)),
        *("c3:" + run[i : i + 3] for i in range(len(run) - 2)),
    )


@lru_cache(maxsize=1 << 16)
def _grams(word: str) -> tuple[str, ...]:
    """A word's character 4-grams, with `<` and `>` at its edges."""
    padded = f"<{word}>"
    return tuple("g:" + padded[i : i + 4] for i in range(len(padded) - 3))
