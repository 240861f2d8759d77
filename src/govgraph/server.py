"""``govgraph serve``: the newest release behind gunicorn.

Architecture (docs/endpoint.md): one gunicorn worker process with ``http_threads`` threads
accepts every request, so the rate-limit counter and the metrics in it see all traffic;
queries run in ``workers`` killable processes of the embedded store (or, with
``--store URL``, are sent to a remote SPARQL endpoint: :mod:`govgraph.store.remote`). ``kill -HUP`` on the
gunicorn master starts a new web process on the newest valid release and retires the old
one once it is up (an unusable newest release is skipped, the previous one keeps serving).
"""

from __future__ import annotations

import json
import logging
import select
import socket
import sys
import threading
import time

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.body import LengthReader
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from govgraph.config import MAX_REQUEST_LINE, Settings
from govgraph.release import list_releases
from govgraph.web.errors import error_body

log = logging.getLogger("govgraph.server")


def serve(settings: Settings, progress=lambda message: None) -> None:
    """Serve the newest release on settings.host:settings.port (building one if there is none)."""
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.store_url and not list_releases(settings.releases_dir):
        from govgraph.build.pipeline import build_release

        progress(f"no release in {settings.releases_dir} yet: building one first")
        build_release(settings, progress=progress)
    GovGraphServer(settings, progress).run()


def behind_proxies(app, hops: int):
    """The Flask app, reading the client address, scheme, host and port from the
    ``X-Forwarded-*`` headers of ``hops`` trusted reverse proxies (werkzeug's ProxyFix around
    its ``wsgi_app``, as Flask documents); with 0 hops those headers mean nothing.

    >>> from flask import Flask
    >>> type(behind_proxies(Flask("a"), 1).wsgi_app).__name__, type(behind_proxies(Flask("b"), 0).wsgi_app).__name__
    ('ProxyFix', 'method')
    """
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    return app


def public_url(settings: Settings) -> str:
    """The URL the server is reachable at (``public_url``, else from host and port).

    >>> public_url(Settings.from_env({}, port=9000))
    'http://127.0.0.1:9000/'
    >>> public_url(Settings.from_env({}, host="::1", port=80))
    'http://[::1]:80/'
    """
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}/"


def _bind(settings: Settings) -> str:
    return f"[{settings.host}]:{settings.port}" if ":" in settings.host else f"{settings.host}:{settings.port}"


class GovGraphServer(BaseApplication):
    """gunicorn, configured from :class:`Settings` (no command-line parsing of its own)."""

    def __init__(self, settings: Settings, progress):
        self.settings, self.progress = settings, progress
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": [_bind(s)], "workers": 1, "worker_class": "govgraph.server.LingeringThreadWorker",
            "threads": s.http_threads,
            "timeout": 120, "graceful_timeout": 5, "keepalive": 5, "limit_request_line": MAX_REQUEST_LINE,
            "proc_name": "govgraph", "control_socket_disable": True, "loglevel": s.log_level.lower(),
            "errorlog": "-", "accesslog": None,
            "when_ready": self._when_ready, "worker_exit": _close_store,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        """Runs in the gunicorn worker: open the store (its query workers) and build the app."""
        from govgraph.store.embedded import open_store
        from govgraph.store.remote import RemoteStore
        from govgraph.web import create_app

        if self.settings.store_url:
            store = RemoteStore(self.settings.store_url, self.settings)
            store.health()
            log.info("serving the remote store %s", self.settings.store_url)
        else:
            store = open_store(self.settings, progress=log.warning)
            log.info("serving release %s with %d query workers", store.release.id, self.settings.workers)
        return behind_proxies(create_app(self.settings, store=store), self.settings.proxy_hops)

    def _when_ready(self, server) -> None:
        url = public_url(self.settings)
        print(f"govgraph: serving at {url} (SPARQL endpoint {url}sparql)", flush=True)
        self.progress(f"govgraph is serving at {url}; stop with Ctrl+C")


class LingeringThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, with two changes.

    *Linger.* A keep-alive connection whose next request arrives within :attr:`linger`
    seconds is served by the same thread. The stock worker hands every keep-alive request
    from its event-loop thread to a pool thread and back: two thread wake-ups per request,
    the largest share of the endpoint's overhead on a busy machine (docs/endpoint.md). A
    client sending requests back to back now keeps its thread; an idle connection goes back
    to the event loop after ``linger``.

    *Receive deadline.* A thread reads a request's head and body with blocking reads, so a
    client that stops half-way (a dropped link, or a slowloris attack) would hold the thread
    for ever, and ``http_threads`` such clients would stop the server. Each request must be
    in within ``receive_timeout`` seconds of its thread taking it up (head, and body once
    the app has read it); a reaper thread answers a late one 408 and shuts its socket, which
    frees the thread.
    """

    linger = 0.01
    #: How often the reaper looks for late senders, in seconds.
    reap_interval = 0.25

    def init_process(self):
        self.receive_timeout = self.app.settings.receive_timeout  # self.app is the GovGraphServer
        self._receiving: dict = {}  # connection -> monotonic deadline
        self._receiving_lock = threading.Lock()
        threading.Thread(target=self._reap_late_senders, name="govgraph-receive-deadline", daemon=True).start()
        super().init_process()  # runs the worker's loop; does not return

    def handle(self, conn):
        result = self._handle_one(conn)
        while result is True and self.alive and self._next_request_ready(conn):
            result = self._handle_one(conn)
        return result

    def _handle_one(self, conn):
        with self._receiving_lock:
            self._receiving[conn] = time.monotonic() + self.receive_timeout
        try:
            return super().handle(conn)
        finally:
            self._received(conn)

    def handle_request(self, req, conn):
        """The head is in; a POST's body is in once the app has read all of it (the body of
        any other method is never read by the app, so the request counts as received)."""
        body = getattr(req, "body", None)
        reader = getattr(body, "reader", None)
        if (req.method not in ("POST", "PUT", "PATCH") or reader is None
                or (isinstance(reader, LengthReader) and reader.length == 0)):
            self._received(conn)
        else:
            body.reader = _WatchedReader(reader, lambda: self._received(conn))
        return super().handle_request(req, conn)

    def _received(self, conn) -> None:
        with self._receiving_lock:
            self._receiving.pop(conn, None)

    def _reap_late_senders(self) -> None:
        while True:
            time.sleep(self.reap_interval)
            now = time.monotonic()
            with self._receiving_lock:
                late = [conn for conn, deadline in self._receiving.items() if deadline <= now]
                for conn in late:
                    del self._receiving[conn]
            for conn in late:
                self._refuse_late(conn)

    def _refuse_late(self, conn) -> None:
        detail = (f"the request was not received within {self.receive_timeout:g} s "
                  "(the head, and the body if any); send it at once")
        self.log.warning("disconnected a late sender %s: %s", (conn.client or ("",))[0], detail)
        write_json_error(conn.sock, 408, "Request Timeout", detail, wait=False)
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)  # the thread's blocked recv returns, and the thread is free
        except OSError:
            pass

    def handle_error(self, req, client, addr, exc):
        """A request over gunicorn's size limits gets the app's JSON error shape, with advice,
        instead of gunicorn's HTML page (which SPARQLWrapper, sending GET by default, would
        show as an unreadable 414); every other error is gunicorn's own."""
        if isinstance(exc, LimitRequestLine):
            status, reason = 414, "URI Too Long"
            detail = (f"the request line is {exc.size} bytes, over the limit of {exc.max_size}: send a long query "
                      "by POST, form-encoded or as application/sparql-query (SPARQLWrapper: setMethod(POST))")
        elif isinstance(exc, LimitRequestHeaders):
            status, reason = 431, "Request Header Fields Too Large"
            detail = f"the request headers are too large or too many ({exc})"
        else:
            return super().handle_error(req, client, addr, exc)
        self.log.warning("refused a request from %s: %s", (addr or ("",))[0], detail)
        write_json_error(client, status, reason, detail)

    def _next_request_ready(self, conn) -> bool:
        if conn.parser.unreader.buf.getvalue():
            return True  # already read ahead
        poller = select.poll()  # one syscall; a selectors.DefaultSelector costs four
        poller.register(conn.sock, select.POLLIN)
        return bool(poller.poll(self.linger * 1000))


def write_json_error(sock, status: int, reason: str, detail: str, wait: bool = True) -> None:
    """Write a whole HTTP/1.1 error response in the app's JSON shape (``Connection: close``).
    With ``wait=False`` only what the socket takes at once is sent: a client that reads
    nothing cannot block the writer."""
    body = json.dumps(error_body(status, reason.lower(), detail)).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nAccess-Control-Allow-Origin: *\r\n\r\n")
    data = head.encode("latin-1") + body
    try:
        if wait:
            util.write_nonblock(sock, data)
        else:
            sock.send(data, socket.MSG_DONTWAIT)
    except OSError:
        log.debug("the client left before its error could be sent")


class _WatchedReader:
    """A request-body reader that calls ``done`` once the body has been read to its end."""

    def __init__(self, reader, done):
        self.reader, self.done = reader, done

    def read(self, size):
        data = self.reader.read(size)
        if not data or getattr(self.reader, "length", None) == 0:
            self.done()
        return data


def _close_store(server, worker) -> None:
    """gunicorn worker_exit hook: kill the query workers with the web process."""
    app = getattr(worker, "wsgi", None)
    store = app.extensions.get("govgraph.store") if app is not None else None
    if store is not None:
        store.close()
