"""Property tests of the rule-language front end: `dsl.load` and `dsl.fmt`.

1. Mutation robustness (issue #2): every real rule file in rules/ and a few small snippets, mutated
   at random (inserted ASCII and full-width punctuation, CJK, NUL and other control characters,
   emoji, invalid UTF-8; deleted, duplicated and truncated ranges), must load into a LoadResult
   and format into text or diagnostics, never raise. Every diagnostic is well formed.
2. Generated valid programs: a strategy writes whole valid shop files with random layout (comments
   everywhere a comment may stand, blank lines, tabs and spaces, `;`, multi-line comma lists,
   one-line blocks, CRLF, BOM). Each loads without diagnostics; `kefu fmt` keeps its meaning and
   every comment, and is idempotent.

Quick by default; `pytest --hypothesis-profile=fuzz` runs each property 10,000 times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from kefu.dsl.codes import CODES
from kefu.dsl.fmt import FormatError, format_bytes
from kefu.dsl.load import LoadResult, load
from kefu.dsl.rules.matching.duplicate_ask import ask_key
from kefu.dsl.syntax import parse, quote, unquote
from kefu.dsl.values import has_text
from kefu.engine.diagnostics import Diagnostic
from kefu.engine.rules import RuleSet, without_spans

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "rules").rglob("*.kefu"))

# The autouse cache fixture of conftest is function scoped; it only sets an environment variable,
# which is the same for every example, so the health check about it does not apply here.
PROPERTY = settings(
    suppress_health_check=sorted(
        set(settings.default.suppress_health_check) | {HealthCheck.function_scoped_fixture}, key=lambda h: h.value
    ),
)


def test_rule_files_exist() -> None:
    assert len(RULE_FILES) >= 4, RULE_FILES


def test_profile_option_is_in_effect(request: pytest.FixtureRequest) -> None:
    """conftest loads a profile at import; `--hypothesis-profile` must still win over it."""
    wanted = request.config.getoption("--hypothesis-profile") or os.environ.get("HYPOTHESIS_PROFILE") or "default"
    assert settings.get_current_profile_name() == wanted
    assert settings.default.max_examples == settings.get_profile(wanted).max_examples


def test_fuzz_profile_option_switches_profile() -> None:
    """Run pytest on the check above with --hypothesis-profile=fuzz: 10,000 examples are in force."""
    probe = ROOT / "tests" / "dsl" / "test_properties.py"
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"{probe}::test_profile_option_is_in_effect",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile=fuzz",
            "-s",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert settings.get_profile("fuzz").max_examples == 10_000


# ---------------------------------------------------------------------------------------------
# helpers


def _workdir() -> tempfile.TemporaryDirectory:
    """A private folder holding one rule file; `.git` stops the search for an enclosing shop."""
    folder = tempfile.TemporaryDirectory(prefix="kefu-prop-")
    os.mkdir(os.path.join(folder.name, ".git"))
    return folder


def load_bytes(data: bytes, name: str = "shop.kefu") -> LoadResult:
    with _workdir() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return load([path])


def check_diagnostic(diagnostic: Diagnostic) -> None:
    assert isinstance(diagnostic, Diagnostic)
    for span in (diagnostic.span, *diagnostic.related):
        assert span.line >= 1 and span.column >= 1, diagnostic
    assert diagnostic.code in CODES, diagnostic
    assert diagnostic.message, diagnostic
    # lowercase-starting: many messages open with a quoted word ("'faq' needs an id"), never a capital
    assert not diagnostic.message[0].isupper(), diagnostic.message
    assert not diagnostic.message[0].isspace(), diagnostic.message


def shop_meaning(result: LoadResult) -> object:
    assert len(result.rules.shops) == 1, result.diagnostics
    return without_spans(result.rules.shops[0])


# ---------------------------------------------------------------------------------------------
# 1. mutation robustness

SNIPPETS = {
    "tiny.kefu": 'shop demo "Demo" {\n    timezone "Asia/Taipei"\n}\nstaff {\n    owner mia\n}\n',
    "semicolons.kefu": 'shop demo "Demo" { timezone UTC; hours mon-fri 09:00-18:00 }\n'
    "staff { owner mia; agent amy capacity 2 }\n"
    'assist { on; auto_send off }\nbot off\nfaq a.b "t" { ask "x"; reply "y" }\ntest "t" { "x" -> a.b }\n',
    "lists.kefu": 'shop demo "Demo" {\n    closed 2026-01-01,  # new year\n        2026-02-14..2026-02-22\n}\n'
    'staff {\n    owner mia\n}\nfaq q "問" {\n    ask "有包郵嗎?"  # 原文\n    keywords 包郵, 運費,\n        免運\n'
    '    reply "您好,\\"滿499\\"免運 \\\\ ${shop.name}"\n}\n',
    "preset.kefu": 'preset p "P" {\n    language zh-Hant\n}\n\nsynonyms {\n    包郵 = 免運\n}\n\n'
    'faq x.y {\n    ask "你好"\n    reply "您好"\n}\n',
    "crlf.kefu": 'shop demo "Demo" {\r\n    timezone UTC\r\n}\r\n# c\r\nstaff {\r\n    owner mia  # o\r\n}\r\n',
    "bom.kefu": '\ufeffshop demo "Demo"\nstaff {\n    owner mia\n}\nstaff {}\n',
}
SEEDS: list[tuple[str, bytes]] = [(p.name, p.read_bytes()) for p in RULE_FILES] + [
    (name, text.encode("utf-8")) for name, text in SNIPPETS.items()
]

INSERTED = (
    list('{}";,#\n\r\t \\=.-:')
    + ["\r\n", '"""', "{{", "}}", ",\n", "\\\n", "#\n", ";;"]
    + list("，；｛｝“”＂、：＃＝－　")
    + list("包郵運費您好請問嗎の한")
    + ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"]
    + ["😀", "🛒", "\u200b", "\u2028", "\ufeff", "\u00a0", "\u0301", "\ud7ff"]
)
RAW_BYTES = [b"\xff", b"\xfe", b"\xc3", b"\xe4\xb8", b"\xa5\x5c", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(SEEDS), label="seed")
    for _ in range(draw(st.integers(1, 6), label="count")):
        kind = draw(
            st.sampled_from(["insert", "insert", "insert", "delete", "duplicate", "truncate", "bytes", "chars"])
        )
        at = draw(st.integers(0, len(data)))
        if kind == "insert":
            piece = "".join(draw(st.lists(st.sampled_from(INSERTED), min_size=1, max_size=4)))
            data = data[:at] + piece.encode("utf-8", "surrogatepass") + data[at:]
        elif kind == "chars":
            piece = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=4))
            data = data[:at] + piece.encode("utf-8") + data[at:]
        elif kind == "bytes":
            data = data[:at] + draw(st.sampled_from(RAW_BYTES)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 80)) :]
        elif kind == "duplicate":
            end = min(len(data), at + draw(st.integers(1, 200)))
            data = data[:end] + data[at:end] + data[end:]
        else:
            data = data[:at]
    return name, data


