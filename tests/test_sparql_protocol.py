"""The SPARQL 1.1 Protocol matrix against the real server (``govgraph serve`` on loopback).

The expected numbers come from the release manifest (triples per named graph), so the
tests hold for any release.
"""

from __future__ import annotations

import gzip
import io
import json

import pytest
import requests
import rdflib

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
GGSVC = rdflib.Namespace("https://w3id.org/govgraph/def/service#")
JSON_RESULTS = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def endpoint(any_server) -> str:
    """The endpoint in each store mode (embedded, over Oxigraph server, over Virtuoso)."""
    return any_server + "/sparql"


@pytest.fixture(scope="module")
def graphs(release) -> dict[str, int]:
    """Named graph IRI -> triples, from the manifest (the non-empty ones)."""
    return {iri: n for iri, n in release.manifest["graphs"].items() if n}


def count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def error(response: requests.Response, status: int) -> dict:
    """The one JSON error shape, with the expected status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "status", "detail"} and body["status"] == status
    return body


# --- the three ways to send a query -------------------------------------------------------

def test_get_post_form_and_post_direct_give_the_same_answer(endpoint):
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    by_get = requests.get(endpoint, params={"query": query}, headers={"Accept": JSON_RESULTS})
    by_form = requests.post(endpoint, data={"query": query}, headers={"Accept": JSON_RESULTS})
    by_body = requests.post(endpoint, data=query.encode(), headers={
        "Content-Type": "application/sparql-query; charset=utf-8", "Accept": JSON_RESULTS})
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(JSON_RESULTS)
    assert by_get.json() == by_form.json() == by_body.json()
    assert by_get.json()["results"]["bindings"], "the release has named graphs"


def test_default_graph_is_the_union_of_the_named_graphs(endpoint, graphs):
    """An RDF merge in every store mode: a triple held by two graphs is one triple of the
    default graph (over a store server, the union graph govgraph publish writes)."""
    union = count(requests.get(endpoint, params={"query": COUNT}))
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    assert union == count(requests.get(endpoint, params={"query": distinct}))
    assert max(graphs.values()) <= union < sum(graphs.values())


def test_default_graph_uri_selects_the_default_graph_and_no_named_graphs(endpoint, graphs):
    iri, size = sorted(graphs.items())[0]
    assert count(requests.get(endpoint, params={"query": COUNT, "default-graph-uri": iri})) == size
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(requests.get(endpoint, params={"query": named, "default-graph-uri": iri})) == 0


def test_two_default_graph_uris_merge(endpoint, graphs):
    (a, _), (b, _) = sorted(graphs.items())[:2]
    both = count(requests.post(endpoint, data={"query": COUNT, "default-graph-uri": [a, b]}))
    assert max(graphs[a], graphs[b]) <= both <= graphs[a] + graphs[b]


def test_named_graph_uri_limits_graph_and_empties_the_default_graph(endpoint, graphs):
    iri, size = sorted(graphs.items())[-1]
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = requests.get(endpoint, params={"query": query, "named-graph-uri": iri})
    rows = response.json()["results"]["bindings"]
    assert [(r["g"]["value"], int(r["n"]["value"])) for r in rows] == [(iri, size)]
    assert count(requests.get(endpoint, params={"query": COUNT, "named-graph-uri": iri})) == 0


def test_from_in_the_query_is_honoured_and_the_protocol_overrides_it(endpoint, graphs):
    (a, size_a), (b, size_b) = sorted(graphs.items())[:2]
    query = f"SELECT (COUNT(*) AS ?n) FROM <{a}> WHERE {{ ?s ?p ?o }}"
    assert count(requests.get(endpoint, params={"query": query})) == size_a
    assert count(requests.get(endpoint, params={"query": query, "default-graph-uri": b})) == size_b


def test_invalid_graph_iri_is_400(endpoint):
    error(requests.get(endpoint, params={"query": COUNT, "default-graph-uri": "not an iri"}), 400)


# --- the W3C SPARQL 1.1 Protocol test suite's query cases that once failed ----------------
# (the manifest entries query_content_type_construct and bad_query_non_utf8, and HEAD on the
# bare endpoint, which must answer as the GET of the Service Description does)

RDF_GRAPH_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml"}


def test_w3c_query_content_type_construct(endpoint):
    """POST application/sparql-query ``CONSTRUCT { <s> <p> 1 } WHERE {}``: 200 in an RDF
    format; the relative IRIs resolve against the endpoint's IRI, as on Oxigraph server."""
    response = requests.post(endpoint, data=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                             headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200, response.text
    media_type = response.headers["Content-Type"].split(";")[0]
    assert media_type in RDF_GRAPH_TYPES
    graph = rdflib.Graph().parse(data=response.text, format={"text/turtle": "turtle", "application/rdf+xml": "xml",
                                                             "application/n-triples": "nt"}[media_type])
    base = endpoint.rsplit("/", 1)[0] + "/"
    assert set(graph) == {(rdflib.URIRef(base + "s"), rdflib.URIRef(base + "p"), rdflib.Literal(1))}


def test_w3c_bad_query_non_utf8(endpoint):
    """POST application/sparql-query; charset=UTF-16 with a UTF-16 body: 4XX (the protocol
    takes UTF-8 only); a body that is not UTF-8 at all is refused too."""
    response = requests.post(endpoint, data="ASK {}".encode("utf-16"),
                             headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert 400 <= response.status_code < 500
    assert "UTF-8" in error(response, 415)["detail"]
    for body in (b"ASK {} # \xff\xfe", b"ASK { ?s ?p '\xc0\xae' }", "ASK {}".encode("utf-16")):
        assert "UTF-8" in error(requests.post(endpoint, data=body, headers={
            "Content-Type": "application/sparql-query"}), 400)["detail"]
    form = requests.post(endpoint, data=b"query=ASK%20%7B%7D%20%23%FF",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "UTF-8" in error(form, 400)["detail"]
    assert "UTF-8" in error(requests.get(endpoint + "?query=ASK%20%7B%7D%20%23%C0%AE"), 400)["detail"]
    assert requests.post(endpoint, data="ASK { ?s ?p 'é' }".encode(), headers={
        "Content-Type": "application/sparql-query; charset=utf-8"}).status_code == 200
    assert requests.get(endpoint, params={"query": "ASK { FILTER('100%' != '%FF') }"}).json()["boolean"] is True


def test_a_form_declared_in_another_charset_is_refused_unless_it_is_plain_ascii(endpoint):
    """Form bodies are percent-encoded ASCII: one without escapes of non-ASCII bytes means the
    same in any charset it declares (old HTTP clients declare ISO-8859-1), so it is served."""
    latin1 = {"Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1", "Accept": JSON_RESULTS}
    assert requests.post(endpoint, data=b"query=ASK%20%7B%7D", headers=latin1).json()["boolean"] is True
    assert "UTF-8" in error(requests.post(endpoint, data=b"query=ASK%20%7B%20FILTER(%22%E9%22)%20%7D",
                                          headers=latin1), 415)["detail"]


def test_head_on_the_bare_endpoint_is_the_service_description_without_a_body(endpoint):
    got = requests.get(endpoint, headers={"Accept": "text/turtle"})
    head = requests.head(endpoint, headers={"Accept": "text/turtle"})
    assert head.status_code == got.status_code == 200
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.content == b"" and int(head.headers["Content-Length"]) == len(got.content)


def test_relative_iris_resolve_against_public_url_or_the_proxied_url(server_factory):
    construct = {"query": "CONSTRUCT { <s> <p> <o> } WHERE {}"}
    _, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_PUBLIC_URL": "https://graph.example.org/gg/"})
    answer = requests.get(url + "/sparql", params=construct, headers={"Accept": "application/n-triples"})
    assert answer.text.split()[:3] == ["<https://graph.example.org/gg/s>", "<https://graph.example.org/gg/p>",
                                       "<https://graph.example.org/gg/o>"]
    _, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_PROXY_HOPS": "1"})
    proxied = {"Accept": "application/n-triples", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example"}
    assert requests.get(url + "/sparql", params=construct, headers=proxied).text.startswith(
        "<https://proxy.example/s>")
    assert requests.get(url + "/sparql", params={"query": "BASE <http://e/> ASK { FILTER(<s> = <http://e/s>) }"}
                        ).json()["boolean"] is True  # the query's own BASE wins


# --- errors ---------------------------------------------------------------------------------

def test_malformed_query_is_400_with_line_and_column(endpoint):
    body = error(requests.get(endpoint, params={"query": "SELECT * WHERE {\n  ?s ?p \n}"}), 400)
    assert body["error"] == "malformed query"
    assert "line 3, column" in body["detail"]


@pytest.mark.parametrize("send", [
    lambda url: requests.post(url, data={"format": "json"}),
    lambda url: requests.post(url, data=b"", headers={"Content-Type": "application/sparql-query"}),
    lambda url: requests.get(url, params={"query": "  "}),
], ids=["form-without-query", "empty-body", "blank-query"])
def test_missing_query_is_400(endpoint, send):
    error(send(endpoint), 400)


def test_two_queries_are_400(endpoint):
    body = error(requests.get(endpoint, params={"query": ["ASK {}", "ASK {}"]}), 400)
    assert "2 queries" in body["detail"]
    error(requests.post(endpoint + "?query=ASK%20%7B%7D", data=b"ASK {}",
                        headers={"Content-Type": "application/sparql-query"}), 400)


@pytest.mark.parametrize("send", [
    lambda url: requests.get(url, params={"update": "CLEAR ALL"}),
    lambda url: requests.post(url, data={"update": "INSERT DATA { <a:a> <a:b> <a:c> }"}),
    lambda url: requests.post(url, data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
    lambda url: requests.get(url, params={"query": "PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }"}),
    lambda url: requests.post(url, data=b"DROP ALL", headers={"Content-Type": "application/sparql-query"}),
], ids=["get-update", "form-update", "direct-update", "update-as-get-query", "update-as-direct-query"])
def test_updates_are_403_read_only(endpoint, send):
    assert "this endpoint is read-only" in error(send(endpoint), 403)["detail"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(endpoint, method):
    response = requests.request(method, endpoint, data=b"ASK {}")
    error(response, 405)
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data; boundary=x"])
def test_unsupported_content_type_is_415(endpoint, content_type):
    error(requests.post(endpoint, data=b"ASK {}", headers={"Content-Type": content_type}), 415)


def test_body_over_the_cap_is_413(endpoint):
    padding = "#" + "x" * 1_100_000 + "\n"
    body = error(requests.post(endpoint, data=(padding + "ASK {}").encode(),
                               headers={"Content-Type": "application/sparql-query"}), 413)
    assert "1,000,000 bytes" in body["detail"] and "GOVGRAPH_MAX_BODY_BYTES" in body["detail"]


def test_get_over_the_request_line_limit_is_414_json_saying_post(endpoint):
    """SPARQLWrapper GETs by default: a long query gets a readable 414 that says to POST, and
    the limit is the one the Service Description states."""
    description = rdflib.Graph().parse(data=requests.get(endpoint, headers={"Accept": "text/turtle"}).text,
                                       format="turtle")
    limit = int(next(description.objects(None, GGSVC.maxRequestLineBytes)))
    query = "ASK {} #" + "x" * limit
    body = error(requests.get(endpoint, params={"query": query}), 414)
    assert "POST" in body["detail"] and str(limit) in body["detail"]
    assert requests.post(endpoint, data={"query": query}, headers={"Accept": JSON_RESULTS}).json()["boolean"] is True
    short = "ASK {} #" + "x" * (limit - 200)
    assert requests.get(endpoint, params={"query": short}).status_code == 200  # just under the limit: served


def test_too_many_headers_is_431_json(endpoint):
    headers = {f"X-Padding-{i}": "x" for i in range(150)}
    error(requests.get(endpoint, params={"query": "ASK {}"}, headers=headers), 431)


# --- content negotiation ------------------------------------------------------------------

SELECT_ONE = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
CONSTRUCT_ONE = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"


@pytest.mark.parametrize("query,accept,expected", [
    (SELECT_ONE, "*/*", JSON_RESULTS),
    (SELECT_ONE, None, JSON_RESULTS),
    (SELECT_ONE, "application/json", JSON_RESULTS),
    (SELECT_ONE, "text/*", "text/csv"),
    (SELECT_ONE, "text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT_ONE, "text/tab-separated-values;q=0.9, text/csv;q=0.2, */*;q=0.1", "text/tab-separated-values"),
    (SELECT_ONE, "text/html,application/xhtml+xml,*/*;q=0.8", JSON_RESULTS),
    ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
    (CONSTRUCT_ONE, "*/*", "text/turtle"),
    (CONSTRUCT_ONE, "application/n-triples", "application/n-triples"),
    (CONSTRUCT_ONE, "application/ld+json;q=1, text/turtle;q=0.5", "application/ld+json"),
    (CONSTRUCT_ONE, "application/trig", "application/trig"),
    (CONSTRUCT_ONE, "application/n-quads", "application/n-quads"),
    (CONSTRUCT_ONE, "application/rdf+xml", "application/rdf+xml"),
    ("DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1", "text/*", "text/turtle"),
    (SELECT_ONE, "application/sparql-results+json; charset=utf-8", JSON_RESULTS),  # parameters are ignored
    (CONSTRUCT_ONE, 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', "application/ld+json"),
])
def test_accept_negotiation(endpoint, query, accept, expected):
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        headers["Accept"] = ""
    response = requests.get(endpoint, params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("query,accept,offered", [
    (SELECT_ONE, "text/turtle", "application/sparql-results+json"), (SELECT_ONE, "image/png", "text/csv"),
    ("ASK {}", "text/turtle", "application/sparql-results+xml"),
    (CONSTRUCT_ONE, "application/sparql-results+json", "text/turtle"),
])
def test_nothing_acceptable_is_406_and_says_what_is_offered(endpoint, query, accept, offered):
    body = error(requests.get(endpoint, params={"query": query}, headers={"Accept": accept}), 406)
    assert offered in body["detail"]


@pytest.mark.parametrize("param,value,query,expected", [
    ("format", "csv", SELECT_ONE, "text/csv"),
    ("output", "tsv", SELECT_ONE, "text/tab-separated-values"),
    ("format", "application/sparql-results+xml", SELECT_ONE, "application/sparql-results+xml"),
    ("format", "json", CONSTRUCT_ONE, "application/ld+json"),
    ("format", "ntriples", CONSTRUCT_ONE, "application/n-triples"),
])
def test_format_parameter_overrides_accept(endpoint, param, value, query, expected):
    response = requests.get(endpoint, params={"query": query, param: value}, headers={"Accept": "image/png"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == expected


def test_unknown_or_mismatched_format_parameter(endpoint):
    error(requests.get(endpoint, params={"query": SELECT_ONE, "format": "nonsense"}), 400)
    error(requests.get(endpoint, params={"query": SELECT_ONE, "format": "turtle"}), 406)


def test_content_type_matches_the_body(endpoint):
    response = requests.get(endpoint, params={"query": SELECT_ONE, "format": "xml"})
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    assert response.text.startswith("<?xml")
    response = requests.get(endpoint, params={"query": CONSTRUCT_ONE}, headers={"Accept": "application/ld+json"})
    json.loads(response.text)


# --- whole answers --------------------------------------------------------------------------

@pytest.mark.parametrize("accept", [JSON_RESULTS, "application/sparql-results+xml", "text/csv"])
def test_the_whole_graph_comes_back_whole(endpoint, accept):
    """Under the default result-size cap, SELECT * over everything is answered in full (the
    largest answer the graph has, in the longest format, is about a tenth of the cap)."""
    total = count(requests.get(endpoint, params={"query": COUNT}))
    response = requests.post(endpoint, data={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": accept})
    assert response.status_code == 200, response.text[:300]
    rows = rdflib.query.Result.parse(io.BytesIO(response.content), content_type=accept.split(";")[0])
    assert len(rows) == total > 10_000
    assert not any(name.lower().startswith("x-govgraph") for name in response.headers)


# --- Service Description --------------------------------------------------------------------

@pytest.mark.parametrize("accept,rdflib_format", [
    ("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("*/*", "turtle"),
])
def test_service_description_by_negotiation(endpoint, graphs, accept, rdflib_format):
    response = requests.get(endpoint, headers={"Accept": accept})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format=rdflib_format)
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == rdflib.URIRef(endpoint)
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # empty allow-list
    assert len(set(graph.objects(service, SD.resultFormat))) == 10
    assert graph.value(service, rdflib.RDFS.seeAlso) == rdflib.URIRef(endpoint.replace("/sparql", "/.well-known/void"))
    limits = rdflib.Namespace("https://w3id.org/govgraph/def/service#")
    assert graph.value(service, limits.maxResultBytes).toPython() == 50_000_000
    assert graph.value(service, limits.queryTimeout).toPython() == 30
    assert graph.value(service, limits.queryTimeBudget).toPython() == 0  # this server's budget is off
    assert graph.value(service, limits.maxRows) is None and graph.value(service, limits.rateLimit) is None
    named = {graph.value(n, SD.name): graph.value(graph.value(n, SD.graph), VOID.triples).toPython()
             for n in graph.objects(graph.value(service, SD.defaultDataset), SD.namedGraph)}
    assert {str(k): v for k, v in named.items() if v} == graphs
    default = graph.value(graph.value(service, SD.defaultDataset), SD.defaultGraph)
    assert graph.value(default, VOID.triples).toPython() == count(requests.get(endpoint, params={"query": COUNT}))


@pytest.mark.parametrize("fmt,media_type", [("ttl", "text/turtle"), ("json", "application/ld+json"),
                                            ("xml", "application/rdf+xml"), ("nquads", "application/n-quads")])
def test_service_description_by_format_parameter(endpoint, fmt, media_type):
    response = requests.get(endpoint, params={"format": fmt}, headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_service_description_for_a_browser_is_a_page_of_the_same_triples(endpoint):
    response = requests.get(endpoint, headers={"Accept": "text/html,*/*;q=0.8"}, allow_redirects=False)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    turtle = rdflib.Graph().parse(data=requests.get(endpoint, headers={"Accept": "text/turtle"}).text, format="turtle")
    for size in turtle.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#triples")):
        assert f"{int(size):,}" in response.text  # every graph size the description states is on the page


# --- CORS -----------------------------------------------------------------------------------

def test_cors_preflight_and_simple_reads(endpoint):
    preflight = requests.options(endpoint, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "POST"} <= {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")}
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    custom = requests.options(endpoint, headers={  # what jQuery-era clients and caching clients add
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-requested-with, if-none-match"}).headers
    assert {"x-requested-with", "if-none-match"} <= {h.strip().lower() for h in custom["Access-Control-Allow-Headers"].split(",")}
    assert "Access-Control-Request-Headers" in custom["Vary"]
    read = requests.get(endpoint, params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in read.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"RateLimit", "RateLimit-Policy", "Retry-After", "ETag"} <= exposed


# --- conditional GET ---------------------------------------------------------------------

def _metric(server: str, name: str) -> float:
    text = requests.get(server + "/-/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_a_repeated_get_revalidates_with_304_without_running_the_query(server):
    """The embedded store's answers change only with a release (a store server's carry no
    validator: test_store_remote)."""
    endpoint = server + "/sparql"
    params, headers = {"query": SELECT_ONE}, {"Accept": JSON_RESULTS}
    first = requests.get(endpoint, params=params, headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "public, no-cache"
    ran, revalidated = _metric(server, "govgraph_queries_total"), _metric(server, "govgraph_query_revalidations_total")
    again = requests.get(endpoint, params=params, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    assert _metric(server, "govgraph_queries_total") == ran                     # the store ran nothing
    assert _metric(server, "govgraph_query_revalidations_total") == revalidated + 1
    other_format = requests.get(endpoint, params=params, headers={"Accept": "text/csv", "If-None-Match": etag})
    assert other_format.status_code == 200 and other_format.headers["ETag"] != etag  # another answer
    assert _metric(server, "govgraph_queries_total") == ran + 1


@pytest.mark.parametrize("query", ["SELECT (NOW() AS ?t) WHERE {}", "SELECT (rand() AS ?r) WHERE {}",
                                   "SELECT (STRUUID() AS ?u) WHERE {}"])
def test_volatile_queries_are_not_cached(endpoint, query):
    response = requests.get(endpoint, params={"query": query})
    assert response.status_code == 200
    assert "ETag" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_posted_queries_carry_no_validator(endpoint):
    response = requests.post(endpoint, data={"query": SELECT_ONE})
    assert response.status_code == 200 and "ETag" not in response.headers


# --- compression ---------------------------------------------------------------------------

def test_large_answers_are_gzipped_for_clients_that_accept_gzip(endpoint):
    params = {"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 2000"}
    plain = requests.get(endpoint, params=params, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = requests.get(endpoint, params=params, headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = packed.raw.read(decode_content=False)
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(raw) < len(plain.content) / 4
    assert json.loads(gzip.decompress(raw)) == plain.json()       # the same answer
    small = requests.get(endpoint, params={"query": "ASK {}"}, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers                 # a few bytes are not worth it


def test_every_service_term_of_the_description_is_defined_at_its_namespace(server, endpoint, store_mode):
    """ggsvc:maxResultBytes and the other limits dereference: /def/service defines each, in English
    and Spanish, and its page has an anchor per term (so the term IRI lands on it)."""
    description = rdflib.Graph().parse(data=requests.get(endpoint, headers={"Accept": "text/turtle"}).text,
                                       format="turtle")
    used = {p for p in description.predicates() if str(p).startswith(str(GGSVC))}
    # the six limits of the settings, and the query memory limit of the embedded store
    assert len(used) == (7 if store_mode == "embedded" else 6)
    vocabulary = rdflib.Graph().parse(
        data=requests.get(server + "/def/service", headers={"Accept": "text/turtle"}).text, format="turtle")
    page = requests.get(server + "/def/service", headers={"Accept": "text/html"}).text
    for term in used:
        languages = {label.language for label in vocabulary.objects(term, rdflib.RDFS.label)}
        assert languages == {"en", "es"}, term
        assert vocabulary.value(term, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#definition")), term
        assert f'id="{str(term).split("#")[1]}"' in page
