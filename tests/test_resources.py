"""Dereferenceable IRIs on a small complete release: 303s, negotiation, suffixes, the exact
description of every subject, the HTML page (labels, links, quotes), 404s and /def."""

from __future__ import annotations

import io
import json
import re
import socket

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from govgraph.config import Settings
from govgraph.release import newest_release
from support import app_over_store

BASE = "https://w3id.org/govgraph/"
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld",
             "application/n-triples": "nt", "application/rdf+xml": "xml"}
OX_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
            "application/n-triples": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML}
QUOTE = "as of 31 December 2021, the US, the EU and Germany were the IOM’s top donors"


@pytest.fixture(scope="module")
def store(publish_data_dir):
    st = ox.Store.read_only(str(newest_release(publish_data_dir / "releases").store_path))
    yield st


@pytest.fixture(scope="module")
def client(publish_data_dir):
    app, store = app_over_store(Settings.from_env({}, data_dir=publish_data_dir, rate_limit=0, workers=2))
    yield app.test_client()
    store.close()


def expected_about(store: ox.Store, iri: str) -> rdflib.Graph:
    """The triples about ``iri``, computed independently of the server: outgoing triples with
    two levels of blank-node objects (an annotation's target and selector), incoming triples
    with one level of blank-node subjects (the node holding a target)."""
    q = f"""CONSTRUCT {{ <{iri}> ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 . ?s ?q <{iri}> . ?s2 ?q2 ?s }}
    WHERE {{ {{ <{iri}> ?p ?o OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2
                OPTIONAL {{ FILTER(isBlank(?o2)) ?o2 ?p3 ?o3 }} }} }}
            UNION {{ ?s ?q <{iri}> OPTIONAL {{ FILTER(isBlank(?s)) ?s2 ?q2 ?s }} }} }}"""
    triples = store.query(q)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def same_graph(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Graph isomorphism, blank nodes included. Each blank node is first named by the path
    that reaches it from a named node (the subject and property pointing at it, recursively,
    or else its own outgoing triples); if those names are unique in both graphs, equal
    renamed triple sets prove isomorphism in milliseconds. Otherwise rdflib decides (slow on
    hundreds of look-alike blank nodes, such as the essay's annotation targets)."""
    named_a, named_b = _name_blank_nodes(a), _name_blank_nodes(b)
    if named_a is None or named_b is None:
        return isomorphic(a, b)
    return named_a == named_b


def _name_blank_nodes(g: rdflib.Graph) -> set | None:
    names: dict = {}

    def name(node, depth=0):
        if not isinstance(node, rdflib.BNode):
            return node
        if node not in names:
            if depth > 8:
                return None
            incoming = sorted((str(name(s, depth + 1)), str(p)) for s, p in g.subject_predicates(node))
            label = incoming or sorted((str(p), str(name(o, depth + 1))) for p, o in g.predicate_objects(node))
            names[node] = rdflib.URIRef("urn:bnode:" + repr(label))
        return names[node]

    renamed = {(name(s), p, name(o)) for s, p, o in g}
    blank = [n for n in g.all_nodes() if isinstance(n, rdflib.BNode)]
    if len({names.get(n) for n in blank}) != len(blank) or any(names.get(n) is None for n in blank):
        return None
    return renamed


def subjects(store: ox.Store) -> list[str]:
    rows = store.query("SELECT DISTINCT ?s { ?s ?p ?o FILTER(isIRI(?s)) }")
    return sorted(row["s"].value for row in rows)


def doc_path(iri: str) -> str:
    return "/doc/" + iri[len(BASE + "id/"):]


def test_id_answers_303_to_doc_keeping_the_format(client):
    r = client.get("/id/state/USA")
    assert r.status_code == 303 and r.headers["Location"].endswith("/doc/state/USA")
    assert client.get("/id/state/USA?format=ttl").headers["Location"].endswith("/doc/state/USA?format=ttl")
    assert client.get("/id/state/USA.ttl").headers["Location"].endswith("/doc/state/USA.ttl")
    followed = client.get("/id/state/USA", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert followed.status_code == 200 and followed.headers["Content-Type"].startswith("text/turtle")


def test_every_subject_of_our_space_is_described_exactly(client, store):
    walked = 0
    for iri in subjects(store):
        if not iri.startswith(BASE + "id/"):
            continue
        r = client.get(doc_path(iri), headers={"Accept": "text/turtle"})
        assert r.status_code == 200, iri
        got = rdflib.Graph().parse(data=r.data.decode("utf-8"), format="turtle")
        assert same_graph(got, expected_about(store, iri)), iri
        walked += 1
    assert walked >= 10


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_each_machine_format_parses_in_rdflib_and_pyoxigraph(client, store, media_type, rapper_count):
    iri = BASE + "id/annotation/l18-iom-top-donors"
    r = client.get(doc_path(iri), headers={"Accept": media_type})
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in r.headers["Vary"]
    expected = expected_about(store, iri)
    got = rdflib.Graph().parse(data=r.data, format=RDF_TYPES[media_type])
    assert isomorphic(got, expected)
    assert len(list(ox.parse(io.BytesIO(r.data), format=OX_TYPES[media_type]))) == len(expected)
    if media_type in ("text/turtle", "application/n-triples"):
        assert rapper_count(r.data, "turtle" if media_type == "text/turtle" else "ntriples") == len(expected)
    suffix = {"text/turtle": "ttl", "application/ld+json": "jsonld",
              "application/n-triples": "nt", "application/rdf+xml": "rdf"}[media_type]
    by_suffix = client.get(f"{doc_path(iri)}.{suffix}")
    assert by_suffix.headers["Content-Type"] == r.headers["Content-Type"] and by_suffix.data == r.data


def test_link_header_lists_the_alternates(client):
    link = client.get("/doc/state/USA", headers={"Accept": "text/html"}).headers["Link"]
    for path, media_type in [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                             ("nt", "application/n-triples"), ("rdf", "application/rdf+xml")]:
        assert f'</doc/state/USA.{path}>; rel="alternate"; type="{media_type}"' in link


def test_browsers_get_html_and_unknown_types_get_406(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/doc/state/USA", headers={"Accept": browser})
    assert r.headers["Content-Type"].startswith("text/html")
    r = client.get("/doc/state/USA", headers={"Accept": "image/png"})
    assert r.status_code == 406 and set(r.json) == {"error", "status", "detail"}


@pytest.mark.parametrize("language,title", [("es", "Estados Unidos de América"),
                                            ("en", "United States of America"),
                                            ("fr", "United States of America"),
                                            ("es-EC,es;q=0.9,en;q=0.5", "Estados Unidos de América")])
def test_html_labels_follow_accept_language(client, language, title):
    html = client.get("/doc/state/USA", headers={"Accept": "text/html", "Accept-Language": language}).data.decode()
    assert re.search(r"<h1>\s*" + re.escape(title) + r"\s*</h1>", html)
    # the page's own words are in the language its <article lang> declares
    spanish = title.startswith("Estados")
    assert ('<article class="resource" lang="es">' in html) == spanish
    assert ("Afirmaciones que apuntan aquí" in html) == spanish
    assert ("Statements that point here" in html) == (not spanish)


def test_html_links_every_statement_and_shows_the_quote(client, store):
    html = client.get("/doc/state/USA", headers={"Accept": "text/html"}).data.decode()
    assert 'href="/id/org/iom"' in html                      # outgoing (inferred gg:funds)
    assert 'href="/id/relation/funding-usa-iom"' in html      # incoming (gg:funder)
    assert QUOTE in html and "sentence 33" in html            # the quote behind that relation, and where
    html = client.get("/doc/relation/funding-usa-iom", headers={"Accept": "text/html"}).data.decode()
    assert QUOTE in html and 'href="/id/annotation/l18-iom-top-donors"' in html
    found = {href for href in re.findall(r'href="(/id/[^"#]+)"', html)}
    about = expected_about(store, BASE + "id/relation/funding-usa-iom")
    linked = {"/" + str(t)[len(BASE):] for triple in about for t in triple
              if isinstance(t, rdflib.URIRef) and str(t).startswith(BASE + "id/")}
    assert linked - {"/id/relation/funding-usa-iom"} <= found  # every other IRI is a link


def test_unknown_iris_get_a_helpful_404(client):
    r = client.get("/id/state/XYZ", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    html = r.data.decode()
    assert "https://w3id.org/govgraph/id/state/XYZ" in html and 'href="/id/state/USA"' in html
    r = client.get("/doc/state/XYZ", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.json["status"] == 404


@pytest.mark.parametrize("name,fmt", [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"),
                                      ("rdf", "xml"), ("trig", "trig"), ("nq", "nquads")])
def test_def_serves_the_ontology_graph_in_every_rdf_format(client, store, name, fmt, rapper_count):
    expected = rdflib.Graph().parse(data=ox.serialize(
        [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "graph/ontology"))],
        format=ox.RdfFormat.N_TRIPLES), format="nt")
    r = client.get(f"/def.{name}")
    assert r.status_code == 200
    if fmt in ("trig", "nquads"):
        ds = rdflib.Dataset().parse(data=r.data, format=fmt)
        got = ds.graph(rdflib.URIRef(BASE + "graph/ontology"))
    else:
        got = rdflib.Graph().parse(data=r.data, format=fmt)
    assert isomorphic(got, expected)
    media_type = r.headers["Content-Type"].split(";")[0]
    assert len(list(ox.parse(io.BytesIO(r.data), format=ox.RdfFormat.from_media_type(media_type)))) == len(expected)
    if name in ("ttl", "nt"):
        assert rapper_count(r.data, "turtle" if name == "ttl" else "ntriples") == len(expected)
    negotiated = client.get("/def", headers={"Accept": media_type})
    assert negotiated.data == r.data and "Accept" in negotiated.headers["Vary"]


def test_def_html_has_an_anchor_for_every_term_and_fetches_nothing(client, store, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"pyLODE tried to open a connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    html = client.get("/def", headers={"Accept": "text/html"}).data.decode()
    terms = {q.subject.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "graph/ontology"))
             if q.subject.value.startswith(BASE + "def#")}
    assert len(terms) >= 5
    ids = re.findall(r'\bid="([^"]+)"', html)
    for term in terms:
        assert term.split("#")[1] in ids, term
    assert len(ids) == len(set(ids))
    spanish = client.get("/def", headers={"Accept": "text/html", "Accept-Language": "es"}).data.decode()
    assert "Financiación" in spanish and 'lang="es"' in spanish


def test_doc_json_error_shape_for_json_clients(client):
    r = client.get("/doc/state/USA", headers={"Accept": "application/json"})
    assert r.status_code == 406
    assert json.loads(r.data)["error"] == "not acceptable"


def walk_all_subjects(url: str, store: ox.Store) -> dict:
    """Dereference every subject IRI of the release on a real server over one keep-alive
    session: /id/ IRIs by 303 to HTML and to Turtle equal to the triples about them, /def#
    terms by their anchor in the ontology page. Returns what was walked, by kind."""
    walked = {"id": 0, "def": 0, "elsewhere": []}
    with requests.Session() as session:
        ontology_ids = set(re.findall(r'\bid="([^"]+)"', session.get(
            url + "/def", headers={"Accept": "text/html"}, timeout=120).text))
        for iri in subjects(store):
            if iri.startswith(BASE + "id/"):
                path = "/id/" + iri[len(BASE + "id/"):]
                html = session.get(url + path, headers={"Accept": "text/html"}, timeout=30)
                assert html.status_code == 200 and html.history[0].status_code == 303, iri
                assert html.headers["Content-Type"].startswith("text/html"), iri
                ttl = session.get(url + path, headers={"Accept": "text/turtle"}, timeout=30)
                assert ttl.headers["Content-Type"].startswith("text/turtle"), iri
                got = rdflib.Graph().parse(data=ttl.content, format="turtle")
                assert same_graph(got, expected_about(store, iri)), iri
                walked["id"] += 1
            elif iri.startswith(BASE + "def#"):
                assert iri.split("#", 1)[1] in ontology_ids, iri
                walked["def"] += 1
            else:
                walked["elsewhere"].append(iri)
    return walked


def test_every_subject_dereferences_on_the_real_server_small(publish_server, store):
    walked = walk_all_subjects(publish_server, store)
    assert walked["id"] >= 10 and walked["def"] >= 5
    assert walked["elsewhere"] == [BASE + "def"]  # the ontology IRI itself is /def


def test_every_subject_of_the_real_release_dereferences(server, release):
    real_store = ox.Store.read_only(str(release.store_path))
    walked = walk_all_subjects(server, real_store)
    assert walked["id"] > 100 and walked["def"] > 20
    outside = [i for i in walked["elsewhere"] if i.startswith(BASE) and i != BASE + "def"]
    assert outside == [], outside[:10]


def test_same_graph_sees_blank_node_differences():
    doc = """@prefix oa: <http://www.w3.org/ns/oa#> .
    <urn:a1> oa:hasTarget [ oa:hasSource <urn:essay> ; oa:hasSelector [ oa:exact "%s" ] ] .
    <urn:a2> oa:hasTarget [ oa:hasSource <urn:essay> ; oa:hasSelector [ oa:exact "y" ] ] ."""
    one, two = (rdflib.Graph().parse(data=doc % "x", format="turtle") for _ in range(2))
    assert same_graph(one, two)
    assert not same_graph(one, rdflib.Graph().parse(data=doc % "z", format="turtle"))
    assert same_graph(one, two) == isomorphic(one, two)


def test_def_version_iri_serves_the_served_ontology_of_that_version(client, publish_data_dir):
    from govgraph.release import list_releases

    older, served = list_releases(publish_data_dir / "releases")[-2:]
    for release in [served]:
        st = ox.Store.read_only(str(release.store_path))
        expected = rdflib.Graph().parse(data=ox.serialize(
            [q.triple for q in st.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "graph/ontology"))],
            format=ox.RdfFormat.N_TRIPLES), format="nt")
        r = client.get(f"/def/{release.version}", headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.headers["Content-Location"] == f"/def/{release.version}.ttl"
        assert isomorphic(rdflib.Graph().parse(data=r.data, format="turtle"), expected)
        assert client.get(f"/def/{release.version}.ttl").data == r.data
    assert client.get("/def/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404
    if older.version != served.version:  # an older version is in the dumps, not served
        assert client.get(f"/def/{older.version}", headers={"Accept": "text/turtle"}).status_code == 404


def test_the_fixture_quote_is_the_essay_s_words_in_its_sentence(essay_text):
    from govgraph.builder.locate import locate

    assert essay_text.count(QUOTE) == 1
    assert locate(essay_text, QUOTE).sentences == (33,)



IMPLIED = """SELECT DISTINCT ?s ?p ?o WHERE {
  { BIND(?this AS ?s) ?s ?p ?o } UNION { BIND(?this AS ?o) ?s ?p ?o }
  ?s ?q ?o . ?q <http://www.w3.org/2000/01/rdf-schema#subPropertyOf>+ ?p FILTER(?q != ?p) }"""


@pytest.mark.parametrize("key", ["state/USA", "org/iom", "relation/funding-usa-iom"])
def test_html_leaves_out_statements_implied_by_more_specific_ones(server, release, key):
    """The reasoner's super-property edges (dcterms:relation beside gg:partnerOf, prov:influencer
    beside gg:funder) are counted on the page, not listed; the count is computed here with SPARQL."""
    html = requests.get(f"{server}/doc/{key}", headers={"Accept": "text/html"}).text
    turtle = rdflib.Graph().parse(data=requests.get(f"{server}/doc/{key}.ttl").text, format="turtle")
    store = ox.Store.read_only(str(release.store_path))
    this = ox.NamedNode(BASE + "id/" + key)
    query = IMPLIED.replace("?this", str(this))
    expected = {(r["s"], r["p"], r["o"]) for r in store.query(query)}
    assert expected, f"the release has no implied statement about {key} to leave out"
    match = re.search(r"(\d+) of them are not listed", html)
    assert match and int(match.group(1)) == len(expected)
    assert 'href="http://purl.org/dc/terms/relation"' not in html
    assert (None, rdflib.URIRef("http://purl.org/dc/terms/relation"), None) in turtle  # the RDF keeps them


@pytest.mark.parametrize("name", ["ontology", "data", "inferred", "meta"])
def test_named_graph_iris_dereference(server, release, name):
    """/graph/{name}: the graph's triples (as many as the manifest says), TriG keeping its
    name, and a page for browsers."""
    iri = BASE + "graph/" + name
    expected = release.manifest["graphs"][iri]
    turtle = requests.get(f"{server}/graph/{name}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "Accept" in turtle.headers["Vary"]
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == expected
    trig = rdflib.Dataset().parse(data=requests.get(f"{server}/graph/{name}.trig").text, format="trig")
    assert {str(g.identifier) for g in trig.graphs() if len(g)} == {iri}
    assert len(trig.graph(rdflib.URIRef(iri))) == expected
    page = requests.get(f"{server}/graph/{name}", headers={"Accept": "text/html"}).text
    assert f"<dd>{expected}</dd>" in page and iri in page


def test_unknown_named_graph_is_404(server):
    response = requests.get(f"{server}/graph/nope", headers={"Accept": "text/turtle"})
    assert response.status_code == 404 and "/graph/data" in response.json()["detail"]


def test_browse_lists_every_thing_by_type(server, release):
    """/id/ counts the things of each type; /id/{type}/ lists them all, labelled in the
    reader's language, each linking to its IRI. The counts come from SPARQL on the release."""
    store = ox.Store.read_only(str(release.store_path))
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{BASE}id/')) }}")
    kinds: dict[str, int] = {}
    for row in rows:
        kind = row["s"].value[len(BASE + "id/"):].split("/")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    index = requests.get(f"{server}/id/").text
    listed = dict(re.findall(r'<a href="/id/([\w-]+)/">[^<]+</a> <code class="muted">/id/[\w-]+/</code></td>'
                             r'<td class="count">(\d+)</td>', index))
    assert {kind: int(n) for kind, n in listed.items()} == kinds
    states = requests.get(f"{server}/id/state/", headers={"Accept-Language": "es"}).text
    assert len(re.findall(r'<li data-text="[^"]*"><a href="/id/state/[A-Z]{3}">', states)) == kinds["state"] == 20
    assert '<a href="/id/state/MEX">México</a>' in states
    assert requests.get(f"{server}/id/nope/").status_code == 404
    assert requests.get(f"{server}/id/state/", headers={"Accept": "text/turtle"}).status_code == 406  # HTML only


@pytest.mark.parametrize("key", ["state/USA", "relation/funding-usa-iom"])
def test_html_shows_asserted_types_first_and_inferred_ones_compactly(server, release, key):
    """The asserted types follow the title; the superclasses from /graph/inferred (counted
    here with SPARQL) follow on one line and stay out of the statements table."""
    html = requests.get(f"{server}/doc/{key}", headers={"Accept": "text/html"}).text
    store = ox.Store.read_only(str(release.store_path))
    this = ox.NamedNode(BASE + "id/" + key)
    graph = ox.NamedNode(BASE + "graph/inferred")
    inferred = {q.object.value for q in store.quads_for_pattern(this, ox.NamedNode(str(rdflib.RDF.type)), None, graph)}
    asserted = {q.object.value for q in store.quads_for_pattern(this, ox.NamedNode(str(rdflib.RDF.type)), None)
                if q.graph_name not in (graph, ox.DefaultGraph())}  # the default graph holds the union
    assert inferred and asserted
    types = re.search(r'<p class="types">(.*?)</p>', html, re.S).group(1)
    head, _, tail = types.partition('<span class="inferred-types">')
    assert {h for h in re.findall(r'title="([^"]+)"', head)} == asserted
    assert {h for h in re.findall(r'title="([^"]+)"', tail)} == inferred
    table = html.split('<table class="statements">', 1)[1].split("</table>", 1)[0]
    assert not any(f'title="{c}"' in table for c in inferred)
    assert re.search(rf"{len(inferred)} of them are the types after the title", html)
