"""One client connection of the front end (:mod:`govgraph.server.frontend`).

A connection is owned by at most one thread at a time: the thread that the event loop woke
for it (``claim``). That thread reads what has arrived, and only once a whole request (head
and body) is in does it run the app; otherwise it hands the connection back to the event
loop and is free again, so a client that sends slowly, or stops, costs a socket and no
thread. Answers are written without blocking: what the client has not taken yet waits in
the connection (bytes, or a file sent with sendfile) and any thread continues it when the
socket can take more. Between two requests a connection waits in the loop as well, so a
keep-alive client never keeps a thread to itself.

Deadlines (enforced by the front end's reaper): a request must be in within
``receive_timeout`` of its first byte (else 408 in the JSON error shape); a connection idle
between requests is closed after :data:`KEEPALIVE_TIMEOUT`; a client that takes none of its
answer for ``receive_timeout`` is disconnected.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import stat
import threading
import time
from collections import deque

import httptools

from govgraph.server.wsgi import (NO_BODY, FileWrapper, Request, RequestReader, base_environ, environ,
                                  json_error, response_head)
from govgraph.web.admission import CLIENT_GONE

log = logging.getLogger("govgraph.server")

#: Seconds a keep-alive connection may stay idle between two requests.
KEEPALIVE_TIMEOUT = 5.0
#: Bytes read from a socket per event.
READ_SIZE = 65536
#: An answer produced piece by piece is sent as soon as this much of it is ready.
FLUSH_BYTES = 256 * 1024
#: After refusing a request, at most this much of what the client still sends is read and dropped
#: (so that it reads the refusal instead of a connection reset).
DRAIN_BYTES = 16 * 1024 * 1024

IDLE, RECEIVING, READY, WRITING, DRAINING, BUSY, CLOSED = range(7)
_IN = select.EPOLLIN | select.EPOLLONESHOT
_OUT = select.EPOLLOUT | select.EPOLLONESHOT
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Connection:
    """A client socket, its request reader, and what remains to be sent to it."""

    def __init__(self, server, sock: socket.socket, peer: tuple):
        self.server, self.sock, self.fd = server, sock, sock.fileno()
        self.lock = threading.Lock()
        self.state = self.waiting = IDLE
        self.deadline = time.monotonic() + server.receive_timeout
        self.reader = RequestReader(server.max_body)
        self.base = base_environ(sock.getsockname(), peer)
        self.base[CLIENT_GONE] = self.client_gone
        self.base["wsgi.file_wrapper"] = FileWrapper
        self.pending: deque = deque()  # bytes (memoryviews) not yet sent
        self.pending_file: list | None = None  # [file wrapper, offset, bytes left]
        self.close_after = False
        self.drained = 0

    # ownership ----------------------------------------------------------------------------

    def claim(self) -> bool:
        """Take the connection for this thread (False: another thread has it, or it is closed)."""
        with self.lock:
            if self.state >= BUSY:
                return False
            self.state = BUSY
            return True

    def _arm(self, state: int, events: int) -> None:
        """Give the connection back to the event loop, waiting in ``state``."""
        now = time.monotonic()
        with self.lock:
            if self.state == CLOSED:
                return
            if state == RECEIVING:
                self.deadline = (self.reader.started or now) + self.server.receive_timeout
            elif state == IDLE:
                self.deadline = now + KEEPALIVE_TIMEOUT
            elif state == WRITING or (state == DRAINING and self.waiting != DRAINING):
                self.deadline = now + self.server.receive_timeout
            elif state == READY:
                self.deadline = float("inf")
            self.state = self.waiting = state
        try:
            self.server.epoll.modify(self.fd, events)
        except OSError:
            self.close()

    def close(self) -> None:
        with self.lock:
            if self.state == CLOSED:
                return
            self.state = CLOSED
        self.server.forget(self)
        if self.pending_file is not None:
            self.pending_file[0].close()
            self.pending_file = None
        try:
            self.sock.close()
        except OSError:
            pass

    def expire(self, now: float, force: bool = False) -> None:
        """Called by the reaper: close the connection if its deadline has passed (408 to a late sender)."""
        with self.lock:
            if self.state >= BUSY or self.state == READY or (self.deadline > now and not force):
                return
            if self.state == IDLE and self._input_waiting():
                self.deadline = now + 1.0  # a request is there, waiting for a free thread
                return
            late = self.state == RECEIVING
            self.state = BUSY
        if late:
            self._refuse_late()
        self.close()

    def client_gone(self) -> bool:
        """Whether the client has closed its end (or reset the connection): ``environ["govgraph.client_gone"]``."""
        try:
            return self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _input_waiting(self) -> bool:
        try:
            return bool(self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:
            return False

    # the work of one event ----------------------------------------------------------------

    def handle(self) -> None:
        """Do what the event calls for: send more of an answer, read, or serve a whole request."""
        try:
            if self.waiting == DRAINING:
                return self._drain()
            if (self.pending or self.pending_file) and not self._flush():
                return self._arm(WRITING, _OUT)
            if self.close_after:
                return self.close()
            if not self.reader.complete and not self._receive():
                return
            if self.reader.complete:
                self._serve(self.reader.complete.popleft())
                if self.pending or self.pending_file:
                    return self._arm(WRITING, _OUT)
                if self.close_after:
                    return self.close()
            self._wait_next()
        except OSError:
            self.close()
        except Exception:  # the edge of the server: one broken answer must not take the thread down
            log.exception("failed while answering %s", self.base["REMOTE_ADDR"])
            self.close()

    def _drain(self) -> None:
        """After a refusal: read and drop what the client still sends, until it stops or sent too much."""
        try:
            data = self.sock.recv(READ_SIZE)
        except BlockingIOError:
            return self._arm(DRAINING, _IN)
        self.drained += len(data)
        if data and self.drained < DRAIN_BYTES:
            self._arm(DRAINING, _IN)
        else:
            self.close()

    def _wait_next(self) -> None:
        if self.reader.complete:  # pipelined: go to the back of the ready list, behind other clients
            self._arm(READY, _OUT)
        elif self.reader.receiving:
            self._arm(RECEIVING, _IN)
        else:
            self._arm(IDLE, _IN)

    def _receive(self) -> bool:
        """Read once and parse; False when the connection was closed or the request refused."""
        try:
            data = self.sock.recv(READ_SIZE)
        except BlockingIOError:
            return True
        if not data:
            self.close()
            return False
        reader = self.reader
        reader.feed(data, time.monotonic())
        if reader.refusal is not None:
            self._refuse(*reader.refusal)
            return False
        if reader.continue_wanted:
            reader.continue_wanted = False
            self.sock.send(_CONTINUE)
        if reader.upgrade:
            self.close_after = True
        return True

    def _refuse(self, status: int, reason: str, detail: str) -> None:
        """Answer a request the front end refuses (400, 413, 414, 431), then drop what follows."""
        log.warning("refused a request from %s: %s %s", self.base["REMOTE_ADDR"], status, detail)
        self.close_after = True
        self.reader.complete.clear()
        try:
            self.sock.send(json_error(status, reason, detail))
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return self.close()
        self._arm(DRAINING, _IN)

    def _refuse_late(self) -> None:
        timeout = self.server.receive_timeout
        detail = (f"the request was not received within {timeout:g} s (the head, and the body if any); "
                  "send it at once")
        log.warning("disconnected a late sender %s: %s", self.base["REMOTE_ADDR"], detail)
        try:
            self.sock.send(json_error(408, "Request Timeout", detail), socket.MSG_DONTWAIT)
        except OSError:
            pass

    # running the app and writing its answer -------------------------------------------------

    def _serve(self, request: Request) -> None:
        keep_alive = request.keep_alive and not self.server.retiring and not self.reader.upgrade
        started: list = []

        def start_response(status, headers, exc_info=None):
            if exc_info is not None and started and started[-1]:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers, False]
            return early.append

        early: list = []
        try:
            env = environ(request, self.base)
        except httptools.HttpParserInvalidURLError:
            self.sock.send(json_error(400, "Bad Request", f"the request target {request.target[:200]!r} is not a URL"))
            self.close_after = True
            return
        try:
            body = self.server.app(env, start_response)
        except Exception:  # the edge of the server: the app failed outside its own error handling
            log.exception("the app failed on %s %r", request.method, request.target)
            self.sock.send(json_error(500, "Internal Server Error", "the server failed on this request"))
            self.close_after = True
            return
        try:
            self._answer(request, body, started, early, keep_alive)
        finally:
            if self.pending_file is None or self.pending_file[0] is not body:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

    def _answer(self, request: Request, body, started: list, early: list, keep_alive: bool) -> None:
        if isinstance(body, FileWrapper) and self._file_answer(request, body, started, keep_alive):
            return
        chunks, size, iterator = list(early), sum(map(len, early)), iter(body)
        for chunk in iterator:
            if chunk:
                chunks.append(chunk)
                size += len(chunk)
                if size >= FLUSH_BYTES:  # a long answer: all in memory already (kept), or still coming (streamed)
                    more = next(iterator, None)
                    if more is not None:
                        return self._stream(request, started, keep_alive, chunks + [more], iterator)
        status, headers = started[0], list(started[1])
        code = int(status[:3])
        if request.method != "HEAD" and code not in NO_BODY and _header(headers, "content-length") is None:
            headers.append(("Content-Length", str(size)))
        keep_alive = keep_alive and (_header(headers, "connection") or "").lower() != "close"
        started[-1] = True
        head = response_head(status, headers, keep_alive, False)
        self._send_or_keep(head + b"".join(chunks) if request.method != "HEAD" else head)
        self.close_after = not keep_alive

    def _file_answer(self, request: Request, body: FileWrapper, started: list, keep_alive: bool) -> bool:
        """A whole file of known length: the head now, the bytes by sendfile(2), now or as the client reads."""
        length = _header(started[1], "content-length")
        try:
            fileno, offset = body.filelike.fileno(), body.filelike.tell()
            regular = stat.S_ISREG(os.fstat(fileno).st_mode)
        except (AttributeError, OSError, ValueError):
            return False
        if length is None or not regular:
            return False
        started[-1] = True
        self.close_after = not keep_alive
        self._send_or_keep(response_head(started[0], started[1], keep_alive, False))
        if request.method != "HEAD" and int(length) > 0:
            self.pending_file = [body, offset, int(length)]
            self._flush()
        return True

    def _stream(self, request: Request, started: list, keep_alive: bool, chunks: list, iterator) -> None:
        """A long answer produced piece by piece: sent as it comes (chunked when its length is unknown)."""
        status, headers = started[0], started[1]
        chunked = _header(headers, "content-length") is None and request.version == "1.1"
        keep_alive = keep_alive and (chunked or _header(headers, "content-length") is not None)
        started[-1] = True
        self._send_blocking(response_head(status, headers, keep_alive, chunked))
        for chunk in _pieces(chunks, iterator):
            if chunk and request.method != "HEAD":
                self._send_blocking(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        if chunked and request.method != "HEAD":
            self._send_blocking(b"0\r\n\r\n")
        self.close_after = not keep_alive

    def _send_or_keep(self, data: bytes) -> None:
        """Send what the socket takes now; keep the rest for when the client reads."""
        if self.pending:
            self.pending.append(memoryview(data))
            return
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            self.pending.append(memoryview(data)[sent:])

    def _send_blocking(self, data: bytes) -> None:
        """Send all of ``data``, waiting for the client to read (at most ``receive_timeout`` without progress)."""
        self._flush_or_wait()
        view = memoryview(data)
        while view:
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                self._wait_writable()

    def _flush_or_wait(self) -> None:
        while not self._flush():
            self._wait_writable()

    def _wait_writable(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLOUT)
        if not poller.poll(self.server.receive_timeout * 1000):
            raise TimeoutError("the client took none of its answer in time")

    def _flush(self) -> bool:
        """Send what is kept; True once nothing is left."""
        while self.pending:
            view = self.pending[0]
            try:
                sent = self.sock.send(view)
            except BlockingIOError:
                return False
            if sent < len(view):
                self.pending[0] = view[sent:]
                return False
            self.pending.popleft()
        if self.pending_file is not None:
            return self._flush_file()
        return True

    def _flush_file(self) -> bool:
        body, offset, left = self.pending_file
        while left > 0:
            try:
                sent = os.sendfile(self.fd, body.filelike.fileno(), offset, min(left, 1 << 20))
            except BlockingIOError:
                self.pending_file[1:] = [offset, left]
                return False
            if sent == 0:
                raise OSError("the file ended before its announced length")
            offset, left = offset + sent, left - sent
        self.pending_file = None
        body.close()
        return True


def _header(headers: list, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _pieces(first: list, rest):
    yield from first
    yield from rest

