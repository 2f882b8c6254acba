"""The worker `kefu check` forks to build a large file ends with it, however it ends (issue 10 §8).

A SIGKILL of `kefu check` on a shop over 512 KB left its worker running with parent PID 1, using
about 890 MB and a CPU. These tests kill the parent for real and wait, with a bound, for the worker
to be gone: through the kernel's parent-death signal, and through the polling fallback used where
that signal does not exist.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kefu.dsl.chunks import PARALLEL_BYTES, end_with_parent

ROOT = Path(__file__).resolve().parents[2]
KEFU = ROOT / ".venv" / "bin" / "kefu"
WAIT = 30.0  # seconds a worker may take to go; a bound, not a measure of speed

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc")


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of the live processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[1] == str(pid) and fields[0] != "Z":
                found.append((int(entry), fields[19]))
    return found


def alive(process: tuple[int, str]) -> bool:
    """The same process (pid and start time) still exists and is not a zombie (a zombie holds no memory or CPU)."""
    fields = _stat(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] != "Z"


def wait_for_children(parent: subprocess.Popen[bytes]) -> list[tuple[int, str]]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = children(parent.pid)
        if found or parent.poll() is not None:
            return found
        time.sleep(0.005)
    return []


def kill_and_wait(parent: subprocess.Popen[bytes], workers: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """SIGKILL the parent; the workers still alive after a bounded wait."""
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.02)
    left = [w for w in workers if alive(w)]
    for pid, _ in left:  # never leave one behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    return left


def large_shop(folder: Path, entries: int = 30_000) -> Path:
    shop = folder / "shop"
    shop.mkdir()
    (folder / ".git").mkdir()
    parts = ['shop big "Big" {\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n']
    for n in range(entries):
        parts.append(
            f'\nfaq e{n} "entry {n}" {{\n    ask "how about item {n}?"\n    ask "商品 {n} 有現貨嗎"\n'
            f'    keywords item{n}, 現貨\n    reply "Item {n} ships tomorrow."\n}}\n'
        )
    path = shop / "shop.kefu"
    path.write_text("".join(parts), encoding="utf-8")
    assert path.stat().st_size > 4 * PARALLEL_BYTES
    return shop


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="kefu check forks a worker only with two CPUs or more")
def test_sigkill_of_kefu_check_ends_its_worker(tmp_path: Path) -> None:
    shop = large_shop(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "KEFU_SERIAL"}
    check = subprocess.Popen(
        [str(KEFU), "check", "--no-cache", str(shop)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    workers = wait_for_children(check)
    if not workers:
        _, err = check.communicate()
        pytest.fail(f"kefu check forked no worker (exit {check.returncode}): {err.decode()[-500:]}")
    assert check.poll() is None, "kefu check ended before it could be killed"
    assert kill_and_wait(check, workers) == []


FALLBACK = textwrap.dedent(
    """
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context
    from kefu.dsl.chunks import end_with_parent

    pool = ProcessPoolExecutor(
        1, mp_context=get_context("fork"), initializer=end_with_parent, initargs=(os.getpid(), False)
    )
    future = pool.submit(time.sleep, 600)
    print("ready", flush=True)
    future.result()
    """
)


def test_without_the_kernel_signal_a_worker_sees_its_parent_die(tmp_path: Path) -> None:
    """The portable fallback: the worker's own thread notices it was orphaned and ends it."""
    parent = subprocess.Popen([sys.executable, "-c", FALLBACK], stdout=subprocess.PIPE)
    assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
    workers = wait_for_children(parent)
    assert workers
    assert kill_and_wait(parent, workers) == []


@pytest.mark.parametrize("kernel", [True, False], ids=["kernel", "polling"])
def test_a_worker_whose_parent_died_before_it_was_armed_ends_at_once(kernel: bool) -> None:
    """The race: the parent dies between the fork and the arming. The worker then has another parent
    already, sees it is not the one it was started by, and ends."""
    pid = os.fork()
    if pid == 0:  # the child: told that its parent is a process that is not its parent
        try:
            end_with_parent(os.getppid() + 1_000_000, kernel)
        finally:
            os._exit(0)  # reached only if it did not end itself
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1
