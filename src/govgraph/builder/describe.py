"""VoID + DCAT 3 description of a release (owned by the publishing work; see issue 4).

Note for the release step (H3): call ``describe_release(manifest, settings, graph)`` after
the dump files are written and their entries are in ``manifest["files"]``; ``graph`` is
the union of the dumped graphs (ontology, data, inferred) as an rdflib ``Graph``/``Dataset``
or a ``pyoxigraph.Store``. Without it, the partitions, entity/class/property counts,
licence, creators and example resources are left out (the counts from the manifest stay).
The result is written to ``void.ttl`` and loaded into the ``/graph/meta`` named graph.

Every figure is taken from the manifest or counted from the graph passed in, never typed
by hand; the host is never in the data: dump URLs are under ``{base}dumps/`` and the
deployment maps that path to its ``/dumps/`` route (docs/iri-policy.md).

>>> g = describe_release({"release": "0.1.0-abcdef12", "version": "0.1.0",
...                       "created": "2026-11-30T05:00:00Z", "union_triples": 3}, None)
>>> from govgraph.namespaces import GGDATASET
>>> from rdflib.namespace import VOID
>>> int(g.value(GGDATASET["govgraph"], VOID.triples))
3
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, VOID, XSD

from govgraph.builder.canonical import from_oxigraph
from govgraph.builder.catalogue import describe_catalogue
from govgraph.namespaces import (BASE, GGDATASET, ONTOLOGY_IRI, PREFIXES, SD, SPDX,
                                 bind_prefixes)

DATASET = GGDATASET["govgraph"]
#: DCAT 3 (rdflib's closed DCAT namespace predates dcat:version).
DCAT = Namespace(PREFIXES["dcat"])
IANA = "https://www.iana.org/assignments/media-types/"
_TITLE = {"en": "govgraph: migration governance in the Americas",
          "es": "govgraph: la gobernanza migratoria en las Américas"}
_DESCRIPTION = {
    "en": ("A linked-data knowledge graph of Soledad Álvarez Velasco's essay “An Unattainable "
           "Quest: Migration Governance, A Reflection from the Americas”: its actors, instruments, "
           "relations, figures, argument and bibliography, each statement with its quote."),
    "es": ("Un grafo de conocimiento en datos enlazados del ensayo de Soledad Álvarez Velasco "
           "“An Unattainable Quest: Migration Governance, A Reflection from the Americas”: sus "
           "actores, instrumentos, relaciones, cifras, argumento y bibliografía, cada afirmación "
           "con su cita."),
}
_EXAMPLES = 8


def dump_url(base: str, release_id: str, name: str) -> URIRef:
    """The IRI of one dump file of a release (the deployment maps ``{base}dumps/``).

    >>> str(dump_url("https://w3id.org/govgraph/", "0.1.0-abc", "govgraph.ttl"))
    'https://w3id.org/govgraph/dumps/0.1.0-abc/govgraph.ttl'
    """
    return URIRef(f"{base}dumps/{release_id}/{name}")


def is_dump_file(name: str) -> bool:
    """True for the data dumps (``govgraph.*``), which get a dcat:Distribution.

    >>> [is_dump_file(n) for n in ("govgraph.nt.gz", "void.ttl", "SHA256SUMS")]
    [True, False, False]
    """
    return name.startswith("govgraph.")


def describe_release(manifest: dict, settings, graph=None) -> Graph:
    """Return the VoID/DCAT graph for a release whose ``manifest`` is complete
    (graph counts, files with bytes and sha256). Never raises on a minimal manifest."""
    base = _base(manifest, settings)
    out = Graph()
    bind_prefixes(out)
    _describe_dataset(out, manifest, base)
    _describe_subsets(out, manifest)
    public = getattr(settings, "public_url", "") or ""  # download URLs under GOVGRAPH_PUBLIC_URL when set
    for name, info in sorted((manifest.get("files") or {}).items()):
        if is_dump_file(name):
            _describe_distribution(out, public.rstrip("/") + "/" if public else base,
                                   manifest.get("release", ""), name, info)
    if settings is not None:
        _describe_examples(out, base, settings)
    if graph is not None:
        triples = list(_triples(graph))
        _describe_contents(out, triples, base)
        _copy_ontology_header(out, triples)
        describe_catalogue(out, manifest, settings, triples)
    return out


def _base(manifest: dict, settings) -> str:
    """The base of every IRI of ours: the data's (:data:`govgraph.namespaces.BASE`)."""
    return BASE


