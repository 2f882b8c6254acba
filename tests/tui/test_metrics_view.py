"""The metrics screen of `kefu tui` (f11): M-1..M-4 of the current shop for the session so far, as
numbers and as bars over time, always what `kefu metrics` says of the same events."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import Input, Static

from kefu.engine.metrics import PeriodMetrics, Report, Timeline, of_shop
from kefu.engine.store import Store
from kefu.engine.wording import HANT, WORDING
from kefu.tui.app import KefuApp
from kefu.tui.cli.tui import _tape
from kefu.tui.metrics_view import LABEL, LiveMetrics, MetricsScreen, chart_text, grouping_for, numbers_text
from kefu.tui.rows import Rows
from kefu.tui.session import Session
from kefu.tui.shops import load_shops
from tests.conftest import RULES
from tests.tui.test_cli import run
from tests.tui.test_engine_commands import jsonl

TW = RULES / "shops" / "tw"
TAIPEI = dt.timezone(dt.timedelta(hours=8))
NIGHT = dt.datetime(2026, 11, 24, 23, 30, tzinfo=TAIPEI)  # Tuesday night: the bot answers
SHIPPING = "請問有免運嗎?"
UNKNOWN = "我想訂做一件客製化的外套"

# Three nights and the mornings after them: bot answers, fallbacks, ratings of both kinds (one naming
# its answer), an agent's replies, a session left waiting.
EVENTS: list[dict[str, Any]] = [
    {"type": "customer_message", "time": "2026-11-24T23:30", "conversation": "c1", "text": SHIPPING},
    {"type": "customer_rating", "time": "2026-11-24T23:31", "conversation": "c1", "solved": True, "answer": 1},
    {"type": "customer_message", "time": "2026-11-24T23:40", "conversation": "c2", "text": UNKNOWN},
    {"type": "customer_message", "time": "2026-11-25T01:10", "conversation": "c3", "text": SHIPPING},
    {
        "type": "customer_rating",
        "time": "2026-11-25T01:12",
        "conversation": "c3",
        "solved": False,
        "reason": "too_long",
    },
    {"type": "agent_online", "time": "2026-11-25T09:00", "agent": "amy"},
    {"type": "agent_open", "time": "2026-11-25T09:01", "agent": "amy", "conversation": "c2"},
    {"type": "agent_message", "time": "2026-11-25T09:05", "agent": "amy", "conversation": "c2", "text": "您好,可以的"},
    {"type": "customer_rating", "time": "2026-11-25T09:10", "conversation": "c2", "solved": True},
    {"type": "agent_offline", "time": "2026-11-25T18:00", "agent": "amy"},
    {"type": "customer_message", "time": "2026-11-26T22:00", "conversation": "c4", "text": UNKNOWN},
    {"type": "customer_message", "time": "2026-11-27T23:00", "conversation": "c5", "text": SHIPPING},
    {"type": "customer_message", "time": "2026-11-27T23:05", "conversation": "c5", "text": UNKNOWN},
]


def session(start: dt.datetime = NIGHT, store: Store | None = None) -> Session:
    return Session(load_shops(TW), start, store)


def text_of(app: KefuApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def row(text: str, label: str) -> list[str]:
    """The words after `label` on its line of the numbers."""
    line = next(line for line in text.splitlines() if line.startswith(label))
    return line[len(label) :].split()


def same(a: PeriodMetrics, b: dict[str, Any]) -> bool:
    """A period of the screen and one of `kefu metrics --json`, but for which runs it covers."""
    mine = a.model_dump(mode="json", exclude={"runs", "start", "end"})
    return mine == {k: v for k, v in b.items() if k not in ("runs", "start", "end")}


# -- the screen, played with keys --------------------------------------------------------------


@pytest.mark.asyncio
async def test_M1_M4_a_night_played_with_keys_shows_on_the_metrics_screen() -> None:
    """A customer writes at 23:30, the bot answers it (M-1 resolved) and the customer rates the answer
    solved (M-4, smart reception): f11 shows the numbers of the session so far."""
    app = KefuApp(session())
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#customer-input", Input).value = SHIPPING
        await pilot.press("enter")
        app.set_focus(app.query_one("#customer-lines", Rows))
        await pilot.press("s")
        await pilot.press("f11")
        assert isinstance(app.screen, MetricsScreen)
        numbers = text_of(app, "#metrics-numbers")
        assert row(numbers, "sessions") == ["1"]
        assert row(numbers, "M-1 smart reception resolved") == ["1", "of", "1", "100.0%"]
        assert row(numbers, "M-2 responded within 24 h") == ["1", "of", "1", "100.0%"]
        assert row(numbers, "M-4 satisfaction, smart reception") == ["1", "of", "1", "100.0%"]
        assert row(numbers, "    satisfaction, humans") == ["0", "of", "0", "-"]
        assert "Metrics of shop tw" in str(app.screen.query_one("#metrics-title").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, MetricsScreen)


@pytest.mark.asyncio
async def test_M4_stepping_back_on_the_metrics_screen_shows_the_numbers_as_they_were(tmp_path: Path) -> None:
    """f9 with the metrics open: the rating is undone, and so is its count (the played list is the truth);
    f10 plays it again."""
    played = session()
    played.load_tape(_tape(jsonl(tmp_path, EVENTS[:2]), load_shops(TW)))
    app = KefuApp(played)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f10", "f10", "f11")
        assert row(text_of(app, "#metrics-numbers"), "M-4 satisfaction, smart reception")[:3] == ["1", "of", "1"]
        await pilot.press("f9")
        numbers = text_of(app, "#metrics-numbers")
        assert row(numbers, "M-4 satisfaction, smart reception")[:3] == ["0", "of", "0"]
        assert row(numbers, "sessions") == ["1"]
        assert "after event 1 of 2 (replay)" in str(app.screen.query_one("#metrics-title").render())
        await pilot.press("f9")
        assert row(text_of(app, "#metrics-numbers"), "sessions") == ["0"]
        await pilot.press("f10", "f10")
        assert row(text_of(app, "#metrics-numbers"), "M-4 satisfaction, smart reception")[:3] == ["1", "of", "1"]


@pytest.mark.asyncio
async def test_M2_M3_numbers_follow_each_event_played_while_the_screen_is_open() -> None:
    """The clock and the palette work on the metrics screen; every event played redraws it. A message
    the bot cannot answer is pending (M-2) until 24 h pass; amy's reply gives M-3 its first response."""
    app = KefuApp(session())
    async with app.run_test(size=(80, 24)) as pilot:
        app.act(app.session.customer_says, "c1", UNKNOWN)
        await pilot.press("f11")
        numbers = text_of(app, "#metrics-numbers")
        assert row(numbers, "M-2 responded within 24 h") == ["0", "of", "0", "-", "(1", "pending)"]
        assert row(numbers, "M-3 average first response")[0] == "-"
        app.act(app.session.jump, NIGHT + dt.timedelta(hours=9, minutes=30))
        app.act(app.session.agent, "online", "amy")
        app.act(app.session.agent, "message", "amy", conversation="c1", text="您好")
        await pilot.pause()
        numbers = text_of(app, "#metrics-numbers")
        assert row(numbers, "M-2 responded within 24 h") == ["1", "of", "1", "100.0%"]
        assert row(numbers, "M-3 average first response") == ["9h", "30m"]
        assert row(numbers, "    median") == ["9h", "30m", "over", "1", "session"]


