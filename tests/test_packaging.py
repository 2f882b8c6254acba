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
def test_kefu_packages_come_from_the_top_level_folders(package: str) -> None:
    """Installed, `kefu.dsl`, `kefu.engine` and `kefu.tui` are the folders dsl/, engine/ and tui/."""
    module = importlib.import_module(f"kefu.{package}")
    assert Path(str(module.__file__)).resolve().parent == ROOT / package


@pytest.mark.parametrize("package", ["dsl", "engine", "tui"])
def test_kefu_owns_one_import_name(package: str, tmp_path: Path) -> None:
    """From another folder, `kefu.<package>` imports and the bare generic name does not: kefu puts
    nothing but `kefu` into site-packages."""
    code = (
        f"import importlib.util, pathlib, kefu.{package} as m\n"
        f"print(pathlib.Path(m.__file__).resolve().parent)\n"
        f"print(importlib.util.find_spec({package!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    where, bare = out.stdout.splitlines()
    assert Path(where) == ROOT / package
    assert bare == "None"


def test_every_package_folder_is_installed() -> None:
    """Each folder with an `__init__.py` under dsl/, engine/ and tui/ is listed in pyproject.toml."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        "kefu." + ".".join(init.parent.relative_to(ROOT).parts)
        for package in ("dsl", "engine", "tui")
        for init in (ROOT / package).rglob("__init__.py")
    }
    assert found == listed


def test_grammar_builds_with_strict_mode() -> None:
    """Lark's strict mode: no terminal collisions, no grammar conflicts."""
    from kefu.dsl.syntax import grammar

    tree = grammar(strict=True).parse('faq a.b "t" {\n    ask "x"\n}\n')
    assert tree.data == "start"


def _top(module: str) -> str:
    """The package a module belongs to: `kefu.dsl.load` -> `dsl`, `lark.exceptions` -> `lark`."""
    parts = module.split(".")
    return parts[1] if parts[0] == "kefu" and len(parts) > 1 else parts[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(_top(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(_top(node.module))
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


def test_the_embedding_model_is_imported_only_in_engine_meaning() -> None:
    """One module loads WordLlama (lazily, once per process): the rest of kefu asks it for a meaning."""
    for package in ("engine", "dsl", "tui"):
        for path in (ROOT / package).rglob("*.py"):
            if path != ROOT / "engine" / "meaning.py":
                assert "wordllama" not in _imports(path), path
    assert "wordllama" in _imports(ROOT / "engine" / "meaning.py")
