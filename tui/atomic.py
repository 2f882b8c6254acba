"""Writing a file so that a crash never leaves half of it: beside the file, then a rename."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write `text` as UTF-8 to a temporary file beside `path`, flush it to disk, then rename it over
    `path` (keeping the old file's permissions). Through a symbolic link, the file it points to is
    rewritten and the link stays."""
    path = path.resolve()
    temporary = path.with_name(f".{path.name}.kefu-fmt.tmp")
    existed = path.exists()
    try:
        with open(temporary, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if existed:
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
