"""HTML documentation of the ontology, generated with pyLODE (OntPub profile).

Generated at request time from the release's ontology graph, once per release and
language, and cached in the app. Each term ``gg:Term`` gets the element id ``Term``, so
the term IRI ``/def#Term`` lands on its entry (pyLODE would otherwise build ids from the
labels). Only the labels and definitions in the reader's language (and untagged ones)
are passed to pyLODE. pyLODE reads its background ontologies from its own package files;
it is never given a URL and never fetches anything.

>>> term_ids(["https://w3id.org/govgraph/def#Funding", "http://www.w3.org/ns/oa#Annotation"])
{'https://w3id.org/govgraph/def#Funding': 'Funding'}
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import sys
import threading
import types
import warnings

from html import escape

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from govgraph.namespaces import PREFIXES

_LOCK = threading.Lock()


def term_ids(iris) -> dict[str, str]:
    """The fragment id of each term of our ontology namespace (its local name)."""
    ns = PREFIXES["gg"]
    return {str(i): str(i)[len(ns):] for i in iris if str(i).startswith(ns) and len(str(i)) > len(ns)}


def other_ids(iris) -> dict[str, str]:
    """Unique ids for the other IRIs pyLODE may document (``foaf-Person``), so that two
    terms with the same label never share an id (pyLODE would give both ``Person1``).

    >>> other_ids(["http://xmlns.com/foaf/0.1/Person", "http://www.w3.org/ns/prov#Person"])
    {'http://xmlns.com/foaf/0.1/Person': 'foaf-Person', 'http://www.w3.org/ns/prov#Person': 'prov-Person'}
    """
    by_length = sorted(PREFIXES.items(), key=lambda kv: len(kv[1]), reverse=True)
    ids = {}
    for iri in map(str, iris):
        if iri.startswith(PREFIXES["gg"]) or not iri.startswith("http"):
            continue
        prefix, ns = next(((p, n) for p, n in by_length if iri.startswith(n) and len(iri) > len(n)), ("x", ""))
        local = re.sub(r"[^A-Za-z0-9_.-]", "-", iri[len(ns):] if ns else iri)
        ids[iri] = f"{prefix}-{local}"
    return ids


def only_language(graph: Graph, lang: str) -> Graph:
    """A copy of ``graph`` keeping, for each subject and property, the literals in ``lang``
    (and untagged ones); where there is none in ``lang``, the English ones.

    >>> g = Graph().parse(data='<urn:a> <urn:l> "State"@en, "Estado"@es, "x" . '
    ...                        '<urn:b> <urn:l> "Title"@en .', format="turtle")
    >>> sorted(str(o) for o in only_language(g, "es").objects())
    ['Estado', 'Title', 'x']
    """
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)
    tagged: dict = {}
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            tagged.setdefault((s, p), {}).setdefault(o.language.split("-")[0], []).append(o)
        else:
            out.add((s, p, o))
    for (s, p), by_lang in tagged.items():
        chosen = by_lang.get(lang) or by_lang.get("en") or [o for group in by_lang.values() for o in group]
        for o in chosen:
            out.add((s, p, o))
    return out


def ontology_html(graph: Graph, lang: str = "en") -> str:
    """pyLODE's OntPub HTML for ``graph`` with term ids as in :func:`term_ids`."""
    OntPub = _ontpub()
    doc_graph = only_language(graph, lang)
    for_pylode = Graph()
    for prefix, ns in PREFIXES.items():
        for_pylode.bind(prefix, ns)
    for triple in doc_graph:
        if triple[1:] != (RDF.type, SKOS.ConceptScheme):  # pyLODE would take each scheme for the ontology
            for_pylode.add(triple)
    with _LOCK:  # pyLODE keeps module-level state while rendering
        doc = OntPub(ontology=for_pylode)
        subjects = {s for s in for_pylode.subjects() if isinstance(s, URIRef)}
        doc.fids.update(other_ids(subjects))
        doc.fids.update(term_ids(subjects))
        with warnings.catch_warnings():  # pyLODE reads its CSS with an open() it never closes
            warnings.simplefilter("ignore", ResourceWarning)
            html = doc.make_html()
    return adapt_html(add_other_terms(html, doc_graph, lang), lang)


