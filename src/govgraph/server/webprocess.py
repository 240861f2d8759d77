"""The web process: opens the store, builds the app, serves it on the supervisor's socket.

Started by :mod:`govgraph.server.supervisor` as
``python -m govgraph.server.webprocess --listen-fd N --status-fd M --parent PID`` with the
pickled :class:`Settings` on its standard input. It asks Linux to kill it when the
supervisor dies, opens the newest release that works (its store answers ``ASK {}``) and
reports ``ready`` on the status pipe (or ``failed`` with the error); it starts accepting on
the inherited socket when the supervisor says go (one byte on its standard input, sent once
the supervisor has taken note, so its log names the server before any answer does). SIGUSR1 retires it (it stops accepting, keeps idle keep-alive
connections for one more request or until they time out, finishes its requests, then
exits); SIGTERM stops it (idle connections are closed at once). Either way the requests
already running may take up to the query deadline to finish.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import signal
import socket
import struct
import sys

from govgraph.children import die_with_parent
from govgraph.config import Settings
from govgraph.errors import GovGraphError
from govgraph.server import behind_proxies, configure_logging
from govgraph.server.connection import KEEPALIVE_TIMEOUT
from govgraph.server.frontend import FrontEnd

log = logging.getLogger("govgraph.server")

#: Signals the supervisor sends: retire (hand over to a new web process) and stop.
RETIRE, STOP = signal.SIGUSR1, signal.SIGTERM
#: The byte on standard input that tells a ready web process to start accepting.
GO = b"g"


def grace_period(settings: Settings) -> float:
    """Seconds a retiring web process gives its requests to finish: a query may run until the
    deadline, and an idle keep-alive connection may still send one more request.

    >>> grace_period(Settings.from_env({}, query_timeout=30.0))
    36.0
    """
    return settings.query_timeout + KEEPALIVE_TIMEOUT + 1.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="govgraph.server.webprocess")
    for option in ("--listen-fd", "--status-fd", "--parent"):
        parser.add_argument(option, type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the supervisor's to handle
    settings: Settings = pickle.load(sys.stdin.buffer)
    configure_logging(settings)
    status = os.fdopen(args.status_fd, "wb", buffering=0)
    try:
        app, store, served = open_app(settings)
    except GovGraphError as err:
        report(status, ("failed", err))
        sys.exit(err.exit_code)
    signal.pthread_sigmask(signal.SIG_BLOCK, {RETIRE, STOP})  # taken by sigwait below (threads inherit the mask)
    report(status, ("ready", served))
    if sys.stdin.buffer.read(1) != GO:  # the supervisor stopped, or dropped this process
        store.close()
        return
    front = FrontEnd(app, socket.socket(fileno=args.listen_fd), settings)
    front.start()
    retire = signal.sigwait({RETIRE, STOP}) == RETIRE
    log.info("%s: finishing the requests under way", "retiring (a new web process serves)" if retire else "stopping")
    front.retire(keep_idle=retire)
    if not front.wait_idle(grace_period(settings)):
        log.warning("%d connections were still busy after %g s; closing them", len(front.conns), grace_period(settings))
    front.halt()
    store.close()


def open_app(settings: Settings):
    """(the WSGI app, its store, what it serves): the newest release that opens and answers,
    or the remote store, checked with a query."""
    from govgraph.store.embedded import open_store
    from govgraph.store.remote import RemoteStore
    from govgraph.web import create_app

    if settings.store_url:
        store = RemoteStore(settings.store_url, settings)
        store.health()
        store.check_server()
        served = f"the remote store {settings.store_url}"
    else:
        store = open_store(settings, progress=log.warning)
        served = f"release {store.release.id} with {settings.workers} query workers"
    log.info("serving %s", served)
    return behind_proxies(create_app(settings, store=store), settings.proxy_hops), store, served


def report(status, message: tuple) -> None:
    """Send one message to the supervisor: a length, then the pickled message."""
    data = pickle.dumps(message)
    status.write(struct.pack("!I", len(data)) + data)


if __name__ == "__main__":
    main()
