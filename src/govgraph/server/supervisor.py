"""The ``govgraph serve`` process: owns the listening socket, runs the web process as a child.

- The socket is bound once, with SO_REUSEADDR (a restart right after a crash binds at
  once), and inherited by every web process.
- SIGHUP starts a new web process. It opens the newest release that works and reports
  ``ready`` once its store has answered a query; only then is the old one retired (it
  stops accepting and finishes its requests, for up to the query deadline). A new process
  that fails, or is not ready in :data:`START_TIMEOUT`, is dropped with its reason logged,
  and the old one keeps serving.
- A web process that dies on its own is replaced (retrying with a growing pause).
- SIGTERM or SIGINT stop the web processes (their requests under way finish first) and exit.
- The web process asks Linux to kill it when this process dies, even by ``kill -9``.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field

from govgraph.config import Settings
from govgraph.errors import ConfigError, GovGraphError, StoreUnavailableError
from govgraph.server import public_url
from govgraph.server.webprocess import GO, RETIRE, STOP, grace_period

log = logging.getLogger("govgraph.server")

#: Seconds a new web process may take to open its release and answer a query.
START_TIMEOUT = 300.0
#: Longest pause between two attempts to replace a web process that died.
MAX_RESTART_PAUSE = 30.0


def bind(settings: Settings) -> socket.socket:
    """The listening socket on settings.host:settings.port (SO_REUSEADDR, as create_server sets)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    try:
        return socket.create_server((settings.host, settings.port), family=family, backlog=1024)
    except OSError as err:
        raise ConfigError(f"cannot listen on {settings.host}:{settings.port}: {err.strerror}") from None


@dataclass
class Child:
    """One web process and the pipe on which it reports."""

    proc: subprocess.Popen
    status: int  # read end of its status pipe
    started: float
    buffer: bytes = b""
    state: str = "starting"  # starting, serving, retiring
    message: tuple | None = field(default=None)

    def read(self) -> bool:
        """Read what the child sent; False once the pipe is closed (the child has exited)."""
        try:
            data = os.read(self.status, 65536)
        except BlockingIOError:
            return True
        self.buffer += data
        if len(self.buffer) >= 4:
            size = struct.unpack("!I", self.buffer[:4])[0]
            if len(self.buffer) >= 4 + size and self.message is None:
                self.message = pickle.loads(self.buffer[4:4 + size])
        return bool(data)


