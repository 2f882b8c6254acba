"""The terminal UI's dialogs: the why panel, a one-line prompt (jump the clock, act as, new customer),
the reasons of an unsolved rating, the diagnostics of a broken rules save, and the help screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kefu.engine.why import Why
from kefu.tui.views import why_text


class WhyScreen(ModalScreen[str | None]):
    """Why the assistant sent (or suggested) this: dismissed with the `file:line` to edit, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,w", "dismiss(None)", "Close"),
        Binding("e", "edit", "Open the rule in $EDITOR"),
    ]

    def __init__(self, why: Why | None, title: str) -> None:
        super().__init__()
        self.why = why
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            with VerticalScroll():
                yield Static(why_text(self.why), id="why-text")
            yield Label("e: open the rule in $EDITOR · esc: close", classes="hint")

    def action_edit(self) -> None:
        rules = [step.rule for step in self.why.policy if step.rule and ":" in step.rule] if self.why else []
        matched = self.why.matched if self.why else None
        first = matched.levels.rule if matched is not None and matched.levels.rule else (rules[0] if rules else None)
        self.dismiss(first)


class Prompt(ModalScreen[str | None]):
    """One line of input; dismissed with the text, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.question, self.placeholder, self.value = question, placeholder, value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)


class Choice(ModalScreen[str | None]):
    """Pick one of a few options (the reason of an unsolved rating, who to act as, which shop)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, options: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.options = list(options)  # (id, label)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="dialog-title")
            yield OptionList(*(Option(label, id=ident) for ident, label in self.options), id="choice")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class DiagnosticsScreen(ModalScreen[None]):
    """A save broke the rules: their errors as `kefu check` prints them; the last good rules stay in force."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "dismiss(None)", "Close")]

    def __init__(self, message: str, report: str) -> None:
        super().__init__()
        self.message, self.report = message, report

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.message, style="bold red"), id="dialog-title")
            with VerticalScroll():
                yield Static(Text(self.report), id="diagnostics-text")
            yield Label("fix the file and save: the rules reload by themselves · esc: close", classes="hint")


HELP = """\
kefu tui: play customers and agents against the rules.

Left: the inbox of the agent you act as (All / Unread / Unreplied / Queue). Enter opens a
conversation: the agent is looking at it, so assist stops auto-sending there (D-6).
Middle: the conversation as agents see it, the suggestions (AR-2, IR-3) and the agent's input.
Right: what the customer sees; type as the customer; rate a bot answer with s / u (BOT-8).
Saving a rule file reloads the rules between two events; a broken save shows its errors and the
last good rules stay in force.

Keys (also in the footer; ctrl+p opens the command palette for everything else):
  tab / shift+tab   move between the panes
  enter             send what you typed (agent or customer), or open the selected conversation
  ctrl+s            send the highlighted suggestion as it is (AR-2)
  ctrl+e            move the highlighted suggestion into the input to edit it
  w                 why: the match and the policy behind the highlighted message or suggestion
  f2                jump the clock (23:30, 2026-12-25 10:00, +2h, +30m, +1d)
  f3                run or pause the clock        f4   its speed
  f5                step the clock by one minute
  f6                act as another person of the shop (an agent cannot flip the bot: AR-1, BOT-1)
  f7                take the agent you act as online or offline
  f8                switch to another of the merchant's shops (KB-1)
  f9 / f10          step back / forward through recorded events (--events)
  f11               metrics: M-1..M-4 of the session so far, as numbers and over time
  ctrl+n            a new customer        ctrl+o   be another customer
  ctrl+q            quit
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1,question_mark", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"), VerticalScroll():
            yield Static(HELP)
