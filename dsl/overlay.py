"""Texts read in place of files on disk: an editor's unsaved documents (`kefu lsp`).

`overlaid({path: text})` makes every read of rule files inside it (loading, finding a file's shop,
rules that read a file's text again) see that text for that path, as if it had been saved; a path
that is not on disk yet is found as a file too. It is a context variable, so a load in one thread
(or task) sees its own overlay and no other. The parse cache keys results by content, so a cached
result is only ever used for the same text.

Kept free of heavy imports: `kefu.dsl.files` uses it on the cached `kefu check` path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_OVERLAY: ContextVar[Mapping[Path, bytes] | None] = ContextVar("kefu_overlay", default=None)


@contextmanager
def overlaid(texts: Mapping[Path, str]) -> Iterator[None]:
    """Read `texts` (by path) instead of those files' bytes on disk while inside."""
    token = _OVERLAY.set({path.resolve(): text.encode("utf-8", "surrogatepass") for path, text in texts.items()})
    try:
        yield
    finally:
        _OVERLAY.reset(token)


def overlay_bytes(path: Path) -> bytes | None:
    """The bytes `overlaid` gives for `path`, or None when it is read from disk."""
    overlay = _OVERLAY.get()
    return overlay.get(path.resolve()) if overlay else None


def overlay_paths() -> list[Path]:
    """Every path `overlaid` gives a text for (some may not exist on disk yet)."""
    return list(_OVERLAY.get() or ())
