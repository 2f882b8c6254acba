"""The lint rules' edges, beyond each code's fixture (tests/dsl/fixtures/K05N_*, K06N_*)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kefu.dsl.load import load
from kefu.dsl.rules.replies import width

HEAD = """
shop demo "Demo Store" {
    language zh-Hant
    timezone "Asia/Taipei"
    HOURS
}

staff {
    owner mia
}
"""
ENTRY = """
faq shipping.free "包郵" {
    ask "有包郵嗎"
    reply "REPLY"
}

test "shipping" {
    "可以包郵嗎" -> shipping.free
}
"""


def lint(
    tmp_path: Path, body: str, hours: str = "hours mon-fri 09:00-18:00", reply: str = "您好,全館滿千免運。"
) -> list:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "shop"
    folder.mkdir(exist_ok=True)
    text = HEAD.replace("HOURS", hours) + textwrap.dedent(body) + ENTRY.replace("REPLY", reply)
    (folder / "shop.kefu").write_text(text.lstrip("\n"), encoding="utf-8")
    return [d for d in load([folder], lint=True).diagnostics if d.code != "K046"]


def codes(found: list) -> list[str]:
    return [d.code for d in found]


def test_K060_hours_around_the_clock_every_day_leave_an_off_hours_bot_nothing(tmp_path: Path) -> None:
    found = lint(tmp_path, "bot {\n    on\n}\n", hours="hours mon-sun 00:00-24:00")
    assert codes(found) == ["K060"]
    assert "its hours cover every hour of every day and it closes no day" in found[0].message
    # a closed day is off hours: the bot answers then
    assert (
        codes(lint(tmp_path / "b", "bot {\n    on\n}\n", hours="hours mon-sun 00:00-24:00\n    closed 2026-12-25"))
        == []
    )


def test_K060_ranges_past_midnight_count_for_the_next_morning(tmp_path: Path) -> None:
    hours = "hours mon-sun 06:00-02:00"  # each day's range runs on to 02:00 the next morning
    assert codes(lint(tmp_path / "a", "bot {\n    on\n}\n", hours=hours)) == []  # 02:00-06:00 is off
    hours = "hours mon-sun 12:00-06:00, mon-sun 06:00-12:00"  # 12:00 to the next 06:00, then on to 12:00
    assert codes(lint(tmp_path, "bot {\n    on\n}\n", hours=hours)) == ["K060"]
    one_hour_off = "hours mon-sat 00:00-24:00, sun 00:00-23:00"  # sunday 23:00-24:00 is off hours
    assert codes(lint(tmp_path / "b", "bot {\n    on\n}\n", hours=one_hour_off)) == []


def test_K059_an_earlier_period_wholly_covered_never_takes_effect(tmp_path: Path) -> None:
    body = """
    period "a" 2026-11-10..2026-11-11 {
        greeting "A"
    }

    period "b" 2026-11-01..2026-11-30 {
        greeting "B"
    }
    """
    found = lint(tmp_path, body)
    assert codes(found) == ["K059"]
    assert "'a' not at all and so never takes effect" in found[0].message


def test_K056_agent_name_in_a_reply_once_a_period_turns_the_bot_on(tmp_path: Path) -> None:
    body = 'period "night" 2026-11-10..2026-11-12 {\n    bot {\n        on\n    }\n}\n'
    found = lint(tmp_path, body, reply="我是 ${agent.name},全館滿千免運。")
    assert codes(found) == ["K056"] and "the bot sends it" in found[0].message
    assert codes(lint(tmp_path / "b", "", reply="我是 ${agent.name},全館滿千免運。")) == []  # no bot: a person sends it


def test_K055_counts_columns_as_a_phone_shows_them() -> None:
    assert width("abc") == 3
    assert width("包郵") == 4  # a CJK character takes two columns
    assert width("é") == 1 and width("e\u0301") == 1  # a combining mark takes none
    assert width("ＡＢ") == 4  # full-width Latin


@pytest.mark.parametrize(
    "reply, found",
    [
        ("營業時間 09:00-18:00,活動 2026-11-10 開始", False),  # times and dates are no phone numbers
        ("訂單 12345678 已出貨", False),  # an order number is not one either
        ("請撥 0912-345-678", True),
        ("請撥 +65 9123 4567", True),
        ("歡迎加LINE好友", True),
        ("寫信到 help@example.com", True),
        ("更多資訊見 www.example.com", True),
    ],
)
def test_K057_built_in_patterns(tmp_path: Path, reply: str, found: bool) -> None:
    assert ("K057" in codes(lint(tmp_path, "", reply=reply))) is found


def test_K061_a_period_over_an_earlier_one_may_restore_the_shops_settings(tmp_path: Path) -> None:
    body = """
    bot {
        on
    }

    period "november" 2026-11-01..2026-11-30 {
        bot {
            when all_day
        }
    }

    period "11.11" 2026-11-11 {
        bot {
            when off_hours
        }
    }
    """
    assert codes(lint(tmp_path, body)) == ["K059"]  # the overlap, not "changes nothing"


def test_K057_english_words_around_line_are_no_messaging_app(tmp_path: Path) -> None:
    assert codes(lint(tmp_path, "", reply="Please verify your online identity first.")) == []
    assert codes(lint(tmp_path / "b", "", reply="我們的 LINE ID: demo 歡迎加入")) == ["K057"]


def test_a_shop_may_write_several_lint_blocks(tmp_path: Path) -> None:
    body = 'lint {\n    reply_budget 10\n}\n\nlint {\n    allow "x"\n}\n'
    assert codes(lint(tmp_path, body)) == ["K055"]  # both blocks read: the budget of the first applies
    body += "\nlint {\n    reply_budget 12\n}\n"
    assert "K012" in codes(lint(tmp_path / "b", body))


@pytest.mark.parametrize("pattern", ["(a+)+$", "(\\\\w*)*", "(?:x+y)+", "(a{1,2})*b"])
def test_K047_a_repeat_inside_a_repeat_is_refused(tmp_path: Path, pattern: str) -> None:
    """It could backtrack for ever on a reply that almost matches, and hang kefu lint (and CI)."""
    found = lint(tmp_path, f'lint {{\n    contact "{pattern}"\n}}\n', reply="a" * 40 + "b")
    assert codes(found) == ["K047"] and "a repeat inside a repeat" in found[0].message
