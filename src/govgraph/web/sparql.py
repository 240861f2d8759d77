"""Blueprint 'sparql': the SPARQL 1.1 Protocol query operation at ``/sparql``.

GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; ``default-graph-uri``
and ``named-graph-uri``; ``format=`` / ``output=`` for URL-only clients; a Service
Description on a bare GET (and HEAD). Queries are UTF-8, as the protocol requires: a body
declared in another charset is refused (415), bytes that are not UTF-8 too (400). Relative
IRIs in a query resolve against the endpoint's IRI (``public_url`` + ``sparql``, else the
request's own URL root, as the trusted proxies give it). Updates are refused (403): the data changes by release. Every
query is screened (:mod:`govgraph.store.guard`) in its worker before the engine sees it
(so a costly screen is bounded by the deadline and never stalls this process). An answer is
whole or an error: one past the result-size cap is refused (422), never cut.

Each client has a budget of query time (:mod:`govgraph.web.ratelimit`): a query is refused
(429 + Retry-After) while the budget is spent, and charged what it cost; every ``/sparql``
answer states the budget in the IETF ``RateLimit-Policy`` and ``RateLimit`` fields.

CORS headers for reads from any origin (no credentials) are added to every response here.

A GET answer carries a weak ETag made of the release id and a digest of everything that
shapes the answer (the query, its dataset, the formats, the result-size cap), with
``Cache-Control: public, no-cache``: a client or cache that sends it back in
``If-None-Match`` gets 304 without the query being run again. The data only changes by
release, so the ETag changes exactly when the answer can. Queries that call volatile
functions (``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``) or another service,
and answers from a remote store, get ``Cache-Control: no-store`` and no ETag.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_to_bytes

import pyoxigraph
from flask import Blueprint, Response, current_app, g, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from govgraph.errors import (READ_ONLY, BadRequestError, ClientGoneError, GovGraphError, NotAcceptableError,
                             QueryTimeoutError, RateLimitedError, ReadOnlyError, StoreUnavailableError, UnsupportedMediaTypeError)
from govgraph.store import QueryRequest, QueryResult
from govgraph.web.negotiation import (FORMATS, GRAPH_FORMATS, RESULT_FORMATS, Format, by_media_type,
                                      by_name, negotiate)
from govgraph.web.about import lookup
from govgraph.web.admission import CLIENT_GONE, ClientSlots
from govgraph.web.ratelimit import QueryBudget
from govgraph.web.service_description import describe_service
from govgraph.web.service_page import service_page

bp = Blueprint("sparql", __name__)
access_log = logging.getLogger("govgraph.access")

_FORM = "application/x-www-form-urlencoded"
_DIRECT = "application/sparql-query"
_UPDATE = "application/sparql-update"
_GRAPH_SYNONYMS = {"json": "jsonld", "xml": "rdfxml"}  # format=json on a CONSTRUCT means JSON-LD


@dataclass(frozen=True)
class ProtocolRequest:
    """The protocol parameters of one request, whatever the method."""

    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    format: str | None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    """The query operation; a bare GET gets the Service Description."""
    try:
        return _answer()
    except GovGraphError as err:
        g.govgraph_error = err.title  # for the access log and the metrics; errors.py answers
        raise


def _answer() -> Response:
    params = _read_request()
    if params.query is None:
        if request.method in ("GET", "HEAD"):
            return _service_description(params.format)
        raise BadRequestError("no query: send it as 'query' (form or URL) or as an application/sparql-query body")
    if not params.query.strip():
        raise BadRequestError("the query is empty")
    settings = current_app.config["GOVGRAPH_SETTINGS"]
    results, graph = _choose_formats(params.format)
    query = QueryRequest(params.query, results and results.media_type, graph and graph.media_type,
                         params.default_graphs, params.named_graphs, settings.service_allowlist,
                         settings.max_result_bytes, gzip=_takes_gzip(request.headers.get("Accept-Encoding", "")),
                         base_iri=endpoint_iri(settings))
    store = _store()
    cacheable = request.method in ("GET", "HEAD") and getattr(store, "fixed_by_release", False)
    etag = answer_etag(query, store.release) if cacheable else None
    if etag is not None and request.if_none_match.contains_weak(etag):
        g.govgraph_revalidated = True
        return _cache_headers(Response(status=304, headers={"Vary": _VARY}), etag)
    try:
        result = _run(store, query)
    except NotAcceptableError as err:  # the worker knows the query form; say what that form can be
        offered = {"results": RESULT_FORMATS, "graph": GRAPH_FORMATS}.get(err.extra.get("kind"))
        if offered is None:
            raise
        raise NotAcceptableError(f"{err.detail}; ask for one of {_offer(offered)}") from None
    return _cache_headers(_respond(result), etag)


@bp.record_once
def _install_budget(state) -> None:
    settings = state.app.config["GOVGRAPH_SETTINGS"]
    state.app.extensions["govgraph.query_budget"] = QueryBudget(settings.rate_limit, settings.rate_window)
    state.app.extensions["govgraph.admission"] = ClientSlots(settings.client_queries)


def _run(store, query: QueryRequest) -> QueryResult:
    """Run ``query`` on the client's budget of query time: 429 while it is spent; then charge
    the store's own time (an error carries it; a query stopped at the deadline, or because
    its client left, cost its whole time). At most ``client_queries`` of a client's queries
    run at once (:mod:`govgraph.web.admission`); the store stops a query whose client has gone."""
    budget: QueryBudget = current_app.extensions["govgraph.query_budget"]
    client = request.remote_addr or "-"
    wait = budget.retry_after(client, time.monotonic())
    if wait is not None:
        raise RateLimitedError(
            f"{client} has spent its {budget.seconds:g} s of query time per {budget.window:g} s; retry in {wait} s "
            "(the RateLimit header says how much is left after each query). Pages, documents and dumps are not "
            "limited. The budget is the server's GOVGRAPH_RATE_LIMIT setting.", retry_after=wait)
    gone = request.environ.get(CLIENT_GONE)
    with current_app.extensions["govgraph.admission"].turn(client, gone):
        started = time.perf_counter()
        try:
            result = store.query(query, cancelled=gone)
        except GovGraphError as err:
            wall = time.perf_counter() - started if isinstance(err, (QueryTimeoutError, ClientGoneError)) else 0.0
            _charge(budget, client, err.extra.get("seconds", wall))
            raise
    _charge(budget, client, result.seconds)
    return result


def _charge(budget: QueryBudget, client: str, seconds: float) -> None:
    g.govgraph_charged = seconds  # for the metrics and the access log
    budget.charge(client, seconds, time.monotonic())


def _read_request() -> ProtocolRequest:
    """Gather the parameters from the URL and the body; refuse updates and unknown bodies."""
    args = request.args
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == _UPDATE:
            raise ReadOnlyError(READ_ONLY)
        if mimetype == _FORM:
            body = request.get_data(cache=True)  # kept: the form is parsed from it, and it may be checked
            if _NOT_ASCII.search(body):  # a form of ASCII means the same in any charset it declares
                _refuse_other_charsets()
            args = _merged(request.args, request.form)
        elif mimetype != _DIRECT:
            raise UnsupportedMediaTypeError(
                f"POST a query as {_FORM} or {_DIRECT}, not {mimetype or 'a body without Content-Type'}")
    if "update" in args:
        raise ReadOnlyError(READ_ONLY)
    queries = args.getlist("query")
    if any("%" in q or "\ufffd" in q for q in queries):  # werkzeug keeps bytes that are not UTF-8 as
        # "%FF" (or U+FFFD): a query that shows either is checked against what was sent
        _refuse_invalid_utf8(request.query_string, request.get_data(cache=True) if request.mimetype == _FORM else b"")
    if request.method == "POST" and request.mimetype == _DIRECT:
        queries.append(_body_text())
    if len(queries) > 1:
        raise BadRequestError(f"{len(queries)} queries in one request; send exactly one")
    fmt = args.get("format") or args.get("output")
    return ProtocolRequest(queries[0] if queries else None, _graph_iris(args, "default-graph-uri"),
                           _graph_iris(args, "named-graph-uri"), fmt)


def _merged(*multidicts):
    from werkzeug.datastructures import MultiDict

    merged = MultiDict()
    for multidict in multidicts:
        for key, value in multidict.items(multi=True):
            merged.add(key, value)
    return merged


_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}  # ASCII text is UTF-8 text
_NOT_ASCII = re.compile(rb"%[89A-Fa-f][0-9A-Fa-f]|[\x80-\xff]")  # escapes or bytes of non-ASCII text


def _refuse_other_charsets() -> None:
    """415 for a body declared in a charset other than UTF-8 (the protocol's only one)."""
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in _UTF8:
        raise UnsupportedMediaTypeError(f"the body is declared as charset={charset}, but the SPARQL protocol "
                                        "takes queries in UTF-8 only: send it as UTF-8 (charset=utf-8)")


def _body_text() -> str:
    _refuse_other_charsets()
    body = request.get_data(cache=True)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequestError(f"the query body is not valid UTF-8 (byte 0x{body[err.start]:02x} at offset "
                              f"{err.start}); the SPARQL protocol takes queries in UTF-8 only") from None


def _refuse_invalid_utf8(*encoded: bytes) -> None:
    """400 if percent-encoded ``encoded`` (URL query string, form body) decodes to bytes that
    are not UTF-8 (werkzeug would have replaced them with U+FFFD and run a different query)."""
    for raw in encoded:
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestError("the query is not valid UTF-8 once percent-decoded; the SPARQL protocol "
                                  "takes queries in UTF-8 only") from None


def endpoint_iri(settings) -> str:
    """The endpoint's own IRI: ``public_url`` + ``sparql``, else the request's URL root (which
    the trusted proxies' X-Forwarded-* headers set) + ``sparql``; 400 if the Host header
    makes no IRI of it."""
    return _checked_iri((settings.public_url or request.url_root).rstrip("/") + "/sparql")


@lru_cache(maxsize=64)
def _checked_iri(iri: str) -> str:
    """``iri`` if it is a valid IRI (checked once per distinct value: clients repeat their Host).

    >>> _checked_iri("http://a b/sparql")
    Traceback (most recent call last):
    ...
    govgraph.errors.BadRequestError: the Host header makes no valid IRI of the endpoint: 'http://a b/sparql'
    """
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        raise BadRequestError(f"the Host header makes no valid IRI of the endpoint: {iri!r}") from None
    return iri


def _graph_iris(args, name: str) -> tuple[str, ...] | None:
    values = args.getlist(name)
    if not values:
        return None
    for iri in values:
        try:
            pyoxigraph.NamedNode(iri)
        except ValueError:
            raise BadRequestError(f"{name}: {iri!r} is not an absolute IRI") from None
    return tuple(values)


def _choose_formats(fmt: str | None) -> tuple[Format | None, Format | None]:
    """The format for solutions and the format for triples (None: nothing acceptable).

    The query form is known only where the query is parsed (the worker), which answers 406
    if the form's format is None; 406 here when neither kind of answer is acceptable.
    """
    if fmt:
        chosen = by_name(fmt)
        if chosen is None:
            raise BadRequestError(f"format={fmt!r} is unknown; choose one of {', '.join(FORMATS)}")
        results = chosen if chosen.kind == "results" else None
        graph = chosen if chosen.kind in ("graph", "dataset") else FORMATS.get(_GRAPH_SYNONYMS.get(chosen.name, ""))
    else:
        results, graph = _negotiated(request.headers.get("Accept", ""))
    if results is None and graph is None:
        raise NotAcceptableError(f"a query result can be sent as {_offer(RESULT_FORMATS + GRAPH_FORMATS)}")
    return results, graph


def _offer(formats: list[Format]) -> str:
    """What a 406 lists: each format's media type and its ``format=`` name.

    >>> _offer([FORMATS["csv"], FORMATS["turtle"]])
    'text/csv (format=csv), text/turtle (format=turtle)'
    """
    return ", ".join(f"{f.media_type} (format={f.name})" for f in formats)


@lru_cache(maxsize=256)
def _negotiated(accept: str) -> tuple[Format | None, Format | None]:
    """The results and the graph format for an Accept header, negotiated once per distinct
    header (clients repeat theirs; negotiating cost about 0.1 ms a request).

    >>> [f and f.name for f in _negotiated("text/csv, text/turtle;q=0.5")]
    ['csv', 'turtle']
    """
    parsed = parse_accept_header(accept, MIMEAccept)
    return negotiate(parsed, RESULT_FORMATS), negotiate(parsed, GRAPH_FORMATS)


def _store():
    store = current_app.extensions.get("govgraph.store")
    if store is None:
        raise StoreUnavailableError("no store is open behind this app")
    return store


def _respond(result: QueryResult) -> Response:
    g.govgraph_query = {"form": result.form, "bytes": len(result.body)}
    headers = {"Vary": _VARY}  # a new response: no Vary to merge with
    if result.encoding:
        headers["Content-Encoding"] = result.encoding
    return Response(result.body, headers=headers, content_type=by_media_type(result.media_type).content_type)


_VARY = "Accept, Accept-Encoding"
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE|SERVICE)\b", re.IGNORECASE)