@PROPERTY
@given(mutations())
@example(("tiny.kefu", b'shop demo "Demo" {\n}\nstaff { # who\n}\n'))
@example(("nul.kefu", b'shop a "b"\x00\n'))
@example(("big5.kefu", 'shop a "台灣"\n'.encode("big5")))
@example(("fullwidth.kefu", "shop a “b”｛\n  closed 2026-01-01，2026-01-02；\n｝\n".encode()))
@example(("unterminated.kefu", b'shop a "b\nstaff {\n    owner mia\n}\n'))
@example(("braces.kefu", b"}}}{{{\n{\n"))
@example(("empty.kefu", b""))
@example(("blank.kefu", b"\xef\xbb\xbf \r\n\t\n"))
@example(("comment.kefu", b"# only a comment\n"))
def test_mutated_files_never_crash(case: tuple[str, bytes]) -> None:
    name, data = case
    note(repr(data[:2000]))
    result = load_bytes(data, name)
    assert isinstance(result, LoadResult)
    assert isinstance(result.rules, RuleSet)
    for diagnostic in result.diagnostics:
        check_diagnostic(diagnostic)

    try:
        formatted = format_bytes(data, name)
    except FormatError as error:
        raise AssertionError(f"BUG: format_bytes raised FormatError: {error}") from error
    assert (formatted.text is None) == bool(formatted.diagnostics)
    for diagnostic in formatted.diagnostics:
        check_diagnostic(diagnostic)
    if formatted.text is None:
        assert not formatted.changed
        assert result.diagnostics, "fmt refuses the file, so loading it must report it too (K003, K006: as warnings)"
    else:
        assert formatted.changed == (formatted.text.encode("utf-8") != data)


