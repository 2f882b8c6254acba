"""Text normalisation for matching: both sides (asks and customer messages) go through it.

Steps, in order: Unicode NFKC (full-width to half-width, compatibility forms), case folding,
Traditional and Simplified Chinese folded to one script (Simplified, character by character, with
zhconv-rs), punctuation, symbols and emoji to spaces, whitespace collapsed, then the shop's synonyms
replaced by the first term of their group. The original text is never changed: it is what is shown
and what replies quote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import zhconv_rs
from pydantic import BaseModel, ConfigDict

from kefu.engine.rules import SynonymGroup

MAX_CHARS = 2000  # a message is matched on its first 2,000 characters; the rest cannot change its intent
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"  # CJK ideographs
_HAN = re.compile(f"[{HAN_RANGES}]")
_SEPARATOR = re.compile(r"[^\w]+|_+")  # punctuation, symbols, emoji, whitespace
_SPACES = re.compile(r"\s+")


class Normalized(BaseModel):
    """A message as the matcher sees it, and which synonyms were applied (for --explain)."""

    model_config = ConfigDict(frozen=True)

    original: str
    text: str
    synonyms: tuple[tuple[str, str], ...] = ()  # (term found, replaced by)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC, case folding, one Chinese script, punctuation and emoji to single spaces."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    if _HAN.search(text):
        text = zhconv_rs.zhconv(text, "zh-hans")
    return _SPACES.sub(" ", _SEPARATOR.sub(" ", text)).strip()


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


class Normalizer:
    """`fold` plus a shop's synonyms: every term of a group is read as the group's first term."""

    def __init__(self, synonyms: Sequence[SynonymGroup] = ()) -> None:
        self.replacements: dict[str, str] = {}
        for group in synonyms:
            terms = [fold(term) for term in group.terms]
            for term in terms[1:]:
                if term and term != terms[0]:
                    self.replacements.setdefault(term, terms[0])
        self.pattern = self._pattern(self.replacements)

    @staticmethod
    def _pattern(replacements: dict[str, str]) -> re.Pattern[str] | None:
        if not replacements:
            return None
        parts = []
        for term in sorted(replacements, key=len, reverse=True):  # longest first: 免運費 before 免運
            escaped = re.escape(term)
            parts.append(escaped if has_han(term) else rf"(?<!\w){escaped}(?!\w)")
        return re.compile("|".join(parts))

    def __call__(self, text: str) -> Normalized:
        folded = fold(text)
        if self.pattern is None:
            return Normalized(original=text, text=folded)
        applied: list[tuple[str, str]] = []

        def replace(match: re.Match[str]) -> str:
            target = self.replacements[match.group()]
            applied.append((match.group(), target))
            return target

        return Normalized(original=text, text=self.pattern.sub(replace, folded), synonyms=tuple(applied))

    def text(self, text: str) -> str:
        """`self(text).text` alone: how an ask is indexed (tens of thousands, without a model each)."""
        folded = fold(text)
        if self.pattern is None:
            return folded
        return self.pattern.sub(lambda match: self.replacements[match.group()], folded)
