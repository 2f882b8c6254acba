"""Full-width punctuation (K003) is found by regular expressions that skip strings and comments:
they mend exactly what reading the text one character at a time mends, and a large shop whose
strings are full of full-width commas is not read character by character."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from kefu.dsl.source import FULL_WIDTH, mend_full_width


def mend_one_by_one(text: str) -> tuple[str, list[int]]:
    """The reference: a character-by-character reading of where strings and comments are."""
    chars = list(text)
    offsets: list[int] = []
    in_string = in_comment = curly = False  # curly: the string was opened by a mended quote
    index = 0
    while index < len(chars):
        ch = chars[index]
        if in_comment:
            in_comment = ch != "\n"
        elif in_string:
            if ch == "\\":
                index += 1
            elif ch in ('"', "\n"):
                in_string = False
            elif curly and ch in FULL_WIDTH and FULL_WIDTH[ch][0] == '"':
                offsets.append(index)
                chars[index] = '"'
                in_string = False
        elif ch == '"':
            in_string, curly = True, False
        elif ch == "#":
            in_comment = True
        elif ch in FULL_WIDTH:
            offsets.append(index)
            twin = chars[index] = FULL_WIDTH[ch][0]
            if twin == '"':
                in_string, curly = True, True
            elif twin == "#":
                in_comment = True
        index += 1
    return "".join(chars), offsets


PIECES = [*FULL_WIDTH, '"', "\\", "#", "\n", " ", "a", "包", "，", "\\\n", '\\"']


@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
@example('faq a “標題” {\n    reply "您好，請稍候"  # 註，解\n}\n')
@example("“a\\“b”c，")
def test_full_width_mending_matches_a_character_by_character_reading(text: str) -> None:
    mended, diagnostics = mend_full_width(text, "x.kefu")
    expected, offsets = mend_one_by_one(text)
    assert mended == expected
    lines = [text.count("\n", 0, offset) + 1 for offset in offsets]
    assert [d.span.line for d in diagnostics] == lines
    assert all(d.code == "K003" for d in diagnostics)


def test_full_width_commas_inside_strings_are_left_alone_in_a_large_file() -> None:
    entry = 'faq q{n} "問題" {{\n    ask "請問，運費多少？"\n    reply "您好，滿 499 免運；謝謝！"\n}}\n'
    text = "".join(entry.format(n=n) for n in range(20_000))
    assert mend_full_width(text, "big.kefu") == (text, [])
