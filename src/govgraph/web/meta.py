"""Blueprint 'meta': operations routes and the request bookkeeping of the whole app.

- ``/-/health``: 200 JSON when a query worker answers ``ASK {}``: the release served and its
  verification, the live workers (a dead one is replaced within a second), the counters;
- ``/-/version``: the release manifest's identity and the software versions;
- ``/context.jsonld``: the JSON-LD context (the project's prefixes) of every JSON-LD answer;
- ``/-/metrics``: Prometheus text (prometheus_client), requests by route and status,
  latency, query timeouts, rejections, rate-limited requests, query time charged, the
  worker pool;
- the request clock, for every route. (The budget of query time is ``/sparql``'s alone,
  :mod:`govgraph.web.sparql`: no page, document or dump is ever refused for it.)

The metrics live in a registry per app, in the one web process that accepts requests
(``govgraph serve`` runs a single web process with threads), so they are complete
without prometheus_client's multi-process mode. ``/.well-known/void`` is added to this
blueprint by the publishing work (a separate route function).
"""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

import govgraph
from govgraph.errors import ClientGoneError, QueryTimeoutError, StoreUnavailableError
from govgraph.jsonld import CONTEXT, CONTEXT_PATH

bp = Blueprint("meta", __name__)

_REJECTIONS = {400, 403, 405, 406, 413, 414, 415, 422}


class Metrics:
    """The app's Prometheus metrics, in their own registry."""

    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("govgraph_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("govgraph_http_request_duration_seconds", "Time to answer a request, by route",
                                 ["route"], registry=r,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60))
        self.timeouts = Counter("govgraph_query_timeouts", "Queries stopped at the deadline (worker killed)",
                                registry=r)
        self.rejections = Counter("govgraph_rejections", "Requests refused before or instead of running",
                                  ["status"], registry=r)
        self.rate_limited = Counter("govgraph_rate_limited", "Requests answered 429", registry=r)
        self.client_gone = Counter("govgraph_client_gone", "Queries whose client left while they waited or ran "
                                   "(each was stopped)", registry=r)
        self.query_time = Counter("govgraph_query_time_seconds",
                                  "Query time charged to clients' budgets (engine time of /sparql queries)", registry=r)
        self.queries = Counter("govgraph_queries", "Queries answered by the store, by query form", ["form"], registry=r)
        self.revalidated = Counter("govgraph_query_revalidations",
                                   "GET /sparql answered 304 from its ETag, without running the query", registry=r)
        self.workers = Gauge("govgraph_query_workers", "Live query worker processes", registry=r)
        self.replaced = Gauge("govgraph_query_workers_replaced", "Query workers killed and replaced so far",
                              registry=r)
        self._children: dict[tuple[str, str, str], tuple] = {}
        self._forms: dict[str, Counter] = {}

    def ran(self, form: str) -> None:
        """Count one query the store answered (its series looked up once per form)."""
        child = self._forms.get(form)
        if child is None:
            child = self._forms[form] = self.queries.labels(form)
        child.inc()

    def observe(self, route: str, method: str, status: int, seconds: float | None) -> None:
        """Count one request and its latency; the labelled series are looked up once per key
        (``labels()`` takes a lock and builds a tuple: about 10 us each, twice a request).

        >>> m = Metrics()
        >>> m.observe("/sparql", "GET", 200, 0.002); m.observe("/sparql", "GET", 200, None)
        >>> m.registry.get_sample_value("govgraph_http_requests_total",
        ...                             {"route": "/sparql", "method": "GET", "status": "200"})
        2.0
        """
        key = (route, method, str(status))
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (self.requests.labels(*key), self.latency.labels(route))
        children[0].inc()
        if seconds is not None:
            children[1].observe(seconds)


@bp.record_once
def _install(state) -> None:
    state.app.extensions["govgraph.metrics"] = Metrics()


@bp.before_app_request
def _start_clock() -> None:
    g.govgraph_started = time.perf_counter()


@bp.after_app_request
def _count(response: Response) -> Response:
    metrics: Metrics = current_app.extensions["govgraph.metrics"]
    route = request.url_rule.rule if request.url_rule else "(unmatched)"
    status = response.status_code
    started = g.get("govgraph_started")
    metrics.observe(route, request.method, status, None if started is None else time.perf_counter() - started)
    error = g.get("govgraph_error")
    if error == QueryTimeoutError.title:
        metrics.timeouts.inc()
    elif error == ClientGoneError.title:
        metrics.client_gone.inc()
    charged = g.get("govgraph_charged")
    if charged:
        metrics.query_time.inc(charged)
    ran = g.get("govgraph_query")
    if ran is not None:
        metrics.ran(ran["form"] or "unknown")
    elif g.get("govgraph_revalidated"):
        metrics.revalidated.inc()
    if status == 429:
        metrics.rate_limited.inc()
    elif status in _REJECTIONS:
        metrics.rejections.labels(str(status)).inc()
    return response


@bp.route("/-/health")
def health():
    """200 with the release, its verification and the live workers when a query worker
    answers (``status``: ``ok``, or ``degraded`` while a worker is missing); 503 otherwise."""
    store = current_app.extensions.get("govgraph.store")
    if store is None:
        raise StoreUnavailableError("no store is open behind this app")
    return jsonify(store.health())


@bp.route("/-/version")
def version():
    """The served release (from its manifest) and the software that serves it."""
    store = current_app.extensions.get("govgraph.store")  # a store server's release comes from its meta graph
    release = store.release if store is not None else current_app.extensions.get("govgraph.release")
    manifest = release.manifest if release is not None else {}
    keys = ("release", "version", "version_iri", "created", "git_sha", "base_iri")
    return jsonify({"govgraph": govgraph.__version__, **{k: manifest.get(k) for k in keys},
                    "software": manifest.get("software", {})})


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<ext>")
def void(ext: str | None = None):
    """The VoID/DCAT description of the dataset (publishing: :mod:`govgraph.web.describe`)."""
    from govgraph.web.describe import void_description

    return void_description(ext)


#: For crawlers: the pages of things, the documents and the dumps are theirs to follow; the
#: endpoint, and the query page's shareable ``/?query=`` links, would make them run queries.
ROBOTS = """User-agent: *
Disallow: /sparql
Disallow: /?query=
Disallow: /-/
Allow: /
"""


@bp.route("/robots.txt")
def robots():
    """The crawler policy (plain text)."""
    response = Response(ROBOTS, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route(CONTEXT_PATH)
def jsonld_context():
    """The JSON-LD context every JSON-LD answer embeds: the project's prefixes."""
    body = json.dumps(CONTEXT, indent=2, ensure_ascii=False) + "\n"
    response = Response(body, content_type="application/ld+json; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/-/metrics")
def metrics():
    """Prometheus exposition text."""
    metrics: Metrics = current_app.extensions["govgraph.metrics"]
    store = current_app.extensions.get("govgraph.store")
    if getattr(store, "pool", None) is not None:
        metrics.workers.set(len(store.pool.pids()))
        metrics.replaced.set(store.pool.stats.replaced)
    return Response(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST)
