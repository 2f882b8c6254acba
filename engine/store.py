"""The history on disk: events, the actions they caused, conversations, ratings and the audit log.

SQLite through sqlite-utils; the only module that speaks SQL. Append-only: a step (one event and its
actions) is written once and never changed. Writes go in `BEGIN IMMEDIATE` transactions, so two
processes writing the same file (the terminal UI and a simulation) queue behind each other instead
of failing half-way; WAL lets readers go on meanwhile. Every timestamp comes from the clock the
store is given (never an SQL time default), so a test fixes what is written.

Times are stored twice: `utc` (fixed-width ISO 8601 in UTC, so text order is time order and
`--from/--to` are plain comparisons) and in the line's JSON body exactly as decided, with its offset.
An event's body is its input line as read when it had one with an offset (not serialised again).

Commands that only read (`kefu metrics`, `kefu audit`) open with `Store.reading`: SQLite's read-only
mode, never creating, migrating or writing the file, and each way a file can be unusable is a
`StoreError` of its own `problem` (docs/history.md). Only `Store.open`, for commands that write,
creates a database or brings an older one up to date.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, TypeAdapter
from sqlite_utils import Database

from kefu.engine.events import Action, Changed, CustomerMessage, Denied, Event, Rated, Step

SCHEMA_VERSION = 1
READABLE_FROM = 1  # the oldest schema a reading command reads as it is; older ones need a writing command
BUSY_TIMEOUT = 30.0  # seconds a writer waits for the other writer's transaction
SQLITE_HEADER = b"SQLite format 3\x00"
KEFU_TABLES = ("runs", "shops", "events", "actions", "conversations", "ratings", "audit")
_EVENT = TypeAdapter(Event)
_ACTION = TypeAdapter(Action)
T = TypeVar("T")

# What is wrong with a database kefu was asked to read: missing (no such file), unreadable (kefu may
# not read it), not_kefu (empty, not SQLite, SQLite without kefu's tables, damaged), newer (written by a
# newer kefu), older (needs a writing command to migrate it first).
Problem = Literal["missing", "unreadable", "not_kefu", "newer", "older"]


class StoreError(Exception):
    """A database kefu cannot use: the message says which file and why (one line); `problem` which kind."""

    def __init__(self, message: str, problem: Problem = "not_kefu") -> None:
        super().__init__(message)
        self.problem: Problem = problem


class Stored(BaseModel):
    """A step read back, with the run it belongs to."""

    model_config = ConfigDict(frozen=True)

    run: int
    id: int
    shop: str
    event: Event
    actions: tuple[Action, ...]


class Run(BaseModel):
    """A recorded run (one `kefu simulate --db`, one UI session): when it started, what it played."""

    model_config = ConfigDict(frozen=True)

    id: int
    started: dt.datetime
    source: str
    rules: str
    events: int


class Held(BaseModel):
    """How many events of one shop one run recorded."""

    model_config = ConfigDict(frozen=True)

    run: int
    shop: str
    events: int


class AuditEntry(BaseModel):
    """A setting change or a refused one: who, what, before -> after, when (AR-1, BOT-1, AR-8)."""

    model_config = ConfigDict(frozen=True)

    run: int
    shop: str
    time: dt.datetime
    actor: str
    setting: str
    outcome: str  # changed | unchanged (set to the value it had) | denied
    changed: bool  # the setting's value changed: outcome "changed" only
    before: str | None = None
    after: str | None = None
    value: str | None = None  # what a denied change asked for
    reason: str | None = None
    recorded: dt.datetime


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_path() -> Path:
    """KEFU_DB, else one file in the user's data directory (created on first use)."""
    override = os.environ.get("KEFU_DB")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("kefu", appauthor=False)) / "kefu.db"


def utc_text(instant: dt.datetime) -> str:
    """Fixed-width UTC text: its order is time order."""
    offset = instant.utcoffset()
    if offset is None:
        raise ValueError("the store keeps instants with their offset")
    # what astimezone(UTC) computes, without building the aware result (half the time per event)
    return (instant.replace(tzinfo=None) - offset).isoformat(timespec="microseconds") + "Z"


