"""Catalogue-grade DCAT and the VoID linksets of a release, derived from the data.

Added to the VoID/DCAT description (:func:`govgraph.builder.describe.describe_release`):

* the dataset's catalogue record as ``data/catalogue.ttl`` states it (publisher, contact
  point, keywords, spatial coverage, languages and ``dcterms:issued``, the first release,
  which stays put while ``dcterms:modified`` moves with each release);
* its temporal coverage, computed from the dated statements (years, dates, periods);
* a ``dcat:DataService`` for the SPARQL endpoint, and a licence on each distribution (the
  ontology header's), each source's licence stated on the source (the registry);
* one ``void:Linkset`` per registered target dataset (a ``gg:Source`` with a
  ``void:uriSpace``) that the data links to with ``skos:exactMatch`` or ``owl:sameAs``:
  its link predicate, its count and the registered sources the links come from.

>>> from rdflib import Graph, Literal, URIRef
>>> t = [(URIRef("https://w3id.org/govgraph/id/state/MEX"), SKOS.exactMatch, URIRef("http://sws.geonames.org/1/")),
...      (URIRef("https://w3id.org/govgraph/id/dataset/geonames"), VOID.uriSpace, Literal("http://sws.geonames.org/"))]
>>> out = Graph(); describe_catalogue(out, {}, None, t)
>>> [int(n) for n in out.objects(None, VOID.triples)]
[1]
"""

from __future__ import annotations

import re
from collections import Counter

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, VOID, XSD

from govgraph.namespaces import BASE, GGDATASET, ONTOLOGY_IRI, PREFIXES

DATASET = GGDATASET["govgraph"]
DCAT = PREFIXES["dcat"]
LINK_PREDICATES = (SKOS.exactMatch, OWL.sameAs)
#: The properties whose values date what the data states (its temporal coverage).
DATED = tuple(URIRef(PREFIXES["gg"] + p) for p in ("year", "startYear", "endYear", "date", "asOf",
                                                    "periodStart", "periodEnd"))


def describe_catalogue(out: Graph, manifest: dict, settings, triples: list) -> None:
    """Add the catalogue record, coverage, data service, licences and linksets to ``out``."""
    base = BASE
    _copy_record(out, triples)
    _temporal(out, triples)
    _data_service(out, base, triples)
    _licences(out, triples)
    _linksets(out, triples)


def _copy_record(out: Graph, triples: list) -> None:
    """The catalogue record's triples (and its blank nodes'); its dcterms:issued replaces
    the build time, so the first release's date stays put."""
    by_subject: dict = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    if any(p == DCTERMS.issued for p, _ in by_subject.get(DATASET, [])):
        out.remove((DATASET, DCTERMS.issued, None))
    todo, seen = [DATASET], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in by_subject.get(node, []):
            out.add((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def _year(value) -> int | None:
    match = re.match(r"-?\d{4}", str(value))
    return int(match.group(0)) if match else None


def _temporal(out: Graph, triples: list) -> None:
    years = [y for _, p, o in triples if p in DATED for y in [_year(o)] if y is not None]
    if not years:
        return
    period = URIRef(f"{DATASET}/temporal")
    out.add((DATASET, DCTERMS.temporal, period))
    out.add((period, RDF.type, DCTERMS.PeriodOfTime))
    out.add((period, URIRef(DCAT + "startDate"), Literal(f"{min(years):04d}", datatype=XSD.gYear)))
    out.add((period, URIRef(DCAT + "endDate"), Literal(f"{max(years):04d}", datatype=XSD.gYear)))


def _licence(triples: list):
    return next((o for s, p, o in triples if s == URIRef(ONTOLOGY_IRI) and p == DCTERMS.license), None)


def _data_service(out: Graph, base: str, triples: list) -> None:
    service = URIRef(f"{DATASET}/sparql-service")
    endpoint = URIRef(base + "sparql")
    out.add((service, RDF.type, URIRef(DCAT + "DataService")))
    out.add((service, DCTERMS.title, Literal("govgraph SPARQL endpoint", lang="en")))
    out.add((service, DCTERMS.title, Literal("punto de acceso SPARQL de govgraph", lang="es")))
    out.add((service, URIRef(DCAT + "endpointURL"), endpoint))
    out.add((service, URIRef(DCAT + "endpointDescription"), endpoint))  # its Service Description
    out.add((service, URIRef(DCAT + "servesDataset"), DATASET))
    out.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    licence = _licence(triples)
    if licence is not None:
        out.add((service, DCTERMS.license, licence))


def _licences(out: Graph, triples: list) -> None:
    """The graph's licence on each distribution (the ontology header states it once)."""
    licence = _licence(triples)
    if licence is None:
        return
    for dist in list(out.objects(DATASET, URIRef(DCAT + "distribution"))):
        out.add((dist, DCTERMS.license, licence))


def _linksets(out: Graph, triples: list) -> None:
    spaces = {str(o): s for s, p, o in triples if p == VOID.uriSpace and str(s).startswith(BASE)}
    derived = {}
    for s, p, o in triples:
        if p == DCTERMS.source and o in spaces.values():
            derived.setdefault(o, set()).add(s)
    counts = Counter()
    for s, p, o in triples:
        if p in LINK_PREDICATES and isinstance(o, URIRef) and str(s).startswith(BASE):
            target = next((t for space, t in spaces.items() if str(o).startswith(space)), None)
            if target is not None:
                counts[(target, p)] += 1
    for (target, predicate), count in sorted(counts.items()):
        key = f"{str(target).rsplit('/', 1)[-1]}-{str(predicate).rsplit('#', 1)[-1].lower()}"
        linkset = URIRef(f"{DATASET}/linkset/{key}")
        out.add((DATASET, VOID.subset, linkset))
        out.add((linkset, RDF.type, VOID.Linkset))
        out.add((linkset, VOID.subjectsTarget, DATASET))
        out.add((linkset, VOID.objectsTarget, target))
        out.add((linkset, VOID.linkPredicate, predicate))
        out.add((linkset, VOID.triples, Literal(count)))
        for source in sorted(derived.get(target, ())):
            out.add((linkset, DCTERMS.source, source))
