"""The options and arguments several commands share, each declared once: `--json`, `--shop`,
`--db`, a RULES argument and a list of PATHS. Help texts differ by command, so each takes its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

SHOP_PICK = "Which shop, when RULES holds several."
SHOP_ONLY = "Only this shop."
DB_DEFAULT = "(default: kefu.db in your data folder, or $KEFU_DB)"


def json_option(what: str = "Print one JSON object.") -> Callable[[F], F]:
    """`--json` (parameter `as_json`): `what` says what is printed."""
    return click.option("--json", "as_json", is_flag=True, help=what)


def shop_option(what: str = SHOP_PICK) -> Callable[[F], F]:
    """`--shop ID` (parameter `shop_id`, None when not given)."""
    return click.option("--shop", "shop_id", default=None, metavar="ID", help=what)


def db_option(what: str) -> Callable[[F], F]:
    """`--db FILE` (parameter `db_path`, None when not given): `what` says which database it is."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        metavar="FILE",
        help=f"{what} {DB_DEFAULT}.",
    )


def rules_argument() -> Callable[[F], F]:
    """RULES: a rule file or a folder of them."""
    return click.argument("rules", type=click.Path(path_type=Path))


def paths_argument(required: bool = True) -> Callable[[F], F]:
    """PATHS...: rule files or folders."""
    return click.argument("paths", nargs=-1, required=required, type=click.Path(path_type=Path))
