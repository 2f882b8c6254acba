"""The findings of a whole `kefu check`, cached as data under every input they depend on.

`checked(paths, cache)` is what `kefu check` prints from: the findings (`Diagnostic` values, never
printed text) and the number of files read. It first looks for an entry stored under kefu's code
(`source_digest()`, the parse cache's own key, which also covers every installed distribution's
version), the system's time zone folders, the working directory and the paths as named. The entry
lists every file that check read, with the digest of its bytes, the files the named paths brought
in, and the file each `use` led to; it is used only when the same paths bring in the same files
today, each `use` leads to the same file (links are followed again) and every file read still has
the same bytes. Otherwise the shops are loaded (through the parse cache) and a new
entry is written. Every input of the result is in that key or that list, so an entry can never
answer for a check whose result would differ.

The hit path imports nothing heavy: no Lark, no builder, no pydantic unless there are findings to
rebuild (a clean shop is answered from JSON alone). Entries use the parse cache's file format
(`Cache.get`/`Cache.put`: header, checksum, atomic writes); a damaged, foreign or odd entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kefu.dsl.cache import Cache
from kefu.dsl.files import Unreadable, discover

if TYPE_CHECKING:
    from kefu.dsl.load import LoadResult
    from kefu.engine.diagnostics import Diagnostic

CHECK = "check"  # the cache's kind of entry: the findings of one whole check
LINT = "lint"  # ... and of one whole lint
LAYOUT = 1  # the entry's JSON layout; another number is a miss


@dataclass(frozen=True, slots=True)
class Checked:
    """What a check found: its findings, sorted as `load` sorts them, and how many files it read."""

    diagnostics: list[Diagnostic]
    files: int


def content_digest(data: bytes) -> str:
    """The digest `kefu.dsl.source.digest_of` gives a file's bytes (the loader records those)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def checked(paths: list[Path], cache: Cache, lint: bool = False) -> Checked:
    """The findings of checking `paths` (with `lint`, of linting them: `kefu lint`): from the cache
    when nothing they depend on has changed, else from loading the shops (and then stored). Raises
    `UsageError` for a missing path."""
    kind = LINT if lint else CHECK
    unreadable: Unreadable = []
    discovered = [str(path) for path in discover(paths, unreadable)]
    key = _key(paths)
    if unreadable:  # what a folder kefu cannot list holds is unknown: never answered from the cache
        result = _load(paths, Cache.disabled(), lint)
        return Checked(result.diagnostics, len(result.files))
    if cache.directory is not None:
        data = cache.get(kind, key)
        found = None if data is None else _answer(data, discovered)
        if found is not None:
            return found
    result = _load(paths, cache, lint)
    if cache.directory is not None:
        payload = _entry(result, discovered)
        if payload is not None:
            cache.put(kind, key, payload)
    return Checked(result.diagnostics, len(result.files))


def _load(paths: list[Path], cache: Cache, lint: bool) -> LoadResult:
    import gc

    from kefu.dsl.chunks import no_gc
    from kefu.dsl.load import load

    with no_gc():
        result = load(paths, cache, with_matcher=True, lint=lint)  # every rule, those needing the matcher too
        gc.freeze()  # what load built lives until exit: never scanned again (measured 2x on a 10k warm check)
    return result


def _key(paths: list[Path]) -> str:
    """What the result depends on besides the files themselves (the cache adds kefu's code)."""
    return json.dumps({"cwd": str(Path.cwd().resolve()), "paths": [str(p) for p in paths], "zones": _zone_folders()})


def _zone_folders() -> list[list[Any]]:
    """The system's time zone folders as they stand (a zone named in a shop is looked up there):
    each folder's and its `tzdata.zi`'s change time, which an update of the zone database moves."""
    state: list[list[Any]] = []
    for folder in zoneinfo.TZPATH:
        for path in (folder, os.path.join(folder, "tzdata.zi")):
            try:
                status = os.stat(path)
            except OSError:
                continue
            state.append([path, status.st_mtime_ns, status.st_ctime_ns, status.st_size])
    return state


def _entry(result: LoadResult, discovered: list[str]) -> bytes | None:
    """The entry for `result`, or None when the check depended on something no digest covers: a
    named file that could not be read, or a `use` naming a missing or unreadable preset (K031)."""
    from kefu.dsl.codes import K031

    read = {str(path): digest for path, digest in result.digests.items()}
    if any(path not in read for path in discovered) or any(d.code == K031.code for d in result.diagnostics):
        return None
    return json.dumps(
        {
            "layout": LAYOUT,
            "discovered": discovered,
            "read": sorted(read.items()),
            "used": [[str(path), str(path.resolve())] for path in result.used],
            "files": len(result.files),
            "diagnostics": [d.model_dump(mode="json") for d in result.diagnostics],
        },
        ensure_ascii=False,
    ).encode()


def _answer(data: bytes, discovered: list[str]) -> Checked | None:
    """The stored findings, when the entry is whole and still true for the files as they are now."""
    try:
        entry = json.loads(data)
        if not isinstance(entry, dict) or entry.get("layout") != LAYOUT or entry.get("discovered") != discovered:
            return None
        read, used, files, stored = entry["read"], entry["used"], entry["files"], entry["diagnostics"]
        if not all(isinstance(v, list) for v in (read, used, stored)) or not isinstance(files, int):
            return None
        for named, resolved in used:  # a `use` through a link that now points elsewhere reads another file
            if not isinstance(named, str) or str(Path(named).resolve()) != resolved:
                return None
        for path, digest in read:
            if not isinstance(path, str) or _digest_of_file(path) != digest:
                return None
    except (ValueError, KeyError, TypeError, RecursionError):  # a JSONDecodeError is a ValueError
        return None
    diagnostics = _diagnostics(stored) if stored else []
    return None if diagnostics is None else Checked(diagnostics, files)


def _digest_of_file(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return content_digest(handle.read())
    except OSError:
        return None


def _diagnostics(stored: list[Any]) -> list[Diagnostic] | None:
    """Findings rebuilt from their JSON form, every field validated; None if any does not fit."""
    from pydantic import TypeAdapter, ValidationError

    from kefu.engine.diagnostics import Diagnostic

    try:
        return TypeAdapter(list[Diagnostic]).validate_python(stored)
    except ValidationError:
        return None
