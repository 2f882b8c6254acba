"""Files to shops: find the files, build each (through the cache), join them into units, apply
presets (`use`, `override`, `drop`), run the checks.

A **shop** is a folder: the file with the `shop` statement and every `.kefu` file below that
folder that has no header of its own. A **preset** is one file starting with `preset`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kefu.dsl.build import FileItems, LintDraft, PolicyDraft
from kefu.dsl.cache import Cache
from kefu.dsl.chunks import build_texts, no_gc
from kefu.dsl.codes import K006, K007, K012, K013, K020, K022, K026, K027, K031, K032, K035, K036, K037, K038, K045
from kefu.dsl.files import Unreadable, discover, display_name, starts_a_shop
from kefu.dsl.overlay import overlay_bytes
from kefu.dsl.rules import LINT_CODES, MATCHER_CODES, run_checks
from kefu.dsl.source import MAX_BYTES, SourceText, decode, digest_of, file_error, read_file
from kefu.dsl.stored import decode as decode_items
from kefu.dsl.stored import encode as encode_items
from kefu.dsl.suppression import apply_suppressions
from kefu.dsl.values import Reader, did_you_mean, working_days
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import FaqEntry, LintSettings, Period, Policy, Preset, RuleSet, Shop

PARSE = "parse"  # the cache's kind of entry: one file's parse result


@dataclass
class LoadResult:
    rules: RuleSet
    diagnostics: list[Diagnostic]
    files: list[str] = field(default_factory=list)
    digests: dict[Path, str] = field(default_factory=dict)  # every file read, presets included
    used: list[Path] = field(default_factory=list)  # every path a `use` named, before links are resolved
    items: dict[Path, FileItems | None] = field(default_factory=dict)  # each file's parse result (kefu diff)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.error]


Memo = MutableMapping[tuple[str, str], FileItems]  # (display name, content digest) -> parse result


class Loader:
    def __init__(self, cache: Cache, with_matcher: bool = False, lint: bool = False, memo: Memo | None = None) -> None:
        self.cache = cache
        self.memo = memo  # parse results kept in memory between loads (a long-running `kefu lsp`)
        self.with_matcher = with_matcher  # run the rules that need each shop's matcher too (kefu check)
        self.lint = lint  # and the lint rules (kefu lint)
        self.items: dict[Path, FileItems | None] = {}
        self.file_diagnostics: dict[Path, list[Diagnostic]] = {}
        self.digests: dict[Path, str] = {}
        self.presets: dict[Path, Preset | None] = {}
        self.used: dict[Path, None] = {}
        self.diagnostics: list[Diagnostic] = []

    # -- files ------------------------------------------------------------------------------
    def file(self, path: Path) -> FileItems | None:
        path = path.resolve()
        if path not in self.items:
            self.files([path])
        return self.items[path]

    def files(self, paths: list[Path]) -> None:
        """Read and build files: from the cache where their content is known, the rest at once
        (on both cores when there is much of it). Only the parse result is cached, under the file's
        name and bytes; whatever joins files into shops and checks them runs every time."""
        misses: list[tuple[Path, str, SourceText, list[Diagnostic]]] = []
        for path in (p.resolve() for p in paths):
            if path in self.items:
                continue
            display = display_name(path)
            data = _bytes_of(path)
            if data is not None:
                digest = digest_of(data)
                cached = self.memo.get((display, digest)) if self.memo is not None else None
                if cached is None:
                    cached = self._cached(display, digest)
                if cached is not None:
                    if self.memo is not None:
                        self.memo[(display, digest)] = cached
                    self.digests[path] = digest
                    self._done(path, cached)
                    continue
                source, diagnostics = decode(data, display)
            else:
                source, diagnostics = read_file(path, display)  # says why the file cannot be read
            if source is None:
                self.items[path], self.file_diagnostics[path] = None, diagnostics
                continue
            self.digests[path] = source.digest
            misses.append((path, display, source, diagnostics))
        built = build_texts([(source.text, display) for _, display, source, _ in misses])
        for (path, display, source, diagnostics), items in zip(misses, built):
            items.diagnostics = diagnostics + items.diagnostics
            if self.cache.directory is not None:  # encoding costs time; only for a cache that keeps it
                self.cache.put(PARSE, f"{display}\0{source.digest}", encode_items(items))
            if self.memo is not None:
                self.memo[(display, source.digest)] = items
            self._done(path, items)

    def _cached(self, display: str, digest: str) -> FileItems | None:
        """The parse result stored for this name and content; a damaged or foreign entry is a miss."""
        data = self.cache.get(PARSE, f"{display}\0{digest}")
        return None if data is None else decode_items(data)

    def _done(self, path: Path, items: FileItems) -> None:
        diagnostics = items.diagnostics
        if items.statements == 0 and not items.broken:
            diagnostics = diagnostics + [
                file_error(
                    K006, items.path, "this file holds no statements", "write its statements, or delete the file"
                )
            ]
        self.items[path] = items
        self.file_diagnostics[path] = list(diagnostics)

    # -- presets -------------------------------------------------------------------------------
    def preset(self, path: Path, span: Span, chain: tuple[Path, ...]) -> Preset | None:
        self.used.setdefault(path)
        path = path.resolve()
        if path in chain:
            cycle = " -> ".join(display_name(p) for p in chain[chain.index(path) :] + (path,))
            self.diagnostics.append(
                K032.at(span, f"files use each other in a cycle: {cycle}", "let one of them stop using the other")
            )
            return None
        if path in self.presets:
            return self.presets[path]
        if not path.is_file() and overlay_bytes(path) is None:
            self.diagnostics.append(
                K031.at(
                    span,
                    f"no preset file at {display_name(path)}",
                    "paths in 'use' are relative to the file that writes them",
                )
            )
            return None
        items = self.file(path)
        if items is None:
            self.diagnostics.append(
                K031.at(
                    span, f"the preset {display_name(path)} cannot be read", "fix the errors reported for that file"
                )
            )
            return None
        header = items.headers[0] if items.headers else None
        if header is None or header.kind != "preset":
            self.diagnostics.append(
                K031.at(
                    span,
                    f"{display_name(path)} is not a preset (it does not start with 'preset')",
                    "'use' takes preset files; a shop's own files join it by folder",
                )
            )
            return None
        self.presets[path] = None  # in progress
        reader = Reader(items.path)
        inherited: list[FaqEntry] = []
        synonyms = list(items.synonyms)
        for used, where in header.uses:
            base = self.preset(path.parent / used, where, chain + (path,))
            if base is not None:
                inherited.extend(base.entries)
                synonyms[:0] = base.synonyms
        for name, where in items.shop_only:
            reader.error(
                K038,
                where,
                f"a preset holds only its header, synonyms and faq entries, not '{name}'",
                "move it into a shop",
            )
        for extra in items.headers[1:]:
            reader.error(K038, extra.span, f"a second '{extra.kind}' header in one file", "give each its own file")
        early = [entry.id for entry in items.faqs if entry.span is not None and entry.span.line < header.span.line]
        if early:
            reader.error(
                K038,
                header.span,
                f"the preset header comes after entry '{early[0]}'",
                "move the 'preset' statement to the top of the file",
            )
        entries = _unique_entries(inherited + items.faqs, reader)
        self.diagnostics.extend(reader.diagnostics)
        preset = Preset(
            id=header.id,
            title=header.name,
            language=header.language,
            category=header.category,
            entries=tuple(entries),
            synonyms=tuple(synonyms),
            file=items.path,
            span=header.span,
        )
        self.presets[path] = preset
        return preset

    # -- shops --------------------------------------------------------------------------------
    def shop(self, root: Path, members: list[Path]) -> Shop | None:
        main = self.items[root]
        assert main is not None
        header = next(h for h in main.headers if h.kind == "shop")
        reader = Reader(main.path)
        files = [items for m in members if (items := self.items.get(m)) is not None]
        for items in files:
            for extra in items.headers:
                if extra is not header:
                    reader.error(
                        K038,
                        extra.span,
                        f"a second header '{extra.kind} {extra.id}' in shop '{header.id}'",
                        "a folder holds one shop: move it to a folder of its own",
                    )
        timezone = "UTC"
        if header.timezone is not None:
            name, where = header.timezone
            if _valid_zone(name):
                timezone = name
            else:
                close = _close_zone(name)
                reader.error(
                    K022,
                    where,
                    f"unknown time zone '{name}'",
                    f"did you mean '{close}'?" if close else "use an IANA name such as Asia/Taipei",
                )
        hours = working_days(header.hours, reader)
        entries: list[FaqEntry] = []
        uses: list[str] = []
        synonyms = []
        for used, where in header.uses:
            preset = self.preset(root.parent / used, where, (root,))
            if preset is not None:
                uses.append(preset.id)
                entries.extend(preset.entries)
                synonyms.extend(preset.synonyms)
        entries = _unique_entries(entries, reader)
        preset_ids = {entry.id for entry in entries}
        drafts = [draft for items in files for draft in (items.policy, *items.more_policy)]
        for items in files:
            synonyms.extend(items.synonyms)
            entries = _apply_drops(entries, items, reader)
        for items in files:
            entries = _apply_overrides(entries, items, reader)
        own: list[FaqEntry] = []
        for items in files:
            for entry in items.faqs:
                if entry.id in preset_ids:
                    reader.error(
                        K037,
                        entry.span or header.span,
                        f"entry '{entry.id}' is a preset entry; a shop changes it only through override",
                        f"write: override faq {entry.id} {{ ... }}, or drop faq {entry.id} first and pick a new id",
                    )
                    continue
                own.append(entry)
        entries = _unique_entries(entries + own, reader)
        policy = _policy(drafts, Policy(), reader)
        periods = tuple(
            Period(name=p.name, dates=p.dates, policy=_policy([p.policy], policy, reader), span=p.span)
            for items in files
            for p in items.periods
        )
        if header.timezone is None and (header.hours or header.closed or periods):
            reader.error(
                K045,
                header.span,
                f"shop '{header.id}' names no time zone: its hours, holidays and periods run on UTC",
                'add to its header: timezone "Asia/Taipei" (or "UTC" if that is meant)',
            )
        shop = Shop(
            id=header.id,
            name=header.name,
            language=header.language,
            timezone=timezone,
            hours=hours,
            closed=tuple(header.closed),
            uses=tuple(uses),
            staff=tuple(m for items in files for m in items.staff),
            policy=policy,
            periods=periods,
            synonyms=tuple(synonyms),
            entries=tuple(entries),
            tests=tuple(t for items in files for t in items.tests),
            scenarios=tuple(s for items in files for s in items.scenarios),
            lint=_lint([draft for items in files for draft in items.lints], reader),
            files=tuple(items.path for items in files),
            span=header.span,
        )
        self.diagnostics.extend(reader.diagnostics)
        if not any(items.broken for items in files):
            self.diagnostics.extend(run_checks(shop, self.with_matcher, self.lint))
        return shop


def _bytes_of(path: Path) -> bytes | None:
    """A regular file's bytes (or the text `overlaid` gives for it), when kefu reads it whole; None
    leaves saying why not to `read_file`."""
    given = overlay_bytes(path)
    if given is not None:
        return given
    try:
        if path.is_file() and path.stat().st_size <= MAX_BYTES:
            return path.read_bytes()
    except OSError:
        pass
    return None


def _unique_entries(entries: list[FaqEntry], reader: Reader) -> list[FaqEntry]:
    seen: dict[str, FaqEntry] = {}
    for entry in entries:
        if entry.id in seen:
            first = seen[entry.id]
            reader.error(
                K020,
                entry.span or Span(file=reader.path, line=1, column=1, end_line=1, end_column=1),
                f"duplicate entry id '{entry.id}'",
                "give one of the entries another id",
                related=(first.span,) if first.span else (),
            )
            continue
        seen[entry.id] = entry
    return list(seen.values())


def _apply_drops(entries: list[FaqEntry], items: FileItems, reader: Reader) -> list[FaqEntry]:
    for ident, where in items.drops:
        if not any(entry.id == ident for entry in entries):
            reader.error(
                K027,
                where,
                f"no used preset has an entry '{ident}' to drop",
                did_you_mean(ident, [e.id for e in entries]) or "check the id against the preset",
            )
            continue
        entries = [entry for entry in entries if entry.id != ident]
    return entries


def _apply_overrides(entries: list[FaqEntry], items: FileItems, reader: Reader) -> list[FaqEntry]:
    by_id = {entry.id: index for index, entry in enumerate(entries)}
    for override in items.overrides:
        index = by_id.get(override.id)
        if index is None:
            reader.error(
                K026,
                override.span,
                f"no used preset has an entry '{override.id}' to override",
                did_you_mean(override.id, list(by_id))
                or f"to add an entry of your own, write: faq {override.id} {{ ... }}",
            )
            continue
        entry = entries[index]
        asks = list(entry.asks)
        for text, where in override.drop_asks:
            kept = [ask for ask in asks if ask.text != text]
            if len(kept) == len(asks):
                reader.error(
                    K026,
                    where,
                    f"entry '{entry.id}' has no ask \"{text}\" to drop",
                    "copy the ask exactly from the preset",
                )
            asks = kept
        asks.extend(override.add_asks)
        if not asks:
            reader.error(
                K013, override.span, f"the override leaves entry '{entry.id}' without any ask", "keep or add one ask"
            )
            continue
        update = {**override.fields, "asks": tuple(asks)}
        if override.reply_span is not None:
            update["reply_span"] = override.reply_span
        entries[index] = entry.model_copy(update=update)
    return entries


def _policy(drafts: list[PolicyDraft], base: Policy, reader: Reader) -> Policy:
    """Fold the settings written in `drafts` onto `base`; a setting written twice is K012."""
    merged: dict[str, dict[str, tuple[Any, Span]]] = {"assist": {}, "bot": {}, "matching": {}}
    spans: dict[str, Span] = {}
    greeting: tuple[str | None, Span] | None = None
    for draft in drafts:
        for kind in merged:
            for key, (value, where) in getattr(draft, kind).items():
                if key in merged[kind]:
                    name = "on/off" if key == "enabled" else f"'{key}'"
                    reader.error(
                        K012,
                        where,
                        f"{kind} {name} is set in two places",
                        "keep one of them",
                        related=(merged[kind][key][1],),
                    )
                    continue
                merged[kind][key] = (value, where)
        for kind, where in draft.spans.items():
            spans.setdefault(kind, where)
        if draft.greeting is not None:
            if greeting is not None:
                reader.error(
                    K012,
                    draft.greeting[1],
                    "'greeting' is set in two places",
                    "keep one of them",
                    related=(greeting[1],),
                )
            else:
                greeting = draft.greeting

    def fold(model: Any, kind: str) -> Any:
        update: dict[str, Any] = {key: value for key, (value, _) in merged[kind].items()}
        if kind in spans:
            update["span"] = spans[kind]
        if merged[kind]:
            update["spans"] = tuple(
                {**dict(model.spans), **{key: where for key, (_, where) in merged[kind].items()}}.items()
            )
        return model.model_validate({**model.model_dump(), **update}) if update else model

    return Policy(
        assist=fold(base.assist, "assist"),
        bot=fold(base.bot, "bot"),
        matching=fold(base.matching, "matching"),
        greeting=base.greeting if greeting is None else greeting[0],
        spans=base.spans
        if greeting is None
        else (*(s for s in base.spans if s[0] != "greeting"), ("greeting", greeting[1])),
    )


def _lint(drafts: list[LintDraft], reader: Reader) -> LintSettings:
    """The shop's `lint { }` blocks, from all its files, as one; `reply_budget` written twice is K012."""
    if not drafts:
        return LintSettings()
    budget: tuple[int, Span] | None = None
    for draft in drafts:
        if draft.budget is None:
            continue
        if budget is not None:
            reader.error(
                K012, draft.budget[1], "'reply_budget' is set in two places", "keep one of them", related=(budget[1],)
            )
            continue
        budget = draft.budget
    return LintSettings(
        reply_budget=budget[0] if budget else LintSettings().reply_budget,
        contact=tuple(p for draft in drafts for p in draft.contact),
        allow=tuple(p for draft in drafts for p in draft.allow),
        span=budget[1] if budget else drafts[0].span,
    )


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _valid_zone(name: str) -> bool:
    """A zone the system (or tzdata) knows; listing every zone is slow, so it is tried by name first."""
    try:
        zoneinfo.ZoneInfo(name)
        return True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Asia"
        return name in _zones()