@PROPERTY
@given(mutations())
@example(("semicolon.kefu", b'staff {\n    owner mia\n};\nfaq a {\n    keywords x, y\n    ask "q"; reply "r"\n}\n'))
@example(("separators.kefu", b";;\n"))
@example(("lone-cr.kefu", b"#\r\xef\xbc\x8c x\nstaff {\n}\n"))  # a comment ended by a lone CR, then a full-width comma
def test_fmt_of_mutated_files_keeps_meaning_and_is_idempotent(case: tuple[str, bytes]) -> None:
    """Whatever a (possibly wrong) file means, formatting it keeps that, diagnostics included."""
    name, data = case
    formatted = format_bytes(data, name)
    if formatted.text is None:
        return
    note(formatted.text)
    again = format_bytes(formatted.text.encode("utf-8"), name)
    assert again.text == formatted.text and not again.changed
    before, after = load_bytes(data, name), load_bytes(formatted.text.encode("utf-8"), name)
    assert Counter(d.code for d in after.diagnostics) == Counter(d.code for d in before.diagnostics)
    assert without_spans(after.rules) == without_spans(before.rules)


# ---------------------------------------------------------------------------------------------
# 2. generated valid programs


@dataclass
class Stmt:
    head: str
    args: list[str] = field(default_factory=list)  # raw atoms, "," for a comma
    block: list[Stmt] | None = None

    @property
    def simple(self) -> bool:
        return self.block is None


LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CJK = "包郵運費訂單退貨您好請問嗎的是台灣商品尺寸客服時間"
TEXT_CHARS = LATIN + CJK + ' "\\\n\t#{};,.?!:()/-_=~*&@%' + "，；｛｝“”、：　。！？" + "😀🛒é"
COMMENT_CHARS = LATIN + CJK + ' "\\#{};,.?!:()/-_=~*&@%$' + "，；｛｝“”、：　。！？＃" + "😀é\ufeff"

words = st.text(LATIN + CJK + "_", min_size=1, max_size=8).filter(lambda w: w not in ("none", "on", "off"))
plain_text = st.text(TEXT_CHARS, min_size=1, max_size=16)
reply_text = (
    st.lists(
        st.one_of(
            plain_text,
            st.sampled_from(
                ["${shop.name}", "${ shop.hours }", "${customer.name}", "${agent.name}", "$$", " NT$$499 "]
            ),
        ),
        min_size=1,
        max_size=4,
    )
    .map("".join)
    .filter(has_text)
)  # a reply with no visible text is an error (K044), not a program
comment_text = st.text(COMMENT_CHARS, max_size=30).map(lambda t: ("#" + t).rstrip())


