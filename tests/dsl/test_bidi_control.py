"""K043 (issue 10 §5): a bidirectional override or isolate in text that reaches a customer is a warning
of `kefu check`, pointed at the very character; a direction mark only where no right-to-left letter
needs it. Through the public command, as a merchant meets it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tui.test_cli import run

HEAD = 'shop demo "Demo Store" {\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n'
RLO, PDF, RLI, PDI, LRM, RLM, ALM = "\u202e", "\u202c", "\u2067", "\u2069", "\u200e", "\u200f", "\u061c"


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], *flags: str) -> tuple[int, list]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(tmp_path), "--json", *flags)
    # a shop of one or two asks never shows confidence 95 (K046): not what these tests are about
    return code, [
        (d["code"], Path(d["path"]).name, d["line"], d["column"], d["message"])
        for d in json.loads(out)["diagnostics"]
        if d["code"] != "K046"
    ]


def faq(reply: str, ask: str = "退款要多久", ident: str = "refund.days") -> str:
    return f'\nfaq {ident} "退款期限" {{\n    ask "{ask}"\n    reply "{reply}"\n}}\n'


def test_a_reply_with_a_right_to_left_override_is_k043_at_the_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's example: the reply reads `退款期限:7天` in review and otherwise on a customer's screen."""
    code, found = check(tmp_path, capsys, {"shop.kefu": HEAD + faq(f"退款期限:{RLO}天7{PDF}")})
    assert code == 0  # a warning: the shop builds and runs
    assert found == [
        (
            "K043",
            "shop.kefu",
            11,
            17,
            "the reply of 'refund.days' holds U+202E (right-to-left override) and 1 more such character: "
            "it displays differently from what is sent",
        )
    ]
    code, _ = check(tmp_path, capsys, {}, "--fail-on", "warning")
    assert code == 1


def test_k043_prints_the_invisible_characters_as_escapes_with_the_caret_under_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    silent = HEAD.replace("{\n", "{  # kefu: ignore[K046]\n", 1)  # one ask: K046 on line 1 (not this test's)
    (tmp_path / "shop.kefu").write_text(silent + faq(f"請於{RLI}7{PDI}天內申請"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(tmp_path / "shop.kefu"))
    assert code == 0
    assert out.splitlines()[1:4] == [
        "   |",
        '11 |     reply "請於\\u2067' + '7\\u2069天內申請"',
        "   |                ^^^^^^",
    ]


@pytest.mark.parametrize(
    ("files", "what"),
    [
        pytest.param({"shop.kefu": HEAD + faq("好", ask=f"退款{RLO}要多久")}, "an ask of 'refund.days'", id="ask"),
        pytest.param(
            {"shop.kefu": HEAD + f'bot {{\n    on\n    fallback "稍後{RLO}回覆"\n}}\n'},
            "the bot's fallback",
            id="fallback",
        ),
        pytest.param(
            {"shop.kefu": HEAD + f'bot {{\n    on\n    off_hours_reply "稍後{RLO}回覆"\n}}\n'},
            "the off-hours reply",
            id="off-hours-reply",
        ),
        pytest.param({"shop.kefu": HEAD + f'greeting "您好{RLO}"\n'}, "the greeting", id="greeting"),
        pytest.param(
            {"shop.kefu": HEAD + f'period "sale" 2026-11-10..2026-11-12 {{\n    greeting "雙11{RLO}快樂"\n}}\n'},
            "the greeting",
            id="greeting-of-a-period",
        ),
        pytest.param(
            {"shop.kefu": HEAD + f'period "sale" 2026-11-10..2026-11-12 {{\ngreeting "雙11{RLO}快樂"\n}}\n'},
            "the greeting",
            id="an-unindented-statement-in-a-block",
        ),
        pytest.param(
            {"shop.kefu": HEAD + f'\nfaq refund.days "退款{RLO}期限" {{\n    ask "退款"\n    reply "好"\n}}\n'},
            "the title of 'refund.days'",
            id="title",
        ),
        pytest.param(
            {"shop.kefu": HEAD.replace('"Demo Store"', f'"Demo{RLO} Store"')}, "the shop's name", id="shop-name"
        ),
        pytest.param(
            {"shop.kefu": HEAD.replace("owner mia", f"owner mia\n    agent amy{RLO}")},
            f"the name of agent 'amy{RLO}'",
            id="staff-name",
        ),
    ],
)
def test_every_text_that_reaches_a_customer_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], what: str
) -> None:
    _, found = check(tmp_path, capsys, files)
    assert [(code, message.split(" holds ")[0]) for code, _, _, _, message in found] == [("K043", what)]


def test_text_that_reaches_no_customer_is_not_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A comment, a test case and a scenario's customer line are not sent by the shop."""
    text = (
        HEAD
        + faq("您好,退款約 7 天。")
        + f'# 註解{RLO}\ntest "t" {{\n    "退款{RLO}要多久" -> refund.days\n}}\n'
        + f'scenario "s" {{\n    at 2026-11-24 10:00\n    customer "退款{RLO}"\n}}\n'
    )
    assert check(tmp_path, capsys, {"shop.kefu": text}) == (0, [])


def test_a_preset_reply_is_flagged_in_the_preset_unless_the_shop_overrides_or_drops_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset = 'preset general "通用類"\n' + faq(f"退款期限:{RLO}天7{PDF}")
    shop = HEAD.replace("}\n", '    use "preset.kefu"\n}\n', 1)
    _, found = check(tmp_path, capsys, {"preset.kefu": preset, "shop.kefu": shop})
    assert [(code, file, line) for code, file, line, _, _ in found] == [("K043", "preset.kefu", 5)]
    override = shop + '\noverride faq refund.days {\n    reply "退款期限:7天"\n}\n'
    assert check(tmp_path, capsys, {"shop.kefu": override}) == (0, [])
    assert check(tmp_path, capsys, {"shop.kefu": shop + "\ndrop faq refund.days\n"}) == (0, [])


def test_a_direction_mark_is_flagged_only_where_no_right_to_left_letter_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """U+061C before `7-14` shows it as `14-7`; in Arabic or Hebrew text a mark is how punctuation is placed."""
    text = (
        HEAD
        + faq(f"您好,退款約 {ALM}7-14 天入帳。")
        + faq(f"Refund in {LRM}7 days", ask="refund", ident="refund.en")
        + faq(f"يصل المبلغ خلال {RLM}7-14 يومًا", ask="متى يصل", ident="refund.ar")
        + faq(f"ההחזר תוך {LRM}7 ימים", ask="מתי", ident="refund.he")
    )
    _, found = check(tmp_path, capsys, {"shop.kefu": text})
    assert [(line, message) for _, _, line, _, message in found] == [
        (11, "the reply of 'refund.days' holds U+061C (arabic letter mark) without a right-to-left letter"),
        (16, "the reply of 'refund.en' holds U+200E (left-to-right mark) without a right-to-left letter"),
    ]


def test_k043_is_silenced_by_a_suppression_on_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    silenced = f'\nfaq refund.days "退款期限" {{\n    ask "退款"\n    reply "退{RLO}款"  # kefu: ignore[K043]\n}}\n'
    assert check(tmp_path, capsys, {"shop.kefu": HEAD + silenced}) == (0, [])
    _, found = check(tmp_path, capsys, {"shop.kefu": HEAD + faq("好") + '\ngreeting "您好"  # kefu: ignore[K043]\n'})
    assert [code for code, *_ in found] == ["K040"]  # silences nothing: unused
