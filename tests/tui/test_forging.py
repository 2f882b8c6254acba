"""Issue 10 §5: output nobody can forge. Each example of the issue, from the public commands: in human
output a text from outside shows its control and invisible characters as escapes and a name that only
looks like a staff name says so; JSON output keeps every text exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RULES
from tests.tui.test_cli import run
from tests.tui.test_engine_commands import jsonl

TW = str(RULES / "shops" / "tw")
FORGED_ROW = "2026-11-25T09:10:00+08:00  tw  run 1  mia        bot              off -> on"
HIDDEN = "\x1b[2K\r\x9b\u2028\u2029\u200b\u200e\u202e\u2066\ufeff\n"  # every kind the issue names


def change(minute: int, actor: str, value: str = "on", hour: int = 9) -> dict[str, Any]:
    time = f"2026-11-25T{hour:02}:{minute:02}"
    return {"type": "setting_change", "time": time, "actor": actor, "setting": "bot", "value": value}


def message(time: str, text: str) -> dict[str, Any]:
    return {"type": "customer_message", "time": time, "conversation": "c1", "text": text}


def rating(time: str, text: str) -> dict[str, Any]:
    return {
        "type": "customer_rating",
        "time": time,
        "conversation": "c1",
        "solved": False,
        "reason": "other",
        "text": text,
    }


def printable_lines(out: str) -> list[str]:
    lines = out.splitlines()
    assert all(line.isprintable() for line in lines), [line for line in lines if not line.isprintable()]
    return lines


@pytest.fixture
def recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A run where mia (the owner) switches the bot off, then five actors who are not staff try to."""
    db = tmp_path / "k.db"
    events = [
        change(8, "mia", "off"),
        change(9, "mallory\n" + FORGED_ROW),
        change(11, "x\x1b[2K\rmia"),
        change(12, "mia "),
        change(13, "ｍｉａ"),
        change(14, "ken\u200b"),
    ]
    code, _, err = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, events)), "--db", str(db))
    assert code == 0, err
    return db


def test_an_actor_named_with_a_newline_writes_no_forged_row_into_kefu_audit(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "audit", "--db", str(recorded))
    assert code == 0
    lines = printable_lines(out)
    assert len(lines) == 6  # one row per recorded change, none forged
    assert not any(line.startswith(FORGED_ROW) for line in lines)
    assert lines[1].startswith('2026-11-25T09:09:00+08:00  tw  run 1  "mallory\\n2026-11-25T09:10:00+08:00  tw')
    assert "refused on: 'mallory\\n2026-11-25T09:10:00+08:00" in lines[1]


def test_an_escape_sequence_in_a_name_is_shown_not_played(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`x\\x1b[2K\\rmia` would erase its row on a terminal and show `mia`."""
    _, out, _ = run(capsys, "audit", "--db", str(recorded))
    row = printable_lines(out)[2]
    assert '"x\\x1b[2K\\rmia"' in row and "\x1b" not in row and "\r" not in row


def test_names_that_only_look_like_staff_show_the_difference_in_kefu_audit(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """mia changed a setting, so she is staff: `mia ` and `ｍｉａ` are shown quoted, with a note."""
    _, out, _ = run(capsys, "audit", "--db", str(recorded))
    lines = printable_lines(out)
    assert lines[0].split()[4] == "mia"  # the owner herself, bare
    assert "  \"mia \" (not staff 'mia') bot" in lines[3]
    assert "  \"ｍｉａ\" (not staff 'mia') bot" in lines[4]
    assert '  "ken\\u200b" bot' in lines[5]  # ken never changed a setting: not known as staff here


def test_the_audit_json_keeps_every_name_exact(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "audit", "--db", str(recorded), "--json")
    actors = [entry["actor"] for entry in json.loads(out)["entries"]]
    assert actors == ["mia", "mallory\n" + FORGED_ROW, "x\x1b[2K\rmia", "mia ", "ｍｉａ", "ken\u200b"]


def test_kefu_simulate_prints_no_escape_sequence_from_customer_text_even_into_a_pipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message and the rating's text: escapes shown, spaces folded, nothing played on a terminal."""
    events = [message("2026-11-24T23:30", f"有免運嗎?{HIDDEN}  ok"), rating("2026-11-24T23:31", "bad\x1b]0;owned\x07")]
    code, out, _ = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, events)), "--no-db")
    assert code == 0
    lines = printable_lines(out)
    assert lines[0].endswith(
        "customer_message c1 有免運嗎?\\x1b[2K\\r\\x9b\\u2028\\u2029\\u200b\\u200e\\u202e\\u2066\\ufeff\\n ok"
    )
    assert any(line.endswith('"bad\\x1b]0;owned\\x07"') and "rated c1" in line for line in lines)


