"""The remote store: the :class:`govgraph.store.Store` protocol over any SPARQL 1.1 query
endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso...), for ``govgraph serve --store URL``.

The web layer in front stays the same: queries are screened here (SERVICE/LOAD allow-list,
nesting depth) before they leave, the remote answers in formats pyoxigraph parses (SPARQL
JSON, N-Triples), and the answer is re-serialised by pyoxigraph in the negotiated format
under the same result-size cap as the embedded store: the remote's answer is read up to
twice the cap (SPARQL JSON is longer than CSV), and an answer that passes it, or that ends
before it is whole (invalid syntax), is an error, never a cut answer. The deadline is the
HTTP timeout and bounds reading the body too: the client gets 503 at the deadline, but
stopping the remote's work is the remote's business (Oxigraph's ``--timeout-s``).
A query that names no dataset (no ``default-graph-uri``/``named-graph-uri``, no FROM or
FROM NAMED) leaves naming the four public graphs of a release (:data:`PUBLIC_GRAPHS`) as
its named graphs and their union, which ``govgraph publish`` writes as a graph of its own
(:data:`govgraph.namespaces.GRAPH_UNION`, each distinct triple once), as its default graph:
it means what it means on the embedded store (a server merges several default graphs as a
bag, so a triple held by two graphs would count twice), the remote needs no
union-default-graph setting, and graphs the remote holds besides them (the union's own
name, ``govgraph publish``'s staging graphs, Virtuoso's system graphs) are never seen. A FROM or FROM NAMED travels as a protocol parameter too (:func:`remote_dataset`).
The query leaves with a one-line prologue that
states the endpoint's base IRI and declares the predeclared prefixes it uses, so it means
on the remote what it means on the embedded store.

An answer is passed on only if the publication state ``govgraph publish`` keeps on the
remote was the same served release just before the query was sent and just after its answer
was read (:mod:`govgraph.store.bracket`): one small extra read per query, and no answer
mixes two releases, even from a server that does not read a query from one snapshot; while a
publish swaps graphs the query waits and runs again, and past its deadline the client gets
503 naming the publish. A server that answers wrongly from data no one is swapping is beyond
any bracket: the front refuses to start over a Virtuoso whose isolation makes it do so
(:meth:`RemoteStore.check_server`).

What release the remote holds is read from its meta graph (the identity, version, graphs
and dump files the build wrote there: :func:`govgraph.store.lookup.served_release`), never
from local files, and read again every :data:`govgraph.store.lookup.REFRESH_SECONDS`: the
remote's data can change without this process.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import re
import threading
import time
import urllib.parse

import pyoxigraph
import requests

from govgraph.config import Settings
from govgraph.errors import (PAST_DEADLINE, BadRequestError, ConfigError, GovGraphError, QuerySyntaxError,
                             QueryTimeoutError, StoreUnavailableError)
from govgraph.release import Release
from govgraph.store import QueryRequest, QueryResult, count_dataset
from govgraph.namespaces import GRAPH_UNION, GRAPHS, PREFIXES
from govgraph.store.bracket import PUBLICATION_GRAPH, Bracket, Observation, parse_state, state_query
from govgraph.store.server import authenticated_session
from govgraph.store.guard import Token, prologue, screen_query, tokenize
from govgraph.store.syntax import explain
from govgraph.store.worker import (bounded, compressed, in_query_order, serialise_boolean, serialise_solutions,
                                   serialise_triples)

log = logging.getLogger("govgraph.store")
#: The graphs a release publishes: the named graphs of every query that names no dataset.
PUBLIC_GRAPHS = tuple(str(g) for g in GRAPHS)
#: Their union, written by ``govgraph publish``: the default graph of such a query.
UNION_GRAPH = str(GRAPH_UNION)
_JSON = "application/sparql-results+json"
_ACCEPT = {"CONSTRUCT": "application/n-triples", "DESCRIBE": "application/n-triples"}  # else _JSON
#: A graph no store holds: the only named graph of a dataset that has none (Virtuoso reads
#: a protocol dataset without named-graph-uri as "every graph it holds").
NO_GRAPH = "urn:govgraph:no-graph"
#: Virtuoso's own function for its ini: asked by :meth:`RemoteStore.check_server`.
_VIRTUOSO_ISOLATION = ('SELECT (<bif:virtuoso_ini_item_value>("Parameters", "DefaultIsolation") AS ?isolation) '
                       'WHERE {}')


class RemoteStore:
    """Queries sent to ``url`` over the SPARQL 1.1 Protocol (POST, form-encoded)."""

    fixed_by_release = False  # whoever runs the remote store can change its data at any time

    def __init__(self, url: str, settings: Settings):
        self.url, self.settings = url, settings
        self._session = authenticated_session(settings.store_user, settings.store_password)
        self._sizes: tuple[int, dict[str, int]] | None = None
        self._release: tuple[float, Release] | None = None
        self._reading = threading.Lock()
        self.retries = 0  # queries sent again after the server chose them as a deadlock's victim
        self._state_reader = _StateReader(url, self._session)
        self.bracket = Bracket(self._read_state)

    def _retried(self, err: GovGraphError) -> None:
        self.retries += 1
        log.warning("the store server chose a query as a deadlock's victim; sending it again (%d so far): %s",
                     self.retries, err)

    @property
    def release(self) -> Release:
        """The release the remote holds, from its meta graph (re-read every REFRESH_SECONDS)."""
        from govgraph.store.lookup import REFRESH_SECONDS, Lookup, served_release

        known = self._release
        if known is None or time.monotonic() - known[0] >= REFRESH_SECONDS:
            with self._reading:
                known = self._release
                if known is None or time.monotonic() - known[0] >= REFRESH_SECONDS:
                    known = self._release = (time.monotonic(),
                                             served_release(Lookup(self, self.settings.max_result_bytes), self.url))
        return known[1]

    def query(self, request: QueryRequest, timeout: float | None = None, cancelled=None) -> QueryResult:
        """Screen ``request``, send it, and re-serialise the whole answer (503 past the deadline).
        Stopping the remote's work is the remote's business: ``cancelled()`` is asked only while
        the query waits for a publish's swap to end (:meth:`govgraph.store.bracket.Bracket.run`)."""
        screening = screen_query(request.text, request.service_allowlist, request.base_iri, PREFIXES)
        text, defaults, named = remote_dataset(request, PUBLIC_GRAPHS)
        data = {"query": with_prologue(text, request.base_iri), "default-graph-uri": defaults,
                "named-graph-uri": named}
        timeout = self.settings.query_timeout if timeout is None else timeout
        started = time.monotonic()
        deadline = started + timeout

        def send() -> tuple[bytes, str]:
            with self._session.post(self.url, data=data, headers={"Accept": _ACCEPT.get(screening.form, _JSON)},
                                    timeout=max(deadline - time.monotonic(), 0.001), stream=True) as response:
                return _read(response, request, deadline), response.headers.get("Content-Type", "")

        try:
            body, content_type = self.bracket.run(lambda: retried(send, deadline, self._retried), started, deadline,
                                                  cancelled)
            result = _reserialise(body, content_type, request, screening.star_order)
        except requests.Timeout:
            raise QueryTimeoutError(f"the remote store did not answer before the deadline: {PAST_DEADLINE}",
                                    retry_after=5) from None
        except requests.RequestException as err:
            raise StoreUnavailableError(f"the remote store at {self.url} cannot be reached: {err}") from None
        except GovGraphError as err:
            err.extra["seconds"] = time.monotonic() - started  # what the client's budget is charged
            raise
        return dataclasses.replace(compressed(result, request), form=screening.form, seconds=time.monotonic() - started)

    def _read_state(self, deadline: float) -> Observation:
        """The publication state now (:mod:`govgraph.store.bracket`)."""
        body = retried(lambda: self._state_reader.read(deadline), deadline, self._retried)
        try:
            observation = parse_state(body)
        except (ValueError, KeyError, TypeError) as err:
            raise StoreUnavailableError(f"the remote store's answer to the publication state's query is not "
                                        f"SPARQL JSON ({err}): {body[:200]!r}") from None
        return observation

    def check_server(self) -> None:
        """Refuse a store server known to give wrong answers that no bracket catches: a
        Virtuoso (its ``Server`` header says so) whose ``[Parameters] DefaultIsolation`` is not
        2 (read committed). At 8 (serializable), Virtuoso 7.2 counted a graph that did not
        change as twice its size now and then while another graph was written, 3 of them
        between equal publication states (``bench/virtuoso_isolation.py``; docs/deploy.md).
        Another server, or a Virtuoso that does not tell, is not asked further."""
        try:
            with self._session.post(self.url, data={"query": _VIRTUOSO_ISOLATION}, headers={"Accept": _JSON},
                                    timeout=min(self.settings.query_timeout, 10.0)) as response:
                if not response.headers.get("Server", "").startswith("Virtuoso") or response.status_code != 200:
                    return
                isolation = response.json()["results"]["bindings"][0]["isolation"]["value"]
        except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as err:
            log.debug("the store server did not say its isolation: %s", err)
            return
        if isolation.strip() != "2":
            raise ConfigError(
                f"the store server at {self.url} is a Virtuoso whose [Parameters] DefaultIsolation is {isolation}: "
                f"govgraph serve --store needs 2 (read committed, Virtuoso's default). At 8 (serializable), "
                f"Virtuoso 7.2 answered some queries wrongly while any graph was written (a graph counted as twice "
                f"its size), which govgraph cannot tell from a right answer; at 2 the answers that read across a "
                f"publish are caught and run again. Set DefaultIsolation = 2 in virtuoso.ini and restart Virtuoso "
                f"(docs/deploy.md)")

    def dataset_sizes(self) -> tuple[int, dict[str, int]]:
        """(triples of the default graph, {named graph: triples}), counted once by query."""
        if self._sizes is None:
            self._sizes = count_dataset(self.query)
        return self._sizes

    def health(self) -> dict:
        """Ask the remote ``ASK {}``."""
        self.query(QueryRequest("ASK {}", _JSON, None), timeout=min(self.settings.query_timeout, 10.0))
        return {"status": "ok", "release": self.release.id, "store": self.url}

    def close(self) -> None:
        self._state_reader.close()
        self._session.close()


