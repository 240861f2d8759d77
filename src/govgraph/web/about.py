"""The web layer's way to the served data: the app's :class:`govgraph.store.lookup.Lookup`
over its store (the embedded worker pool or a store server), and RDF serialisation with
the project's prefixes.

Every page reads the data by SPARQL through the store, under the deadline and the
result-size cap of ``/sparql``; no web process opens a release's files. What "about" means
(the description of a resource) is defined in :mod:`govgraph.store.lookup`.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import current_app

from govgraph.errors import StoreUnavailableError
from govgraph.jsonld import serialize as serialize_rdf
from govgraph.namespaces import PREFIXES
from govgraph.release import Release
from govgraph.store.lookup import Lookup, pick_label  # noqa: F401  (pick_label: for the pages)


def served_store():
    """The app's store; 503 when none is open behind the app."""
    store = current_app.extensions.get("govgraph.store")
    if store is None:
        raise StoreUnavailableError("no store is open behind this app")
    return store


def lookup() -> Lookup:
    """The app's lookups, over its store, capped as ``/sparql`` is."""
    found = current_app.extensions.get("govgraph.lookup")
    if found is None or found.store is not served_store():
        settings = current_app.config["GOVGRAPH_SETTINGS"]
        found = current_app.extensions["govgraph.lookup"] = Lookup(served_store(), settings.max_result_bytes)
    return found


def served_release() -> Release:
    """The release the app serves: the store's (a store server's is read from its meta graph)."""
    return served_store().release


def serialize(found: list[ox.Triple], rdf_format: ox.RdfFormat) -> bytes:
    """Triples in ``rdf_format``, with the project's prefixes where the format has them."""
    prefixes = None
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        prefixes = used_prefixes(found)
    return serialize_rdf(found, rdf_format, prefixes)  # JSON-LD compacted with the published context


def used_prefixes(found) -> dict[str, str]:
    """The entries of the prefix table that some IRI in ``found`` starts with.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/govgraph/id/state/MEX"),
    ...               ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Mexico"))
    >>> sorted(used_prefixes([t]))
    ['ggstate', 'rdfs']
    """
    iris = {term.value for t in found for term in (t.subject, t.predicate, t.object)
            if isinstance(term, ox.NamedNode)}
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}
