"""Opening the recorded history (the SQLite store) for a command that reads it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kefu.tui.errors import Failure, KefuError

if TYPE_CHECKING:
    from kefu.engine.store import Store


def history_path(db_path: Path | None) -> Path:
    """The database a reading command looks at: `--db`, or `$KEFU_DB`, or kefu.db in the data folder."""
    from kefu.engine.store import default_path

    return db_path or default_path()


def open_history(db_path: Path | None) -> Store | None:
    """The recorded history: None when the default database does not exist yet (nothing recorded);
    a missing `--db` file is a `not_found` failure, a file kefu cannot read an `unusable` one."""
    from kefu.engine.store import Store, StoreError

    path = history_path(db_path)
    if not path.is_file():
        if db_path is not None:
            raise KefuError(f"{path}: no such file", Failure.not_found)
        return None
    try:
        return Store.open(path)
    except StoreError as error:
        raise KefuError(str(error), Failure.unusable) from None
