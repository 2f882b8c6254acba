"""The TextMate grammar (editors/kefu.tmLanguage.json) through a real TextMate engine.

vscode-textmate and vscode-oniguruma, the engine VS Code colours code with, tokenise every demo file
under rules/ and one small file per statement of the language table (its example where it stands).
What each token must be scoped as comes from kefu itself: the statements, strings and comments from
its parser (dsl.syntax), which words are keywords and what kind each argument is from the statement
table (dsl.language), which strings take placeholders from the builder (a statement whose string gets
K025 for an unknown placeholder), the codes of a suppression from dsl.suppression. A grammar that
drifts from the language fails here. Goldens pin a few small fixtures token by token; after changing
the grammar, regenerate and review them:

    KEFU_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/editors/test_grammar.py

The two npm packages are installed on first use into the user cache folder (or KEFU_TEXTMATE_TOOLS),
at the versions below; without node and npm the engine tests are skipped and say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import platformdirs
import pytest

from kefu.dsl import language, textmate
from kefu.dsl.build import build
from kefu.dsl.suppression import find_suppressions
from kefu.dsl.syntax import Atom, Document, Stmt, parse
from kefu.dsl.values import _PLACEHOLDER_RE
from kefu.engine.rules import PLACEHOLDERS
from tests.conftest import ROOT, RULES

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "tokenize.mjs"
FIXTURES = HERE / "fixtures"
SNAPSHOTS = HERE / "snapshots"
UPDATE = os.environ.get("KEFU_UPDATE_SNAPSHOTS") == "1"
TOOLS = {"vscode-textmate": "9.3.2", "vscode-oniguruma": "2.0.1"}  # pinned: the goldens depend on the engine
DEMOS = sorted(RULES.rglob("*.kefu"))


class Token(NamedTuple):
    start: int  # code points from the line's start, 0-based
    end: int
    text: str
    scopes: tuple[str, ...]


Tokens = dict[Path, list[list[Token]]]


class Want(NamedTuple):
    """Characters [start, end) of a line must each be in a token with a scope starting with `scope`
    (or, with `absent`, in none)."""

    line: int  # 1-based, as kefu counts
    start: int  # 0-based code points
    end: int
    scope: str
    what: str
    absent: bool = False


# -- the engine -----------------------------------------------------------------------------------


def _tools_folder() -> Path:
    given = os.environ.get("KEFU_TEXTMATE_TOOLS")
    if given:
        return Path(given)
    tag = "-".join(f"{name}-{version}" for name, version in TOOLS.items())
    return Path(platformdirs.user_cache_dir("kefu")) / "test-tools" / tag


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """vscode-textmate and vscode-oniguruma, installed with npm on first use."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip(
            "node and npm are needed to run the TextMate engine (npm packages vscode-textmate, vscode-oniguruma)"
        )
    folder = _tools_folder()
    modules = folder / "node_modules"
    if all((modules / name / "package.json").is_file() for name in TOOLS):
        return modules
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=folder.parent))
    packages = [f"{name}@{version}" for name, version in TOOLS.items()]
    done = subprocess.run(
        [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error", *packages],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"npm install {' '.join(packages)} failed:\n{done.stdout}{done.stderr}"
    shutil.rmtree(folder, ignore_errors=True)  # a half-made folder of an interrupted run
    try:
        staging.rename(folder)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return modules


def tokenise(modules: Path, files: list[Path]) -> Tokens:
    done = subprocess.run(
        ["node", str(SCRIPT), str(modules), str(textmate.GRAMMAR_FILE), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    return {
        Path(name): [[Token(t["start"], t["end"], t["text"], tuple(t["scopes"])) for t in line] for line in lines]
        for name, lines in found.items()
    }


# -- what kefu says each token is ---------------------------------------------------------------


def _takes_placeholders(block: str, construct: language.Construct) -> bool:
    """Whether kefu reads this construct's string as a reply: an unknown placeholder in it is K025."""
    head, brace, block_text = construct.example.partition(" {")  # its own arguments, not its block's
    example = re.sub(r'"(?:[^"\\\n]|\\.)*"', '"${no.such.placeholder}"', head, count=1) + brace + block_text
    if example == construct.example:
        return False
    document = parse(language.BLOCKS[block].holding(example), "probe.kefu")
    assert document.diagnostics == [], example
    return any(d.code == "K025" for d in build(document).diagnostics)


PLACES = [(block, c) for c in language.CONSTRUCTS for block in c.parents]
REPLIES = {(block, c.name) for block, c in PLACES if _takes_placeholders(block, c)}


def _span(atom: Atom, scope: str, what: str, width: int | None = None) -> Want:
    start = atom.column - 1
    return Want(atom.line, start, start + (len(atom.raw) if width is None else width), scope, what)


def _string(atom: Atom, reply: bool) -> Iterator[Want]:
    yield _span(atom, "string.quoted.double.kefu", f"string {atom.raw}")
    if not reply:
        start = atom.column - 1
        yield Want(atom.line, start, start + len(atom.raw), "meta.placeholder", "no placeholder", absent=True)
        return
    for match in _PLACEHOLDER_RE.finditer(atom.raw):
        start = atom.column - 1 + match.start()
        if match.group() == "$$":
            yield Want(atom.line, start, start + 2, "constant.character.escape.dollar.kefu", "$$")
        elif match.group(1) is None:
            yield Want(atom.line, start, start + 2, "invalid.illegal.unclosed-placeholder.kefu", match.group())
        else:
            name = match.group(1)
            scope = "variable.other.placeholder" if name.strip() in PLACEHOLDERS else "invalid.illegal"
            yield Want(atom.line, start + 2, start + 2 + len(name), scope, match.group())


_ARG_SCOPES = {
    "id": "entity.name.",
    "name": "variable.other.person.kefu",
    "number": "constant.numeric.integer.kefu",
    "switch": "constant.language.boolean.kefu",
    "choice": "constant.language.kefu",
    "duration": "constant.numeric.duration.kefu",
    "date": "constant.numeric.date.kefu",
    "dates": "constant.numeric.date.kefu",
    "time": "constant.numeric.time.kefu",
}


def _argument(arg: language.Arg, atom: Atom) -> Iterator[Want]:
    """The scope of a bare-word argument, by its kind in the statement table."""
    if atom.kind != "word":
        return
    if arg.kind == "hours":
        scope = "constant.numeric.time.kefu" if atom.raw[:1].isdigit() else "support.constant.weekday.kefu"
        yield _span(atom, scope, f"hours {atom.raw}", 1)
    elif arg.kind == "string" and atom.raw in arg.shape.split("|"):  # greeting off
        yield _span(atom, "constant.language.boolean.kefu", atom.raw)
    elif arg.kind in ("date", "dates", "time"):
        yield _span(atom, _ARG_SCOPES[arg.kind], f"{arg.kind} {atom.raw}", 1)
    elif arg.kind in _ARG_SCOPES:
        yield _span(atom, _ARG_SCOPES[arg.kind], f"{arg.kind} {atom.raw}")


def _arguments(construct: language.Construct, atoms: list[Atom]) -> Iterator[Want]:
    """Atoms after the fixed words, matched to the construct's arguments in order (options by their word)."""
    args = list(construct.args[len(construct.keyword.split()) - 1 :])
    options = {a.shape.split()[0]: a for a in args if a.kind == "option"}
    args = [a for a in args if a.kind != "option"]
    atoms = [a for a in atoms if a.kind != "comma"]
    while atoms:
        atom = atoms.pop(0)
        option = options.get(atom.raw)
        if option is not None:  # capacity N, auto_send on|off
            yield _span(atom, "keyword.other.option.kefu", atom.raw)
            if atoms:
                kind = "number" if option.shape.endswith(" N") else "switch"
                yield from _argument(language.Arg(option.shape, kind), atoms.pop(0))
            continue
        while args and args[0].optional and (atom.kind == "string") != (args[0].kind == "string"):
            args.pop(0)
        if not args:
            return
        yield from _argument(args[0], atom)
        if not args[0].many:
            args.pop(0)


def _expectations(atoms: list[Atom]) -> Iterator[Want]:
    """An `expect` list: comma-separated expectations, each known to the `expect` block."""
    items: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "comma":
            items.append([])
        else:
            items[-1].append(atom)
    for item in items:
        for size in (2, 1):
            words = " ".join(a.raw for a in item[:size])
            found = language.construct("expect", words) if len(item) >= size else None
            if found is not None:
                for atom in item[:size]:
                    yield _span(atom, "keyword.control.expectation.kefu", f"expectation {words}")
                yield from _arguments(found, item[size:])
                break


def _statements(stmts: tuple[Stmt, ...], block: str) -> Iterator[Want]:
    for stmt in stmts:
        construct = language.construct(block, stmt.head.value) if block in language.BLOCKS else None
        if stmt.head.kind != "word":
            construct = None
        reply = construct is not None and (block, construct.name) in REPLIES
        for atom in (stmt.head, *stmt.args):
            if atom.kind == "string":
                yield from _string(atom, reply)
        if block == "test":  # "message" -> ID|none
            arrow = [i for i, a in enumerate(stmt.args) if a.raw == "->"]
            if arrow:
                yield _span(stmt.args[arrow[0]], "keyword.operator.arrow.kefu", "->")
                target = stmt.args[arrow[0] + 1 : arrow[0] + 2]
                if target and target[0].kind == "word":
                    scope = "constant.language.none.kefu" if target[0].raw == "none" else "entity.name.type.entry.kefu"
                    yield _span(target[0], scope, f"-> {target[0].raw}")
            continue
        if construct is None:
            continue
        words = construct.keyword.split()
        for atom, word in zip((stmt.head, *stmt.args), words):
            if atom.raw == word:
                yield _span(
                    atom, f"keyword.control.{textmate.GROUPS[block]}.kefu", f"{block} statement {construct.keyword}"
                )
        args = list(stmt.args[len(words) - 1 :])
        expect = next(
            (i for i, a in enumerate(args) if block == "scenario" and a.raw == "expect" and i >= construct.lead), None
        )
        if construct.name == "expect" and block == "scenario":
            yield from _expectations(args)
        else:
            if expect is not None:
                yield _span(args[expect], "keyword.control.step.kefu", "expect")
                yield from _expectations(args[expect + 1 :])
                args = args[:expect]
            yield from _arguments(construct, args)
        if stmt.block is not None:
            inner = construct.opens or (construct.name if construct.lines else "unknown")
            yield from _statements(stmt.block.stmts, inner)


def wants(document: Document) -> Iterator[Want]:
    """What every statement, string, comment, placeholder and suppression of a parsed file must be scoped as."""
    for comment in document.comments:
        start = comment.column - 1
        yield Want(comment.line, start, start + len(comment.text), "comment.line.number-sign.kefu", comment.text)
    for suppression in find_suppressions(document.comments):
        for code in suppression.codes:
            yield Want(code.line, code.column - 1, code.end_column, "constant.other.diagnostic-code.kefu", code.code)
    yield from _statements(document.stmts, "file")


def unmet(document: Document, lines: list[list[Token]]) -> list[str]:
    """The wants of `document` the tokens do not meet, as readable lines."""
    problems = []
    for want in wants(document):
        tokens = lines[want.line - 1]
        for column in range(want.start, want.end):
            scopes = next((t.scopes for t in tokens if t.start <= column < t.end), ())
            has = any(scope.startswith(want.scope) for scope in scopes)
            if has == want.absent:
                verb = "has" if want.absent else "lacks"
                problems.append(f"{want.line}:{column + 1} {want.what!r} {verb} {want.scope}: {' '.join(scopes)}")
                break
    return problems


# -- the tests ------------------------------------------------------------------------------------


def test_grammar_file_is_made_from_the_language_table() -> None:
    """editors/kefu.tmLanguage.json == what dsl/textmate.py makes of dsl/language.py; run
    `python -m kefu.dsl.textmate --write` after changing the table."""
    assert textmate.GRAMMAR_FILE.read_text(encoding="utf-8") == textmate.text()


def test_placeholders_are_scoped_in_exactly_the_strings_kefu_fills() -> None:
    """The grammar's reply strings (placeholders scoped) are the statements whose builder reports K025."""
    grammar = textmate.grammar()["repository"]
    in_grammar = {
        (block, c.name)
        for block, c in PLACES
        if block != "expect"
        and {"include": "#reply-string"} in grammar[f"{block}-{textmate.rule_key(c.name)}"]["patterns"]
    }
    assert in_grammar == REPLIES
    assert {name for _, name in REPLIES} == {"reply", "greeting", "fallback", "off_hours_reply"}


@pytest.fixture(scope="session")
def demo_tokens(node_modules: Path) -> Tokens:
    return tokenise(node_modules, DEMOS)


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_demo_file_every_statement_string_comment_and_placeholder_scoped(path: Path, demo_tokens: Tokens) -> None:
    document = parse(path.read_text(encoding="utf-8"), str(path))
    assert document.diagnostics == []
    assert sum(1 for _ in wants(document)) > 50
    assert unmet(document, demo_tokens[path]) == []


@pytest.fixture(scope="session")
def statement_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """One file per statement of the table, its example written where it stands."""
    folder = tmp_path_factory.mktemp("statements")
    files = {}
    for index, (block, construct) in enumerate(PLACES):
        path = folder / f"{index:03}-{block}-{textmate.rule_key(construct.name)}.kefu"
        path.write_text(language.BLOCKS[block].holding(construct.example) + "\n", encoding="utf-8")
        files[(block, construct.name)] = path
    return files


@pytest.fixture(scope="session")
def statement_tokens(statement_files: dict[tuple[str, str], Path], node_modules: Path) -> Tokens:
    return tokenise(node_modules, list(statement_files.values()))


@pytest.mark.parametrize(("block", "name"), [(b, c.name) for b, c in PLACES], ids=lambda v: str(v))
def test_every_statement_of_the_language_scoped_where_it_stands(
    block: str, name: str, statement_files: dict[tuple[str, str], Path], statement_tokens: Tokens
) -> None:
    path = statement_files[(block, name)]
    document = parse(path.read_text(encoding="utf-8"), str(path))
    assert document.diagnostics == []
    construct = language.construct(block, name)
    assert construct is not None
    keyword = f"keyword.control.{textmate.GROUPS[block]}.kefu"
    assert any(w.scope == keyword and w.what.endswith(construct.keyword) for w in wants(document))
    assert unmet(document, statement_tokens[path]) == []


def _rendered(path: Path, lines: list[list[Token]]) -> str:
    """Each line of the fixture, then its tokens: the text and the scopes below source.kefu."""
    out = []
    for number, (text, tokens) in enumerate(zip(path.read_text(encoding="utf-8").split("\n"), lines), 1):
        out.append(f"{number:>3} | {text}")
        for token in tokens:
            if token.text.strip():
                scopes = " ".join(s.removesuffix(".kefu") for s in token.scopes[1:])
                out.append(f"      {token.text!r} {scopes}")
    return "\n".join(out) + "\n"


GOLDEN = sorted(FIXTURES.glob("*.kefu"))


@pytest.fixture(scope="session")
def golden_tokens(node_modules: Path) -> Tokens:
    return tokenise(node_modules, GOLDEN)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_fixture_tokens_match_golden(path: Path, golden_tokens: Tokens) -> None:
    rendered = _rendered(path, golden_tokens[path])
    golden = SNAPSHOTS / f"{path.stem}.txt"
    if UPDATE:  # review every golden this writes before committing it
        SNAPSHOTS.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}: run with KEFU_UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_fixture_meets_what_the_parser_says(path: Path, golden_tokens: Tokens) -> None:
    """The goldens hold what kefu's parser asks for too (the syntax is sound up to the broken lines)."""
    document = parse(path.read_text(encoding="utf-8"), str(path))
    assert unmet(document, golden_tokens[path]) == []