def _describe_dataset(out: Graph, manifest: dict, base: str) -> None:
    for cls in (VOID.Dataset, DCAT.Dataset):
        out.add((DATASET, RDF.type, cls))
    for lang in ("en", "es"):
        out.add((DATASET, DCTERMS.title, Literal(_TITLE[lang], lang=lang)))
        out.add((DATASET, DCTERMS.description, Literal(_DESCRIPTION[lang], lang=lang)))
    for source in sorted(manifest.get("sources") or {}):  # the source registry's documents
        out.add((DATASET, DCTERMS.source, URIRef(source)))
    out.add((DATASET, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    out.add((DATASET, VOID.uriSpace, Literal(base + "id/")))
    out.add((DATASET, DCAT.landingPage, URIRef(base + "dumps/")))
    _add_if(out, DATASET, DCTERMS.issued, manifest.get("created"), XSD.dateTime)
    _add_if(out, DATASET, DCTERMS.modified, manifest.get("created"), XSD.dateTime)
    _add_if(out, DATASET, OWL.versionInfo, manifest.get("version"))
    _add_if(out, DATASET, DCAT.version, manifest.get("version"))
    _add_if(out, DATASET, DCTERMS.identifier, manifest.get("release"))
    if manifest.get("version_iri"):
        out.add((DATASET, OWL.versionIRI, URIRef(manifest["version_iri"])))
    if "union_triples" in manifest:
        out.add((DATASET, VOID.triples, Literal(int(manifest["union_triples"]))))


def _describe_subsets(out: Graph, manifest: dict) -> None:
    """One void:subset per named graph of the release, with its triple count."""
    for graph_iri, count in sorted((manifest.get("graphs") or {}).items()):
        subset = URIRef(f"{DATASET}/graph/{graph_iri.rstrip('/').rsplit('/', 1)[-1]}")
        out.add((DATASET, VOID.subset, subset))
        out.add((subset, RDF.type, VOID.Dataset))
        out.add((subset, SD.name, URIRef(graph_iri)))
        out.add((subset, VOID.triples, Literal(int(count))))


def _describe_distribution(out: Graph, base: str, release_id: str, name: str, info: dict) -> None:
    url = dump_url(base, release_id, name)
    dist = URIRef(f"{DATASET}/distribution/{name.replace('.', '-')}")
    out.add((DATASET, VOID.dataDump, url))
    out.add((DATASET, DCAT.distribution, dist))
    out.add((dist, RDF.type, DCAT.Distribution))
    out.add((dist, DCTERMS.title, Literal(name)))
    out.add((dist, DCAT.downloadURL, url))
    out.add((dist, DCAT.accessURL, URIRef(base + "dumps/")))
    if info.get("media_type"):
        out.add((dist, DCAT.mediaType, URIRef(IANA + info["media_type"])))
    if info.get("encoding") == "gzip":
        out.add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
    # xsd:integer, not xsd:nonNegativeInteger: pyoxigraph 0.5.13's store rewrites the latter
    # to xsd:integer, and the served graph must equal void.ttl
    _add_if(out, dist, DCAT.byteSize, info.get("bytes"), XSD.integer)
    _add_if(out, dist, VOID.triples, info.get("triples"), XSD.integer)
    if info.get("sha256"):
        checksum = BNode()
        out.add((dist, SPDX.checksum, checksum))
        out.add((checksum, RDF.type, SPDX.Checksum))
        out.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        out.add((checksum, SPDX.checksumValue, Literal(info["sha256"], datatype=XSD.hexBinary)))


def _describe_examples(out: Graph, base: str, settings) -> None:
    """The curated example queries (``queries/examples`` of the sources) as SPARQL
    executables (:mod:`govgraph.examples`), whose ``schema:target`` is the endpoint."""
    from govgraph.examples import example_triples, examples_dir, load_examples

    examples = load_examples(examples_dir(getattr(settings, "source_dir", None)))
    for s, p, o in example_triples(examples, base + "sparql"):
        out.add((URIRef(s), URIRef(p), Literal(o[0], lang=o[1]) if isinstance(o, tuple) else URIRef(o)))


def _add_if(out: Graph, s, p, value, datatype=None) -> None:
    if value is not None and value != "":
        out.add((s, p, Literal(value, datatype=datatype)))


def _triples(graph) -> Iterable[tuple]:
    """(s, p, o) as rdflib terms from an rdflib Graph/Dataset or a pyoxigraph Store."""
    if isinstance(graph, Graph):
        seen = set()
        for s, p, o, *_ in (graph.quads((None, None, None, None))
                            if hasattr(graph, "quads") else graph):
            if (s, p, o) not in seen:
                seen.add((s, p, o))
                yield s, p, o
        return
    seen = set()
    for quad in graph.quads_for_pattern(None, None, None, None):
        triple = (from_oxigraph(quad.subject), from_oxigraph(quad.predicate), from_oxigraph(quad.object))
        if triple not in seen:
            seen.add(triple)
            yield triple


def _describe_contents(out: Graph, triples: list, base: str) -> None:
    """Entities, classes, properties, partitions, vocabularies and examples, counted."""
    space = base + "id/"
    entities = {t for s, _, _ in triples for t in [s] if isinstance(t, URIRef) and str(t).startswith(space)}
    class_members: dict = {}
    for s, p, o in triples:
        if p == RDF.type and isinstance(o, URIRef):
            class_members.setdefault(o, set()).add(s)
    property_counts = Counter(p for _, p, _ in triples)
    out.add((DATASET, VOID.entities, Literal(len(entities))))
    out.add((DATASET, VOID.classes, Literal(len(class_members))))
    out.add((DATASET, VOID.properties, Literal(len(property_counts))))
    out.add((DATASET, VOID.distinctSubjects, Literal(len({s for s, _, _ in triples}))))
    out.add((DATASET, VOID.distinctObjects, Literal(len({o for _, _, o in triples}))))
    _partitions(out, class_members, property_counts)
    for vocabulary in _vocabularies(class_members, property_counts):
        out.add((DATASET, VOID.vocabulary, URIRef(vocabulary)))
    for example in _examples(entities, space):
        out.add((DATASET, VOID.exampleResource, example))


def _examples(entities: set, space: str) -> list[URIRef]:
    """The first entity (in IRI order) of each of the first few types of the /id/ space."""
    first: dict[str, URIRef] = {}
    for iri in sorted(entities):
        first.setdefault(str(iri)[len(space):].split("/", 1)[0], iri)
    return [first[t] for t in sorted(first)][:_EXAMPLES]


def _partitions(out: Graph, class_members: dict, property_counts: Counter) -> None:
    for cls, members in sorted(class_members.items()):
        part = URIRef(f"{DATASET}/class/{_slug(cls)}")
        out.add((DATASET, VOID.classPartition, part))
        out.add((part, VOID["class"], cls))
        out.add((part, VOID.entities, Literal(len(members))))
    for prop, count in sorted(property_counts.items()):
        part = URIRef(f"{DATASET}/property/{_slug(prop)}")
        out.add((DATASET, VOID.propertyPartition, part))
        out.add((part, VOID.property, prop))
        out.add((part, VOID.triples, Literal(count)))


def _slug(iri: URIRef) -> str:
    """A stable, readable key for a partition node: the prefixed name of ``iri``.

    >>> _slug(URIRef("http://www.w3.org/ns/oa#Annotation"))
    'oa-Annotation'
    >>> _slug(URIRef("urn:x:y"))
    'urn-x-y'
    """
    for prefix, ns in PREFIXES.items():
        if str(iri).startswith(ns) and len(str(iri)) > len(ns):
            return f"{prefix}-{str(iri)[len(ns):]}"
    return "".join(c if c.isalnum() else "-" for c in str(iri))


def _vocabularies(class_members: dict, property_counts: Counter) -> list[str]:
    """The namespace of every class and property used, as written in the prefix table."""
    used = set(class_members) | set(property_counts)
    namespaces = sorted(set(PREFIXES.values()), key=len, reverse=True)
    found = set()
    for term in used:
        ns = next((n for n in namespaces if str(term).startswith(n)), None)
        if ns is not None and not ns.startswith(BASE + "id/"):
            found.add(ns)
    return sorted(found)


def _copy_ontology_header(out: Graph, triples: list) -> None:
    """Licence and creators come from the ontology header: stated once, never invented here."""
    ontology = URIRef(ONTOLOGY_IRI)
    for s, p, o in triples:
        if s == ontology and p in (DCTERMS.license, DCTERMS.creator, DCTERMS.publisher):
            out.add((DATASET, p, o))
