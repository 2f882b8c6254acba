"""The chart `kefu when` prints: a row per day, a column per hour of the shop's wall clock, a letter
per hour for who answers customers then, and a legend of the letters used.

Every mark is ASCII, one terminal cell wide in every locale (block and middle-dot characters are
"ambiguous" in Unicode's East Asian Width and take two cells in many CJK terminals); the weekday,
in the shop's language, is padded by its display width, so the columns stay aligned with 週一 as
with Mon. A column is an hour of the wall clock: on the night the clock goes back its hour holds
both passes (the answer depends on the wall clock only, so both show the same), and on the night it
goes forward the hour it skips is drawn as `-`. Where the answer changes inside an hour the column
shows `/` and the row's end says at which minute it changes, from what to what.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from kefu.dsl.render import display_width
from kefu.dsl.visible import visible
from kefu.engine.rules import Shop
from kefu.engine.timeline import Answering, Day, Timeline
from kefu.engine.wording import wording

SPLIT = "/"
SKIPPED = "-"
AGENTS = {"auto_send": "A", "suggest": "S", "off": "H"}  # by what assist does for them
LEGEND: tuple[tuple[str, str], ...] = (
    ("A", "agents answer; assist auto-sends in the conversations they are not in (AR-3)"),
    ("S", "agents answer; assist only suggests replies, auto-send is off (AR-2)"),
    ("H", "agents answer alone; assist is off"),
    ("a", "agents answer, assist auto-sending; the bot takes customers no agent is free for (bot all day, BOT-2)"),
    ("s", "agents answer, assist suggesting; the bot takes customers no agent is free for (bot all day, BOT-2)"),
    ("h", "agents answer alone; the bot takes customers no agent is free for (bot all day, BOT-2)"),
    ("B", "the bot answers: outside working hours or on a holiday (BOT-3)"),
    (".", "nobody answers: outside working hours with the bot off; customers wait for agents"),
    (SPLIT, "the answer changes within the hour: the row's end says at which minute, from what to what"),
    (SKIPPED, "an hour the clock skips (daylight saving time begins)"),
)


def mark(answering: Answering) -> str:
    """The letter of one instant's answer."""
    if answering.working:
        letter = AGENTS[answering.assist]
        return letter.lower() if answering.bot == "backup" else letter
    return "B" if answering.bot == "answers" else "."


@dataclass
class Hour:
    """One column of one row: the pieces of the hour in the order they happen."""

    pieces: list[tuple[dt.time, int, str]] = field(default_factory=list)  # (wall time, seconds, mark)

    @property
    def seconds(self) -> int:
        return sum(seconds for _, seconds, _ in self.pieces)

    @property
    def mark(self) -> str:
        marks = {m for _, _, m in self.pieces}
        if not marks:
            return SKIPPED
        return marks.pop() if len(marks) == 1 else SPLIT

    def changes(self) -> list[str]:
        """`09:30 B>A` for every change of mark inside the hour."""
        found = []
        for (_, _, before), (at, _, after) in itertools.pairwise(self.pieces):
            if before != after:
                found.append(f"{at:%H:%M} {before}>{after}")
        return found


def hours_of(day: Day) -> list[Hour]:
    """The day's 24 wall-clock hours and what happens in each. Within a segment the wall clock runs
    evenly (a segment ends where the offset changes), so its pieces follow from its start."""
    hours = [Hour() for _ in range(24)]
    for segment in day.segments:
        letter = mark(segment.answering)
        wall = segment.start.replace(tzinfo=None)
        end = wall + (segment.end - segment.start)
        while wall < end:
            until = min(wall.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1), end)
            seconds = round((until - wall).total_seconds())
            hour = hours[wall.hour]
            if hour.pieces and hour.pieces[-1][0] <= wall.time() and hour.pieces[-1][2] == letter:
                time, before, _ = hour.pieces[-1]
                hour.pieces[-1] = (time, before + seconds, letter)
            else:
                hour.pieces.append((wall.time(), seconds, letter))
            wall = until
    return hours


def _passes(seconds: int) -> str:
    """How an hour of a day the clock changes on is lived: skipped, twice, or for so many minutes."""
    if seconds == 0:
        return "skipped"
    return "twice" if seconds == 7200 else f"lasts {seconds // 60} min"


def _length(minutes: int) -> str:
    return f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")


def notes(day: Day, hours: list[Hour]) -> list[str]:
    """What the row's end says: a holiday, the period, a day the clock changes, changes within hours."""
    found = []
    if day.holiday:
        found.append("holiday")
    if day.period is not None:
        found.append(f"period {visible(day.period)}")
    if day.minutes != 1440:
        odd = [
            f"{h:02d}:00-{h + 1:02d}:00 {_passes(hour.seconds)}" for h, hour in enumerate(hours) if hour.seconds != 3600
        ]
        found.append(f"{_length(day.minutes)} ({', '.join(odd) or 'the clock changes'})")
    for hour in hours:
        found.extend(hour.changes())
    return found


def chart(timeline: Timeline, shop: Shop) -> list[str]:
    """The lines `kefu when` prints: a title, the hour scale, a row per day and the legend."""
    days = wording(shop.language).days
    width = max(display_width(d) for d in days)
    title = (
        f"shop {visible(timeline.shop)} {visible(quoted(shop.name))}, {visible(timeline.timezone)}, "
        f"{timeline.first} to {timeline.last}"
    )
    prefix = 10 + 1 + width + 2  # date, space, weekday, two spaces
    scale = " " * prefix + "".join(f"{h:02d} " for h in range(0, 24, 3)).rstrip()
    lines = [title, "", scale]
    used: set[str] = set()
    for day in timeline.days:
        hours = hours_of(day)
        marks = "".join(hour.mark for hour in hours)
        used.update(marks)
        weekday = days[day.date.weekday()]
        row = f"{day.date} {weekday}{' ' * (width - display_width(weekday))}  {marks}"
        tail = notes(day, hours)
        lines.append(row + ("  " + "; ".join(tail) if tail else ""))
    lines.append("")
    refusing = [member.name for member in shop.staff if member.auto_send is False]
    for letter, meaning in LEGEND:
        if letter in used:
            if letter in "Aa" and refusing:  # AR-8, D-7: their own choice stands
                meaning += f"; not for {', '.join(visible(name) for name in refusing)}, who refused it (AR-8)"
            lines.append(f"{letter}  {meaning}")
    return lines


def quoted(name: str) -> str:
    """A shop's name in double quotes, as the rules write it."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
