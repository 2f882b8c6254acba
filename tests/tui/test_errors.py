"""Failures: library functions raise a typed `KefuError` and never print or exit; the command line
prints one line per failure, rustc style (lowercase, no full stop), and picks the exit status."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kefu.tui.cli import EXIT_FOR, failure_lines
from kefu.tui.errors import Failure, KefuError
from kefu.tui.history import open_history
from kefu.tui.shops import load_shops, one_shop
from tests.conftest import ROOT, RULES
from tests.tui.test_cli import BAD, GOOD, run, shop

TW = str(RULES / "shops" / "tw")


def junk_db(tmp_path: Path) -> str:
    path = tmp_path / "junk.db"
    path.write_bytes(b"\x00" * 4096)
    return str(path)


def text_file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# Every way the command line's own lines can fail: usage (click's messages, which end with a full
# stop, and kefu's), a missing or unusable file, an unknown shop, findings. (args, exit status)
FAILURES = {
    "missing argument": (lambda _: ["check"], 2),
    "unknown option": (lambda _: ["check", "--bogus", "x"], 2),
    "bad option value": (lambda _: ["check", "--max-errors", "-1", "rules"], 2),
    "bad choice": (lambda _: ["schema", "nope"], 2),
    "unknown command": (lambda _: ["nonsense"], 2),
    "missing path": (lambda _: ["check", "/no/such/path"], 2),
    "fmt missing path": (lambda _: ["fmt", "/no/such.kefu"], 2),
    "ask two shops": (lambda _: ["ask", str(RULES), "x"], 2),
    "ask unknown shop": (lambda _: ["ask", str(RULES), "x", "--shop", "nope"], 2),
    "ask broken rules": (lambda t: ["ask", str(shop(t, BAD)), "x"], 1),
    "eval missing queries": (lambda _: ["eval", TW, "/no/such.jsonl"], 2),
    "eval no usable query": (lambda t: ["eval", TW, text_file(t, "q.jsonl", "{}\n")], 1),
    "import missing source": (lambda t: ["import", "/no/such.csv", "-o", str(t / "o.kefu")], 2),
    "import unknown format": (lambda t: ["import", text_file(t, "a.txt", "x"), "-o", str(t / "o.kefu")], 2),
    "explain unknown code": (lambda _: ["explain", "K999"], 2),
    "test unknown shop": (lambda _: ["test", str(RULES), "--shop", "fr"], 2),
    "test bad pattern": (lambda _: ["test", TW, "--run", "("], 2),
    "test nothing ran": (lambda t: ["test", str(shop(t, GOOD))], 1),
    "metrics missing db": (lambda t: ["metrics", "--db", str(t / "none.db")], 2),
    "metrics unusable db": (lambda t: ["metrics", "--db", junk_db(t)], 2),
    "audit unusable db": (lambda t: ["audit", "--db", junk_db(t)], 2),
    "simulate missing option": (lambda _: ["simulate", TW], 2),
    "simulate exclusive options": (lambda t: ["simulate", TW, "--events", "-", "--no-db", "--db", str(t / "k.db")], 2),
    "when bad date": (lambda _: ["when", TW, "--from", "2026-02-30", "--to", "2026-03-01"], 2),
    "when two shops": (lambda _: ["when", str(RULES), "--from", "2026-03-01", "--to", "2026-03-01"], 2),
    "when broken rules": (lambda t: ["when", str(shop(t, BAD)), "--from", "2026-03-01", "--to", "2026-03-01"], 1),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_error_lines_are_one_line_lowercase_and_end_without_a_full_stop(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args, status = FAILURES[case]
    code, out, err = run(capsys, *args(tmp_path))
    assert code == status, err
    own = [line for line in err.splitlines() if line.startswith("kefu")]  # not rendered diagnostics
    assert len(own) == 1, err
    assert not own[0].endswith("."), own[0]
    if status == 2:
        assert out == "" and len(err.splitlines()) == 1
        message = own[0].split(": error: ", 1)[1]
        assert message[:1] == message[:1].lower(), own[0]


def test_an_internal_error_ends_without_a_full_stop_even_when_the_exception_has_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise ValueError("something went wrong.")

    monkeypatch.setattr("kefu.dsl.load.load", broken)
    code, _, err = run(capsys, "check", str(shop(tmp_path, GOOD)))
    assert code == 3
    assert err.splitlines()[0] == "kefu: internal error: ValueError: something went wrong"
    assert not any(line.endswith(".") for line in err.splitlines())


@pytest.mark.parametrize(
    "kind, message, status, line",
    [
        (Failure.usage, "pick one with --shop", 2, "kefu ask: error: pick one with --shop (see 'kefu ask --help')"),
        (Failure.not_found, "no shop 'fr'", 2, "kefu ask: error: no shop 'fr'"),
        (Failure.unusable, "k.db: not a kefu database", 2, "kefu ask: error: k.db: not a kefu database"),
        (Failure.findings, "the rules have 1 error(s)", 1, "kefu ask: the rules have 1 error(s)"),
    ],
)
def test_each_kind_of_failure_has_its_exit_status_and_form(kind: Failure, message: str, status: int, line: str) -> None:
    error = KefuError(message + ".", kind)  # a full stop a message should not have is dropped
    error.command = "kefu ask"
    assert EXIT_FOR[kind] == status
    assert failure_lines(error) == [line]


def test_details_come_before_the_line() -> None:
    error = KefuError("the rules have 1 error(s); fix them first (kefu check)", Failure.findings, details="a\nb")
    assert failure_lines(error) == ["a\nb", "kefu: the rules have 1 error(s); fix them first (kefu check)"]


def test_library_functions_raise_and_never_print(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(KefuError) as picked:
        one_shop(RULES, None)
    assert picked.value.kind is Failure.usage and "pick one with --shop" in picked.value.message
    with pytest.raises(KefuError) as unknown:
        one_shop(RULES, "fr")
    assert unknown.value.kind is Failure.not_found and unknown.value.message.startswith("no shop 'fr'")
    with pytest.raises(KefuError) as broken:
        load_shops(shop(tmp_path, BAD))
    assert broken.value.kind is Failure.findings and "error[K010]" in broken.value.details
    with pytest.raises(KefuError) as missing:
        open_history(tmp_path / "none.db")
    assert missing.value.kind is Failure.not_found
    with pytest.raises(KefuError) as junk:
        open_history(Path(junk_db(tmp_path)))
    assert junk.value.kind is Failure.unusable and "not a kefu database" in junk.value.message
    assert one_shop(RULES, "tw").id == "tw"
    assert capsys.readouterr() == ("", "")


# The terminal UI will call these modules from inside an app, where nothing may print or exit.
LIBRARY = sorted((ROOT / "tui").glob("*.py"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_library_modules_of_tui_neither_print_nor_exit_nor_use_click(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
            assert not any(name.split(".")[0] == "click" for name in names), f"{path.name}: imports click"
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            assert called not in ("print", "sys.exit", "exit", "os._exit"), f"{path.name}:{node.lineno}: {called}"
