"""The skeleton: packages come from this checkout, the grammar is sound, the layering holds."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("package", ["dsl", "engine", "tui"])
def test_generic_package_names_come_from_this_checkout(package: str) -> None:
    """`dsl`, `engine` and `tui` are generic names: they must be ours, not another distribution's."""
    module = importlib.import_module(package)
    assert Path(module.__file__).resolve().parent == ROOT / package


@pytest.mark.parametrize("package", ["dsl", "engine", "tui"])
def test_generic_package_names_resolve_here_from_another_directory(package: str, tmp_path: Path) -> None:
    """Also for the installed `kefu` command, run from elsewhere (not only through sys.path[0])."""
    code = f"import {package}, pathlib; print(pathlib.Path({package}.__file__).resolve().parent)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(out.stdout.strip()) == ROOT / package


def test_grammar_builds_with_strict_mode() -> None:
    """Lark's strict mode: no terminal collisions, no grammar conflicts."""
    from dsl.syntax import grammar

    tree = grammar(strict=True).parse('faq a.b "t" {\n    ask "x"\n}\n')
    assert tree.data == "start"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "engine").rglob("*.py")), ids=lambda p: p.name)
def test_engine_imports_neither_dsl_nor_tui_nor_lark_nor_textual(path: Path) -> None:
    assert not _imports(path) & {"dsl", "tui", "lark", "textual"}


@pytest.mark.parametrize("path", sorted((ROOT / "dsl").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_dsl_imports_neither_tui_nor_textual(path: Path) -> None:
    assert not _imports(path) & {"tui", "textual"}


def test_lark_is_imported_only_in_dsl() -> None:
    for package in ("engine", "tui"):
        for path in (ROOT / package).rglob("*.py"):
            assert "lark" not in _imports(path), path