def _id(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return quote(draw(st.text(LATIN + CJK + ' #.,{}"\\', min_size=1, max_size=10).filter(str.strip)))
    parts = draw(st.lists(st.text(LATIN + CJK + "_-", min_size=1, max_size=6), min_size=1, max_size=3))
    first = draw(st.sampled_from("abcxyz訂退_"))
    return first + ".".join(parts)


def _list(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.extend([",", *item.split(" ")] if out else item.split(" "))
    return out


@st.composite
def shop_program(draw: st.DrawFn) -> tuple[list[Stmt], list[str]]:
    """The statements of a valid shop file, and the entry ids it declares."""
    stmts: list[Stmt] = []
    # header
    settings_: list[Stmt] = []
    zone = draw(st.sampled_from(["Asia/Taipei", "Asia/Singapore", "UTC", "Europe/Berlin", "America/New_York"]))
    settings_.append(Stmt("timezone", [draw(st.sampled_from([zone, quote(zone)]))]))
    if draw(st.booleans()):
        settings_.append(Stmt("language", [draw(st.sampled_from(["zh-Hant", "en", '"zh-Hans"']))]))
    day_names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    cuts = sorted(draw(st.sets(st.integers(1, 6), max_size=4)))
    groups = []
    for start, end in zip([0, *cuts], [*cuts, 7]):
        if not draw(st.booleans()):
            continue
        days = day_names[start] if end - start == 1 else f"{day_names[start]}-{day_names[end - 1]}"
        first = draw(st.integers(0, 10))
        second = draw(st.integers(first + 1, 23))
        ranges = [f"{first:02d}:{draw(st.sampled_from(['00', '30']))}-{second:02d}:00"]
        if second < 22 and draw(st.booleans()):
            ranges.append(f"{second + 1:02d}:00-{draw(st.sampled_from(['23:00', '24:00']))}")
        groups.append(" ".join([days, *ranges]))
    if groups:
        settings_.append(Stmt("hours", _list(groups)))
    dates = []
    for month in sorted(draw(st.sets(st.integers(1, 12), max_size=6))):
        day = draw(st.integers(1, 27))
        dates.append(
            f"2026-{month:02d}-{day:02d}" + (f"..2026-{month:02d}-{day + 1:02d}" if draw(st.booleans()) else "")
        )
    if dates:
        settings_.append(Stmt("closed", _list(dates)))
    draw(st.randoms()).shuffle(settings_)
    stmts.append(
        Stmt(
            "shop",
            [draw(st.sampled_from(["tw", "sg", "demo.shop", '"Shop #1"'])), quote(draw(plain_text))],
            settings_ if settings_ or draw(st.booleans()) else None,
        )
    )

    # staff
    names = draw(
        st.lists(
            st.text(LATIN[:26] + "_", min_size=1, max_size=6).filter(lambda n: n not in ("capacity", "auto_send")),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    members = [Stmt("owner", [names[0]])]
    for name in names[1:]:
        extra: list[str] = []
        if draw(st.booleans()):
            extra += ["capacity", str(draw(st.integers(0, 9)))]
        if draw(st.booleans()):
            extra += ["auto_send", draw(st.sampled_from(["on", "off"]))]
        members.append(Stmt(draw(st.sampled_from(["admin", "agent"])), [name, *extra]))
    draw(st.randoms()).shuffle(members)
    policy: list[Stmt] = [Stmt("staff", [], members)]

    # assist, bot, greeting, matching
    if draw(st.booleans()):
        if draw(st.booleans()):
            policy.append(Stmt("assist", [draw(st.sampled_from(["on", "off"]))]))
        else:
            inner = [Stmt(draw(st.sampled_from(["on", "off"])))] if draw(st.booleans()) else []
            if draw(st.booleans()):
                inner.append(Stmt("auto_send", [draw(st.sampled_from(["on", "off"]))]))
            policy.append(Stmt("assist", [], inner))
    if draw(st.booleans()):
        if draw(st.booleans()):
            policy.append(Stmt("bot", [draw(st.sampled_from(["on", "off"]))]))
        else:
            inner = [Stmt(draw(st.sampled_from(["on", "off"])))] if draw(st.booleans()) else []
            if draw(st.booleans()):
                inner.append(Stmt("when", [draw(st.sampled_from(["all_day", "off_hours"]))]))
            for key in ("fallback", "off_hours_reply"):
                if draw(st.booleans()):
                    inner.append(Stmt(key, [quote(draw(reply_text))]))
            draw(st.randoms()).shuffle(inner)
            policy.append(Stmt("bot", [], inner))
    if draw(st.booleans()):
        policy.append(Stmt("greeting", [draw(st.sampled_from(["off", quote(draw(reply_text))]))]))
    if draw(st.booleans()):
        confidence = draw(st.integers(0, 100))
        levels = {
            "confidence": confidence,
            "suggest": draw(st.integers(0, confidence)),
            "margin": draw(st.integers(0, 100)),
            "repeat_limit": draw(st.integers(1, 99)),
        }
        keys = draw(st.sets(st.sampled_from(sorted(levels))))
        if "suggest" in keys or "confidence" in keys:  # the other level keeps its default: stay ordered
            keys |= {"suggest", "confidence"}
        inner = [Stmt(k, [str(levels[k])]) for k in sorted(keys)]
        draw(st.randoms()).shuffle(inner)
        policy.append(Stmt("matching", [], inner))
    draw(st.randoms()).shuffle(policy)
    stmts += policy

    # synonyms
    if draw(st.booleans()):
        lines = []
        for _ in range(draw(st.integers(0, 3))):
            terms = draw(st.lists(st.one_of(words, plain_text.map(quote)), min_size=2, max_size=4))
            line = [terms[0]]
            for term in terms[1:]:
                line += ["=", term]
            lines.append(Stmt(line[0], line[1:]))
        stmts.append(Stmt("synonyms", [], lines))

    # faq entries: unique ids, asks unique after kefu's folding
    ids: list[str] = []
    seen_ids: set[str] = set()
    seen_asks: set[str] = set()
    wanted = draw(st.integers(1, 4))
    while len(ids) < wanted:
        ident = _id(draw)
        value = unquote(ident) if ident.startswith('"') else ident
        if value in seen_ids or value == "none":
            continue
        seen_ids.add(value)
        ids.append(ident)
        fields: list[Stmt] = []
        for _ in range(draw(st.integers(1, 3))):
            ask = draw(plain_text.filter(lambda t: t.strip() and ask_key(t) not in seen_asks))
            seen_asks.add(ask_key(ask))
            fields.append(Stmt("ask", [quote(ask)]))
        fields.append(Stmt("reply", [quote(draw(reply_text))]))
        if draw(st.booleans()):
            fields.append(
                Stmt("keywords", _list(draw(st.lists(st.one_of(words, plain_text.map(quote)), min_size=1, max_size=6))))
            )
        if draw(st.booleans()):
            fields.append(Stmt("category", [draw(words)]))
        if draw(st.booleans()):
            fields.append(Stmt("auto", [draw(st.sampled_from(["never", "allowed"]))]))
        if draw(st.booleans()):
            fields.append(Stmt("title", [quote(draw(plain_text))]))
        draw(st.randoms()).shuffle(fields)
        head_args = [ident] + ([quote(draw(plain_text))] if draw(st.booleans()) else [])
        stmts.append(Stmt("faq", head_args, fields))

    # tests referring to existing ids
    for _ in range(draw(st.integers(0, 2))):
        cases = [
            Stmt(quote(draw(plain_text)), ["->", draw(st.sampled_from([*ids, "none"]))])
            for _ in range(draw(st.integers(0, 4)))
        ]
        stmts.append(Stmt("test", [quote(draw(plain_text))], cases))

    # a period and a scenario now and then
    if draw(st.booleans()):
        inner = [Stmt("bot", [], [Stmt("when", ["all_day"])])]
        if draw(st.booleans()):
            inner.append(Stmt("greeting", [quote(draw(reply_text))]))
        stmts.append(Stmt("period", [quote(draw(plain_text)), "2026-11-10..2026-11-12"], inner))
    if draw(st.booleans()):
        steps = [
            Stmt("at", ["2026-11-24", "23:30"]),
            Stmt("online", [names[0]]),
            Stmt(
                "customer",
                [
                    quote(draw(plain_text)),
                    "expect",
                    "bot",
                    draw(st.sampled_from(ids)),
                    ",",
                    "unreplied",
                    ",",
                    "customer_label",
                    quote(draw(plain_text)),
                    ",",
                    "notice",
                ],
            ),
            Stmt("wait", ["5m"]),
            Stmt("expect", ["not", "unreplied"]),
        ]
        stmts.append(Stmt("scenario", [quote(draw(plain_text))], steps))
    return stmts, ids


@dataclass
class Layout:
    """Draws layout choices and collects the comments written."""

    draw: st.DrawFn
    comments: list[str] = field(default_factory=list)

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0

    def comment(self) -> str:
        text = self.draw(comment_text)
        self.comments.append(text)
        return text

    def indent(self, depth: int) -> str:
        if self.chance(3):
            return self.draw(st.text(" \t", max_size=6))
        return self.draw(st.sampled_from(["    ", "\t", "  "])) * depth

    def gap(self) -> str:
        return self.draw(st.sampled_from(["", "", " ", "  ", "\t"]))

    def trailing(self) -> str:
        if not self.chance(4):
            return ""
        return self.draw(st.sampled_from(["", " ", "  ", "\t"])) + self.comment()

    def before(self, depth: int) -> list[str]:
        """Blank lines and own-line comments before a statement."""
        lines: list[str] = []
        for _ in range(self.draw(st.integers(0, 2))):
            if self.chance(2):
                lines.append(self.draw(st.sampled_from(["", "", "  ", "\t"])))
            else:
                lines.append(self.indent(depth) + self.comment())
        return lines

    def args(self, args: list[str], depth: int, multiline: bool) -> str:
        out = ""
        for atom in args:
            if atom == ",":
                out += self.gap() + ","
                if multiline and self.chance(2):
                    if self.chance(2):
                        out += self.gap() + self.comment()
                    out += "\n"
                    if self.chance(4):
                        out += self.indent(depth + 1) + self.comment() + "\n"
                    out += self.indent(depth + 1)
                else:
                    out += self.gap()
            else:
                out += (" " if out and not out.endswith((",", " ", "\t")) else "") + atom
        return out

    def simple(self, stmt: Stmt, depth: int, multiline: bool) -> str:
        text = stmt.head
        if stmt.args:
            rest = self.args(stmt.args, depth, multiline)
            text += ("" if rest.startswith(",") else " ") + rest
        return text

    def one_line_block(self, stmt: Stmt) -> str:
        inner = self.draw(st.sampled_from(["; ", ";", " ; ", " ;; "])).join(
            self.simple(s, 0, False) for s in stmt.block
        )
        pad = self.draw(st.sampled_from(["", " "]))
        head = self.simple(Stmt(stmt.head, stmt.args), 0, False)
        return f"{head} {{{pad}{inner}{pad}}}" if inner else f"{head} {{}}"

    def block(self, stmts: list[Stmt], depth: int) -> list[str]:
        lines: list[str] = []
        index = 0
        while index < len(stmts):
            stmt = stmts[index]
            lines += self.before(depth)
            indent = self.indent(depth)
            if stmt.block is not None:
                flat = all(s.simple for s in stmt.block)
                if flat and self.chance(3):
                    lines.append(indent + self.one_line_block(stmt) + self.trailing())
                    index += 1
                    continue
                opener = indent + self.simple(Stmt(stmt.head, stmt.args), depth, True) + self.gap() + " {"
                lines.append(opener + self.trailing())
                lines += self.block(stmt.block, depth + 1)
                lines += self.before(depth + 1)
                lines.append(self.indent(depth) + "}" + self.trailing())
                index += 1
                continue
            # simple statements: one, or several joined by ';'
            group = [stmt]
            while index + len(group) < len(stmts) and stmts[index + len(group)].simple and self.chance(3):
                group.append(stmts[index + len(group)])
            if len(group) == 1:
                line = indent + self.simple(stmt, depth, True)
            else:
                line = indent + self.draw(st.sampled_from(["; ", ";", " ; "])).join(
                    self.simple(s, depth, False) for s in group
                )
            if self.chance(6):
                line += self.draw(st.sampled_from([";", " ;", ";;"]))
            lines.append(line + self.trailing())
            index += len(group)
        return lines


@st.composite
def valid_shop_files(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A valid shop file in random layout, and the comments written into it."""
    stmts, _ = draw(shop_program())
    layout = Layout(draw)
    lines = layout.block(stmts, 0) + layout.before(0)
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "\n", "", "\n\n\n"]))
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if draw(st.integers(0, 5)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data, layout.comments


def _comment_texts(text: str) -> Counter:
    return Counter(c.text.strip() for c in parse(text.lstrip("\ufeff"), "x").comments)


@PROPERTY
@given(valid_shop_files())
def test_generated_programs_load_and_format(case: tuple[bytes, list[str]]) -> None:
    data, comments = case
    note(data.decode("utf-8"))
    original = load_bytes(data)
    assert original.diagnostics == [], [f"{d.span}: {d.code} {d.message}" for d in original.diagnostics]
    written = Counter(c.strip() for c in comments)
    assert _comment_texts(data.decode("utf-8")) == written

    formatted = format_bytes(data, "shop.kefu")
    assert formatted.diagnostics == [] and formatted.text is not None
    text = formatted.text
    note(text)
    out = text.encode("utf-8")
    assert formatted.changed == (out != data)

    # same meaning
    reformatted = load_bytes(out)
    assert reformatted.diagnostics == []
    assert shop_meaning(reformatted) == shop_meaning(original)
    # idempotent
    again = format_bytes(out, "shop.kefu")
    assert again.text == text and not again.changed
    # every comment kept, each once
    assert _comment_texts(text) == written
    body = text.lstrip("\ufeff").replace("\r\n", "\n")
    for comment in written:
        assert comment in body
    # canonical surface: line ends, BOM, final newline, indentation by four spaces
    assert text.startswith("\ufeff") == data.startswith(b"\xef\xbb\xbf")
    crlf = b"\r\n" in data
    assert ("\r\n" in text) == crlf and (crlf or "\r" not in text)
    assert body.endswith("\n") and not body.endswith("\n\n")
    for line in body.split("\n")[:-1]:
        assert line == line.rstrip(), repr(line)
        stripped = line.lstrip(" ")
        assert not stripped.startswith("\t") and (len(line) - len(stripped)) % 4 == 0, repr(line)
    assert "\n\n\n" not in body
