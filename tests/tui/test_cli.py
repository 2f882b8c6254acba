"""The command line's contract: exit codes, --json keys, annotations, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from kefu.tui import cli as cli_module
from tests.conftest import RULES

KEFU = Path(sys.executable).parent / "kefu"

GOOD = 'shop s "S" {\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n'
BAD = GOOD + '\nmatching {\n    confidance 80\n}\n\nfaq a.b "t" {\n    ask "x"\n}\n'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    assert isinstance(code, int), code
    return code, out, err


def shop(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "shop.kefu").write_text(text, encoding="utf-8")
    return folder


def test_check_clean_rules_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(RULES))
    assert (code, out) == (0, "")
    assert err.strip() == "checked 4 files: no problems"


def test_check_findings_exit_1_with_rustc_style_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shop(tmp_path, BAD)
    code, out, err = run(capsys, "check", "shop")
    assert code == 1
    assert out.splitlines()[:5] == [
        "shop/shop.kefu:10:5: error[K010]: unknown matching setting 'confidance'",
        "   |",
        "10 |     confidance 80",
        "   |     ^^^^^^^^^^",
        "  = help: did you mean 'confidence'?",
    ]
    assert "error[K013]: entry 'a.b' has no reply" in out
    assert err.strip() == "checked 1 file: found 2 errors"


def test_check_json_has_the_documented_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shop(tmp_path, BAD)
    code, out, _ = run(capsys, "check", "--json", str(folder))
    assert code == 1
    document = json.loads(out)
    assert list(document) == ["diagnostics"]
    first = document["diagnostics"][0]
    assert {"path", "line", "column", "severity", "code", "message", "help"} <= set(first)
    assert (first["line"], first["column"], first["code"], first["severity"]) == (10, 5, "K010", "error")


def test_check_json_clean_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--json", str(RULES))
    assert code == 0 and json.loads(out) == {"diagnostics": []}


def test_check_github_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shop(tmp_path, BAD)
    code, out, _ = run(capsys, "check", "--format", "github", "shop")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("::error file=shop/shop.kefu,line=10,col=5,")
    assert (
        "title=K010::unknown matching setting 'confidance' (help%3A" not in first
    )  # data part is not property-escaped
    assert first.endswith("::unknown matching setting 'confidance' (help: did you mean 'confidence'?)")


def test_check_max_errors_limits_output_not_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shop(tmp_path, BAD)
    code, out, err = run(capsys, "check", "--max-errors", "1", str(folder))
    assert code == 1
    assert out.count("error[") == 1
    assert "... and 1 more" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "--bogus", "x"], "kefu check: error: no such option"),
        (["check"], "kefu check: error: missing argument"),
        (["check", "/no/such/path"], "kefu: error: /no/such/path: no such file or directory"),
        (["check", "--max-errors", "-1", "rules"], "kefu check: error: invalid value for '--max-errors'"),
        (["explain", "K999"], "kefu explain: error: unknown code 'K999'"),
        (["nonsense"], "kefu: error: no such command 'nonsense'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(message)


def test_internal_error_is_two_lines_exit_3_saying_what_to_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug: what failed, then what a report needs (the version, the command as run, that line);
    no traceback, and no web address: kefu names no place it does not have."""

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("kefu.dsl.load.load", broken)
    folder = shop(tmp_path, GOOD)
    code, out, err = run(capsys, "check", "--no-cache", str(folder))
    assert (code, out) == (3, "")
    assert err.splitlines() == [
        "kefu: internal error: RuntimeError: boom",
        f"kefu: this is a bug in kefu {version('kefu')}; to report it, give that version, the command line as run "
        f"(kefu check --no-cache {folder}) and the line above",
    ]
    assert "Traceback" not in err and "http" not in err


def test_cached_check_prints_the_same_as_a_fresh_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shop(tmp_path, BAD)
    first = run(capsys, "check", str(folder))
    second = run(capsys, "check", str(folder))
    fresh = run(capsys, "check", "--no-cache", str(folder))
    assert first == second == fresh


