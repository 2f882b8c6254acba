"""Docs ship with the code: every code has its page, the generated reference is current, the
language guide's examples parse, every command has --help with an example, and the events reference
shows every event and action type in valid lines, and every link between the pages reaches a
file and heading that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner
from pydantic import TypeAdapter, ValidationError

from kefu.dsl import code_pages, codes, language
from kefu.dsl.build import build
from kefu.dsl.load import load
from kefu.dsl.syntax import parse
from kefu.engine.events import Action, Event, Kind
from kefu.engine.simulate import Simulation
from kefu.tui.cli import cli
from tests.conftest import ROOT

LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
EXAMPLES = [
    block for block in re.findall(r"```\n(.*?)```", LANGUAGE, re.S) if not block.lstrip().startswith(("$", "kefu "))
]
EVENTS = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
LINES = [
    (EVENTS.count("\n", 0, m.start()) + 1, m.group(1))  # (line of the fence, block)
    for m in re.finditer(r"^```json\n(.*?)^```", EVENTS, re.S | re.M)
]
WORKED_EVENTS = [
    (EVENTS.count("\n", 0, m.start()) + 1, m.group(1))
    for m in re.finditer(r"^```jsonl\n(.*?)^```", EVENTS, re.S | re.M)
]
WORKED_ACTIONS = re.findall(r"^```text\n(.*?)^```", EVENTS, re.S | re.M)


@pytest.mark.parametrize("name", sorted(code_pages.pages()))
def test_diagnostics_reference_is_generated_from_the_code_table(name: str) -> None:
    """docs/diagnostics.md and docs/rules/ == `python -m kefu.dsl.codes`; run it after changing a code."""
    path = ROOT / "docs" / name
    assert path.is_file(), f"docs/{name} is missing: run python -m kefu.dsl.codes"
    assert path.read_text(encoding="utf-8") == code_pages.pages()[name], "run python -m kefu.dsl.codes"


def test_no_page_of_a_code_that_is_gone() -> None:
    assert code_pages.stale(ROOT / "docs") == []


@pytest.mark.parametrize("code", sorted(codes.CODES))
def test_every_code_has_an_explain_page(code: str) -> None:
    page = codes.explain(code)
    assert page is not None and page.startswith(code) and "Avoid:" in page and "Prefer:" in page


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_language_guide_examples_parse_and_mean_something(index: int) -> None:
    """Every example in docs/language.md is valid syntax and uses only known statements."""
    document = parse(EXAMPLES[index], "example.kefu")
    assert document.diagnostics == []
    items = build(document)
    assert [d.code for d in items.diagnostics] == []


def test_language_guide_statement_tables_are_generated_from_the_language_table() -> None:
    """The sections between the markers in docs/language.md == what dsl/language.py makes of its table;
    run `python -m kefu.dsl.language --write` after changing it."""
    for section in language.SECTIONS:
        assert language.begin(section) in LANGUAGE and language.end(section) in LANGUAGE, section
    assert language.generated(LANGUAGE) == LANGUAGE


def test_language_guide_shows_every_top_level_statement() -> None:
    for statement in language.TOP_LEVEL:
        assert re.search(rf"^{statement}\b", "\n".join(EXAMPLES), re.M), statement


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def types(union: object) -> set[str]:
    """The `type` literal of every model in a discriminated union: Annotated[Union[...], Field(...)]."""
    return {model.model_fields["type"].default for model in get_args(get_args(union)[0])}


def accepts(union: object, text: str) -> bool:
    try:
        TypeAdapter(union).validate_json(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("line, block", LINES, ids=[f"events.md:{line}" for line, _ in LINES])
def test_events_reference_examples_are_valid_lines(line: int, block: str) -> None:
    """Every ```json block in docs/events.md is one JSON object on one line, and an event or an action."""
    where = f"docs/events.md:{line}"
    assert block.count("\n") == 1, f"{where}: a ```json block holds one line"
    assert isinstance(json.loads(block), dict), f"{where}: a ```json block holds one JSON object"
    assert accepts(Event, block) or accepts(Action, block), f"{where}: neither an event nor an action"


def test_events_reference_shows_every_event_and_action_type() -> None:
    shown = [json.loads(block) for _, block in LINES]
    assert types(Event) - {line["type"] for line in shown} == set()
    assert types(Action) - {line["type"] for line in shown} == set()
    assert {kind.value for kind in Kind} - {line["kind"] for line in shown if line["type"] == "send"} == set()


def test_events_reference_worked_example_events_are_valid() -> None:
    assert len(WORKED_EVENTS) == 1, "docs/events.md: one ```jsonl block, the worked example's events"
    fence, block = WORKED_EVENTS[0]
    for number, line in enumerate(block.splitlines(), start=fence + 1):
        assert accepts(Event, line), f"docs/events.md:{number}: not an event"


def test_events_reference_worked_example_is_real_output() -> None:
    """The worked example's actions (its ```text block) are what decide makes of its events in the
    demo shop tw; paste the new output after changing the engine or the shop."""
    assert len(WORKED_EVENTS) == 1 and len(WORKED_ACTIONS) == 1
    shop = load([ROOT / "rules" / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    events = [TypeAdapter(Event).validate_json(line) for line in WORKED_EVENTS[0][1].splitlines()]
    simulation = Simulation({shop.id: shop})
    played = [simulation.play(event, line) for line, event in enumerate(events, start=1)]
    actions = [action for steps in played if isinstance(steps, list) for step in steps for action in step.actions]
    assert [action.model_dump_json(exclude_none=True) for action in actions] == WORKED_ACTIONS[0].splitlines()


LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)")  # [text](target), not an image
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def headings(markdown: str) -> set[str]:
    """The anchors a markdown page's headings get where it is read (lower case, punctuation and
    backticks dropped, spaces as hyphens, a repeated heading numbered from -1)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for title in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", markdown), re.M):
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower().replace("`", "")).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    """`file:line: what` for each relative link of `doc` whose file or heading does not exist (links
    in code fences are examples, not links)."""
    body = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), doc.read_text(encoding="utf-8"))
    broken = []
    for m in LINK.finditer(body):
        if re.match(r"[a-z]+:", m.group(1)):
            continue  # a web address
        path, _, anchor = m.group(1).partition("#")
        target = doc.parent / path if path else doc
        where = f"{doc.relative_to(root)}:{body.count(chr(10), 0, m.start()) + 1}"
        if not target.exists():
            broken.append(f"{where}: no file {path}")
        elif anchor and target.suffix == ".md" and anchor not in headings(target.read_text(encoding="utf-8")):
            broken.append(f"{where}: no heading #{anchor} in {target.relative_to(root)}")
    return broken


def test_every_relative_link_of_the_docs_reaches_a_file_and_heading_that_exist() -> None:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    assert [line for doc in docs for line in broken_links(doc)] == []


def test_a_link_to_a_missing_heading_or_file_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n## Levels, and `why`\n\n## A page\n\n[ok](#levels-and-why) [self](page.md#a-page-1)\n"
        "[gone](#levels) [none](missing.md)\n```\n[in a fence](#nowhere)\n```\n",
        encoding="utf-8",
    )
    assert headings(page.read_text(encoding="utf-8")) == {"a-page", "levels-and-why", "a-page-1"}
    assert broken_links(page, tmp_path) == [
        "page.md:8: no heading #levels in page.md",
        "page.md:8: no file missing.md",
    ]
