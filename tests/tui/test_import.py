"""`kefu import` (issue #3 §3): JSON Lines and CSV into a shop file `kefu check` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefu.dsl.load import load
from tests.conftest import RULES
from tests.tui.test_cli import run


def _check_clean(path: Path) -> None:
    assert load([path]).diagnostics == []


def test_jsonl_import_keeps_every_id_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "shipping.free", "asks": ["請問商品包郵麼?", "有免運嗎"], "reply": "您好,您可以在商品詳情頁查看郵費。"},
        {"id": "Order Status #1", "asks": ['where is my "order"']},  # no reply: --reply's; an id that needs quotes
        {"id": "买家发送结束语", "asks": ["好了好了,晚安"], "reply": "costs $5"},
    ]
    source = tmp_path / "kb.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "shop" / "shop.kefu"
    code, _, err = run(capsys, "import", str(source), "-o", str(out), "--reply", "稍後回覆 $")
    assert code == 0, err
    assert "wrote" in err and "3 entries, 4 asks" in err
    _check_clean(out.parent)
    shop = load([out.parent]).rules.shops[0]
    assert [e.id for e in shop.entries] == ["shipping.free", "Order Status #1", "买家发送结束语"]
    assert shop.entries[1].asks[0].text == 'where is my "order"'
    assert shop.entries[1].reply == "稍後回覆 $$"
    assert shop.entries[2].reply == "costs $$5"  # a literal dollar, never a placeholder
    assert run(capsys, "fmt", "--check", str(out))[0] == 0  # already canonical


def test_jsonl_bad_rows_are_reported_by_line_and_the_rest_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "kb.jsonl"
    source.write_text(
        '{"id": "a", "asks": ["x"], "reply": "r"}\n{"id": "b"\n\n{"asks": ["y"]}\n{"id": "c", "asks": "z"}\n[1]\n',
        encoding="utf-8",
    )
    out = tmp_path / "s" / "shop.kefu"
    code, _, err = run(capsys, "import", str(source), "-o", str(out))
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"{source}:2: not JSON")
    assert lines[1] == f"{source}:4: no id (a non-empty string)"
    assert lines[2] == f"{source}:5: entry 'c': 'asks' must be a non-empty list of strings"
    assert lines[3] == f"{source}:6: not a JSON object"
    assert "1 entries, 1 asks; 4 problems above" in lines[4]
    _check_clean(out.parent)


def test_an_entry_without_a_reply_is_reported_never_written_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 §9: `kefu import` wrote `reply ""` for a row without a reply, and the bot sent an empty
    message. An entry whose rows give no reply (or only an empty one) is left out and reported, unless
    --reply gives one for all such entries; an empty --reply is a usage error."""
    source = tmp_path / "kb.csv"
    source.write_text("id,ask,reply\na,hello,hi there\nb,where is it,\nc,when,   \n", encoding="utf-8")
    out = tmp_path / "s" / "shop.kefu"
    code, _, err = run(capsys, "import", str(source), "-o", str(out))
    assert code == 1
    assert f"{source}:3: entry 'b': no reply" in err and f"{source}:4: entry 'c': no reply" in err
    assert 'reply ""' not in out.read_text(encoding="utf-8")
    assert [e.id for e in load([out.parent]).rules.shops[0].entries] == ["a"]
    code, _, err = run(capsys, "import", str(source), "-o", str(out), "--force", "--reply", " ")
    assert code == 2 and "--reply: the reply is empty" in err
    code, _, err = run(capsys, "import", str(source), "-o", str(out), "--force", "--reply", "稍後回覆")
    assert code == 0, err
    assert [e.reply for e in load([out.parent]).rules.shops[0].entries] == ["hi there", "稍後回覆", "稍後回覆"]


def test_an_empty_reply_is_an_error_in_check(tmp_path: Path) -> None:
    """Issue 10 §9: `reply ""` passed `kefu check` and the bot sent an empty message. A reply, greeting,
    fallback or off-hours reply of only spaces or invisible characters is K044."""
    shop = tmp_path / "shop.kefu"
    shop.write_text(
        'shop s "S"\nstaff { owner mia }\ngreeting " "\nbot {\n    fallback "\u200b"\n    off_hours_reply ""\n}\n'
        'faq a "A" {\n    ask "hi"\n    reply "\t"\n}\noverride faq a {\n    reply ""\n}\n',
        encoding="utf-8",
    )
    found = [(d.code, d.span.line, d.message) for d in load([shop]).diagnostics]
    assert found[:4] == [
        ("K044", 3, "the greeting is empty"),
        ("K044", 5, "the fallback is empty"),
        ("K044", 6, "the off hours reply is empty"),
        ("K044", 10, "the reply is empty"),
    ]


def test_csv_import_joins_rows_of_one_id_and_reports_an_ask_under_two_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "kb.csv"
    source.write_text(
        "id,ask,reply\norder.status,where is my order,See My Orders.\norder.status,track my parcel,\n"
        "refund,where is my order,Sorry\n,orphan ask,\n",
        encoding="utf-8",
    )
    out = tmp_path / "s" / "shop.kefu"
    code, _, err = run(capsys, "import", str(source), "-o", str(out))
    assert code == 1
    assert f"{source}:4: entry 'refund': the ask 'where is my order' is already under 'order.status'; left out" in err
    assert f"{source}:5: no id" in err
    shop = load([out.parent]).rules.shops[0]
    assert [(e.id, [a.text for a in e.asks], e.reply) for e in shop.entries] == [
        ("order.status", ["where is my order", "track my parcel"], "See My Orders.")
    ]


