"""`kefu simulate`, `kefu test` and `kefu metrics`: the exact interface of issue 4 (flags, exit codes,
JSON keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kefu.engine.store import Store
from tests.conftest import RULES, copy_rules, without_test_block
from tests.tui.test_cli import run

TW = str(RULES / "shops" / "tw")
NIGHT = [
    {"type": "customer_message", "time": "2026-11-24T23:30", "conversation": "c1", "text": "請問有免運嗎?"},
    {"type": "customer_rating", "time": "2026-11-24T23:31", "conversation": "c1", "solved": True},
    {"type": "customer_message", "time": "2026-11-24T23:32", "conversation": "c1", "text": "我想訂做一件客製化的外套"},
    {"type": "agent_message", "time": "2026-11-25T09:06", "agent": "amy", "conversation": "c1", "text": "您好"},
    {"type": "setting_change", "time": "2026-11-25T09:07", "actor": "amy", "setting": "bot", "value": "off"},
]


def jsonl(tmp_path: Path, lines: list[Any], name: str = "events.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def test_simulate_prints_actions_as_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "k.db"
    code, out, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT)), "--db", str(db), "--json")
    assert code == 0, err
    actions = [json.loads(line) for line in out.splitlines()]
    assert all(a["v"] == 1 and a["shop"] == "tw" and a["time"].endswith("+08:00") for a in actions)
    bot = [a for a in actions if a["type"] == "send" and a["sender"] == "bot" and a["kind"] == "answer"]
    assert bot[0]["entry"] == "shipping.free" and bot[0]["label"] == "機器人"
    assert [a["type"] for a in actions][-1] == "denied"
    assert "5 events" in err and str(db) in err
    with Store.open(db) as store:
        assert store.count("events") == 6  # the five lines, and the clock's tick before 09:06 (D-1)
        assert store.count("actions") == len(actions)
        assert [(a.actor, a.outcome) for a in store.audit()] == [("amy", "denied")]


def test_simulate_readable_output_shows_each_event_and_its_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT[:1])), "--no-db")
    assert code == 0
    first, *rest = out.splitlines()
    assert first.split() == ["1", "2026-11-24", "23:30:00", "customer_message", "c1", "請問有免運嗎?"]
    assert any("bot answer shipping.free" in line and "[機器人]" in line for line in rest)


def test_simulate_a_bad_line_is_reported_with_its_number_and_earlier_events_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "k.db"
    events = jsonl(tmp_path, [NIGHT[0], NIGHT[1], '{"type": "customer_message", "time": "2026-11-24T23:40"}', NIGHT[2]])
    code, out, err = run(capsys, "simulate", TW, "--events", str(events), "--db", str(db), "--json")
    assert code == 1
    assert f"{events}:3: customer_message.conversation: required" in err
    with Store.open(db) as store:
        assert store.count("events") == 2  # the two before it; not the one after
    assert len(out.splitlines()) == store_actions(db)


def test_simulate_json_nested_100000_deep_is_a_bad_line_and_the_event_before_it_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 §2: a line nested 100,000 deep ended in an internal RecursionError with nothing stored."""
    db = tmp_path / "k.db"
    events = jsonl(tmp_path, [NIGHT[0], "[" * 100_000 + "]" * 100_000, NIGHT[2]])
    code, out, err = run(capsys, "simulate", TW, "--events", str(events), "--db", str(db), "--json")
    assert code == 1
    assert f"{events}:2: not JSON: nested deeper than a reader can follow" in err
    assert "internal error" not in err
    with Store.open(db) as store:
        assert store.count("events") == 1
    assert len(out.splitlines()) == store_actions(db)


def test_simulate_a_lone_surrogate_escape_is_a_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10 §3: `"\\udcff"` names half a character; the line is refused with its number."""
    line = json.dumps(NIGHT[0]).replace('"text": "', '"text": "\\udcff')
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, [line])), "--no-db")
    assert code == 1
    assert ":1: not JSON: lone leading surrogate in hex escape" in err and "internal error" not in err


@pytest.mark.parametrize("time", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00"])
def test_simulate_a_time_at_the_ends_of_the_calendar_is_a_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], time: str
) -> None:
    """Issue 10 §3: such times overflowed the shop clock (internal error); now the line is refused."""
    line = {**NIGHT[0], "time": time}
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, [line])), "--no-db")
    assert code == 1
    assert ":1: customer_message.time: year " in err and "out of the range kefu plays (2 to 9998)" in err
    assert "internal error" not in err


def test_simulate_plays_the_last_and_first_years_it_takes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The range's own ends play, whichever side of UTC the time is given on."""
    for time in ("9998-12-31T23:59:59-12:00", "0002-01-01T00:00:00+14:00"):
        line = {**NIGHT[0], "time": time}
        code, out, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, [line])), "--no-db")
        assert code == 0, err
        assert "session opened" in out


