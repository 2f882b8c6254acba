"""Which files a run reads: `.kefu` files under the given paths, plus the rest of their shops.

Kept free of heavy imports: the cached `kefu check` path needs only this and the cache.
"""

from __future__ import annotations

import re
from pathlib import Path

_HEADER_SNIFF = r"\A(?:\ufeff)?(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*{}(?=[ \t\r\n{{;]|\Z)"
SHOP_SNIFF = re.compile(_HEADER_SNIFF.format("shop"))
HEADER_SNIFF = re.compile(_HEADER_SNIFF.format("(?:shop|preset)"))


class UsageError(Exception):
    """A mistake in how kefu was called (a missing path): exit status 2."""


def display_name(path: Path) -> str:
    """How diagnostics name a file: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def discover(paths: list[Path]) -> list[Path]:
    """Every `.kefu` file under `paths`, plus the rest of any shop a given path lies in."""
    roots: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        roots.append(path)
        shop_dir = enclosing_shop(path)
        if shop_dir is not None:
            roots.append(shop_dir)
    found: dict[Path, None] = {}
    for root in roots:
        if root.is_dir():
            for file in sorted(root.rglob("*.kefu")):
                if file.is_file():
                    found.setdefault(file.resolve())
        else:
            found.setdefault(root.resolve())
    return list(found)


def _head(file: Path) -> str:
    try:
        with file.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(4096)
    except OSError:
        return ""


def starts_a_shop(file: Path) -> bool:
    return SHOP_SNIFF.search(_head(file)) is not None


def enclosing_shop(path: Path) -> Path | None:
    """The folder of the shop that `path` is part of, when that is a folder above what was given.

    Only a file without a header of its own (or a folder without a shop file) can be part of a
    shop further up; the search stops at the repository's root and after 8 folders."""
    if path.is_file() and HEADER_SNIFF.search(_head(path)):
        return None
    directory = (path if path.is_dir() else path.parent).resolve()
    for candidate in [directory, *directory.parents][:8]:
        if any(starts_a_shop(file) for file in sorted(candidate.glob("*.kefu"))):
            return None if candidate == directory and path.is_dir() else candidate
        if (candidate / ".git").exists():
            break
    return None
