"""Rules as they were at a git revision, read through git without a checkout.

`kefu diff OLD NEW` (and, next, `kefu impact --base REV` and `kefu when --base REV`) name rules either
as a path on disk or at a revision. How an argument is read (`rules_source`):

- a path that exists on disk is that path, whatever else it could mean;
- `REV:PATH` is PATH at the revision REV, as git spells it: PATH is from the repository's root, or
  from the working directory when it starts with `./` or `../` (`HEAD~1:rules/`, `main:./tw`);
- a bare `REV` is the same rules path at that revision: the path the other argument names (for
  `kefu diff HEAD~1 rules/shops/tw`, `HEAD~1:rules/shops/tw`, in the repository holding that path),
  or the working directory when the other is a bare revision as well.

The revision's `.kefu` files (the whole tree's, so `use "../../presets/x.kefu"` still finds its preset)
are read with `git ls-tree` and `git cat-file --batch` into a temporary folder laid out as the
repository is, with a `.git` marker at its root so the search for a file's shop stops there as it does
in the repository. The folder is removed when the `with` block ends. Symbolic links and submodules
in the tree are left out. Files are named `REV:path/from/root.kefu` in everything shown
(`RulesSource.name`). Failures are `KefuError`s with one line: git missing, not a git repository, a
bad revision, a path missing at that revision.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kefu.tui.errors import Failure, KefuError

MARKER = ".git"  # made at the root of an extracted tree: the shop search stops there (dsl.files)


@dataclass(frozen=True)
class Spec:
    """What an argument names before anything is read: a path on disk, or a path at a revision
    (`path` None: the same path as the other side's)."""

    text: str
    revision: str | None = None
    path: str | None = None  # at a revision: from the repository's root, '' for the root itself

    @property
    def on_disk(self) -> bool:
        return self.revision is None


@dataclass(frozen=True)
class RulesSource:
    """Rules to load: `path` on disk (in the working tree, or in a temporary copy of a revision).
    `label` names them in output (`rules/shops/tw`, `HEAD~1:rules/shops/tw`)."""

    path: Path
    label: str
    revision: str | None = None  # as the user wrote it; None for the working tree
    root: Path | None = None  # the temporary copy's root, for a revision

    def name(self, file: str) -> str:
        """How output names a file the loader named `file`: a revision's files as `REV:path`."""
        if self.root is None:
            return file
        try:
            inside = Path(file).resolve().relative_to(self.root)
        except ValueError:
            return file  # a file outside the copy (an absolute `use`), named as it is
        return f"{self.revision}:{inside.as_posix()}"

    def disk_path(self, name: str) -> Path:
        """The file on disk behind a name `name` gives (to show a source line)."""
        prefix = f"{self.revision}:"
        if self.root is not None and name.startswith(prefix):
            return self.root / name[len(prefix) :]
        return Path(name)


def parse_spec(text: str) -> Spec:
    """How `text` is read: an existing path wins, then `REV:PATH`, then a bare revision."""
    if Path(text).exists():
        return Spec(text)
    if text.startswith("-"):
        raise KefuError(f"'{text}' is neither a file or folder here nor a git revision", Failure.usage)
    revision, colon, path = text.partition(":")
    if colon:
        if not revision:
            raise KefuError(f"'{text}': name a revision before ':' (HEAD:{path})", Failure.usage)
        return Spec(text, revision, path)
    return Spec(text, text, None)


def base_spec(text: str) -> Spec:
    """A `--base REV` option's value: always a revision (`REV`, or `REV:PATH`), never a path on disk.
    `opened(base_spec(rev), parse_spec(rules))` reads RULES' path at REV."""
    if text.startswith("-") or not text:
        raise KefuError(f"'{text}' is not a git revision", Failure.usage)
    revision, colon, path = text.partition(":")
    if colon and not revision:
        raise KefuError(f"'{text}': name a revision before ':' (HEAD:{path})", Failure.usage)
    return Spec(text, revision, path if colon else None)


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError as exc:
        raise KefuError("git is not installed: a revision cannot be read without it", Failure.unusable) from exc


def repository_root(cwd: Path, spec: Spec) -> Path:
    """The root of the repository holding `cwd`; not in one is a usage error naming the argument."""
    done = _git(["rev-parse", "--show-toplevel"], cwd)
    if done.returncode != 0:
        raise KefuError(
            f"'{spec.text}' is no file or folder here, and {cwd} is not in a git repository to read a revision from",
            Failure.usage,
        )
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def tree_of(root: Path, spec: Spec) -> str:
    """The tree the revision names (a commit, a tag, a branch, a tree), or a one-line error."""
    assert spec.revision is not None
    done = _git(["rev-parse", "--verify", "--quiet", f"{spec.revision}^{{tree}}"], root)
    if done.returncode != 0:
        raise KefuError(
            f"'{spec.revision}' is not a revision of the repository at {root}"
            + ("" if spec.path is not None else ", nor a file or folder here"),
            Failure.not_found,
        )
    return done.stdout.decode().strip()


def repository_path(path: str, root: Path, cwd: Path) -> str:
    """`REV:PATH`'s PATH from the repository's root: as written, or from the working directory when it
    starts with `./` or `../`. A path out of the repository is a usage error."""
    if path in (".", "..") or path.startswith(("./", "../")):
        prefix = cwd.resolve().relative_to(root).as_posix() if cwd.resolve() != root else ""
        path = posixpath.join(prefix, path)
    normal = posixpath.normpath(path) if path else ""
    if normal in (".", ""):
        return ""
    if normal.startswith(("../", "/")) or normal == "..":
        raise KefuError(f"'{path}' is outside the repository at {root}", Failure.usage)
    return normal


def disk_to_repository(path: Path, root: Path) -> str:
    """A path on disk as a path from the repository's root (for a bare revision on the other side)."""
    try:
        relative = path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise KefuError(f"{path} is outside the repository at {root}", Failure.usage) from None
    return "" if relative == "." else relative


def _entries(root: Path, tree: str) -> list[tuple[str, str, str, str]]:
    """(mode, type, object, path) of everything in `tree`, folders included."""
    done = _git(["ls-tree", "-r", "-t", "-z", "--full-tree", tree], root)
    if done.returncode != 0:
        raise KefuError(
            f"git could not list the tree {tree}: {done.stderr.decode(errors='replace').strip()}", Failure.unusable
        )
    rows = []
    for record in done.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, obj = meta.decode().split(" ")
        rows.append((mode, kind, obj, name.decode("utf-8", "surrogateescape")))
    return rows


def _blobs(root: Path, objects: list[str]) -> list[bytes]:
    """The contents of `objects`, in order, through one `git cat-file --batch`."""
    if not objects:
        return []
    done = _git(["cat-file", "--batch"], root, ("\n".join(objects) + "\n").encode())
    if done.returncode != 0:
        raise KefuError(f"git could not read objects: {done.stderr.decode(errors='replace').strip()}", Failure.unusable)
    out, position, contents = done.stdout, 0, []
    for _ in objects:
        end = out.index(b"\n", position)
        size = int(out[position:end].split(b" ")[2])
        contents.append(out[end + 1 : end + 1 + size])
        position = end + 1 + size + 1  # the LF after the content
    return contents


def extract(root: Path, tree: str, target: Path) -> set[str]:
    """Write the `.kefu` files of `tree` below `target` (as the repository lays them out) and return
    every path of the tree, folders included."""
    rows = _entries(root, tree)
    files = [
        (obj, path) for mode, kind, obj, path in rows if kind == "blob" and mode != "120000" and path.endswith(".kefu")
    ]
    for (_, path), data in zip(files, _blobs(root, [obj for obj, _ in files])):
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    (target / MARKER).mkdir(exist_ok=True)
    return {path for _, _, _, path in rows}


def _label(revision: str, path: str) -> str:
    return f"{revision}:{path}" if path else f"{revision}:"


@contextmanager
def opened(spec: Spec, other: Spec | None = None, cwd: Path | None = None) -> Iterator[RulesSource]:
    """The rules `spec` names, readable on disk while the block runs. `other` is the other side of a
    comparison: a bare revision takes its path."""
    here = (cwd or Path.cwd()).resolve()
    if spec.on_disk:
        yield RulesSource(path=Path(spec.text), label=spec.text)
        return
    beside = other is not None and other.on_disk and spec.path is None  # the other side's path, at REV
    if beside:
        assert other is not None
        named = Path(other.text).resolve()
        root = repository_root(named if named.is_dir() else named.parent, spec)  # the repository holding it
    else:
        root = repository_root(here, spec)
    tree = tree_of(root, spec)
    assert spec.revision is not None
    if spec.path is not None:
        path = repository_path(spec.path, root, here)
    elif beside:
        assert other is not None
        path = disk_to_repository(Path(other.text), root)
    elif other is not None and other.path is not None:
        path = repository_path(other.path, root, here)
    else:
        path = disk_to_repository(here, root)
    with tempfile.TemporaryDirectory(prefix="kefu-rev-") as folder:
        target = Path(folder).resolve()
        paths = extract(root, tree, target)
        if path and path not in paths:
            raise KefuError(f"'{path}' does not exist at {spec.revision}", Failure.not_found)
        if path and not (target / path).exists():  # a file that is no .kefu file, or a symbolic link
            raise KefuError(f"'{path}' at {spec.revision} is neither a .kefu file nor a folder", Failure.usage)
        yield RulesSource(path=target / path, label=_label(spec.revision, path), revision=spec.revision, root=target)