def test_cached_check_sees_a_changed_preset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A preset outside the checked folder is part of the cache key too."""
    preset = tmp_path / "p.kefu"
    preset.write_text('preset p "P" {\n}\n\nfaq a "t" {\n    ask "x"\n    reply "y"\n}\n', encoding="utf-8")
    folder = shop(tmp_path, GOOD.replace('timezone "Asia/Taipei"', 'timezone "Asia/Taipei"\n    use "../p.kefu"'))
    assert run(capsys, "check", str(folder))[0] == 0
    preset.write_text('preset p "P" {\n}\n\nfaq a "t" {\n    ask "x"\n}\n', encoding="utf-8")
    assert run(capsys, "check", str(folder))[0] == 1


def test_a_file_of_a_shop_is_checked_with_its_shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shop(tmp_path, GOOD)
    (folder / "faq.kefu").write_text('faq a "t" {\n    ask "x"\n    reply "y"\n}\n', encoding="utf-8")
    code, _, err = run(capsys, "check", str(folder / "faq.kefu"))
    assert code == 0 and "checked 2 files" in err


@pytest.mark.parametrize(
    "what, kinds",
    [
        ("events", {"customer_message", "agent_online", "agent_open", "setting_change", "customer_rating", "tick"}),
        ("actions", {"send", "suggest", "notice", "lists", "assign", "queue", "changed", "denied", "rated"}),
    ],
)
def test_schema_events_and_actions_list_every_type(
    capsys: pytest.CaptureFixture[str], what: str, kinds: set[str]
) -> None:
    """`kefu schema events|actions`: one JSON Schema, a `type` discriminator over every kind."""
    code, out, _ = run(capsys, "schema", what)
    assert code == 0
    schema = json.loads(out)
    assert kinds <= set(schema["discriminator"]["mapping"])


def test_schema_rules_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "rules")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "RuleSet" and "Shop" in schema["$defs"] and "FaqEntry" in schema["$defs"]


def test_explain_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "k021")
    assert code == 0 and out.startswith("K021 (duplicate-ask)")


def test_installed_command_runs_and_never_prints_a_traceback(tmp_path: Path) -> None:
    """The real console script, on a binary file and a directory of junk."""
    (tmp_path / "a.kefu").write_bytes(bytes(range(256)) * 100)
    (tmp_path / "b.kefu").write_text('}}}{{{ "\n', encoding="utf-8")
    result = subprocess.run([str(KEFU), "check", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "error[K005]" in result.stdout and "error[K00" in result.stdout


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("kefu ")


def test_ask_explains_its_decision(capsys: pytest.CaptureFixture[str]) -> None:
    """kefu ask --explain: normalised text, synonyms, levels, candidates with file:line."""
    code, out, _ = run(capsys, "ask", str(RULES / "shops" / "tw"), "這個有免運費嗎", "--explain")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("auto-send: shipping.free  (score ")
    assert "  normalised: '这个有包邮吗'" in lines
    assert "  synonyms:   免运费 -> 包邮" in lines
    assert any(line.startswith("  levels:     auto-send at 95 with margin 8, suggest at 50") for line in lines)
    assert lines[4].startswith("  why:        auto-send: the message is an exact ask of 'shipping.free'")
    assert "rules/presets/general.zh-Hant.kefu:" in lines[5]


def test_ask_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", str(RULES), "where is my parcel", "--shop", "sg", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["entry"] == "logistics.tracking" and answer["decision"] == "auto_send"
    assert {"score", "margin", "levels", "candidates", "normalized", "synonyms"} <= set(answer)
    assert answer["candidates"][0]["file"] == "rules/shops/sg/shop.kefu"


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", str(RULES), "x"], "kefu ask: error: "),  # two shops, no --shop
        (["ask", str(RULES), "x", "--shop", "nope"], "kefu ask: error: no shop 'nope'"),
        (["ask", "/no/such", "x"], "kefu: error: /no/such: no such file or directory"),
    ],
)
def test_ask_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1


def test_ask_on_broken_rules_prints_their_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", str(shop(tmp_path, BAD)), "hello")
    assert code == 1 and "error[K010]" in err and "fix them first" in err


def _eval_shop(tmp_path: Path) -> Path:
    return shop(
        tmp_path,
        GOOD
        + """
faq order.status "where is my order" {
    ask "where is my order"
    ask "track my parcel"
    ask "has my package shipped yet"
    reply "See My Orders."
}

