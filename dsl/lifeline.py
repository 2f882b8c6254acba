"""A child process that ends with its parent: the parse workers of `kefu.dsl.chunks` and the lint
worker of `kefu lsp`. Small and cheap to import, so a child asks for it before anything else.

On Linux the kernel kills the child when its parent dies (PR_SET_PDEATHSIG); elsewhere, or when
that cannot be set, a daemon thread polls the parent's pid. A parent that died before the child
asked is seen at once: the child compares its parent with the one it was started by.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL = 0.25  # seconds between two looks at the parent, where the kernel cannot watch it
PARENT_ENV = "KEFU_PARENT_PID"  # a parent that starts a program (not a fork) names itself here


def end_with_parent(parent: int, kernel: bool = True) -> None:
    """Make this (worker) process end when `parent`, the process that forked it, ends.

    With `kernel` (and on Linux) the kernel sends SIGKILL at the parent's death; otherwise, or when
    that cannot be set, a daemon thread polls the parent's pid every `PARENT_POLL` seconds. If the
    parent is gone already (it died between the fork and now), this process ends at once."""
    if not (kernel and death_signal()):
        threading.Thread(target=_watch_parent, args=(parent,), name="kefu-watch-parent", daemon=True).start()
    if os.getppid() != parent:  # checked after arming: a death before it is seen here, one after is signalled
        os._exit(1)


def death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not available.
    (Linux watches the parent's thread that forked: the main one, as `kefu.dsl.chunks` forks only
    from a process with one thread and the language server starts its worker from its event loop's.)"""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only a worker pays for it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:  # an orphan is adopted (by init or a subreaper): its parent pid changes
        time.sleep(PARENT_POLL)
    os._exit(1)


def started_by() -> int:
    """The pid of the process that started this one: `PARENT_ENV` where it named itself (so a parent
    that died before this process ran is not mistaken for its adopter), else the parent now."""
    named = os.environ.get(PARENT_ENV, "")
    return int(named) if named.isdigit() else os.getppid()
