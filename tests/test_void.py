"""VoID + DCAT 3: the figures of /.well-known/void match the manifest and the release's own
counts, it negotiates formats, and it is the /graph/meta named graph of the store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, VOID, XSD

from govgraph.config import Settings
from govgraph.namespaces import GGDATASET, PREFIXES, SPDX
from govgraph.release import newest_release
from support import app_over_store

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DATASET = GGDATASET["govgraph"]
BASE = "https://w3id.org/govgraph/"
DUMPED = [BASE + "graph/ontology", BASE + "graph/data", BASE + "graph/inferred"]
FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
           "application/ld+json": "json-ld"}


@pytest.fixture(scope="module", params=["small", "real"])
def void_release(request):
    """The newest small publishing release, then the real release built from this checkout."""
    if request.param == "small":
        return newest_release(request.getfixturevalue("publish_data_dir") / "releases")
    return request.getfixturevalue("release")


@pytest.fixture(scope="module")
def store(void_release):
    return ox.Store.read_only(str(void_release.store_path))


@pytest.fixture(scope="module")
def client(void_release):
    settings = Settings.from_env({}, data_dir=void_release.path.parent.parent, rate_limit=0, workers=1)
    app, served = app_over_store(settings, void_release)
    yield app.test_client()
    served.close()


@pytest.fixture(scope="module")
def void(client) -> rdflib.Graph:
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=r.data, format="turtle")


def count(store: ox.Store, select: str) -> int:
    """A COUNT over the dumped graphs only (the meta graph describes them, it is not in them)."""
    froms = " ".join(f"FROM <{g}>" for g in DUMPED)
    rows = list(store.query(f"SELECT ({select} AS ?n) {froms} WHERE {{ ?s ?p ?o }}"))
    return int(rows[0]["n"].value)


def test_served_void_is_the_meta_graph_and_void_ttl(void, store, void_release):
    meta = rdflib.Graph().parse(data=ox.serialize(
        [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "graph/meta"))],
        format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(void, meta)
    assert isomorphic(void, rdflib.Graph().parse(void_release.path / "void.ttl", format="turtle"))


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_void_negotiates_every_graph_format(client, void, media_type, rapper_count):
    r = client.get("/.well-known/void", headers={"Accept": media_type})
    assert r.headers["Content-Type"].split(";")[0] == media_type and "Accept" in r.headers["Vary"]
    assert isomorphic(rdflib.Graph().parse(data=r.data, format=FORMATS[media_type]), void)
    assert len(list(ox.parse(r.data, format=ox.RdfFormat.from_media_type(media_type)))) == len(void)
    if media_type in ("text/turtle", "application/n-triples"):
        assert rapper_count(r.data, "turtle" if media_type == "text/turtle" else "ntriples") == len(void)


def test_dataset_header(void, store):
    assert {(DATASET, RDF.type, VOID.Dataset), (DATASET, RDF.type, DCAT.Dataset)} <= set(void)
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in void.objects(DATASET, prop)} == {"en", "es"}
    registered = {rdflib.URIRef(q.subject.value) for q in store.quads_for_pattern(  # the source registry
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(PREFIXES["gg"] + "Source"), None)}
    assert set(void.objects(DATASET, DCTERMS.source)) == registered
    ontology = ox.NamedNode(BASE + "def")
    for prop in (DCTERMS.license, DCTERMS.creator):  # copied from the ontology header, never invented
        stated = {q.object.value for q in store.quads_for_pattern(ontology, ox.NamedNode(str(prop)), None,
                                                                  ox.NamedNode(BASE + "graph/ontology"))}
        assert stated and {str(o) for o in void.objects(DATASET, prop)} == stated
    assert str(void.value(DATASET, VOID.uriSpace)) == BASE + "id/"
    assert void.value(DATASET, VOID.sparqlEndpoint) == rdflib.URIRef(BASE + "sparql")
    assert void.value(DATASET, DCTERMS.modified).datatype == XSD.dateTime
    assert void.value(DATASET, DCTERMS.issued).datatype in (XSD.date, XSD.dateTime)  # the first release: stable


def test_figures_match_the_manifest(void, void_release):
    m = void_release.manifest
    assert int(void.value(DATASET, VOID.triples)) == m["union_triples"]
    assert str(void.value(DATASET, OWL.versionInfo)) == m["version"] == str(void.value(DATASET, DCAT.version))
    assert void.value(DATASET, DCTERMS.modified).toPython().isoformat() == m["created"].replace("Z", "+00:00")
    assert str(void.value(DATASET, DCTERMS.issued)) <= m["created"]
    subsets = {str(void.value(s, rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name"))):
               int(void.value(s, VOID.triples)) for s in void.objects(DATASET, VOID.subset)
               if (s, RDF.type, VOID.Linkset) not in void}
    assert subsets == {g: n for g, n in m["graphs"].items() if g != BASE + "graph/meta"}
    dumps = {name: info for name, info in m["files"].items() if name.startswith("govgraph.")}
    distributions = list(void.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(dumps) == len(set(void.objects(DATASET, VOID.dataDump)))
    for dist in distributions:
        url = str(void.value(dist, DCAT.downloadURL))
        assert url == f"{BASE}dumps/{m['release']}/{url.rsplit('/', 1)[1]}"
        info = dumps[url.rsplit("/", 1)[1]]
        assert int(void.value(dist, DCAT.byteSize)) == info["bytes"]
        assert str(void.value(dist, DCAT.mediaType)).endswith("/" + info["media_type"])
        assert (void.value(dist, DCAT.compressFormat) is not None) == (info["encoding"] == "gzip")
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == info["sha256"]
        assert int(void.value(dist, VOID.triples)) == info["triples"]


def test_counts_and_partitions_match_the_release(void, store):
    assert int(void.value(DATASET, VOID.properties)) == count(store, "COUNT(DISTINCT ?p)")
    entities = count(store, f'COUNT(DISTINCT ?s)')  # every subject; our /id/ ones below
    assert int(void.value(DATASET, VOID.entities)) <= entities
    froms = " ".join(f"FROM <{g}>" for g in DUMPED)
    rows = store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) {froms} WHERE {{ ?s ?p ?o "
                       f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), '{BASE}id/')) }}")
    assert int(void.value(DATASET, VOID.entities)) == int(next(iter(rows))["n"].value)
    classes = {str(r["c"].value): int(r["n"].value) for r in store.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) {froms} WHERE {{ ?s a ?c FILTER(isIRI(?c)) }} GROUP BY ?c")}
    partitions = {str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
                  for p in void.objects(DATASET, VOID.classPartition)}
    assert partitions == classes and int(void.value(DATASET, VOID.classes)) == len(classes)
    properties = {str(r["p"].value): int(r["n"].value) for r in store.query(
        f"SELECT ?p (COUNT(*) AS ?n) {froms} WHERE {{ ?s ?p ?o }} GROUP BY ?p")}
    partitions = {str(void.value(p, VOID.property)): int(void.value(p, VOID.triples))
                  for p in void.objects(DATASET, VOID.propertyPartition)}
    assert partitions == properties


def test_vocabularies_and_examples(void, client):
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    assert {BASE + "def#", "http://www.w3.org/ns/oa#", "http://www.w3.org/2002/07/owl#"} <= vocabularies
    examples = list(void.objects(DATASET, VOID.exampleResource))
    assert len(examples) >= 3
    for example in examples:
        assert client.get("/id/" + str(example)[len(BASE + "id/"):]).status_code == 303


def test_void_unknown_type_is_406(client):
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def test_a_browser_gets_a_dataset_page_made_from_the_same_triples(client, void, void_release):
    """HTML only when ranked above Turtle (a browser); its figures are the VoID's."""
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get("/.well-known/void", headers={"Accept": browser})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert {"Accept", "Accept-Language"} <= set(page.headers["Vary"].replace(" ", "").split(","))
    html = page.data.decode()
    for term in (VOID.triples, VOID.entities, VOID.classes, VOID.properties):
        assert f"<dd>{int(void.value(DATASET, term)):,}</dd>" in html, term
    for name in ("govgraph.ttl", "govgraph.nq.gz"):
        assert f'href="/dumps/{void_release.id}/{name}"' in html
    spanish = client.get("/.well-known/void", headers={"Accept": browser, "Accept-Language": "es"}).data.decode()
    assert "la gobernanza migratoria" in spanish and 'lang="es"' in spanish
    assert client.get("/.well-known/void", headers={"Accept": "*/*"}).headers["Content-Type"].startswith("text/turtle")


