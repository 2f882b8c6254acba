"""Every diagnostic code, from a file: the fixture gives that code and no other, rendered as its golden.

Fixtures live in tests/dsl/fixtures: `K0NN_name.kefu` for one file, `K0NN_name/` for a case that
needs several files; every one is a case (found by its name), and every registered code needs one.
Codes that need bytes no one should commit (not UTF-8, binary, too large) are written by the test
itself. Goldens live in tests/dsl/snapshots (the rendered text shows each finding's line:column and
level); regenerate them with

    KEFU_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/dsl/test_diagnostics.py

and review the diff (lowercase message, caret under the right spot, a help line that says what to do).

Each case is loaded from a copy in its own temporary folder. A shop is a folder, so loading one
fixture straight from the shared fixtures folder would join it with every sibling; and the copy's
folder gets a `.git` marker so the search for an enclosing shop stops there (without it, a stray
`/tmp/*.kefu` starting with `shop` would pull all of /tmp into the run).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kefu.dsl.codes import CODES
from kefu.dsl.load import load
from kefu.dsl.render import render_text, source_lines
from kefu.dsl.rules import LINT_CODES, MATCHER_CODES
from kefu.dsl.visible import visible
from kefu.engine.diagnostics import Diagnostic
from kefu.engine.rules import without_spans
from kefu.tui import cli as cli_module

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
SNAPSHOTS = HERE / "snapshots"
ROOT = HERE.parent.parent
UPDATE = os.environ.get("KEFU_UPDATE_SNAPSHOTS") == "1"


# -- generated inputs (bytes that should not be committed) -------------------------------------


def _not_utf8(folder: Path) -> Path:
    """A shop file whose one entry was pasted in from a Big5 editor."""
    path = folder / "K004_not_utf8.kefu"
    path.write_bytes(
        b'shop demo "Demo Store"\n\nstaff { owner mia }\n\nfaq shipping.free "'
        + "商品包郵".encode("big5")
        + b'" {\n    ask "x"\n    reply "y"\n}\n'
    )
    return path


def _binary(folder: Path) -> Path:
    """An image renamed to .kefu: a PNG signature and header chunk (NUL bytes)."""
    path = folder / "K005_binary_file.kefu"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00" + bytes(range(256))
    )
    return path


def _too_large(folder: Path) -> Path:
    """Over the 64 MiB limit for one file: a sparse file, so nothing is written to disk."""
    path = folder / "K007_unreadable_file.kefu"
    with path.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    return path


GENERATED: dict[str, Callable[[Path], Path]] = {
    "K004_not_utf8": _not_utf8,
    "K005_binary_file": _binary,
    "K007_unreadable_file": _too_large,
}


@dataclass(frozen=True)
class Case:
    name: str  # fixture file (without .kefu) or folder, and the golden's name: K0NN_what
    make: Callable[[Path], Path] | None = None  # writes the input instead of a committed fixture

    @property
    def code(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def id(self) -> str:
        return self.name


def _cases() -> list[Case]:
    """One case per fixture (file or folder) named K0NN_*, and one per generated input."""
    names = {path.name.removesuffix(".kefu") for path in FIXTURES.glob("K[0-9][0-9][0-9]_*")}
    cases = [Case(name) for name in names] + [Case(name, make) for name, make in GENERATED.items()]
    return sorted(cases, key=lambda case: case.name)


CASES = _cases()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, the working directory (so diagnostics name files relative to it)."""
    (tmp_path / ".git").mkdir()  # the enclosing-shop search stops here
    monkeypatch.chdir(tmp_path)
    return tmp_path


def materialise(case: Case, folder: Path) -> Path:
    """The case's input inside `folder`, as a path relative to it (the working directory)."""
    if case.make is not None:
        return case.make(folder).relative_to(folder)
    source = FIXTURES / case.name
    if source.is_dir():
        shutil.copytree(source, folder / case.name)
        return Path(case.name)
    shutil.copyfile(source.with_suffix(".kefu"), folder / f"{case.name}.kefu")
    return Path(f"{case.name}.kefu")


