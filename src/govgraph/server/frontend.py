"""The web process's HTTP/1.1 front end: one epoll set shared by ``http_threads`` threads.

Every socket (the listening one and each client's) is registered one-shot: an event goes
to exactly one thread, which does that connection's work (:class:`Connection`: read and
parse, or run the app on a whole request, or send more of an answer) and re-arms it. So:

- a request is read completely before a thread runs the app on it, and a client that
  sends slowly or stalls holds no thread, only its socket, until its receive deadline;
- keep-alive connections wait in the kernel's ready list like any other, first come first
  served: no connection keeps a thread between its requests, so a few busy clients cannot
  starve the others;
- the thread that read a request runs it and writes the answer itself (no hand-over
  between threads on the way, the largest cost of the gunicorn worker this replaces).

A reaper thread enforces the deadlines (408 to late senders, idle keep-alive connections
closed) and, when the process is retired, lets the last requests finish.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time

from govgraph.config import Settings
from govgraph.server.connection import IDLE, Connection

log = logging.getLogger("govgraph.server")

#: How often the reaper looks for connections past their deadline, in seconds.
REAP_INTERVAL = 0.2
#: Connections accepted per listening-socket event, before other events get their turn.
ACCEPT_BATCH = 64


class FrontEnd:
    """Serves ``app`` (WSGI) on ``listener``, an already bound and listening socket."""

    def __init__(self, app, listener: socket.socket, settings: Settings):
        self.app, self.listener, self.listen_fd = app, listener, listener.fileno()
        self.receive_timeout, self.max_body = settings.receive_timeout, settings.max_body_bytes
        self.thread_count = settings.http_threads
        self.epoll = select.epoll()
        self.conns: dict[int, Connection] = {}
        self.retiring = False
        self._halt = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start accepting and serving (returns at once)."""
        self.listener.setblocking(False)
        self.epoll.register(self.listen_fd, select.EPOLLIN | select.EPOLLONESHOT)
        for i in range(self.thread_count):
            self._spawn(self._work, f"govgraph-http-{i}")
        self._spawn(self._reap, "govgraph-reaper")

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self) -> None:
        poll, conns, listen_fd = self.epoll.poll, self.conns, self.listen_fd
        while not self._halt:
            for fd, _ in poll(0.5, 1):
                if fd == listen_fd:
                    self._accept()
                    continue
                conn = conns.get(fd)
                if conn is not None and conn.claim():
                    conn.handle()

    def _accept(self) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                sock, peer = self.listener.accept()
            except BlockingIOError:
                break
            except OSError as err:  # out of file descriptors, or the listener was closed by retire()
                if not self.retiring:
                    log.error("cannot accept a connection: %s", err)
                    time.sleep(0.1)
                break
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, sock, peer)
            self.conns[conn.fd] = conn
            self.epoll.register(conn.fd, select.EPOLLIN | select.EPOLLONESHOT)
        if not self.retiring:
            try:
                self.epoll.modify(self.listen_fd, select.EPOLLIN | select.EPOLLONESHOT)
            except OSError:
                pass

    def forget(self, conn: Connection) -> None:
        """Drop a connection that is being closed (before its socket is, so its fd is not reused yet)."""
        if self.conns.get(conn.fd) is conn:
            del self.conns[conn.fd]
        try:
            self.epoll.unregister(conn.fd)
        except OSError:
            pass

    def _reap(self) -> None:
        while not self._halt:
            time.sleep(REAP_INTERVAL)
            now = time.monotonic()
            for conn in list(self.conns.values()):
                if conn.deadline <= now:
                    conn.expire(now)

    def retire(self, keep_idle: bool) -> None:
        """Stop accepting; every connection closes after its next answer. Idle keep-alive
        connections are closed now, or (``keep_idle``) left to send one more request, or to
        time out: a client that sends on a connection as it closes sees an error, so a
        process handing over to a new one keeps them a little."""
        self.retiring = True
        try:
            self.epoll.unregister(self.listen_fd)
        except OSError:
            pass
        self.listener.close()
        if not keep_idle:
            now = time.monotonic()
            for conn in list(self.conns.values()):
                if conn.state == IDLE:
                    conn.expire(now, force=True)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every connection is closed (True), or ``timeout`` seconds (False)."""
        deadline = time.monotonic() + timeout
        while self.conns and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.conns

    def halt(self) -> None:
        """Stop the threads and close every connection left."""
        self._halt = True
        for conn in list(self.conns.values()):
            conn.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self.epoll.close()
