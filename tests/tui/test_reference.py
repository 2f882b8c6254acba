"""docs/cli.md is the reference of every command and option, generated from --help (as
sqlite-utils does with cog); every command's help carries an example of itself."""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest

from kefu.tui.cli import cli
from kefu.tui.cli.reference import COMMAND, help_text, markdown
from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "cli.md"


def test_docs_cli_md_is_the_generators_output() -> None:
    """Regenerate after changing a command: `python -m kefu.tui.cli.reference > docs/cli.md`."""
    assert REFERENCE.read_text(encoding="utf-8") == markdown(), f"docs/cli.md is stale: run `{COMMAND}`"


def test_the_generator_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kefu.tui.cli.reference"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout == markdown()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_of_itself(name: str) -> None:
    command = cli.commands[name]
    text = help_text(command, name)
    assert command.help and "Example" in text
    examples = text.split("Example", 1)[1]
    assert re.search(rf"^\s+(?:.*\| )?kefu {name}\b", examples, re.M), f"kefu {name}: no example runs it"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_of_every_command_is_in_the_reference(name: str) -> None:
    section = markdown().split(f"## kefu {name}\n", 1)[1].split("\n## ", 1)[0]
    for parameter in cli.commands[name].params:
        if isinstance(parameter, click.Option):
            assert any(flag in section for flag in parameter.opts), (name, parameter.opts)