class Supervisor:
    """The loop that starts, checks, swaps and stops web processes."""

    def __init__(self, settings: Settings, progress):
        self.settings, self.progress = settings, progress
        self.listener = bind(settings)
        self.children: list[Child] = []
        self.signals: list[int] = []
        self.served_once = False
        self.restart_pause = 1.0
        self.restart_at: float | None = None
        self.reload_pending = False

    def run(self) -> None:
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: self.signals.append(signum))
        try:
            self._spawn()
            while self._step(wake_r):
                pass
        finally:
            self._stop_all()
            self.listener.close()

    def _step(self, wake_r: int) -> bool:
        """One turn of the loop; False once the server is to stop."""
        fds = [wake_r] + [child.status for child in self.children]
        ready, _, _ = select.select(fds, [], [], 1.0)
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
        for child in list(self.children):
            if child.status in ready and not child.read():
                self._exited(child)
            elif child.message is not None and child.state == "starting":
                self._reported(child)
            elif child.state == "starting" and time.monotonic() - child.started > START_TIMEOUT:
                log.error("web process %d was not ready in %g s; stopping it", child.proc.pid, START_TIMEOUT)
                child.proc.kill()
        while self.signals:
            signum = self.signals.pop(0)
            if signum in (signal.SIGTERM, signal.SIGINT):
                log.info("stopping (signal %s)", signal.Signals(signum).name)
                return False
            self._reload()
        if self.reload_pending and not any(child.state == "starting" for child in self.children):
            self.reload_pending = False
            self._reload()
        if self.restart_at is not None and time.monotonic() >= self.restart_at:
            self.restart_at = None
            self._spawn()
        return True

    def _reload(self) -> None:
        if any(child.state == "starting" for child in self.children):
            log.info("SIGHUP: a new web process is already starting; another will start after it")
            self.reload_pending = True
            return
        log.info("SIGHUP: starting a new web process on the newest release")
        self._spawn()

    def _spawn(self) -> None:
        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(status_r, False)
        command = [sys.executable, "-m", "govgraph.server.webprocess", "--listen-fd", str(self.listener.fileno()),
                   "--status-fd", str(status_w), "--parent", str(os.getpid())]
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, pass_fds=(self.listener.fileno(), status_w))
        os.close(status_w)
        proc.stdin.write(pickle.dumps(self.settings))
        proc.stdin.flush()  # kept open: the web process starts accepting on the GO byte
        self.children.append(Child(proc, status_r, time.monotonic()))

    def _reported(self, child: Child) -> None:
        kind, detail = child.message
        if kind != "ready":
            return self._failed(child, detail)
        previous = [c for c in self.children if c.state == "serving"]
        child.state = "serving"
        self.restart_pause = 1.0
        if not self.served_once:
            url = public_url(self.settings)
            print(f"govgraph: serving at {url} (SPARQL endpoint {url}sparql)", flush=True)
            self.progress(f"govgraph is serving at {url}; stop with Ctrl+C")
        _say_go(child)
        for old in previous:
            old.state = "retiring"
            old.proc.send_signal(RETIRE)
        log.info("web process %d is serving %s%s", child.proc.pid, detail,
                 f"; retiring web process {', '.join(str(o.proc.pid) for o in previous)}" if previous else "")
        self.served_once = True

    def _failed(self, child: Child, err) -> None:
        child.state = "failed"
        reason = f"{err.title}: {err.detail}" if isinstance(err, GovGraphError) else str(err)
        serving = [c for c in self.children if c.state == "serving"]
        if serving:
            log.error("the new web process could not start (%s); web process %d keeps serving",
                      reason, serving[0].proc.pid)
        elif not self.served_once:
            raise err if isinstance(err, GovGraphError) else StoreUnavailableError(reason)
        else:
            log.error("no web process is serving, and a new one could not start (%s)", reason)

    def _exited(self, child: Child) -> None:
        code = child.proc.wait()
        os.close(child.status)
        _close_stdin(child)
        self.children.remove(child)
        if child.state == "starting":
            if child.message is not None:
                self._reported(child)
            else:
                self._failed(child, f"web process {child.proc.pid} exited with status {code} before it was ready")
        if child.state == "serving":
            log.error("web process %d exited with status %s", child.proc.pid, code)
        elif child.state == "retiring":
            log.info("web process %d has finished and exited", child.proc.pid)
        if not any(c.state in ("serving", "starting") for c in self.children) and self.restart_at is None:
            log.error("starting another web process in %g s", self.restart_pause)
            self.restart_at = time.monotonic() + self.restart_pause
            self.restart_pause = min(self.restart_pause * 2, MAX_RESTART_PAUSE)

    def _stop_all(self) -> None:
        """Stop every web process: their requests under way finish first (then SIGKILL)."""
        for child in self.children:
            _close_stdin(child)  # one still waiting for its GO exits
            if child.proc.poll() is None:
                child.proc.send_signal(STOP)
        deadline = time.monotonic() + grace_period(self.settings) + 5.0
        for child in self.children:
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
            os.close(child.status)
        self.children.clear()


def _say_go(child: Child) -> None:
    """Tell a ready web process to start accepting (it exits if its standard input closes first)."""
    try:
        child.proc.stdin.write(GO)
    except OSError:
        pass  # it has gone: its end is read from its status pipe
    _close_stdin(child)


def _close_stdin(child: Child) -> None:
    try:
        child.proc.stdin.close()
    except OSError:
        pass
