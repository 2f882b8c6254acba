"""`kefu tui [RULES]`: the terminal UI on a shop's rules (the demo shops in rules/ by default)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.tui.cli.options import db_option, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN
from kefu.tui.history import history_path
from kefu.tui.shops import load_shops

if TYPE_CHECKING:
    from kefu.engine.events import Event
    from kefu.engine.rules import Shop
    from kefu.engine.store import Store


def demo_rules() -> Path:
    """`rules/` here, or the demo shops beside kefu's own source (an editable install)."""
    here = Path("rules")
    if here.is_dir():
        return here
    beside = Path(__file__).resolve().parents[2] / "rules"
    if beside.is_dir():
        return beside
    raise KefuError("no RULES given and no rules/ folder here: name a shop's folder or file", Failure.usage)


@click.command(name="tui")
@click.argument("rules", type=click.Path(path_type=Path), required=False)
@db_option("The database the session is recorded in")
@click.option("--no-db", is_flag=True, help="Record nothing (the session is lost when kefu quits).")
@shop_option("The shop to start with, when RULES holds several (switch with f8).")
@click.option(
    "--events",
    "events_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE.jsonl",
    help="Recorded events to step through (f9 back, f10 forward), paused at the first.",
)
@click.option("--as", "person", default=None, metavar="NAME", help="Act as this person of the shop (f6 switches).")
@click.option(
    "--at",
    "start",
    default=None,
    metavar="TIME",
    help="Start the clock here, on the shop's wall clock (2026-11-24 23:30); default: now.",
)
def tui(
    rules: Path | None,
    db_path: Path | None,
    no_db: bool,
    shop_id: str | None,
    events_path: Path | None,
    person: str | None,
    start: str | None,
) -> None:
    """Play customers and agents against the rules in the terminal, and see what the assistant does.

    Type as a customer, act as an agent (suggestions, one-key send, edit), move the clock to
    23:30 or a holiday, take agents online and offline, flip assist and the bot as the owner or
    an agent, and open the why of any answer with w. Every action goes through the same decide
    step and store as `kefu simulate`; the session is recorded as a run in the database.

    \b
    Examples:
      kefu tui
      kefu tui rules/shops/tw --at "2026-11-24 23:30"
      kefu tui rules/ --shop sg --as amy
      kefu tui rules/shops/tw --events night.jsonl --no-db
    """
    from kefu.tui.app import KefuApp
    from kefu.tui.session import Session

    path = rules if rules is not None else demo_rules()
    shops = load_shops(path)
    if not shops:
        raise KefuError(f"{path} holds no shop", Failure.usage)
    if shop_id is not None:
        first = next((shop for shop in shops if shop.id == shop_id), None)
        if first is None:
            raise KefuError(
                f"no shop '{shop_id}' in {path}; shops there: {', '.join(s.id for s in shops)}", Failure.not_found
            )
        shops = [first, *(shop for shop in shops if shop is not first)]
    tape = _tape(events_path, shops) if events_path is not None else []
    if person is not None and person not in {m.name for m in shops[0].staff}:
        raise KefuError(f"'{person}' is not on the staff of shop {shops[0].id}", Failure.usage)
    if no_db and db_path is not None:
        raise KefuError("--db and --no-db exclude each other", Failure.usage)
    session = Session(shops, _start(start, shops[0]), source=str(events_path or "kefu tui"), rules=str(path))
    if tape:
        session.load_tape(tape)
    app = KefuApp(session, me=person, store=None if no_db else lambda: _store(db_path))
    try:
        app.run()
    finally:
        if app.open_store is not None and session.played:  # quit before the store was opened: record now
            session.record_in(app.open_store())
        session.close()
    sys.exit(EXIT_CLEAN)


def _start(text: str | None, shop: Shop) -> dt.datetime:
    from kefu.engine.clock import zone

    tz = zone(shop.timezone)
    if text is None:
        return dt.datetime.now(tz).replace(second=0, microsecond=0)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise KefuError(f"--at: cannot read '{text}' as a date and time (2026-11-24 23:30)", Failure.usage) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _tape(path: Path, shops: list[Shop]) -> list[Event]:
    """The recorded events, every line good: a bad one is FILE:LINE and nothing starts."""
    from kefu.engine.event_lines import read_events

    if not path.is_file():
        raise KefuError(f"{path}: no such file", Failure.not_found)
    events: list[Event] = []
    with path.open("rb") as source:
        for number, parsed, _ in read_events(source):
            if isinstance(parsed, str):
                raise KefuError(f"{path}:{number}: {parsed}", Failure.findings)
            events.append(parsed)
    known = {shop.id for shop in shops}
    for number, event in enumerate(events, start=1):
        if event.shop is not None and event.shop not in known:
            raise KefuError(f"{path}:{number}: unknown shop '{event.shop}'", Failure.findings)
    return events


def _store(db_path: Path | None) -> Store:
    """The database the session is recorded in (opened by the app once its first frame is drawn)."""
    from kefu.engine.store import Store, StoreError

    try:
        return Store.open(history_path(db_path))
    except StoreError as error:
        raise KefuError(str(error), Failure.unusable) from None
