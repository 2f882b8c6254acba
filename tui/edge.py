"""What every command shares at the edge: exit codes, the parse cache, loading the rules."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.dsl.cache import Cache, default_dir

if TYPE_CHECKING:
    from kefu.engine.rules import Shop
    from kefu.engine.store import Store

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def cache(no_cache: bool) -> Cache:
    return Cache.disabled() if no_cache or os.environ.get("KEFU_NO_CACHE") else Cache(default_dir())


def load_shops(rules: Path, command: str) -> list[Shop]:
    """Every shop under RULES; rules with errors stop the command (exit 1) with the errors printed."""
    from kefu.dsl import render
    from kefu.dsl.load import load

    result = load([rules], cache(False))
    if result.errors:
        click.echo(render.render_text(result.errors), err=True)
        click.echo(
            f"kefu {command}: the rules have {len(result.errors)} error(s); fix them first (kefu check)", err=True
        )
        sys.exit(EXIT_FINDINGS)
    return list(result.rules.shops)


def one_shop(rules: Path, shop_id: str | None, command: str) -> Shop:
    """The shop --shop names, or the only one under RULES."""
    shops = load_shops(rules, command)
    if shop_id is not None:
        shop = next((s for s in shops if s.id == shop_id), None)
        if shop is None:
            raise click.UsageError(
                f"no shop '{shop_id}' in {rules}; shops there: {', '.join(s.id for s in shops) or 'none'}"
            )
        return shop
    if len(shops) == 1:
        return shops[0]
    raise click.UsageError(
        f"{rules} holds {len(shops)} shops ({', '.join(s.id for s in shops) or 'none'}); pick one with --shop"
    )


def long_run_gc() -> None:
    """Tune the garbage collector for a long stream (`kefu simulate`, the UI): what is loaded by now
    (rules, matcher index) is moved out of the collector's sight, and young collections run every
    50,000 allocations instead of 700. A step allocates dozens of short-lived models, and with
    the default threshold the collector walked the live inbox over and over: bench/engine.py
    measured decide + store 40% faster this way. Memory stays bounded: cycles are still collected."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def open_history(db_path: Path | None, command: str) -> Store | None:
    """The recorded history for a reading command: None when the default database does not exist
    yet (nothing recorded); a missing --db file is a usage error; a file kefu cannot read, exit 2."""
    from kefu.engine.store import Store, StoreError, default_path

    path = db_path or default_path()
    if not path.is_file():
        if db_path is not None:
            raise click.UsageError(f"{path}: no such file")
        return None
    try:
        return Store.open(path)
    except StoreError as error:
        click.echo(f"kefu {command}: error: {error}", err=True)
        sys.exit(EXIT_USAGE)
