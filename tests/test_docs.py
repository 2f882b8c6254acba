"""Docs ship with the code: every code has its page, the generated reference is current, the
language guide's examples parse, every command has --help with an example."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dsl import codes
from dsl.build import build
from dsl.syntax import parse
from tests.conftest import ROOT
from tui.cli import cli

LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
EXAMPLES = [block for block in re.findall(r"```\n(.*?)```", LANGUAGE, re.S)
            if not block.lstrip().startswith(("$", "kefu "))]


def test_diagnostics_reference_is_generated_from_the_code_table() -> None:
    """docs/diagnostics.md == `python -m dsl.codes`; regenerate it after changing dsl/codes.py."""
    assert (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8") == codes.markdown()


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


def test_language_guide_shows_every_top_level_statement() -> None:
    from dsl.syntax import TOP_LEVEL

    for statement in TOP_LEVEL:
        assert re.search(rf"^{statement}\b", "\n".join(EXAMPLES), re.M), statement


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