def json_line(model: BaseModel) -> str:
    """`model.model_dump_json(exclude_none=True)`, straight from the model's serializer."""
    return model.__pydantic_serializer__.to_json(model, exclude_none=True).decode()


# -- schema and migrations --------------------------------------------------------------------


def _v1(db: Database) -> None:
    db.table("runs").create({"id": int, "started": str, "source": str, "rules": str}, pk="id")
    db.table("shops").create(
        {"run": int, "id": str, "name": str, "timezone": str}, pk=("run", "id"), foreign_keys=[("run", "runs", "id")]
    )
    db.table("events").create(
        {
            "id": int,
            "run": int,
            "shop": str,
            "line": int,
            "utc": str,
            "type": str,
            "conversation": str,
            "body": str,
            "recorded": str,
        },
        pk="id",
        foreign_keys=[("run", "runs", "id")],
        not_null={"run", "shop", "utc", "type", "body"},
    )
    db.table("actions").create(
        {
            "id": int,
            "event": int,
            "run": int,
            "shop": str,
            "utc": str,
            "type": str,
            "conversation": str,
            "body": str,
        },
        pk="id",
        foreign_keys=[("event", "events", "id")],
        not_null={"event", "shop", "utc", "type", "body"},
    )
    db.table("conversations").create(
        {
            "run": int,
            "shop": str,
            "id": str,
            "customer": str,
            "first": str,
            "last": str,
            "messages": int,
        },
        pk=("run", "shop", "id"),
    )
    db.table("ratings").create(
        {
            "id": int,
            "run": int,
            "shop": str,
            "event": int,
            "utc": str,
            "conversation": str,
            "solved": int,
            "reason": str,
            "text": str,
            "sender": str,
            "entry": str,
        },
        pk="id",
    )
    db.table("audit").create(
        {
            "id": int,
            "run": int,
            "shop": str,
            "event": int,
            "utc": str,
            "actor": str,
            "setting": str,
            "outcome": str,
            "before": str,
            "after": str,
            "value": str,
            "reason": str,
            "body": str,
            "recorded": str,
        },
        pk="id",
    )
    db.table("events").create_index(["shop", "utc"])  # --shop, --from, --to
    # no index on actions(event): actions are written in event order, so their ids are in event order
    db.table("audit").create_index(["shop", "utc"])


RATING_COLUMNS = ("run", "shop", "event", "utc", "conversation", "solved", "reason", "text", "sender", "entry")
AUDIT_COLUMNS = (
    "run",
    "shop",
    "event",
    "utc",
    "actor",
    "setting",
    "outcome",
    "before",
    "after",
    "value",
    "reason",
    "body",
    "recorded",
)

MIGRATIONS: tuple[Callable[[Database], None], ...] = (_v1,)  # MIGRATIONS[n] takes version n to n + 1


# -- the store --------------------------------------------------------------------------------


