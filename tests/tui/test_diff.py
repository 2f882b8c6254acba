"""`kefu diff OLD NEW`: rules compared by meaning (entries, asks, replies, settings, staff), paths and git
revisions, errors, and the text, JSON and Markdown outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kefu.dsl.fmt import format_bytes
from tests.conftest import RULES
from tests.tui.test_cli import run

BASE = """\
shop s "Shop S" {
    language zh-Hant
    timezone "Asia/Taipei"
    hours mon-fri 09:00-18:00, sat 10:00-14:00
    closed 2026-01-01, 2026-02-14..2026-02-16
}

staff {
    owner mia
    admin ken
    agent amy capacity 5
}

assist {
    on
    auto_send on
}

bot {
    on
    when off_hours
    fallback "稍後回覆您"
}

greeting "您好"

matching {
    confidence 95
}

synonyms {
    運費 = 郵費
}

faq shipping.free "免運" {
    ask "有免運嗎"
    ask "滿多少免運"
    keywords 免運
    reply "滿 499 免運"
}

faq store.location "門市" {
    ask "有實體店嗎"
    reply "目前只有網路商店"
}

period "大促" 2026-11-10..2026-11-12 {
    bot {
        when all_day
    }
}

test "t" {
    "有免運嗎" -> shipping.free
}
"""


def write_shop(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shop.kefu").write_text(text, encoding="utf-8")
    return folder


def edited(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, new: str, old: str = BASE
) -> list[dict[str, Any]]:
    """The JSON changes between `old` and `new` written as shops `old/` and `new/` under tmp_path."""
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", old)
    write_shop(tmp_path / "new", new)
    code, out, err = run(capsys, "diff", "old", "new", "--json")
    document = json.loads(out)
    assert code == (1 if document["changes"] else 0), err
    return document["changes"]


def only(found: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(found) == 1, found
    return found[0]


# -- entries ---------------------------------------------------------------------------------------


def test_an_entry_added_with_its_place(tmp_path: Path, capsys, monkeypatch) -> None:
    new = BASE.replace(
        'period "大促"', 'faq store.hours "營業時間" {\n    ask "幾點開門"\n    reply "九點"\n}\n\nperiod "大促"'
    )
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert change["kind"] == "entry_added" and change["entry"] == "store.hours"
    assert change["new"] == {"title": "營業時間", "asks": ["幾點開門"], "keywords": [], "reply": "九點"}
    assert (change["old_at"], change["new_at"]) == (None, "new/shop.kefu:47")


def test_an_entry_removed(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('faq store.location "門市" {\n    ask "有實體店嗎"\n    reply "目前只有網路商店"\n}\n\n', ""))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["kind"], change["entry"], change["old_at"], change["new_at"]) == (
        "entry_removed",
        "store.location",
        "old/shop.kefu:42",
        None,
    )


def test_an_entry_renamed_keeps_its_asks_and_reply(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("faq store.location", "faq store.shop"))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["kind"], change["old_entry"], change["entry"]) == ("entry_renamed", "store.location", "store.shop")
    assert (change["old_at"], change["new_at"]) == ("old/shop.kefu:42", "new/shop.kefu:42")


def test_a_renamed_entry_with_a_new_title_is_a_rename_and_a_title_change(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('faq store.location "門市"', 'faq store.shop "實體門市"'))
    kinds = [(c["kind"], c.get("setting")) for c in changes(tmp_path, capsys, monkeypatch, new)]
    assert kinds == [("entry_renamed", None), ("entry_changed", "title")]


def test_an_id_change_with_another_reply_is_a_removal_and_an_addition(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("faq store.location", "faq store.shop"), ("目前只有網路商店", "有兩間門市"))
    kinds = sorted(c["kind"] for c in changes(tmp_path, capsys, monkeypatch, new))
    assert kinds == ["entry_added", "entry_removed"]


def test_asks_added_and_removed(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('    ask "滿多少免運"\n', '    ask "買多少免運費"\n    ask "運費怎麼算"\n'))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert change["kind"] == "asks_changed" and change["entry"] == "shipping.free"
    assert (change["added"], change["removed"]) == (["買多少免運費", "運費怎麼算"], ["滿多少免運"])
    assert (change["old_at"], change["new_at"]) == ("old/shop.kefu:37", "new/shop.kefu:37")


def test_keywords_changed(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("keywords 免運", "keywords 免運, 包郵"))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["kind"], change["added"], change["removed"]) == ("keywords_changed", ["包郵"], [])


def test_reply_changed_old_and_new_text(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('reply "滿 499 免運"', 'reply "滿 599 免運"'))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["kind"], change["old"], change["new"]) == ("reply_changed", "滿 499 免運", "滿 599 免運")
    assert (change["old_at"], change["new_at"]) == ("old/shop.kefu:35", "new/shop.kefu:35")


# -- settings ---------------------------------------------------------------------------------------


def test_hours_per_weekday(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("hours mon-fri 09:00-18:00, sat 10:00-14:00", "hours mon-fri 09:00-18:00, sun 10:00-14:00"))
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["setting"], c["old"], c["new"]) for c in found] == [
        ("hours.sat", "10:00-14:00", None),
        ("hours.sun", None, "10:00-14:00"),
    ]
    assert found[0]["old_at"] == "old/shop.kefu:4" and found[1]["new_at"] == "new/shop.kefu:4"


def test_hours_past_midnight_as_written(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("sat 10:00-14:00", "sat 20:00-02:00, sun 18:00-24:00"))
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["setting"], c["old"], c["new"]) for c in found] == [
        ("hours.sat", "10:00-14:00", "20:00-02:00"),
        ("hours.sun", None, "18:00-24:00"),
    ]


def test_holidays_by_day_whatever_the_spelling(tmp_path: Path, capsys, monkeypatch) -> None:
    same = edited(
        BASE, ("closed 2026-01-01, 2026-02-14..2026-02-16", "closed 2026-02-14, 2026-02-15..2026-02-16, 2026-01-01")
    )
    assert changes(tmp_path, capsys, monkeypatch, same) == []


def test_holidays_added_and_removed(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("closed 2026-01-01, 2026-02-14..2026-02-16", "closed 2026-02-15..2026-02-18"))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["setting"], change["added"], change["removed"]) == (
        "holidays",
        ["2026-02-17..2026-02-18"],
        ["2026-01-01", "2026-02-14"],
    )
    assert (change["old_at"], change["new_at"]) == ("old/shop.kefu:5", "new/shop.kefu:5")


def test_AR1_assist_on_off_and_shop_wide_auto_send_are_flagged_owner_or_admin_only(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    new = edited(BASE, ("assist {\n    on\n    auto_send on", "assist {\n    off\n    auto_send off"))
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["setting"], c["old"], c["new"], c["owner_only"]) for c in found] == [
        ("assist.enabled", True, False, ["AR-1"]),
        ("assist.auto_send", True, False, ["AR-1"]),
    ]
    assert [c["new_at"] for c in found] == ["new/shop.kefu:15", "new/shop.kefu:16"]


def test_BOT1_bot_on_off_and_its_hours_are_flagged_owner_or_admin_only(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("bot {\n    on\n    when off_hours", "bot {\n    off\n    when all_day"))
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["setting"], c["old"], c["new"], c["owner_only"]) for c in found] == [
        ("bot.enabled", True, False, ["BOT-1"]),
        ("bot.when", "off_hours", "all_day", ["BOT-1"]),
    ]


def test_texts_and_levels_are_not_owner_only(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(
        BASE,
        ('fallback "稍後回覆您"', 'fallback "請稍候"\n    off_hours_reply "下班了"'),
        ('greeting "您好"', 'greeting "歡迎"'),
        ("confidence 95", "confidence 90\n    margin 10"),
    )
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["setting"], c["old"], c["new"], c["owner_only"]) for c in found] == [
        ("bot.fallback", "稍後回覆您", "請稍候", []),
        ("bot.off_hours_reply", None, "下班了", []),
        ("greeting", "您好", "歡迎", []),
        ("matching.confidence", 95, 90, []),
        ("matching.margin", 8, 10, []),
    ]
    assert [c["new_at"] for c in found] == [
        "new/shop.kefu:22",
        "new/shop.kefu:23",
        "new/shop.kefu:26",
        "new/shop.kefu:29",
        "new/shop.kefu:30",
    ]


def test_header_settings(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('shop s "Shop S"', 'shop s "Shop S2"'), ('timezone "Asia/Taipei"', 'timezone "Asia/Singapore"'))
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["setting"], c["old"], c["new"]) for c in found] == [
        ("name", "Shop S", "Shop S2"),
        ("timezone", "Asia/Taipei", "Asia/Singapore"),
    ]
    assert [c["new_at"] for c in found] == ["new/shop.kefu:1", "new/shop.kefu:3"]


def test_BOT1_a_period_setting_is_reported_for_the_period(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ("        when all_day", "        when off_hours"))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["period"], change["setting"], change["old"], change["new"], change["owner_only"]) == (
        "大促",
        "bot.when",
        "all_day",
        "off_hours",
        ["BOT-1"],
    )
    assert (change["old_at"], change["new_at"]) == ("old/shop.kefu:49", "new/shop.kefu:49")


def test_a_shop_wide_change_a_period_inherits_is_reported_once(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('fallback "稍後回覆您"', 'fallback "請稍候"'))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["period"], change["setting"]) == (None, "bot.fallback")


def test_periods_added_removed_and_dates(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(
        BASE,
        ("2026-11-10..2026-11-12", "2026-11-10..2026-11-13"),
        ('test "t"', 'period "年假" 2026-02-10..2026-02-20 {\n    assist {\n        off\n    }\n}\n\ntest "t"'),
    )
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["kind"], c["period"], c["setting"]) for c in found] == [
        ("period_added", "年假", None),
        ("policy_changed", "大促", "dates"),
    ]
    assert found[0]["new"] == {"dates": "2026-02-10..2026-02-20", "settings": {"assist.enabled": False}}
    assert found[0]["owner_only"] == ["AR-1"]
    assert (found[1]["old"], found[1]["new"]) == ("2026-11-10..2026-11-12", "2026-11-10..2026-11-13")


def test_staff_and_roles(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(
        BASE,
        ("    admin ken\n", "    agent ken\n    agent bob capacity 3\n"),
        ("agent amy capacity 5", "agent amy capacity 4 auto_send off"),
    )
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["kind"], c["staff"], c["setting"], c["old"], c["new"]) for c in found] == [
        ("staff_added", "bob", None, None, {"role": "agent", "capacity": 3, "auto_send": None}),
        ("staff_changed", "ken", "role", "admin", "agent"),
        ("staff_changed", "amy", "capacity", 5, 4),
        ("staff_changed", "amy", "auto_send", None, False),
    ]
    assert found[1]["old_at"] == "old/shop.kefu:10" and found[1]["new_at"] == "new/shop.kefu:10"


def test_synonyms_and_tests(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(
        BASE, ("運費 = 郵費", "運費 = 郵費 = 寄費"), ('"有免運嗎" -> shipping.free', '"免運嗎" -> shipping.free')
    )
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["kind"], c["added"], c["removed"]) for c in found] == [
        ("synonyms_changed", ["運費 = 郵費 = 寄費"], ["運費 = 郵費"]),
        ("tests_changed", [], []),
    ]
    assert found[1]["new"] == ['test "t"']


# -- formatting only ---------------------------------------------------------------------------------


def test_formatting_comments_and_order_are_no_change(tmp_path: Path, capsys, monkeypatch) -> None:
    entries = BASE.index("faq shipping.free")
    periods = BASE.index('period "大促"')
    first, second = BASE[entries:periods].split("\n\n", 1)
    reordered = BASE[:entries] + second + "\n" + first + "\n\n" + BASE[periods:]
    messy = "# a comment\n" + reordered.replace("    ", "\t").replace("keywords 免運", "keywords 免運  # kept").replace(
        "    agent amy capacity 5\n", ""
    ).replace("    owner mia\n", "    agent amy capacity 5\n    owner mia\n").replace(
        '"滿多少免運"', '"滿多少免運"\n\n\n'
    )
    messy = messy.replace("\tadmin ken\n", "").replace("staff {\n", "staff {\n\tadmin ken\n")
    messy = messy.replace('\task "有免運嗎"\n', "").replace(
        "\tkeywords", '\task "有免運嗎"\n\tkeywords'
    )  # asks reordered
    assert format_bytes(messy.encode(), "x.kefu").text != BASE  # it really is written differently
    assert changes(tmp_path, capsys, monkeypatch, messy) == []


def test_no_change_exits_0_and_says_so(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "a", BASE)
    write_shop(tmp_path / "b", BASE)
    code, out, err = run(capsys, "diff", "a", "b")
    assert (code, out, err) == (0, "", "no changes in meaning between a and b\n")


# -- outputs ------------------------------------------------------------------------------------------

NEW = edited(
    BASE,
    ("bot {\n    on", "bot {\n    off"),
    ('reply "滿 499 免運"', 'reply "滿 599 免運"'),
    ('    ask "滿多少免運"\n', '    ask "買多少免運費"\n'),
    ("faq store.location", "faq store.shop"),
)


def test_text_output(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", BASE)
    write_shop(tmp_path / "new", NEW)
    code, out, err = run(capsys, "diff", "old", "new")
    assert code == 1
    assert out == (
        "old -> new\n"
        "shop s\n"
        "  ~ bot: on -> off  [owner/admin only: BOT-1]\n"
        "      old/shop.kefu:20 -> new/shop.kefu:20\n"
        "  ~ entry shipping.free asks: 1 added, 1 removed\n"
        '      + "買多少免運費"\n'
        '      - "滿多少免運"\n'
        "      old/shop.kefu:37 -> new/shop.kefu:37\n"
        "  ~ entry shipping.free reply changed\n"
        '      - "滿 499 免運"\n'
        '      + "滿 599 免運"\n'
        "      old/shop.kefu:35 -> new/shop.kefu:35\n"
        "  ~ entry store.location renamed to store.shop (the same asks and reply)\n"
        "      old/shop.kefu:42 -> new/shop.kefu:42\n"
    )
    assert err == "4 changes in 1 shop, 1 only the owner or an admin may make (BOT-1)\n"


def test_markdown_output_for_a_pull_request(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", BASE)
    write_shop(tmp_path / "new", NEW)
    code, out, _ = run(capsys, "diff", "old", "new", "--format", "markdown")
    assert code == 1
    assert out == (
        "### kefu diff: `old` → `new`\n"
        "\n"
        "**4 changes in 1 shop, 1 only the owner or an admin may make (BOT-1)**\n"
        "\n"
        "#### shop `s`\n"
        "\n"
        "- ✏️ bot: `on` -> `off` ⚠️ **owner/admin only: BOT-1** (`old/shop.kefu:20` → `new/shop.kefu:20`)\n"
        "- ✏️ entry `shipping.free` asks: 1 added, 1 removed (`old/shop.kefu:37` → `new/shop.kefu:37`)\n"
        "\n"
        "  ```diff\n"
        '  + "買多少免運費"\n'
        '  - "滿多少免運"\n'
        "  ```\n"
        "\n"
        "- ✏️ entry `shipping.free` reply changed (`old/shop.kefu:35` → `new/shop.kefu:35`)\n"
        "\n"
        "  ```diff\n"
        '  - "滿 499 免運"\n'
        '  + "滿 599 免運"\n'
        "  ```\n"
        "\n"
        "- ✏️ entry `store.location` renamed to `store.shop` (the same asks and reply)"
        " (`old/shop.kefu:42` → `new/shop.kefu:42`)\n"
    )


def test_json_keys_and_counts(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", BASE)
    write_shop(tmp_path / "new", NEW)
    code, out, _ = run(capsys, "diff", "old", "new", "--json")
    document = json.loads(out)
    assert code == 1
    assert set(document) == {"old", "new", "changes", "counts"}
    assert document["counts"] == {
        "changes": 4,
        "owner_only": 1,
        "by_kind": {"policy_changed": 1, "entry_renamed": 1, "asks_changed": 1, "reply_changed": 1},
    }
    assert set(document["changes"][0]) == {
        "kind",
        "unit",
        "shop",
        "entry",
        "old_entry",
        "period",
        "staff",
        "setting",
        "old",
        "new",
        "added",
        "removed",
        "old_at",
        "new_at",
        "owner_only",
    }


def test_text_from_the_rules_shows_control_characters_as_escapes(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('reply "滿 499 免運"', 'reply "滿 499 免運\u202e"'))  # a warning (K043), not an error
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", BASE)
    write_shop(tmp_path / "new", new)
    _, out, _ = run(capsys, "diff", "old", "new")
    assert "\u202e" not in out and '+ "滿 499 免運\\u202e"' in out
    _, out, _ = run(capsys, "diff", "old", "new", "--format", "markdown")
    assert "\u202e" not in out and '  + "滿 499 免運\\u202e"' in out


def test_markdown_code_spans_survive_backticks() -> None:
    from kefu.tui.diff_text import code, fence

    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert fence(["a ``` b"], "diff") == ["````diff", "a ``` b", "````"]


def test_json_and_another_format_is_a_usage_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "a", BASE)
    code, _, err = run(capsys, "diff", "a", "a", "--json", "--format", "markdown")
    assert code == 2 and "ask for two outputs" in err


def test_shop_option_and_unknown_shop(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", str(RULES), str(RULES), "--shop", "tw")
    assert (code, out) == (0, "")
    code, _, err = run(capsys, "diff", str(RULES), str(RULES), "--shop", "fr")
    assert code == 2
    assert err.strip().endswith("no shop 'fr' in " + f"{RULES} or {RULES}; shops there: sg, tw")


def test_rules_with_errors_exit_1_showing_them(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "a", BASE)
    write_shop(tmp_path / "b", BASE.replace("confidence 95", "confidance 95"))
    code, _, err = run(capsys, "diff", "a", "b")
    assert code == 1
    assert "b/shop.kefu:28:5: error[K010]" in err
    assert err.strip().splitlines()[-1] == "kefu diff: the rules at b have 1 error(s); fix them first (kefu check)"


# -- git revisions -------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


PRESET = 'preset p "P" {\n    language zh-Hant\n}\n\nfaq p.one "一" {\n    ask "第一"\n    reply "一"\n}\n'


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with two commits of rules/shops/s (which uses a preset by a relative path):
    the second turns the bot off and changes the preset's reply."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.invalid")
    git(repo, "config", "user.name", "t")
    shop = BASE.replace('timezone "Asia/Taipei"', 'timezone "Asia/Taipei"\n    use "../../presets/p.kefu"')
    write_shop(repo / "rules" / "shops" / "s", shop)
    (repo / "rules" / "presets").mkdir(parents=True)
    (repo / "rules" / "presets" / "p.kefu").write_text(PRESET, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    write_shop(repo / "rules" / "shops" / "s", shop.replace("bot {\n    on", "bot {\n    off"))
    (repo / "rules" / "presets" / "p.kefu").write_text(PRESET.replace('reply "一"', 'reply "壹"'), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "two")
    monkeypatch.chdir(repo)
    return repo


def kinds_of(out: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(c["kind"], c["setting"], c["old_at"], c["new_at"]) for c in json.loads(out)["changes"]]


EXPECTED = [
    ("policy_changed", "bot.enabled", "HEAD~1:rules/shops/s/shop.kefu:21", "HEAD:rules/shops/s/shop.kefu:21"),
    ("reply_changed", None, "HEAD~1:rules/presets/p.kefu:5", "HEAD:rules/presets/p.kefu:5"),
]


def test_two_revisions_with_a_path_each(repository: Path, capsys) -> None:
    code, out, _ = run(capsys, "diff", "HEAD~1:rules/shops/s", "HEAD:rules/shops/s", "--json")
    assert code == 1
    assert kinds_of(out) == EXPECTED


def test_a_bare_revision_takes_the_other_sides_path(repository: Path, capsys) -> None:
    code, out, _ = run(capsys, "diff", "HEAD~1", "rules/shops/s", "--json")
    assert code == 1
    assert [k[:2] for k in kinds_of(out)] == [k[:2] for k in EXPECTED]
    assert json.loads(out)["old"] == "HEAD~1:rules/shops/s"
    assert [k[3] for k in kinds_of(out)] == ["rules/shops/s/shop.kefu:21", "rules/presets/p.kefu:5"]


def test_two_bare_revisions_read_the_working_directory(repository: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(repository / "rules")
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD", "--json")
    assert code == 1
    assert json.loads(out)["old"] == "HEAD~1:rules"
    assert kinds_of(out) == EXPECTED


def test_a_revision_path_from_the_working_directory(repository: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(repository / "rules")
    code, out, _ = run(capsys, "diff", "HEAD~1:./shops/s", "HEAD:./shops/s", "--json")
    assert code == 1
    assert kinds_of(out) == EXPECTED


def test_a_branch_name_and_unchanged_revisions(repository: Path, capsys) -> None:
    code, out, err = run(capsys, "diff", "main", "rules/")
    assert (code, out) == (0, "")
    assert err == "no changes in meaning between main:rules and rules/\n"


def test_revision_reading_never_touches_the_working_tree(repository: Path, capsys) -> None:
    before = git(repository, "status", "--porcelain")
    run(capsys, "diff", "HEAD~1", "HEAD")
    assert git(repository, "status", "--porcelain") == before == ""
    assert git(repository, "stash", "list") == ""


def test_a_bad_revision_is_one_line(repository: Path, capsys) -> None:
    code, _, err = run(capsys, "diff", "nosuch", "rules/")
    assert code == 2
    where = f"the repository at {repository}"
    assert err == f"kefu diff: error: 'nosuch' is not a revision of {where}, nor a file or folder here\n"
    code, _, err = run(capsys, "diff", "nosuch:rules/", "rules/")
    assert code == 2
    assert err == f"kefu diff: error: 'nosuch' is not a revision of the repository at {repository}\n"


def test_a_path_missing_at_the_revision(repository: Path, capsys) -> None:
    code, _, err = run(capsys, "diff", "HEAD~1:rules/shops/x", "rules/")
    assert code == 2
    assert err == "kefu diff: error: 'rules/shops/x' does not exist at HEAD~1\n"


def test_not_a_git_repository(tmp_path: Path, capsys, monkeypatch) -> None:
    folder = tmp_path / "plain"
    write_shop(folder / "s", BASE)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git must not find a repository above it
    code, _, err = run(capsys, "diff", "HEAD~1", "s")
    assert code == 2
    assert (
        err.startswith("kefu diff: error: 'HEAD~1' is no file or folder here, and ")
        and "not in a git repository" in err
    )


def test_an_empty_revision_before_the_colon(repository: Path, capsys) -> None:
    code, _, err = run(capsys, "diff", ":rules/", "rules/")
    assert code == 2
    assert "name a revision before ':'" in err


def test_an_existing_path_wins_over_a_revision(repository: Path, capsys) -> None:
    (repository / "HEAD~1").mkdir()
    write_shop(repository / "HEAD~1" / "s", BASE)
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD~1", "--json")
    assert (code, json.loads(out)["old"]) == (0, "HEAD~1")


def test_errors_at_a_revision_are_named_at_that_revision(repository: Path, capsys) -> None:
    shop = repository / "rules" / "shops" / "s" / "shop.kefu"
    shop.write_text(shop.read_text(encoding="utf-8").replace("confidence 95", "confidance 95"), encoding="utf-8")
    git(repository, "commit", "-q", "-am", "three")
    code, _, err = run(capsys, "diff", "HEAD~1", "HEAD")
    assert code == 1
    assert "HEAD:rules/shops/s/shop.kefu:29:5: error[K010]" in err
    assert "29 |     confidance 95" in err


def test_the_demo_rules_against_themselves_at_head(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """The repository's own rules at HEAD, read through git, mean what the working tree's do (when
    the working tree's rules are committed)."""
    root = RULES.parent
    if subprocess.run(["git", "rev-parse"], cwd=root, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    if git(root, "status", "--porcelain", "--", "rules"):
        pytest.skip("uncommitted changes in rules/")
    monkeypatch.chdir(root)
    code, out, err = run(capsys, "diff", "HEAD", "rules")
    assert (code, out) == (0, ""), err


# -- the demo shops: overrides, drops, presets ---------------------------------------------------------


def demo_pair(tmp_path: Path, *pairs: tuple[str, str], preset: tuple[str, str] | None = None) -> None:
    """The demo rules as old/rules and new/rules, the new shop tw's file (and a preset) edited."""
    from tests.conftest import copy_rules

    for side in ("old", "new"):
        (tmp_path / side).mkdir()
    copy_rules(tmp_path / "old")
    rules = copy_rules(tmp_path / "new")
    shop = rules / "shops" / "tw" / "shop.kefu"
    shop.write_text(edited(shop.read_text(encoding="utf-8"), *pairs), encoding="utf-8")
    if preset is not None:
        general = rules / "presets" / "general.zh-Hant.kefu"
        general.write_text(edited(general.read_text(encoding="utf-8"), preset), encoding="utf-8")


def test_an_override_is_placed_where_the_shop_writes_it(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    demo_pair(tmp_path, ("單筆滿 NT$499 即享免運", "單筆滿 NT$599 即享免運"))
    code, out, _ = run(capsys, "diff", "old/rules", "new/rules", "--json")
    change = only(json.loads(out)["changes"])
    assert (code, change["kind"], change["shop"], change["entry"]) == (1, "reply_changed", "tw", "shipping.fee")
    assert (change["old_at"], change["new_at"]) == (
        "old/rules/shops/tw/shop.kefu:55",
        "new/rules/shops/tw/shop.kefu:55",
    )


def test_a_dropped_preset_entry_points_at_the_drop(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    demo_pair(tmp_path, ("drop faq payment.installment", "drop faq payment.installment\ndrop faq product.wholesale"))
    _, out, _ = run(capsys, "diff", "old/rules", "new/rules", "--json")
    found = [c for c in json.loads(out)["changes"] if c["kind"] != "tests_changed"]
    change = only(found)
    assert (change["kind"], change["entry"]) == ("entry_removed", "product.wholesale")
    assert change["new_at"] == "new/rules/shops/tw/shop.kefu:66"
    assert change["old_at"].startswith("old/rules/presets/general.zh-Hant.kefu:")


def test_a_preset_change_shows_in_each_shop_that_uses_it(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    demo_pair(tmp_path, preset=('faq shipping.fee "運費計算"', 'faq shipping.fee "運費"'))
    _, out, _ = run(capsys, "diff", "old/rules", "new/rules", "--json")
    change = only(json.loads(out)["changes"])
    assert (change["unit"], change["shop"], change["setting"]) == ("shop", "tw", "title")
    assert change["new_at"] == "new/rules/shops/tw/shop.kefu:55"  # the shop's override of that entry


def test_a_preset_no_shop_uses_is_compared_on_its_own(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    demo_pair(tmp_path, preset=('faq shipping.fee "運費計算"', 'faq shipping.fee "運費"'))
    _, out, _ = run(capsys, "diff", "old/rules/presets", "new/rules/presets", "--json")
    change = only(json.loads(out)["changes"])
    assert (change["unit"], change["shop"], change["entry"], change["old"], change["new"]) == (
        "preset",
        "general",
        "shipping.fee",
        "運費計算",
        "運費",
    )
    assert change["new_at"] == "new/rules/presets/general.zh-Hant.kefu:66"


# -- more categories ---------------------------------------------------------------------------------


def test_synonym_terms_after_the_first_are_a_set_the_first_is_not(tmp_path: Path, capsys, monkeypatch) -> None:
    three = edited(BASE, ("運費 = 郵費", "運費 = 郵費 = 寄費"))
    assert changes(tmp_path, capsys, monkeypatch, edited(BASE, ("運費 = 郵費", "運費 = 寄費 = 郵費")), old=three) == []
    new = edited(BASE, ("運費 = 郵費", "郵費 = 運費"))  # every term now reads as 郵費
    (tmp_path / "again").mkdir()
    change = only(changes(tmp_path / "again", capsys, monkeypatch, new))
    assert (change["kind"], change["added"], change["removed"]) == (
        "synonyms_changed",
        ["郵費 = 運費"],
        ["運費 = 郵費"],
    )


def test_an_entry_made_suggest_only(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('faq store.location "門市" {', 'faq store.location "門市" {\n    auto never'))
    change = only(changes(tmp_path, capsys, monkeypatch, new))
    assert (change["kind"], change["setting"], change["old"], change["new"]) == ("entry_changed", "auto", True, False)


def test_staff_and_periods_removed(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(
        BASE,
        ("    agent amy capacity 5\n", ""),
        ('period "大促" 2026-11-10..2026-11-12 {\n    bot {\n        when all_day\n    }\n}\n\n', ""),
    )
    found = changes(tmp_path, capsys, monkeypatch, new)
    assert [(c["kind"], c["period"], c["staff"], c["owner_only"]) for c in found] == [
        ("period_removed", "大促", None, ["BOT-1"]),
        ("staff_removed", None, "amy", []),
    ]
    assert found[0]["old"] == {"dates": "2026-11-10..2026-11-12", "settings": {"bot.when": "all_day"}}
    assert (found[0]["old_at"], found[0]["new_at"]) == ("old/shop.kefu:47", None)


def test_shops_added_and_removed(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old" / "s", BASE)
    write_shop(tmp_path / "new" / "s", BASE)
    write_shop(tmp_path / "new" / "t", BASE.replace('shop s "Shop S"', 'shop t "Shop T"'))
    code, out, _ = run(capsys, "diff", "old", "new", "--json")
    change = only(json.loads(out)["changes"])
    assert (code, change["kind"], change["shop"], change["new"], change["new_at"]) == (
        1,
        "shop_added",
        "t",
        "Shop T",
        "new/t/shop.kefu:1",
    )
    code, out, _ = run(capsys, "diff", "new", "old", "--json")
    assert [(c["kind"], c["shop"]) for c in json.loads(out)["changes"]] == [("shop_removed", "t")]


def test_colour_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kefu.tui.cli import cli

    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", BASE)
    write_shop(tmp_path / "new", NEW)
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = CliRunner().invoke(cli, ["diff", "old", "new"], color=True)  # as on a terminal
    assert coloured.exit_code == 1 and "\x1b[" in coloured.stdout
    piped = CliRunner().invoke(cli, ["diff", "old", "new"])
    assert piped.exit_code == 1 and "\x1b[" not in piped.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    asked = CliRunner().invoke(cli, ["diff", "old", "new"], color=True)
    assert "\x1b[" not in asked.stdout


def test_a_file_at_a_revision_brings_its_shop(repository: Path, capsys) -> None:
    code, out, _ = run(capsys, "diff", "HEAD~1:rules/shops/s/shop.kefu", "rules/shops/s/shop.kefu", "--json")
    assert code == 1
    assert [k[:2] for k in kinds_of(out)] == [k[:2] for k in EXPECTED]


def test_a_bare_revision_reads_the_repository_of_the_other_path(repository: Path, capsys, monkeypatch) -> None:
    elsewhere = repository.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not in any repository
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repository.parent))
    code, out, _ = run(capsys, "diff", "HEAD~1", str(repository / "rules"), "--json")
    assert code == 1
    assert json.loads(out)["old"] == "HEAD~1:rules"
    assert [k[:2] for k in kinds_of(out)] == [k[:2] for k in EXPECTED]


def test_a_file_at_a_revision_that_is_no_rule_file(repository: Path, capsys) -> None:
    (repository / "notes.txt").write_text("x", encoding="utf-8")
    git(repository, "add", "notes.txt")
    git(repository, "commit", "-q", "-m", "notes")
    code, _, err = run(capsys, "diff", "HEAD:notes.txt", "rules/")
    assert code == 2
    assert (
        err == "kefu diff: error: 'notes.txt' at HEAD is neither a .kefu file nor a folder (see 'kefu diff --help')\n"
    )


def test_a_revision_path_out_of_the_repository(repository: Path, capsys) -> None:
    code, _, err = run(capsys, "diff", "HEAD:../x", "rules/")
    assert code == 2
    assert err == f"kefu diff: error: '../x' is outside the repository at {repository} (see 'kefu diff --help')\n"


def test_how_an_argument_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.tui.errors import KefuError
    from kefu.tui.revisions import Spec, base_spec, parse_spec

    monkeypatch.chdir(tmp_path)
    (tmp_path / "main").mkdir()
    assert parse_spec("main") == Spec("main")  # a path that exists wins
    assert parse_spec("HEAD~1") == Spec("HEAD~1", "HEAD~1", None)
    assert parse_spec("main:rules/") == Spec("main:rules/", "main", "rules/")
    assert base_spec("main") == Spec("main", "main", None)  # --base is always a revision
    assert base_spec("main:rules") == Spec("main:rules", "main", "rules")
    for bad in ("-x", ":rules"):
        with pytest.raises(KefuError):
            parse_spec(bad)
        with pytest.raises(KefuError):
            base_spec(bad)


def test_base_revision_reads_the_rules_path_at_it(repository: Path) -> None:
    """How `kefu impact --base REV RULES` and `kefu when --base REV` will read the old rules."""
    from kefu.tui.revisions import base_spec, opened, parse_spec

    with opened(base_spec("HEAD~1"), parse_spec("rules/shops/s")) as source:
        assert source.label == "HEAD~1:rules/shops/s"
        text = (source.path / "shop.kefu").read_text(encoding="utf-8")
        assert "bot {\n    on" in text
        assert source.name(str(source.path / "shop.kefu")) == "HEAD~1:rules/shops/s/shop.kefu"
        folder = source.root
    assert folder is not None and not folder.exists()  # the copy is gone with the block


def test_a_period_that_turns_the_greeting_off_says_so(tmp_path: Path, capsys, monkeypatch) -> None:
    new = edited(BASE, ('test "t"', 'period "靜音" 2026-03-01..2026-03-02 {\n    greeting off\n}\n\ntest "t"'))
    monkeypatch.chdir(tmp_path)
    write_shop(tmp_path / "old", BASE)
    write_shop(tmp_path / "new", new)
    code, out, _ = run(capsys, "diff", "old", "new")
    assert code == 1
    assert '  + period "靜音" added: 2026-03-01..2026-03-02\n      greeting (none)\n' in out


def test_schema_diff_describes_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "diff")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "DiffDocument"
    assert list(schema["properties"]) == ["old", "new", "changes", "counts"]
    change = schema["$defs"]["Change"]["properties"]
    assert list(change) == [
        "kind",
        "unit",
        "shop",
        "entry",
        "old_entry",
        "period",
        "staff",
        "setting",
        "old",
        "new",
        "added",
        "removed",
        "old_at",
        "new_at",
        "owner_only",
    ]
    assert "entry_renamed" in change["kind"]["enum"]