def test_csv_without_the_columns_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "kb.csv"
    source.write_text("question,answer\nx,y\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(source), "-o", str(tmp_path / "s" / "shop.kefu"))
    assert code == 1
    assert (
        err.splitlines()[0] == f"{source}:1: the header must name the columns id and ask (and optionally reply); "
        "found ['question', 'answer']"
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.jsonl", None, "kefu import: error: "),
        ("kb.txt", "x", "kefu import: error: cannot tell the format of kb.txt"),
    ],
)
def test_import_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | None, message: str
) -> None:
    source = tmp_path / name
    if content is not None:
        source.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "import", str(source), "-o", str(tmp_path / "o.kefu"))
    assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1


def test_import_of_binary_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "kb.jsonl"
    source.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(capsys, "import", str(source), "-o", str(tmp_path / "o.kefu"))
    assert code == 1 and "not UTF-8" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        ("[" * 100_000 + "]" * 100_000, "not JSON: nested deeper than a reader can follow"),
        ('{"id": "a.b", "asks": ["x\\udcff"], "reply": "y"}', "not text: a lone surrogate escape"),
    ],
    ids=["nested-100000-deep", "lone-surrogate"],
)
def test_import_and_eval_refuse_a_line_no_reader_can_take_and_keep_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str, message: str
) -> None:
    """Issue 10 §3: these ended in RecursionError / UnicodeEncodeError (exit 3)."""
    good = '{"id": "c.d", "asks": ["有免運嗎"], "reply": "有"}'
    source = tmp_path / "kb.jsonl"
    source.write_text(bad + "\n" + good + "\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(source), "-o", str(tmp_path / "s" / "shop.kefu"), "--shop", "s")
    assert code == 1
    assert f"{source}:1: {message}" in err and "internal error" not in err
    assert 'faq c.d "有免運嗎"' in (tmp_path / "s" / "shop.kefu").read_text(encoding="utf-8")
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        bad.replace('"id": "a.b", "asks": ["x', '"text": "').replace('"], "reply": "y"', '", "expect": null')
        + "\n"
        + '{"text": "有免運嗎", "expect": "shipping.free"}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "eval", str(RULES / "shops" / "tw"), str(queries))
    assert code == 1
    assert f"{queries}:1: {message}" in err and "internal error" not in err
    assert "1 queries" in out


@pytest.mark.parametrize(
    "field, message",
    [
        ("hello\x1bworld", "entry 'a.b': a control character U+001B in its ask; a rule file holds text only"),
        ("hello\x00world", "entry 'a.b': a control character U+0000 in its ask; a rule file holds text only"),
        ("x" * 140_000, "a field of 140,000 characters (at most 131,072)"),
    ],
    ids=["esc", "nul", "over-128-kib"],
)
def test_csv_rows_a_rule_file_cannot_hold_are_reported_and_the_rest_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, message: str
) -> None:
    """Issue 10 §3: these ended in an internal error ("produced a file that does not parse", csv.Error)."""
    source = tmp_path / "export.csv"
    source.write_text(f"id,ask,reply\na.b,{field},hi\nc.d,ok,fine\n", encoding="utf-8")
    output = tmp_path / "s" / "shop.kefu"
    code, _, err = run(capsys, "import", str(source), "-o", str(output), "--shop", "s")
    assert code == 1
    assert err.splitlines()[0] == f"{source}:2: {message}"
    assert "internal error" not in err
    written = output.read_text(encoding="utf-8")
    assert 'faq c.d "ok"' in written and "a.b" not in written
    assert load([output]).errors == []


def test_import_never_overwrites_an_existing_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 §8: `kefu import bad.csv -o existing/shop.kefu` replaced an 80-line shop with an empty one."""
    source = tmp_path / "kb.jsonl"
    source.write_text('{"id": "c.d", "asks": ["有免運嗎"], "reply": "有"}\n', encoding="utf-8")
    output = tmp_path / "s" / "shop.kefu"
    output.parent.mkdir()
    output.write_text("# the merchant's own shop\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(source), "-o", str(output))
    assert code == 2
    assert f"{output} exists already; give --force to replace it" in err
    assert output.read_text(encoding="utf-8") == "# the merchant's own shop\n"
    code, _, _ = run(capsys, "import", str(source), "-o", str(output), "--force")
    assert code == 0 and 'faq c.d "有免運嗎"' in output.read_text(encoding="utf-8")


def test_import_writes_nothing_when_no_row_is_usable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("id,ask,reply\n,no id,x\n", encoding="utf-8")
    output = tmp_path / "s" / "shop.kefu"
    code, _, err = run(capsys, "import", str(source), "-o", str(output))
    assert code == 1
    assert err.splitlines()[0] == f"{source}:2: no id"
    assert "no usable entry" in err and "nothing written" in err
    assert not output.exists()