def run_case(case: Case, folder: Path) -> list[Diagnostic]:
    """The case loaded as commands load rules, as `kefu check` does for a code whose rule needs the
    shop's matcher (K046: most fixtures are shops of one or two asks, which would all give it too),
    and as `kefu lint` does for a lint code, without the K046 its small shop gives too."""
    path = materialise(case, folder)
    if case.code in LINT_CODES:
        return [d for d in load([path], lint=True).diagnostics if d.code != "K046"]
    return load([path], with_matcher=case.code in MATCHER_CODES).diagnostics


def where(diagnostics: list[Diagnostic]) -> list[tuple[str, str, int, int]]:
    return [(d.code, d.span.file, d.span.line, d.span.column) for d in diagnostics]


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


# -- every code: a fixture that gives it, its rendered text (golden), its level ----------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fixture_gives_its_code_and_no_other(case: Case, workdir: Path) -> None:
    found = where(run_case(case, workdir))
    assert found and {code for code, *_ in found} == {case.code}, found


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rendered_text_matches_golden(case: Case, workdir: Path) -> None:
    diagnostics = run_case(case, workdir)
    rendered = render_text(diagnostics) + "\n"
    golden = SNAPSHOTS / f"{case.name}.txt"
    if UPDATE:  # review every golden this writes before committing it
        SNAPSHOTS.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}: run with KEFU_UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == golden.read_text(encoding="utf-8")


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rendered_text_is_well_formed(case: Case, workdir: Path) -> None:
    """What review of a golden checks by eye, checked for every case: the code's own level and the
    code, a lowercase message, the source line, a caret under the first character of the span, and a
    help line."""
    diagnostics = run_case(case, workdir)
    for diagnostic in diagnostics:
        block = render_text([diagnostic]).splitlines()
        span = diagnostic.span
        assert diagnostic.severity is CODES[diagnostic.code].level
        level = diagnostic.severity.value
        assert block[0] == visible(
            f"{span.file}:{span.line}:{span.column}: {level}[{diagnostic.code}]: {diagnostic.message}"
        )
        message = diagnostic.message.removeprefix(span.file)  # a message may start with the file's name
        assert message[:1].islower() or message[:1] in "'\" ", diagnostic.message  # ' ' after a file name
        assert not diagnostic.message.endswith("."), diagnostic.message
        assert block[-1].startswith("  = help: ") and len(block[-1]) > len("  = help: ") + 5
        if os.path.getsize(span.file) > 64 * 1024 * 1024:
            assert len(block) == 2  # a file too large to read has no source to show
            continue
        try:
            lines = source_lines(Path(span.file).read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            assert len(block) == 2  # no source to show for a file that is not text
            continue
        gutter = " " * len(str(span.line))
        source = lines[span.line - 1].replace("\t", " ")  # control characters shown as escapes, carets under them
        assert block[1:4] == [f"{gutter} |", f"{span.line} | {visible(source)}", block[3]]
        caret = block[3][len(gutter) + 3 :]
        before = _cells(visible(source[: span.column - 1]))
        width = _cells(visible(source[span.column - 1 : span.end_column])) if span.end_line == span.line else 1
        assert caret == " " * before + "^" * max(width, 1), (block, span)


def test_every_registered_code_is_given_by_a_fixture() -> None:
    """A code in the registry (dsl/codes.py or a rule module) fails here until a fixture gives it;
    each fixture gives its own code (above), so no code is registered but never emitted."""
    assert sorted({case.code for case in CASES}) == sorted(CODES)


SOURCES = sorted(path for folder in ("dsl", "engine", "tui") for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_code_the_sources_name_is_registered(path: Path) -> None:
    """No code is emitted but unregistered: every K0NN the sources name (emit sites, messages, docs)
    is in the registry, and no emitter writes a code as a string instead of passing its object."""
    text = path.read_text(encoding="utf-8")
    assert set(re.findall(r"\bK\d{3}\b", text)) <= set(CODES)
    assert not re.search(r"code\s*=\s*[\"']K\d", text), "emit through the Code object: K0NN.at(...)"


def test_no_stray_goldens() -> None:
    goldens = {p.stem for p in SNAPSHOTS.glob("K[0-9][0-9][0-9]_*.txt")}
    assert goldens == {case.name for case in CASES}, goldens ^ {case.name for case in CASES}


def test_every_code_has_a_documented_page() -> None:
    for code in CODES.values():
        assert code.name and code.summary and code.why and code.avoid and code.prefer and code.level_reason
        assert code.summary[:1].islower() or code.summary.startswith("`"), code.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code.name), code.name


# -- recovery: one mistake never hides the next ---------------------------------------------------


def test_two_syntax_errors_in_two_statements_are_both_reported(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": """
        shop demo "Demo Store"

        staff { owner mia }

        faq a "A" {
            ask "x"
            reply "y" }
        }

        faq b "B" {
            ask "z"
            reply "unterminated
        }

        faq c "C" {
            ask "c"
            reply "fine"
        }

        matching {
            confidance 80
        }
        """
        },
    )
    result = load([Path("shop.kefu")])
    assert where(result.diagnostics) == [
        ("K001", "shop.kefu", 8, 1),  # line 7 closed the block already
        ("K002", "shop.kefu", 12, 11),
        ("K010", "shop.kefu", 21, 5),
    ]
    assert result.diagnostics[0].message == "unmatched '}'"
    shop = result.rules.shop("demo")
    assert shop is not None and [entry.id for entry in shop.entries] == ["c"]  # later statements still read


def test_recovery_after_a_block_left_open_at_the_end(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": """
        shop demo "Demo Store"

        staff { owner mia }

        faq c "C" {
            ask "c"
            reply "fine"
        }

        faq a "A" {
            ask "x"
        """
        },
    )
    found = load([Path("shop.kefu")]).diagnostics
    assert where(found) == [("K001", "shop.kefu", 11, 12)]
    assert found[0].message == "the file ends inside the block opened at line 10, column 11"


def test_syntax_errors_are_capped_per_file_without_failing(workdir: Path) -> None:
    body = 'shop demo "Demo"\nstaff { owner mia }\n' + "".join(f'faq e{i} "E" {{ ask "x{i}" }} }}\n' for i in range(30))
    write(workdir, {"shop.kefu": body})
    found = [d for d in load([Path("shop.kefu")]).diagnostics if d.code == "K001"]
    assert [d.span.line for d in found] == list(range(3, 23))


def test_syntax_error_cap_keeps_the_shop(workdir: Path) -> None:
    body = 'shop demo "Demo"\nstaff { owner mia }\n' + "".join(f'faq e{i} "E" {{ ask "x{i}" }} }}\n' for i in range(30))
    write(workdir, {"shop.kefu": body})
    result = load([Path("shop.kefu")])
    assert [d.code for d in result.diagnostics] == ["K001"] * 20
    assert [shop.id for shop in result.rules.shops] == ["demo"]


def test_all_findings_of_a_file_are_reported(workdir: Path) -> None:
    """`kefu check` lists every finding, not only the first (its --max-errors only cuts the print)."""
    write(
        workdir,
        {
            "shop.kefu": """
        shop demo "Demo Store" {
            timezone "Taipei"
            hours mon-fri 09:00-25:00
            closed 2026-02-30
        }

        staff {
            owner mia
            owner ken
        }

        matching {
            confidance 80
            suggest 180
        }

        bot {
            when never
        }

        greeting "您好 ${user}"

        faq order..status "x" {
            ask "y"
            reply "z"
        }

        faq a "A" {
            ask "x"
        }

        test "t" {
            "有包郵嗎" -> shiping.free
        }
        """
        },
    )
    found = where(load([Path("shop.kefu")]).diagnostics)
    assert [code for code, *_ in found] == [
        "K022",
        "K023",
        "K024",
        "K033",
        "K010",
        "K039",
        "K011",
        "K025",
        "K014",
        "K013",
        "K030",
    ]


def test_max_errors_cuts_the_print_not_the_findings(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        workdir,
        {
            "shop.kefu": 'shop demo "Demo"\n\nstaff { owner mia }\n\n'
            + "".join(f"matching{i} {{ confidence 80 }}\n" for i in range(12))
        },
    )
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--no-cache", "--max-errors", "0", "shop.kefu"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1
    assert out.count("error[K010]") == 12 and "found 12 errors" in err
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check", "--no-cache", "--max-errors", "3", "shop.kefu"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1
    assert out.count("error[K010]") == 3
    assert "... and 9 more (--max-errors 0 shows all)" in err and "found 12 errors" in err


# -- hostile input: one diagnostic, never an exception -------------------------------------------

JUNK_SCRIPT = """
import sys, time
from pathlib import Path
from kefu.dsl.load import load
start = time.perf_counter()
result = load([Path(sys.argv[1])])
print(len(result.diagnostics), max((len(d.message) for d in result.diagnostics), default=0),
      round(time.perf_counter() - start, 2), ",".join(sorted({d.code for d in result.diagnostics})))
"""


def _junk_text(size: int) -> bytes:
    """Text that is not rules (prose and log lines, as a mistaken save might hold), `size` bytes or more."""
    rng = random.Random(20261125)
    words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "您好",
        "請問",
        "訂單",
        "=",
        "->",
        "09:00",
        "2026-01-01",
        "[INFO]",
        "GET",
        "/api/v1",
        "200",
        "ok",
    ]
    block = "".join(" ".join(rng.choices(words, k=rng.randint(3, 14))) + "\n" for _ in range(2000)).encode()
    return block * (size // len(block) + 1)


def test_10mb_junk_text_gives_one_diagnostic(workdir: Path) -> None:
    path = workdir / "junk.kefu"
    path.write_bytes(_junk_text(10 * 1024 * 1024))
    assert path.stat().st_size >= 10 * 1024 * 1024
    try:  # in a child process, so that a hang costs this suite only the timeout
        done = subprocess.run(
            [sys.executable, "-c", JUNK_SCRIPT, "junk.kefu"],
            capture_output=True,
            text=True,
            timeout=30,  # a guard against a hang, not a speed test (bench/parse.py measures speed)
            cwd=workdir,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("loading 10 MB of junk text took more than 30 s: a hang")
    assert done.returncode == 0, done.stderr  # no exception
    count, longest, _, _ = done.stdout.split()
    assert int(count) == 1 and int(longest) < 300


def test_10mb_random_bytes_give_one_diagnostic(workdir: Path) -> None:
    path = workdir / "random.kefu"
    path.write_bytes(random.Random(7).randbytes(10 * 1024 * 1024))
    found = load([Path("random.kefu")]).diagnostics
    assert where(found) == [("K005", "random.kefu", 1, 1)]


def test_10mb_random_bytes_without_nul_give_one_diagnostic(workdir: Path) -> None:
    path = workdir / "random.kefu"
    path.write_bytes(random.Random(8).randbytes(10 * 1024 * 1024).replace(b"\x00", b"\xff"))
    found = load([Path("random.kefu")]).diagnostics
    assert [d.code for d in found] == ["K004"]


def test_a_very_long_unknown_word_gives_a_short_message(workdir: Path) -> None:
    write(workdir, {"shop.kefu": 'shop demo "Demo"\nstaff { owner mia }\n' + "x" * 100_000 + "\n"})
    found = load([Path("shop.kefu")]).diagnostics
    assert [d.code for d in found] == ["K010"]
    assert len(found[0].message) < 200


@pytest.mark.parametrize(
    "content", [b"", b"   \n\n\t\n", b"\xef\xbb\xbf", b"\r\n\r\n"], ids=["empty", "blank", "bom", "crlf"]
)
def test_empty_file_is_k006(content: bytes, workdir: Path) -> None:
    (workdir / "empty.kefu").write_bytes(content)
    found = load([Path("empty.kefu")]).diagnostics
    assert where(found) == [("K006", "empty.kefu", 1, 1)]
    assert found[0].message == "this file is empty"


def test_control_character_is_k005_at_its_spot(workdir: Path) -> None:
    write(workdir, {"shop.kefu": 'shop demo "Demo"\nstaff { owner mia \x1b}\n'})
    found = load([Path("shop.kefu")]).diagnostics
    assert where(found) == [("K005", "shop.kefu", 2, 19)]
    assert "U+001B" in found[0].message


def test_rendered_k005_does_not_echo_control_characters(workdir: Path) -> None:
    write(workdir, {"shop.kefu": 'shop demo "Demo"\nstaff { owner mia \x1b[2J\x1b]0;owned\x07}\n'})
    found = load([Path("shop.kefu")]).diagnostics
    assert [d.code for d in found] == ["K005"]
    rendered = render_text(found)
    assert not any(unicodedata.category(ch) == "Cc" for ch in rendered.replace("\n", "")), repr(rendered)


def test_not_utf8_after_a_bom_names_the_right_byte_and_line(workdir: Path) -> None:
    (workdir / "shop.kefu").write_bytes(b'\xef\xbb\xbfshop demo "Demo"\nstaff { owner mia }\n# \xff\n')
    found = load([Path("shop.kefu")]).diagnostics
    assert where(found) == [("K004", "shop.kefu", 3, 3)]
    assert "0xff" in found[0].message


def test_not_utf8_column_counts_characters(workdir: Path) -> None:
    (workdir / "shop.kefu").write_bytes('shop demo "您好'.encode() + "商品".encode("big5") + b'"\n')
    found = load([Path("shop.kefu")]).diagnostics
    assert where(found) == [("K004", "shop.kefu", 1, 14)]


# -- BOM, CRLF and tabs: the same rules ----------------------------------------------------------


def _variants() -> dict[str, bytes]:
    plain = (ROOT / "rules" / "shops" / "sg" / "shop.kefu").read_text(encoding="utf-8")
    tabs = "\n".join(line.replace("    ", "\t") if line.startswith("    ") else line for line in plain.split("\n"))
    tabs = tabs.replace("capacity 4", "capacity\t4").replace("owner lim", "owner \t lim")
    return {
        "plain": plain.encode(),
        "bom": b"\xef\xbb\xbf" + plain.encode(),
        "crlf": plain.replace("\n", "\r\n").encode(),
        "tabs": tabs.encode(),
        "all": b"\xef\xbb\xbf" + tabs.replace("\n", "\r\n").encode(),
    }


def test_bom_crlf_and_tabs_give_the_same_model(workdir: Path) -> None:
    models = {}
    for name, data in _variants().items():
        (workdir / name).mkdir()
        (workdir / name / "shop.kefu").write_bytes(data)
        assert b"\t" in data or name in ("plain", "bom", "crlf")
        result = load([Path(name)])
        assert result.diagnostics == [], (name, where(result.diagnostics))
        [shop] = result.rules.shops
        models[name] = without_spans(shop)
    assert models["plain"]["entries"] and models["plain"]["scenarios"]
    for name, model in models.items():
        assert model == models["plain"], name


@pytest.mark.parametrize("variant", ["bom", "crlf", "tabs", "all"])
def test_bom_crlf_and_tabs_keep_positions(variant: str, workdir: Path) -> None:
    plain = 'shop demo "Demo"\nstaff { owner mia }\nmatching {\n    confidance 80\n}\nfoo\n'
    data = plain
    if variant in ("tabs", "all"):
        data = data.replace("    ", "\t")
    if variant in ("crlf", "all"):
        data = data.replace("\n", "\r\n")
    raw = data.encode()
    if variant in ("bom", "all"):
        raw = b"\xef\xbb\xbf" + raw
    (workdir / "shop.kefu").write_bytes(raw)
    column = 2 if variant in ("tabs", "all") else 5
    found = load([Path("shop.kefu")]).diagnostics
    assert where(found) == [("K010", "shop.kefu", 4, column), ("K010", "shop.kefu", 6, 1)]
    text = render_text(found)
    assert "\r" not in text and "\ufeff" not in text
    assert "4 |  confidance 80" in text if variant in ("tabs", "all") else "4 |     confidance 80" in text


# -- cascades: one mistake, one finding ----------------------------------------------------------


def test_syntax_error_in_shop_header_does_not_orphan_the_shop(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop/shop.kefu": """
            shop demo "Demo Store" {
                timezone "Asia/Taipei
            }

            staff { owner mia }
            """,
            "shop/faq/more.kefu": """
            faq b "B" {
                ask "z"
                reply "y"
            }
            """,
        },
    )
    assert where(load([Path("shop")]).diagnostics) == [("K002", "shop/shop.kefu", 2, 14)]


def test_unknown_statement_alone_is_not_an_empty_file(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop/shop.kefu": 'shop demo "Demo"\n\nstaff { owner mia }\n',
            "shop/faq.kefu": 'fqa x "X" {\n    ask "a"\n    reply "b"\n}\n',
        },
    )
    assert where(load([Path("shop")]).diagnostics) == [("K010", "shop/faq.kefu", 1, 1)]


def test_malformed_only_ask_gives_one_finding(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": """
        shop demo "Demo Store"

        staff { owner mia }

        faq shipping.free "免運" {
            ask "有免運嗎" "包郵嗎"
            reply "您好,滿 NT$499 免運。"
        }
        """
        },
    )
    assert where(load([Path("shop.kefu")]).diagnostics) == [("K011", "shop.kefu", 6, 16)]


def test_comments_only_file_alone_is_only_k006(workdir: Path) -> None:
    write(workdir, {"notes.kefu": "# nothing here yet\n"})
    assert where(load([Path("notes.kefu")]).diagnostics) == [("K006", "notes.kefu", 1, 1)]


def test_unknown_entry_in_expectation_points_at_the_id(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": """
        shop demo "Demo Store"

        staff { owner mia }

        scenario "s" {
            customer "有包郵嗎" expect bot shiping.free
        }
        """
        },
    )
    found = load([Path("shop.kefu")]).diagnostics
    assert [(d.code, d.span.line, d.span.column, d.span.end_column) for d in found] == [("K030", 6, 32, 43)]


def test_switch_set_in_two_files_names_on_off(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop/shop.kefu": 'shop demo "Demo"\n\nstaff { owner mia }\n\nassist on\n',
            "shop/policy.kefu": "assist {\n    off\n}\n",
        },
    )
    [found] = load([Path("shop")]).diagnostics
    assert (found.code, found.span.file, found.span.line) == ("K012", "shop/policy.kefu", 2)
    assert "enabled" not in found.message and "on/off" in found.message


# -- more spots worth pinning ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ('shop demo "D"\nstaff { owner mia }\n}\n', [("K001", 3, 1, "unmatched '}'")]),
        ('shop demo "D"\nstaff { owner mia }\n, x\n', [("K001", 3, 1, "a statement cannot start with ','")]),
        (
            'shop demo "D"\nstaff { owner mia } bot\n',
            [("K001", 2, 21, "expected the end of the line after '}', found 'bot'")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\ngreeting "x ${shop.name"\n',
            [("K025", 3, 13, "'${' without a closing '}'")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\ngreeting "${shop.nmae}"\n',
            [("K025", 3, 11, "unknown placeholder '${shop.nmae}'")],
        ),
        (
            'shop demo "D" {\n    timezone UTC; hours sat 20:00-02:00, sun 01:00-03:00\n}\nstaff { owner mia }\n',
            [("K023", 2, 46, "working hours overlap: 01:00-03:00 overlaps 20:00-02:00")],
        ),
        (
            'shop demo "D" {\n    timezone UTC; hours sun 23:00-01:00, mon 00:30-02:00\n}\nstaff { owner mia }\n',
            [("K023", 2, 46, "working hours overlap: 00:30-02:00 overlaps 23:00-01:00")],
        ),
        (
            'shop demo "D" {\n    closed 2026-03-10..2026-03-01\n}\nstaff { owner mia }\n',
            [("K024", 2, 12, "the range 2026-03-10..2026-03-01 ends before it starts")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\nmatching {\n    repeat_limit 0\n}\n',
            [("K039", 4, 18, "'repeat_limit' must be at least 1, found 0")],
        ),
        ('shop demo "D"\nstaff { owner mia }\nbot {\n    on\n    off\n}\n', [("K012", 5, 5, "on/off is given twice")]),
        (
            'shop demo "D"\nstaff {\n    owner mia\n    agent amy\n    admin amy\n}\n',
            [("K033", 5, 5, "'amy' is in staff twice")],
        ),
        pytest.param("shop\nstaff { owner mia }\n", [("K013", 1, 1, "'shop' needs an id and a name")]),
        ("preset gen\n", [("K013", 1, 8, "preset 'gen' has no display name")]),
        ('shop "" "Demo"\nstaff { owner mia }\n', [("K014", 1, 6, "empty shop id")]),
        (
            'shop demo "D"\nstaff { owner mia }\nfaq a "A" {\n    ask "x"\n    reply "y \\q"\n}\n',
            [("K011", 5, 14, "unknown escape '\\q' in a string")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\nfaq a "A" {\n    ask "x"\n    reply "y"\n}\n'
            'faq b "B" {\n    ask "X"\n    reply "z"\n}\n',
            [("K021", 8, 9, "the ask \"X\" is under both 'a' and 'b'")],
        ),
        (
            'shop demo "D" { timezone UTC }\nstaff { owner mia }\n'
            'period "sale" 2026-11-10..2026-11-12 {\n    matching {\n'
            "        suggest 97\n    }\n}\n",
            [("K028", 4, 5, "suggest level 97 is above the auto-send level 95 during period 'sale'")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\nscenario "s" {\n    set mia bot maybe\n}\n',
            [("K011", 4, 17, "'bot' takes on or off, found 'maybe'")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\nscenario "s" {\n    sleep 5m\n}\n',
            [("K010", 4, 5, "unknown scenario step 'sleep'")],
        ),
        (
            'shop demo "D"\nstaff { owner mia }\nscenario "s" {\n    customer "x" expect bots\n}\n',
            [("K010", 4, 25, "unknown expectation 'bots'")],
        ),
        (
            'shop demo "D"\nstaff { owner mia; agent amy capacity -1 }\n',
            [("K011", 2, 39, "'capacity' takes a whole number, found '-1'")],
        ),
    ],
)
def test_diagnostic_spot_and_message(text: str, expected: list[tuple[str, int, int, str]], workdir: Path) -> None:
    (workdir / "shop.kefu").write_text(text, encoding="utf-8")
    found = load([Path("shop.kefu")]).diagnostics
    assert [(d.code, d.span.line, d.span.column, d.message) for d in found] == expected


def test_second_shop_in_one_folder_is_k038(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop/a.kefu": 'shop a "A"\n\nstaff { owner mia }\n',
            "shop/b.kefu": 'shop b "B"\n\nstaff { owner ken }\n',
        },
    )
    result = load([Path("shop")])
    assert [(d.code, d.span.file, d.span.line) for d in result.diagnostics] == [("K038", "shop/b.kefu", 1)]
    assert [shop.id for shop in result.rules.shops] == ["a"]


@pytest.mark.parametrize("statement", ['override faq x { reply "y" }', "drop faq x", "bot off", 'test "t" { }'])
def test_preset_may_not_hold_shop_statements(statement: str, workdir: Path) -> None:
    write(workdir, {"p.kefu": f'preset gen "Gen"\n\n{statement}\n'})
    found = load([Path("p.kefu")]).diagnostics
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("K038", 3, 1)]


def test_preset_header_must_come_first(workdir: Path) -> None:
    write(
        workdir,
        {"p.kefu": 'faq a "A" {\n    ask "x"\n    reply "y"\n}\n\npreset gen "Gen" {\n    category 通用類\n}\n'},
    )
    result = load([Path("p.kefu")])
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("K038", 6)]


def test_use_of_a_shop_file_is_k031(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop/shop.kefu": 'shop demo "Demo" {\n    use "../other/shop.kefu"\n}\n\nstaff { owner mia }\n',
            "other/shop.kefu": 'shop other "Other"\n\nstaff { owner ken }\n',
        },
    )
    found = load([Path("shop")]).diagnostics
    assert [(d.code, d.span.file, d.span.line, d.span.column) for d in found] == [("K031", "shop/shop.kefu", 2, 9)]
    assert "is not a preset" in found[0].message


def test_use_of_a_preset_with_errors_reports_them_there(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop/shop.kefu": 'shop demo "Demo" {\n    use "../p.kefu"\n}\n\nstaff { owner mia }\n',
            "p.kefu": 'preset p "P"\n\nfaq a "A" {\n    ask "x"\n}\n',
        },
    )
    found = load([Path("shop")]).diagnostics
    assert where(found) == [("K013", "p.kefu", 3, 1)]


def test_full_width_slips_are_reported_and_read_as_ascii(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": 'shop demo "Demo"\nstaff { owner mia }\n'
            'faq a "A" \uff5b\n    ask "有免運嗎"\n    keywords 包郵\u3001運費\uff1b reply "您好,有的。"\n\uff5d\n'
        },
    )
    result = load([Path("shop.kefu")])
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [
        ("K003", 3, 11),
        ("K003", 5, 16),
        ("K003", 5, 19),
        ("K003", 6, 1),
    ]
    [shop] = result.rules.shops
    assert shop.entries[0].keywords == ("包郵", "運費") and shop.entries[0].reply == "您好,有的。"


def test_curly_quotes_around_a_string_are_two_k003(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": 'shop demo "Demo"\nstaff { owner mia }\n'
            'faq a "A" {\n    ask \u201c有免運嗎\u201d\n    reply "您好,他說\u201c有\u201d。"\n}\n'
        },
    )
    result = load([Path("shop.kefu")])
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("K003", 4, 9), ("K003", 4, 14)]
    [shop] = result.rules.shops
    assert shop.entries[0].asks[0].text == "有免運嗎"
    assert shop.entries[0].reply == "您好,他說\u201c有\u201d。"  # inside an ASCII string they stay text


def test_missing_file_and_folder_are_k007_when_read() -> None:
    from kefu.dsl.source import read_file

    for path, what in ((Path("no/such.kefu"), "no such file"), (FIXTURES, "not a regular file")):
        source, found = read_file(path, "x.kefu")
        assert source is None and [(d.code, d.span.line, d.span.column) for d in found] == [("K007", 1, 1)]
        assert found[0].message == f"cannot read x.kefu: {what}"


def test_a_path_that_does_not_exist_is_a_usage_error(workdir: Path) -> None:
    from kefu.dsl.files import UsageError

    with pytest.raises(UsageError, match="no such file or directory"):
        load([Path("missing")])


def test_suggest_above_confidence_is_reported_once(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": """
        shop demo "Demo Store" { timezone UTC }

        staff { owner mia }

        matching {
            confidence 60
            suggest 80
        }

        period "sale" 2026-11-10..2026-11-12 {
            bot on
        }
        """
        },
    )
    found = load([Path("shop.kefu")]).diagnostics
    assert [(d.code, d.span.line, d.message) for d in found] == [
        ("K028", 5, "suggest level 80 is above the auto-send level 60")
    ]


def test_suggest_above_confidence_only_in_a_period(workdir: Path) -> None:
    write(
        workdir,
        {
            "shop.kefu": 'shop demo "D" { timezone UTC }\n\nstaff { owner mia }\n\nmatching {\n    confidence 60\n}\n\n'
            'period "sale" 2026-11-10..2026-11-12 {\n    matching { confidence 90 }\n}\n'
            'period "quiet" 2026-12-01..2026-12-02 {\n    matching { confidence 45 }\n}\n'
        },
    )
    found = load([Path("shop.kefu")]).diagnostics
    assert [(d.code, d.span.line, d.span.column, d.message) for d in found] == [
        ("K028", 13, 5, "suggest level 50 is above the auto-send level 45 during period 'quiet'")
    ]


ORDER_SCRIPT = """
from pathlib import Path
from kefu.dsl.load import load
print([d.message for d in load([Path("shop.kefu")]).diagnostics])
"""


def test_findings_at_one_spot_come_in_a_stable_order(workdir: Path) -> None:
    write(workdir, {"shop.kefu": 'shop demo "Demo" {\n    hours mon 25:00-26:00\n}\n\nstaff { owner mia }\n'})
    done = subprocess.run(
        [sys.executable, "-c", ORDER_SCRIPT],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
    )
    assert done.stdout.strip() == "[\"impossible time '25:00'\", \"impossible time '26:00'\"]", done.stderr


def test_two_presets_with_one_id_are_k035(workdir: Path) -> None:
    write(
        workdir,
        {
            "a/general.kefu": 'preset general "A"\n\nfaq a "A" {\n    ask "x"\n    reply "y"\n}\n',
            "b/general.kefu": 'preset general "B"\n\nfaq b "B" {\n    ask "z"\n    reply "y"\n}\n',
        },
    )
    assert where(load([Path(".")]).diagnostics) == [("K035", "b/general.kefu", 1, 1)]
