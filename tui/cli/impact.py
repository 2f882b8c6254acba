"""`kefu impact --base REV [RULES]`: every message whose decision a change to the rules changes.

Thin: the rules at REV are read as `kefu when --base` reads them (tui/revisions.py), the corpus is
gathered here (the shops' tests and scenarios, `--corpus` files, the store's runs), and
`engine.impact` replays it with both sides' rules; tui/impact_text.py prints the result.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import db_option, json_option, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS
from kefu.tui.shops import parse_cache

if TYPE_CHECKING:
    from kefu.engine.corpus import Message, Stream
    from kefu.engine.decide import CompiledShop
    from kefu.engine.impact import Changed, Impact, ShopImpact
    from kefu.engine.rules import Shop
    from kefu.engine.store import Store

DEFAULT_RULES = Path("rules")
STDIN = "-"  # --corpus -: the messages or events from standard input


@click.command()
@click.argument("rules", type=click.Path(path_type=Path), required=False)
@click.option(
    "--base",
    required=True,
    metavar="REV",
    help="The git revision (or REV:PATH) whose rules are the old side; RULES on disk are the new one.",
)
@click.option(
    "--corpus",
    "corpus_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help='JSON Lines of messages ({"text": ...}, as eval query files) or of events (kefu simulate input); '
    "repeatable; - reads standard input.",
)
@db_option("The history whose recorded runs are replayed")
@click.option("--no-db", is_flag=True, help="Replay nothing from the history.")
@shop_option("Only this shop.")
@json_option("Print one JSON object (keys in docs/impact.md).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format; markdown is made for a pull-request comment.",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["changed"]),
    default=None,
    help="Exit 1 when any decision changed (a CI gate); otherwise exit 0 whenever it ran.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Score every plain message with both rules instead of only those the change could move (slower; the "
    "same result).",
)
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of using the content cache.")
def impact(
    rules: Path | None,
    base: str,
    corpus_paths: tuple[Path, ...],
    db_path: Path | None,
    no_db: bool,
    shop_id: str | None,
    as_json: bool,
    fmt: str,
    fail_on: str | None,
    full: bool,
    no_cache: bool,
) -> None:
    """Replay messages through the rules at REV and the rules now, and list every message whose
    decision changed: another entry, auto-send -> suggest, suggest -> nothing, answer -> fallback and
    back, each direction its own change; grouped and counted, the biggest group first, with examples
    and the why of both sides.

    The messages: the shops' test cases and scenarios (both sides'), every --corpus file, and the
    runs recorded in the history (--db, default the same database as kefu metrics; --no-db skips
    it). Plain messages (tests, eval query files) are decided as kefu ask decides them; scenarios,
    event files and recorded runs are replayed in time through the whole policy (hours, bot, who is
    online). Exit status: 0 when it ran (1 with --fail-on changed and a change), 2 for a bad
    argument, revision or input file.

    \b
    Examples:
      kefu impact --base main rules/
      kefu impact --base HEAD~1 rules/shops/tw --corpus eval/tw.jsonl --no-db
      kefu impact --base origin/main rules/ --format markdown > comment.md
      kefu impact --base main rules/ --corpus day.jsonl --fail-on changed --json
    """
    from kefu.dsl.cache import Cache
    from kefu.tui.cli.diff import load_side
    from kefu.tui.revisions import RulesSource, base_spec, opened, parse_spec

    if as_json and fmt not in ("text", "json"):
        raise KefuError(f"--json and --format {fmt} ask for two outputs; give one of them", Failure.usage)
    if no_db and db_path is not None:
        raise KefuError("--db and --no-db exclude each other", Failure.usage)
    fmt = "json" if as_json else fmt
    if rules is None:
        if not DEFAULT_RULES.is_dir():
            raise KefuError("no RULES given and no rules/ folder here: name a shop's folder or file", Failure.usage)
        rules = DEFAULT_RULES
    if not rules.exists():
        raise KefuError(f"{rules}: no such file or folder", Failure.not_found)
    spec = parse_spec(str(rules))
    new_side = load_side(RulesSource(path=rules, label=str(rules)), parse_cache(no_cache))
    with opened(base_spec(base), spec) as source:
        old_side = load_side(source, Cache.disabled())
        rename = source.name
        old_shops = {shop.id: shop for shop in old_side.rules.shops}
        new_shops = {shop.id: shop for shop in new_side.rules.shops}
        notes = _one_sided(old_shops, new_shops, base)
        common = [i for i in new_shops if i in old_shops]
        if shop_id is not None:
            if shop_id not in old_shops and shop_id not in new_shops:
                known = ", ".join(sorted(old_shops.keys() | new_shops.keys())) or "none"
                raise KefuError(f"no shop '{shop_id}' in {rules} or at {base}; shops there: {known}", Failure.not_found)
            common = [i for i in common if i == shop_id]
            notes = [note for note in notes if f"'{shop_id}'" in note]
        tests = _tests([old_shops[i] for i in common], [new_shops[i] for i in common], rename)
        from kefu.engine.corpus import scenarios

        streams = scenarios([(new_shops[i], str) for i in common] + [(old_shops[i], rename) for i in common])
    messages, files = _corpus(corpus_paths, common, shop_id, set(old_shops) | set(new_shops))
    streams += files
    with _history(db_path, common, no_db) as history:
        result = _compare(
            old_shops,
            new_shops,
            common,
            tests + messages,
            streams,
            history,
            full,
            (base, str(rules), rename),
            notes,
            fmt,
        )
    _print(result, fmt)
    sys.exit(EXIT_FINDINGS if fail_on == "changed" and result.changed else EXIT_CLEAN)


def _one_sided(old: dict[str, Shop], new: dict[str, Shop], base: str) -> list[str]:
    notes = [f"shop '{i}' is new since {base}: nothing to compare" for i in new if i not in old]
    notes += [f"shop '{i}' is gone since {base}: nothing to compare" for i in old if i not in new]
    return notes


def _tests(old: list[Shop], new: list[Shop], rename: Callable[[str], str]) -> list[Message]:
    """The test cases of both sides, each (shop, message) once: the rules now name it if they have it."""
    from kefu.engine.corpus import case_messages

    found: dict[tuple[str | None, str], Message] = {}
    for shop in new:
        for message in case_messages(shop):
            found.setdefault((message.shop, message.text), message)
    for shop in old:
        for message in case_messages(shop, rename):
            found.setdefault((message.shop, message.text), message)
    return list(found.values())


def _corpus(
    paths: tuple[Path, ...], common: list[str], shop_id: str | None, known: set[str]
) -> tuple[list[Message], list[Stream]]:
    """The --corpus files: plain messages (each for a shop) and event streams. A line naming a shop
    neither side has is an error (a typo would make the impact look smaller than it is); one of a
    shop on one side only, or not the --shop asked for, is left out."""
    from kefu.engine.corpus import CorpusError

    messages: list[Message] = []
    streams: list[Stream] = []
    if sum(str(path) == STDIN for path in paths) > 1:
        raise KefuError("--corpus -: standard input can be read once", Failure.usage)
    for path in paths:
        try:
            found = _read_corpus_file(path)
        except CorpusError as error:
            raise KefuError(str(error), Failure.unusable) from None
        if not isinstance(found, list):
            for played in found.events:
                _known_shop(played.event.shop, played.where, known)
            streams.append(found)
            continue
        for message in found:
            _known_shop(message.shop, message.where, known)
            shop = message.shop or shop_id or (common[0] if len(common) == 1 else None)
            if shop is None:
                raise KefuError(
                    f'{message.where}: the rules hold several shops ({", ".join(common)}): give the line a "shop" '
                    "or pick one with --shop",
                    Failure.usage,
                )
            if shop in common and (shop_id is None or shop == shop_id):
                messages.append(message.model_copy(update={"shop": shop}))
    return messages, streams


def _read_corpus_file(path: Path) -> list[Message] | Stream:
    """One --corpus file, or standard input for `-` (named <stdin> in errors)."""
    from kefu.engine.corpus import read_corpus

    if str(path) == STDIN:
        return read_corpus(sys.stdin.buffer, "<stdin>")
    if path.is_dir():
        raise KefuError(f"{path}: is a folder, not a JSON Lines file", Failure.usage)
    try:
        with path.open("rb") as source:
            return read_corpus(source, str(path))
    except FileNotFoundError:
        raise KefuError(f"{path}: no such file", Failure.not_found) from None


def _known_shop(shop: str | None, where: str, known: set[str]) -> None:
    if shop is not None and shop not in known:
        held = ", ".join(sorted(known)) or "none"
        raise KefuError(f"{where}: no shop '{shop}' in the rules (they hold: {held})", Failure.unusable)


class History:
    """The recorded runs of the compared shops, replayed one at a time: only the run being replayed
    is held in memory, however long the history."""

    def __init__(self, store: Store | None, common: list[str]) -> None:
        self.store = store
        self.common = common
        sizes: Counter[int] = Counter()
        for held in store.held() if store is not None else []:
            if held.shop in common:
                sizes[held.run] += held.events
        self.sizes = sorted(sizes.items())  # (run, its events of the compared shops), oldest run first
        self.events = sum(sizes.values())  # for the progress bar

    def streams(self) -> Iterator[Stream]:
        """Each run as a stream of its events in the order recorded, read when its turn comes."""
        from kefu.engine.corpus import Played, Stream

        if self.store is None:
            return
        for run, _ in self.sizes:
            events = []
            for stored in self.store.steps(run=run):
                if stored.shop in self.common:
                    where = f"{self.store.path} run {stored.run} event {stored.id}"
                    event = stored.event if stored.event.shop else stored.event.model_copy(update={"shop": stored.shop})
                    events.append(Played(event=event, where=where))
            yield Stream(kind="db", name=f"run {run}", events=tuple(events))


@contextmanager
def _history(db_path: Path | None, common: list[str], no_db: bool) -> Iterator[History]:
    """The history to replay (none with --no-db), open while the comparison runs."""
    from kefu.tui.history import open_history

    store = None if no_db else open_history(db_path)
    try:
        yield History(store, common)
    finally:
        if store is not None:
            store.close()


@contextmanager
def _progress(total: int, fmt: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on standard error, only when it is a terminal (never in CI logs or piped JSON)."""
    if total < 1 or not sys.stderr.isatty() or fmt == "json":
        yield None
        return
    with click.progressbar(length=total, label="kefu impact", file=sys.stderr) as bar:
        yield bar.update