def answer_etag(query: QueryRequest, release) -> str | None:
    """The weak validator of a query's answer on ``release`` (None: the answer may change
    without a new release, so it is not cached).

    >>> from types import SimpleNamespace
    >>> release = SimpleNamespace(id="0.1.0-abcdef12")
    >>> ask = QueryRequest("ASK {}", "application/sparql-results+json", None)
    >>> tag = answer_etag(ask, release)
    >>> tag.startswith("0.1.0-abcdef12-"), tag == answer_etag(ask, release)
    (True, True)
    >>> tag == answer_etag(QueryRequest("ASK {}", "text/csv", None), release)
    False
    >>> answer_etag(QueryRequest("SELECT (now() AS ?t) {}", "text/csv", None), release) is None
    True
    """
    if release is None or _VOLATILE.search(query.text):
        return None
    key = repr((query.text, query.results_media_type, query.graph_media_type, query.default_graphs,
                query.named_graphs, sorted(query.service_allowlist), query.max_bytes, query.base_iri))
    return f"{release.id}-{hashlib.blake2b(key.encode(), digest_size=12).hexdigest()}"


def _cache_headers(response: Response, etag: str | None) -> Response:
    """Set the validator and caching headers (strings written directly: werkzeug's set_etag
    and Vary parsing cost tens of microseconds a request)."""
    headers = response.headers
    if etag is None:
        headers["Cache-Control"] = "no-store"
    else:
        headers["ETag"] = f'W/"{etag}"'  # the tag holds only [0-9a-f.-]: no quoting needed
        headers["Cache-Control"] = "public, no-cache"  # keep, but revalidate every time
    return response


