"""The findings cache: a whole check's findings are reused only while every input is unchanged, a
hit prints exactly what `--no-cache` prints, and a damaged entry is a miss."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.dsl import cache as cache_module
from kefu.dsl import findings
from kefu.dsl.cache import default_dir
from kefu.dsl.findings import CHECK, content_digest
from kefu.dsl.load import LoadResult
from kefu.dsl.source import digest_of
from tests.tui.test_cli import run

# a shop of a few one-ask entries never shows confidence 95 (K046): not what these tests are about
SHOP = 'shop s "S" {  # kefu: ignore[K046]\n    use "../presets/base.kefu"\n}\n\nstaff {\n    owner mia\n}\n'
PRESET = 'preset base "Base"\n\nfaq base.hi "hi" {\n    ask "你好"\n    reply "您好"\n}\n'
CLEAN = 'faq a.b "t" {\n    ask "包郵嗎?"\n    reply "是的"\n}\n'
ERRORS = 'faq a.b "t" {\n    ask "包郵嗎?"\n    colour red\n}\n\nfaq a.c "u" {\n    ask "x"\n}\n'
WARNINGS = (
    'faq a.b "t" {\n    ask "包郵嗎?"\n    reply "是"\n}\n\n'
    'faq a.c "u" {\n    ask "包郵嗎 ?"  # kefu: ignore[K021]\n    reply "是"\n}\n\n'
    'faq a.d "v" {\n    ask "運費多少?"\n    reply "是"\n}\n\n'
    'faq a.e "w" {\n    ask "運費多少 ?"\n    reply "是"\n}\n\n'
    'faq a.f "x" {\n    ask "退貨"  # kefu: ignore[K021]\n    reply "是"\n}\n'
)
OPTIONS = [(), ("--json",), ("--format", "github"), ("--max-errors", "1"), ("--fail-on", "warning")]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """The paths of every check that loaded its shops (a miss); a hit appends nothing."""
    done: list[list[Path]] = []
    real = findings._load

    def counted(paths: list[Path], cache: cache_module.Cache, lint: bool = False) -> LoadResult:
        done.append(paths)
        return real(paths, cache, lint)

    monkeypatch.setattr(findings, "_load", counted)
    return done


def make_shop(root: Path, faq: str) -> Path:
    """root/shop (a shop using root/presets/base.kefu, outside the named folder), root/.git."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "shop").mkdir()
    (root / "presets").mkdir()
    (root / "shop" / "shop.kefu").write_text(SHOP, encoding="utf-8")
    (root / "shop" / "faq.kefu").write_text(faq, encoding="utf-8")
    (root / "presets" / "base.kefu").write_text(PRESET, encoding="utf-8")
    return root / "shop"


def check_entries() -> list[Path]:
    return sorted(p for p in default_dir().rglob("*") if p.is_file() and p.parent.parent.name == CHECK)


@pytest.mark.parametrize("faq", [CLEAN, ERRORS, WARNINGS], ids=["clean", "errors", "warnings"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: " ".join(o) or "text")
def test_a_hit_prints_exactly_what_no_cache_prints(
    faq: str,
    options: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    loads: list[list[Path]],
) -> None:
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, faq)
    fresh = run(capsys, "check", "--no-cache", *options, "shop")
    first = run(capsys, "check", *options, "shop")
    assert len(loads) == 2 and len(check_entries()) == 1
    assert run(capsys, "check", *options, "shop") == first == fresh
    assert len(loads) == 2  # the third check loaded nothing: the findings came from the entry
    assert fresh[0] == {CLEAN: 0, ERRORS: 1, WARNINGS: 1 if "warning" in options else 0}[faq]


def test_the_shops_with_findings_have_the_findings_the_test_means(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path / "e", ERRORS)
    make_shop(tmp_path / "w", WARNINGS)
    errors, warnings = run(capsys, "check", "e/shop")[1:], run(capsys, "check", "w/shop")[1:]
    assert "error[K010]" in errors[0] and "error[K013]" in errors[0]
    assert "warning[K021]" in warnings[0] and "warning[K040]" in warnings[0]  # one used, one unused suppression
    assert warnings[0].count("warning[K021]") == 1


def _edit_shop_file(root: Path) -> None:
    (root / "shop" / "faq.kefu").write_text(CLEAN + "\n# a comment\n", encoding="utf-8")


def _edit_preset(root: Path) -> None:
    (root / "presets" / "base.kefu").write_text(PRESET.replace("你好", "您好嗎"), encoding="utf-8")


def _add_file(root: Path) -> None:
    (root / "shop" / "more.kefu").write_text('faq a.z "z" {\n    ask "zz"\n}\n', encoding="utf-8")


def _remove_file(root: Path) -> None:
    (root / "shop" / "faq.kefu").unlink()


def _same_bytes_again(root: Path) -> None:
    (root / "shop" / "faq.kefu").write_text(CLEAN, encoding="utf-8")  # rewritten, same bytes: still a hit


@pytest.mark.parametrize(
    ("change", "misses"),
    [
        (_edit_shop_file, True),
        (_edit_preset, True),
        (_add_file, True),
        (_remove_file, True),
        (_same_bytes_again, False),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else str(v),
)
def test_a_change_to_any_file_read_is_a_miss(
    change: object,
    misses: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    loads: list[list[Path]],
) -> None:
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, CLEAN)
    run(capsys, "check", "shop")
    assert callable(change)
    change(tmp_path)
    loads.clear()
    after = run(capsys, "check", "shop")
    assert after == run(capsys, "check", "--no-cache", "shop")
    assert len(loads) == 2 if misses else len(loads) == 1  # the --no-cache check always loads