def store_actions(db: Path) -> int:
    with Store.open(db) as store:
        return store.count("actions")


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "not JSON"),
        ('{"type": "wave", "time": "2026-11-24T23:30"}', "unknown event type 'wave'"),
        ('{"type": "tick", "time": "2026-11-24T23:30", "colour": "red"}', "tick.colour: not a field of this event"),
        (
            '{"type": "customer_rating", "time": "2026-11-24T23:30", "conversation": "c", "solved": false}',
            "an unsolved rating needs a reason",
        ),
        ('{"type": "tick", "time": "yesterday"}', "tick.time:"),
        ('{"type": "tick", "time": "2026-11-24T23:30", "shop": "fr"}', "unknown shop 'fr'"),
        ("[1, 2]", "not an event"),
    ],
)
def test_simulate_bad_lines_get_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, [line])), "--no-db")
    assert code == 1 and message in err and "Traceback" not in err
    assert err.splitlines()[0].startswith("kefu simulate: ") and ":1: " in err.splitlines()[0]


def test_simulate_binary_and_huge_lines_are_refused_without_reading_them_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\xff\xfe\x00binary\n" + b"x" * (2 << 20) + b"\n" + json.dumps(NIGHT[0]).encode() + b"\n")
    code, out, err = run(capsys, "simulate", TW, "--events", str(path), "--no-db", "--keep-going", "--json")
    assert code == 1
    assert ":1: not UTF-8" in err and ":2: line longer than 1 MiB" in err
    assert "session_opened" in out  # --keep-going went on to line 3


def test_simulate_refuses_time_running_backwards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, [NIGHT[2], NIGHT[0]])), "--no-db")
    assert code == 1 and ":2: time 2026-11-24T23:30:00+08:00 is before" in err


def test_simulate_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", TW, "--events", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "missing.jsonl: No such file" in err
    code, _, err = run(capsys, "simulate", str(RULES), "--events", str(jsonl(tmp_path, NIGHT)), "--no-db")
    assert code == 1 and 'the event needs "shop"' in err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00" * 4096)
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT)), "--db", str(junk))
    assert code == 2 and "junk.db: not a kefu database" in err
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT)), "--db", str(junk), "--no-db")
    assert code == 2 and "exclude each other" in err


def test_metrics_json_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """M-1..M-4 from the recorded night, by `kefu metrics --json`."""
    db = tmp_path / "k.db"
    run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT)), "--db", str(db))
    code, out, _ = run(capsys, "metrics", "--db", str(db), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["db"] == str(db)
    [period] = report["periods"]
    assert set(period) >= {
        "shop",
        "period",
        "start",
        "end",
        "sessions",
        "resolved",
        "responded_24h",
        "first_response",
        "satisfaction",
    }
    assert period["shop"] == "tw" and period["sessions"] == 1
    assert period["first_response"] == {
        "sessions": 1,
        "average_seconds": 9 * 3600 + 34 * 60,
        "median_seconds": 9 * 3600 + 34 * 60,
    }
    assert period["satisfaction"]["smart_reception"] == {"count": 1, "total": 1, "rate": 1.0}


def test_metrics_readable_window_and_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "k.db"
    run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT)), "--db", str(db))
    code, out, _ = run(
        capsys, "metrics", "--db", str(db), "--shop", "tw", "--from", "2026-11-24", "--to", "2026-11-24", "--by", "day"
    )
    assert code == 0
    assert "shop tw  period 2026-11-24" in out and "M-3 average first response        9h 34m" in out
    code, out, err = run(capsys, "metrics", "--db", str(db), "--from", "2026-11-25", "--json")
    assert json.loads(out)["periods"] == []
    code, _, err = run(capsys, "metrics", "--db", str(db), "--shop", "fr")
    assert code == 2 and "no history for shop 'fr'" in err and "tw" in err
    code, _, err = run(capsys, "metrics", "--db", str(db), "--from", "last tuesday")
    assert code == 2 and "--from 'last tuesday'" in err
    code, _, err = run(capsys, "metrics", "--db", str(db), "--from", "2026-11-25", "--to", "2026-11-24")
    assert code == 2 and "is not before" in err
    code, out, _ = run(capsys, "metrics", "--db", str(db), "--runs")
    assert code == 0 and "events.jsonl" in out


