"""Opening the recorded history (the SQLite store) for a command that only reads it.

Reading never creates, migrates or writes the database (engine/store.py's `Store.reading`); each way
a file can be unusable is one line: no such file (`not_found`), and an empty file, a file that is not
a kefu database, one written by a newer kefu, one an older kefu wrote that needs migrating first, one
kefu may not read (`unusable`). docs/history.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kefu.tui.errors import Failure, KefuError

if TYPE_CHECKING:
    from kefu.engine.store import Store, StoreError

T = TypeVar("T")


def history_path(db_path: Path | None) -> Path:
    """The database a reading command looks at: `--db`, or `$KEFU_DB`, or kefu.db in the data folder."""
    from kefu.engine.store import default_path

    return db_path or default_path()


def open_history(db_path: Path | None) -> Store | None:
    """The recorded history, opened read-only: None when the default database does not exist yet
    (nothing recorded); a missing `--db` file is a `not_found` failure, a file kefu cannot read an
    `unusable` one."""
    from kefu.engine.store import Store, StoreError

    path = history_path(db_path)
    if db_path is None and not path.exists():
        return None
    try:
        return Store.read(path)
    except StoreError as error:
        raise _failure(error) from None


def read_history(db_path: Path | None, read: Callable[[Store], T]) -> tuple[Path, T] | None:
    """`read(store)` on the recorded history opened read-only, and the database's path: None when
    the default database does not exist yet (nothing recorded). Failures as in `open_history`."""
    from kefu.engine.store import Store, StoreError

    path = history_path(db_path)
    if db_path is None and not path.exists():
        return None
    try:
        return path, Store.reading(path, read)
    except StoreError as error:
        raise _failure(error) from None


def known_shop(store: Store, shop_id: str | None) -> None:
    """An unknown `--shop` is a `not_found` failure naming the shops the database holds."""
    if shop_id is None:
        return
    shops = store.shops()
    if shop_id not in shops:
        raise KefuError(
            f"no history for shop '{shop_id}' in {store.path}; shops there: {', '.join(shops) or 'none'}",
            Failure.not_found,
        )


def _failure(error: StoreError) -> KefuError:
    return KefuError(str(error), Failure.not_found if error.problem == "missing" else Failure.unusable)
