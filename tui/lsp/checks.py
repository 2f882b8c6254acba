"""The server's view of the rules: the editor's open documents over the disk, each document's shop
loaded and checked as `kefu check` would on the unsaved text, and what later answers need.

A check loads the document's shop (and, for a preset, every shop known to use it) through
`kefu.dsl.load.load` inside `kefu.dsl.overlay.overlaid(open documents)`, with a memo of parse
results by file name and content: typing in one file of a 10,000-entry shop parses that file again
and joins and checks the shop, nothing more. The rules that need each shop's matcher and the lint
rules (seconds to minutes for a large shop) are not run here; `kefu.tui.lsp.worker` runs them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kefu.dsl.build import FileItems
from kefu.dsl.cache import Cache
from kefu.dsl.files import display_name
from kefu.dsl.load import LoadResult, load
from kefu.dsl.overlay import overlaid
from kefu.dsl.pieces import Pieces, build_in_pieces
from kefu.dsl.source import decode
from kefu.engine.diagnostics import Diagnostic
from kefu.engine.rules import FaqEntry, Preset, Shop

if TYPE_CHECKING:
    from kefu.engine.matcher import Matcher

PIECES_FROM = 16 * 1024  # characters: a smaller file is built whole, as fast
MEMO_LIMIT = 256  # parse results kept in memory (each file's latest text, and a few more)


@dataclass
class Known:
    """Everything the last checks learnt: shops and presets by the path of their file (the shop's
    own file), which shops use each preset, and the files each check read."""

    shops: dict[Path, Shop] = field(default_factory=dict)
    presets: dict[Path, Preset] = field(default_factory=dict)
    users: dict[Path, set[Path]] = field(default_factory=dict)  # preset file -> shop files using it
    digests: dict[Path, str] = field(default_factory=dict)  # every file read, with its content's digest


class Checker:
    """Loads and checks documents' shops; keeps what hover, definition and completion read."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.memo: dict[tuple[str, str], FileItems] = {}
        self.pieces: dict[str, Pieces] = {}  # each edited document's pieces, by file name
        self.known = Known()
        self.lock = threading.Lock()  # one load at a time: the memo and `known` are shared
        self._matchers: dict[Path, tuple[tuple[str, ...], Matcher]] = {}

    def path_of(self, display: str) -> Path:
        """The file a diagnostic's or span's file name stands for."""
        return (self.cwd / display).resolve()

    def targets(self, path: Path) -> list[Path]:
        """What to load for a document: itself (its shop comes with it) and the shops using it."""
        return [path, *sorted(self.known.users.get(path.resolve(), ()))]

    def check(self, path: Path, texts: dict[Path, str]) -> LoadResult:
        """Load and check the shop of `path` (and the shops using it, for a preset) with `texts`,
        the open documents, read in place of their files."""
        with self.lock, overlaid(texts):
            self._build_in_pieces(path, texts.get(path.resolve()))
            result = load(self.targets(path), Cache.disabled(), memo=self.memo)
            self._learn(result)
            self._trim(result)
        return result

    def _build_in_pieces(self, path: Path, text: str | None) -> None:
        """Build the edited document piece by piece into the memo (`kefu.dsl.pieces`): after a
        keystroke only its piece is parsed again. Texts with a finding of their own at reading
        (not UTF-8, binary, full-width punctuation) are left to the loader."""
        if text is None or len(text) < PIECES_FROM:
            return
        display = display_name(path)
        source, found = decode(text.encode("utf-8", "surrogatepass"), display)
        if source is None or found or (display, source.digest) in self.memo:
            return
        items = build_in_pieces(source.text, display, self.pieces.setdefault(display, {}))
        if items is not None:
            self.memo[(display, source.digest)] = items

    def scan(self, folders: list[Path]) -> LoadResult:
        """Load every shop and preset under `folders` (the workspace), to know them all."""
        with self.lock:
            result = load(folders, Cache.disabled(), memo=self.memo)
            self._learn(result)
            self._trim(result)
        return result

    def _learn(self, result: LoadResult) -> None:
        """Take in what a load found. New dictionaries replace the old ones whole, so an answer
        read on the server's main thread meanwhile sees the old state or the new, never half."""
        old = self.known
        files = {preset.id: self.path_of(preset.file) for preset in result.rules.presets}
        presets = {**old.presets, **{self.path_of(p.file): p for p in result.rules.presets}}
        shops = dict(old.shops)
        users = {path: set(roots) for path, roots in old.users.items()}
        for shop in result.rules.shops:
            if not shop.files:
                continue
            root = self.path_of(shop.files[0])
            shops[root] = shop
            for used in {*shop.uses, *(e.preset for e in shop.entries if e.preset)}:
                if used in files:
                    users.setdefault(files[used], set()).add(root)
        digests = {**old.digests, **{path.resolve(): digest for path, digest in result.digests.items()}}
        self.known = Known(shops=shops, presets=presets, users=users, digests=digests)

    def _trim(self, result: LoadResult) -> None:
        """Keep the memo small: a file's older texts go once it has been read with another."""
        if len(self.memo) <= MEMO_LIMIT:
            return
        current = {(key[0], digest) for key in self.memo for digest in (self._digest_of(key[0]),) if digest}
        for key in [key for key in self.memo if key not in current]:
            del self.memo[key]

    def _digest_of(self, display: str) -> str | None:
        return self.known.digests.get(self.path_of(display))

    # -- what answers read ----------------------------------------------------------------------
    def shop_of(self, path: Path) -> Shop | None:
        """The shop the file at `path` is part of (a preset: the first shop that uses it)."""
        path = path.resolve()
        for shop in self.known.shops.values():
            if any(self.path_of(file) == path for file in shop.files):
                return shop
        users = sorted(self.known.users.get(path, ()))
        return self.known.shops.get(users[0]) if users else None

    def entries_for(self, path: Path) -> list[FaqEntry]:
        """The entries a file can name: its shop's (with presets applied), or a preset's own."""
        shop = self.shop_of(path)
        if shop is not None:
            return list(shop.entries)
        preset = self.known.presets.get(path.resolve())
        return list(preset.entries) if preset else []

    def preset_entries(self, path: Path) -> list[FaqEntry]:
        """The entries the presets a shop uses bring (those `override` and `drop` may name)."""
        shop = self.shop_of(path)
        if shop is None:
            return []
        ids = set(shop.uses)
        return [e for p in self.known.presets.values() if p.id in ids for e in p.entries]

    def preset_entry(self, shop: Shop, entry_id: str) -> FaqEntry | None:
        """The entry `entry_id` as the presets the shop uses write it (before its overrides)."""
        for preset in self.known.presets.values():
            if preset.id in shop.uses:
                found = next((e for e in preset.entries if e.id == entry_id), None)
                if found is not None:
                    return found
        return None

    def matcher(self, shop: Shop) -> Matcher:
        """The matcher of `shop`, built once for each set of entries and synonyms."""
        from kefu.engine.matcher import Matcher

        root = self.path_of(shop.files[0]) if shop.files else Path(shop.id)
        files = sorted({*shop.files, *(e.span.file for e in shop.entries if e.span is not None)})
        key = tuple(f"{file}\0{self.known.digests.get(self.path_of(file), '')}" for file in files)
        kept = self._matchers.get(root)
        if kept is not None and kept[0] == key:
            return kept[1]
        matcher = Matcher(shop.entries, shop.synonyms)
        self._matchers[root] = (key, matcher)
        return matcher


def for_file(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """Diagnostics grouped by the file they are in."""
    grouped: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        grouped.setdefault(diagnostic.span.file, []).append(diagnostic)
    return grouped