def _close_zone(name: str) -> str | None:
    import difflib

    lower = {zone.lower(): zone for zone in _zones()}
    suffix = [zone for zone in _zones() if zone.lower().endswith("/" + name.lower())]
    if suffix:
        return suffix[0]
    close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.7)
    return lower[close[0]] if close else None


def load(
    paths: list[Path],
    cache: Cache | None = None,
    with_matcher: bool = False,
    lint: bool = False,
    memo: Memo | None = None,
) -> LoadResult:
    """Load and check every shop and preset under `paths`. `with_matcher` also runs the rules that
    need each shop's matcher (seconds for a large shop): `kefu check` does, other commands do not;
    `lint` runs those and the lint rules (`kefu lint`). `memo` keeps parse results in memory across
    loads (by file name and content, as the cache does); unsaved texts are read through
    `kefu.dsl.overlay.overlaid`."""
    with no_gc():  # a loaded shop is ~1M objects that all live on: collecting meanwhile only costs time
        return _load(paths, cache, with_matcher, lint, memo)


def _load(
    paths: list[Path], cache: Cache | None, with_matcher: bool, lint: bool = False, memo: Memo | None = None
) -> LoadResult:
    loader = Loader(cache or Cache.disabled(), with_matcher, lint, memo)
    unreadable: Unreadable = []
    files = discover(paths, unreadable)
    loader.files(files)
    for folder, why in unreadable:
        display = display_name(folder)
        loader.diagnostics.append(
            file_error(K007, display, f"cannot read the folder {display}: {why}", "check its permissions")
        )
    shop_dirs: dict[Path, Path] = {}
    shops: list[Shop] = []
    for path in files:
        items = loader.items[path]
        if items is None:
            continue
        kinds = [h.kind for h in items.headers]
        if "shop" in kinds:
            if path.parent in shop_dirs:
                other = loader.items[shop_dirs[path.parent]]
                loader.diagnostics.append(
                    K038.at(
                        items.headers[0].span,
                        f"a second shop in the folder of {other.path if other else '?'}",
                        "a folder holds one shop: move this one to a folder of its own",
                    )
                )
                continue
            shop_dirs[path.parent] = path
        elif "preset" in kinds:
            loader.preset(path, items.headers[0].span, ())
    members: dict[Path, list[Path]] = {root: [root] for root in shop_dirs.values()}
    # folders whose shop file has a broken header: their files belong to that shop, which is not built
    broken_shops = {
        path.parent
        for path in files
        if (items := loader.items[path]) is not None and not items.headers and starts_a_shop(path)
    }
    for path in files:
        items = loader.items[path]
        if items is None or items.headers:
            continue
        owner = next((shop_dirs[d] for d in [path.parent, *path.parent.parents] if d in shop_dirs), None)
        in_broken_shop = any(d in broken_shops for d in [path.parent, *path.parent.parents])
        if owner is None and (in_broken_shop or items.broken or items.statements == 0):
            continue  # its own errors say what is wrong
        if owner is None:
            loader.diagnostics.append(
                file_error(
                    K036,
                    items.path,
                    f"{items.path} belongs to no shop and is no preset",
                    "put it in a shop's folder, or start it with a 'shop' or 'preset' statement",
                )
            )
            continue
        members[owner].append(path)
    for root, paths_of in members.items():
        shop = loader.shop(root, paths_of)
        if shop is not None:
            shops.append(shop)
    seen: dict[str, Shop] = {}
    for shop in shops:
        if shop.id in seen and shop.span is not None:
            loader.diagnostics.append(
                K035.at(
                    shop.span,
                    f"two shops have the id '{shop.id}'",
                    "give each shop its own id",
                    related=(seen[shop.id].span,) if seen[shop.id].span else (),
                )
            )
        seen.setdefault(shop.id, shop)
    seen_presets: dict[str, Preset] = {}
    for preset in (p for p in loader.presets.values() if p is not None):
        first = seen_presets.setdefault(preset.id, preset)
        if first is not preset and preset.span is not None:
            loader.diagnostics.append(
                K035.at(
                    preset.span,
                    f"two presets have the id '{preset.id}' ({first.file} and {preset.file})",
                    "give each preset its own id",
                    related=(first.span,) if first.span else (),
                )
            )
    diagnostics = [d for path in loader.items for d in loader.file_diagnostics[path]] + loader.diagnostics
    not_run = (frozenset() if with_matcher or lint else MATCHER_CODES) | (frozenset() if lint else LINT_CODES)
    diagnostics = apply_suppressions(diagnostics, loader.items.values(), shops, not_run)
    unique = sorted(dict.fromkeys(diagnostics), key=Diagnostic.sort_key)
    presets = tuple(p for p in loader.presets.values() if p is not None)
    return LoadResult(
        rules=RuleSet(shops=tuple(shops), presets=presets),
        diagnostics=unique,
        files=[display_name(p) for p in loader.items],
        digests=dict(loader.digests),
        used=list(loader.used),
        items=dict(loader.items),
    )