def test_another_working_directory_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loads: list[list[Path]]
) -> None:
    """File names in findings are relative to the working directory, so it is part of the key."""
    make_shop(tmp_path, ERRORS)
    monkeypatch.chdir(tmp_path)
    here = run(capsys, "check", "shop")
    monkeypatch.chdir(tmp_path / "shop")
    there = run(capsys, "check", ".")
    assert len(loads) == 2 and "shop/faq.kefu" in here[1] and "shop/faq.kefu" not in there[1]
    assert there == run(capsys, "check", "--no-cache", ".")


def test_other_kefu_code_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loads: list[list[Path]]
) -> None:
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, WARNINGS)
    run(capsys, "check", "shop")
    monkeypatch.setattr(cache_module, "source_digest", lambda: "2" * 32)
    run(capsys, "check", "shop")
    assert len(loads) == 2


def test_a_use_through_a_link_that_now_points_elsewhere_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loads: list[list[Path]]
) -> None:
    """The preset a `use` reaches through a link is the link's target today, whatever the old one holds."""
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, CLEAN)
    presets = tmp_path / "presets"
    (presets / "base.kefu").rename(presets / "v1.kefu")
    (presets / "v2.kefu").write_text(PRESET.replace("base.hi", "a.b"), encoding="utf-8")  # clashes with the shop
    (presets / "base.kefu").symlink_to("v1.kefu")
    assert run(capsys, "check", "shop")[0] == 0
    (presets / "base.kefu").unlink()
    (presets / "base.kefu").symlink_to("v2.kefu")
    loads.clear()
    after = run(capsys, "check", "shop")
    assert len(loads) == 1 and after[0] == 1 and after == run(capsys, "check", "--no-cache", "shop")


def test_a_missing_preset_is_never_stored_and_shows_at_once_when_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `use` of a missing file depends on that file's absence, which no digest covers: not stored."""
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, CLEAN)
    preset = tmp_path / "presets" / "base.kefu"
    preset.unlink()
    missing = run(capsys, "check", "shop")
    assert missing[0] == 1 and "K031" in missing[1] and check_entries() == []
    preset.write_text(PRESET, encoding="utf-8")
    assert run(capsys, "check", "shop")[0] == 0


def test_a_damaged_entry_is_a_miss_and_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loads: list[list[Path]]
) -> None:
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, ERRORS)
    fresh = run(capsys, "check", "--no-cache", "shop")
    run(capsys, "check", "shop")
    [entry] = check_entries()
    good = entry.read_bytes()
    header, payload = good.split(b"\n", 1)
    name = header.split(b" ")[2]

    def whole(body: bytes) -> bytes:  # a well-formed entry around another payload: only its JSON is wrong
        import zlib

        return b"kefu-cache 1 %s %08x %d\n%s" % (name, zlib.crc32(body), len(body), body)

    damages = {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "a bit flipped": good[:-5] + bytes([good[-5] ^ 0x10]) + good[-4:],
        "junk": whole(b"\x00\xff junk"),
        "not an object": whole(b"[1, 2]"),
        "another layout": whole(payload.replace(b'"layout": 1', b'"layout": 9')),
        "a finding that does not validate": whole(payload.replace(b'"line": ', b'"line": "x', 1)),
        "a file listed oddly": whole(payload.replace(b'"read": [[', b'"read": [[1, ', 1)),
        "a use listed oddly": whole(payload.replace(b'"used": [[', b'"used": [[1, ', 1)),
    }
    for what, damaged in damages.items():
        entry.write_bytes(damaged)
        loads.clear()
        assert run(capsys, "check", "shop") == fresh, what
        assert len(loads) == 1, what
        assert entry.read_bytes() == good, f"{what}: not replaced"


def test_the_digest_of_a_file_is_the_loaders() -> None:
    for data in (b"", b"shop s\n", "包郵".encode()):
        assert content_digest(data) == digest_of(data)


def test_a_clean_hit_imports_neither_lark_nor_pydantic(tmp_path: Path) -> None:
    make_shop(tmp_path, CLEAN)
    script = (
        "import atexit, sys\n"
        "from kefu.tui.cli import main\n"
        "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'lark', 'pydantic'})\n"
        "atexit.register(lambda: print('imported', heavy(), file=sys.stderr))\n"
        "main(['check', 'shop'])\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert all(done.returncode == 0 for done in runs), runs[0].stderr
    assert "imported ['pydantic']" in runs[0].stderr  # the first check loads the shop (a clean one needs no Lark)
    assert "imported []" in runs[1].stderr, runs[1].stderr


def test_a_named_file_is_answered_with_its_shop_and_a_change_to_the_shop_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loads: list[list[Path]]
) -> None:
    """A named file brings in the rest of its shop: those files are inputs too."""
    monkeypatch.chdir(tmp_path)
    make_shop(tmp_path, CLEAN)
    (tmp_path / "shop" / "more.kefu").write_text(CLEAN.replace("a.b", "a.x"), encoding="utf-8")
    first = run(capsys, "check", "shop/faq.kefu")
    assert run(capsys, "check", "shop/faq.kefu") == first and len(loads) == 1
    assert "checked 4 files" in first[2]  # the named file, the rest of its shop and the preset
    (tmp_path / "shop" / "more.kefu").write_text(CLEAN, encoding="utf-8")  # now a duplicate of a.b
    after = run(capsys, "check", "shop/faq.kefu")
    assert len(loads) == 2 and after[0] == 1 and after == run(capsys, "check", "--no-cache", "shop/faq.kefu")
