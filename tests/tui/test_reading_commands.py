"""Issue 10 §6: `kefu metrics` and `kefu audit` only read the history. They never create, migrate or
write the database, each unusable file gets its own one-line message, an unknown shop is the same
failure in both, metrics count each shop's latest run unless told otherwise and say which runs, and a
setting set to the value it had is audited as unchanged."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from unittest.mock import ANY

import pytest

import kefu.engine.store as store_module
from kefu.engine.store import SCHEMA_VERSION, Store
from tests.conftest import RULES
from tests.tui.test_cli import run
from tests.tui.test_engine_commands import NIGHT, jsonl

TW = str(RULES / "shops" / "tw")
SG = str(RULES / "shops" / "sg")
READING = {
    "metrics": ["metrics"],
    "metrics --json": ["metrics", "--json"],
    "metrics --runs": ["metrics", "--runs"],
    "metrics --all-runs": ["metrics", "--all-runs", "--json"],
    "metrics --runs --json": ["metrics", "--runs", "--json"],
    "audit": ["audit"],
    "audit --json": ["audit", "--json"],
}
OWNER_SWITCHES = [  # mia owns shop tw; the bot is on until she turns it off
    {"type": "setting_change", "time": "2026-11-25T09:00", "actor": "mia", "setting": "bot", "value": "on"},
    {"type": "setting_change", "time": "2026-11-25T09:01", "actor": "mia", "setting": "bot", "value": "off"},
    {"type": "setting_change", "time": "2026-11-25T09:02", "actor": "amy", "setting": "bot", "value": "on"},
]


def simulate(capsys: pytest.CaptureFixture[str], db: Path, events: list[object], rules: str = TW) -> None:
    folder = db.parent / f"events-{len(list(db.parent.glob('events-*')))}"
    folder.mkdir()
    code, _, err = run(capsys, "simulate", rules, "--events", str(jsonl(folder, events)), "--db", str(db), "--json")
    assert code == 0, err


def recorded(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """A kefu database with one run of the night's events, written and closed by kefu simulate."""
    db = tmp_path / "data" / "kefu.db"
    db.parent.mkdir()
    simulate(capsys, db, NIGHT)
    return db