class _StateReader:
    """Sends the publication state's query (:func:`govgraph.store.bracket.state_query`) and
    returns the answer's body. Over plain ``http://`` with no proxy and no credentials (in the
    URL or the settings), on an ``http.client`` connection of its own per thread, kept alive: a few tenths of
    a millisecond where a ``requests`` call costs most of one (measured on loopback);
    otherwise with ``session``, as queries are sent. An answer other than 200 is an error
    as for a query; a kept-alive connection the server closed is opened again once."""

    def __init__(self, url: str, session: requests.Session):
        self.url, self.session = url, session
        self.data = {"query": state_query(), "default-graph-uri": [NO_GRAPH], "named-graph-uri": [PUBLICATION_GRAPH]}
        self.body = urllib.parse.urlencode(self.data, doseq=True)
        self.request = QueryRequest(self.data["query"], _JSON, None)  # where it goes through ``session``
        parts = urllib.parse.urlsplit(url)
        self.plain = (parts.scheme == "http" and not parts.username and parts.hostname is not None
                      and session.auth is None and not requests.utils.get_environ_proxies(url))
        self.address = (parts.hostname, parts.port or 80)
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.local = threading.local()
        self.opened: list[http.client.HTTPConnection] = []
        self.opening = threading.Lock()

    def read(self, deadline: float) -> bytes:
        if not self.plain:
            with self.session.post(self.url, data=self.data, headers={"Accept": _JSON}, stream=True,
                                   timeout=max(deadline - time.monotonic(), 0.001)) as response:
                return _read(response, self.request, deadline)
        for attempt in (1, 2):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(*self.address)
                with self.opening:
                    self.opened.append(connection)
            connection.timeout = max(deadline - time.monotonic(), 0.001)
            if connection.sock is not None:
                connection.sock.settimeout(connection.timeout)
            try:
                connection.request("POST", self.target, self.body, {
                    "Content-Type": "application/x-www-form-urlencoded", "Accept": _JSON})
                response = connection.getresponse()
                body = _read_up_to(response, _STATE_BYTES + 1)
            except TimeoutError:
                connection.close()
                raise requests.Timeout() from None
            except (http.client.HTTPException, OSError) as err:
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise requests.ConnectionError(err) from None
                continue
            if len(body) > _STATE_BYTES:
                connection.close()
                raise StoreUnavailableError(f"the remote store's answer to the publication state's query is longer "
                                            f"than {_STATE_BYTES:,} bytes: graph <{PUBLICATION_GRAPH}> holds more "
                                            f"than govgraph publish writes there")
            if response.status != 200:
                raise server_error(response.status, body[:300].decode("utf-8", "replace"))
            return body
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self.opening:
            for connection in self.opened:
                connection.close()


