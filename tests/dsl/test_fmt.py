"""`kefu fmt`: the canonical form, files it refuses, the real rule files, and the command line."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import stat
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from kefu.dsl.fmt import WIDTH, format_bytes, shape
from kefu.dsl.load import load
from kefu.dsl.syntax import parse
from kefu.engine.rules import without_spans
from kefu.tui import cli

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
RULE_FILES = sorted(RULES.rglob("*.kefu"))
KEFU = Path(sys.executable).parent / "kefu"


def fmt(text: str) -> str:
    """The canonical form of `text`; the formatter must accept it."""
    result = format_bytes(text.encode("utf-8"), "x.kefu")
    assert result.diagnostics == [], [f"{d.code} {d.message}" for d in result.diagnostics]
    assert result.text is not None
    return result.text


def assert_canonical(source: str, expected: str) -> None:
    """`source` formats to `expected`, and `expected` is a fixed point."""
    assert fmt(source) == expected
    again = format_bytes(expected.encode("utf-8"), "x.kefu")
    assert again.text == expected and not again.changed


def shape_of(text: str) -> tuple:
    return shape(parse(text, "x"))


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


# ---------------------------------------------------------------------------------------------
# the canonical form


def test_indentation_is_four_spaces_per_level_and_brace_stays_on_the_statement_line() -> None:
    source = 'period "sale" 2026-11-10..2026-11-12{\n\tbot   {\n  when all_day\n\t\t}\n        greeting off\n}\n'
    assert_canonical(
        source,
        ('period "sale" 2026-11-10..2026-11-12 {\n    bot {\n        when all_day\n    }\n    greeting off\n}\n'),
    )


def test_statement_on_one_line_with_its_block_is_spread_out() -> None:
    assert_canonical('faq a.b "t" { ask "x"; reply "y" }\n', 'faq a.b "t" {\n    ask "x"\n    reply "y"\n}\n')
    assert_canonical("staff{owner mia}\n", "staff {\n    owner mia\n}\n")


def test_semicolons_become_one_statement_per_line() -> None:
    assert_canonical("assist { on; auto_send on }\n", "assist {\n    on\n    auto_send on\n}\n")
    assert_canonical("bot off;greeting off ;  assist on;\n", "bot off\ngreeting off\nassist on\n")
    assert_canonical("staff {\n    owner mia;; agent amy;\n}\n", "staff {\n    owner mia\n    agent amy\n}\n")


def test_one_space_between_arguments() -> None:
    assert_canonical(
        'shop   tw\t"Demo"   {\n    hours  mon-fri\t09:00-12:00   13:00-18:00\n}\n',
        'shop tw "Demo" {\n    hours mon-fri 09:00-12:00 13:00-18:00\n}\n',
    )


def test_lists_are_written_a_comma_space_b() -> None:
    source = 'faq a {\n    keywords 包郵 ,運費,免運  ,   "a, b"\n    ask "x"\n    reply "y"\n}\n'
    assert_canonical(source, 'faq a {\n    keywords 包郵, 運費, 免運, "a, b"\n    ask "x"\n    reply "y"\n}\n')


def test_a_short_list_over_several_lines_is_joined() -> None:
    source = 'shop tw "Demo" {\n    closed 2026-01-01,\n\n           2026-02-14..2026-02-22,\n  2026-05-01\n}\n'
    assert_canonical(source, 'shop tw "Demo" {\n    closed 2026-01-01, 2026-02-14..2026-02-22, 2026-05-01\n}\n')


def test_a_long_list_wraps_at_100_columns_with_one_extra_indent() -> None:
    dates = [f"2026-01-{day:02d}" for day in range(1, 29)]
    source = 'shop tw "Demo" {\n    closed ' + ",".join(dates) + "\n}\n"
    expected = (
        'shop tw "Demo" {\n'
        "    closed 2026-01-01, 2026-01-02, 2026-01-03, 2026-01-04, 2026-01-05, 2026-01-06, 2026-01-07,\n"
        "        2026-01-08, 2026-01-09, 2026-01-10, 2026-01-11, 2026-01-12, 2026-01-13, 2026-01-14,\n"
        "        2026-01-15, 2026-01-16, 2026-01-17, 2026-01-18, 2026-01-19, 2026-01-20, 2026-01-21,\n"
        "        2026-01-22, 2026-01-23, 2026-01-24, 2026-01-25, 2026-01-26, 2026-01-27, 2026-01-28\n"
        "}\n"
    )
    assert WIDTH == 100
    assert_canonical(source, expected)
    lines = expected.splitlines()[1:-1]
    assert all(len(line) <= 100 for line in lines)
    for line, following in itertools.pairwise(lines):  # each line is filled: the next item did not fit
        assert len(line) + 1 + len(following.split()[0]) > 100


def test_a_list_exactly_100_columns_wide_stays_on_one_line() -> None:
    head = "    keywords " + ", ".join(["abcdefghi"] * 7) + ", "
    line = head + "x" * (100 - len(head))
    assert len(line) == 100
    source = "faq a {\n" + line + '\n    ask "x"\n    reply "y"\n}\n'
    assert_canonical(source, source)
    wider = source.replace(line, line + "x")
    assert fmt(wider).splitlines()[1:3] == [head.rstrip(), "        " + "x" * (101 - len(head))]


def test_wrapping_counts_wide_characters_as_two_columns() -> None:
    source = "faq a {\n    keywords " + ", ".join(["包郵運費"] * 30) + '\n    ask "x"\n    reply "y"\n}\n'
    lines = fmt(source).splitlines()
    keyword_lines = lines[1:5]
    assert keyword_lines[0].startswith("    keywords 包郵運費, ")
    assert all(line.startswith("        包郵運費") for line in keyword_lines[1:])
    assert all(cells(line) <= 100 for line in keyword_lines)
    assert max(cells(line) for line in keyword_lines) > 90
    assert max(len(line) for line in keyword_lines) < 70  # counted in cells, not characters
    assert lines[5] == '    ask "x"'


def test_a_wrapped_list_keeps_the_head_words_before_the_first_comma_together() -> None:
    hours = ", ".join(f"{day} 09:00-12:00 13:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    text = fmt('shop tw "Demo" {\n    hours ' + hours + "\n}\n")
    lines = text.splitlines()
    assert (
        lines[1] == "    hours mon 09:00-12:00 13:00-18:00, tue 09:00-12:00 13:00-18:00, wed 09:00-12:00 13:00-18:00,"
    )
    assert lines[2] == "        thu 09:00-12:00 13:00-18:00, fri 09:00-12:00 13:00-18:00, sat 09:00-12:00 13:00-18:00,"
    assert lines[3] == "        sun 09:00-12:00 13:00-18:00"


def test_trailing_comments_get_two_spaces() -> None:
    source = "staff {\n    owner mia # the owner\n    agent amy#x\n    agent bob\t\t# tab   \n}\n"
    assert_canonical(source, "staff {\n    owner mia  # the owner\n    agent amy  #x\n    agent bob  # tab\n}\n")


def test_comments_on_brace_lines_stay_there() -> None:
    source = "staff { # who\n    owner mia\n} # end of staff\n"
    assert_canonical(source, "staff {  # who\n    owner mia\n}  # end of staff\n")


def test_own_line_comments_are_kept_in_place_at_the_depth_of_their_block() -> None:
    source = (
        "# top\n"
        "staff {\n"
        "# before the owner\n"
        "            owner mia\n"
        "  # between\n"
        "    agent amy\n"
        "        # last in the block\n"
        "}\n"
        "# at the end\n"
    )
    assert_canonical(
        source,
        (
            "# top\n"
            "staff {\n"
            "    # before the owner\n"
            "    owner mia\n"
            "    # between\n"
            "    agent amy\n"
            "    # last in the block\n"
            "}\n"
            "# at the end\n"
        ),
    )


def test_a_comment_after_a_comma_in_a_multi_line_list_moves_above_the_statement() -> None:
    source = (
        'shop tw "Demo" {\n'
        "    language zh-Hant\n"
        "    closed 2026-01-01,  # new year\n"
        "        # spring festival:\n"
        "        2026-02-14..2026-02-22,\n"
        "        2026-05-01  # labour day\n"
        "}\n"
    )
    assert_canonical(
        source,
        (
            'shop tw "Demo" {\n'
            "    language zh-Hant\n"
            "    # new year\n"
            "    # spring festival:\n"
            "    closed 2026-01-01, 2026-02-14..2026-02-22, 2026-05-01  # labour day\n"
            "}\n"
        ),
    )


def test_comments_keep_their_text_exactly() -> None:
    comments = ["#", "#x", '# 包郵 "quoted" {braces}; semi, comma # again', "#\tTAB", "# ，；｛｝“”　全形", "# 😀"]
    source = "staff {\n" + "".join(f"    {c}\n    agent a{i}\n" for i, c in enumerate(comments)) + "    owner mia\n}\n"
    text = fmt(source)
    assert [c.text for c in parse(text, "x").comments] == comments
    for comment in comments:
        assert f"    {comment}\n" in text


def test_hash_and_semicolon_inside_strings_are_not_syntax() -> None:
    source = 'faq a {\n    ask "#1; {x}, y"\n    reply "a \\"b\\" \\\\ c\\n\\td \\q"  # real\n}\n'
    assert_canonical(source, source)
    assert [c.text for c in parse(source, "x").comments] == ["# real"]


def test_at_most_one_blank_line_is_kept() -> None:
    source = "\n\n\n# head\n\n\n\nstaff {\n    owner mia\n\n\n\n    agent amy\n    agent bob\n}\n\n\n\nbot off\n\n\n"
    assert_canonical(source, "# head\n\nstaff {\n    owner mia\n\n    agent amy\n    agent bob\n}\n\nbot off\n")


def test_a_blank_line_before_a_comment_at_the_end_of_the_file_is_kept() -> None:
    assert_canonical("bot off\n\n\n# later: the bot\n", "bot off\n\n# later: the bot\n")


def test_a_blank_line_before_a_comment_at_the_end_of_a_block_is_kept() -> None:
    source = "staff {\n    owner mia\n\n    # later: the agents\n}\n"
    assert_canonical(source, source)


def test_blank_lines_holding_only_whitespace_count_as_blank() -> None:
    assert_canonical("bot off\n \t \n\t\ngreeting off\n", "bot off\n\ngreeting off\n")


def test_no_blank_line_before_a_closing_brace() -> None:
    assert_canonical("staff {\n    owner mia\n\n\n}\n", "staff {\n    owner mia\n}\n")


def test_no_blank_line_after_an_opening_brace() -> None:
    assert_canonical("staff {\n\n    owner mia\n}\n", "staff {\n    owner mia\n}\n")


def test_the_file_ends_with_exactly_one_newline() -> None:
    assert_canonical("bot off", "bot off\n")
    assert_canonical("bot off\n\n\n\n", "bot off\n")
    assert_canonical("staff {\n    owner mia\n}\n# end", "staff {\n    owner mia\n}\n# end\n")


def test_a_file_of_comments_only() -> None:
    assert_canonical("# one\n\n\n  # two\n", "# one\n\n# two\n")


@pytest.mark.parametrize(
    "source", ["staff {}\n", "staff {\n}\n", "staff {   }\n", "staff {\n\n\n}\n", "staff{;}\n", "staff {\n;\n}\n"]
)
def test_an_empty_block_is_written_braces_together(source: str) -> None:
    assert_canonical(source, "staff {}\n")


def test_an_empty_block_keeps_a_comment_on_its_closing_line_or_inside() -> None:
    assert_canonical("staff {\n} # nobody yet\n", "staff {}  # nobody yet\n")
    assert_canonical("staff {\n  # nobody yet\n}\n", "staff {\n    # nobody yet\n}\n")


def test_fmt_keeps_comment_after_brace_of_empty_block() -> None:
    text = fmt("staff { # nobody yet\n}\n")
    assert [c.text for c in parse(text, "x").comments] == ["# nobody yet"]


def test_fmt_trailing_comma_before_semicolon() -> None:
    source = 'shop tw "Demo" {\n    closed 2026-01-01,; timezone UTC\n}\n'
    result = format_bytes(source.encode(), "x.kefu")  # raises FormatError today
    assert result.text is not None
    assert shape_of(result.text) == shape_of(source)


def test_a_trailing_comma_at_the_end_of_a_block_is_kept() -> None:
    text = fmt("staff {\n    owner mia,\n}\n")
    assert text.replace(", \n", ",\n") == "staff {\n    owner mia,\n}\n"
    assert shape_of(text) == shape_of("staff {\n    owner mia,\n}\n")


def test_no_trailing_whitespace_after_a_final_comma() -> None:
    assert_canonical("staff {\n    owner mia,\n}\n", "staff {\n    owner mia,\n}\n")


def test_fmt_does_not_turn_a_leading_zero_width_space_into_a_bom(tmp_path: Path) -> None:
    data = ';\ufeffshop demo "Demo"\nstaff {\n    owner mia\n}\n'.encode()
    result = format_bytes(data, "shop.kefu")
    assert result.text is not None
    before, after = tmp_path / "before", tmp_path / "after"
    for folder, content in ((before, data), (after, result.text.encode())):
        folder.mkdir()
        (folder / ".git").mkdir()
        (folder / "shop.kefu").write_bytes(content)
    old, new = load([before / "shop.kefu"]), load([after / "shop.kefu"])
    assert sorted(d.code for d in new.diagnostics) == sorted(d.code for d in old.diagnostics)
    assert without_spans(new.rules) == without_spans(old.rules)


def test_fmt_survives_deeply_nested_blocks() -> None:
    """Nesting deeper than any kefu statement needs is refused with a finding, never a crash."""
    depth = 600
    source = "staff {\n" * depth + "owner mia\n" + "}\n" * depth
    result = format_bytes(source.encode(), "x.kefu")
    assert result.text is None
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("K001", "blocks nested 600 deep; kefu reads at most 64")
    ]


@pytest.mark.parametrize("data", [b";;\n", b"\xef\xbb\xbf ; \r\n", b"\n\n", b" ; ; "])
def test_fmt_of_a_file_of_separators_only_is_an_empty_file(data: bytes) -> None:
    """Like `kefu check`, fmt says such a file holds no statements (K006) and leaves it alone."""
    result = format_bytes(data, "x.kefu")
    assert result.text is None and not result.changed
    assert [d.code for d in result.diagnostics] == ["K006"]


def test_deep_but_reasonable_nesting_formats() -> None:
    source = "a {\n" * 50 + "b\n" + "}\n" * 50
    text = fmt(source)
    assert text.splitlines()[50] == "    " * 50 + "b"


# ---------------------------------------------------------------------------------------------
# BOM and line ends


def test_bom_is_kept() -> None:
    result = format_bytes(b"\xef\xbb\xbfstaff{owner mia}\n", "x.kefu")
    assert result.text == "\ufeffstaff {\n    owner mia\n}\n" and result.changed
    again = format_bytes(result.text.encode("utf-8"), "x.kefu")
    assert again.text == result.text and not again.changed


def test_no_bom_is_added() -> None:
    assert not fmt("staff{owner mia}\n").startswith("\ufeff")


def test_crlf_is_kept() -> None:
    result = format_bytes(b"staff{owner mia}\r\n\r\n\r\n# c\r\nbot off # x\r\n", "x.kefu")
    assert result.text == "staff {\r\n    owner mia\r\n}\r\n\r\n# c\r\nbot off  # x\r\n"
    again = format_bytes(result.text.encode("utf-8"), "x.kefu")
    assert again.text == result.text and not again.changed


def test_crlf_in_a_multi_line_list_with_comments() -> None:
    source = b'shop tw "Demo" {\r\n    closed 2026-01-01,  # a\r\n        2026-01-02\r\n}\r\n'
    result = format_bytes(source, "x.kefu")
    assert result.text == 'shop tw "Demo" {\r\n    # a\r\n    closed 2026-01-01, 2026-01-02\r\n}\r\n'


def test_bom_and_crlf_together() -> None:
    result = format_bytes(b"\xef\xbb\xbfbot  off\r\n", "x.kefu")
    assert result.text == "\ufeffbot off\r\n" and result.changed


def test_lf_stays_lf_and_a_canonical_file_is_unchanged() -> None:
    source = "staff {\n    owner mia  # o\n}\n"
    result = format_bytes(source.encode(), "x.kefu")
    assert result.text == source and not result.changed


@pytest.mark.parametrize(
    "data",
    [
        b"#\r\xef\xbc\x8c x\nstaff {\n}\n",  # found by the mutation fuzz: K003 check and parser disagreed on '\r'
        b"bot off  # a\rb\n",
        b'faq a {\n    ask "x\ry"\n    reply "r"\n}\n',
    ],
)
def test_a_lone_carriage_return_is_formatted_consistently(data: bytes) -> None:
    """A CR without LF is no line end; what fmt writes reads back the same, and fmt accepts its own output."""
    first = format_bytes(data, "x.kefu")
    assert first.text is not None, [d.message for d in first.diagnostics]
    assert shape_of(first.text) == shape_of(data.decode())
    again = format_bytes(first.text.encode("utf-8"), "x.kefu")
    assert again.text == first.text and not again.changed


# ---------------------------------------------------------------------------------------------
# files that are not formatted


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'faq a {\n    ask "unterminated\n}\n', "K002"),
        (b"staff {\n    owner mia\n}\n}\n", "K001"),
        (b"staff {\n    owner mia\n", "K001"),
        (b"staff\n{\n    owner mia\n}\n", "K001"),
        ("faq a {\n    keywords 包郵，運費\n}\n".encode(), "K003"),
        ("staff ｛\n    owner mia\n｝\n".encode(), "K003"),
        (b"staff {\x00}\n", "K005"),
        (b"staff {\x07}\n", "K005"),
        ('shop tw "台灣"\n'.encode("big5"), "K004"),
        (b"", "K006"),
        (b"\xef\xbb\xbf  \r\n\t\n", "K006"),
    ],
)
def test_files_with_errors_are_not_formatted(data: bytes, code: str) -> None:
    result = format_bytes(data, "x.kefu")
    assert result.text is None and not result.changed
    assert result.diagnostics and code in {d.code for d in result.diagnostics}
    for diagnostic in result.diagnostics:
        assert diagnostic.span.file == "x.kefu" and diagnostic.span.line >= 1 and diagnostic.span.column >= 1


def test_every_syntax_error_of_a_file_is_returned() -> None:
    data = b'staff {\n    owner "mia\n}\n\nfaq a {\n    ask "x"\n    reply "y\n}\n'
    result = format_bytes(data, "x.kefu")
    assert result.text is None
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("K002", 2), ("K002", 7)]


# ---------------------------------------------------------------------------------------------
# the real rule files


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _messy(text: str) -> str:
    """The same statements and comments, laid out badly: tabs, odd indents, trailing spaces,
    doubled blank lines, CRLF."""
    out = []
    for number, line in enumerate(text.split("\n")):
        body = line.lstrip(" ")
        depth = (len(line) - len(body)) // 4
        indent = ["\t" * depth, "  " * depth, " " * (number % 7), ""][number % 4]
        out.append(indent + body + ("   " if body and number % 3 == 0 else ""))
        if not body and number % 2:
            out.append("\t")
    return "\r\n".join(out)


@pytest.mark.parametrize("path", RULE_FILES, ids=_relative)
def test_rule_files_are_in_canonical_form(path: Path) -> None:
    data = path.read_bytes()
    result = format_bytes(data, _relative(path))
    assert result.diagnostics == []
    assert result.text == data.decode("utf-8") and not result.changed


@pytest.mark.parametrize("path", RULE_FILES, ids=_relative)
def test_rule_files_formatted_from_a_messy_layout_come_back_exactly(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    messy = _messy(original)
    assert messy != original
    result = format_bytes(messy.encode("utf-8"), _relative(path))
    assert result.diagnostics == [] and result.changed
    assert result.text == original.replace("\n", "\r\n")
    again = format_bytes(result.text.encode("utf-8"), _relative(path))
    assert again.text == result.text and not again.changed


@pytest.mark.parametrize("path", RULE_FILES, ids=_relative)
def test_formatting_a_rule_file_keeps_the_rules_model(path: Path, tmp_path: Path) -> None:
    """Load rules/ with one file messed up and with that file formatted: the same rules."""
    messy_tree, formatted_tree = tmp_path / "messy", tmp_path / "formatted"
    for tree in (messy_tree, formatted_tree):
        shutil.copytree(RULES, tree)
        (tree / ".git").mkdir()
    target = path.relative_to(RULES)
    messy = _messy(path.read_text(encoding="utf-8")).encode("utf-8")
    (messy_tree / target).write_bytes(messy)
    formatted = format_bytes(messy, str(target))
    assert formatted.text is not None
    (formatted_tree / target).write_bytes(formatted.text.encode("utf-8"))
    before, after = load([messy_tree]), load([formatted_tree])
    assert before.diagnostics == [] and after.diagnostics == []
    assert len(after.rules.shops) == 2 and len(after.rules.presets) == 2
    assert without_spans(after.rules) == without_spans(before.rules)
    reference = load([RULES])
    assert without_spans(after.rules) == without_spans(reference.rules)


# ---------------------------------------------------------------------------------------------
# the command line


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def kefu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """`kefu ARGS` in this process, in tmp_path: exit status, stdout and stderr."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: bytes = b"") -> Run:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        with pytest.raises(SystemExit) as exit_info:
            cli.main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Run(0 if code is None else int(code), captured.out, captured.err)

    return run


