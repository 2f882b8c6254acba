"""The parse cache: it stores what the parser built and nothing else, as data; a changed kefu, a
damaged, truncated, foreign or old entry is a miss, and `kefu check` prints what a fresh check prints."""

from __future__ import annotations

import dataclasses
import os
import pickle
import random
import stat
import threading
import time
import zlib
from pathlib import Path

import pytest

from kefu.dsl import cache as cache_module
from kefu.dsl.build import FileItems, build
from kefu.dsl.cache import Cache, default_dir, source_digest, source_files
from kefu.dsl.findings import CHECK
from kefu.dsl.load import PARSE, load
from kefu.dsl.stored import decode, encode
from kefu.dsl.syntax import parse
from kefu.engine.diagnostics import Diagnostic, Severity
from tests.conftest import ROOT, RULES
from tests.tui.test_cli import run

SHOP = 'shop s "S" {\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n\nmatching {\n    confidance 80\n}\n'
FAQ = 'faq a.b "t" {\n    ask "包郵嗎?"\n    reply "是的"\n}\n\nfaq a.c "u" {\n    ask "x"\n}\n'
MORE = 'faq a.d "v" {\n    ask "包郵嗎 ?"\n    keywords 包郵, 運費\n    reply "對"\n}\n'


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A three-file shop with findings from reading (K010, K013) and from the shop checks (K021)."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "shop"
    (folder / "faq").mkdir(parents=True)
    (folder / "shop.kefu").write_text(SHOP, encoding="utf-8")
    (folder / "faq" / "a.kefu").write_text(FAQ, encoding="utf-8")
    (folder / "faq" / "d.kefu").write_text(MORE, encoding="utf-8")
    return folder


def entries() -> list[Path]:
    return sorted(p for p in default_dir().rglob("*") if p.is_file() and p.parent.parent.name == PARSE)


def forget_checks() -> None:
    """Remove the findings of whole checks (kefu.dsl.findings), so the next check reads parse entries."""
    for path in default_dir().rglob("*"):
        if path.is_file() and path.parent.parent.name == CHECK:
            path.unlink()


# -- what is cached, and under which key ------------------------------------------------------


