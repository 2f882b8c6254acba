"""Issue 10 §3: a file or folder kefu may not read or write is a one-line error naming it (exit 1 or 2),
never an internal error, for every command.

The suite runs as root on the CI machine, where permissions do not stop a read; the file system's refusal
is therefore played by patching the functions every read and write goes through (`os.stat`, `os.scandir`,
`open`, ...) so that they raise EACCES below one folder, as they would for a user without access.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RULES
from tests.tui.test_cli import run

KB = '{"id": "a", "asks": ["x"], "reply": "y"}\n'


def _below(path: object, root: str, itself: bool = False) -> bool:
    if isinstance(path, int):
        return False
    full = os.path.abspath(os.fsdecode(os.fspath(path)))  # type: ignore[call-overload]
    return full.startswith(root + os.sep) or (itself and full == root)


@contextlib.contextmanager
def denied(folder: Path, writes_only: bool = False) -> Iterator[None]:
    """Inside: the system refuses to look into `folder` (like `chmod 000`), or only to write there."""
    root = str(folder.resolve())

    def guard(real: Callable[..., Any], listing: bool = False) -> Callable[..., Any]:
        def guarded(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            if _below(path, root, itself=listing):
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return real(path, *args, **kwargs)

        return guarded

    def guard_writes(real: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if _below(path, root) and any(flag in mode for flag in "wax+"):
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return real(path, mode, *args, **kwargs)

        return guarded

    patch = pytest.MonkeyPatch()
    if writes_only:
        patch.setattr(builtins, "open", guard_writes(builtins.open))
    else:
        for name in ("stat", "lstat", "open"):
            patch.setattr(os, name, guard(getattr(os, name)))
        for name in ("scandir", "listdir"):
            patch.setattr(os, name, guard(getattr(os, name), listing=True))
        patch.setattr(builtins, "open", guard(builtins.open))
        patch.setattr(io, "open", guard(io.open))
    try:
        yield
    finally:
        patch.undo()


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("KEFU_NO_CACHE", "1")
    secret = tmp_path / "secret"
    shutil.copytree(RULES, secret / "rules")
    shutil.copytree(RULES, tmp_path / "rules")
    (secret / "events.jsonl").write_text("", encoding="utf-8")
    (secret / "kb.jsonl").write_text(KB, encoding="utf-8")
    (tmp_path / "kb.jsonl").write_text(KB, encoding="utf-8")
    (tmp_path / "events.jsonl").write_text("", encoding="utf-8")
    return {
        "readable_events": tmp_path / "events.jsonl",
        "secret": secret,
        "file": secret / "rules" / "shops" / "tw" / "shop.kefu",
        "rules": tmp_path / "rules" / "shops" / "tw",
        "events": secret / "events.jsonl",
        "kb": tmp_path / "kb.jsonl",
        "secret_kb": secret / "kb.jsonl",
        "out": tmp_path / "out.kefu",
        "secret_out": secret / "out.kefu",
    }


CASES = [
    ("check", "{file}", 1, "error[K007]: cannot read {file}: Permission denied"),
    ("check", "{secret}", 1, "error[K007]: cannot read the folder {secret}: Permission denied"),
    ("fmt", "{file}", 1, "error[K007]: cannot read {file}: Permission denied"),
    ("fmt --check", "{secret}", 1, "error[K007]: cannot read the folder {secret}: Permission denied"),
    ("ask", "{file} hi", 1, "error[K007]: cannot read {file}: Permission denied"),
    ("ask", "{secret} hi", 1, "error[K007]: cannot read the folder {secret}: Permission denied"),
    ("test", "{file}", 1, "error[K007]: cannot read {file}: Permission denied"),
    ("test", "{secret}", 1, "error[K007]: cannot read the folder {secret}: Permission denied"),
    ("simulate", "{file} --events {readable_events}", 1, "error[K007]: cannot read {file}: Permission denied"),
    ("simulate", "{rules} --events {events}", 2, "kefu simulate: error: {events}: Permission denied"),
    ("eval", "{rules} {events}", 2, "kefu eval: error: {events}: Permission denied"),
    ("import", "{secret_kb} -o {out}", 2, "kefu import: error: {secret_kb}: Permission denied"),
    ("import", "{kb} -o {secret_out}", 2, "kefu import: error: {secret_out}: Permission denied"),
]


@pytest.mark.parametrize(("command", "arguments", "status", "line"), CASES, ids=lambda value: str(value))
def test_a_path_kefu_may_not_read_is_a_one_line_error(
    command: str,
    arguments: str,
    status: int,
    line: str,
    places: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = command.split() + [word.format(**places) for word in arguments.split()]
    with denied(places["secret"]):
        code, out, err = run(capsys, *args)
    assert "internal error" not in err
    assert code == status, err
    assert line.format(**places) in out + err


def test_a_file_kefu_may_not_write_is_left_alone_and_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`kefu fmt` on a file in a folder it may not write: the error names it, the file is unchanged."""
    folder = tmp_path / "shop"
    folder.mkdir()
    source = folder / "shop.kefu"
    source.write_text('shop  s "S"\n', encoding="utf-8")
    with denied(folder, writes_only=True):
        code, _, err = run(capsys, "fmt", str(source))
    assert code == 1 and f"cannot write {source}: Permission denied" in err
    assert source.read_text(encoding="utf-8") == 'shop  s "S"\n'


def test_a_full_disk_is_named_not_reported_as_a_bug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any refusal of the file system reaching the edge is one line with the file and the reason."""
    from kefu.tui.cli import import_ as import_module

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(import_module, "write_atomically", full)
    source = tmp_path / "kb.jsonl"
    source.write_text(KB, encoding="utf-8")
    code, _, err = run(capsys, "import", str(source), "-o", str(tmp_path / "out.kefu"))
    assert code == 2
    assert err.strip() == f"kefu import: error: {tmp_path / 'out.kefu'}: No space left on device"