def test_kefu_simulate_shows_names_that_only_look_like_staff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shop's staff are known to simulate: amy and ken are staff of tw, `amy\\u200b` and `ｋｅｎ` are not."""
    agent = {"type": "agent_message", "time": "2026-11-25T10:01", "agent": "amy\u200b", "conversation": "c1"}
    events = [
        message("2026-11-25T10:00", "在嗎"),
        {**agent, "text": "您好"},
        change(2, "ｋｅｎ", hour=10),
        change(3, "ken", hour=10),
    ]
    code, out, _ = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, events)), "--no-db")
    assert code == 0
    lines = printable_lines(out)
    assert any(line.endswith("agent_message c1 \"amy\\u200b\" (not staff 'amy') 您好") for line in lines)
    assert any(
        "denied bot = on for \"ｋｅｎ\" (not staff 'ken'): 'ｋｅｎ' is not on the staff" in line for line in lines
    )
    assert any(line.endswith("(by ken)") for line in lines)  # ken himself, bare


def test_kefu_simulate_json_round_trips_every_hidden_character_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON escapes C0 itself; U+2028, U+2029, C1, bidi and zero-width characters are as JSON allows
    (raw, with ensure_ascii=False) and read back to the very same text."""
    text = f"bad{HIDDEN}\x00\x7f\U000e0001"
    events = [
        message("2026-11-24T23:30", "在嗎"),
        rating("2026-11-24T23:31", text),
        change(32, f"mia{HIDDEN}", hour=23),
    ]
    code, out, _ = run(capsys, "simulate", TW, "--events", str(jsonl(tmp_path, events)), "--no-db", "--json")
    assert code == 0
    actions = [json.loads(line) for line in out.split("\n") if line]  # JSON Lines end at LF, not at U+2028
    assert [a["text"] for a in actions if a["type"] == "rated"] == [text]
    assert [a["actor"] for a in actions if a["type"] == "denied"] == [f"mia{HIDDEN}"]
    assert "\x1b" not in out and "\x00" not in out  # C0 is escaped by JSON itself (\u001b)


def test_kefu_ask_json_keeps_the_message_exact_and_its_text_shows_the_ask_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = "有免運嗎\u2028\u202e"
    code, out, _ = run(capsys, "ask", TW, message, "--json")
    assert code == 0 and json.loads(out)["message"] == message
    code, out, _ = run(capsys, "ask", TW, message, "--explain")
    assert code == 0
    assert "normalised: '" in out and all(line.isprintable() for line in out.splitlines())


def _shop_with_hidden_text(tmp_path: Path) -> Path:
    """A shop in a folder whose name holds an escape sequence, with the same ask (holding C1's CSI and
    a line separator) under two entries: K021 quotes the ask and shows its line (the line separator on
    line 10 does not shift the lines after it: the parser counts LF only, and so does the renderer). Two
    one-ask entries never show confidence 95: that K046 is silenced on the shop's line."""
    folder = tmp_path / "s\x1b[31mhop"
    folder.mkdir()
    ask = 'ask "包郵\x9b2J嗎\u2028"'
    (folder / "shop.kefu").write_text(
        'shop s "S" {  # kefu: ignore[K046]\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n\n'
        f'faq a "A" {{\n    {ask}\n    reply "您好"\n}}\n\nfaq b "B" {{\n    {ask}\n    reply "您好"\n}}\n',
        encoding="utf-8",
    )
    return folder


