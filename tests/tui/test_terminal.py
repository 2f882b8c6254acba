"""`kefu tui` in a real terminal (tmux): start it on the demo shops, type a customer message at 23:30, see
the bot's answer with its labels on both sides, open its why panel, quit, and find the session in the store.

Skipped where tmux is missing (.ci/run installs it). Waits are bounded polls of the screen, never timings.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kefu.engine.store import Store
from tests.conftest import ROOT

KEFU = Path(sys.executable).parent / "kefu"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux session running a command in a 100x30 terminal."""

    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Send keys, then pause as a person would: a key read in the same batch as a focus change
        (tab) can reach the widget that had the focus before it, so the test never types faster than
        that."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys], check=True)
        time.sleep(0.3)

    def screen(self) -> str:
        done = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return done.stdout

    def wait_for(self, text: str, limit: float = 60.0) -> str:
        """The screen once it shows `text`; fails with the screen after `limit` seconds."""
        deadline = time.monotonic() + limit
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{screen}")
            time.sleep(0.2)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path, Path]]:
    name = f"kefu-{uuid.uuid4().hex[:8]}"
    db, status = tmp_path / "kefu.db", tmp_path / "status"
    command = (
        f"cd {shlex.quote(str(ROOT))} && KEFU_CACHE_DIR={shlex.quote(str(tmp_path / 'cache'))} "
        f"{shlex.quote(str(KEFU))} tui rules --shop tw --db {shlex.quote(str(db))} --at '2026-11-24 23:30'; "
        f"echo $? > {shlex.quote(str(status))}; sleep 60"
    )
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "100",
            "-y",
            "30",
            "env",
            "TERM=xterm-256color",
            "sh",
            "-c",
            command,
        ],
        check=True,
    )
    try:
        yield Terminal(name), db, status
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


def test_a_night_in_a_real_terminal_bot_answer_why_panel_quit_and_the_session_in_the_store(
    terminal: tuple[Terminal, Path, Path],
) -> None:
    screen, db, status = terminal
    screen.wait_for("as amy (agent)")
    screen.keys("請問有免運嗎?", literal=True)
    screen.keys("Enter")
    customer_side = screen.wait_for("由聊天助手發送")  # BOT-6, the customer's label
    assert "請問有免運嗎?" in customer_side
    screen.keys("BTab")  # to the customer's lines: the bot's answer is highlighted
    screen.keys("w")
    why = screen.wait_for("rules/shops/tw/shop.kefu:35")  # the why panel names the rule's file and line
    assert "shipping.free" in why and "the bot answers" in why
    screen.keys("Escape")
    for _ in range(3):  # back to the inbox: the agent's input, the agent's lines, the inbox
        screen.keys("BTab")
    screen.keys("Enter")  # amy opens c1: the agent's side of the same answer
    screen.wait_for("[機器人]")  # BOT-6, the agents' label
    screen.keys("C-q")
    deadline = time.monotonic() + 30
    while not status.exists() or not status.read_text().strip():
        assert time.monotonic() < deadline, screen.screen()
        time.sleep(0.2)
    assert status.read_text().strip() == "0"
    store = Store.read(db)
    [run] = store.runs()
    kinds = [stored.event.type for stored in store.steps(run=run.id)]
    assert kinds[:1] == ["customer_message"] and "agent_open" in kinds
