"""``govgraph serve``: the newest release behind govgraph's own front end.

Processes (docs/architecture.md, "Serving"): ``govgraph serve`` is a small supervisor
(:mod:`govgraph.server.supervisor`) that owns the listening socket and runs one **web
process** (:mod:`govgraph.server.webprocess`) as its child. The web process holds the
store (its killable query workers, or a remote endpoint), the Flask app, the rate limiter
and the metrics, and serves HTTP with :class:`govgraph.server.frontend.FrontEnd`: an event
loop whose threads run the app only on requests read whole. ``kill -HUP`` starts a new web
process, checks that its store answers, and only then retires the old one, which finishes
its requests first; a new one that cannot open any release is dropped and the old one keeps
serving. The web process and its query workers die with the supervisor.
"""

from __future__ import annotations

import logging
import sys

from govgraph.config import Settings
from govgraph.release import list_releases


def serve(settings: Settings, progress=lambda message: None) -> None:
    """Serve the newest release on settings.host:settings.port (building one if there is none)."""
    from govgraph.server.supervisor import Supervisor

    configure_logging(settings)
    if not settings.store_url and not list_releases(settings.releases_dir):
        from govgraph.builder.pipeline import build_release

        progress(f"no release in {settings.releases_dir} yet: building one first")
        build_release(settings, progress=progress)
    Supervisor(settings, progress).run()


def configure_logging(settings: Settings) -> None:
    """The server's log lines, on stderr, in one format for the supervisor and the web process."""
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


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
