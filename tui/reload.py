"""Rules reload for `kefu tui`: watch the rule files of the session's shops and the presets they use,
load the rules again when one is saved, and swap the session to them between two events; or, when the
save is broken, keep the last good rules in force and say what is wrong, as `kefu check` would.

The rules are loaded the way `kefu tui` loaded them (kefu.dsl.load with the parse cache of
tui/shops.py, so only the saved file is parsed again) and the changed shops compiled, both off the
UI's thread; only the swap runs on it. No Textual here: the app runs `Reloader.watch` as a worker and
shows each `Reload` it reports; tests call `Reloader.reload` directly.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from watchfiles import DefaultFilter, awatch

from kefu.dsl.cache import Cache
from kefu.engine.decide import CompiledShop
from kefu.engine.rules import Shop
from kefu.engine.simulate import recompile
from kefu.tui.session import Session
from kefu.tui.shops import parse_cache

QUIET_MS = 150  # a burst of changes (an editor's write, rename and backup) ends after this long without one
BURST_MS = 1_600  # and is reported after this long at most, however busy the folder is
POLL_MS = 500  # how often the watcher's thread looks up from the files (to stop, or to be cancelled)


@dataclass(frozen=True)
class Rules:
    """One load of the rules, made off the UI's thread: the shops, what is wrong with them, every file
    read (presets included) and the shops that differ from the session's, compiled."""

    shops: tuple[Shop, ...]  # a shop that means what the session plays is the session's own object
    errors: int
    report: str  # the errors, rendered as `kefu check` renders them
    files: frozenset[Path]
    compiled: Mapping[str, CompiledShop] = field(default_factory=dict)  # the shops that changed
    problem: str = ""  # the rules could not be read at all (their folder is gone)


@dataclass(frozen=True)
class Reload:
    """What a reload did, for the status line and the diagnostics dialog."""

    ok: bool  # the session plays the new rules; False: the last good rules stay in force
    message: str  # one line for the status and the top bar
    report: str = ""  # the diagnostics of a broken save, as `kefu check` prints them
    saved: tuple[str, ...] = ()  # the files whose change set the reload off, as diagnostics name them
    added: tuple[str, ...] = ()  # shops the rules gained
    removed: tuple[str, ...] = ()  # shops gone from the rules (and from the session)


@dataclass(frozen=True)
class Targets:
    """What to watch: `paths` (folders, watched with everything below them), the `files` the rules
    were read from, and the `homes` where a new `.kefu` file joins the rules (a shop's folder, or the
    folder named on the command line); a new file next to a preset joins nothing."""

    paths: tuple[Path, ...]
    files: frozenset[Path]
    homes: tuple[Path, ...]

    def matters(self, path: Path) -> bool:
        """A change at `path` may change the rules."""
        if path in self.files:
            return True
        if not any(path.is_relative_to(home) for home in self.homes):
            return False
        return path.suffix == ".kefu" or any(file.is_relative_to(path) for file in self.files)


def targets(rules: Path, shops: Iterable[Shop], files: Iterable[Path]) -> Targets:
    """The folders to watch for the rules at `rules` (a folder or a shop's file) read from `files`."""
    root = rules.resolve()
    homes = {root} if root.is_dir() else {root.parent}
    homes |= {Path(shop.span.file).resolve().parent for shop in shops if shop.span is not None}
    read = frozenset(path.resolve() for path in files)
    folders = homes | {path.parent for path in read}
    paths = {_existing(folder) for folder in folders}
    outermost = tuple(sorted(p for p in paths if not any(p != q and p.is_relative_to(q) for q in paths)))
    return Targets(outermost, read, tuple(sorted(homes)))


def _existing(folder: Path) -> Path:
    """`folder`, or the nearest folder above it that exists (a folder can be watched only while it is
    there: watching above it sees it come back)."""
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder


def read_rules(
    rules: Path,
    cache: Cache,
    current: Mapping[str, Shop],
    compiled: Callable[[str], CompiledShop | None] = lambda _: None,
) -> Rules:
    """Load the rules at `rules` as `kefu tui` did and compile the shops that differ from `current`
    (reusing the matcher `compiled(id)` built where what it reads is unchanged)."""
    from kefu.dsl import render
    from kefu.dsl.files import UsageError
    from kefu.dsl.load import load

    try:
        result = load([rules], cache)
    except (UsageError, OSError) as error:
        return Rules((), 1, "", frozenset(), problem=str(error))
    files = frozenset(result.digests)
    shops = tuple(result.rules.shops)
    if result.errors:
        return Rules(shops, len(result.errors), render.render_text(result.errors), files)
    changed = {shop.id: shop for shop in shops if current.get(shop.id) != shop}
    shops = tuple(changed.get(shop.id) or current[shop.id] for shop in shops)
    built = {shop_id: recompile(shop, compiled(shop_id)) for shop_id, shop in changed.items()}
    return Rules(shops, 0, "", files, built)


class Reloader:
    """Keeps a session on the rules its files hold now: `reload` once, or `watch` for good."""

    def __init__(self, session: Session, rules: Path | None = None, cache: Cache | None = None) -> None:
        self.session = session
        self.rules = rules if rules is not None else Path(session.rules_path)
        self.cache = cache if cache is not None else parse_cache()
        self.broken = False  # the last load had errors: the session plays the last good rules
        self.targets = targets(self.rules, session.shops.values(), _files_of(session.shops.values()))
        self._stop = asyncio.Event()

    # -- one reload --------------------------------------------------------------------------------

    def read(self) -> Rules:
        """Load the rules now (blocking: the watcher runs it in a thread). What it builds lives as long
        as the rules are in force: it is moved out of the garbage collector's sight (`gc.freeze`), or
        the next collections would walk its million objects on the UI's thread."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            rules = read_rules(self.rules, self.cache, dict(self.session.shops), self.session.simulation.compiled)
            gc.freeze()
        finally:
            if enabled:
                gc.enable()
        return rules

    def apply(self, rules: Rules, saved: Sequence[Path] = ()) -> Reload | None:
        """Swap the session to `rules`, or keep its rules when they are broken. None when the rules
        mean what the session already plays (a save that changed nothing, or only comments)."""
        from kefu.dsl.files import display_name

        names = tuple(display_name(path) for path in saved)
        if rules.files:
            self.targets = targets(self.rules, rules.shops or self.session.shops.values(), rules.files)
        if rules.problem or rules.errors or not rules.shops:
            self.broken = True
            return Reload(False, _broken_message(rules), rules.report or rules.problem, names)
        before = dict(self.session.shops)
        was_broken, self.broken = self.broken, False
        same = not rules.compiled and [shop.id for shop in rules.shops] == list(before)
        if same and not was_broken:
            return None
        self.session.reload(rules.shops, rules.compiled)  # never refused: rules holding no shop are broken
        added = tuple(shop.id for shop in rules.shops if shop.id not in before)
        removed = tuple(shop_id for shop_id in before if shop_id not in self.session.shops)
        return Reload(True, _good_message(names, added, removed, self.session), "", names, added, removed)

    def reload(self, saved: Sequence[Path] = ()) -> Reload | None:
        """Load the rules again and apply them, all at once (what the watcher does in two halves)."""
        return self.apply(self.read(), saved)

    async def reload_soon(self, saved: Sequence[Path] = ()) -> Reload | None:
        """`reload` for the event loop: the rules are loaded and compiled in a thread, and only the
        swap runs on the loop, so the UI keeps drawing meanwhile."""
        rules = await asyncio.to_thread(self.read)
        simulation = self.session.simulation
        retired: list[object] = [dict(self.session.shops), [simulation.compiled(i) for i in self.session.shops]]
        done = self.apply(rules, saved)
        await asyncio.to_thread(retired.clear)  # the old rules are freed there, not in the swap
        return done

    # -- watching ----------------------------------------------------------------------------------

    async def watch(self, report: Callable[[Reload], None], ready: Callable[[], None] | None = None) -> None:
        """Watch the rule files until `stop`: each burst of saves is one reload, reported; `ready` is
        called once the watcher is in place. The watcher starts on the session's own files; at its
        first look the rules are read (off the UI's thread), once: to learn every file they come
        from, presets included, and to catch up with a file saved after the session's rules were
        read and before the watcher watched (while the app started), which is applied and reported
        as any save, a broken one included. `ready` is called after that."""
        editors = DefaultFilter()  # an editor's swap, backup and lock files; .git and cache folders
        catch_up = False  # the watcher is made anew: what was saved meanwhile is read at once
        looked = False  # the rules were read once the first watcher was in place
        while not self._stop.is_set():
            watched = self.targets
            try:
                async for changes in awatch(
                    *watched.paths,
                    watch_filter=editors,
                    debounce=BURST_MS,
                    step=QUIET_MS,
                    stop_event=self._stop,
                    rust_timeout=POLL_MS,
                    yield_on_timeout=True,
                ):
                    first_look = not looked
                    if first_look:
                        looked = True
                        await self._catch_up(report)
                    if ready is not None:
                        ready()
                        ready = None
                    paths = {Path(path) for _, path in changes}
                    saved = sorted(path for path in paths if watched.matters(path))
                    if saved or catch_up:
                        catch_up = False
                        done = await self.reload_soon(saved)
                        if done is not None:
                            report(done)
                    # a watched folder itself removed or replaced (a checkout, a move): watch it anew
                    moved = any(root.is_relative_to(path) for root in watched.paths for path in paths)
                    if moved or self.targets.paths != watched.paths:  # or the rules now `use` files elsewhere
                        # what was saved meanwhile is read at once, in a folder the first look found too
                        catch_up = moved or first_look
                        break
            except FileNotFoundError:  # a folder went away just as the watcher started on it
                await asyncio.sleep(POLL_MS / 1000)
                self.targets = targets(self.rules, self.session.shops.values(), self.targets.files)
                catch_up = True

    async def _catch_up(self, report: Callable[[Reload], None]) -> None:
        """Learn the files the rules come from, and apply what was saved before the watcher was in
        place, if anything was."""
        rules = await asyncio.to_thread(self.read)
        if rules.files:
            self.targets = targets(self.rules, rules.shops or self.session.shops.values(), rules.files)
        if self._saved_meanwhile(rules):
            done = self.apply(rules)
            if done is not None:
                report(done)

    def _saved_meanwhile(self, rules: Rules) -> bool:
        """The rules read differ from what the session plays: a file changed since it was made
        (not a mere reordering of its shops, which `kefu tui --shop` makes)."""
        if rules.problem or rules.errors or rules.compiled:
            return True
        return {shop.id for shop in rules.shops} != set(self.session.shops)

    def stop(self) -> None:
        """End `watch` (within a `POLL_MS`): the app calls it when it quits."""
        self._stop.set()


def _files_of(shops: Iterable[Shop]) -> list[Path]:
    return [Path(name) for shop in shops for name in shop.files]


def _broken_message(rules: Rules) -> str:
    if rules.problem:
        return f"cannot read the rules: {rules.problem}; the last good rules stay in force"
    if not rules.shops and not rules.errors:
        return "the rules hold no shop; the last good rules stay in force"
    errors = f"{rules.errors} error" + ("s" if rules.errors != 1 else "")
    return f"rules have {errors}; the last good rules stay in force"


def _good_message(names: Sequence[str], added: Sequence[str], removed: Sequence[str], session: Session) -> str:
    where = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    message = f"rules reloaded ({where})" if where else "rules reloaded"
    if added:
        message += f"; new shop {', '.join(added)}"
    if removed:
        message += f"; gone from the files: {', '.join(removed)} (now showing {session.shop_id})"
    return message
