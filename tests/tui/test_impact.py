"""`kefu impact --base REV [RULES]`: a shop changed in git, replayed with its tests, --corpus files
(eval queries and simulate events) and the history; the outputs, exit statuses and bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.impact_shops import EXPECTED, UNCHANGED, new_text, old_text, write
from tests.tui.test_cli import run


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose HEAD holds the old shop in shop/, with the new one in the working tree, and
    the messages of every change as an eval query file."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    write(root / "shop", old_text())
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "old")
    write(root / "shop", new_text())
    lines = [json.dumps({"text": text, "intent": "x"}) for text in [*EXPECTED, *UNCHANGED]]
    (root / "queries.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def night_events(path: Path) -> Path:
    texts = ["how do i get a refund", "is there a warranty", "reset my password"]
    lines = [
        json.dumps(
            {"type": "customer_message", "time": f"2026-11-24T23:0{n}:00+00:00", "conversation": f"c{n}", "text": text}
        )
        for n, text in enumerate(texts)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_change_of_an_eval_file_in_json_with_exit_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "impact", "--base", "HEAD", "shop", "--corpus", "queries.jsonl", "--no-db", "--json")
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"base", "rules", "messages", "changed", "sources", "shops", "groups", "notes"}
    assert document["sources"] == {"corpus": len(EXPECTED) + len(UNCHANGED)}
    assert document["messages"] == len(EXPECTED) + len(UNCHANGED) and document["changed"] == len(EXPECTED)
    groups = {(g["change"], g["old_entry"], g["new_entry"]): g for g in document["groups"]}
    assert set(groups) == set(EXPECTED.values())
    example = groups[("auto_send->suggest", "refund", "refund")]["examples"][0]
    assert example["where"] == "queries.jsonl:1" and example["old"]["level"] == "auto_send"
    assert (
        example["old_why"]["matched"]["decision"] == "auto_send"
        and example["new_why"]["matched"]["decision"] == "suggest"
    )
    (shop,) = document["shops"]
    assert shop["shop"] == "s" and shop["path"] in ("fast", "full")


def test_corpus_dash_reads_the_messages_from_standard_input(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = (repo / "queries.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped)))
    code, out, _ = run(capsys, "impact", "--base", "HEAD", "shop", "--corpus", "-", "--no-db", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["messages"] == len(EXPECTED) + len(UNCHANGED) and document["changed"] == len(EXPECTED)
    wheres = {example["where"] for group in document["groups"] for example in group["examples"]}
    assert wheres and all(where.startswith("<stdin>:") for where in wheres)


def test_fail_on_changed_exits_1_and_text_shows_groups_with_the_why(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "impact", "--base", "HEAD", "shop", "--corpus", "queries.jsonl", "--no-db", "--fail-on", "changed"
    )
    assert code == 1
    assert f"{len(EXPECTED)} of {len(EXPECTED) + len(UNCHANGED)} messages changed" in out
    assert "auto-send -> suggest: refund" in out and "another entry: tracking -> delivery" in out
    assert "before: auto-send: the message is an exact ask of 'refund'" in out
    assert "now:    suggest: the message is an exact ask of 'refund' (score 100), but 'refund' is 'auto never'" in out


def test_unchanged_rules_fail_on_changed_exits_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "stash", "-q")
    code, out, _ = run(
        capsys, "impact", "--base", "HEAD", "shop", "--corpus", "queries.jsonl", "--no-db", "--fail-on", "changed"
    )
    assert code == 0 and "no decision changed" in out
    assert "the levels changed" not in out  # the same levels, written in another file (the revision's copy)


def test_the_shops_own_tests_events_and_the_history_are_replayed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Test cases of both sides, a kefu simulate input file replayed in time (the bot at night:
    answer -> fallback and back) and the runs the history recorded (default database, as kefu metrics)."""
    (repo / "shop" / "tests.kefu").write_text('test "t" {\n    "buy a gift card" -> none\n}\n', encoding="utf-8")
    events = night_events(tmp_path / "night.jsonl")
    git(repo, "stash", "-q")
    assert run(capsys, "simulate", "shop", "--events", str(events))[0] == 0  # recorded under the old rules
    git(repo, "stash", "pop", "-q")
    code, out, _ = run(capsys, "impact", "--base", "HEAD", "shop", "--corpus", str(events), "--json")
    assert code == 0
    document = json.loads(out)
    assert document["sources"] == {"test": 1, "events": 3, "db": 3}
    kinds = {(g["change"], e["kind"]) for g in document["groups"] for e in g["examples"]}
    assert {("answer->fallback", "events"), ("fallback->answer", "events"), ("answer->fallback", "db")} <= kinds
    assert ("suggest->none", "test") in kinds


