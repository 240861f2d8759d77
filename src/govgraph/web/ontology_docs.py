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
import sys
import threading
import types
import warnings

from rdflib import Graph, Literal

from govgraph.namespaces import PREFIXES

_LOCK = threading.Lock()


def term_ids(iris) -> dict[str, str]:
    """The fragment id of each term of our ontology namespace (its local name)."""
    ns = PREFIXES["gg"]
    return {str(i): str(i)[len(ns):] for i in iris if str(i).startswith(ns) and len(str(i)) > len(ns)}


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
    with _LOCK:  # pyLODE keeps module-level state while rendering
        doc = OntPub(ontology=doc_graph)
        doc.fids.update(term_ids(set(doc_graph.subjects())))
        with warnings.catch_warnings():  # pyLODE reads its CSS with an open() it never closes
            warnings.simplefilter("ignore", ResourceWarning)
            html = doc.make_html()
    return adapt_html(html, lang)


#: Added to pyLODE's page: a viewport, a way back to the site, and a narrow-screen layout
#: (pyLODE fixes its table of contents to the right and rotates its logo off-screen).
_HEAD = """<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
#govgraph-nav { font: 14px/1.5 system-ui, sans-serif; padding: 0.25rem 0; }
@media (max-width: 60rem) {
  body { margin: 0.5rem; }
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