def test_metrics_without_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "metrics")
    assert code == 0 and "no history yet" in err
    code, _, err = run(capsys, "metrics", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "none.db: no such file" in err


# -- kefu test ----------------------------------------------------------------------------------


def broken_rules(tmp_path: Path) -> Path:
    """The demo rules with one failing case and one failing scenario in tw."""
    copy = copy_rules(tmp_path)
    shop = copy / "shops" / "tw" / "shop.kefu"
    shop.write_text(
        shop.read_text(encoding="utf-8") + '\ntest "broken" {\n    "請問這個有免運嗎?" -> order.status\n}\n\n'
        'scenario "broken" {\n    at 2026-11-24 23:30\n    customer "請問有免運嗎?" expect assist shipping.free\n}\n',
        encoding="utf-8",
    )
    return copy


def test_kefu_test_passes_on_the_demo_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(RULES))
    assert code == 0
    assert out.splitlines()[-1].endswith("passed, 0 failed")


def test_kefu_test_prints_one_line_per_failure_then_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = broken_rules(tmp_path)
    code, out, _ = run(capsys, "test", str(rules))
    lines = out.splitlines()
    assert code == 1
    shop = rules / "shops" / "tw" / "shop.kefu"
    text = shop.read_text(encoding="utf-8").splitlines()
    case = text.index('    "請問這個有免運嗎?" -> order.status') + 1
    step = text.index('    customer "請問有免運嗎?" expect assist shipping.free') + 1
    assert lines[0] == (
        f'{shop}:{case}: test "broken": expected order.status (auto-sent or suggested), '
        "got shipping.free (auto-sent, score 98) for '請問這個有免運嗎?'"
    )
    assert lines[1].startswith(f'{shop}:{step}: scenario "broken": expected assist shipping.free, got ')
    passed = int(lines[-1].split()[0])
    assert lines[-1] == f"{passed} passed, 2 failed" and len(lines) == 3


def test_kefu_test_json_and_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = broken_rules(tmp_path)
    without_test_block(rules / "shops" / "tw" / "shop.kefu", "本店")
    code, out, _ = run(capsys, "test", str(rules), "--json", "--coverage")
    assert code == 1
    report = json.loads(out)
    assert report["failed"] == 2 and report["passed"] == len(report["results"]) - 2
    assert {"shop", "kind", "block", "file", "line", "passed", "expected", "got"} <= set(report["failures"][0])
    assert report["entries"] > len(report["uncovered"]) > 0
    assert {"shop", "entry", "file", "line"} == set(report["uncovered"][0])
    code, out, _ = run(capsys, "test", str(RULES / "shops" / "tw"), "--coverage")
    assert code == 0 and "no test case or scenario reaches it" not in out  # the demo shops test every entry
    code, out, _ = run(capsys, "test", str(rules / "shops" / "sg"), "--coverage")
    assert code == 0
    assert any(line.startswith("coverage: ") and "entries reached" in line for line in out.splitlines())


def test_kefu_test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "test", str(RULES), "--shop", "fr")
    assert code == 2 and "no shop 'fr'" in err
    code, _, err = run(capsys, "test")
    assert code == 2


def test_audit_lists_changes_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """AR-1, BOT-1: a refused switch is in the audit log with its reason; an allowed one with before -> after."""
    db = tmp_path / "k.db"
    events = NIGHT + [
        {"type": "setting_change", "time": "2026-11-25T09:08", "actor": "mia", "setting": "bot", "value": "off"}
    ]
    run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, events)), "--db", str(db))
    code, out, _ = run(capsys, "audit", "--db", str(db))
    assert code == 0
    denied, changed = out.splitlines()
    assert "amy" in denied and "refused off: only the owner or an admin may switch 'bot'" in denied
    assert "mia" in changed and "on -> off" in changed and changed.startswith("2026-11-25T09:08:00+08:00  tw")
    code, out, _ = run(capsys, "audit", "--db", str(db), "--json", "--shop", "tw")
    entries = json.loads(out)["entries"]
    assert [(e["actor"], e["outcome"]) for e in entries] == [("amy", "denied"), ("mia", "changed")]


def test_simulate_routes_each_event_to_its_shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """KB-1: with several shops, each event names its shop and is answered from that shop's KB only."""
    events = [
        {
            "type": "customer_message",
            "time": "2026-11-24T23:30",
            "shop": "tw",
            "conversation": "c1",
            "text": "請問有免運嗎?",
        },
        {
            "type": "customer_message",
            "time": "2026-11-24T23:30",
            "shop": "sg",
            "conversation": "c1",
            "text": "is shipping free for this?",
        },
    ]
    code, out, err = run(capsys, "simulate", str(RULES), "--events", str(jsonl(tmp_path, events)), "--no-db", "--json")
    assert code == 0, err
    answers = [json.loads(line) for line in out.splitlines()]
    answers = [a for a in answers if a["type"] == "send" and a["kind"] == "answer"]
    assert [(a["shop"], a["time"][-6:]) for a in answers] == [("tw", "+08:00"), ("sg", "+08:00")]
    assert "郵費" in answers[0]["text"] and answers[1]["text"].isascii()


