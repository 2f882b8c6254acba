"""The on-disk cache of parse results: a folder of entries holding data only, never code.

An entry is the bytes of one file's parse result (what `kefu.dsl.stored` writes), under a key the
caller chooses (the file's name and content digest). Every key is also bound to `source_digest()`:
kefu's version, the versions of the libraries that shape a parse, and every `.py` and `.lark`
file of the installed kefu packages, so a change to any of kefu's code starts a new generation of
entries and an old result is never read again.

An entry file is one header line, ``kefu-cache 1 <key digest> <crc32> <length>``, then the payload.
Reading checks all four; anything else (a truncated, bit-flipped, foreign, older or unknown entry)
is a miss, and the caller's next `put` replaces it. Writes go to a temporary file that is renamed
into place, so a reader sees a whole entry or none. Reading an entry runs no code: the payload is
JSON, validated field by field (see docs/cache.md for why not pickle, and for shared folders).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
import zlib
from functools import lru_cache
from pathlib import Path

# platformdirs, shutil and tempfile are imported where they are used: a cached `kefu check` answers
# without them (together about 20 ms of its 0.16 s).

FORMAT = b"kefu-cache 1"
GENERATION_PREFIX = "parse-"
STALE_AFTER_S = 7 * 24 * 3600  # generations of other kefu code unused this long are removed
_LEGACY = ("file", "run")  # folders of kefu versions that pickled their entries


def default_dir() -> Path:
    """KEFU_CACHE_DIR, else the user's cache folder (for example ~/.cache/kefu/check)."""
    configured = os.environ.get("KEFU_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("kefu")) / "check"


def _package_folders() -> list[tuple[str, str]]:
    """(package name, folder) of every top-level kefu package: those imported (their real
    locations, whatever finder placed them) and those an ordinary install lays out beside them."""
    import pkgutil

    import kefu

    found: dict[str, set[str]] = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("kefu.") and name.count(".") == 1 and hasattr(module, "__path__"):
            found.setdefault(name, set()).update(str(Path(p).resolve()) for p in module.__path__)
    for info in pkgutil.iter_modules(kefu.__path__, "kefu."):
        folder = getattr(info.module_finder, "path", None)
        if info.ispkg and folder is not None:
            found.setdefault(info.name, set()).add(str((Path(folder) / info.name.split(".")[-1]).resolve()))
    return sorted((name, folder) for name, folders in found.items() for folder in folders)


def _versions() -> str:
    """Python's version and the name and version of every distribution installed where Python
    imports from (kefu, Lark, pydantic and the rest), read from the names of their metadata
    folders (`lark-1.2.2.dist-info`): nothing is imported, so a cached check stays fast."""
    installed: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        installed.update(name for name in names if name.endswith((".dist-info", ".egg-info")))
    return f"python {sys.version} {sys.implementation.cache_tag}; " + " ".join(sorted(installed))


def source_files() -> list[tuple[str, Path]]:
    """(name, path) of every `.py` and `.lark` file of kefu's packages, at any depth, in a fixed order."""
    files: list[tuple[str, Path]] = []
    for package, folder in _package_folders():
        for here, folders, names in os.walk(folder):
            folders[:] = sorted(f for f in folders if f != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".lark")):
                    path = Path(here) / name
                    files.append((f"{package}/{path.relative_to(folder).as_posix()}", path))
    return sorted(files)


@lru_cache(maxsize=1)
def source_digest() -> str:
    """A digest of kefu's version, of the parser's libraries, and of every source file of kefu, so
    any change to kefu's code, anywhere, makes every earlier entry unreachable."""
    digest = hashlib.blake2b(_versions().encode(), digest_size=16)
    for name, path in source_files():
        content = path.read_bytes()
        digest.update(f"\0{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _file_mode() -> int:
    """The mode an ordinary new file gets here (0o666 less the umask), so a folder shared on
    purpose shares its entries; mkstemp alone would make them private."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


class Cache:
    """A cache folder (or none: `Cache.disabled()` reads nothing and writes nothing)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._generation: Path | None = None

    @classmethod
    def disabled(cls) -> Cache:
        return cls(None)

    def generation(self) -> Path | None:
        """The folder of this kefu code's entries (one per `source_digest()`)."""
        if self.directory is None:
            return None
        if self._generation is None:
            self._generation = self.directory / f"{GENERATION_PREFIX}{source_digest()[:16]}"
            touch(self._generation)
        return self._generation

    def _locate(self, kind: str, key: str) -> tuple[Path, bytes] | None:
        generation = self.generation()
        if generation is None:
            return None
        name = hashlib.blake2b(f"{source_digest()}\0{kind}\0{key}".encode(), digest_size=16).hexdigest()
        return generation / kind / name[:2] / name, name.encode()

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload stored under `key`, or None: absent, unreadable, damaged or foreign."""
        where = self._locate(kind, key)
        if where is None:
            return None
        path, name = where
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        return _payload(data, name)

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store `payload` under `key`, atomically; a cache that cannot be written only costs speed."""
        where = self._locate(kind, key)
        if where is None:
            return
        import tempfile

        path, name = where
        header = b"%s %s %08x %d\n" % (FORMAT, name, zlib.crc32(payload), len(payload))
        generation = path.parent.parent.parent
        try:
            if not generation.exists() and self.directory is not None:
                generation.mkdir(parents=True, exist_ok=True)
                prune(self.directory, keep=generation.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(header)
                    out.write(payload)
                    if hasattr(os, "fchmod"):
                        os.fchmod(out.fileno(), _file_mode())
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass


def _payload(data: bytes, name: bytes) -> bytes | None:
    """The payload of an entry file's bytes, when its header says it is whole and it is ours."""
    end = data.find(b"\n", 0, 128)
    if end < 0:
        return None
    fields = data[:end].split(b" ")
    if len(fields) != 5 or b" ".join(fields[:2]) != FORMAT or fields[2] != name:
        return None
    payload = data[end + 1 :]
    try:
        crc, length = int(fields[3], 16), int(fields[4])
    except ValueError:
        return None
    if length != len(payload) or crc != zlib.crc32(payload):
        return None
    return payload


def prune(directory: Path, keep: str) -> None:
    """Remove generations of other kefu code left unused for `STALE_AFTER_S`, and the pickled
    entries of older kefu versions (which only those versions read), when they are that old too.

    Runs when a new generation is started, so at most once per change of kefu's code."""
    import shutil

    now = time.time()
    try:
        candidates = [p for p in directory.iterdir() if p.name.startswith(GENERATION_PREFIX) or p.name in _LEGACY]
    except OSError:
        return
    for folder in candidates:
        try:
            if folder.name == keep or folder.is_symlink() or now - folder.stat().st_mtime < STALE_AFTER_S:
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)


def touch(directory: Path | None) -> None:
    """Mark a generation as in use (its folder's time), so pruning keeps it."""
    if directory is None:
        return
    with contextlib.suppress(OSError):
        os.utime(directory)
