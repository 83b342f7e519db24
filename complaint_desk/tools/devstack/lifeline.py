"""Children that end with their parent: `desk run` (or a test session) killed hard must not
leave its broker and services running, holding ports the next run needs. Linux's
PR_SET_PDEATHSIG signals the child when the thread that started it ends, so the parts are
started from long-lived threads (the main one, or an executor's, which live until shutdown)."""

from __future__ import annotations

import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """For ``subprocess.Popen(preexec_fn=…)``: SIGTERM this child when its parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