def _compare(
    old_shops: dict[str, Shop],
    new_shops: dict[str, Shop],
    common: list[str],
    messages: list[Message],
    streams: list[Stream],
    history: History,
    full: bool,
    labels: tuple[str, str, Callable[[str], str]],
    notes: list[str],
    fmt: str,
) -> Impact:
    """Both sides compiled once and every message replayed; `labels`: the base revision, the rules'
    path, and how the old side names its files."""
    from kefu.engine.corpus import CorpusError
    from kefu.engine.decide import CompiledShop
    from kefu.engine.impact import Impact, compare_plain, compare_stream, group, renamed
    from kefu.engine.simulate import recompile

    old: dict[str, CompiledShop] = {}
    new: dict[str, CompiledShop] = {}
    for shop in common:
        old[shop] = CompiledShop(old_shops[shop])
        new[shop] = recompile(new_shops[shop], old[shop])  # the old matcher again when its input is unchanged
    by_shop: dict[str, list[Message]] = {shop: [] for shop in common}
    for message in messages:
        if message.shop in by_shop:
            by_shop[message.shop].append(message)
    total = sum(len({m.text for m in found}) for found in by_shop.values())
    total += sum(len(s.events) for s in streams) + history.events
    changed: list[Changed] = []
    figures: dict[str, ShopImpact] = {}
    sources: Counter[str] = Counter(message.kind for message in messages)
    counted: Counter[str] = Counter({shop: len(found) for shop, found in by_shop.items()})
    with _progress(total, fmt) as tick:
        for shop in common:
            found, figures[shop] = compare_plain(
                shop, old[shop], new[shop], by_shop[shop], fast=not full, progress=tick
            )
            changed += found
        for stream in itertools.chain(streams, history.streams()):
            try:
                found, messages_of = compare_stream(stream, old, new, progress=tick)
            except CorpusError as error:
                raise KefuError(str(error), Failure.unusable) from None
            changed += found
            counted.update(messages_of)
            sources[stream.kind] += sum(messages_of.values())
    stream_changes = Counter(change.shop for change in changed if change.kind in ("scenario", "events", "db"))
    shops = tuple(
        figures[shop].model_copy(
            update={"messages": counted[shop], "changed": figures[shop].changed + stream_changes[shop]}
        )
        for shop in common
    )
    base, rules, rename = labels
    changed = [renamed(change, rename) for change in changed]
    return Impact(
        base=base,
        rules=rules,
        messages=sum(counted.values()),
        changed=len(changed),
        sources=dict(sources),
        shops=shops,
        groups=group(changed),
        notes=tuple(notes),
    )


def _print(result: Impact, fmt: str) -> None:
    from kefu.tui import impact_text

    if fmt == "json":
        click.echo(impact_text.render_json(result))
    elif fmt == "markdown":
        click.echo(impact_text.render_markdown(result), nl=False)
    else:
        click.echo(impact_text.render_text(result))
    if fmt == "text":
        return
    click.echo(visible(f"kefu impact: {impact_text.summary(result)}"), err=True)