MESSY = "staff{owner mia;agent amy\n# the agent\nagent bob}\n"
CANONICAL = "staff {\n    owner mia\n    agent amy\n    # the agent\n    agent bob\n}\n"


def test_fmt_rewrites_a_file(kefu, tmp_path: Path) -> None:
    (tmp_path / "shop.kefu").write_text(MESSY, encoding="utf-8")
    run = kefu("fmt", "shop.kefu")
    assert (run.code, run.out, run.err) == (0, "", "formatted shop.kefu\n")
    assert (tmp_path / "shop.kefu").read_text(encoding="utf-8") == CANONICAL
    run = kefu("fmt", "shop.kefu")
    assert (run.code, run.out, run.err) == (0, "", "")


def test_fmt_rewrites_every_kefu_file_under_a_folder(kefu, tmp_path: Path) -> None:
    (tmp_path / "rules" / "sub").mkdir(parents=True)
    (tmp_path / "rules" / "a.kefu").write_text(MESSY, encoding="utf-8")
    (tmp_path / "rules" / "sub" / "b.kefu").write_text(CANONICAL, encoding="utf-8")
    (tmp_path / "rules" / "notes.txt").write_text(MESSY, encoding="utf-8")
    run = kefu("fmt", "rules")
    assert (run.code, run.out, run.err) == (0, "", f"formatted {Path('rules/a.kefu')}\n")
    assert (tmp_path / "rules" / "a.kefu").read_text(encoding="utf-8") == CANONICAL
    assert (tmp_path / "rules" / "notes.txt").read_text(encoding="utf-8") == MESSY


