"""editors/vscode/: the VS Code extension that starts `kefu lsp` is whole and in step with kefu."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from kefu.dsl import textmate
from tests.conftest import ROOT

FOLDER = ROOT / "editors" / "vscode"


def test_the_extension_declares_the_language_its_grammar_and_the_server() -> None:
    package = json.loads((FOLDER / "package.json").read_text(encoding="utf-8"))
    contributes = package["contributes"]
    assert contributes["languages"][0]["id"] == "kefu" and ".kefu" in contributes["languages"][0]["extensions"]
    grammar = contributes["grammars"][0]
    assert grammar["scopeName"] == textmate.SCOPE and (FOLDER / grammar["path"]).is_file()
    assert (FOLDER / contributes["languages"][0]["configuration"]).is_file()
    assert contributes["configuration"]["properties"]["kefu.command"]["default"] == ["kefu", "lsp"]
    assert (FOLDER / package["main"]).is_file() and "vscode-languageclient" in package["dependencies"]
    json.loads((FOLDER / "language-configuration.json").read_text(encoding="utf-8"))


def test_the_extensions_grammar_is_the_generated_one() -> None:
    """Run `python -m kefu.dsl.textmate --write` after changing the language table: it writes both."""
    assert textmate.VSCODE_GRAMMAR_FILE.read_text(encoding="utf-8") == textmate.text()


def test_the_client_is_valid_javascript() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, "--check", str(FOLDER / "extension.js")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
