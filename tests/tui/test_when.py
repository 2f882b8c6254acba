"""`kefu when` (issue 13 §4): the chart of who answers a shop's customers, hour by hour, on the demo
shops and on a Berlin shop across both changes of the clock; the JSON and its schema; one-line errors."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path

import pytest
from hypothesis import given

from kefu.dsl.render import display_width
from kefu.engine.rules import Shop
from kefu.engine.timeline import MAX_DAYS, Timeline, timeline
from kefu.tui.cli import when as when_command
from kefu.tui.timeline_chart import hours_of, mark
from tests.conftest import RULES
from tests.engine.test_timeline import BERLIN, calendars
from tests.tui.test_cli import run, shop

TW = str(RULES / "shops" / "tw")
LEGEND_A = "A  agents answer; assist auto-sends in the conversations they are not in (AR-3)"
LEGEND_B = "B  the bot answers: outside working hours or on a holiday (BOT-3)"
LEGEND_SPLIT = "/  the answer changes within the hour: the row's end says at which minute, from what to what"


def when(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    code, out, err = run(capsys, "when", *args)
    assert (code, err) == (0, "")
    return out.splitlines()


def test_BOT3_the_demo_shop_tw_week_of_its_sale(capsys: pytest.CaptureFixture[str]) -> None:
    """BOT-3, AR-3, AR-8: tw's week of "雙11大促": agents with auto-send in working hours (not for amy),
    the bot off hours; in the period the bot also takes whoever no agent is free for."""
    assert when(capsys, TW, "--from", "2026-11-09", "--to", "2026-11-15") == [
        'shop tw "Demo Store 台灣", Asia/Taipei, 2026-11-09 to 2026-11-15',
        "",
        "                 00 03 06 09 12 15 18 21",
        "2026-11-09 週一  BBBBBBBBBAAABAAAAABBBBBB",
        "2026-11-10 週二  BBBBBBBBBaaaBaaaaaBBBBBB  period 雙11大促",
        "2026-11-11 週三  BBBBBBBBBaaaBaaaaaBBBBBB  period 雙11大促",
        "2026-11-12 週四  BBBBBBBBBaaaBaaaaaBBBBBB  period 雙11大促",
        "2026-11-13 週五  BBBBBBBBBAAABAAAAABBBBBB",
        "2026-11-14 週六  BBBBBBBBBBAAAABBBBBBBBBB",
        "2026-11-15 週日  BBBBBBBBBBBBBBBBBBBBBBBB",
        "",
        LEGEND_A + "; not for amy, who refused it (AR-8)",
        "a  agents answer, assist auto-sending; the bot takes customers no agent is free for (bot all day, BOT-2); "
        "not for amy, who refused it (AR-8)",
        LEGEND_B,
    ]


def test_BOT3_the_demo_shop_sg_around_a_holiday(capsys: pytest.CaptureFixture[str]) -> None:
    """BOT-3: sg's Friday late shift runs into the holiday's first two hours; the holiday's own late
    shift is closed, so the bot answers to Sunday."""
    assert when(capsys, str(RULES), "--shop", "sg", "--from", "2026-03-20", "--to", "2026-03-22") == [
        'shop sg "Demo Store Singapore", Asia/Singapore, 2026-03-20 to 2026-03-22',
        "",
        "                00 03 06 09 12 15 18 21",
        "2026-03-20 Fri  BBBBBBBBBAAAAAAAAABBAAAA",
        "2026-03-21 Sat  AABBBBBBBBBBBBBBBBBBBBBB  holiday",
        "2026-03-22 Sun  BBBBBBBBBBBBBBBBBBBBBBBB",
        "",
        LEGEND_A + "; not for siti, who refused it (AR-8)",
        LEGEND_B,
    ]


def test_BOT3_berlin_when_the_clock_goes_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """BOT-3: the 25-hour Sunday: 02:00-03:00 happens twice and Saturday's shift (to 02:30) covers the
    first half of it both times; half hours show as `/` with the minute; a holiday; a sale period with
    the bot all day and auto-send whose last night shift runs past midnight into the shop's own policy."""
    rules = str(shop(tmp_path, BERLIN))
    assert when(capsys, rules, "--from", "2026-10-24", "--to", "2026-11-01") == [
        'shop de "Laden Berlin", Europe/Berlin, 2026-10-24 to 2026-11-01',
        "",
        "                00 03 06 09 12 15 18 21",
        "2026-10-24 Sat  BBBBBBBBBBBBBBBBBBBBBBSS",
        "2026-10-25 Sun  SS/BBBBBBBBBBBBBBBBBBBBB  25 h (02:00-03:00 twice); 02:30 S>B; 02:00 B>S; 02:30 S>B",
        "2026-10-26 Mon  BBBBBBBBB/SSSSSSSSBBBBBB  09:30 B>S",
        "2026-10-27 Tue  BBBBBBBBB/SSSSSSSSBBBBBB  09:30 B>S",
        "2026-10-28 Wed  BBBBBBBBBBBBBBBBBBBBBBBB  holiday",
        "2026-10-29 Thu  BBBBBBBBB/aaaaaaaaBBBBBB  period Herbst sale; 09:30 B>a",
        "2026-10-30 Fri  BBBBBBBBB/aaaaaaaaBBBBBB  period Herbst sale; 09:30 B>a",
        "2026-10-31 Sat  BBBBBBBBBBBBBBBBBBBBBBaa  period Herbst sale",
        "2026-11-01 Sun  SS/BBBBBBBBBBBBBBBBBBBBB  02:30 S>B",
        "",
        "S  agents answer; assist only suggests replies, auto-send is off (AR-2)",
        "a  agents answer, assist auto-sending; the bot takes customers no agent is free for (bot all day, BOT-2)",
        LEGEND_B,
        LEGEND_SPLIT,
    ]


