"""The Flask app factory: registers blueprints and error handlers, and nothing else."""

from __future__ import annotations

from flask import Flask

from govgraph.config import Settings


def create_app(settings: Settings | None = None, release=None, store=None) -> Flask:
    """Build the WSGI app.

    ``release`` is an opened :class:`govgraph.release.Release` (or None: the store's release).
    ``store`` is an opened :class:`govgraph.store.Store` (``govgraph serve`` passes one; the
    routes that run queries answer 503 without it).
    """
    from govgraph.web import browse, completion, dumps, errors, language, meta, resources, search, sparql, ui

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["GOVGRAPH_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["govgraph.release"] = release if release is not None else getattr(store, "release", None)
    app.extensions["govgraph.store"] = store
    errors.register(app)
    for module in (sparql, resources, browse, dumps, meta, search, completion, language, ui):
        app.register_blueprint(module.bp)
    return app
