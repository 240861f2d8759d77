"""``govgraph publish --store URL``: make a local release the one a SPARQL store server serves.

Readers of the server see the old release or the new one, never a mix, and a publish that
fails leaves the old one serving. The steps, each named in an error with its graph:

1. **read**: the release is checked (:func:`govgraph.release.verify_release`: every file's
   size and sha256), then its four graphs are read: ontology, data and inferred from
   ``govgraph.nq``, meta from ``void.ttl``; each must hold the manifest's count. A fifth
   graph is made from them: their union, each distinct triple once
   (:func:`govgraph.release.write_union`, the embedded store's default graph; it must hold
   the manifest's ``store_union_triples``), to be
   served as the default graph (:data:`govgraph.namespaces.GRAPH_UNION`): store servers
   merge the graphs a query's dataset names as a bag (a triple held by two graphs would
   count twice), the embedded store as a set.
2. **stage**: each graph is written under a name of its own for this release,
   ``urn:govgraph:release:<id>:graph:<name>`` (:func:`staging_graph`), with the SPARQL 1.1
   Graph Store Protocol (one PUT per graph), or with SPARQL Update ``INSERT DATA`` in
   batches where the server has no GSP endpoint (a graph holding blank nodes goes in one
   request: a blank node's label names one node only within one request).
3. **verify**: each staged graph is counted by query and must hold the manifest's count.
4. **swap**: ONE SPARQL Update request copies every staged graph onto its public name
   (``COPY``) and drops the public graphs the release lacks; the server applies a request
   as one transaction. It is bracketed by two updates of the publication state
   (``swapping``, then ``served`` and a new id: :mod:`govgraph.store.bracket`), by which
   ``govgraph serve --store`` passes on no answer that read across the swap, even from a
   server whose readers do not see a transaction whole.
5. **clean**: the staging graphs are dropped. Until the swap, the public graphs are not
   touched: a failure before it drops this release's staging graphs and changes nothing
   that is served.

Readers never see the staging graphs: ``govgraph serve --store`` names the union graph as
the default graph and the four public graphs as the named graphs of every query that names
no dataset (:mod:`govgraph.store.remote`).
Credentials come from the settings and are removed from every message
(:meth:`govgraph.store.server.StoreServer.redact`). One publish at a time per server.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Callable

import pyoxigraph as ox
import requests

from govgraph.errors import GovGraphError, NoReleaseError
from govgraph.namespaces import GRAPH_META, GRAPH_UNION, GRAPHS
from govgraph.release import Release, newest_release, verify_release, list_releases, write_union
from govgraph.store.bracket import PUBLICATION_GRAPH, SWAPPING, new_served_state, state_update
from govgraph.store.server import StoreServer
from govgraph.store.remote import Deadlocked, server_error

#: The graphs a publish writes and swaps: the release's four, and their union (the default graph).
SERVED_GRAPHS = (*(str(g) for g in GRAPHS), str(GRAPH_UNION))
#: Triples per INSERT DATA request where the server has no Graph Store Protocol endpoint.
BATCH_TRIPLES = 20_000
_STAGING = "urn:govgraph:release:"
_JSON = "application/sparql-results+json"


class PublishError(GovGraphError):
    """A step of a publish failed; the old release (if any) is still the one served."""

    status, exit_code, title = 502, 3, "publish failed"


def staging_graph(release_id: str, graph: str) -> str:
    """The name a graph of a release is staged under.

    >>> staging_graph("1.0-abcd1234", "https://w3id.org/govgraph/graph/data")
    'urn:govgraph:release:1.0-abcd1234:graph:data'
    >>> staging_graph("1.0-abcd1234", "urn:govgraph:graph:union")
    'urn:govgraph:release:1.0-abcd1234:graph:union'
    """
    return f"{_STAGING}{release_id}:graph:{_short(graph)}"


def _short(graph: str) -> str:
    """A graph's last name segment: ``data`` for ``…/graph/data``, ``union`` for ``urn:…:union``."""
    return re.split("[/:]", graph.rstrip("/"))[-1]