def test_check_from_the_cache_prints_what_a_fresh_check_prints(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = run(capsys, "check", "--no-cache", "shop")
    assert fresh[0] == 1 and all(code in fresh[1] for code in ("K010", "K013", "K021"))
    assert entries() == []
    first = run(capsys, "check", "shop")
    assert len(entries()) == 3  # one per file: the parse result, never the printed output
    assert run(capsys, "check", "shop") == first == fresh
    for fmt in ("json", "github"):
        assert run(capsys, "check", "--format", fmt, "shop") == run(
            capsys, "check", "--no-cache", "--format", fmt, "shop"
        )


def test_a_changed_shop_check_shows_at_once_without_no_cache(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bug of issue 9: a change outside the parser (a check, the CLI) printed the old text."""
    before = run(capsys, "check", "shop")
    import kefu.dsl.load as load_module

    original = load_module.run_checks

    def one_more(built: object, with_matcher: bool = False, lint: bool = False) -> list[Diagnostic]:
        found = original(built, with_matcher, lint)
        extra = Diagnostic(code="K029", severity=Severity.error, message="a new check", span=found[0].span)
        return [*found, extra]

    monkeypatch.setattr(load_module, "run_checks", one_more)
    # a real change to a check changes kefu's source, and so the digest every cache key holds
    monkeypatch.setattr(cache_module, "source_digest", lambda: "1" * 32)
    after = run(capsys, "check", "shop")
    assert "a new check" in after[1] and "a new check" not in before[1]


def test_the_key_covers_every_kefu_source_file_at_any_depth() -> None:
    names = {name for name, _ in source_files()}
    for path in [*(ROOT / "dsl").rglob("*.py"), *(ROOT / "dsl").rglob("*.lark"), *(ROOT / "engine").rglob("*.py")]:
        if "__pycache__" not in path.parts:
            assert f"kefu.{path.relative_to(ROOT).as_posix()}" in names
    assert "kefu.dsl/rules/matching/duplicate_ask.py" in names  # a rule module two folders down
    assert any(name.startswith("kefu.tui/") for name in names)  # the CLI is imported by this suite


def test_a_change_to_any_source_file_changes_the_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg"
    (package / "deep" / "deeper").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "deep" / "deeper" / "rule.py").write_text("A = 1\n", encoding="utf-8")
    (package / "grammar.lark").write_text("start: X\n", encoding="utf-8")
    (package / "notes.txt").write_text("not code\n", encoding="utf-8")
    monkeypatch.setattr(cache_module, "_package_folders", lambda: [("kefu.pkg", str(package))])

    def digest() -> str:
        source_digest.cache_clear()
        return source_digest()

    try:
        first = digest()
        assert digest() == first
        (package / "notes.txt").write_text("still not code\n", encoding="utf-8")
        assert digest() == first
        (package / "deep" / "deeper" / "rule.py").write_text("A = 2\n", encoding="utf-8")
        second = digest()
        assert second != first
        (package / "grammar.lark").write_text("start: Y\n", encoding="utf-8")
        assert digest() != second
    finally:
        source_digest.cache_clear()


def test_an_entry_of_other_kefu_code_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path / "c")
    cache.put(PARSE, "key", b"payload")
    assert Cache(tmp_path / "c").get(PARSE, "key") == b"payload"
    monkeypatch.setattr(cache_module, "source_digest", lambda: "0" * 32)
    assert Cache(tmp_path / "c").get(PARSE, "key") is None


# -- the data format --------------------------------------------------------------------------


def _every_kefu_file() -> list[Path]:
    return sorted(p for p in [*RULES.rglob("*.kefu"), *(ROOT / "tests").rglob("*.kefu")] if p.is_file())


@pytest.mark.parametrize("path", _every_kefu_file(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_parse_result_reads_back_equal(path: Path) -> None:
    items = build(parse(path.read_text(encoding="utf-8", errors="replace"), path.name))
    assert _same(decode(encode(items)), items)


def test_settings_and_overrides_read_back_with_their_types() -> None:
    text = (
        'preset p "P" {\n}\n\nbot {\n    when off_hours\n    fallback "稍等"\n}\n\nmatching {\n    confidence 80\n}\n\n'
        'override faq a.b {\n    keywords 包郵, 運費\n    auto never\n    title "T"\n    ask "新的"\n'
        '    drop ask "舊的"\n}\n\nperiod sale 2026-11-01..2026-11-11 {\n'
        "    assist {\n        auto_send off\n    }\n}\n"
    )
    items = build(parse(text, "p.kefu"))
    assert items.overrides and items.overrides[0].fields["keywords"] == ("包郵", "運費")
    assert _same(decode(encode(items)), items)


def _same(back: FileItems | None, items: FileItems) -> bool:
    """Equal, and equal in type all the way down (a list is not a tuple)."""
    assert back is not None
    assert repr(back) == repr(items)
    return dataclasses.astuple(back) == dataclasses.astuple(items)


def test_reading_an_entry_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (Path.touch, (str(marker),))

    assert decode(pickle.dumps(Exploit())) is None
    assert decode(pickle.dumps({"stdout": "", "stderr": "", "code": 0})) is None  # the old format
    assert not marker.exists()


# -- damaged entries ---------------------------------------------------------------------------


def _damages(data: bytes, other: bytes) -> list[tuple[str, bytes]]:
    """Ways an entry file goes wrong: flipped bits, truncation, junk, foreign JSON, another entry."""
    rng = random.Random(9)
    header_end = data.index(b"\n") + 1
    flips = sorted({0, 5, header_end - 2, header_end, header_end + 1, len(data) // 2, len(data) - 1})
    flips += rng.sample(range(len(data)), 12)
    damaged = []
    for at in flips:
        flipped = bytearray(data)
        flipped[at] ^= 1 << rng.randrange(8)
        damaged.append((f"bit flipped at {at}", bytes(flipped)))
    for length in sorted({0, 1, header_end - 1, header_end, len(data) // 2, len(data) - 1}):
        damaged.append((f"truncated to {length}", data[:length]))
    header = data[:header_end].split(b" ")
    for junk in [b"{}", b"[]", b"null", b'{"items": 1}', b"\x00" * 64, b"\xff\xfe garbage", b'{"items": {"path": 3}}']:
        forged = b"%s %s %s %08x %d\n" % (header[0], header[1], header[2], zlib.crc32(junk), len(junk))
        damaged.append((f"junk with a sound header: {junk[:20]!r}", forged + junk))
        damaged.append((f"junk: {junk[:20]!r}", junk))
    damaged.append(("another file's entry", other))
    damaged.append(("an old pickled entry", pickle.dumps({"stdout": "x", "stderr": "", "code": 0})))
    damaged.append(("a newer format", data.replace(b"kefu-cache 1 ", b"kefu-cache 2 ", 1)))
    return damaged


def test_a_damaged_entry_is_a_miss_and_is_replaced(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = run(capsys, "check", "--no-cache", "shop")
    assert run(capsys, "check", "shop") == fresh
    files = entries()
    good = {path: path.read_bytes() for path in files}
    target, other = files[0], files[1]
    damages = _damages(good[target], good[other])
    damages += [(f"{what} (another file)", bad) for what, bad in _damages(good[other], good[target])[-9:]]
    for what, damaged in damages:
        hit = other if "(another file)" in what else target
        hit.write_bytes(damaged)
        forget_checks()
        assert run(capsys, "check", "shop") == fresh, what
        assert hit.read_bytes() == good[hit], f"{what}: not replaced"


def test_a_wrong_entry_is_not_an_internal_error_in_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below the CLI too: load() with a cache full of junk returns what load() without one does."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "shop.kefu").write_text(SHOP + "\n" + FAQ, encoding="utf-8")
    cache = Cache(tmp_path / "c")
    expected = load([Path("s")], Cache.disabled())
    load([Path("s")], cache)
    for path in (tmp_path / "c").rglob("*"):
        if path.is_file() and path.parent.parent.name == PARSE:
            path.write_bytes(path.read_bytes()[:-7] + b"garbage")
    again = load([Path("s")], cache)
    assert again.diagnostics == expected.diagnostics and again.rules == expected.rules


# -- writing ------------------------------------------------------------------------------------


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path / "c")
    cache.put(PARSE, "k", b"first")

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    cache.put(PARSE, "k", b"second")  # a cache that cannot be written only costs speed
    assert cache.get(PARSE, "k") == b"first"
    assert [p.name for p in (tmp_path / "c").rglob(".tmp-*")] == []


def test_a_reader_always_sees_a_whole_entry_while_another_writes(tmp_path: Path) -> None:
    """Written aside and renamed into place: once an entry exists, a reader finds a whole one, never
    a half-written file (which would read as a miss)."""
    payloads = [bytes([65 + n]) * (2_000_000 + n) for n in range(3)]
    cache = Cache(tmp_path / "c")
    cache.put(PARSE, "k", payloads[0])
    done = threading.Event()

    def write() -> None:
        for round_ in range(1, 31):
            Cache(tmp_path / "c").put(PARSE, "k", payloads[round_ % 3])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    reads = 0
    while not done.is_set() or reads == 0:
        assert cache.get(PARSE, "k") in payloads
        reads += 1
    writer.join()
    assert cache.get(PARSE, "k") == payloads[30 % 3]


def test_entries_take_the_mode_of_an_ordinary_new_file(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        cache_module._file_mode.cache_clear()
        cache = Cache(tmp_path / "c")
        cache.put(PARSE, "k", b"data")
        (entry,) = [p for p in (tmp_path / "c").rglob("*") if p.is_file()]
        assert stat.S_IMODE(entry.stat().st_mode) == 0o644  # mkstemp alone would make it 0o600
    finally:
        os.umask(umask)
        cache_module._file_mode.cache_clear()


def test_a_new_generation_removes_old_unused_ones(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    old, recent, legacy = folder / "parse-0000000000000000", folder / "parse-1111111111111111", folder / "file"
    for path in (old, recent, legacy):
        (path / "parse" / "00").mkdir(parents=True)
    long_ago = time.time() - 30 * 24 * 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(legacy, (long_ago, long_ago))
    Cache(folder).put(PARSE, "k", b"data")
    assert not old.exists() and not legacy.exists() and recent.exists()
    assert Cache(folder).get(PARSE, "k") == b"data"
