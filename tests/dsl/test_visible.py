"""Text from outside made safe to print (kefu.dsl.visible): which characters show as escapes, in what
form, how messages fold and clip, and how a name that only looks like a staff name is shown."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from kefu.dsl.visible import (
    INVISIBLE_RE,
    NAME_HIDDEN_RE,
    clipped,
    flattened,
    look_alike,
    shown_name,
    visible,
    visible_name,
)

HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def test_the_escaped_characters_are_exactly_the_control_format_separator_and_surrogate_categories() -> None:
    """The hard-coded class matches this Python's Unicode database code point by code point."""
    wrong = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if (INVISIBLE_RE.match(chr(code)) is not None) != (unicodedata.category(chr(code)) in HIDDEN_CATEGORIES)
    ]
    assert wrong == []


def test_a_name_also_escapes_every_space_but_u0020_and_the_default_ignorables() -> None:
    for char in "\u00a0\u3000\u2003\u3164\u115f\ufe0f\u034f\U000e0100":
        assert NAME_HIDDEN_RE.match(char), f"U+{ord(char):04X}"
    assert NAME_HIDDEN_RE.match(" ") is None
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set(INVISIBLE_RE.findall(every)) <= set(NAME_HIDDEN_RE.findall(every))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("x\x1b[2K\rmia", "x\\x1b[2K\\rmia", id="escape-sequence-and-carriage-return"),
        pytest.param("a\nb\tc", "a\\nb\\tc", id="newline-and-tab"),
        pytest.param("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b", id="nul-del-c1"),
        pytest.param("a\u2028b\u2029c", "a\\u2028b\\u2029c", id="line-and-paragraph-separators"),
        pytest.param("ken\u200b", "ken\\u200b", id="zero-width-space"),
        pytest.param("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c", id="bidi-marks"),
        pytest.param("\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e", id="bidi-overrides"),
        pytest.param("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069", id="bidi-isolates"),
        pytest.param("\ufeffhi\xad", "\\ufeffhi\\xad", id="byte-order-mark-and-soft-hyphen"),
        pytest.param("🏴\U000e0067\U000e007f", "🏴\\U000e0067\\U000e007f", id="tags-beyond-the-bmp"),
        pytest.param("\udcff", "\\udcff", id="lone-surrogate"),
        pytest.param("請問有免運嗎? ｍｉａ \u3000 ❤️", "請問有免運嗎? ｍｉａ \u3000 ❤️", id="ordinary-text-unchanged"),
        pytest.param("C:\\new \\x1b", "C:\\new \\x1b", id="a-backslash-prints-as-itself"),
    ],
)
def test_visible_writes_each_hidden_character_as_its_python_escape(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown  # idempotent: a line already made visible passes through unchanged
    assert shown.isprintable() or " " in shown


def test_a_message_is_flattened_on_one_line_with_its_line_breaks_shown() -> None:
    assert flattened("  請問  有免運嗎?\u3000\u3000 ok ") == "請問 有免運嗎? ok"
    assert flattened("line one\nline two\r\n\x1b[2J") == "line one\\nline two\\r\\n\\x1b[2J"
    assert flattened("a\u2028b") == "a\\u2028b"


@pytest.mark.parametrize("width", [5, 8, 12, 20])
def test_a_clipped_message_never_cuts_an_escape_in_two(width: int) -> None:
    shown = clipped("ab\x1b[2K\u200b" * 10, width)
    assert len(shown) <= width and shown.endswith("…")
    body = shown.removesuffix("…")
    assert visible(body.encode().decode("unicode_escape")) == body  # whole escapes only
    assert clipped("short", 20) == "short" and clipped("x" * 30, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("name", "staff", "shown"),
    [
        pytest.param("mia", {"mia"}, "mia", id="a-staff-name-is-bare"),
        pytest.param("carol", {"mia"}, "carol", id="a-plain-word-is-bare"),
        pytest.param("mia ", {"mia"}, "\"mia \" (not staff 'mia')", id="trailing-space"),
        pytest.param(" mia", {"mia"}, "\" mia\" (not staff 'mia')", id="leading-space"),
        pytest.param("ｍｉａ", {"mia"}, "\"ｍｉａ\" (not staff 'mia')", id="full-width"),
        pytest.param("ken\u200b", {"ken"}, "\"ken\\u200b\" (not staff 'ken')", id="zero-width-space"),
        pytest.param("mia\u00a0", {"mia"}, "\"mia\\xa0\" (not staff 'mia')", id="no-break-space"),
        pytest.param("m\u200dia\ufe0f", {"mia"}, "\"m\\u200dia\\ufe0f\" (not staff 'mia')", id="joiner-and-selector"),
        pytest.param("x\x1b[2K\rmia", {"mia"}, '"x\\x1b[2K\\rmia"', id="escape-sequence-not-a-look-alike"),
        pytest.param("a b", (), '"a b"', id="a-space-inside-is-quoted"),
        pytest.param("", (), '""', id="empty"),
        pytest.param("Mia", {"mia"}, "Mia", id="case-shows-by-itself"),
    ],
)
def test_a_name_shows_how_it_differs_from_the_staff_name_it_looks_like(name: str, staff: set[str], shown: str) -> None:
    assert shown_name(name, staff) == shown


def test_look_alike_finds_the_staff_name_and_never_the_name_itself() -> None:
    staff = ["mia", "ken"]
    assert look_alike("ｍｉａ", staff) == "mia"
    assert look_alike("ken\u2060", staff) == "ken"
    assert look_alike("mia", staff) is None
    assert look_alike("\u200b", staff) is None
    assert visible_name("王\u3000小明") == "王\\u3000小明"