def test_markdown_is_a_pull_request_comment(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "impact", "--base", "HEAD", "shop", "--corpus", "queries.jsonl", "--no-db", "--format", "markdown"
    )
    assert code == 0
    assert out.startswith("### kefu impact: `HEAD` → `shop`")
    assert "| messages | change | entries |" in out and "| 1 | auto-send -> suggest | `refund` |" in out
    assert "```\nbefore: " in out
    assert "messages changed" in err  # the summary on standard error, never in the comment's way
    assert "[#" not in err  # no progress bar when standard error is no terminal


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "missing.jsonl"], "kefu impact: error: missing.jsonl: no such file"),
        (["--corpus", "broken.jsonl"], "kefu impact: error: broken.jsonl:2: not JSON"),
        (["--corpus", "binary.jsonl"], "kefu impact: error: binary.jsonl: a binary file, not JSON Lines"),
        (["--base", "nosuch"], "kefu impact: error: 'nosuch' is not a revision of the repository"),
        (["--json", "--format", "markdown"], "--json and --format markdown ask for two outputs"),
        (["--db", "x.db", "--no-db"], "--db and --no-db exclude each other"),
        (["--shop", "nope"], "no shop 'nope' in shop or at HEAD; shops there: s"),
        (["--corpus", "typo.jsonl"], "typo.jsonl:1: no shop 'ss' in the rules (they hold: s)"),
        (["--corpus", "typo-events.jsonl"], "typo-events.jsonl:1: no shop 'ss' in the rules (they hold: s)"),
        (["--corpus", "-", "--corpus", "-"], "kefu impact: error: --corpus -: standard input can be read once"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (repo / "broken.jsonl").write_text('{"text": "a"}\n{"text": \n', encoding="utf-8")
    (repo / "binary.jsonl").write_bytes(b"\x00\x01\x02")
    (repo / "typo.jsonl").write_text('{"text": "a", "shop": "ss"}\n', encoding="utf-8")
    event = {"type": "customer_message", "time": "2026-11-24T23:30:00", "conversation": "c", "text": "a", "shop": "ss"}
    (repo / "typo-events.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    base = [] if "--base" in args else ["--base", "HEAD"]
    code, out, err = (
        run(capsys, "impact", *base, "shop", "--no-db", *args)
        if "--db" not in args
        else run(capsys, "impact", *base, "shop", *args)
    )
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert "Traceback" not in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.tui.cli.impact import _progress

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _progress(10, "text") as tick:
        assert tick is None  # piped, redirected, CI logs: nothing drawn
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with _progress(10, "json") as tick:
        assert tick is None  # JSON: nothing but the document
    with _progress(10, "text") as tick:
        assert tick is not None
        tick(10)
    assert "kefu impact" in screen.getvalue() and "100%" in screen.getvalue()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo shops committed to a repository, then changed in the working tree: free shipping made
    'auto never', an ask added elsewhere and a lower suggest level in tw; sg unchanged."""
    from tests.conftest import copy_rules

    root = tmp_path / "demo"
    root.mkdir()
    rules = copy_rules(root)
    (root / ".git").rmdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "demo")
    shop = rules / "shops" / "tw" / "shop.kefu"
    text = shop.read_text(encoding="utf-8")
    text = text.replace('    ask "滿499有免運嗎"\n', '    ask "滿499有免運嗎"\n    auto never\n')
    text = text.replace(
        '    ask "有實體門市可以試穿嗎"\n', '    ask "有實體門市可以試穿嗎"\n    ask "可以去店裡拿貨嗎"\n'
    )
    text = text.replace("    suggest 50\n", "    suggest 60\n")
    shop.write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_demo_shops_changed_in_git_give_the_same_impact_fast_and_full(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo shops (presets, overrides, synonyms, scenarios) changed: scoring only what can change
    lists exactly what scoring everything lists."""
    documents = []
    for extra in ([], ["--full"]):
        code, out, _ = run(capsys, "impact", "--base", "HEAD", "rules", "--no-db", "--json", *extra)
        assert code == 0
        documents.append(json.loads(out))
    fast, full = documents
    assert {s["shop"]: s["path"] for s in fast["shops"]} == {"tw": "fast", "sg": "same"}  # sg did not change
    assert {s["shop"]: s["path"] for s in full["shops"]} == {"tw": "full", "sg": "same"}
    assert fast["changed"] > 0
    fast["shops"] = full["shops"] = None
    assert fast == full


def test_a_shop_on_one_side_only_is_a_note(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (repo / "shop" / "shop.kefu").read_text(encoding="utf-8").replace('shop s "Shop S"', 'shop t "Shop T"')
    (repo / "shop" / "shop.kefu").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "impact", "--base", "HEAD", "shop", "--no-db", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["notes"] == [
        "shop 't' is new since HEAD: nothing to compare",
        "shop 's' is gone since HEAD: nothing to compare",
    ]
    assert document["messages"] == 0 and document["groups"] == []


def test_a_run_recorded_for_one_shop_replays_when_the_rules_hold_several(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The store keeps events as read, without "shop" when one shop was played: they are replayed
    for the shop the store recorded them under."""
    night = demo / "night.jsonl"
    line = {
        "type": "customer_message",
        "time": "2026-11-24T23:30:00+08:00",
        "conversation": "c1",
        "text": "請問有免運嗎?",
    }
    night.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(capsys, "simulate", "rules/shops/tw", "--events", str(night))[0] == 0
    counts = []
    for extra in ([], ["--no-db"]):
        code, out, _ = run(capsys, "impact", "--base", "HEAD", "rules", "--json", *extra)
        assert code == 0
        document = json.loads(out)
        counts.append({(g["change"], g["old_entry"]): g["count"] for g in document["groups"]})
    assert document["sources"].get("db") is None
    with_db, without = counts
    assert with_db.pop(("answer->fallback", "shipping.free")) == without.pop(("answer->fallback", "shipping.free")) + 1
    assert with_db == without


def test_unchanged_levels_written_in_the_revision_are_the_same_levels(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """sg writes its levels in a `matching` block and does not change them: the revision's copy names
    another file, not other levels (the shop line must not say the levels changed)."""
    code, out, _ = run(capsys, "impact", "--base", "HEAD", "rules", "--shop", "sg", "--no-db", "--json")
    assert code == 0
    (shop,) = json.loads(out)["shops"]
    assert shop["shop"] == "sg" and "levels changed" not in shop["reason"], shop


def test_the_history_is_replayed_one_run_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the run being replayed is read into memory: each run's events are read when its turn
    comes, the runs oldest first, the compared shops' events only."""
    from kefu.engine.events import Step
    from kefu.engine.store import Store
    from kefu.tui.cli.impact import History
    from tests.engine.test_store import fixed_clock, message

    store = Store.open(tmp_path / "kefu.db", clock=fixed_clock)
    try:
        first = store.start_run("a.jsonl", "rules/")
        store.append(first, [Step(shop="s", event=message(0), line=1), Step(shop="x", event=message(1), line=2)])
        second = store.start_run("b.jsonl", "rules/")
        store.append(second, [Step(shop="s", event=message(2), line=1), Step(shop="s", event=message(3), line=2)])
        reads: list[int | None] = []
        steps = store.steps

        def counted_steps(run: int) -> object:
            reads.append(run)
            return steps(run=run)

        monkeypatch.setattr(store, "steps", counted_steps)
        history = History(store, ["s"])
        assert history.events == 3
        streams = history.streams()
        assert reads == []
        stream = next(streams)
        assert (stream.name, len(stream.events), reads) == (f"run {first}", 1, [first])
        assert all(played.event.shop == "s" for played in stream.events)
        stream = next(streams)
        assert (stream.name, len(stream.events), reads) == (f"run {second}", 2, [first, second])
        assert next(streams, None) is None
    finally:
        store.close()