@lru_cache(maxsize=64)
def _takes_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (parsed once per distinct header).

    >>> _takes_gzip("gzip, deflate"), _takes_gzip("identity"), _takes_gzip("*"), _takes_gzip("gzip;q=0")
    (True, False, True, False)
    """
    return parse_accept_header(accept_encoding)["gzip"] > 0


def _service_description(fmt: str | None) -> Response:
    offered = GRAPH_FORMATS + [FORMATS["html"]]
    chosen = by_name(_GRAPH_SYNONYMS.get(fmt, fmt)) if fmt else negotiate(request.accept_mimetypes, offered)
    if chosen is None or chosen not in offered:
        names = ", ".join(f.media_type for f in offered)
        raise NotAcceptableError(f"the service description can be sent as {names}")
    settings = current_app.config["GOVGRAPH_SETTINGS"]
    root = endpoint_iri(settings).removesuffix("/sparql")
    memory = getattr(_store(), "memory_limit", None)  # the embedded store's bound on a query worker
    examples = lookup().examples()
    if chosen.name == "html":  # a page for people, from the same triples
        return service_page(describe_service(root, _store().dataset_sizes(), settings, pyoxigraph.RdfFormat.N_TRIPLES,
                                             memory, examples))
    body = describe_service(root, _store().dataset_sizes(), settings, chosen.rdf_format, memory, examples)
    response = Response(body, content_type=chosen.content_type)
    response.vary.add("Accept")
    return response


@bp.after_request
def _rate_limit_fields(response: Response) -> Response:
    """Every /sparql answer states the client's budget of query time, as it stands after this
    request (draft-ietf-httpapi-ratelimit-headers-11; docs/endpoint.md gives the exact form)."""
    if request.method != "OPTIONS":
        budget: QueryBudget = current_app.extensions["govgraph.query_budget"]
        fields = budget.fields(request.remote_addr or "-", time.monotonic())
        if fields is not None:
            response.headers["RateLimit-Policy"], response.headers["RateLimit"] = fields
    return response


@bp.after_request
def _log_query(response: Response) -> Response:
    """One access-log line per /sparql request: client, request, status, duration, outcome,
    and the answer's form, size and the query time charged for it."""
    if not access_log.isEnabledFor(logging.INFO):
        return response  # (not even its fields are gathered: about 20 us a request)
    started = g.get("govgraph_started")
    elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
    info = g.get("govgraph_query") or {}
    outcome = "ok" if response.status_code < 400 else (g.get("govgraph_error") or str(response.status_code))
    charged = g.get("govgraph_charged")
    access_log.info('%s "%s %s" %d %.1fms outcome=%s form=%s bytes=%s charged=%s',
                    request.remote_addr, request.method, request.path, response.status_code, elapsed,
                    outcome.replace(" ", "-"), info.get("form"), info.get("bytes"),
                    "-" if charged is None else f"{charged * 1000:.1f}ms")
    return response


@bp.after_app_request
def _cors(response: Response) -> Response:
    """Reads from any origin, without credentials; preflight answered for GET and POST."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = _EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = _allowed_headers(
            request.headers.get("Access-Control-Request-Headers", ""))
        response.headers["Access-Control-Max-Age"] = "86400"
        response.vary.add("Access-Control-Request-Headers")
    return response


_EXPOSED = "RateLimit, RateLimit-Policy, Retry-After, Content-Type, ETag"
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _allowed_headers(requested: str) -> str:
    """Every header a preflight asks for (no credentials are ever allowed, so no header can
    carry any), plus the two the query page sends; anything that is not a header name is dropped.

    >>> _allowed_headers("x-requested-with, If-None-Match, bad header")
    'Content-Type, Accept, x-requested-with, If-None-Match'
    """
    names = ["Content-Type", "Accept"]
    for name in (part.strip() for part in requested.split(",")):
        if _HEADER_NAME.match(name) and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return ", ".join(names)
