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
import sys

from gunicorn import util
from gunicorn.app.base import BaseApplication
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
        return create_app(self.settings, store=store)

    def _when_ready(self, server) -> None:
        url = public_url(self.settings)
        print(f"govgraph: serving at {url} (SPARQL endpoint {url}sparql)", flush=True)
        self.progress(f"govgraph is serving at {url}; stop with Ctrl+C")


class LingeringThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, except that a keep-alive connection whose next request
    arrives within :attr:`linger` seconds is served by the same thread.

    The stock worker hands every keep-alive request from its event-loop thread to a pool
    thread and back: two thread wake-ups per request, the largest share of the endpoint's
    overhead on a busy machine (docs/endpoint.md). A client sending requests back to back
    now keeps its thread; an idle connection goes back to the event loop after ``linger``.
    """

    linger = 0.01

    def handle(self, conn):
        result = super().handle(conn)
        while result is True and self.alive and self._next_request_ready(conn):
            result = super().handle(conn)
        return result

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


def write_json_error(sock, status: int, reason: str, detail: str) -> None:
    """Write a whole HTTP/1.1 error response in the app's JSON shape and close the exchange."""
    body = json.dumps(error_body(status, reason.lower(), detail)).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nAccess-Control-Allow-Origin: *\r\n\r\n")
    try:
        util.write_nonblock(sock, head.encode("latin-1") + body)
    except OSError:
        log.debug("the client left before its error could be sent")


def _close_store(server, worker) -> None:
    """gunicorn worker_exit hook: kill the query workers with the web process."""
    app = getattr(worker, "wsgi", None)
    store = app.extensions.get("govgraph.store") if app is not None else None
    if store is not None:
        store.close()