def test_fmt_check_names_files_that_would_change_and_exits_1(kefu, tmp_path: Path) -> None:
    (tmp_path / "a.kefu").write_text(MESSY, encoding="utf-8")
    (tmp_path / "b.kefu").write_text(CANONICAL, encoding="utf-8")
    run = kefu("fmt", "--check", "a.kefu", "b.kefu")
    assert (run.code, run.out, run.err) == (
        1,
        "would reformat a.kefu\n",
        "1 file would be reformatted, 1 already formatted\n",
    )
    assert (tmp_path / "a.kefu").read_text(encoding="utf-8") == MESSY


def test_fmt_check_exits_0_when_clean(kefu, tmp_path: Path) -> None:
    (tmp_path / "b.kefu").write_text(CANONICAL, encoding="utf-8")
    run = kefu("fmt", "--check", "b.kefu")
    assert (run.code, run.out, run.err) == (0, "", "0 files would be reformatted, 1 already formatted\n")


def test_fmt_diff_prints_a_unified_diff_and_changes_nothing(kefu, tmp_path: Path) -> None:
    (tmp_path / "a.kefu").write_text("bot  off\nstaff {\n    owner mia\n}\n", encoding="utf-8")
    before = (tmp_path / "a.kefu").stat()
    run = kefu("fmt", "--diff", "a.kefu")
    assert run.code == 1
    assert run.out == "--- a/a.kefu\n+++ b/a.kefu\n@@ -1,4 +1,4 @@\n-bot  off\n+bot off\n staff {\n     owner mia\n }\n"
    assert run.err == "1 file would be reformatted, 0 already formatted\n"
    assert (tmp_path / "a.kefu").read_text(encoding="utf-8") == "bot  off\nstaff {\n    owner mia\n}\n"
    assert (tmp_path / "a.kefu").stat().st_mtime_ns == before.st_mtime_ns