def test_BOT3_berlin_when_the_clock_goes_forward(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """BOT-3: the 23-hour Sunday: 02:00-03:00 is skipped (`-`), and Saturday's shift ends when it jumps."""
    rules = str(shop(tmp_path, BERLIN))
    assert when(capsys, rules, "--from", "2026-03-28", "--to", "2026-03-29") == [
        'shop de "Laden Berlin", Europe/Berlin, 2026-03-28 to 2026-03-29',
        "",
        "                00 03 06 09 12 15 18 21",
        "2026-03-28 Sat  BBBBBBBBBBBBBBBBBBBBBBSS",
        "2026-03-29 Sun  SS-BBBBBBBBBBBBBBBBBBBBB  23 h (02:00-03:00 skipped)",
        "",
        "S  agents answer; assist only suggests replies, auto-send is off (AR-2)",
        LEGEND_B,
        "-  an hour the clock skips (daylight saving time begins)",
    ]


def test_BOT3_all_day_bot_off_and_no_assist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """BOT-3: the bot all day beside agents working alone (h); with the bot off, nobody answers off
    hours (.); a shop without hours works around the clock."""
    rules = BERLIN.replace("    on\n    auto_send off", "    off").replace("when off_hours", "when all_day")
    rules = rules.replace('period "Herbst sale" 2026-10-29..2026-10-31', 'period "bot off" 2026-10-27..2026-10-27')
    rules = rules.replace("    bot {\n        when all_day\n    }\n}", "    bot off\n}")
    lines = when(capsys, str(shop(tmp_path, rules)), "--from", "2026-10-26", "--to", "2026-10-27")
    assert lines[3:5] == [
        "2026-10-26 Mon  BBBBBBBBB/hhhhhhhhBBBBBB  09:30 B>h",
        "2026-10-27 Tue  ........./AAAAAAAA......  period bot off; 09:30 .>A",
    ]
    assert "h  agents answer alone; the bot takes customers no agent is free for (bot all day, BOT-2)" in lines
    assert ".  nobody answers: outside working hours with the bot off; customers wait for agents" in lines


def test_a_shop_without_hours_has_agents_around_the_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = BERLIN.replace("    hours mon-fri 09:30-18:00, sat 22:00-02:30\n", "")
    lines = when(capsys, str(shop(tmp_path, rules)), "--from", "2026-10-25", "--to", "2026-10-25")
    assert lines[3] == "2026-10-25 Sun  SSSSSSSSSSSSSSSSSSSSSSSS  25 h (02:00-03:00 twice)"


def test_the_columns_line_up_whatever_the_weekday_is_written_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CJK-safe alignment: 週一 takes four cells and Mon three; in both, the first hour's mark sits under
    the scale's 00, and every mark is one cell wide."""
    for rules, shop_id in ((TW, "tw"), (str(RULES), "sg"), (str(shop(tmp_path, BERLIN)), "de")):
        lines = when(capsys, rules, "--shop", shop_id, "--from", "2026-11-09", "--to", "2026-11-15")
        scale, rows = lines[2], lines[3:10]
        column = display_width(scale[: scale.index("00")])
        for row in rows:
            prefix = row[: row.index("  ", 11) + 2]  # date, weekday, two spaces
            assert display_width(prefix) == column, row
            marks = row[len(prefix) : len(prefix) + 24]
            assert len(marks) == 24 and all(m.isascii() and m.isprintable() and m != " " for m in marks), row


def test_text_from_the_rules_is_shown_safely(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A period's name with a zero-width space prints it as an escape; --json keeps it exact."""
    rules = str(shop(tmp_path, BERLIN.replace('"Herbst sale"', '"Herbst\u200bsale"')))
    lines = when(capsys, rules, "--from", "2026-10-29", "--to", "2026-10-29")
    assert lines[3].endswith("period Herbst\\u200bsale; 09:30 B>a")
    document = json.loads("\n".join(when(capsys, rules, "--from", "2026-10-29", "--to", "2026-10-29", "--json")))
    assert document["days"][0]["period"] == "Herbst\u200bsale"


def test_json_has_the_documented_keys_and_reads_back(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the timeline: `Timeline.model_validate_json` reads it back, and `kefu schema when`
    describes every key it holds."""
    text = "\n".join(when(capsys, TW, "--from", "2026-11-10", "--to", "2026-11-11", "--json"))
    document = json.loads(text)
    assert list(document) == ["shop", "timezone", "from", "to", "days"]
    day = document["days"][0]
    assert list(day) == ["date", "minutes", "holiday", "period", "segments"]
    assert list(day["segments"][0]) == ["start", "end", "answering"]
    assert list(day["segments"][0]["answering"]) == ["answers", "working", "standing", "period", "assist", "bot"]
    assert day["segments"][1] == {
        "start": "2026-11-10T09:00:00+08:00",
        "end": "2026-11-10T12:00:00+08:00",
        "answering": {
            "answers": "agents",
            "working": True,
            "standing": "working",
            "period": "雙11大促",
            "assist": "auto_send",
            "bot": "backup",
        },
    }
    found = Timeline.model_validate_json(text)
    assert (found.first, found.last, len(found.days)) == (dt.date(2026, 11, 10), dt.date(2026, 11, 11), 2)
    assert found.model_dump(mode="json", by_alias=True) == document
    code, out, _ = run(capsys, "schema", "when")
    schema = json.loads(out)
    assert code == 0 and list(schema["properties"]) == list(document)
    for name, model in (("Day", day), ("Segment", day["segments"][0]), ("Answering", day["segments"][0]["answering"])):
        assert list(schema["$defs"][name]["properties"]) == list(model), name
    described = [
        schema["properties"],
        *(schema["$defs"][name]["properties"] for name in ("Day", "Segment", "Answering")),
    ]
    assert [key for keys in described for key, value in keys.items() if not value.get("description")] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-13-01", "--to", "2026-12-01"], "--from '2026-13-01' is not a date (YYYY-MM-DD)"),
        (["--from", "2026-02-30", "--to", "2026-03-01"], "--from '2026-02-30' is not a date (YYYY-MM-DD)"),
        (["--from", "2026-01-01", "--to", "20260102"], "--to '20260102' is not a date (YYYY-MM-DD)"),
        (["--from", "2026-12-03", "--to", "2026-12-01"], "--to 2026-12-01 is before --from 2026-12-03"),
        (
            ["--from", "2026-01-01", "--to", "2027-01-02"],
            "--from 2026-01-01 --to 2027-01-02 covers 367 days; at most 366",
        ),
        (["--from", "2026-01-01"], "missing option '--to'"),
        (["--from", "２０２６-01-01", "--to", "2026-01-02"], "--from '２０２６-01-01' is not a date (YYYY-MM-DD)"),
        (["--from", "2026-01-01", "--to", "2026-01-02\x1b[2K"], "--to '2026-01-02\\x1b[2K' is not a date (YYYY-MM-DD)"),
        (
            ["--from", "0001-01-01", "--to", "0001-01-02"],
            "--from 0001-01-01 is out of range: kefu when reads 0001-01-02 to 9999-12-30",
        ),
        (
            ["--from", "9999-12-30", "--to", "9999-12-31"],
            "--to 9999-12-31 is out of range: kefu when reads 0001-01-02 to 9999-12-30",
        ),
    ],
    ids=[
        "bad month",
        "no such day",
        "no dashes",
        "backwards",
        "too long",
        "no --to",
        "full-width digits",
        "an escape",
        "first day",
        "last day",
    ],
)
def test_bad_dates_are_one_line_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run(capsys, "when", TW, *args)
    assert (code, out, err) == (2, "", f"kefu when: error: {message} (see 'kefu when --help')\n")


def test_the_first_and_last_days_kefu_reads(capsys: pytest.CaptureFixture[str]) -> None:
    """Any zone: the earliest and latest days whose neighbours exist are drawn (no overflow)."""
    for first, last in (("0001-01-02", "0001-01-03"), ("9999-12-29", "9999-12-30")):
        lines = when(capsys, str(RULES), "--shop", "sg", "--from", first, "--to", last)
        assert [line[:10] for line in lines[3:5]] == [first, last]


def test_a_year_is_the_longest_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert when_command.MAX_DAYS == MAX_DAYS == 366
    lines = when(capsys, TW, "--from", "2026-01-01", "--to", "2027-01-01")
    assert len([line for line in lines if line[:4] in ("2026", "2027")]) == 366


@pytest.mark.parametrize(
    "args, message",
    [
        (["--shop", "fr"], "kefu when: error: no shop 'fr' in {rules}; shops there: sg, tw\n"),
        ([], "kefu when: error: {rules} holds 2 shops (sg, tw); pick one with --shop (see 'kefu when --help')\n"),
    ],
    ids=["unknown shop", "several shops"],
)
def test_which_shop_is_a_one_line_error(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run(capsys, "when", str(RULES), *args, "--from", "2026-01-01", "--to", "2026-01-02")
    assert (code, out, err) == (2, "", message.format(rules=RULES))


@given(calendars())
def test_every_instant_of_a_day_is_in_its_hour_column(calendar: tuple[Shop, dt.date, dt.date]) -> None:
    """Any hours and zone: the 24 columns hold the day's whole length (25 hours on the night the clock
    goes back, 23 when it goes forward), each column holds the marks of the stretches in it, and a
    column shows `-` only when the clock skips all of it."""
    shop, first, last = calendar
    for day in timeline(shop, first, last).days:
        hours = hours_of(day)
        assert sum(hour.seconds for hour in hours) == day.minutes * 60
        for segment in day.segments:
            wall = segment.start.replace(tzinfo=None)
            assert mark(segment.answering) in {m for _, _, m in hours[wall.hour].pieces}
        for hour in hours:
            assert (hour.mark == "-") == (hour.seconds == 0)
            assert hour.mark == "/" or len({m for _, _, m in hour.pieces}) <= 1


def test_rules_with_errors_are_reported_as_check_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = str(shop(tmp_path, BERLIN.replace("timezone", "timezon")))
    code, out, err = run(capsys, "when", rules, "--from", "2026-10-24", "--to", "2026-10-25")
    assert (code, out) == (1, "")
    assert "error[K" in err and err.splitlines()[-1].startswith("kefu when: the rules have 1 error(s)")


DOCS = (RULES.parent / "docs" / "when.md").read_text(encoding="utf-8")
SHOWN = re.findall(r"^```\n\$ kefu (when .*?)\n(.*?)^```", DOCS, re.S | re.M)


@pytest.mark.parametrize("command, shown", SHOWN, ids=[command for command, _ in SHOWN])
def test_the_charts_in_docs_are_what_kefu_when_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str, shown: str
) -> None:
    """docs/when.md's examples: every line shown is printed, in that order (some lines left out)."""
    monkeypatch.chdir(RULES.parent)
    printed = iter(when(capsys, *shlex.split(command)[1:]))
    for line in shown.splitlines():
        assert line in printed, line


def test_docs_show_the_charts() -> None:
    assert len(SHOWN) >= 2
