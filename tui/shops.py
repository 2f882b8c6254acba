"""Loading shops from rule files for a command or the terminal UI: the parse cache switch, every
shop under a path, and the one shop a command works on. Failures are raised as `KefuError`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kefu.dsl.cache import Cache, default_dir
from kefu.tui.errors import Failure, KefuError

if TYPE_CHECKING:
    from kefu.engine.rules import Shop


def parse_cache(no_cache: bool = False) -> Cache:
    """The content cache of parsed files, or a disabled one with `--no-cache` or `KEFU_NO_CACHE`."""
    return Cache.disabled() if no_cache or os.environ.get("KEFU_NO_CACHE") else Cache(default_dir())


def load_shops(rules: Path, cache: Cache | None = None) -> list[Shop]:
    """Every shop under `rules` (a file or a folder). Rules with errors raise a `findings` failure
    whose details are the errors, rendered as `kefu check` shows them."""
    from kefu.dsl import render
    from kefu.dsl.load import load

    result = load([rules], cache if cache is not None else parse_cache())
    if result.errors:
        raise KefuError(
            f"the rules have {len(result.errors)} error(s); fix them first (kefu check)",
            Failure.findings,
            details=render.render_text(result.errors),
        )
    return list(result.rules.shops)


def shops_under(paths: Iterable[Path], cache: Cache | None = None) -> list[Shop]:
    """The shops under several paths, each once (the first path naming a shop wins)."""
    shops: dict[str, Shop] = {}
    for path in paths:
        for shop in load_shops(path, cache):
            shops.setdefault(shop.id, shop)
    return list(shops.values())


def pick_shop(shops: list[Shop], shop_id: str | None, where: str) -> Shop:
    """The shop `shop_id` names, or the only one; `where` names the rules in the message."""
    names = ", ".join(shop.id for shop in shops) or "none"
    if shop_id is not None:
        shop = next((shop for shop in shops if shop.id == shop_id), None)
        if shop is None:
            raise KefuError(f"no shop '{shop_id}' in {where}; shops there: {names}", Failure.not_found)
        return shop
    if len(shops) == 1:
        return shops[0]
    raise KefuError(f"{where} holds {len(shops)} shops ({names}); pick one with --shop", Failure.usage)


def one_shop(rules: Path, shop_id: str | None, cache: Cache | None = None) -> Shop:
    """The shop `--shop` names under `rules`, or the only one there."""
    return pick_shop(load_shops(rules, cache), shop_id, str(rules))