def test_fmt_diff_of_a_clean_file_is_empty(kefu, tmp_path: Path) -> None:
    (tmp_path / "b.kefu").write_text(CANONICAL, encoding="utf-8")
    run = kefu("fmt", "--diff", "b.kefu")
    assert (run.code, run.out, run.err) == (0, "", "0 files would be reformatted, 1 already formatted\n")


def test_fmt_reads_stdin_and_writes_stdout(kefu) -> None:
    run = kefu("fmt", stdin=MESSY.encode())
    assert (run.code, run.out, run.err) == (0, CANONICAL, "")


def test_fmt_of_stdin_with_a_syntax_error_prints_it_and_exits_1(kefu) -> None:
    run = kefu("fmt", stdin=b'staff {\n    owner "mia\n}\n')
    assert run.code == 1 and run.out == ""
    assert "<stdin>:2:11: error[K002]: unterminated string" in run.err


def test_fmt_of_a_missing_path_is_a_usage_error(kefu, tmp_path: Path) -> None:
    (tmp_path / "b.kefu").write_text(MESSY, encoding="utf-8")
    run = kefu("fmt", "b.kefu", "missing.kefu")
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and run.err.endswith("\n")
    assert "missing.kefu: no such file or directory" in run.err and "error" in run.err
    assert (tmp_path / "b.kefu").read_text(encoding="utf-8") == MESSY  # nothing was written


