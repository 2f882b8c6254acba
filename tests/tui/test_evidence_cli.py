"""What a merchant sees of the evidence behind a decision (issue 12): `kefu ask --explain` and
`--json` say when an exact ask decided or the shop is too small to calibrate (KB-3, IR-2, D-8), and
`kefu eval` reports suggestion precision@3 beside recall@3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefu.engine.meaning import MEANING_FLOOR
from tests.engine.test_evidence import HEADER, PAGE
from tests.tui.test_cli import run

PAGE_SHOP = HEADER + PAGE  # the seed page's one-entry shop, as tests/engine/test_evidence.py writes it


@pytest.fixture
def page(tmp_path: Path) -> Path:
    folder = tmp_path / "page"
    folder.mkdir()
    (folder / "shop.kefu").write_text(PAGE_SHOP, encoding="utf-8")
    return folder


def test_KB3_kefu_ask_explain_says_an_exact_ask_decided(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", str(page), "請問商品包郵麼?", "--explain")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "auto-send: shipping.free  (score 100, margin 100)"
    assert (
        "  why:        auto-send: the message is an exact ask of 'shipping.free' (score 100), margin 100 >= 8" in lines
    )


def explained(capsys: pytest.CaptureFixture[str], shop: Path, message: str) -> tuple[str, str]:
    """`kefu ask SHOP MESSAGE --explain`: its verdict line and its `why:` line (it exits 0)."""
    code, out, _ = run(capsys, "ask", str(shop), message, "--explain")
    lines = out.splitlines()
    [why] = [line for line in lines if line.startswith("  why:")]
    assert code == 0
    return lines[0], why


def test_IR2_kefu_ask_explain_says_a_tiny_shop_only_suggests_a_guess(
    page: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict, why = explained(capsys, page, "有包郵嗎")
    assert verdict.startswith("suggest only: shipping.free  (score 0, ")
    assert "too small to calibrate (one entry), so only exact asks are auto-sent" in why


def test_D8_kefu_ask_json_gives_the_evidence(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", str(page), "請問商品包郵麼?", "--json")
    answer = json.loads(out)
    assert code == 0 and (answer["exact"], answer["tiny_shop"]) == (True, True)
    assert answer["reason"].startswith("auto-send: the message is an exact ask")
    code, out, _ = run(capsys, "ask", str(page), "你們賣咖啡嗎", "--json")
    answer = json.loads(out)
    assert (answer["decision"], answer["exact"]) == ("none", False) and answer["reason"].startswith("no answer")


def test_eval_reports_suggestion_precision_at_3_beside_recall_at_3(
    page: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Of the three queries that got suggestions, the one labelled out of scope counts as wrong."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"text": "請問商品包郵麼?", "expect": "shipping.free"}\n'
        '{"text": "有包郵嗎", "expect": "shipping.free"}\n'
        '{"text": "商品包郵嗎", "expect": null}\n'
        '{"text": "你們賣咖啡嗎", "expect": null}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "eval", str(page), str(queries), "--json")
    report = json.loads(out)
    assert code == 0, err
    assert (report["suggest_precision_at_3"], report["suggest_recall_at_3"]) == (0.6667, 1.0)
    assert (report["auto_precision"], report["auto_coverage"]) == (1.0, 0.5)  # the exact ask only
    code, out, _ = run(capsys, "eval", str(page), str(queries))
    assert "  suggestions right in top 3   66.7%" in out.splitlines()


@pytest.fixture
def utility(tmp_path: Path) -> Path:
    """tests/engine/test_meaning.py's dozen-entry shop as a shop file (each entry's first text its title)."""
    from tests.engine.test_meaning import UTILITY

    faqs = "".join(
        f'faq {entry} "{texts[0]}" {{\n' + "".join(f'    ask "{t}"\n' for t in texts[1:]) + '    reply "ok"\n}\n'
        for entry, texts in UTILITY.items()
    )
    folder = tmp_path / "utility"
    folder.mkdir()
    header = (
        'shop utility "Utility" {\n    language en\n    timezone "Asia/Singapore"\n}\n\nstaff {\n    owner lim\n}\n'
    )
    (folder / "shop.kefu").write_text(header + faqs, encoding="utf-8")
    return folder


def test_D8_kefu_ask_explain_says_a_guess_was_held_back_for_its_meaning(
    utility: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict, why = explained(capsys, utility, "how many pounds are in 10 kilos")
    assert verdict.startswith("suggest only: spelling  (score 9")
    assert "but its meaning is far from 'spelling' (0." in why and why.endswith(
        f"< {MEANING_FLOOR:g}), so it is not auto-sent"
    )
    answers = {}
    for message in ("how many pounds are in 10 kilos", "how do you spell definitely", "Heads or tails?"):
        code, out, _ = run(capsys, "ask", str(utility), message, "--json")
        assert code == 0
        answers[message] = json.loads(out)
    held, sent, exact = answers.values()
    assert held["decision"] == "suggest" and 0 <= held["meaning"] < MEANING_FLOOR
    assert (sent["decision"], sent["entry"]) == ("auto_send", "spelling") and sent["meaning"] >= MEANING_FLOOR
    assert (exact["decision"], exact["exact"], exact["meaning"]) == ("auto_send", True, None)


def test_eval_counts_the_guesses_held_back_for_their_meaning_and_its_sweep_never_sends_them(
    utility: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The conversion is sent at no confidence level of the sweep: the check holds it back at all."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"text": "how many pounds are in 10 kilos", "expect": None})
        + "\n"
        + json.dumps({"text": "how do you spell definitely", "expect": "spelling"})
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "eval", str(utility), str(queries), "--json", "--sweep")
    report = json.loads(out)
    assert code == 0 and (report["meaning_held"], report["meaning_held_right"]) == (1, 0)
    assert report["auto_sends"] == 1 and report["oos_auto_rate"] == 0.0
    assert len(report["sweep"]) == 21
    # the spelling guess scores 96.3: sent at every level up to 95, alone
    assert all((row["auto_sends"], row["precision"]) == (1, 1.0) for row in report["sweep"][:-1])
    assert report["sweep"][-1]["auto_sends"] == 0
    code, out, _ = run(capsys, "eval", str(utility), str(queries))
    assert "held back for meaning           1  (0 of them right)" in out
