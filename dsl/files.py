"""Which files a run reads: `.kefu` files under the given paths, plus the rest of their shops.

Kept free of heavy imports: the cached `kefu check` path needs only this and the cache.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kefu.dsl.overlay import overlay_bytes, overlay_paths

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


Unreadable = list[tuple[Path, str]]  # (folder, why): folders kefu could not list, found while discovering


def discover(paths: list[Path], unreadable: Unreadable | None = None) -> list[Path]:
    """Every `.kefu` file under `paths`, plus the rest of the shop of each named file.

    A named folder is read as given (everything below it, nothing above it). A named file means its
    whole shop, whichever file of the shop it is: a shop file brings in the files of its folder
    (`own_folder`), and a file without a header the shop it is part of (`enclosing_shop`).
    A folder that cannot be listed is added to `unreadable`; a named file that cannot even be looked
    at is returned as it is, and reading it says why."""
    problems: Unreadable = unreadable if unreadable is not None else []
    found: dict[Path, None] = {}
    for path in paths:
        try:
            exists, is_dir = path.exists() or overlay_bytes(path) is not None, path.is_dir()
        except OSError:  # no permission to look inside a folder above it
            found.setdefault(path.absolute())
            continue
        if not exists:
            raise UsageError(f"{path}: no such file or directory")
        if is_dir:
            found.update(dict.fromkeys(kefu_files_below(path, problems)))
            continue
        found.setdefault(path.resolve())
        shop_dir = own_folder(path) if starts_a_shop(path) else enclosing_shop(path)
        if shop_dir is not None:
            found.update(dict.fromkeys(kefu_files_below(shop_dir, problems)))
    return list(found)


def kefu_files_below(folder: Path, unreadable: Unreadable) -> list[Path]:
    """The `.kefu` files below `folder`, sorted; folders that cannot be listed go to `unreadable`."""

    def failed(error: OSError) -> None:
        unreadable.append((Path(error.filename or folder), error.strerror or str(error)))

    files: list[Path] = []
    for here, _, names in os.walk(folder, onerror=failed):
        files.extend(Path(here) / name for name in names if name.endswith(".kefu"))
    found = [file.resolve() for file in sorted(files) if _is_file(file)]
    unsaved = [
        p for p in overlay_paths() if p.name.endswith(".kefu") and p not in found and p.is_relative_to(folder.resolve())
    ]
    return sorted(found + unsaved) if unsaved else found


def _is_file(path: Path) -> bool:
    """Whether `path` is a file (an unsaved one `overlaid` gives included), or cannot be looked at
    (reading it then says why)."""
    try:
        return path.is_file() or overlay_bytes(path) is not None
    except OSError:
        return True


def own_folder(shop_file: Path) -> Path | None:
    """The folder whose files make up the shop that `shop_file` starts, or None when the file is a
    unit alone: its folder holds another shop file too (a folder of one-file shops), or shops below."""
    folder = shop_file.resolve().parent
    others = [file for file in _kefu_files_in(folder) if file.resolve() != shop_file.resolve()]
    if any(starts_a_shop(file) for file in others) or shops_below(folder):
        return None
    return folder


def _head(file: Path) -> str:
    given = overlay_bytes(file)
    if given is not None:
        return given[:4096].decode("utf-8", "replace")
    try:
        with file.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(4096)
    except OSError:
        return ""


def starts_a_shop(file: Path) -> bool:
    return SHOP_SNIFF.search(_head(file)) is not None


MAX_CLIMB = 8  # folders looked at, the file's own included


def enclosing_shop(path: Path) -> Path | None:
    """The folder of the shop that the file `path` is part of, when that folder is above the file.

    Only a named file without a header of its own has a shop further up. The search looks at the
    file's folder and the folders above it, and stops at the working directory or at the root of
    the repository (a folder holding `.git`), whichever comes first (that folder is still looked
    at), and after `MAX_CLIMB` folders. The first folder holding a shop file is the answer, unless
    other shops lie below it: such a folder is a collection of shops, never one shop, so the file
    belongs to none."""
    if not _is_file(path) or HEADER_SNIFF.search(_head(path)):
        return None
    here = Path.cwd().resolve()
    directory = path.resolve().parent
    for candidate in [directory, *directory.parents][:MAX_CLIMB]:
        if any(starts_a_shop(file) for file in _kefu_files_in(candidate)):
            return None if shops_below(candidate) else candidate
        if candidate == here or (candidate / ".git").exists():
            break
    return None


def _kefu_files_in(folder: Path) -> list[Path]:
    """The `.kefu` files in `folder` itself (not below it), unsaved ones `overlaid` gives included."""
    files = sorted(folder.glob("*.kefu"))
    unsaved = [p for p in overlay_paths() if p.name.endswith(".kefu") and p.parent == folder.resolve()]
    return sorted({*files, *unsaved}) if unsaved else files


def shops_below(folder: Path) -> bool:
    """Whether a shop file lies in a sub-folder of `folder` (at any depth)."""
    for here, folders, names in os.walk(folder):
        folders.sort()
        if Path(here) == folder:
            continue
        if any(name.endswith(".kefu") and starts_a_shop(Path(here) / name) for name in sorted(names)):
            return True
    return False
