"""The metrics screen of the terminal UI: M-1..M-4 of the current shop for the session so far, as
numbers and as bars over the session's virtual time.

The figures come from `engine.metrics.Tracker`, the code `kefu metrics` runs over the store, fed the
steps of the session's `played` list (the truth, also after stepping back with f9). `LiveMetrics`
feeds each played event once and takes it back when the replay steps back over it; nothing is
computed while the screen is closed.

The chart is drawn here with block characters, one column (or a few) per hour, day or week bucket,
rather than with Textual's `Sparkline`: a sparkline scales its bars from the lowest to the highest
value shown (80 % and 90 % would look like empty and full) and has no way to show a bucket with
nothing to count, which a rate often is. Rates are drawn on a fixed 0-100 % scale, counts and
durations from 0 to their largest value, and an empty bucket is a dot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from kefu.dsl.visible import visible
from kefu.engine.metrics import Grouping, PeriodMetrics, Share, Timeline, Tracker, fill, of_shop, records
from kefu.engine.wording import Wording
from kefu.tui.session import Played, Session
from kefu.tui.views import words_of

BARS = "▁▂▃▄▅▆▇█"
EMPTY = "·"
LABEL = 22  # terminal cells of a chart row's label


def grouping_for(span: dt.timedelta) -> Grouping:
    """Buckets for a session of this length: hours up to two days, days up to 90, weeks after."""
    if span <= dt.timedelta(days=2):
        return "hour"
    return "day" if span <= dt.timedelta(days=90) else "week"


class _Feed:
    """A tracker fed a prefix of the session's played events, following the list as it grows and as
    it shrinks (stepping back pops from its end: the tracker takes those events back)."""

    def __init__(self, zones: dict[str, str], by: Grouping) -> None:
        self.by = by
        self.tracker = Tracker(zones, by=by, undoable=True)
        self.fed: list[Played] = []

    def follow(self, played: list[Played]) -> Tracker:
        fed = self.fed
        while fed and (len(fed) > len(played) or played[len(fed) - 1] is not fed[-1]):
            for _ in fed.pop().steps:
                self.tracker.pop()
        for item in played[len(fed) :]:
            for record in records(item.steps):
                self.tracker.add(record)
            fed.append(item)
        return self.tracker


class LiveMetrics:
    """M-1..M-4 of a session's played events, for the session so far and bucket by bucket."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.zones = {shop.id: shop.timezone for shop in session.shops.values()}
        self._all = _Feed(self.zones, "all")
        self._buckets: _Feed | None = None

    def so_far(self) -> PeriodMetrics:
        """The current shop's figures: what `kefu metrics --shop ID` says of the session's run."""
        return of_shop(self._all.follow(self.session.played).report(), self.session.shop_id)

    def over_time(self) -> Timeline:
        """The current shop's figures per bucket, from the first event played to the clock."""
        played = self.session.played
        start = played[0].steps[0].event.time if played else self.session.now  # a step's time has its offset
        end = max(self.session.now, played[-1].steps[-1].event.time) if played else self.session.now
        by = grouping_for(end - start)
        if self._buckets is None or self._buckets.by != by:
            self._buckets = _Feed(self.zones, by)
        report = self._buckets.follow(played).report()
        shop = self.session.shop
        return fill(report, shop.id, shop.timezone, start, end, by)


# -- what the screen shows -----------------------------------------------------------------------


def percent(share: Share) -> str:
    return "-" if share.rate is None else f"{share.rate * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """`9h 34m`, `2m 5s`, `1d 3h`: the two largest units that are not zero (as `kefu metrics` prints)."""
    if seconds is None:
        return "-"
    left, parts = round(seconds), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, left = divmod(left, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts[:2]) or "0s"


def _cells(text: str, width: int) -> str:
    """`text` padded or cut to exactly `width` terminal cells (a CJK character takes two)."""
    return set_cell_size(text, width)


def numbers_text(figures: PeriodMetrics, words: Wording) -> Text:
    """The four numbers, as `kefu metrics` names them; the reasons of unsolved ratings in the shop's words."""
    text = Text()

    def row(label: str, value: str, note: str = "", style: str = "") -> None:
        text.append(_cells(label, 34))
        text.append(value, style=style or "bold")
        text.append(f"{note}\n", style="dim")

    def share(label: str, figure: Share, note: str = "") -> None:
        row(label, f"{figure.count:>5} of {figure.total:<5} {percent(figure):>7}", note)

    first, satisfaction, responded = figures.first_response, figures.satisfaction, figures.responded_24h
    row("sessions", f"{figures.sessions:>5}")
    share("M-1 smart reception resolved", figures.resolved)
    share("M-2 responded within 24 h", responded, f"  ({responded.pending} pending)" if responded.pending else "")
    if first.sessions:
        sessions = f"{first.sessions} session{'s' * (first.sessions != 1)}"
        row("M-3 average first response", f"{duration(first.average_seconds):>7}", "")
        row("    median", f"{duration(first.median_seconds):>7}", f"  over {sessions}", style="")
    else:
        row("M-3 average first response", f"{'-':>7}", "  (no session with a human reply yet)")
    share("M-4 satisfaction, smart reception", satisfaction.smart_reception)
    share("    satisfaction, humans", satisfaction.human)
    if satisfaction.reasons:
        reasons = ", ".join(f"{words.reasons.get(k, k)} {v}" for k, v in satisfaction.reasons.items())
        row("    unsolved because", reasons, style="")
    if satisfaction.unattributed:
        row("    ratings with nothing to rate", f"{satisfaction.unattributed:>5}")
    text.rstrip()
    return text


