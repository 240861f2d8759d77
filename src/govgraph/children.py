"""Child processes that die with their parent.

A child of the build (HermiT's JVM, the SHACL-SHACL check) or of the server's fork server
(a query worker) must not outlive it: a parent killed with SIGKILL runs no clean-up code,
so the child asks Linux to kill it instead (``prctl(PR_SET_PDEATHSIG, SIGKILL)``). Elsewhere
than on Linux this is a no-op.

>>> import subprocess, sys
>>> subprocess.run([sys.executable, "-c", "pass"], preexec_fn=dies_with_this_process()).returncode
0
"""

from __future__ import annotations

import ctypes
import os
import signal
from functools import cache
from typing import Callable

_PR_SET_PDEATHSIG = 1


@cache
def _prctl():
    """libc's prctl, looked up once (never after a fork: dlopen there can deadlock); None if absent."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent exits. With ``parent_pid``, a parent
    that has already exited (this process was re-parented) kills this process at once."""
    prctl = _prctl()
    if prctl is None:
        return
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


def dies_with_this_process() -> Callable[[], None]:
    """A ``preexec_fn`` for :mod:`subprocess`: the child dies with this process."""
    parent = os.getpid()
    _prctl()  # resolved here, in the parent
    return lambda: die_with_parent(parent)
