"""A cache of built files and of check results, keyed by file content.

Parsing is the slow part of a check; a file whose bytes did not change is never parsed again. Two
levels: one pickled `FileItems` per file (key: path, content digest, kefu's own source digest), and
the diagnostics of a whole unit (key: every file the unit read). Entries are written to a temporary
file and renamed, so a crash never leaves half an entry; an unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Changes whenever kefu's parser or builder changes, so old entries are never trusted."""
    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).parent
    for path in (
        sorted(here.glob("*.py")) + sorted(here.glob("*.lark")) + sorted(here.parent.joinpath("engine").glob("*.py"))
    ):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_dir() -> Path:
    configured = os.environ.get("KEFU_CACHE_DIR")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("kefu")) / "check"


class Cache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    @classmethod
    def disabled(cls) -> Cache:
        return cls(None)

    def _file(self, kind: str, key: str) -> Path | None:
        if self.directory is None:
            return None
        name = hashlib.blake2b(f"{code_digest()}\0{key}".encode(), digest_size=16).hexdigest()
        return self.directory / kind / name[:2] / name

    def get(self, kind: str, key: str) -> Any | None:
        path = self._file(kind, key)
        if path is None:
            return None
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        path = self._file(kind, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except OSError:
            pass  # a cache that cannot be written only costs speed


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None


def run_key(files: list[Path], options: str) -> str:
    """A key for a whole run: the options, the working directory and every given file's content."""
    parts = [options, os.getcwd()]
    for path in files:
        parts.append(f"{path}\0{file_digest(path)}")
    return "\n".join(parts)


def still_valid(extra: dict[str, str]) -> bool:
    """Files a cached run read beyond those it was given (presets): unchanged?"""
    return all(file_digest(Path(path)) == digest for path, digest in extra.items())