class Store:
    """One database file. Open it with `Store.open(path)`; close it (or use `with`)."""

    def __init__(self, db: Database, path: str, clock: Callable[[], dt.datetime]) -> None:
        self.db = db
        self.path = path
        self.clock = clock
        self._snapshot: tuple[int, int, int] | None = None  # the file as an immutable read found it

    @classmethod
    def open(cls, path: Path | str, clock: Callable[[], dt.datetime] = utc_now) -> Store:
        """Open (creating file and folder on first use) and bring the schema up to date."""
        where = str(path)
        try:
            if where != ":memory:":
                Path(where).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(where, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{where}: kefu cannot open it ({error})", "unreadable") from None
        except OSError as error:
            raise StoreError(f"{where}: {error.strerror or error}") from None
        db = Database(conn)
        store = cls(db, where, clock)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            store._refuse_foreign()  # before anything is written, WAL mode included
            store._refuse_newer()
            if where != ":memory:":
                db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable at each checkpoint, never corrupt
            db.execute("PRAGMA foreign_keys = ON")
            store._migrate()
        except sqlite3.DatabaseError as error:
            store.close()
            raise StoreError(f"{where}: not a kefu database ({error})") from None
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def reading(cls, path: Path | str, read: Callable[[Store], T]) -> T:
        """`read(store)` on the database opened read-only (`Store.read`), closed afterwards.

        A database no connection has open (no -wal file beside it) is read as immutable, so SQLite
        creates no -wal and -shm files next to it either. Should a writer come meanwhile (its -wal
        file appears) or the file change (a checkpoint), that read may be torn or stale: it is done
        again the ordinary read-only way, which sees writers (through the -shm file they share)."""
        store = cls.read(path, shared=False)
        try:
            result = _read_closing(store, read)
        except Exception:
            if store.unchanged():
                raise
        else:
            if store.unchanged():
                return result
        return _read_closing(cls.read(path, shared=True), read)

    @classmethod
    def read(cls, path: Path | str, shared: bool = True) -> Store:
        """Open an existing kefu database read-only: never created, migrated or written. Each way the
        file can be unusable is a `StoreError` with its own `problem`. `shared=False` reads a file no
        connection has open as immutable (see `reading`, which checks it stayed so)."""
        file = Path(path)
        where = str(path)
        header = _header(file)
        if not header:
            raise StoreError(f"{where}: an empty file, not a kefu database")
        if not header.startswith(SQLITE_HEADER):
            raise StoreError(f"{where}: not a kefu database (not an SQLite file)")
        immutable = not shared and not Path(where + "-wal").exists()
        snapshot = _fingerprint(file) if immutable else None
        uri = file.absolute().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise StoreError(f"{where}: kefu cannot open it ({error})", "unreadable") from None
        store = cls(Database(conn), where, utc_now)
        store._snapshot = snapshot
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            store._check_readable()
        except sqlite3.OperationalError as error:
            store.close()
            raise StoreError(f"{where}: kefu cannot read it ({error})", "unreadable") from None
        except sqlite3.DatabaseError as error:
            store.close()
            raise StoreError(f"{where}: not a kefu database ({error})") from None
        except StoreError:
            store.close()
            raise
        return store

    def unchanged(self) -> bool:
        """False when the file an immutable read looked at may have changed since it was opened: it
        is not the same size, inode and time of last change, or a writer has come (its -wal file;
        the time of change alone could miss a checkpoint within the clock tick of the last write)."""
        if self._snapshot is None:
            return True
        try:
            return _fingerprint(Path(self.path)) == self._snapshot and not Path(self.path + "-wal").exists()
        except OSError:
            return False

    def _tables(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _check_readable(self) -> None:
        """The schema is one this kefu reads as it is, with all of kefu's tables."""
        version = self.version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer kefu (schema {version}; this kefu reads up to "
                f"{SCHEMA_VERSION}): upgrade kefu to read it",
                "newer",
            )
        tables = self._tables()
        if version == 0:
            what = "an SQLite database without kefu's tables" if tables else "an empty SQLite database"
            raise StoreError(f"{self.path}: not a kefu database ({what})")
        if version < READABLE_FROM:
            raise StoreError(
                f"{self.path}: written by an older kefu (schema {version}; this kefu reads {READABLE_FROM} to "
                f"{SCHEMA_VERSION}): a command that writes, such as kefu simulate --db, upgrades it first",
                "older",
            )
        missing = [table for table in KEFU_TABLES if table not in tables]
        if missing:
            raise StoreError(f"{self.path}: not a kefu database (schema {version} without table {missing[0]})")

    def _refuse_foreign(self) -> None:
        """A writing command creates kefu's tables in a new or empty database only, never in another
        program's SQLite file (schema 0 with tables of its own)."""
        if self.path != ":memory:" and self.version() == 0:
            tables = sorted(self._tables())
            if tables:
                raise StoreError(
                    f"{self.path}: not a kefu database (an SQLite database with other tables: {', '.join(tables[:3])}"
                    f"{', ...' if len(tables) > 3 else ''}); kefu records into a new file or a kefu database"
                )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer(self) -> None:
        version = self.version()
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: written by a newer kefu (schema {version}; this kefu knows "
                f"up to {len(MIGRATIONS)}): upgrade kefu",
                "newer",
            )

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self._refuse_newer()  # again: another kefu may have written the file since
            version = self.version()
            for migrate in MIGRATIONS[version:]:
                migrate(self.db)
            self.db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.rollback()
            raise

    # -- writing ----------------------------------------------------------------------------

    def start_run(self, source: str, rules: str, shops: Sequence[tuple[str, str, str]] = ()) -> int:
        """A new run (one simulation, one UI session): every step belongs to one. `shops` are the
        (id, name, time zone) of the shops it plays, so metrics read periods on each shop's clock."""
        with self._immediate():
            cursor = self.db.execute(
                "INSERT INTO runs (started, source, rules) VALUES (?, ?, ?)", [utc_text(self.clock()), source, rules]
            )
            run = int(cursor.lastrowid or 0)
            self.db.conn.executemany(
                "INSERT INTO shops (run, id, name, timezone) VALUES (?, ?, ?, ?)", [(run, *shop) for shop in shops]
            )
            return run

    def record_shops(self, run: int, shops: Sequence[tuple[str, str, str]]) -> None:
        """The (id, name, time zone) of shops a run plays from now on, as `start_run` records them: a
        shop the rules gained while the run went on, or one whose name or zone changed (rules reloaded)."""
        with self._immediate():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO shops (run, id, name, timezone) VALUES (?, ?, ?, ?)",
                [(run, *shop) for shop in shops],
            )

    def append(self, run: int, steps: Sequence[Step]) -> list[tuple[str, ...]]:
        """Write steps in one transaction: all of them or none. Return only once committed, with
        each step's actions as the JSON lines now on disk (what `kefu simulate --json` prints).

        Rows are built before the write lock is taken, so another writer waits only for the
        inserts; they go through `executemany` with prepared statements, because sqlite-utils'
        `insert_all` inspects every value (and the table's columns, on every call) and took half of
        the write time in bench/engine.py."""
        if not steps:
            return []
        recorded = utc_text(self.clock())
        events: list[tuple[object, ...]] = []
        actions: list[tuple[object, ...]] = []  # (index of the step, ...)
        ratings: list[tuple[int, dict[str, object]]] = []
        audit: list[tuple[int, dict[str, object]]] = []
        bodies: list[tuple[str, ...]] = []
        conversations: dict[tuple[str, str], dict[str, object]] = {}
        for index, step in enumerate(steps):
            event = step.event
            when = utc_text(event.time)
            events.append(
                (
                    run,
                    step.shop,
                    step.line,
                    when,
                    event.type,
                    getattr(event, "conversation", None),
                    step.raw if step.raw is not None else json_line(event),
                    recorded,
                )
            )
            if isinstance(event, CustomerMessage):
                _count_message(conversations, run, step.shop, event, when)
            written = []
            for action in step.actions:
                body = json_line(action)
                written.append(body)
                actions.append(
                    (
                        index,
                        run,
                        step.shop,
                        when if action.time is event.time else utc_text(action.time),  # decide gives them its time
                        action.type,
                        getattr(action, "conversation", None),
                        body,
                    )
                )
                if isinstance(action, Rated):
                    ratings.append((index, _rating_row(run, step.shop, action)))
                elif isinstance(action, (Changed, Denied)):
                    audit.append((index, _audit_row(run, step.shop, action, body, recorded)))
            bodies.append(tuple(written))
        with self._immediate():
            first = self._next_id("events")
            self.db.conn.executemany(
                "INSERT INTO events (id, run, shop, line, utc, type, conversation, body, recorded) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(first + i, *row) for i, row in enumerate(events)],
            )
            self.db.conn.executemany(
                "INSERT INTO actions (event, run, shop, utc, type, conversation, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(first + cast(int, row[0]), *row[1:]) for row in actions],
            )
            for table, columns, rows in (("ratings", RATING_COLUMNS, ratings), ("audit", AUDIT_COLUMNS, audit)):
                if rows:
                    self.db.conn.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
                        [{**dict.fromkeys(columns), **row, "event": first + index} for index, row in rows],
                    )
            self.db.conn.executemany(
                "INSERT INTO conversations (run, shop, id, customer, first, last, messages) "
                "VALUES (:run, :shop, :id, :customer, :first, :last, :messages) "
                "ON CONFLICT (run, shop, id) DO UPDATE SET last = excluded.last, "
                "messages = messages + excluded.messages, customer = coalesce(excluded.customer, customer)",
                [{"customer": None, **row} for row in conversations.values()],
            )
        return bodies

    def _next_id(self, table: str) -> int:
        return int(self.db.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])

    def _immediate(self) -> _Transaction:
        return _Transaction(self.db)

    # -- reading ----------------------------------------------------------------------------

    def runs(self, held: Sequence[Held] | None = None) -> list[Run]:
        """Every run, oldest first, with the events it recorded: counted from `held` when given
        (what `held()` returned), else in one pass over the events (a join took twice as long)."""
        counts: dict[int, int] = {}
        if held is None:
            for run, events in self.db.execute("SELECT run, count(*) FROM events GROUP BY run"):
                counts[run] = events
        else:
            for h in held:
                counts[h.run] = counts.get(h.run, 0) + h.events
        rows = self.db.execute("SELECT id, started, source, rules FROM runs ORDER BY id")
        return [
            Run(id=run, started=started, source=source, rules=rules, events=counts.get(run, 0))
            for run, started, source, rules in rows
        ]

    def shops(self) -> list[str]:
        """The shops the history holds events of."""
        return [row["shop"] for row in self.db.query("SELECT DISTINCT shop FROM events ORDER BY shop")]

    def held(self) -> list[Held]:
        """How many events of which shop each run recorded, by run and shop."""
        rows = self.db.execute("SELECT run, shop, count(*) FROM events GROUP BY run, shop ORDER BY run, shop")
        return [Held(run=run, shop=shop, events=events) for run, shop, events in rows]

    def zones(self) -> dict[str, str]:
        """Each shop's time zone, as its latest run knew it."""
        return {row["id"]: row["timezone"] for row in self.db.query("SELECT id, timezone FROM shops ORDER BY run")}

    def steps(
        self, shop: str | None = None, run: int | None = None, runs: Sequence[int] | None = None
    ) -> Iterator[Stored]:
        """Every stored step in the order it was written (two writers' runs interleave), of `run`
        or of `runs` when given. Streams."""
        where, params = _filters(shop=shop, run=run, runs=runs)
        events = self.db.execute(f"SELECT id, run, shop, body FROM events{where} ORDER BY id", params)
        actions = self.db.execute(
            f"SELECT event, body FROM actions WHERE event IN (SELECT id FROM events{where}) ORDER BY id", params
        )
        pending = actions.fetchone()
        for event_id, run_id, shop_id, body in events:
            done: list[Action] = []
            while pending is not None and pending[0] < event_id:
                pending = actions.fetchone()
            while pending is not None and pending[0] == event_id:
                done.append(_ACTION.validate_json(pending[1]))
                pending = actions.fetchone()
            yield Stored(run=run_id, id=event_id, shop=shop_id, event=_EVENT.validate_json(body), actions=tuple(done))

    def count(self, table: str) -> int:
        if table not in ("events", "actions", "conversations", "ratings", "audit", "runs"):
            raise ValueError(f"no table {table}")
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def action_bodies(self, run: int | None = None) -> list[str]:
        where, params = _filters(run=run)
        return [row[0] for row in self.db.execute(f"SELECT body FROM actions{where} ORDER BY id", params)]

    def audit(self, shop: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first. A change to the value the setting already had is `unchanged`
        (older databases stored it as `changed`, with the same value before and after)."""
        where, params = _filters(shop=shop)
        rows = self.db.execute(
            f"SELECT run, shop, body, actor, setting, outcome, before, after, value, reason, recorded "
            f"FROM audit{where} ORDER BY id",
            params,
        )
        return [
            AuditEntry(
                run=r[0],
                shop=r[1],
                time=json.loads(r[2])["time"],
                actor=r[3],
                setting=r[4],
                outcome="unchanged" if r[5] == "changed" and r[6] == r[7] else r[5],
                changed=r[5] == "changed" and r[6] != r[7],
                before=r[6],
                after=r[7],
                value=r[8],
                reason=r[9],
                recorded=r[10],
            )
            for r in rows
        ]

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front (waiting up to the busy timeout)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, *rest: object) -> None:
        if kind is None:
            self.db.execute("COMMIT")
        else:
            self.db.rollback()


def _read_closing(store: Store, read: Callable[[Store], T]) -> T:
    """`read(store)`, then close the store; an SQLite error meanwhile is a `StoreError`."""
    with store:
        try:
            return read(store)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{store.path}: kefu cannot read it ({error})", "unreadable") from None


def _header(file: Path) -> bytes:
    """The first bytes of the file (empty for an empty file); a file kefu cannot read is a `StoreError`."""
    try:
        with file.open("rb") as stream:
            return stream.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise StoreError(f"{file}: no such file", "missing") from None
    except IsADirectoryError:
        raise StoreError(f"{file}: is a folder, not a kefu database") from None
    except PermissionError:
        raise StoreError(f"{file}: kefu may not read it (permission denied)", "unreadable") from None
    except OSError as error:
        raise StoreError(f"{file}: kefu cannot read it ({error.strerror or error})", "unreadable") from None


def _fingerprint(file: Path) -> tuple[int, int, int]:
    info = file.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns


def _filters(
    shop: str | None = None, run: int | None = None, runs: Sequence[int] | None = None
) -> tuple[str, dict[str, object]]:
    clauses: list[str] = []
    params: dict[str, object] = {}
    if shop is not None:
        clauses.append("shop = :shop")
        params["shop"] = shop
    if run is not None:
        clauses.append("run = :run")
        params["run"] = run
    if runs is not None:
        clauses.append(f"run IN ({', '.join(str(int(r)) for r in runs) or 'NULL'})")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _count_message(
    conversations: dict[tuple[str, str], dict[str, object]], run: int, shop: str, event: CustomerMessage, when: str
) -> None:
    row = conversations.setdefault(
        (shop, event.conversation),
        {"run": run, "shop": shop, "id": event.conversation, "first": when, "messages": 0},
    )
    row["last"] = when
    row["messages"] = cast(int, row["messages"]) + 1
    if event.customer:
        row["customer"] = event.customer


def _rating_row(run: int, shop: str, rated: Rated) -> dict[str, object]:
    return {
        "run": run,
        "shop": shop,
        "utc": utc_text(rated.time),
        "conversation": rated.conversation,
        "solved": int(rated.solved),
        "reason": rated.reason.value if rated.reason else None,
        "text": rated.text,
        "sender": rated.sender.value if rated.sender else None,
        "entry": rated.entry,
    }


def _audit_row(run: int, shop: str, action: Changed | Denied, body: str, recorded: str) -> dict[str, object]:
    row: dict[str, object] = {
        "run": run,
        "shop": shop,
        "utc": utc_text(action.time),
        "actor": action.actor,
        "setting": action.setting,
        "body": body,
        "recorded": recorded,
    }
    if isinstance(action, Changed):
        outcome = "changed" if action.before != action.after else "unchanged"  # set to the value it had
        row.update(outcome=outcome, before=action.before, after=action.after)
    else:
        row.update(outcome="denied", value=action.value, reason=action.reason)
    return row