def swap_update(staged: dict[str, str], counts: dict[str, int], public: tuple[str, ...]) -> str:
    """The one SPARQL Update that makes the staged graphs the public ones: COPY each staged
    graph that holds triples, DROP every public graph that the release leaves empty or lacks.

    >>> print(swap_update({"http://g/a": "urn:s:a", "http://g/b": "urn:s:b"}, {"http://g/a": 2, "http://g/b": 0},
    ...                   ("http://g/a", "http://g/b", "http://g/c")))
    COPY <urn:s:a> TO <http://g/a> ;
    DROP SILENT GRAPH <http://g/b> ;
    DROP SILENT GRAPH <http://g/c>
    """
    operations = [f"COPY <{staged[g]}> TO <{g}>" if counts.get(g) else f"DROP SILENT GRAPH <{g}>"
                  for g in public]
    return " ;\n".join(operations)


@dataclass
class _Graph:
    public: str
    staged: str
    triples: list
    expected: int


class Publisher:
    """Publishes releases to one store server (see the module's docstring for the steps)."""

    def __init__(self, server: StoreServer, progress: Callable[[str], None] = lambda message: None,
                 timeout: float = 600.0):
        self.server, self.progress, self.timeout = server, progress, timeout
        self._session = server.session()

    def publish(self, release: Release) -> dict[str, int]:
        """Publish ``release``; return {public graph: triples} as the server counts them after the swap."""
        started = time.monotonic()
        graphs = self._read(release)
        staged: list[_Graph] = []
        try:
            for graph in graphs:
                self._update(f"DROP SILENT GRAPH <{graph.staged}>", "stage", graph.public)  # a stopped publish's
                staged.append(graph)
                self._stage(graph)
            for graph in graphs:
                self._verify(graph)
            self._swap(graphs)
        except BaseException:
            self._drop([g for g in staged if g.expected])
            raise
        self.progress(f"swap: {release.id} is the served release")
        self._drop([g for g in graphs if g.expected])
        served = {g.public: self._count(g.public, "check") for g in graphs}
        self.progress(f"publish: {release.id} in {time.monotonic() - started:.1f} s: "
                      + ", ".join(f"{_short(g.public)} {served[g.public]:,}" for g in graphs))
        return served

    # ---- the steps ----

    def _swap(self, graphs: list[_Graph]) -> None:
        """The swap, between two updates of the publication state (:mod:`govgraph.store.bracket`):
        ``swapping`` before, a new ``served`` id after. A swap the server answered with an
        error was rolled back: the state gets a new ``served`` id and the error is raised. A
        swap whose outcome is unknown (no answer) leaves ``swapping``: readers wait, then get
        503, until the next publish."""
        update = self.server.swap_prologue + swap_update({g.public: g.staged for g in graphs},
                                                         {g.public: g.expected for g in graphs}, SERVED_GRAPHS)
        self._update(state_update(SWAPPING), "swap", PUBLICATION_GRAPH)
        try:
            self._update(update, "swap", "every graph")
        except PublishError as err:
            if not err.extra.get("answered"):
                raise PublishError(f"{err.detail}; the publication state stays '{SWAPPING}', so readers of "
                                   f"govgraph serve --store get 503 until a publish succeeds") from None
            self._update(state_update(new_served_state()), "swap", PUBLICATION_GRAPH)
            raise
        self._update(state_update(new_served_state()), "swap", PUBLICATION_GRAPH)

    def _read(self, release: Release) -> list[_Graph]:
        try:
            verify_release(release)
        except NoReleaseError as err:
            raise NoReleaseError(f"read: release {release.id} cannot be published: {err.detail}") from None
        expected = release.manifest["graphs"]
        triples: dict[str, dict] = {str(g): {} for g in GRAPHS}
        for name, fmt in (("govgraph.nq", ox.RdfFormat.N_QUADS), ("void.ttl", ox.RdfFormat.TURTLE)):
            try:
                # each file's blank nodes its own, as in the release's store: void.ttl and
                # govgraph.nq label the same description alike, but it is two nodes there
                for quad in ox.parse(path=str(release.file(name)), format=fmt, rename_blank_nodes=True):
                    graph = str(GRAPH_META) if fmt == ox.RdfFormat.TURTLE else quad.graph_name.value
                    if graph not in triples:
                        raise NoReleaseError(f"read: {name} holds a triple of graph <{graph}>, which is not one of "
                                             f"a release's graphs")
                    triples[graph][quad.triple] = None
            except (SyntaxError, OSError) as err:
                raise NoReleaseError(f"read: {release.file(name)}: {err}") from None
        graphs = []
        for public, found in triples.items():
            if len(found) != expected.get(public, 0):
                raise NoReleaseError(f"read: graph <{public}> of release {release.id} holds {len(found)} triples "
                                     f"where its manifest says {expected.get(public, 0)}")
            graphs.append(_Graph(public, staging_graph(release.id, public), list(found), len(found)))
        union = union_of({g.public: g.triples for g in graphs})
        if len(union) != release.manifest.get("store_union_triples"):
            raise NoReleaseError(f"read: the union of the graphs of release {release.id} holds {len(union)} triples "
                                 f"where its manifest says {release.manifest.get('store_union_triples')} "
                                 f"(store_union_triples)")
        graphs.append(_Graph(str(GRAPH_UNION), staging_graph(release.id, str(GRAPH_UNION)), union, len(union)))
        self.progress(f"read: {release.id}: " + ", ".join(f"{len(g.triples):,} triples for <{g.public}>"
                                                         for g in graphs))
        return graphs

    def _stage(self, graph: _Graph) -> None:
        started = time.monotonic()
        if not graph.expected:
            return
        how = "Graph Store Protocol PUT"
        if not (self.server.graph_store_url and self._put(graph)):
            how = "SPARQL Update INSERT DATA"
            for batch in _batches(graph.triples):
                self._update(f"INSERT DATA {{ GRAPH <{graph.staged}> {{\n{_ntriples(batch)}}} }}", "stage",
                             graph.public)
        self.progress(f"stage: {graph.expected:,} triples of <{graph.public}> as <{graph.staged}> "
                      f"({how}, {time.monotonic() - started:.1f} s)")

    def _put(self, graph: _Graph) -> bool:
        """PUT the graph; False if the server has no Graph Store Protocol there (404, 405, 501)."""
        response = self._send("put", self.server.graph_store_url, "stage", graph.public,
                              params={self.server.graph_param: graph.staged}, data=_ntriples(graph.triples),
                              headers={"Content-Type": "text/turtle; charset=utf-8"})
        if response.status_code in (404, 405, 501):
            self.progress(f"stage: {self.server.redact(self.server.graph_store_url)} answered "
                          f"{response.status_code} to a Graph Store Protocol PUT: using SPARQL Update instead")
            self.server = _without_graph_store(self.server)
            return False
        self._check(response, "stage", graph.public)
        return True

    def _verify(self, graph: _Graph) -> None:
        count = self._count(graph.staged, "verify") if graph.expected else 0
        if count != graph.expected:
            raise PublishError(f"verify: graph <{graph.public}>: the server holds {count} triples in "
                               f"<{graph.staged}> where the release has {graph.expected}")
        self.progress(f"verify: <{graph.staged}> holds {count:,} triples, as the manifest says")

    def _drop(self, graphs: list[_Graph]) -> None:
        """Drop the staging graphs; a failure is reported, not raised (it must not hide the
        error that led here, nor fail a publish whose swap is done)."""
        if not graphs:
            return
        try:
            self._update(" ;\n".join(f"DROP SILENT GRAPH <{g.staged}>" for g in graphs), "clean",
                         ", ".join(g.public for g in graphs))
            self.progress(f"clean: dropped {len(graphs)} staging graphs")
        except GovGraphError as err:
            self.progress(f"clean: the staging graphs could not be dropped ({err.detail}); drop them by hand: "
                          + " ".join(f"<{g.staged}>" for g in graphs))

    # ---- talking to the server ----

    def _count(self, graph: str, step: str) -> int:
        response = self._send("post", self.server.query_url, step, graph,
                              data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                              headers={"Accept": _JSON})
        self._check(response, step, graph)
        try:
            return int(json.loads(response.content)["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise PublishError(f"{step}: graph <{graph}>: the server's count is not a SPARQL JSON answer: "
                               f"{self.server.redact(response.text[:300])}") from None

    def _update(self, update: str, step: str, graph: str) -> None:
        response = self._send("post", self.server.update_url, step, graph, data=update.encode("utf-8"),
                              headers={"Content-Type": "application/sparql-update; charset=utf-8"})
        self._check(response, step, graph)

    def _send(self, method: str, url: str, step: str, graph: str, **kwargs) -> requests.Response:
        """One request; sent again (at most :data:`WRITE_ATTEMPTS` times, after a short pause)
        while the server rolls it back as a deadlock's victim (:func:`deadlocked`): a server
        whose readers lock what they read (Virtuoso at serializable isolation, which
        docs/deploy.md advises against) makes the publish's own writes such victims now and
        then, and a rolled-back request changed nothing, so sending it again is safe."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                response = self._session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.RequestException as err:
                raise PublishError(f"{step}: graph <{graph}>: the store server at {self.server.redact(url)} "
                                   f"cannot be reached: {self.server.redact(err)}") from None
            if attempt == WRITE_ATTEMPTS or not deadlocked(response):
                return response
            self.progress(f"{step}: graph <{graph}>: the server rolled the request back as a deadlock's "
                          f"victim; sending it again ({attempt} of {WRITE_ATTEMPTS - 1})")
            time.sleep(0.05 * 2 ** attempt)
        raise AssertionError("unreachable")

    def _check(self, response: requests.Response, step: str, graph: str) -> None:
        if response.status_code >= 300:
            what = ("it refused the credentials (GOVGRAPH_STORE_USER / GOVGRAPH_STORE_PASSWORD)"
                    if response.status_code in (401, 403) else response.text[:400].strip())
            if "SR325" in what:  # Virtuoso: one request's transaction outgrew its roll-forward log
                said = re.search(r"Virtuoso 40005 Error SR325[^<\n]*", response.text)
                what = (f"{said.group(0).strip() if said else 'SR325'}: a request is one transaction (the swap "
                        f"too, so that a failure leaves the old release whole); raise [Parameters] "
                        f"TransactionAfterImageLimit in virtuoso.ini (1.5 GB carried a release of 1.3 million "
                        f"triples), see docs/deploy.md")
            raise PublishError(f"{step}: graph <{graph}>: {self.server.redact(response.url)} answered "
                               f"{response.status_code}: {self.server.redact(what)}", answered=True)

    def close(self) -> None:
        self._session.close()


#: How often one request of a publish is sent while the server rolls it back as a deadlock's victim.
WRITE_ATTEMPTS = 6


def deadlocked(response: requests.Response) -> bool:
    """True if the server answered that it rolled the request back as a deadlock's victim or
    a serialization failure (SQLSTATE 40001): Virtuoso says ``Virtuoso 40001 Error SR172`` to
    SPARQL Update, and an HTML page with ``Error 40001`` / ``SR172`` to a Graph Store PUT."""
    if response.status_code < 500:
        return False
    return (isinstance(server_error(response.status_code, response.text), Deadlocked)
            or _DEADLOCK_PAGE.search(response.text[:2000]) is not None)


_DEADLOCK_PAGE = re.compile(r"Error 40001\b|\bSR172: Transaction deadlocked")


def union_of(graphs: dict[str, list]) -> list:
    """The triples of the default graph a release is served with: the union of ``graphs``
    ({graph name: triples}), each distinct triple once, as the embedded store's default graph
    holds it (:func:`govgraph.release.write_union` makes both).

    >>> s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    >>> both = ox.Triple(s, p, ox.Literal("in both"))
    >>> sorted(t.object.value for t in union_of({"http://e/a": [both, ox.Triple(s, p, ox.Literal("a"))],
    ...                                          "http://e/b": [both]}))
    ['a', 'in both']
    """
    store = ox.Store()  # in memory
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                      for graph, triples in graphs.items() for t in triples)
    write_union(store)
    return [q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())]


def _without_graph_store(server: StoreServer) -> StoreServer:
    from dataclasses import replace

    return replace(server, graph_store_url="")


def _ntriples(triples) -> bytes | str:
    """N-Triples of ``triples`` (as text for an update, bytes for a PUT: both are UTF-8)."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _batches(triples: list) -> list[list]:
    """Batches of at most BATCH_TRIPLES; one batch if any triple holds a blank node.

    >>> len(_batches([ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal(str(i)))
    ...               for i in range(BATCH_TRIPLES + 1)]))
    2
    """
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        return [triples]
    return [triples[i:i + BATCH_TRIPLES] for i in range(0, len(triples), BATCH_TRIPLES)]


def find_release(releases_dir, release_id: str | None) -> Release:
    """The release named ``release_id`` under ``releases_dir``, or the newest one."""
    if release_id is None:
        return newest_release(releases_dir)
    for release in list_releases(releases_dir):
        if release.id == release_id:
            return release
    raise NoReleaseError(f"no release {release_id!r} in {releases_dir}")


def publish_release(settings, release_id: str | None = None, progress: Callable[[str], None] = lambda m: None
                    ) -> dict[str, int]:
    """``govgraph publish``: publish release ``release_id`` (default: the newest) to the store
    server of ``settings.store_url``; return the served graphs' counts."""
    server = StoreServer.from_settings(settings.store_url, settings)
    release = find_release(settings.releases_dir, release_id)
    publisher = Publisher(server, progress)
    try:
        return publisher.publish(release)
    finally:
        publisher.close()
