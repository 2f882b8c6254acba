"""K046 (issue 12): `kefu check` warns when a shop's own data can never show its `confidence`, with the
highest score it can show and its asks per entry; `kefu ask --explain` says the same. The rule needs
the shop's matcher, so only `kefu check` runs it: loading rules for every other command does not."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from kefu.dsl.load import load
from kefu.engine import matcher as matcher_module
from kefu.engine.matcher import Matcher
from kefu.engine.rules import FaqEntry, Shop, SynonymGroup
from tests.conftest import RULES
from tests.tui.test_cli import run

HEAD = 'shop tea "Tea" {\n    language zh-Hant\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n'
# the four-entry tea shop, written from docs/language.md: origin, brewing, shipping fee, returns;
# 19 asks and 4 titles to hold out, so it calibrates (20 needed)
TEA = {
    "tea.origin": ("產地", ["茶葉產地是哪裡?", "你們的茶是哪裡產的", "茶是台灣種的嗎", "產地在哪", "是高山茶嗎"]),
    "tea.brew": ("沖泡", ["怎麼泡茶?", "水溫要幾度", "要泡幾分鐘", "一次放多少茶葉", "可以冷泡嗎"]),
    "shipping.fee": ("運費", ["運費多少?", "有免運嗎", "滿多少免運費", "寄到外島要多少錢", "運費怎麼算"]),
    "returns": ("退貨", ["可以退貨嗎?", "怎麼退款", "收到壞掉的茶可以換嗎", "退貨流程"]),
}
# the same shop with three asks an entry: 12 asks and 4 titles, too small to calibrate
SMALL_TEA = {ident: (title, asks[:3]) for ident, (title, asks) in TEA.items()}
# the seed page's entry and one more: a shop of two one-ask entries
PAGE = {
    "shipping.free": ("商品包郵", ["請問商品包郵麼?"]),
    "returns.policy": ("退貨", ["可以退貨嗎?"]),
}


def faqs(entries: dict[str, tuple[str, list[str]]], auto: bool = True) -> str:
    blocks = []
    for ident, (title, asks) in entries.items():
        lines = "".join(f'    ask "{ask}"\n' for ask in asks)
        never = "" if auto else "    auto never\n"
        blocks.append(f'faq {ident} "{title}" {{\n{lines}{never}    reply "您好。"\n}}\n')
    return "\n" + "\n".join(blocks)


def matching(confidence: int, comment: str = "") -> str:
    return f"\nmatching {{{comment}\n    confidence {confidence}\n}}\n"


def write(folder: Path, text: str) -> Path:
    (folder / ".git").mkdir(parents=True, exist_ok=True)  # the search for an enclosing shop stops here
    shop = folder / "shop"
    shop.mkdir(exist_ok=True)
    (shop / "shop.kefu").write_text(text, encoding="utf-8")
    return shop


def check(capsys: pytest.CaptureFixture[str], folder: Path, *flags: str) -> tuple[int, list[dict]]:
    code, out, _ = run(capsys, "check", "--no-cache", "--json", *flags, str(folder))
    return code, json.loads(out)["diagnostics"]


def the_shop(folder: Path) -> Shop:
    (shop,) = load([folder]).rules.shops
    return shop


def highest(shop: Shop) -> float:
    """The highest score the shop's matcher gives, read the way a match rounds its scores."""
    return round(Matcher(shop.entries, shop.synonyms).calibration.highest, 1)


def test_D8_a_shop_whose_data_cannot_reach_its_confidence_is_warned_with_the_highest_score_and_its_asks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write(tmp_path, HEAD + matching(99) + faqs(TEA))
    top = highest(the_shop(folder))
    assert top < 99
    code, found = check(capsys, folder)
    assert code == 0  # a warning: the shop builds and runs
    (finding,) = found
    assert (finding["code"], finding["severity"], finding["line"]) == ("K046", "warning", 10)  # `matching {`
    assert finding["message"] == (
        f"confidence 99 is never reached: this shop's own data shows at most {top:g} "
        "for a message that is not one of its asks"
    )
    assert finding["help"] == (
        "write more asks per entry, worded as customers write; "
        "it has 19 asks for 4 entries (4.8 per entry; fewest: 'returns' with 4)"
    )


def test_D8_the_figure_is_the_level_a_shop_can_reach_and_no_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the calibration, the warning's figure is exactly the ceiling: a level at it is not
    warned, one just above it is."""
    top = highest(the_shop(write(tmp_path / "probe", HEAD + faqs(TEA))))
    at, above = math.floor(top), math.floor(top) + 1
    assert check(capsys, write(tmp_path / "at", HEAD + matching(at) + faqs(TEA)))[1] == []
    (finding,) = check(capsys, write(tmp_path / "above", HEAD + matching(above) + faqs(TEA)))[1]
    assert finding["code"] == "K046" and finding["message"].startswith(f"confidence {above} is never reached")


def test_D8_a_shop_too_small_to_calibrate_is_warned_at_its_header_under_the_default_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No matching block: the default confidence 95, reported on the shop's line. A shop too small to
    calibrate scores every guess 0 (only exact asks are sent): its ceiling is 0, and it says why."""
    (finding,) = check(capsys, write(tmp_path / "page", HEAD + faqs(PAGE)))[1]
    assert (finding["code"], finding["line"]) == ("K046", 1)
    assert finding["message"] == (
        "confidence 95 is never reached: this shop is too small to calibrate (4 asks to hold out, 20 needed): "
        "a message that is not one of its asks scores 0"
    )
    assert finding["help"] == (
        "write more asks per entry, worded as customers write, until 20 asks and titles can be held out; "
        "it has 2 asks for 2 entries (1.0 per entry)"
    )
    (finding,) = check(capsys, write(tmp_path / "small", HEAD + faqs(SMALL_TEA)))[1]
    assert "too small to calibrate (16 asks to hold out, 20 needed)" in finding["message"]