@pytest.mark.asyncio
async def test_M2_jumping_the_clock_from_the_metrics_screen_decides_a_pending_session() -> None:
    """f2 works on the metrics screen: 25 hours on, the clock's tick closes the session the bot could
    not answer and nobody did: it is no longer pending but late (M-2, D-3)."""
    app = KefuApp(session())
    async with app.run_test(size=(80, 24)) as pilot:
        app.act(app.session.customer_says, "c1", UNKNOWN)
        await pilot.press("f11", "f2")
        app.screen.query_one(Input).value = "+25h"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MetricsScreen)
        assert "2026-11-26 00:30" in str(app.screen.query_one("#metrics-title").render())
        assert row(text_of(app, "#metrics-numbers"), "M-2 responded within 24 h") == ["0", "of", "1", "0.0%"]


@pytest.mark.asyncio
async def test_the_metrics_screen_opens_from_the_command_palette() -> None:
    app = KefuApp(session())
    async with app.run_test(size=(80, 24)) as pilot:
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Metrics" in commands
        await pilot.press("ctrl+p")
        await pilot.press(*"Metrics")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MetricsScreen)


# -- the same numbers as kefu metrics ------------------------------------------------------------


def replayed(events: Path) -> Session:
    """The events stepped through in a session of the terminal UI (no store), to the end."""
    played = session()
    played.load_tape(_tape(events, load_shops(TW)))
    while played.forward() is not None:
        pass
    return played