def folder_state(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file in the folder: its bytes, mtime and mode (a new -wal or -shm file shows too)."""
    return {
        path.name: (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode)
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def sqlite_file(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def newer(db: Path) -> None:
    sqlite_file(db, f"PRAGMA user_version = {SCHEMA_VERSION + 5}")


# case: (how to make the file from a database kefu recorded, exit status, what the message says)
CASES: dict[str, tuple[Callable[[Path], object], int, str]] = {
    "no such file": (lambda db: db.unlink(), 2, "{db}: no such file"),
    "an empty file": (lambda db: db.write_bytes(b""), 2, "{db}: an empty file, not a kefu database"),
    "a text file": (
        lambda db: db.write_text("shopping list\n" * 50),
        2,
        "{db}: not a kefu database (not an SQLite file)",
    ),
    "SQLite without kefu's tables": (
        lambda db: (db.unlink(), sqlite_file(db, "CREATE TABLE notes (text)", "INSERT INTO notes VALUES ('x')")),
        2,
        "{db}: not a kefu database (an SQLite database without kefu's tables)",
    ),
    "written by a newer kefu": (
        newer,
        2,
        f"{{db}}: written by a newer kefu (schema {SCHEMA_VERSION + 5}; this kefu reads up to {SCHEMA_VERSION}): "
        "upgrade kefu to read it",
    ),
    "a read-only kefu database": (lambda db: db.chmod(0o444), 0, ""),
    "a kefu database": (lambda db: None, 0, ""),
}


@pytest.mark.parametrize("command", READING)
@pytest.mark.parametrize("case", CASES)
def test_reading_commands_leave_every_file_as_it_was_and_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    """The database's bytes, mtime and mode, and the folder's files, are the same after the command
    (no -wal or -shm file appears, nothing is created, migrated or written); each unusable file gets
    its own one-line message and exit 2."""
    db = recorded(capsys, tmp_path)
    make, status, message = CASES[case]
    make(db)
    before = folder_state(db.parent)
    code, out, err = run(capsys, *READING[command], "--db", str(db))
    assert folder_state(db.parent) == before
    assert code == status, err
    if status:
        assert (out, err) == ("", f"kefu {command.split()[0]}: error: {message.format(db=db)}\n")
    else:
        assert "tw" in out and "error" not in err


def test_a_database_kefu_may_not_read_is_its_own_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, who may read anything: the refusal is the operating system's, mocked."""
    db = recorded(capsys, tmp_path)
    before = folder_state(db.parent)
    opened = Path.open

    def refuse(path: Path, *args: object, **kwargs: object) -> object:
        if path == db:
            raise PermissionError(13, "Permission denied", str(path))
        return opened(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refuse)
    for command in ("metrics", "audit"):
        code, out, err = run(capsys, command, "--db", str(db))
        assert (code, out, err) == (2, "", f"kefu {command}: error: {db}: kefu may not read it (permission denied)\n")
    monkeypatch.setattr(Path, "open", opened)

    def unable(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store_module.sqlite3, "connect", unable)
    code, _, err = run(capsys, "metrics", "--db", str(db))
    assert (code, err) == (2, f"kefu metrics: error: {db}: kefu cannot open it (unable to open database file)\n")
    assert folder_state(db.parent) == before


def test_an_older_database_this_kefu_cannot_read_as_it_is_points_to_a_writing_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were schema 2 to change what readers read, a schema-1 database would need migrating first: a
    reading command says so and migrates nothing; one that writes brings it up to date."""
    db = recorded(capsys, tmp_path)
    before = folder_state(db.parent)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store_module, "READABLE_FROM", 2)
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, lambda db: None))
    for command in ("metrics", "audit"):
        code, out, err = run(capsys, command, "--db", str(db))
        assert (code, out) == (2, "")
        assert err == (
            f"kefu {command}: error: {db}: written by an older kefu (schema 1; this kefu reads 2 to 2): "
            "a command that writes, such as kefu simulate --db, upgrades it first\n"
        )
    assert folder_state(db.parent) == before
    simulate(capsys, db, NIGHT[:1])
    assert run(capsys, "metrics", "--db", str(db))[0] == 0


def test_a_read_only_database_is_opened_so_that_sqlite_refuses_any_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = recorded(capsys, tmp_path)
    db.chmod(0o444)
    with Store.read(db) as store:
        assert store.count("events") == 6
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM events")


def test_reading_while_a_writer_has_the_database_open_sees_what_it_committed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a writer there (its -wal file beside the database), the read goes through the writer's
    shared files and sees its committed steps, which are not in the database file yet."""
    db = recorded(capsys, tmp_path)
    with Store.open(db) as writer:
        writer.start_run("more.jsonl", TW)
        assert Path(f"{db}-wal").exists()
        code, out, _ = run(capsys, "metrics", "--runs", "--json", "--db", str(db))
        assert code == 0 and [r["id"] for r in json.loads(out)["runs"]] == [1, 2]


def test_the_default_database_missing_is_no_history_yet_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "data" / "kefu" / "kefu.db"
    monkeypatch.setenv("KEFU_DB", str(default))
    for name, command in READING.items():
        code, out, err = run(capsys, *command)
        assert code == 0
        if "--json" in command:
            assert json.loads(out)["db"] == str(default) and err == ""
        else:
            assert out == "" and "no history yet" in err
        if name in ("metrics --json", "metrics --all-runs"):
            assert json.loads(out) == {"db": str(default), "selection": ANY, "runs": [], "periods": []}
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command", ["metrics", "metrics --json", "metrics --all-runs", "metrics --runs", "audit", "audit --json"]
)
def test_an_unknown_shop_is_not_found_naming_the_shops_there_in_every_reading_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    db = recorded(capsys, tmp_path)
    code, out, err = run(capsys, *READING[command], "--db", str(db), "--shop", "sg")
    assert (code, out) == (2, "")
    assert err == f"kefu {command.split()[0]}: error: no history for shop 'sg' in {db}; shops there: tw\n"