@pytest.mark.parametrize(
    "steps",
    [
        ["at 2026-01-01 09:00", "wait 99999999d"],
        ["at 0001-01-01 00:00"],
        ["at 9999-12-31 23:59", "wait 2d"],
    ],
    ids=["wait-99999999d", "at-year-1", "at-9999-then-wait"],
)
def test_a_scenario_kefu_test_cannot_play_is_refused_by_kefu_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], steps: list[str]
) -> None:
    """Issue 10 §3: check passed these and test crashed; what check passes, test can run (K042)."""
    shop = tmp_path / "shop"
    shop.mkdir()
    body = "".join(f"    {step}\n" for step in [*steps, 'customer "在嗎"'])
    (shop / "shop.kefu").write_text(
        f'shop t "T" {{\n    timezone "Asia/Taipei"\n}}\n\nstaff {{\n    owner mia\n}}\n\nscenario "s" {{\n{body}}}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", "--no-cache", str(shop))
    assert code == 1 and "error[K042]" in out
    code, _, err = run(capsys, "test", str(shop))
    assert code == 1 and "internal error" not in err


@pytest.mark.parametrize(
    "line, message",
    [
        ({"type": "customer_rating", "conversation": "c1", "solved": "yes"}, "customer_rating.solved: input should be"),
        (
            {"type": "setting_change", "actor": "mia", "setting": "bot", "value": 1},
            "setting_change.value: input should",
        ),
        ({"type": "tick", "v": True}, "tick.v: the format version is the number 1"),
        ({"type": "tick", "time": 1764000000}, "tick.time: input should be a valid datetime"),
        ({"type": "tick", "time": "2026-11-24"}, "tick.time: input should be a valid datetime"),
    ],
    ids=["solved-yes", "value-1", "v-true", "time-seconds", "time-date-only"],
)
def test_events_are_read_as_documented_strictly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: dict[str, Any], message: str
) -> None:
    """Issue 10 §4: each of these was silently coerced; docs/events.md says what each field holds."""
    event = {"time": "2026-11-24T23:30:00+08:00", **line}
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, [event])), "--no-db")
    assert code == 1
    assert f":1: {message}" in err


NIGHT_EVENTS = [
    {"type": "customer_message", "time": "2026-11-24T23:30:00", "conversation": "c1", "text": "請問有免運嗎?"},
    {"type": "customer_message", "time": "2026-11-24T23:31:00", "conversation": "c1", "text": "我想訂做一件外套"},
    {"type": "customer_rating", "time": "2026-11-24T23:32:00", "conversation": "c1", "solved": True, "answer": 1},
]


def test_simulate_explain_prints_why_under_each_answer_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11 §1: `kefu simulate --explain` prints the why under each send, suggest and notice."""
    code, out, _ = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, NIGHT_EVENTS)), "--no-db", "--explain")
    assert code == 0
    lines = out.splitlines()
    answer = next(i for i, line in enumerate(lines) if "bot answer shipping.free" in line)
    assert lines[answer + 1] == "         why: '請問有免運嗎?' read as '请问有包邮吗'"
    assert "levels: auto-send 95, suggest 50 -> auto_send  [rules/shops/tw/shop.kefu:35]" in out
    assert "              hours: outside working hours  [rules/shops/tw/shop.kefu:2]" in lines
    assert "     → rated c1 bot shipping.free (the answer to event 1): solved" in lines


def test_simulate_json_carries_event_numbers_always_and_why_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = str(jsonl(tmp_path, NIGHT_EVENTS))
    code, out, _ = run(capsys, "simulate", TW, "--events", events, "--no-db", "--json")
    plain = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and all("why" not in action for action in plain)
    assert [action["event"] for action in plain if action["type"] == "send"] == [1, 1, 2]
    code, out, _ = run(capsys, "simulate", TW, "--events", events, "--no-db", "--json", "--explain")
    explained = [json.loads(line) for line in out.splitlines()]
    assert [a.get("why") is not None for a in explained if a["type"] == "send"] == [False, True, True]  # greeting
    assert [{k: v for k, v in a.items() if k != "why"} for a in explained] == plain
