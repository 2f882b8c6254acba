"""`kefu simulate RULES --events FILE.jsonl`: play events through the assistant, print what it does.

Thin: it reads lines (`engine.event_lines`), feeds them to the engine's run loop
(`engine.loop.EngineLoop`: decide, group commits, hand back only what is committed) and prints what
comes back, so a crash never shows an action the database lost. It tells the loop when a live pipe
pauses, so nothing waits for a group.
"""

from __future__ import annotations

import contextlib
import os
import select
import stat
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import db_option, json_option, rules_argument
from kefu.tui.collector import long_run_gc
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS
from kefu.tui.history import history_path
from kefu.tui.shops import load_shops

if TYPE_CHECKING:
    from kefu.engine.loop import Committed
    from kefu.engine.rules import Shop
    from kefu.engine.store import Store


@click.command()
@rules_argument()
@click.option(
    "--events",
    "events_path",
    required=True,
    metavar="FILE.jsonl",
    help="Events as JSON Lines, one event a line ('-': standard input). See docs/events.md.",
)
@db_option("The database to record the run in")
@click.option("--no-db", is_flag=True, help="Record nothing: decide and print only.")
@json_option("Print actions as JSON Lines (docs/events.md).")
@click.option("--keep-going", is_flag=True, help="Report a bad line and go on with the next (exit 1 at the end).")
@click.option(
    "--explain",
    is_flag=True,
    help="Say why under each send, suggest and notice (and the lists line of a message left to a human): the "
    "match (scores, margin, levels) and the policy path, with the file:line of each rule; with --json, the "
    "actions carry it as 'why'.",
)
def simulate(
    rules: Path, events_path: str, db_path: Path | None, no_db: bool, as_json: bool, keep_going: bool, explain: bool
) -> None:
    """Play customer and agent events through the rules and print the assistant's actions.

    Every event goes through the same decide step as the terminal UI and `kefu test`. The run is
    recorded (events, actions, ratings, setting changes) so `kefu metrics` can count it. A bad
    line is reported with its number and what is wrong; the events before it are kept.

    \b
    Examples:
      kefu simulate rules/shops/tw --events day.jsonl
      kefu simulate rules/ --events day.jsonl --json > actions.jsonl
      kefu simulate rules/shops/tw --events night.jsonl --no-db --explain
      cat platform-log.jsonl | kefu simulate rules/ --events - --no-db --json
    """
    from kefu.engine.event_lines import read_events
    from kefu.engine.loop import EngineLoop
    from kefu.engine.simulate import Simulation

    source = _open(events_path)
    from_file = _is_file(source)
    shops = {shop.id: shop for shop in load_shops(rules)}
    if not shops:
        raise KefuError(f"{rules} holds no shop", Failure.usage)
    store, run = _store(db_path, no_db, events_path, rules, list(shops.values()))
    simulation = Simulation(shops, explain=explain)
    for shop_id in shops:
        simulation.rules(shop_id)  # compile (build each matcher) before the stream starts
    long_run_gc()
    loop = EngineLoop(simulation, time.monotonic, store, run)
    out = _Printer(as_json, {shop.id: frozenset(member.name for member in shop.staff) for shop in shops.values()})
    bad = 0
    try:
        for number, parsed, raw in read_events(source):
            problem: str | None = parsed if isinstance(parsed, str) else None
            if problem is None:
                fed = loop.feed(parsed, number, raw, more=from_file or _ready(source))
                out.show(fed.committed)
                problem = fed.error.message if fed.error is not None else None
            else:  # what is wrong with the line: report, keep what came before
                out.show(loop.flush())
            if problem is None:
                continue
            bad += 1
            click.echo(visible(f"kefu simulate: {_name(events_path)}:{number}: {problem}"), err=True)
            if not keep_going:
                break
        out.show(loop.close())
    except BaseException:  # Ctrl-C, or a bug: what was decided is kept and shown, then kefu stops
        with contextlib.suppress(Exception):  # the first failure is the one to report
            out.show(loop.flush())
        raise
    finally:
        if store is not None:
            store.close()
    events, actions = loop.events, loop.actions
    where = f"; run {run} recorded in {visible(store.path)}" if store is not None else ""
    click.echo(
        f"kefu simulate: {events} event{'s' * (events != 1)}, {actions} action{'s' * (actions != 1)}"
        f"{where}" + (f"; {bad} bad line{'s' * (bad != 1)}" if bad else ""),
        err=True,
    )
    sys.exit(EXIT_FINDINGS if bad else EXIT_CLEAN)


def _name(events_path: str) -> str:
    return "<stdin>" if events_path == "-" else events_path


def _open(events_path: str) -> IO[bytes]:
    if events_path == "-":
        return sys.stdin.buffer
    path = Path(events_path)
    if path.is_dir():
        raise KefuError(f"{events_path}: is a folder, not a JSON Lines file", Failure.usage)
    try:
        return path.open("rb")
    except OSError as error:
        raise KefuError(f"{events_path}: {error.strerror or error}", Failure.usage) from None


def _store(
    db_path: Path | None, no_db: bool, events_path: str, rules: Path, shops: list[Shop]
) -> tuple[Store | None, int]:
    if no_db:
        if db_path is not None:
            raise KefuError("--db and --no-db exclude each other", Failure.usage)
        return None, 0
    from kefu.engine.store import Store, StoreError

    try:
        store = Store.open(history_path(db_path))
        return store, store.start_run(
            source=_name(events_path), rules=str(rules), shops=[(shop.id, shop.name, shop.timezone) for shop in shops]
        )
    except StoreError as error:
        raise KefuError(str(error), Failure.unusable) from None


def _is_file(source: IO[bytes]) -> bool:
    """A regular file never pauses: asked once, not per event."""
    try:
        return stat.S_ISREG(os.fstat(source.fileno()).st_mode)
    except (OSError, ValueError):
        return True


def _ready(source: IO[bytes]) -> bool:
    """More input is waiting on a pipe; False when it has paused."""
    try:
        readable, _, _ = select.select([source], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


class _Printer:
    def __init__(self, as_json: bool, staff: dict[str, frozenset[str]]) -> None:
        self.as_json = as_json
        self.staff = staff  # each shop's staff names: a name that only looks like one shows the difference

    def show(self, committed: Committed) -> None:
        """Print committed steps: with --json their action lines as stored (or serialised)."""
        from kefu.tui.show import action_line, event_line, why_lines

        if not committed:
            return
        if self.as_json:
            lines = committed.action_lines()
        else:
            lines = []
            for step in committed.steps:
                staff = self.staff.get(step.shop, frozenset())
                lines.append(event_line(step.event, step.line, staff))
                for action in step.actions:
                    lines.append(action_line(action, staff))
                    why = getattr(action, "why", None)
                    if why is not None:
                        lines.extend(why_lines(why))
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
