"""Building a file piece by piece (`kefu.dsl.pieces`, what `kefu lsp` does after a keystroke) gives
what building it whole gives, or declines."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.dsl.build import build
from kefu.dsl.cache import Cache
from kefu.dsl.load import load
from kefu.dsl.overlay import overlaid
from kefu.dsl.pieces import PIECE, build_in_pieces
from kefu.dsl.stored import encode
from kefu.dsl.syntax import parse
from tests.conftest import RULES, copy_rules

DEMO = sorted(RULES.rglob("*.kefu"))


def many_entries(count: int) -> str:
    return "".join(f'faq e.q{n} "t{n}" {{\n    ask "問題 {n}?"\n    reply "答 {n}"\n}}\n\n' for n in range(count))


@pytest.mark.parametrize("path", DEMO, ids=lambda p: p.name)
def test_a_demo_file_in_pieces_loads_as_it_does_whole(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rules = copy_rules(tmp_path)
    copy = rules / path.relative_to(RULES)
    text = copy.read_text(encoding="utf-8")
    whole = load([copy], Cache.disabled())
    memo: dict = {}
    items = build_in_pieces(text, str(copy.relative_to(tmp_path)), {})
    if items is None:
        pytest.skip("declined: settings in more than one piece")
    from kefu.dsl.source import digest_of

    memo[(str(copy.relative_to(tmp_path)), digest_of(text.encode()))] = items
    pieced = load([copy], Cache.disabled(), memo=memo)
    assert pieced.diagnostics == whole.diagnostics
    assert pieced.rules == whole.rules


def test_only_the_edited_piece_is_built_again() -> None:
    text = many_entries(PIECE * 4)
    kept: dict = {}
    first = build_in_pieces(text, "a.kefu", kept)
    assert first is not None and len(first.faqs) == PIECE * 4
    before = dict(kept)
    edited = text.replace('reply "答 5"', 'replyy "答 5"', 1)
    second = build_in_pieces(edited, "a.kefu", kept)
    assert second is not None
    rebuilt = [key for key in kept if key not in before]
    assert len(rebuilt) == 1  # the piece holding entry 5; the others were kept
    assert [d.code for d in second.diagnostics] == [d.code for d in build(parse(edited, "a.kefu")).diagnostics]
    assert encode(second) != encode(first)


def test_a_line_added_moves_the_pieces_after_it() -> None:
    text = many_entries(PIECE * 4)
    kept: dict = {}
    build_in_pieces(text, "a.kefu", kept)
    edited = text.replace('    reply "答 5"\n', '    reply "答 5"\n    keywords 新\n', 1)
    pieced = build_in_pieces(edited, "a.kefu", kept)
    whole = build(parse(edited, "a.kefu"))
    assert pieced is not None
    assert [(e.id, e.span) for e in pieced.faqs] == [(e.id, e.span) for e in whole.faqs]
    assert pieced.faqs[-1].span is not None and pieced.faqs[-1].span.line == whole.faqs[-1].span.line  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "mistake",
    [
        lambda t: t.replace('reply "答 40"\n}', 'reply "答 40"\n', 1),  # a block left open: K001 across pieces
        lambda t: t.replace('ask "問題 3?"', 'ask "問題 3?', 1),  # a string left open: K002
        lambda t: "bogus thing\n" + t,  # an unknown top-level statement: the file counts them
        lambda t: "assist { on }\n" + t + "assist { auto_send on }\n",  # settings in two pieces
    ],
)
def test_what_crosses_pieces_is_built_whole(mistake: object) -> None:
    text = mistake(many_entries(PIECE * 4))  # type: ignore[operator]
    assert build_in_pieces(text, "a.kefu", {}) is None


def test_an_overlay_text_checked_in_pieces_matches_kefu_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's path (kefu.tui.lsp.checks): an edited large file, through the memo."""
    from kefu.tui.lsp.checks import Checker

    monkeypatch.chdir(tmp_path)
    shop = tmp_path / "s"
    shop.mkdir()
    (shop / "shop.kefu").write_text('shop s "S" {\n    timezone "Asia/Taipei"\n}\nstaff {\n    owner mia\n}\n')
    faq = shop / "faq.kefu"
    text = many_entries(600)
    faq.write_text(text, encoding="utf-8")
    checker = Checker(tmp_path.resolve())
    assert checker.check(faq, {faq.resolve(): text}).diagnostics == []
    edited = text.replace('reply "答 300"', 'replyy "答 300"', 1)
    found = checker.check(faq, {faq.resolve(): edited}).diagnostics
    with overlaid({faq: edited}):
        expected = load([faq], Cache.disabled()).diagnostics
    assert found == expected and [d.code for d in found] == ["K013", "K010"]


def test_a_large_preset_built_in_two_halves_keeps_its_entries_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """dsl.chunks builds a file over 512 KiB in two halves: the second half's entries are the
    preset's too (its id, its category), as in a build of the whole file."""
    from kefu.dsl import chunks

    monkeypatch.setattr(chunks, "_parallel_ok", lambda size: True)
    text = 'preset big "Big" {\n    category 通用類\n}\n\n' + many_entries(6000)
    halves = chunks.build_text(text, "big.kefu")
    whole = build(parse(text, "big.kefu"))
    assert [(e.id, e.preset, e.category) for e in halves.faqs] == [(e.id, e.preset, e.category) for e in whole.faqs]
    assert {e.preset for e in halves.faqs} == {"big"}
