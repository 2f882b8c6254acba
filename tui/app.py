"""`kefu tui`: the Textual app that plays agents and customers against the rules.

It draws a `Session` (tui/session.py) and turns keys into its calls; every action goes through the
engine's decide step and the store, so the screen shows what `kefu simulate` prints for the same
events. Views are made by tui/views.py, dialogs by tui/screens.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, Static, Tab, Tabs

from kefu.engine.events import Changed, Denied, Step, Suggest
from kefu.engine.meaning import MeaningUnavailable, embedder
from kefu.engine.rules import Role, StaffMember
from kefu.tui import views
from kefu.tui.collector import long_run_gc
from kefu.tui.errors import KefuError
from kefu.tui.inputs import FixedInput
from kefu.tui.metrics_view import LiveMetrics, MetricsScreen
from kefu.tui.reload import Reload, Reloader
from kefu.tui.rows import Item, Rows
from kefu.tui.screens import Choice, DiagnosticsScreen, HelpScreen, Prompt, WhyScreen
from kefu.tui.session import Played, Refused, Session
from kefu.tui.transcript import Line

if TYPE_CHECKING:
    from kefu.engine.store import Store

SPEEDS = (1, 60, 600, 3600)  # virtual seconds per real second when the clock runs
TYPING_PAUSE = 0.5  # seconds without a key before the agent's words are played as an event (IR-3)
REASONS = ("too_long", "not_useful", "off_topic", "other")
INBOX_ROWS = 100  # the most recent conversations listed (the title counts them all; the lists filter)
READY = "ready: type as the customer on the right; f1 help, ctrl+p commands"


class KefuApp(App[int]):
    """Agents, customers, the clock and the switches of a shop, against its rules."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere find it too
    TITLE = "kefu"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("f2", "jump", "Jump clock"),
        Binding("f3", "run", "Run/pause"),
        Binding("f4", "speed", "Speed", show=False),
        Binding("f5", "step_clock", "+1 min", show=False),
        Binding("f6", "act_as", "Act as"),
        Binding("f7", "toggle_online", "Online"),
        Binding("f8", "switch_shop", "Shop", show=False),
        Binding("f9", "step_back", "Back", show=False),
        Binding("f10", "step_forward", "Forward", show=False),
        Binding("f11", "metrics", "Metrics"),
        Binding("ctrl+n", "new_customer", "New customer"),
        Binding("ctrl+o", "pick_customer", "Customer", show=False),
        Binding("ctrl+s", "send_suggestion", "Send suggestion", priority=True),
        Binding("ctrl+e", "edit_suggestion", "Edit suggestion", priority=True),
        Binding("w", "why", "Why"),
        Binding("s", "rate_solved", "Solved", show=False),
        Binding("u", "rate_unsolved", "Unsolved", show=False),
    ]

    def __init__(
        self,
        session: Session,
        me: str | None = None,
        customer: str = "c1",
        store: Callable[[], Store] | None = None,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.open_store = store  # opens the database the session is recorded in, after the first frame
        # rules reload (tui/reload.py): the session's rule files are watched while the app runs
        self.reloader = Reloader(session) if watch and session.rules_path else None
        self.rules_note = ""  # the last reload, in the top bar
        self.rules_watched = False  # the watcher is in place
        self.me = me or _default_person(session)
        self.customer = customer
        self.metrics: LiveMetrics | None = None  # made when the metrics screen first opens
        self.which = "all"
        self.running = False
        self.speed = SPEEDS[1]
        self.editing: str | None = None  # the entry of a suggestion moved into the input (AR-2)
        self._typing_timer: Timer | None = None
        self._shown_offer: Suggest | None = None  # the suggestions on screen (a preview while typing)
        self._rows: list[views.Row] = []  # the inbox as drawn
        self._row_texts: dict[tuple[views.Row, int], Text] = {}  # the inbox's rows as made, by what they show
        self._drawn: dict[str, list[Line]] = {}  # each conversation pane's lines as drawn
        self._shown: dict[str, str] = {}  # what each one-line widget shows
        self._building = ""  # the status line while the matchers are built
        self._words: views.Wording | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="panes"):
            with Vertical(id="inbox-pane"):
                yield Label("Inbox", classes="pane-title", id="inbox-title")
                yield Tabs(*(Tab(name.capitalize(), id=name) for name in views.LISTS), id="lists")
                yield Rows(id="inbox-list")
            with Vertical(id="agent-pane"):
                yield Label("", classes="pane-title", id="agent-title")
                yield Rows(follow=True, id="agent-lines")
                yield Rows(id="suggestions")
                yield FixedInput(placeholder="reply as the agent (enter sends)", id="agent-input")
            with Vertical(id="customer-pane"):
                yield Label("", classes="pane-title", id="customer-title")
                yield Rows(follow=True, id="customer-lines")
                yield FixedInput(placeholder="write as the customer (enter sends)", id="customer-input")
        yield Static(id="status")
        yield Footer()

    def on_resize(self) -> None:
        self._rows = []  # the inbox's rows are cut to its width: made again once the panes have their sizes
        self.call_after_refresh(self.refresh_views)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._clock_tick)
        self.refresh_views()
        self.query_one("#customer-input", Input).focus()
        if self.reloader is not None:
            self.run_worker(self._watch_rules(self.reloader), name="rules reload", group="reload")
        # the meaning check's model (engine.meaning), loaded once per process: not at the first auto-send
        self.run_worker(self._load_meaning, name="meaning model", thread=True, exit_on_error=False)
        if self.session.compiled() and self.open_store is None:
            long_run_gc()
            self.say(READY)
            return
        entries = sum(len(shop.entries) for shop in self.session.shops.values())
        self._building = f"building the matcher for {entries} entries…"
        self.say(self._building)
        self.run_worker(self._prepare, thread=True, exit_on_error=False)

    def _prepare(self) -> None:
        """After the first frame, off the screen's thread: every shop's matcher (a message sent meanwhile
        waits for its shop's), then the store, opened on the screen's thread (SQLite connections stay
        on the thread that opened them) with the session's events so far."""
        self.session.compile()
        self.call_from_thread(long_run_gc)  # the rules and matchers live on: out of the collector's sight
        if self.open_store is not None:
            import kefu.engine.store  # noqa: F401  sqlite-utils: its import is the slow part

            self.call_from_thread(self._record)
        self.call_from_thread(self._say_ready)
        self._warm_meaning()

    def _warm_meaning(self) -> None:
        """The meaning check's background of every shop built so far, measured now rather than at a
        customer's first checked guess. Only a head start: a failure here is met again, and said, where
        a guess is checked (engine.meaning) or where the model loads (_load_meaning)."""
        with contextlib.suppress(Exception):
            self.session.warm_meaning()

    def _load_meaning(self) -> None:
        """Off the screen's thread: the meaning check's model and the shops' backgrounds; if it cannot
        load, say so (every guess is then suggested, never auto-sent: engine.meaning)."""
        try:
            embedder()
        except MeaningUnavailable as error:
            self.call_from_thread(
                self.say, f"the meaning check cannot run ({error}): guesses are suggested, not auto-sent", True
            )
            return
        self._warm_meaning()  # the shops built by now; _prepare measures the others once ready

    def _say_ready(self) -> None:
        """Say the app is ready, unless something newer was said meanwhile (a refusal, a reload)."""
        if self._shown.get("#status") == Text(self._building).markup:
            self.say(READY)

    def _record(self) -> None:
        if self.open_store is None:
            return
        try:
            self.session.record_in(self.open_store())
        except KefuError as error:
            self.say(f"not recorded: {error.message}", error=True)
        except OSError as error:
            self.say(f"not recorded: {error.filename}: {error.strerror or error}", error=True)
        self.open_store = None

    def on_unmount(self) -> None:
        if self.reloader is not None:
            self.reloader.stop()

    # -- drawing -----------------------------------------------------------------------------------

    def refresh_views(self) -> None:
        session = self.session
        words = views.words_of(session)
        me = self._member()
        role = me.role.value if me is not None else "?"
        running = f"▶ ×{self.speed}" if self.running else "⏸"
        tape = f" · recording: {len(session.played)} played, {len(session.tape)} ahead" if session.tape else ""
        top = Text()
        wide = self.size.width >= 110
        top.append(f"{session.shop.id} {session.shop.name}" if wide else session.shop.id, style="bold")
        top.append(f"  {views.clock_text(session, short=not wide)} {running}{tape}")
        top.append(f"  {'acting as ' if wide else 'as '}{self.me} ({role})", style="bold cyan")
        if self.rules_note:
            top.append(f"  {self.rules_note}", style="bold red" if self.reloader and self.reloader.broken else "green")
        top.append("\n")
        top.append_text(views.agents_text(session))
        top.append(views.switches_text(session))
        self._put("#topbar", top)
        self._draw_inbox(words)
        self._draw_agent()
        self._draw_customer(words)
        if isinstance(self.screen, MetricsScreen):
            self.screen.redraw()

    def _draw_inbox(self, words: views.Wording) -> None:
        rows, count = views.inbox(self.session, self.which, limit=INBOX_ROWS)
        if rows == self._rows and words is self._words:
            self._inbox_title(count)
            return  # most events change no row: the list is not rebuilt
        if words is not self._words:
            self._row_texts.clear()
        before, self._rows, self._words = self._rows, rows, words
        inbox = self.query_one("#inbox-list", Rows)
        width = max(8, inbox.size.width - 2)  # "  " before the last line
        if [row.id for row in before] == [row.id for row in rows]:  # same order: only changed rows redrawn
            for index, (old, new) in enumerate(zip(before, rows)):
                if old != new:
                    inbox.replace_at(index, self._inbox_item(new, words, width))
        else:  # the cursor stays on the conversation it was on
            inbox.set_items([self._inbox_item(row, words, width) for row in rows])
        self._inbox_title(count)

    def _inbox_item(self, row: views.Row, words: views.Wording, width: int) -> Item:
        """A row of the inbox, its last line cut to `width`; a row that shows what it showed before is
        not made again."""
        text = self._row_texts.get((row, width))
        if text is None:
            if len(self._row_texts) > 4 * INBOX_ROWS:
                self._row_texts.clear()
            text = self._row_texts[(row, width)] = views.inbox_row(row, words, width)
        return Item(text, row.id)

    def _inbox_title(self, count: int) -> None:
        more = f" ({INBOX_ROWS} latest shown)" if count > INBOX_ROWS else ""
        self._put("#inbox-title", f"Inbox of {self.me}: {count}{more}")

    def _draw_agent(self) -> None:
        focus = self._focus()
        lines = self.query_one("#agent-lines", Rows)
        if focus is None:
            self._put("#agent-title", f"{self.me}: no conversation open (enter on one in the inbox)")
            self._show_lines(lines, [], views.agent_line)
            if self._shown_offer is not None:
                self._draw_offer(None)
            return
        agent = self.session.state.agents.get(self.me)
        on = "on" if agent is not None and self.session.switches().auto_send_for(agent) else "off"
        whose = "its own choice" if agent is not None and agent.auto_send is not None else "the shop's"
        self._put("#agent-title", f"{focus} · {self.me} · auto-send {on} ({whose}, AR-8)")
        self._show_lines(lines, self.session.transcripts.of(focus), views.agent_line)
        offer = self.session.transcripts.offer(focus, self.me)
        if (offer.action if offer is not None else None) is not self._shown_offer:
            self._draw_offer(offer.action if offer is not None else None)

    def _draw_offer(self, offer: Suggest | None) -> None:
        """The suggestions under the conversation (AR-2), best first."""
        offers = self.query_one("#suggestions", Rows)
        options = []
        for number, suggestion in enumerate(offer.suggestions if offer is not None else (), start=1):
            text = Text(f"{number}. ", style="bold")
            text.append(f"{suggestion.entry} {suggestion.score:.0f} ", style="magenta")
            text.append(views.visible(suggestion.reply))
            options.append(Item(text, suggestion.entry))
        self._shown_offer = offer
        offers.set_items(options, highlight=0)
        offers.set_class(bool(options), "offered")

    def _draw_customer(self, words: views.Wording) -> None:
        shown = [line for line in self.session.transcripts.of(self.customer) if line.for_customer]
        name = self.session.transcripts.customers.get(self.customer)
        self._put("#customer-title", f"customer {self.customer}" + (f" {name}" if name else "") + " (ctrl+n: another)")
        lines = self.query_one("#customer-lines", Rows)
        self._show_lines(lines, shown, lambda line: views.customer_line(line, words))

    def _show_lines(self, widget: Rows, lines: list[Line], render: Callable[[Line], Text]) -> None:
        """Draw a conversation's lines: nothing when they are the ones on screen, only the new ones
        when lines were added, all of them otherwise (another conversation, a rating under one)."""
        before = self._drawn.get(widget.id or "", [])
        if len(before) == len(lines) and all(a is b for a, b in zip(before, lines)):
            return
        if len(before) < len(lines) and all(a is b for a, b in zip(before, lines)):
            widget.add_items([Item(render(line)) for line in lines[len(before) :]])
        else:
            widget.set_items([Item(render(line)) for line in lines])
        self._drawn[widget.id or ""] = list(lines)
        if lines:
            widget.highlighted = len(lines) - 1

    def _put(self, widget: str, content: str | Text) -> None:
        """Show `content` in a one-line widget whose size the stylesheet fixes: nothing when it shows it
        already, and never a layout pass (Static.update does one unless told not to)."""
        key = content.markup if isinstance(content, Text) else content
        if self._shown.get(widget) == key:
            return
        self._shown[widget] = key
        self.query_one(widget, Static).update(content, layout=False)

    def say(self, message: str, error: bool = False) -> None:
        self._put("#status", Text(message, style="bold red" if error else ""))
        if error:
            self.notify(message, severity="error")

    # -- rules reload -------------------------------------------------------------------------------

    async def _watch_rules(self, reloader: Reloader) -> None:
        try:
            await reloader.watch(self.rules_reloaded, ready=lambda: setattr(self, "rules_watched", True))
        except (OSError, RuntimeError) as error:
            self.say(f"rule files are no longer watched: {error}", error=True)

    def rules_reloaded(self, done: Reload) -> None:
        """Show a reload: the note in the top bar and the status line; a broken save's diagnostics in a
        dialog (one at a time: a newer report replaces it, a good reload closes it)."""
        self.rules_note = done.message
        if isinstance(self.screen, DiagnosticsScreen):
            self.screen.dismiss(None)
        if self.me not in self.session.staff():
            self.me = _default_person(self.session)
        self.say(done.message, error=not done.ok)
        if not done.ok:
            self.push_screen(DiagnosticsScreen(done.message, done.report))
        self.refresh_views()

    # -- helpers -----------------------------------------------------------------------------------

    def _member(self) -> StaffMember | None:
        return next((m for m in self.session.shop.staff if m.name == self.me), None)

    def _focus(self) -> str | None:
        agent = self.session.state.agents.get(self.me)
        return agent.focus if agent is not None else None

    def act(self, do: Callable[..., Played | None], *args: Any, **kwargs: Any) -> Played | None:
        """Run a session call; a refusal is shown, never raised; the views are redrawn."""
        try:
            played = do(*args, **kwargs)
        except Refused as refused:
            self.say(str(refused), error=True)
            return None
        if played is not None:
            self._report(played.steps)
        self.refresh_views()
        return played

    def _report(self, steps: Iterable[Step]) -> None:
        for step in steps:
            for action in step.actions:
                if isinstance(action, Denied):
                    self.say(f"refused: {action.reason}", error=True)
                elif isinstance(action, Changed):
                    self.say(f"{action.actor} switched {action.setting}: {action.before} -> {action.after}")

    # -- agents ------------------------------------------------------------------------------------

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab.id:
            self.which = event.tab.id
            self._rows = []
            self._draw_inbox(views.words_of(self.session))

    def on_rows_selected(self, event: Rows.Selected) -> None:
        if event.rows.id == "inbox-list" and event.item.id:
            self.act(self.session.agent, "open", self.me, conversation=event.item.id)
            self.query_one("#agent-input", Input).focus()
        elif event.rows.id == "suggestions":
            self.action_send_suggestion()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip():
            return
        if event.input.id == "customer-input":
            if self.act(self.session.customer_says, self.customer, text) is not None:
                event.input.value = ""
        elif event.input.id == "agent-input":
            focus = self._focus()
            if focus is None:
                self.say("open a conversation first: enter on one in the inbox", error=True)
                return
            if self.editing is not None:
                played = self.act(
                    self.session.agent, "send_suggestion", self.me, conversation=focus, entry=self.editing, text=text
                )
            else:
                played = self.act(self.session.agent, "message", self.me, conversation=focus, text=text)
            if played is not None:
                event.input.value = ""
                self.editing = None

    def on_input_changed(self, event: Input.Changed) -> None:
        """IR-3 (2): suggestions follow every key the agent types (a preview of the decide step), and
        the words it settles on (a pause) are played as an `agent_types` event."""
        focus = self._focus()
        if event.input.id != "agent-input" or not event.value.strip() or focus is None or self.editing:
            return
        fields = {"type": "agent_types", "agent": self.me, "conversation": focus, "text": event.value}
        try:
            preview = self.session.preview(fields)
        except Refused:
            return
        offered = [action for action in preview if isinstance(action, Suggest)]
        if offered:
            self._draw_offer(offered[-1])
        if self._typing_timer is not None:
            self._typing_timer.stop()
        self._typing_timer = self.set_timer(TYPING_PAUSE, self._typed)

    def _typed(self) -> None:
        """The agent paused: its words are played (recorded) as they were previewed."""
        focus, text = self._focus(), self.query_one("#agent-input", Input).value
        if focus is not None and text.strip() and not self.editing and not self.session.tape:
            self.act(self.session.agent, "types", self.me, conversation=focus, text=text)

    def _suggestion(self) -> str | None:
        item = self.query_one("#suggestions", Rows).highlighted_item
        return item.id if item is not None else None

    def action_send_suggestion(self) -> None:
        """AR-2: send the highlighted suggestion as it is, with one key."""
        focus, entry = self._focus(), self._suggestion()
        if focus is None or entry is None:
            self.say("no suggestion to send", error=True)
            return
        self.act(self.session.agent, "send_suggestion", self.me, conversation=focus, entry=entry)

    def action_edit_suggestion(self) -> None:
        """AR-2: move the highlighted suggestion into the input to edit it before sending."""
        entry, offer = self._suggestion(), self._shown_offer
        if offer is None or entry is None:
            self.say("no suggestion to edit", error=True)
            return
        reply = next(s.reply for s in offer.suggestions if s.entry == entry)
        box = self.query_one("#agent-input", Input)
        box.value, self.editing = reply, entry
        box.focus()
        self.say(f"editing {entry}: enter sends it as a reply from {self.me}")

    def action_toggle_online(self) -> None:
        agent = self.session.state.agents.get(self.me)
        if agent is None:
            self.say(f"{self.me} is not on the staff of {self.session.shop.id}", error=True)
            return
        self.act(self.session.agent, "offline" if agent.online else "online", self.me)

    def action_act_as(self) -> None:
        people = [(m.name, f"{m.name} ({m.role.value})") for m in self.session.shop.staff]
        self.push_screen(Choice("Act as", people), self._set_me)

    def _set_me(self, name: str | None) -> None:
        if name:
            self.me = name
            self.refresh_views()

    # -- customers ---------------------------------------------------------------------------------

    def action_new_customer(self) -> None:
        known = set(self.session.transcripts.lines)
        number = len(known) + 1
        while f"c{number}" in known:
            number += 1
        self.customer = f"c{number}"
        self.refresh_views()
        self.query_one("#customer-input", Input).focus()
        self.say(f"customer {self.customer}: write a first message")

    def action_pick_customer(self) -> None:
        """Several customers at once: be another one of the conversations."""
        names = self.session.transcripts.customers
        known = sorted(self.session.transcripts.lines, key=lambda c: self.session.transcripts.of(c)[-1].seq)
        if not known:
            self.say("no customer has written yet: ctrl+n starts one", error=True)
            return
        options = [(c, f"{c} {names.get(c) or ''}".strip()) for c in reversed(known)]
        self.push_screen(Choice("Be the customer of", options), self._set_customer)

    def _set_customer(self, conversation: str | None) -> None:
        if conversation:
            self.customer = conversation
            self.refresh_views()
            self.query_one("#customer-input", Input).focus()

    def _customer_line(self) -> Line | None:
        lines = self.query_one("#customer-lines", Rows)
        shown = [line for line in self.session.transcripts.of(self.customer) if line.for_customer]
        if lines.highlighted is None or lines.highlighted >= len(shown):
            return None
        return shown[lines.highlighted]

    def action_rate_solved(self) -> None:
        self._rate(True)

    def action_rate_unsolved(self) -> None:
        self._rate(False)

    def _rate(self, solved: bool) -> None:
        """BOT-8: rate the highlighted bot answer in the customer's pane."""
        line = self._customer_line()
        if line is None or not line.ratable:
            self.say("highlight a bot answer in the customer's pane to rate it", error=True)
            return
        if solved:
            self.act(self.session.rate, self.customer, True, answer=line.seq)
            return
        words = views.words_of(self.session)
        options = [(reason, words.reasons[reason]) for reason in REASONS]

        def reason_chosen(reason: str | None) -> None:
            if reason is None:
                return

            def text_given(text: str | None) -> None:
                if text is None:
                    return
                self.act(self.session.rate, self.customer, False, reason, text or None, line.seq)

            self.push_screen(Prompt(words.unsolved, "more feedback (optional, enter to skip)"), text_given)

        self.push_screen(Choice(words.unsolved, options), reason_chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`s`, `u` and `w` act only outside inputs: there they are letters."""
        return not (action in ("rate_solved", "rate_unsolved", "why") and isinstance(self.focused, Input))

    # -- why ---------------------------------------------------------------------------------------

    def action_why(self) -> None:
        focused = self.focused
        why, title = None, "why"
        if isinstance(focused, Rows) and focused.id == "suggestions":
            offer = self.session.transcripts.offer(self._focus() or "", self.me)
            why, title = (offer.action.why if offer else None), "why these suggestions"
        elif isinstance(focused, Rows) and focused.id in ("agent-lines", "customer-lines"):
            conversation = self._focus() if focused.id == "agent-lines" else self.customer
            lines = self.session.transcripts.of(conversation or "")
            if focused.id == "customer-lines":
                lines = [line for line in lines if line.for_customer]
            if focused.highlighted is not None and focused.highlighted < len(lines):
                line = lines[focused.highlighted]
                why, title = line.why, f"why: {views.visible(line.text)[:60]}"
        self.push_screen(WhyScreen(why, title), self._edit_rule)

    def _edit_rule(self, where: str | None) -> None:
        """Open the rule file at its line in $EDITOR (or $VISUAL)."""
        if not where:
            return
        found = re.fullmatch(r"(.+):(\d+)", where)
        if found is None:
            return
        path, line = found.group(1), found.group(2)
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        name = Path(editor[0]).name
        if name in ("code", "codium", "subl"):
            command = [*editor, "-g" if name != "subl" else "", f"{path}:{line}"]
        elif name in ("hx", "helix", "kak"):
            command = [*editor, f"{path}:{line}"]
        else:
            command = [*editor, f"+{line}", path]
        try:
            with self.suspend():
                subprocess.run([part for part in command if part], check=False)
        except SuspendNotSupported:
            self.say(f"open {path} at line {line} in your editor: this terminal cannot hand over to one", error=True)
        self.refresh_views()

    # -- the clock and the switches ----------------------------------------------------------------

    def _clock_tick(self) -> None:
        if self.running:
            self.act(self.session.advance, dt.timedelta(seconds=self.speed))

    def action_run(self) -> None:
        self.running = not self.running
        self.refresh_views()

    def action_speed(self) -> None:
        self.speed = SPEEDS[(SPEEDS.index(self.speed) + 1) % len(SPEEDS)]
        self.refresh_views()

    def action_step_clock(self) -> None:
        self.act(self.session.advance, dt.timedelta(minutes=1))

    def action_jump(self) -> None:
        local = self.session.local()
        self.push_screen(
            Prompt("Jump the clock to", "23:30 · 2026-12-25 10:00 · +2h · +30m · +1d", f"{local:%Y-%m-%d %H:%M}"),
            self._jump_to,
        )

    def _jump_to(self, text: str | None) -> None:
        if not text:
            return
        try:
            target = parse_when(text, self.session.local())
        except ValueError as error:
            self.say(str(error), error=True)
            return
        if self.session.tape or (self.session.played and target < self.session.now):
            self.act(self.session.seek, target)
        else:
            self.act(self.session.jump, target)

    def action_step_back(self) -> None:
        self.act(self.session.back)

    def action_step_forward(self) -> None:
        if not self.session.tape:
            self.say("no recorded events ahead")
            return
        self.act(self.session.forward)

    def action_switch_shop(self) -> None:
        shops = [(shop.id, f"{shop.id} {shop.name}") for shop in self.session.shops.values()]
        self.push_screen(Choice("Switch shop", shops), self._set_shop)

    def _set_shop(self, shop_id: str | None) -> None:
        if shop_id:
            self.act(self.session.switch_shop, shop_id)
            if self.me not in self.session.staff():
                self.me = _default_person(self.session)
            self.refresh_views()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_metrics(self) -> None:
        """M-1..M-4 of the session so far: computed only while their screen is open."""
        if isinstance(self.screen, MetricsScreen):
            return
        if self.metrics is None:
            self.metrics = LiveMetrics(self.session)
        self.push_screen(MetricsScreen(self.metrics))

    def action_set(self, setting: str, value: str) -> None:
        """AR-1, BOT-1: flip a shop-wide switch as the person acted as; an agent is refused."""
        self.act(self.session.set, self.me, setting, value)

    def action_own_auto_send(self, value: bool) -> None:
        """AR-8: the agent's own auto-send switch."""
        self.act(self.session.own_auto_send, self.me, self.me, value)

    def action_agent(self, name: str, online: bool) -> None:
        self.act(self.session.agent, "online" if online else "offline", name)

    def action_save_events(self) -> None:
        self.push_screen(Prompt("Save the session's events (JSON Lines) to", "session.jsonl"), self._save)

    def _save(self, path: str | None) -> None:
        if not path:
            return
        from kefu.tui.atomic import write_atomically

        try:
            write_atomically(Path(path), self.session.events_jsonl())
        except OSError as error:
            self.say(f"{path}: {error.strerror or error}", error=True)
            return
        self.say(f"saved {len(self.session.played)} events to {path}: kefu simulate replays them")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Jump the clock", "to a date and time, or +2h", self.action_jump)
        yield SystemCommand("Act as", "another person of the shop", self.action_act_as)
        yield SystemCommand("Switch shop", "another of the merchant's shops (KB-1)", self.action_switch_shop)
        yield SystemCommand("Metrics", "M-1..M-4 of the session so far, and over time (f11)", self.action_metrics)
        yield SystemCommand("Save events", "the session as JSON Lines for kefu simulate", self.action_save_events)
        for setting, values in (("assist", ("on", "off")), ("auto_send", ("on", "off")), ("bot", ("on", "off"))):
            for value in values:
                yield SystemCommand(
                    f"Switch {setting} {value}",
                    f"as {self.me} (only the owner or an admin may)",
                    lambda s=setting, v=value: self.action_set(s, v),
                )
        for value in ("all_day", "off_hours"):
            yield SystemCommand(f"Bot hours {value}", f"as {self.me}", lambda v=value: self.action_set("bot_when", v))
        for own in (True, False):
            yield SystemCommand(
                f"My auto-send {'on' if own else 'off'}",
                f"{self.me}'s own choice (AR-8)",
                lambda o=own: self.action_own_auto_send(o),
            )
        for member in self.session.shop.staff:
            for online in (True, False):
                yield SystemCommand(
                    f"{member.name} {'online' if online else 'offline'}",
                    f"{member.role.value}, capacity {member.capacity}",
                    lambda n=member.name, o=online: self.action_agent(n, o),
                )
        for path in sorted({Path(f) for f in self.session.shop.files}):
            yield SystemCommand(f"Open {path.name}", str(path), lambda p=path: self._edit_rule(f"{p}:1"))


def _default_person(session: Session) -> str:
    """The first agent of the shop (its owner when it has none)."""
    agents = session.staff(Role.agent)
    return agents[0] if agents else session.staff()[0]


_RELATIVE = re.compile(r"\+\s*(\d+)\s*([mhd])")


def parse_when(text: str, now: dt.datetime) -> dt.datetime:
    """A clock target: `23:30` (today, or tomorrow if that has passed), `2026-12-25 10:00`,
    `2026-12-25`, or `+2h` / `+30m` / `+1d` from `now` (on the shop's wall clock)."""
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now + dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text):
            clock = dt.time.fromisoformat(text.zfill(5))
            target = now.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
            return target if target >= now else target + dt.timedelta(days=1)
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"cannot read '{text}' as a time: write 23:30, 2026-12-25 10:00 or +2h") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=now.tzinfo)
