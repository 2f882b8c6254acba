"""M-1..M-4 one event at a time (`Tracker`, what the terminal UI shows live) and bucket by bucket
(`timeline`, its chart): the same figures as `compute` over the same history, at every point."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.engine.decide import CompiledShop
from kefu.engine.metrics import Tracker, compute, of_shop, period_of, records, timeline
from kefu.engine.simulate import Simulation
from tests.engine.plays import EVENTS, NIGHT, SHIPPING, UNKNOWN, at, online, opens, replies, says
from tests.engine.test_metrics import history, rate, tick

ZONES = {"tw": "Asia/Taipei"}
TAIPEI = dt.timezone(dt.timedelta(hours=8))


def a_night() -> list[dict[str, Any]]:
    """Bot answers, a fallback, ratings of both kinds, a human's reply in the morning, sessions closing."""
    return [
        says(NIGHT, SHIPPING, "c1"),
        rate(at(NIGHT, 2), True, conversation="c1"),
        says(at(NIGHT, 40), UNKNOWN, "c2"),
        says(at(NIGHT, 95), SHIPPING, "c3"),
        rate(at(NIGHT, 97), False, "not_useful", conversation="c3"),
        tick(at(NIGHT, 180)),
        online(at(NIGHT, 600), "amy"),
        opens(at(NIGHT, 601), "amy", "c2"),
        replies(at(NIGHT, 605), "amy", "您好,可以客製化喔", "c2"),
        rate(at(NIGHT, 610), True, conversation="c2"),
        tick(at(NIGHT, 26 * 60)),
    ]


def test_M1_M2_M3_M4_a_tracker_reports_what_compute_says_after_every_event(tw: CompiledShop) -> None:
    """The live figures after each event are those of the history so far, open sessions judged where it stops."""
    recorded = history(tw, *a_night())
    tracker = Tracker(ZONES)
    for count, record in enumerate(recorded, start=1):
        tracker.add(record)
        assert tracker.report() == compute(recorded[:count], ZONES)
    [final] = tracker.report().periods
    assert (final.sessions, final.resolved.count, final.responded_24h.count, final.first_response.sessions) == (
        3,
        2,
        3,
        1,
    )
    assert (final.satisfaction.smart_reception.count, final.satisfaction.smart_reception.total) == (1, 2)
    assert (final.satisfaction.human.count, final.satisfaction.human.total) == (1, 1)


def test_a_report_leaves_the_tracker_as_it_was(tw: CompiledShop) -> None:
    """Reporting counts the open sessions into copies: reporting twice, then adding more, changes nothing."""
    recorded = history(tw, *a_night())
    tracker = Tracker(ZONES, by="hour")
    for record in recorded[:3]:
        tracker.add(record)
    first = tracker.report()
    assert tracker.report() == first
    copy = tracker.copy()
    for record in recorded[3:]:
        tracker.add(record)
    assert tracker.report() == compute(recorded, ZONES, by="hour")
    assert copy.report() == first  # a checkpoint is independent of the tracker it was copied from


@pytest.mark.parametrize("by", ["all", "hour"])
def test_an_undoable_tracker_takes_records_back_to_what_compute_says_of_the_rest(tw: CompiledShop, by: Any) -> None:
    """Stepping back through a replay: after taking back the last record the figures are those of the
    history without it, down to nothing (sessions closed, ratings and first responses counted out)."""
    recorded = history(tw, *a_night())
    tracker = Tracker(ZONES, by=by, undoable=True)
    for record in recorded:
        tracker.add(record)
    for count in reversed(range(len(recorded))):
        tracker.pop()
        assert tracker.report() == compute(recorded[:count], ZONES, by=by)
    assert tracker.report().periods == []
    with pytest.raises(IndexError):
        tracker.pop()
    with pytest.raises(IndexError):
        Tracker().pop()


def test_records_read_steps_played_in_memory_as_one_run(tw: CompiledShop) -> None:
    simulation = Simulation({"tw": tw.shop}, compile=lambda shop: tw)
    steps = []
    for event in EVENTS.validate_python(a_night()):
        played = simulation.play(event)
        assert isinstance(played, list), played
        steps.extend(played)
    assert compute(records(steps, run=1), ZONES) == compute(history(tw, *a_night()), ZONES)
    assert of_shop(compute(records(steps)), "tw").sessions == 3
    assert of_shop(compute(records(steps)), "sg").sessions == 0  # a shop with nothing played yet: all zero


def test_hour_buckets_are_on_the_shops_clock() -> None:
    instant = dt.datetime(2026, 11, 24, 15, 45, tzinfo=dt.UTC)
    assert period_of(instant, None, "hour") == "2026-11-24T15"
    from kefu.engine.clock import zone

    assert period_of(instant, zone("Asia/Taipei"), "hour") == "2026-11-24T23"


def test_a_timeline_keeps_the_empty_buckets_between_and_agrees_with_compute_by_bucket(tw: CompiledShop) -> None:
    """M-1..M-4 per hour: every hour from the first event to the end, the hours without a session or a
    rating empty (sessions 0, rates None), the others exactly `compute(by="hour")`."""
    recorded = history(tw, *a_night())
    start = dt.datetime.fromisoformat(NIGHT).replace(tzinfo=TAIPEI)
    end = start + dt.timedelta(hours=11)
    line = timeline(recorded, "tw", "Asia/Taipei", start, end, "hour")
    assert [b.period for b in line.buckets[:4]] == ["2026-11-24T23", "2026-11-25T00", "2026-11-25T01", "2026-11-25T02"]
    assert len(line.buckets) == 12  # 23:00 to 10:00
    by_hour = {p.period: p for p in compute(recorded, ZONES, by="hour").periods}
    for bucket in line.buckets:
        assert bucket.start is not None and bucket.end == bucket.start + dt.timedelta(hours=1)
        if bucket.period in by_hour:
            assert bucket.model_copy(update={"start": None, "end": None}) == by_hour[bucket.period]
        else:
            assert (bucket.sessions, bucket.resolved.rate, bucket.satisfaction.human.total) == (0, None, 0)
    assert [b.sessions for b in line.buckets[:4]] == [1, 1, 1, 0]  # c1 23:30, c2 00:10, c3 01:05
    assert line.buckets[0].satisfaction.smart_reception.rate == 1.0  # c1's rating, 23:32
    assert line.buckets[2].satisfaction.smart_reception.rate == 0.0  # c3's, 01:07
    assert line.buckets[10].satisfaction.human.rate == 1.0  # c2's, 09:40, of amy's reply


@pytest.mark.parametrize("by", ["day", "week"])
def test_day_and_week_buckets_run_midnight_to_midnight(tw: CompiledShop, by: Any) -> None:
    recorded = history(tw, *a_night())
    start = dt.datetime.fromisoformat(NIGHT).replace(tzinfo=TAIPEI)
    line = timeline(recorded, "tw", "Asia/Taipei", start, start + dt.timedelta(days=9), by)
    first = line.buckets[0]
    assert first.start is not None and (first.start.hour, first.start.minute) == (0, 0)
    assert sum(b.sessions for b in line.buckets) == 3
    assert len(line.buckets) == (10 if by == "day" else 2)
    counted = {p.period: p for p in compute(recorded, ZONES, by=by).periods}
    assert {b.period: b.model_copy(update={"start": None, "end": None}) for b in line.buckets if b.sessions} == counted
