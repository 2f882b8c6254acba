"""The history on disk: events, the actions they caused, conversations, ratings and the audit log.

SQLite through sqlite-utils; the only module that speaks SQL. Append-only: a step (one event and its
actions) is written once and never changed. Writes go in `BEGIN IMMEDIATE` transactions, so two
processes writing the same file (the terminal UI and a simulation) queue behind each other instead
of failing half-way; WAL lets readers go on meanwhile. Every timestamp comes from the clock the
store is given (never an SQL time default), so a test fixes what is written.

Times are stored twice: `utc` (fixed-width ISO 8601 in UTC, so text order is time order and
`--from/--to` are plain comparisons) and in the line's JSON body exactly as decided, with its offset.
An event's body is its input line as read when it had one with an offset (not serialised again).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import cast

from pydantic import BaseModel, ConfigDict, TypeAdapter
from sqlite_utils import Database

from kefu.engine.events import Action, Changed, CustomerMessage, Denied, Event, Rated, Step

SCHEMA_VERSION = 1
BUSY_TIMEOUT = 30.0  # seconds a writer waits for the other writer's transaction
_EVENT = TypeAdapter(Event)
_ACTION = TypeAdapter(Action)


class StoreError(Exception):
    """A database kefu cannot use: the message says which file and why (one line)."""


class Stored(BaseModel):
    """A step read back, with the run it belongs to."""

    model_config = ConfigDict(frozen=True)

    run: int
    id: int
    shop: str
    event: Event
    actions: tuple[Action, ...]


class Run(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    started: dt.datetime
    source: str
    rules: str
    events: int


class AuditEntry(BaseModel):
    """A setting change or a refused one: who, what, before -> after, when (AR-1, BOT-1, AR-8)."""

    model_config = ConfigDict(frozen=True)

    run: int
    shop: str
    time: dt.datetime
    actor: str
    setting: str
    outcome: str  # changed | denied
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

    @classmethod
    def open(cls, path: Path | str, clock: Callable[[], dt.datetime] = utc_now) -> Store:
        """Open (creating file and folder on first use) and bring the schema up to date."""
        where = str(path)
        try:
            if where != ":memory:":
                Path(where).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(where, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            db = Database(conn)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            if where != ":memory:":
                db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable at each checkpoint, never corrupt
            db.execute("PRAGMA foreign_keys = ON")
            store = cls(db, where, clock)
            store._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{where}: not a kefu database ({error})") from None
        except OSError as error:
            raise StoreError(f"{where}: {error.strerror or error}") from None
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self.version()
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path}: written by a newer kefu (schema {version}; this kefu knows "
                    f"up to {len(MIGRATIONS)}): upgrade kefu"
                )
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

    def runs(self) -> list[Run]:
        rows = self.db.query(
            "SELECT runs.id, started, source, rules, count(events.id) AS events FROM runs "
            "LEFT JOIN events ON events.run = runs.id GROUP BY runs.id ORDER BY runs.id"
        )
        return [Run(**row) for row in rows]

    def shops(self) -> list[str]:
        return [row["shop"] for row in self.db.query("SELECT DISTINCT shop FROM events ORDER BY shop")]

    def zones(self) -> dict[str, str]:
        """Each shop's time zone, as its latest run knew it."""
        return {row["id"]: row["timezone"] for row in self.db.query("SELECT id, timezone FROM shops ORDER BY run")}

    def steps(self, shop: str | None = None, run: int | None = None) -> Iterator[Stored]:
        """Every stored step in the order it was written (two writers' runs interleave). Streams."""
        where, params = _filters(shop=shop, run=run)
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
                outcome=r[5],
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


def _filters(shop: str | None = None, run: int | None = None) -> tuple[str, dict[str, object]]:
    clauses: list[str] = []
    params: dict[str, object] = {}
    if shop is not None:
        clauses.append("shop = :shop")
        params["shop"] = shop
    if run is not None:
        clauses.append("run = :run")
        params["run"] = run
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
        row.update(outcome="changed", before=action.before, after=action.after)
    else:
        row.update(outcome="denied", value=action.value, reason=action.reason)
    return row