def test_D8_a_one_entry_shop_is_told_it_needs_more_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seed page's own entry alone: more asks would not make it calibrate, more entries would."""
    one = {"shipping.free": PAGE["shipping.free"]}
    (finding,) = check(capsys, write(tmp_path, HEAD + faqs(one)))[1]
    assert "this shop is too small to calibrate (one entry)" in finding["message"]
    assert (
        finding["help"]
        == "a shop calibrates from two entries on: write more entries; it has 1 ask for 1 entry (1.0 per entry)"
    )


def test_D8_the_demo_shops_reach_their_levels(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, RULES, "--fail-on", "warning")
    assert (code, found) == (0, [])


def test_a_shop_whose_entries_are_all_auto_never_is_not_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing of it is ever auto-sent, whatever its level: the level promises nothing."""
    assert check(capsys, write(tmp_path, HEAD + faqs(PAGE, auto=False)))[1] == []


def test_a_period_with_its_own_unreachable_level_is_warned_at_its_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = highest(the_shop(write(tmp_path / "probe", HEAD + faqs(TEA))))
    period = '\nperiod "sale" 2026-11-10..2026-11-12 {\n    matching {\n        confidence 99\n    }\n}\n'
    folder = write(tmp_path / "shop", HEAD + matching(math.floor(top)) + period + faqs(TEA))
    (finding,) = check(capsys, folder)[1]
    assert (finding["code"], finding["line"]) == ("K046", 15)
    assert finding["message"].startswith("confidence 99 is never reached during period 'sale': ")


def test_a_period_that_keeps_the_shops_confidence_is_not_warned_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    period = '\nperiod "sale" 2026-11-10..2026-11-12 {\n    matching {\n        suggest 40\n    }\n}\n'
    folder = write(tmp_path, HEAD + matching(99) + period + faqs(TEA))
    assert [(f["code"], f["line"]) for f in check(capsys, folder)[1]] == [("K046", 10)]


def test_k046_is_silenced_by_a_suppression_on_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write(tmp_path, HEAD + matching(99, "   # kefu: ignore[K046]") + faqs(TEA))
    assert check(capsys, folder, "--fail-on", "warning") == (0, [])


def test_an_unused_k046_suppression_is_k040_in_kefu_check_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where K046 was looked for and not found, its suppression silences nothing (K040); the other
    commands never look for K046, so they cannot tell and say nothing."""
    top = highest(the_shop(write(tmp_path / "probe", HEAD + faqs(TEA))))
    folder = write(tmp_path / "shop", HEAD + matching(math.floor(top), "   # kefu: ignore[K046]") + faqs(TEA))
    (finding,) = check(capsys, folder)[1]
    assert (finding["code"], finding["line"], finding["message"]) == (
        "K040",
        10,
        "no K046 finding on this line to ignore",
    )
    assert load([folder]).diagnostics == []


def test_k046_reaches_github_annotations_and_text_like_any_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write(tmp_path, HEAD + faqs(PAGE))
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "github", str(folder))
    assert code == 0 and out.startswith("::warning file=") and ",title=K046::confidence 95 is never reached" in out
    code, out, err = run(capsys, "check", "--no-cache", str(folder), "--fail-on", "warning")
    assert code == 1 and "warning[K046]: confidence 95 is never reached" in out
    assert err.strip() == "checked 1 file: found 1 warning"


def test_loading_rules_builds_no_matcher_and_kefu_check_builds_one_per_shop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command and the terminal UI load rules: that load never waits for a matcher; `kefu
    check` builds one per shop for the rules that need it (the demo rules: two shops)."""
    built: list[str] = []

    def counted(entries: Sequence[FaqEntry], synonyms: Sequence[SynonymGroup] = ()) -> Matcher:
        built.append(entries[0].id)
        return Matcher(entries, synonyms)

    monkeypatch.setattr(matcher_module, "Matcher", counted)
    result = load([RULES])
    assert len(result.rules.shops) == 2 and built == []
    check(capsys, RULES)
    assert len(built) == 2


def test_D8_kefu_ask_explain_says_when_the_level_cannot_be_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write(tmp_path, HEAD + matching(99) + faqs(TEA))
    top = highest(the_shop(folder))
    code, out, _ = run(capsys, "ask", str(folder), "請問有免運嗎", "--explain")
    assert code == 0
    lines = out.splitlines()
    assert (
        f"  note:       confidence 99 is never reached: this shop's own data shows at most {top:g} "
        "for a message that is not one of its asks"
    ) in lines
    assert "              write more asks per entry, worded as customers write; it has 19 asks" in "\n".join(lines)
    code, out, _ = run(capsys, "ask", str(folder), "請問有免運嗎", "--json")
    assert json.loads(out)["highest_score"] == top
    code, out, _ = run(capsys, "ask", str(folder), "請問有免運嗎")
    assert "never reached" not in out  # only --explain says it
    code, out, _ = run(capsys, "ask", str(write(tmp_path / "page", HEAD + faqs(PAGE))), "有包郵嗎", "--explain")
    assert "this shop is too small to calibrate (4 asks to hold out, 20 needed)" in out
    code, out, _ = run(capsys, "ask", str(write(tmp_path / "page", HEAD + faqs(PAGE))), "有包郵嗎", "--json")
    assert json.loads(out)["highest_score"] == 0


def test_kefu_ask_explain_says_nothing_of_it_where_the_level_is_reached(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", str(RULES / "shops" / "tw"), "這個有免運費嗎", "--explain")
    assert code == 0 and not re.search("never reached|more asks", out)
