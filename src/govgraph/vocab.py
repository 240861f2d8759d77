"""``GG``: the govgraph ontology's terms as a closed namespace, read from ontology/*.ttl.

Code says ``GG.funds``; a typo (``GG.fundz``) fails at once instead of producing a
triple nobody declared. The terms are every ``gg:`` IRI the ontology files type
(classes, properties, concepts), parsed once at import with Oxigraph (a few ms).

>>> str(GG.State)
'https://w3id.org/govgraph/def#State'
>>> GG.Stat
Traceback (most recent call last):
...
AttributeError: "term 'Stat' not in namespace 'https://w3id.org/govgraph/def#'"
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import ClosedNamespace

from govgraph.errors import ConfigError
from govgraph.namespaces import PREFIXES

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def ontology_terms(ontology_dir: Path) -> list[str]:
    """Local names of the ``gg:`` IRIs typed in ``ontology_dir/*.ttl``, sorted."""
    base = PREFIXES["gg"]
    names = set()
    for path in sorted(Path(ontology_dir).glob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            subject = triple.subject
            if triple.predicate == _RDF_TYPE and isinstance(subject, ox.NamedNode) \
                    and subject.value.startswith(base) and len(subject.value) > len(base):
                names.add(subject.value[len(base):])
    return sorted(names)


@lru_cache(maxsize=1)
def _namespace() -> ClosedNamespace:
    from govgraph.resources import source_root

    try:
        terms = ontology_terms(source_root() / "ontology")
    except (ConfigError, OSError, SyntaxError):
        terms = []  # no readable ontology: every lookup fails loudly
    return ClosedNamespace(PREFIXES["gg"], terms)


GG = _namespace()
