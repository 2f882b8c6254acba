"""The names `kefu simulate` (tui/cmd_simulate.py) and bench/engine.py import from here, kept
importable while they move: exit statuses, the parse cache switch, loading shops, collector tuning
and opening the history. Each lives in its own module (tui/exits.py, tui/shops.py,
tui/collector.py, tui/history.py); new code imports from those."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kefu.dsl.cache import Cache
from kefu.tui import history, shops
from kefu.tui.collector import long_run_gc
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE

if TYPE_CHECKING:
    from kefu.engine.rules import Shop
    from kefu.engine.store import Store

__all__ = [
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_USAGE",
    "cache",
    "load_shops",
    "long_run_gc",
    "one_shop",
    "open_history",
]


def cache(no_cache: bool) -> Cache:
    return shops.parse_cache(no_cache)


def load_shops(rules: Path, command: str = "") -> list[Shop]:
    """Every shop under RULES; rules with errors raise a `findings` KefuError (the command line
    prints the errors and exits 1). `command` is no longer needed: the command line names it."""
    return shops.load_shops(rules)


def one_shop(rules: Path, shop_id: str | None, command: str = "") -> Shop:
    return shops.one_shop(rules, shop_id)


def open_history(db_path: Path | None, command: str = "") -> Store | None:
    return history.open_history(db_path)
