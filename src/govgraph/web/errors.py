"""One error shape for the whole web layer: JSON ``{"error", "status", "detail"}``, or the same
three fields as an HTML page for a client that prefers HTML to JSON (a browser). A path that
no route can mean (not UTF-8, a control character, a broken ``%`` escape) is refused here
with 400 before any route sees it.

>>> body = error_body(404, "not found", "no resource at /id/state/XXX")
>>> body == {"error": "not found", "status": 404, "detail": "no resource at /id/state/XXX"}
True
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from govgraph.errors import BadRequestError, GovGraphError, RateLimitedError, QueryTimeoutError
from govgraph.web.language import by_language, reader_language

#: The words of the HTML error pages; the error's name there is the reader's (the JSON keeps
#: the English one, which programs match on).
WORDS = by_language({
    "json_note": ("Programs get this error as JSON", "Los programas reciben este error como JSON"),
    "json_when": ("when they ask for application/json or anything but HTML.",
                  "cuando piden application/json o cualquier cosa que no sea HTML."),
    "ways_in": ("Ways in", "Vías de entrada"),
})
#: Spanish names of the HTTP statuses the site answers with.
STATUS_ES = {400: "solicitud incorrecta", 403: "prohibido", 404: "no encontrado", 405: "método no permitido",
             406: "no aceptable", 408: "tiempo de espera agotado", 413: "contenido demasiado grande",
             414: "URI demasiado largo", 415: "tipo de contenido no admitido", 429: "demasiadas solicitudes",
             431: "cabeceras demasiado grandes", 500: "error interno", 502: "puerta de enlace incorrecta",
             503: "servicio no disponible"}


def error_body(status: int, error: str, detail: str) -> dict:
    """The JSON object every error response carries."""
    return {"error": error, "status": status, "detail": detail}


def prefers_html(accept) -> bool:
    """Whether an Accept header ranks HTML strictly above JSON (so ``*/*`` and no header get JSON).

    >>> from werkzeug.datastructures import MIMEAccept
    >>> from werkzeug.http import parse_accept_header
    >>> [prefers_html(parse_accept_header(h, MIMEAccept))
    ...  for h in ("text/html,application/xhtml+xml,*/*;q=0.8", "*/*", "", "application/json")]
    [True, False, False, False]
    """
    return accept.quality("text/html") > accept.quality("application/json")


def _respond(status: int, error: str, detail: str, headers: dict | None = None):
    if prefers_html(request.accept_mimetypes):
        lang = reader_language()
        name = STATUS_ES.get(status, error) if lang == "es" else error
        response = Response(render_template("error.html", status=status, error=name, detail=detail, words=WORDS[lang]),
                            status=status, content_type="text/html; charset=utf-8")
    else:
        response = jsonify(error_body(status, error, detail))
        response.status_code = status
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _on_govgraph_error(err: GovGraphError):
    headers = {}
    if isinstance(err, (RateLimitedError, QueryTimeoutError)):
        headers["Retry-After"] = str(err.extra.get("retry_after", 1))
    headers.update(err.extra.get("headers", {}))
    return _respond(err.status, err.title, err.detail, headers)


def body_too_large(limit: int) -> str:
    """What a 413 says, from the app or from the front end that reads the body."""
    return (f"the request body is larger than this endpoint's limit of {limit:,} bytes; send a shorter query "
            "(a federating engine: fewer bindings per request). The limit is the server's "
            "GOVGRAPH_MAX_BODY_BYTES setting (ggsvc:maxRequestBytes in the Service Description).")


def _on_http_error(err: HTTPException):
    headers = {k: v for k, v in err.get_headers() if k.lower() in ("allow", "retry-after", "content-range")}
    detail = err.description or ""
    if err.code == 413:  # werkzeug's own words do not say what to do
        detail = body_too_large(current_app.config["GOVGRAPH_SETTINGS"].max_body_bytes)
    return _respond(err.code or 500, (err.name or "error").lower(), detail, headers)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def refuse_malformed_path() -> None:
    """400 for a path no route can mean, before any route sees it: bytes that are not UTF-8
    once percent-decoded (overlong forms such as ``%c0%ae``, lone surrogates, stray bytes),
    control characters (NUL...), or a ``%`` that starts no escape. Run before every request."""
    environ = request.environ
    try:
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise BadRequestError("the path is not valid UTF-8 once percent-decoded") from None
    if _CONTROL.search(path):
        raise BadRequestError("the path holds a control character (such as NUL)")
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if "%" in raw and _BAD_ESCAPE.search(raw.split("?", 1)[0]):
        raise BadRequestError("the path holds a '%' that starts no percent-escape (write '%25' for '%')")


def register(app: Flask) -> None:
    """Install the handlers that turn errors into the JSON shape, and the path check."""
    app.register_error_handler(GovGraphError, _on_govgraph_error)
    app.register_error_handler(HTTPException, _on_http_error)
    app.before_request(refuse_malformed_path)