@dataclass(frozen=True)
class Series:
    """One row of the chart: a label, how to read a bucket, and whether it is a rate (0-100 %)."""

    label: str
    value: Callable[[PeriodMetrics], float | None]
    rate: bool
    show: Callable[[float], str]


SERIES = (
    Series("sessions", lambda p: float(p.sessions) if p.sessions else None, False, lambda v: f"{v:.0f}"),
    Series("M-1 resolved", lambda p: p.resolved.rate, True, lambda v: f"{v * 100:.0f}%"),
    Series("M-2 within 24 h", lambda p: p.responded_24h.rate, True, lambda v: f"{v * 100:.0f}%"),
    Series("M-3 first response", lambda p: p.first_response.average_seconds, False, duration),
    Series("M-4 smart reception", lambda p: p.satisfaction.smart_reception.rate, True, lambda v: f"{v * 100:.0f}%"),
    Series("M-4 humans", lambda p: p.satisfaction.human.rate, True, lambda v: f"{v * 100:.0f}%"),
)


def bucket_label(bucket: PeriodMetrics, by: Grouping, day: bool = True) -> str:
    """A bucket as the axis names it: `11-24 23:00` (`23:00` without `day`), `11-24`, `W48`."""
    if bucket.start is None:
        return bucket.period
    if by == "hour":
        return f"{bucket.start:%m-%d %H:00}" if day else f"{bucket.start:%H:00}"
    if by == "day":
        return f"{bucket.start:%m-%d}"
    return bucket.period[5:]


def chart_text(timeline: Timeline, width: int) -> Text:
    """Each series as bars over the buckets, the latest at the right; what does not fit is cut on
    the left (the oldest buckets). `width`: the terminal cells there are."""
    room = max(8, width - LABEL - 12)
    buckets = timeline.buckets
    per = max(1, min(6, room // max(1, len(buckets))))  # cells a bucket takes
    shown = buckets[-(room // per) :]
    text = Text()
    for series in SERIES:
        values = [series.value(bucket) for bucket in shown]
        known = [v for v in values if v is not None]
        top = 1.0 if series.rate else max(known, default=0.0)
        text.append(_cells(series.label, LABEL))
        for value in values:
            if value is None:
                text.append(EMPTY * per, style="dim")
            else:
                level = round(value / top * (len(BARS) - 1)) if top else 0
                text.append(BARS[level] * per, style="bold")
        scale = "0-100%" if series.rate else (f"0-{series.show(top)}" if known else "")
        text.append(f" {scale}\n", style="dim")
    ends = shown[0].start, shown[-1].start
    same_day = ends[0] is not None and ends[1] is not None and ends[0].date() == ends[1].date()
    first, last = bucket_label(shown[0], timeline.by), bucket_label(shown[-1], timeline.by, day=not same_day)
    gap = per * len(shown) - cell_len(first) - cell_len(last)
    axis = first if len(shown) == 1 else first + " " * gap + last if gap >= 1 else f"{first} → {last}"
    text.append(" " * LABEL + axis, style="dim")
    if len(shown) < len(buckets):
        text.append(f"\n{' ' * LABEL}(the last {len(shown)} of {len(buckets)})", style="dim")
    return text


EVERY = {"hour": "per hour", "day": "per day", "week": "per week"}


class MetricsScreen(Screen[None]):
    """M-1..M-4 of the current shop for the session so far: numbers, then bars over time. Redrawn by
    the app after every event played (the clock, f9/f10 and the palette work here too)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f11", "app.pop_screen", "Close metrics")]
    DEFAULT_CSS = """
    MetricsScreen #metrics-title { width: 100%; height: auto; padding: 0 1; background: $panel; }
    MetricsScreen #metrics-body { height: 1fr; padding: 0 1; }
    MetricsScreen #metrics-chart-title { margin-top: 1; text-style: bold; }
    """

    def __init__(self, live: LiveMetrics) -> None:
        super().__init__()
        self.live = live
        self._drawn: tuple[object, ...] | None = None  # what the figures on screen were drawn from
        self._last: Played | None = None  # ... and the last event played then

    def compose(self) -> ComposeResult:
        yield Label("", id="metrics-title")
        with VerticalScroll(id="metrics-body"):
            yield Static(id="metrics-numbers")
            yield Label("", id="metrics-chart-title")
            yield Static(id="metrics-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()

    def on_screen_resume(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        session = self.live.session
        played = session.played
        drawn = (len(played), session.shop_id, session.now, self.size.width)
        last = played[-1] if played else None
        if drawn == self._drawn and last is self._last:  # the app redraws after every key: draw only what changed
            return
        self._drawn, self._last = drawn, last
        shop = session.shop
        figures = self.live.so_far()
        timeline = self.live.over_time()
        where = f"after event {len(session.played)}"
        if session.tape:
            where += f" of {len(session.played) + len(session.tape)} (replay)"
        title = Text(f"Metrics of shop {visible(shop.id)} {visible(shop.name)}", style="bold")
        title.append(f" · the session so far · {where} · {session.local():%Y-%m-%d %H:%M}")
        self.query_one("#metrics-title", Label).update(title)
        self.query_one("#metrics-numbers", Static).update(numbers_text(figures, words_of(session)))
        self.query_one("#metrics-chart-title", Label).update(
            Text(f"Over time, {EVERY[timeline.by]} on the shop's clock ({shop.timezone}); · nothing to count")
        )
        self.query_one("#metrics-chart", Static).update(chart_text(timeline, (self.size.width or 80) - 2))
