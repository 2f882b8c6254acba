"""Inline suppression: `# kefu: ignore[K0NN]` at the end of a line silences that warning there, and a
suppression that silences nothing (K040) or cannot be used (K041) is reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kefu.dsl import chunks
from kefu.dsl import load as load_module
from kefu.dsl.cache import Cache
from kefu.dsl.fmt import format_bytes
from kefu.dsl.load import load
from kefu.engine.diagnostics import Diagnostic

HEAD = 'shop demo "Demo Store"\n\nstaff { owner mia }\n\n'
TWO_ENTRIES = """
faq shipping.free "商品包郵" {{
    ask "包郵嗎"
    reply "您好,全館包郵。"
}}

faq shipping.fee "運費" {{
    ask "包郵嗎"{comment}
    reply "您好,運費 60 元。"
}}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the enclosing-shop search stops here
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(text: str, name: str = "shop.kefu") -> list[tuple[str, int, int, str, str]]:
    Path(name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return [(d.code, d.span.line, d.span.column, d.message, d.help) for d in load([Path(name)]).diagnostics]


def two_entries(comment: str) -> str:
    return HEAD + TWO_ENTRIES.format(comment=comment)


def test_a_suppression_silences_its_code_on_its_line(workdir: Path) -> None:
    assert [code for code, *_ in found(two_entries(""))] == ["K021"]
    assert found(two_entries("  # kefu: ignore[K021]")) == []
    assert found(two_entries("  # both answer this  # kefu: ignore[K021]")) == []


def test_several_codes_in_one_suppression(workdir: Path) -> None:
    curly = two_entries("").replace(
        '    ask "包郵嗎"\n    reply "您好,運費', '    ask \u201c包郵嗎\u201d\n    reply "您好,運費'
    )
    assert [code for code, *_ in found(curly)] == ["K003", "K021", "K003"]  # all on line 12
    silenced = curly.replace("\u201c包郵嗎\u201d", "\u201c包郵嗎\u201d  # kefu: ignore[K021, K003]")
    assert found(silenced) == []


def test_a_suppression_applies_only_to_its_own_line(workdir: Path) -> None:
    above = two_entries("").replace(
        '    ask "包郵嗎"\n    reply "您好,運費', '    # kefu: ignore[K021]\n    ask "包郵嗎"\n    reply "您好,運費'
    )
    assert found(above) == [
        ("K040", 12, 20, "no K021 finding on this line to ignore", "delete the suppression"),
        (
            "K021",
            13,
            9,
            "the ask \"包郵嗎\" is under both 'shipping.free' and 'shipping.fee'",
            found(two_entries(""))[0][4],
        ),
    ]


def test_an_unused_code_in_a_list_is_named(workdir: Path) -> None:
    assert found(two_entries("  # kefu: ignore[K021, K030]")) == [
        ("K040", 12, 37, "no K030 finding on this line to ignore", "delete K030 from the list")
    ]


def test_errors_cannot_be_ignored(workdir: Path) -> None:
    entry = 'faq a "{}" {{{}\n    ask "{}"\n    reply "y"\n}}\n\n'
    text = HEAD + entry.format("A", "", "x") + entry.format("B", "  # kefu: ignore[K020]", "z")
    assert [(code, line, message) for code, line, _, message, _ in found(text)] == [
        ("K020", 10, "duplicate entry id 'a'"),
        ("K041", 10, "'K020' is an error, and errors cannot be ignored"),
    ]


@pytest.mark.parametrize(
    "comment, column, message, help",
    [
        ("# kefu: ignore[K21]", 31, "unknown code 'K21'", "did you mean 'K021'?"),
        ("# kefu: ignore[K999]", 31, "unknown code 'K999'", "docs/rules/README.md lists every code"),
        ("# kefu: ignore[dup]", 31, "'DUP' is not a code", "codes look like K021 (docs/rules/README.md lists them)"),
        ("# kefu: ignore[duplicate-ask]", 31, "'duplicate-ask' is a name; a suppression names codes", "write: K021"),
        ("# kefu: ignore[K040]", 31, "'K040' cannot be ignored: it is about suppressions", "fix or delete the suppression instead"),  # noqa: E501
        ("# kefu: ignore K021", 16, "a suppression names its codes in brackets", "write: # kefu: ignore[K021]"),
        ("# kefu: ignore[]", 16, "the suppression names no code", "write: # kefu: ignore[K021], or delete it"),
        ("# kefu: ingore[K021]", 16, "unknown directive 'ingore'; kefu reads only 'ignore' here", "write: # kefu: ignore[K021]"),  # noqa: E501
    ],
    ids=["misspelt", "unknown", "not-a-code", "name", "about-suppressions", "no-brackets", "empty", "directive"],
)  # fmt: skip
def test_a_suppression_kefu_cannot_use_is_k041(
    workdir: Path, comment: str, column: int, message: str, help: str
) -> None:
    """The K021 it meant to silence is still reported: a bad suppression silences nothing."""
    assert found(two_entries("  " + comment)) == [
        (
            "K021",
            12,
            9,
            "the ask \"包郵嗎\" is under both 'shipping.free' and 'shipping.fee'",
            found(two_entries(""))[0][4],
        ),
        ("K041", 12, column, message, help),
    ]


def test_a_code_named_twice_is_k041(workdir: Path) -> None:
    assert found(two_entries("  # kefu: ignore[K021, K021]")) == [
        ("K041", 12, 37, "'K021' is named twice", "delete the second K021")
    ]


def test_prose_about_kefu_and_strings_are_not_suppressions(workdir: Path) -> None:
    text = (
        HEAD
        + '# kefu: the assistant this file configures\nfaq a "A" {\n    ask "x"\n    reply "# kefu: ignore[K021]"\n}\n'
    )
    assert found(text) == []


def test_unused_suppressions_wait_while_a_file_has_syntax_errors(workdir: Path) -> None:
    """Rules do not run on a shop with a syntax error, so an ignore[K021] cannot be judged yet."""
    broken = two_entries("  # kefu: ignore[K021]").replace(
        'faq shipping.free "商品包郵" {', 'faq shipping.free "商品包郵" {{'
    )
    assert [code for code, *_ in found(broken)] == ["K001"]


def test_a_preset_checked_alone_does_not_judge_rule_suppressions(workdir: Path) -> None:
    preset = 'preset general "通用類"\n\nfaq a "A" {\n    ask "x"  # kefu: ignore[K021]\n    reply "y"\n}\n'
    assert found(preset, "preset.kefu") == []  # no shop checked its entries: not reported as unused


def test_a_suppression_in_a_preset_silences_what_a_shop_finds_there(workdir: Path) -> None:
    Path("presets").mkdir()
    Path("presets/general.kefu").write_text(
        'preset general "通用類"\n\nfaq a "A" {\n    ask "包郵嗎"\n    reply "y"\n}\n\n'
        'faq b "B" {\n    ask "包郵嗎"  # kefu: ignore[K021]\n    reply "z"\n}\n',
        encoding="utf-8",
    )
    Path("shop").mkdir()
    shop = 'shop demo "Demo Store" {\n    use "../presets/general.kefu"\n}\n\nstaff { owner mia }\n'
    assert found(shop, "shop/shop.kefu") == []


def test_k037_is_an_error_that_cannot_be_ignored(workdir: Path) -> None:
    """KB-2: a preset entry changes only through override; a shop's own faq with its id is refused, and a
    suppression of an error's code is itself reported (K041)."""
    Path("preset.kefu").write_text(
        'preset general "通用類"\n\n'
        'faq shipping.free "商品包郵" {\n    ask "請問商品包郵麼?"\n    reply "詳見商品頁"\n}\n',
        encoding="utf-8",
    )
    shop = HEAD.replace('"Demo Store"', '"Demo Store" {\n    use "preset.kefu"\n}') + (
        'faq shipping.free "免運" {{comment}\n    ask "滿499有免運嗎"\n    reply "全館滿 NT$499 免運。"\n}\n'
    )
    assert [code for code, *_ in found(shop.replace("{comment}", ""))] == ["K037"]
    assert sorted(code for code, *_ in found(shop.replace("{comment}", "  # kefu: ignore[K037]"))) == ["K037", "K041"]


def _diagnostics(path: Path) -> list[Diagnostic]:
    return load([path], Cache(Path("cache"))).diagnostics


def test_suppression_works_from_the_content_cache(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = two_entries("  # kefu: ignore[K021]") + "# kefu: ignore[K021]\n"
    Path("shop.kefu").write_text(text, encoding="utf-8")
    first = _diagnostics(Path("shop.kefu"))
    assert [(d.code, d.span.line) for d in first] == [("K040", text.count("\n"))]

    def no_parse(sources: list[tuple[str, str]]) -> list[object]:
        assert sources == [], "parsed again: the cache was not used"
        return []

    monkeypatch.setattr(load_module, "build_texts", no_parse)
    assert _diagnostics(Path("shop.kefu")) == first


def test_suppression_works_in_a_file_built_in_two_halves(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file is built in two processes; the second half's comments keep their line numbers."""
    monkeypatch.setattr(chunks, "PARALLEL_BYTES", 200)
    monkeypatch.delenv("KEFU_SERIAL", raising=False)
    filler = "".join(f'faq f{i} "F" {{\n    ask "問題{i}"\n    reply "答"\n}}\n\n' for i in range(20))
    text = HEAD + filler + TWO_ENTRIES.format(comment="  # kefu: ignore[K021]") + "# kefu: ignore[K021]\n"
    Path("shop.kefu").write_text(text, encoding="utf-8")
    if not chunks._parallel_ok(len(text)):
        pytest.skip("one core, or threads running: the file would be built in one piece")
    last = text.count("\n")
    assert [(d.code, d.span.line) for d in load([Path("shop.kefu")]).diagnostics] == [("K040", last)]


def test_formatting_keeps_a_suppression_on_its_line(workdir: Path) -> None:
    text = two_entries("   # kefu: ignore[K021]").replace("    reply", "      reply")
    formatted = format_bytes(text.encode(), "shop.kefu")
    assert formatted.changed and formatted.text is not None
    assert found(formatted.text) == []