def test_a_known_shop_without_setting_changes_is_an_empty_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = recorded(capsys, tmp_path)
    simulate(capsys, db, [{"type": "tick", "time": "2026-11-25T09:00"}], rules=SG)
    code, out, err = run(capsys, "audit", "--db", str(db), "--shop", "sg")
    assert (code, out, err) == (0, "", "kefu audit: no setting changes recorded for shop sg\n")


def metrics_json(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> dict[str, object]:
    code, out, err = run(capsys, "metrics", "--db", str(db), "--json", *args)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def sessions(report: dict[str, object]) -> dict[str, int]:
    return {p["shop"]: p["sessions"] for p in report["periods"]}  # type: ignore[attr-defined]


def test_metrics_count_the_latest_run_unless_told_to_combine_and_say_which_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same events replayed twice into one database counted every session twice by default."""
    db = recorded(capsys, tmp_path)
    once = metrics_json(capsys, db)
    simulate(capsys, db, NIGHT)
    latest = metrics_json(capsys, db)
    assert sessions(once) == sessions(latest) == {"tw": 1}
    assert latest["selection"] == "latest"
    assert [(r["id"], r["events"], r["source"].endswith(".jsonl")) for r in latest["runs"]] == [(2, 6, True)]  # type: ignore[attr-defined]
    assert [p["runs"] for p in latest["periods"]] == [[2]]  # type: ignore[attr-defined]
    combined = metrics_json(capsys, db, "--all-runs")
    assert sessions(combined) == {"tw": 2} and combined["selection"] == "all"
    assert [p["runs"] for p in combined["periods"]] == [[1, 2]]  # type: ignore[attr-defined]
    chosen = metrics_json(capsys, db, "--run", "1", "--run", "2")
    assert chosen["periods"] == combined["periods"] and chosen["selection"] == "chosen"
    assert sessions(metrics_json(capsys, db, "--run", "1")) == {"tw": 1}
    code, out, _ = run(capsys, "metrics", "--db", str(db))
    started = [r["started"][:19].replace("T", " ") for r in latest["runs"]]  # type: ignore[index]
    assert code == 0
    assert f"  run 2, started {started[0]} UTC, 6 events of shop tw (the latest of 2 runs; --all-runs" in out
    code, out, _ = run(capsys, "metrics", "--db", str(db), "--all-runs")
    assert re.search(r"  runs 1, 2, started \S+ \S+ to \S+ \S+ UTC, 12 events of shop tw\n", out)


def test_metrics_take_each_shops_own_latest_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = recorded(capsys, tmp_path)
    simulate(
        capsys, db, [{"type": "customer_message", "time": "2026-11-25T10:00", "conversation": "s", "text": "hi"}], SG
    )
    report = metrics_json(capsys, db)
    assert sessions(report) == {"sg": 1, "tw": 1}
    code, out, _ = run(capsys, "metrics", "--db", str(db), "--runs", "--shop", "sg", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)["runs"]] == [2]
    assert [(p["shop"], p["runs"]) for p in report["periods"]] == [("sg", [2]), ("tw", [1])]  # type: ignore[attr-defined]


def test_metrics_runs_that_are_not_there_or_do_not_go_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = recorded(capsys, tmp_path)
    code, _, err = run(capsys, "metrics", "--db", str(db), "--run", "7")
    assert (code, err) == (2, f"kefu metrics: error: no run 7 in {db}; runs there: 1\n")
    code, _, err = run(capsys, "metrics", "--db", str(db), "--run", "1", "--all-runs")
    assert code == 2 and "--run and --all-runs exclude each other" in err
    simulate(capsys, db, [{"type": "tick", "time": "2026-11-25T09:00"}], rules=SG)
    code, _, err = run(capsys, "metrics", "--db", str(db), "--run", "2", "--shop", "tw")
    assert (code, err) == (2, "kefu metrics: error: run 2 holds no events of shop 'tw'; its runs: 1\n")
    code, out, err = run(capsys, "metrics", "--db", str(db), "--shop", "sg")  # a tick opens no session
    assert (code, out) == (0, "")
    assert re.fullmatch(
        rf"kefu metrics: no sessions in {re.escape(str(db))} for that choice \(run 2, .* 1 event of shop sg\)\n", err
    )


def test_a_setting_set_to_the_value_it_had_is_audited_as_unchanged_and_not_counted_as_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kefu.db"
    simulate(capsys, db, OWNER_SWITCHES)
    code, out, err = run(capsys, "audit", "--db", str(db))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("mia        bot              unchanged: on")
    assert lines[1].endswith("mia        bot              on -> off")
    assert err == "kefu audit: 1 changed, 1 unchanged, 1 refused\n"
    code, out, _ = run(capsys, "audit", "--db", str(db), "--json")
    report = json.loads(out)
    assert [(e["outcome"], e["changed"], e["before"], e["after"]) for e in report["entries"]] == [
        ("unchanged", False, "on", "on"),
        ("changed", True, "on", "off"),
        ("denied", False, None, None),
    ]
    assert report["counts"] == {"changed": 1, "unchanged": 1, "denied": 1}


def test_kefu_simulate_shows_a_setting_set_to_the_value_it_had_as_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    code, out, _ = run(capsys, "simulate", TW, "--events", str(jsonl(folder, OWNER_SWITCHES)), "--no-db")
    assert code == 0
    assert "     → unchanged bot: on (by mia)" in out.splitlines()
    assert "     → changed bot: on -> off (by mia)" in out.splitlines()


def test_an_older_databases_change_to_the_same_value_is_read_as_unchanged(tmp_path: Path) -> None:
    """Before this, the store wrote such a change with outcome `changed`; reading says unchanged."""
    db = tmp_path / "kefu.db"
    with Store.open(db) as store:
        store.start_run("a.jsonl", TW)
    sqlite_file(
        db,
        "INSERT INTO audit (run, shop, event, utc, actor, setting, outcome, before, after, body, recorded) VALUES "
        "(1, 'tw', 1, '2026-11-25T01:00:00.000000Z', 'mia', 'bot', 'changed', 'on', 'on', "
        "'{\"time\": \"2026-11-25T09:00:00+08:00\"}', '2026-11-25T01:00:00.000000Z')",
    )
    with Store.read(db) as store:
        ((entry),) = store.audit()
    assert (entry.outcome, entry.changed) == ("unchanged", False)


def test_metrics_help_names_no_file_and_says_what_each_metric_means(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "metrics", "--help")
    assert code == 0
    assert not re.search(r"\w+\.md\b", out), "a user installing kefu has no SPEC.md or docs/"
    for metric in ("M-1 smart reception resolved", "M-2 responded within 24 h", "M-3 first response", "M-4"):
        assert metric in out


def test_a_database_a_killed_writer_left_with_its_wal_is_read_with_all_it_committed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files a writer killed mid-run leaves (the database and a -wal holding commits not yet in
    it) are read as they are: the commits are seen, and neither file is written."""
    db = recorded(capsys, tmp_path)
    writer = Store.open(db)
    writer.db.execute("PRAGMA wal_autocheckpoint = 0")
    writer.start_run("killed.jsonl", TW)
    left = tmp_path / "left"
    left.mkdir()
    for name in ("kefu.db", "kefu.db-wal"):  # what is on disk while it runs, without its shared memory
        (left / name).write_bytes((db.parent / name).read_bytes())
    writer.close()
    before = folder_state(left)
    code, out, _ = run(capsys, "metrics", "--runs", "--json", "--db", str(left / "kefu.db"))
    assert code == 0 and [r["source"] for r in json.loads(out)["runs"]][-1] == "killed.jsonl"
    after = folder_state(left)
    assert {name: after[name] for name in before} == before  # SQLite may add its -shm index beside them
