"""The prefix table: the single source of truth for every namespace govgraph uses.

Every module, the query page, the example queries and the Turtle writer take their
prefixes from :data:`PREFIXES`.

>>> str(GGSTATE["MEX"])
'https://w3id.org/govgraph/id/state/MEX'
>>> PREFIXES["gg"]
'https://w3id.org/govgraph/def#'
"""

from __future__ import annotations

from functools import cache

from rdflib import BNode, Graph, Namespace, URIRef

#: The base IRI of every govgraph resource. The deployment host never appears in data.
BASE = "https://w3id.org/govgraph/"

#: Things are /id/{type}/{key}; documents about them /doc/{type}/{key}.
ID_TYPES = (
    "state", "org", "person", "place", "group", "instrument", "relation", "figure",
    "claim", "concept", "work", "citation", "annotation", "ambiguity", "dataset", "sentence",
)

PREFIXES: dict[str, str] = {
    "gg": BASE + "def#",
    "ggsh": BASE + "def/shapes#",
    "gggraph": BASE + "graph/",
    **{f"gg{t}": f"{BASE}id/{t}/" for t in ID_TYPES},
    # standard vocabularies
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "qb": "http://purl.org/linked-data/cube#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "fabio": "http://purl.org/spar/fabio/",
    "cito": "http://purl.org/spar/cito/",
    "frbr": "http://purl.org/vocab/frbr/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "spdx": "http://spdx.org/rdf/terms#",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
}

GG = Namespace(PREFIXES["gg"])
GGSH = Namespace(PREFIXES["ggsh"])
GGGRAPH = Namespace(PREFIXES["gggraph"])
GGSTATE = Namespace(PREFIXES["ggstate"])
GGORG = Namespace(PREFIXES["ggorg"])
GGWORK = Namespace(PREFIXES["ggwork"])
GGDATASET = Namespace(PREFIXES["ggdataset"])
OA = Namespace(PREFIXES["oa"])
QB = Namespace(PREFIXES["qb"])
FABIO = Namespace(PREFIXES["fabio"])
CITO = Namespace(PREFIXES["cito"])
SD = Namespace(PREFIXES["sd"])
SPDX = Namespace(PREFIXES["spdx"])

#: The ontology IRI (versionless).
ONTOLOGY_IRI = BASE + "def"

#: Named graphs of a release. The default graph is their union.
GRAPH_ONTOLOGY = GGGRAPH["ontology"]
GRAPH_DATA = GGGRAPH["data"]
GRAPH_INFERRED = GGGRAPH["inferred"]
GRAPH_META = GGGRAPH["meta"]
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_INFERRED, GRAPH_META)
#: The name a store server holds the default graph under: the union of :data:`GRAPHS`, each
#: distinct triple once, as the embedded store's default graph holds it
#: (:func:`govgraph.release.write_union`). ``govgraph publish`` writes it and ``govgraph serve
#: --store`` sends it as the default graph of every query that names no dataset. Not one of
#: the dataset's named graphs: no client sees it (docs/iri-policy.md).
GRAPH_UNION = URIRef("urn:govgraph:graph:union")


def sparql_prologue() -> str:
    """Return ``PREFIX`` declarations for every entry of :data:`PREFIXES`.

    >>> "PREFIX gg: <https://w3id.org/govgraph/def#>" in sparql_prologue()
    True
    """
    return "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()) + "\n"


def bind_prefixes(graph) -> None:
    """Bind every prefix of the table on an rdflib graph (for readable Turtle)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)


@cache
def _prefixed_names():
    names = Graph()
    bind_prefixes(names)
    return names.namespace_manager


def short_name(node) -> str:
    """``node`` as messages show it: a prefixed name from :data:`PREFIXES`, else ``<iri>``;
    ``[]`` for a blank node, ``-`` for none, a literal's lexical form.

    >>> short_name(GG["funds"]), short_name(URIRef("http://example.org/x"))
    ('gg:funds', '<http://example.org/x>')
    >>> short_name(BNode()), short_name(None)
    ('[]', '-')
    """
    if node is None:
        return "-"
    if isinstance(node, BNode):
        return "[]"
    if not isinstance(node, URIRef):
        return str(node)
    try:
        return _prefixed_names().normalizeUri(node)
    except ValueError:
        return f"<{node}>"