def test_kefu_check_shows_hidden_characters_of_file_names_messages_and_source_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = _shop_with_hidden_text(tmp_path)
    code, out, _ = run(capsys, "check", folder.name)
    assert code == 0
    assert printable_lines(out)[:5] == [
        "s\\x1b[31mhop/shop.kefu:15:9: warning[K021]: the ask \"包郵\\x9b2J嗎\\u2028\" is under both 'a' and 'b'",
        "   |",
        '15 |     ask "包郵\\x9b2J嗎\\u2028"',
        "   |         ^^^^^^^^^^^^^^^^^^^^",  # under the printed string, CJK characters two cells each
        "  = note: see also s\\x1b[31mhop/shop.kefu:10:9",
    ]


def test_kefu_check_github_annotations_escape_as_the_runner_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`%`, CR, LF in every value, and `:` and `,` in properties, as @actions/core escapes them; a control
    character shown as its escape first, so none reaches the log."""
    monkeypatch.chdir(tmp_path)
    folder = _shop_with_hidden_text(tmp_path)
    renamed = folder.rename(tmp_path / "100%,a:b\x1b[31m")
    code, out, _ = run(capsys, "check", renamed.name, "--format", "github")
    assert code == 0
    assert out.splitlines() == [
        "::warning file=100%25%2Ca%3Ab\\x1b[31m/shop.kefu,line=15,col=9,endLine=15,endColumn=17,title=K021::"
        "the ask \"包郵\\x9b2J嗎\\u2028\" is under both 'a' and 'b' (help: keep it under the entry it belongs to; "
        "remove it from 'b' or 'a')"
    ]


def test_kefu_check_json_keeps_file_names_and_messages_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = _shop_with_hidden_text(tmp_path)
    code, out, _ = run(capsys, "check", folder.name, "--json")
    assert code == 0
    (finding,) = json.loads(out)["diagnostics"]
    assert finding["path"] == "s\x1b[31mhop/shop.kefu"
    assert finding["message"] == "the ask \"包郵\x9b2J嗎\u2028\" is under both 'a' and 'b'"


def test_an_error_line_naming_a_shop_or_file_stays_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", TW, "在嗎", "--shop", "tw\nkefu ask: ok")
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert "tw\\nkefu ask: ok" in line and line.isprintable()
    code, _, err = run(capsys, "audit", "--db", str(tmp_path / "no\x1b[2Jsuch.db"))
    (line,) = err.splitlines()
    assert code == 2 and "no\\x1b[2Jsuch.db: no such file" in line


def test_a_json_line_holding_a_raw_line_separator_is_one_line_to_kefu_eval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON allows U+2028 and U+0085 unescaped in a string (kefu's own --json output writes them so):
    JSON Lines end at LF only, so the query is read whole, not cut in two."""
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"text": "有免運嗎\u2028\x85?", "expect": "shipping.free"}\n', encoding="utf-8")
    code, out, err = run(capsys, "eval", TW, str(queries), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["queries"] == 1


def test_a_test_block_name_cannot_forge_the_summary_of_kefu_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name is rule text: `\\n` in a string is a line break, shown as its escape on the failure's line."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "shop.kefu").write_text(
        'shop s "S" {\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n\n'
        'faq a "A" {\n    ask "有免運嗎"\n    reply "有"\n}\n\n'
        'test "t\\n9 passed, 0 failed\u2028" {\n    "今天天氣如何" -> a\n}\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "test", str(tmp_path))
    assert code == 1
    failure, summary = printable_lines(out)
    assert failure.endswith(
        'shop.kefu:15: test "t\\n9 passed, 0 failed\\u2028": expected a (auto-sent or suggested), '
        "got no answer for '今天天氣如何'"
    )
    assert summary == "0 passed, 1 failed"
