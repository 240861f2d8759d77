"""The Flask app factory: registers blueprints and error handlers, and nothing else."""

from __future__ import annotations

from flask import Flask

from govgraph.config import Settings


def create_app(settings: Settings | None = None, release=None) -> Flask:
    """Build the WSGI app.

    ``release`` is an opened :class:`govgraph.release.Release` (or None: the newest one in
    ``settings.releases_dir`` is opened by the store layer).
    """
    from govgraph.web import dumps, errors, meta, resources, sparql, ui

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["GOVGRAPH_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["govgraph.release"] = release
    errors.register(app)
    for module in (sparql, resources, dumps, meta, ui):
        app.register_blueprint(module.bp)
    return app