faq refund.request "i want a refund" {
    ask "i want a refund"
    ask "give me my money back"
    ask "how do i get refunded"
    reply "Sorry! Ask for it under My Orders."
}
""",
    )


def test_eval_json_has_the_contract_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"text": "where is my parcel", "expect": "order.status"}\n'
        '{"text": "i want my money back", "expect": "refund.request"}\n'
        '{"text": "what is the weather", "expect": null}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "eval", str(_eval_shop(tmp_path)), str(queries), "--json")
    assert code == 0, err
    report = json.loads(out)
    for key in (
        "queries",
        "in_scope",
        "out_of_scope",
        "top1",
        "auto_coverage",
        "auto_precision",
        "oos_auto_rate",
        "suggest_recall_at_3",
        "suggest_precision_at_3",
        "auto_sends",
    ):
        assert key in report
    assert (report["queries"], report["in_scope"], report["out_of_scope"]) == (3, 2, 1)
    assert 0 <= report["auto_sends"] <= 3
    assert report["top1"] == 1.0 and report["suggest_recall_at_3"] == 1.0
    assert 0 <= report["auto_precision"] <= 1 and 0 <= report["oos_auto_rate"] <= 1


def test_eval_text_says_how_many_were_auto_sent_beside_the_precision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"text": "i want a refund", "expect": "refund.request"}\n'  # an exact ask: auto-sent
        '{"text": "what is the weather", "expect": null}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "eval", str(_eval_shop(tmp_path)), str(queries))
    assert code == 0, err
    assert re.search(r"^  auto-send precision\s+100\.0% of 1 auto-sent$", out, re.M), out


def test_eval_sweep_recommends_a_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"text": "track my parcel please", "expect": "order.status"}\n', encoding="utf-8")
    code, out, _ = run(capsys, "eval", str(_eval_shop(tmp_path)), str(queries), "--sweep", "--json")
    assert code == 0
    report = json.loads(out)
    assert [row["confidence"] for row in report["sweep"]] == list(range(0, 101, 5))
    assert "recommended_confidence" in report


def test_eval_sweep_says_when_too_few_auto_sends_show_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two exact asks, both right: 100% at every level, but two messages show at least 34.2%."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"text": "i want a refund", "expect": "refund.request"}\n'
        '{"text": "where is my order", "expect": "order.status"}\n',
        encoding="utf-8",
    )
    shop = _eval_shop(tmp_path)
    code, out, err = run(capsys, "eval", str(shop), str(queries), "--sweep")
    assert code == 0, err
    assert "  confidence  precision  at least  coverage  auto-sends" in out
    assert re.search(r"^\s+100\s+100\.0%\s+34\.2%\s+100\.0%\s+2$", out, re.M), out
    assert "precision 100.0% of 2 auto-sends, at least 34.2%" in out
    assert "too few to show 95%: at this precision, about 73 labelled auto-sends would show it" in out
    code, out, _ = run(capsys, "eval", str(shop), str(queries), "--sweep", "--json")
    assert [row["precision_low"] for row in json.loads(out)["sweep"]][-1] == 0.3424


def test_eval_reports_bad_lines_and_keeps_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"text": "where is my order", "expect": "order.status"}\nnot json\n{"text": 5}\n', encoding="utf-8"
    )
    code, out, err = run(capsys, "eval", str(_eval_shop(tmp_path)), str(queries))
    assert code == 1
    assert f"{queries}:2: not JSON" in err and f"{queries}:3: expected" in err
    assert out.startswith("shop s: 1 queries (1 in scope, 0 out of scope)")


def test_ask_a_message_that_is_not_utf8_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10 §3: the bytes \\xff\\xfe reach Python as lone surrogates; kefu says what is wrong."""
    code, out, err = run(capsys, "ask", str(RULES / "shops" / "tw"), b"\xff\xfe".decode("utf-8", "surrogateescape"))
    assert (code, out) == (2, "")
    assert err.startswith("kefu ask: error: MESSAGE is not UTF-8 text")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_as_such_with_how_to_convert_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    """Issue 10 §9: a UTF-16 file was reported as "binary data (NUL bytes)"."""
    folder = tmp_path / "shop"
    folder.mkdir()
    text = (RULES / "shops" / "tw" / "shop.kefu").read_text(encoding="utf-8")
    (folder / "shop.kefu").write_bytes(text.encode(encoding))
    code, out, _ = run(capsys, "check", "--no-cache", str(folder))
    assert code == 1
    assert "error[K004]: this file is UTF-16" in out and "text, not UTF-8" in out and "iconv -f UTF-16" in out


def test_check_json_and_format_github_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10 §9: --json silently won over --format github."""
    code, out, err = run(capsys, "check", "--json", "--format", "github", str(RULES))
    assert (code, out) == (2, "")
    assert err.startswith("kefu check: error: --json and --format github ask for two outputs")


def test_ask_reads_the_message_from_standard_input_with_a_dash() -> None:
    """Issue 10 §9: a message of any size (a 10 MB one could not be given as an argument at all)."""
    kefu = Path(sys.executable).with_name("kefu")
    tw = str(RULES / "shops" / "tw")
    done = subprocess.run(
        [str(kefu), "ask", tw, "-", "--json"], input="這個有免運費嗎\n".encode(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["message"] == "這個有免運費嗎"
    big = ("有免運嗎 " * 2_100_000).encode()  # over 10 MB
    done = subprocess.run([str(kefu), "ask", tw, "-"], input=big, capture_output=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith(b"auto-send: shipping.free"), done.stderr
    done = subprocess.run([str(kefu), "ask", tw, "-"], input=b"\xff\xfe", capture_output=True, check=False)
    assert done.returncode == 2
    assert done.stderr.decode().startswith("kefu ask: error: the message on standard input is not UTF-8 text")


def test_eval_reports_an_expected_entry_the_shop_does_not_have_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 §9: such a query was counted as the matcher's miss."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"text": "有免運嗎", "expect": "shipping.free"}\n{"text": "x", "expect": "no.such"}\n', encoding="utf-8"
    )
    code, out, err = run(capsys, "eval", str(RULES / "shops" / "tw"), str(queries), "--json")
    assert code == 1
    assert err.splitlines() == [f"{queries}:2: entry 'no.such' is not in shop 'tw'"]
    report = json.loads(out)
    assert report["queries"] == 1 and report["top1"] == 1.0