def test_fmt_leaves_a_file_with_a_syntax_error_alone(kefu, tmp_path: Path) -> None:
    broken = 'staff{owner mia}\nfaq a {\n    ask "unterminated\n}\n'
    (tmp_path / "bad.kefu").write_text(broken, encoding="utf-8")
    (tmp_path / "good.kefu").write_text(MESSY, encoding="utf-8")
    run = kefu("fmt", "bad.kefu", "good.kefu")
    assert run.code == 1 and run.out == ""
    assert run.err.startswith("bad.kefu:3:9: error[K002]: unterminated string: no closing '\"' on this line\n")
    assert run.err.endswith("formatted good.kefu\n")
    assert (tmp_path / "bad.kefu").read_text(encoding="utf-8") == broken
    assert (tmp_path / "good.kefu").read_text(encoding="utf-8") == CANONICAL


def test_fmt_check_counts_a_file_with_a_syntax_error_as_a_failure(kefu, tmp_path: Path) -> None:
    (tmp_path / "bad.kefu").write_text("staff {\n", encoding="utf-8")
    run = kefu("fmt", "--check", "bad.kefu")
    assert run.code == 1 and run.out == ""
    assert "error[K001]" in run.err


def test_fmt_writes_atomically_and_keeps_the_permissions(kefu, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "shop.kefu"
    path.write_text(MESSY, encoding="utf-8")
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    run = kefu("fmt", str(path.relative_to(tmp_path)))
    assert run.code == 0
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert sorted(p.name for p in folder.iterdir()) == ["shop.kefu"]  # no temporary file left behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed into place, not rewritten in place


def test_fmt_keeps_an_executable_or_read_only_mode(kefu, tmp_path: Path) -> None:
    path = tmp_path / "shop.kefu"
    path.write_text(MESSY, encoding="utf-8")
    os.chmod(path, 0o755)
    assert kefu("fmt", "shop.kefu").code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    path.write_text(MESSY, encoding="utf-8")
    os.chmod(path, 0o444)
    assert kefu("fmt", "shop.kefu").code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.kefu"]


def test_fmt_keeps_bom_and_crlf_of_a_file(kefu, tmp_path: Path) -> None:
    path = tmp_path / "shop.kefu"
    path.write_bytes(b"\xef\xbb\xbfstaff{owner mia}\r\n")
    assert kefu("fmt", "shop.kefu").code == 0
    assert path.read_bytes() == b"\xef\xbb\xbfstaff {\r\n    owner mia\r\n}\r\n"


def test_fmt_never_writes_a_file_it_cannot_format_faithfully(kefu, tmp_path: Path) -> None:
    """The re-parse check is the safety net: a formatter bug becomes one line and exit 3, never a changed file.

    (Uses the input of test_fmt_trailing_comma_before_semicolon; once that bug is fixed the file is
    simply formatted, with its meaning kept.)"""
    source = 'shop tw "Demo" {\n    closed 2026-01-01,; timezone UTC\n}\n'
    (tmp_path / "shop.kefu").write_text(source, encoding="utf-8")
    run = kefu("fmt", "shop.kefu")
    if run.code == 3:
        assert run.out == "" and run.err.count("\n") == 1
        assert run.err.startswith("kefu: internal error: FormatError: ")
        assert (tmp_path / "shop.kefu").read_text(encoding="utf-8") == source
    else:
        assert run.code == 0
        assert shape_of((tmp_path / "shop.kefu").read_text(encoding="utf-8")) == shape_of(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.kefu"]


def test_fmt_through_a_symlink_formats_the_target(kefu, tmp_path: Path) -> None:
    (tmp_path / "real.kefu").write_text(MESSY, encoding="utf-8")
    (tmp_path / "link.kefu").symlink_to("real.kefu")
    run = kefu("fmt", "link.kefu")
    assert run.code == 0
    assert (tmp_path / "link.kefu").is_symlink()
    assert (tmp_path / "real.kefu").read_text(encoding="utf-8") == CANONICAL


# the installed entry point, as a shell runs it


def _kefu_process(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([str(KEFU), *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)


def test_installed_kefu_fmt_stdin_to_stdout(tmp_path: Path) -> None:
    done = _kefu_process("fmt", cwd=tmp_path, stdin=b"\xef\xbb\xbfstaff{owner mia}\r\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"\xef\xbb\xbfstaff {\r\n    owner mia\r\n}\r\n", b"")


def test_installed_kefu_fmt_check_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.kefu").write_text(MESSY, encoding="utf-8")
    done = _kefu_process("fmt", "--check", "a.kefu", cwd=tmp_path)
    assert (done.returncode, done.stdout.decode(), done.stderr.decode()) == (
        1,
        "would reformat a.kefu\n",
        "1 file would be reformatted, 0 already formatted\n",
    )
    done = _kefu_process("fmt", "nope.kefu", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == b""
    assert re.fullmatch(r"kefu fmt: error: nope\.kefu: no such file or directory[^\n]*\n", done.stderr.decode())


def test_fmt_check_and_diff_on_stdin_print_no_formatted_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--check on standard input answers with the exit status (and a line), not the whole text."""
    import io

    from kefu.tui.cli import main

    for flag, expected in (("--check", "would reformat <stdin>\n"), ("--diff", "--- a/<stdin>\n")):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"bot {on}\n")))
        with pytest.raises(SystemExit) as exit_info:
            main(["fmt", flag])
        out, _ = capsys.readouterr()
        assert exit_info.value.code == 1
        assert out.startswith(expected) and "bot {\n    on\n}" not in out