#: The longest answer to the publication state's query that is read (it is one short row).
_STATE_BYTES = 65536


def _read_up_to(response: http.client.HTTPResponse, limit: int) -> bytes:
    """The body, whole, or its first ``limit`` bytes if it is longer (one ``read(n)`` may
    return less than n before the end: it reads the socket once)."""
    parts, size = [], 0
    while size < limit:
        part = response.read(limit - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def with_prologue(text: str, base: str | None) -> str:
    """``text`` after a one-line prologue: BASE ``base`` and the predeclared prefixes it uses
    without declaring them (one line, so the remote's error lines still match the query's).

    >>> with_prologue("SELECT * { ?s rdfs:label ?o }", "http://h/sparql")
    'BASE <http://h/sparql> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT * { ?s rdfs:label ?o }'
    >>> with_prologue("PREFIX rdfs: <http://e/> ASK { ?s rdfs:x ?o }", None)
    'PREFIX rdfs: <http://e/> ASK { ?s rdfs:x ?o }'
    """
    tokens = tokenize(text)
    declared, _ = prologue(tokens)
    used = dict.fromkeys(t.text.split(":", 1)[0] for t in tokens if t.kind == "pname")
    lines = [f"BASE <{base}>"] if base else []
    lines += [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used if p in PREFIXES and p not in declared]
    return " ".join(lines + [text])


def remote_dataset(request: QueryRequest, served: tuple[str, ...], union: str = UNION_GRAPH
                   ) -> tuple[str, list[str], list[str]]:
    """(query text, default-graph-uri values, named-graph-uri values) to send, so that the
    store server's dataset is the one the embedded store would use.

    The dataset always travels as protocol parameters, as both servers tested misread it in
    the query: Oxigraph server with a union default graph ignores FROM, and Virtuoso adds a
    FROM to the protocol's graphs instead of letting the protocol's replace it. So FROM and
    FROM NAMED clauses are blanked out of the text (spaces: error positions stay true) and
    sent as parameters; without either, the named graphs are the ``served`` graphs
    (:data:`PUBLIC_GRAPHS`) and the default graph is their ``union`` (:data:`UNION_GRAPH`,
    one graph: the server does not merge), and a dataset with no named graph
    names :data:`NO_GRAPH`. A FROM the front cannot resolve is left to the server.

    >>> r = QueryRequest("PREFIX e: <http://e/> SELECT * FROM e:a FROM NAMED <http://e/b> { ?s ?p ?o }", None, None)
    >>> text, defaults, named = remote_dataset(r, ("http://e/g",))
    >>> (len(text) == len(r.text), " ".join(text.split()), defaults, named)
    (True, 'PREFIX e: <http://e/> SELECT * { ?s ?p ?o }', ['http://e/a'], ['http://e/b'])
    >>> remote_dataset(QueryRequest("ASK {}", None, None), ("http://e/g", "http://e/h"), "urn:e:union")
    ('ASK {}', ['urn:e:union'], ['http://e/g', 'http://e/h'])
    >>> remote_dataset(QueryRequest("ASK FROM <http://e/x> {}", None, None, default_graphs=("http://e/a",)), ())
    ('ASK                   {}', ['http://e/a'], ['urn:govgraph:no-graph'])
    """
    tokens = tokenize(request.text)
    clauses = _dataset_clauses(tokens, *prologue(tokens, request.base_iri, PREFIXES))
    text = request.text
    if clauses and (request.protocol_dataset or all(iri for _, iri, _ in clauses)):
        for start, _, end in clauses:
            text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    if request.protocol_dataset:
        defaults, named = list(request.default_graphs or ()), list(request.named_graphs or ())
    elif clauses:
        if text == request.text:
            return text, [], []
        defaults = [iri for start, iri, _ in clauses if not request.text[start:].upper().startswith("FROM NAMED")]
        named = [iri for start, iri, _ in clauses if request.text[start:].upper().startswith("FROM NAMED")]
    else:
        defaults, named = [union], list(served)
    if defaults and not named:
        named = [NO_GRAPH]
    elif named and not defaults:
        defaults = [NO_GRAPH]
    return text, defaults, named


def _dataset_clauses(tokens: list[Token], prefixes: dict[str, str], base: str | None) -> list[tuple]:
    """(start, graph IRI or None if unresolved, end) of each FROM / FROM NAMED clause."""
    clauses = []
    for i, t in enumerate(tokens):
        if t.kind != "word" or t.text.upper() != "FROM" or i + 1 >= len(tokens):
            continue
        j = i + 2 if tokens[i + 1].kind == "word" and tokens[i + 1].text.upper() == "NAMED" else i + 1
        if j >= len(tokens):
            continue
        graph, iri = tokens[j], None
        if graph.kind == "iri":
            iri = prologue([Token("word", "BASE"), graph], base)[1]
        elif graph.kind == "pname" and graph.text.split(":", 1)[0] in prefixes:
            prefix, _, local = graph.text.partition(":")
            iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        clauses.append((t.start, iri, graph.start + len(graph.text)))
    return clauses


def refused(request: QueryRequest, said: str) -> QuerySyntaxError:
    """The error for a query the store server refused (400): ours, as the embedded store
    words it, when our parser finds the fault; else the server's first line."""
    try:  # an empty store: only parses (a SELECT or CONSTRUCT is not even run)
        pyoxigraph.Store().query(request.text, base_iri=request.base_iri, prefixes=PREFIXES)
    except SyntaxError as err:
        return QuerySyntaxError(explain(request.text, str(err), PREFIXES, request.base_iri))
    except (ValueError, RuntimeError, OSError):
        pass
    first = said.strip().splitlines()[0] if said.strip() else "no reason given"
    return QuerySyntaxError(f"the store server refused the query: {first}")


#: Times a read-only query is sent, at most, while the server answers that it was a deadlock's
#: victim (:class:`Deadlocked`), within the query's deadline.
ATTEMPTS = 4


class Deadlocked(StoreUnavailableError):
    """The store server rolled the query back as a deadlock's victim or a serialization failure
    (SQLSTATE 40001; Virtuoso's ``SR172: Transaction deadlocked``): nothing was wrong with the
    query, which reads only, so it may be sent again (:func:`retried`)."""


def retried(send, deadline: float, on_retry=lambda err: None):
    """``send()``, sent again while it raises :class:`Deadlocked`, at most :data:`ATTEMPTS`
    times and not past ``deadline`` (``on_retry(error)`` before each new attempt); any other
    error, and the last deadlock, are raised as they are.

    >>> answers = iter([Deadlocked("SR172"), Deadlocked("SR172"), "whole answer"])
    >>> def send():
    ...     answer = next(answers)
    ...     if isinstance(answer, Exception):
    ...         raise answer
    ...     return answer
    >>> seen = []
    >>> retried(send, time.monotonic() + 60, seen.append), len(seen)
    ('whole answer', 2)
    >>> retried(send, time.monotonic() + 60)
    Traceback (most recent call last):
    StopIteration
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return send()
        except Deadlocked as err:
            if attempt == ATTEMPTS or time.monotonic() >= deadline:
                raise
            on_retry(err)


def server_error(status: int, said: str) -> GovGraphError:
    """A store server's error answer as ours, its first line only (Virtuoso goes on to echo
    the query it ran). Virtuoso's compiler errors (SQL state 37000) mean this query cannot
    run there, as valid as it is: 400, as for a query the embedded store cannot evaluate;
    anything else: the store is unavailable (503).

    >>> server_error(500, "Virtuoso 37000 Error SQ074: Line 33: \\n\\nSPARQL query:\\ndefine ...").status
    400
    >>> str(server_error(502, "Bad gateway\\n"))
    'the remote store answered 502: Bad gateway'
    >>> type(server_error(500, "Virtuoso 40001 Error SR172: Transaction deadlocked\\n")).__name__
    'Deadlocked'
    """
    first = said.strip().splitlines()[0].strip() if said.strip() else "no reason given"
    if re.match(r"Virtuoso 37000 Error ", first):
        return BadRequestError(f"the store server cannot run this query: {first}")
    if re.match(r"Virtuoso 40001 Error ", first):
        return Deadlocked(f"the remote store answered {status}: {first}")
    if status in (401, 403):
        return StoreUnavailableError(f"the remote store refused govgraph's query ({status}: {first}): set "
                                     f"GOVGRAPH_STORE_USER and GOVGRAPH_STORE_PASSWORD to a user it accepts")
    return StoreUnavailableError(f"the remote store answered {status}: {first}")


def _read(response: requests.Response, request: QueryRequest, deadline: float) -> bytes:
    """The remote's whole answer, read up to twice the cap and until the deadline.

    Per server: a refused query is 400 (:func:`refused`: our own wording where our parser
    finds the fault, else the server's first line; Virtuoso goes on to echo the query);
    Virtuoso's anytime queries answer 200 or 206 with
    part of the result and an ``X-SQL-State`` header: a deadline error, never an answer."""
    if response.status_code == 400:
        raise refused(request, next(response.iter_content(2000), b"").decode("utf-8", "replace"))
    if response.status_code == 206 or response.headers.get("X-SQL-State"):
        raise QueryTimeoutError(f"the remote store stopped the query at its own time limit and offered part of an "
                                f"answer ({response.headers.get('X-SQL-Message', 'anytime query')}), which is not "
                                f"passed on: {PAST_DEADLINE}", retry_after=5)
    if response.status_code != 200:
        raise server_error(response.status_code, next(response.iter_content(300), b"").decode("utf-8", "replace"))

    def copy(out) -> None:
        for chunk in response.iter_content(65536):
            if time.monotonic() > deadline:
                raise QueryTimeoutError(f"the remote store did not finish its answer before the deadline: "
                                        f"{PAST_DEADLINE}", retry_after=5)
            out.write(chunk)

    return bounded(copy, 2 * request.max_bytes, request.max_bytes)


def _reserialise(body: bytes, content_type: str, request: QueryRequest, star_order=None) -> QueryResult:
    """The remote's answer in the requested format; an answer that does not parse to its end
    (cut off, or not what it says it is) is an error, never part of an answer."""
    media_type = content_type.split(";")[0].strip()
    try:
        if media_type == "application/n-triples":
            return serialise_triples(_canonical_terms(body), request)
        answer = pyoxigraph.parse_query_results(_canonical_terms(body), format=pyoxigraph.QueryResultsFormat.JSON)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return serialise_boolean(answer, request)
        return serialise_solutions(in_query_order(answer, star_order), request)
    except SyntaxError as err:
        raise StoreUnavailableError(f"the remote store's answer ({media_type or 'no Content-Type'}) is not "
                                    f"valid to its end, so it is not passed on: {err}") from None


_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_XSD_BOOLEAN = b"http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEAN_JSON = re.compile(rb'("datatype"\s*:\s*"' + re.escape(_XSD_BOOLEAN) + rb'"\s*,\s*"value"\s*:\s*")([01])"')
_BOOLEAN_NT = re.compile(rb'"([01])"\^\^<' + re.escape(_XSD_BOOLEAN) + rb'>')


def _canonical_terms(body: bytes) -> bytes:
    """An answer (SPARQL JSON or N-Triples) with Virtuoso's ways of writing terms undone:
    blank node labels ``nodeID://b10000`` become ``b10000``, and booleans, which it stores
    as 1 and 0, are written ``true`` and ``false`` (the same values, in canonical form).

    >>> _canonical_terms(b'{"s": { "type": "bnode", "value": "nodeID://b1" }}')
    b'{"s": { "type": "bnode", "value": "b1" }}'
    >>> _canonical_terms(b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1" }')
    b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "true" }'
    >>> _canonical_terms(b'<a> <b> "0"^^<http://www.w3.org/2001/XMLSchema#boolean> .')
    b'<a> <b> "false"^^<http://www.w3.org/2001/XMLSchema#boolean> .'
    """
    if b"nodeID://" in body:
        body = _VIRTUOSO_BNODE.sub(rb"\1", body)
    if _XSD_BOOLEAN in body:
        word = {b"1": b"true", b"0": b"false"}
        body = _BOOLEAN_JSON.sub(lambda m: m[1] + word[m[2]] + b'"', body)
        body = _BOOLEAN_NT.sub(lambda m: b'"' + word[m[1]] + b'"^^<' + _XSD_BOOLEAN + b">", body)
    return body