def add_other_terms(html: str, graph: Graph, lang: str) -> str:
    """A section for the terms of our namespace pyLODE does not document (SKOS concepts and
    schemes, individuals), so that every ``/def#Term`` has its anchor."""
    present = set(re.findall(r'\bid="([^"]+)"', html))
    missing = sorted((iri, fid) for iri, fid in term_ids(
        {s for s in graph.subjects() if isinstance(s, URIRef)}).items() if fid not in present)
    if not missing:
        return html
    title = "Other terms" if lang != "es" else "Otros términos"
    items = "".join(_term_entry(graph, URIRef(iri), fid) for iri, fid in missing)
    section = f'<div id="otherterms" class="section"><h2>{title}</h2>{items}</div>'
    marker = '<div id="namespaces">'
    return html.replace(marker, section + marker, 1) if marker in html else html.replace("</body>", section + "</body>", 1)


def _term_entry(graph: Graph, iri: URIRef, fid: str) -> str:
    label = graph.value(iri, SKOS.prefLabel) or graph.value(iri, RDFS.label) or fid
    rows = [("IRI", f"<code>{escape(str(iri))}</code>")]
    types = sorted(str(t) for t in graph.objects(iri, RDF.type))
    if types:
        rows.append(("Type", ", ".join(f"<code>{escape(t)}</code>" for t in types)))
    for prop, name in ((SKOS.definition, "Definition"), (RDFS.comment, "Description"), (SKOS.inScheme, "In scheme")):
        for value in graph.objects(iri, prop):
            rows.append((name, escape(str(value))))
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<div class="entity" id="{escape(fid)}"><h3>{escape(str(label))}</h3><table>{cells}</table></div>'


#: Added to pyLODE's page: a viewport, a way back to the site, and a narrow-screen layout
#: (pyLODE fixes its table of contents to the right and rotates its logo off-screen).
_HEAD = """<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
#govgraph-nav { font: 14px/1.5 system-ui, sans-serif; padding: 0.25rem 0; }
@media (max-width: 60rem) {
  body { margin: 0; padding: 0.75rem; }
  h1 { font-size: 1.6rem; }
  #pylode { display: none; }
  #toc { position: static; width: auto; height: auto; margin-bottom: 1rem; }
  #content { width: auto; }
  .entity th { width: 6.5rem; }
  #legend table.entity { width: 100%; }
  pre, code { white-space: pre-wrap; word-break: break-all; }
  body { overflow-wrap: anywhere; }
}
</style>
"""
_NAV = ('<nav id="govgraph-nav" aria-label="Site"><a href="/">govgraph</a> · <a href="/">Query</a> · '
        '<a href="/dumps/">Dumps</a> · <a href="/.well-known/void">VoID</a> · '
        '<a href="/def.ttl">Turtle</a></nav>')


def adapt_html(html: str, lang: str) -> str:
    """Add the viewport, the narrow-screen CSS, the language and a site link to pyLODE's page.

    >>> adapt_html("<html><head></head><body><div id='content'></div></body></html>", "es")[:16]
    '<html lang="es">'
    """
    html = html.replace("<html>", f'<html lang="{lang}">', 1)
    html = html.replace("</head>", _HEAD + "</head>", 1)
    return html.replace("<body>", "<body>" + _NAV, 1)


def _ontpub():
    """Import pyLODE's OntPub, working around pyLODE 3.4.1's packaging bug.

    pyLODE 3.4.1's ``pylode/version.py`` reads a ``pyproject.toml`` that the wheel does not
    ship (RDFLib/pyLODE#256, #260, fixed upstream after 3.4.1); we provide the module.
    """
    if "pylode.version" not in sys.modules:
        try:
            import pylode.version  # noqa: F401
        except FileNotFoundError:
            shim = types.ModuleType("pylode.version")
            shim.__version__ = importlib.metadata.version("pylode")
            sys.modules["pylode.version"] = shim
            for name in [m for m in sys.modules if m.startswith("pylode") and m != "pylode.version"]:
                del sys.modules[name]
    logging.getLogger("pylode").setLevel(logging.WARNING)
    from pylode import OntPub

    return OntPub