def test_M1_M2_M3_M4_the_screen_shows_what_kefu_metrics_json_says_of_the_same_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kefu simulate --db` records the events, `kefu metrics --json` reads them back; the same events
    played in the terminal UI give the very same figures, for the session and day by day."""
    events, db = jsonl(tmp_path, EVENTS), tmp_path / "k.db"
    code, _, err = run(capsys, "simulate", str(TW), "--events", str(events), "--db", str(db), "--json")
    assert code == 0, err
    code, out, err = run(capsys, "metrics", "--db", str(db), "--json")
    assert code == 0, err
    [recorded] = json.loads(out)["periods"]
    live = LiveMetrics(replayed(events))
    figures = live.so_far()
    assert same(figures, recorded)
    assert (figures.sessions, figures.resolved.count, figures.first_response.sessions) == (5, 2, 1)
    assert figures.satisfaction.reasons == {"too_long": 1}
    code, out, err = run(capsys, "metrics", "--db", str(db), "--by", "day", "--json")
    assert code == 0, err
    days = {period["period"]: period for period in json.loads(out)["periods"]}
    timeline = live.over_time()
    assert timeline.by == "day"  # three days and more: day buckets
    assert [b.period for b in timeline.buckets] == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
    for bucket in timeline.buckets:
        assert same(bucket, days[bucket.period])


def test_M1_M4_the_session_the_ui_records_is_what_kefu_metrics_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Played in the UI with a store, stepped back, then acted on (a new run holding exactly what is
    played): `kefu metrics` of the database says what the screen says."""
    db = tmp_path / "ui.db"
    store = Store.open(db)
    played = session(store=store)
    played.load_tape(_tape(jsonl(tmp_path, EVENTS[:5]), load_shops(TW)))
    while played.forward() is not None:
        pass
    played.back()  # c3's rating undone
    played.drop_tape()
    played.rate("c3", True)
    live = LiveMetrics(played)
    figures = live.so_far()
    played.close()
    code, out, err = run(capsys, "metrics", "--db", str(db), "--json")
    assert code == 0, err
    [recorded] = json.loads(out)["periods"]
    assert recorded["runs"] == [2]
    assert same(figures, recorded)
    assert figures.satisfaction.smart_reception.count == 2


# -- following the played list -------------------------------------------------------------------


def test_stepping_back_takes_the_events_back_and_gives_the_figures_of_the_prefix(tmp_path: Path) -> None:
    """LiveMetrics feeds each event once and takes it back when the played list shrinks: at every
    position of a replay its figures are those of a fresh count of the same events."""
    played = replayed(jsonl(tmp_path, EVENTS))
    live = LiveMetrics(played)
    at_end = live.so_far(), live.over_time()
    while played.back() is not None:
        fresh = LiveMetrics(played)
        assert (live.so_far(), live.over_time()) == (fresh.so_far(), fresh.over_time())
    while played.forward() is not None:
        pass
    assert (live.so_far(), live.over_time()) == at_end


def test_nothing_is_counted_while_the_screen_is_closed() -> None:
    """Typing and playing cost no metrics: the app makes its LiveMetrics when f11 first opens the screen."""
    app = KefuApp(session())
    assert app.metrics is None
    app.session.customer_says("c1", SHIPPING)
    assert app.metrics is None


# -- how it looks --------------------------------------------------------------------------------


def test_buckets_follow_the_sessions_span() -> None:
    assert grouping_for(dt.timedelta(hours=9)) == "hour"
    assert grouping_for(dt.timedelta(days=2)) == "hour"
    assert grouping_for(dt.timedelta(days=3)) == "day"
    assert grouping_for(dt.timedelta(days=120)) == "week"


def test_the_chart_draws_rates_on_a_fixed_scale_and_an_empty_bucket_as_a_dot() -> None:
    """Bars per hour: 50 % is half a bar (not the lowest, as a sparkline scaled to its data would draw
    it), an hour with nothing to count is `·`, and the axis names the first and last hour."""
    played = session()
    played.customer_says("c1", SHIPPING)  # 23:30: resolved
    played.advance(dt.timedelta(hours=2))
    played.customer_says("c2", SHIPPING)  # 01:30: resolved, then followed up without an answer
    played.customer_says("c3", UNKNOWN)
    chart = chart_text(LiveMetrics(played).over_time(), 80).plain.splitlines()
    resolved = next(line for line in chart if line.startswith("M-1 resolved"))
    bars = resolved[LABEL:].split()[0]
    per = len(bars) // 3
    assert bars == "█" * per + "·" * per + "▅" * per  # 23:00 all, 00:00 nothing, 01:00 one of two
    assert resolved.endswith("0-100%")
    sessions = next(line for line in chart if line.startswith("sessions"))
    assert sessions[LABEL:].split()[0] == "▅" * per + "·" * per + "█" * per and sessions.endswith("0-2")
    assert chart[-1].strip() == "11-24 23:00 → 11-25 01:00"


def test_a_long_session_shows_its_latest_buckets_and_says_so() -> None:
    buckets = [
        PeriodMetrics.model_validate(
            {
                **of_shop(Report(periods=[]), "tw").model_dump(),
                "period": f"2026-11-{day:02d}",
                "start": dt.datetime(2026, 11, day, tzinfo=TAIPEI),
                "sessions": day,
            }
        )
        for day in range(1, 31)
    ]
    chart = chart_text(Timeline(shop="tw", by="day", buckets=buckets), 40).plain.splitlines()
    assert chart[-1].strip() == "(the last 8 of 30)"
    assert chart[-2].split()[0] == "11-23"


def test_CJK_reasons_and_shop_names_keep_the_columns(tmp_path: Path) -> None:
    """The unsolved reasons come in the shop's words (太長不讀, two cells a character), and every value
    starts in the same column whatever its label holds."""
    figures = LiveMetrics(replayed(jsonl(tmp_path, EVENTS))).so_far()
    lines = numbers_text(figures, WORDING[HANT]).plain.splitlines()
    assert "太長不讀 1" in lines[-1]
    starts = {cell_len(line) - cell_len(line[34:]) for line in lines}
    assert starts == {34}
    assert all(not line[33].strip() for line in lines)
