"""Shared test setup.

Hypothesis profiles: the default keeps property tests quick; `pytest --hypothesis-profile=fuzz`
runs each property at least 10,000 times (the mutation fuzz of issue #2).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"

settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _isolated_cache_and_db(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own cache folder and database: no test reads another's results, none
    writes the user's data directory."""
    monkeypatch.setenv("KEFU_CACHE_DIR", str(tmp_path_factory.mktemp("kefu-cache")))
    monkeypatch.setenv("KEFU_DB", str(tmp_path_factory.mktemp("kefu-db") / "kefu.db"))


def copy_rules(folder: Path) -> Path:
    """The demo rules copied into `folder` / rules (a `.git` marker stops the search for a shop there)."""
    (folder / ".git").mkdir(exist_ok=True)
    copy = folder / "rules"
    for source in RULES.rglob("*.kefu"):
        target = copy / source.relative_to(RULES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def without_test_block(shop: Path, name: str) -> None:
    """The shop file without its `test "name" { ... }` block (so the entries only it reaches are uncovered)."""
    text = shop.read_text(encoding="utf-8")
    start = text.index(f'test "{name}" {{')
    shop.write_text(text[:start] + text[text.index("\n}\n", start) + 3 :], encoding="utf-8")