def test_class_partitions_match_direct_counts_on_the_served_store(server):
    """Through the real endpoint: each void:classPartition's void:entities is what
    ``COUNT(DISTINCT ?x)`` with ``?x a C`` gives over the described graphs (the meta graph
    describes them and is not in them), inferred types included: gg:QualifiedRelation
    counts every relation, not the few typed with it directly; void:entities likewise."""
    void = rdflib.Graph().parse(data=requests.get(server + "/.well-known/void").text, format="turtle")
    froms = " ".join(f"FROM <{g}>" for g in DUMPED)

    def select(query: str) -> list[dict]:
        r = requests.post(server + "/sparql", data=query.encode(), timeout=60, headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.text
        return r.json()["results"]["bindings"]

    counts = {r["c"]["value"]: int(r["n"]["value"]) for r in select(
        f"SELECT ?c (COUNT(DISTINCT ?x) AS ?n) {froms} WHERE {{ ?x a ?c FILTER(isIRI(?c)) }} GROUP BY ?c")}
    partitions = {str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
                  for p in void.objects(DATASET, VOID.classPartition)}
    assert partitions == counts
    direct = int(select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) FROM <{DUMPED[0]}> FROM <{DUMPED[1]}> "
                        f"WHERE {{ ?x a <{BASE}def#QualifiedRelation> }}")[0]["n"]["value"])
    assert partitions[BASE + "def#QualifiedRelation"] > direct
    entities = select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) {froms} WHERE {{ ?s ?p ?o "
                      f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), '{BASE}id/')) }}")
    assert int(void.value(DATASET, VOID.entities)) == int(entities[0]["n"]["value"])
