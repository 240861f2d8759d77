"""What the build entails beside HermiT: the type closure and object property values.

Types (:func:`entailed_types`): every typed node gets each named superclass of each of its
types, through a class taxonomy (the OWL 2 RL rules ``cax-sco`` and ``cax-eqc1/2``). The
build passes HermiT's own classification of the ontology (``-c``), so the taxonomy holds
every subsumption HermiT entails, not only the asserted ``rdfs:subClassOf`` edges; HermiT's
``-I`` gives only the most specific types. OWL's and RDFS's top classes (``owl:Thing``,
``owl:NamedIndividual``, ``rdfs:Resource``) say nothing and are left out.

Property values (:func:`entailed_values`): the OWL 2 RL rules for object properties.

The rules, each an OWL 2 RL/RDF entailment (so HermiT finds the same values):
``prp-inv`` (owl:inverseOf), ``prp-spo1`` (rdfs:subPropertyOf, owl:equivalentProperty),
``prp-spo2`` (owl:propertyChainAxiom, with ``[ owl:inverseOf p ]`` steps allowed),
``prp-symp`` (owl:SymmetricProperty) and ``prp-trp`` (owl:TransitiveProperty), applied
until nothing new follows.

One more rule is CiTO's own, not OWL's (:func:`characterised_citations`): a
``cito:Citation`` node with a citing entity A, a cited entity B and a characterisation P
(``cito:citesAsEvidence``, ...) stands for the direct edge ``A P B``. OWL cannot turn a
value into a property, so no OWL reasoner derives it; it is applied before the rules above,
which then add ``A cito:cites B`` through ``P rdfs:subPropertyOf cito:cites``.

>>> from rdflib import Graph, Namespace
>>> EX = Namespace("http://ex.org/")
>>> onto = Graph().parse(data='''
... @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ex: <http://ex.org/> .
... ex:funds owl:propertyChainAxiom ( [ owl:inverseOf ex:funder ] ex:recipient ) .
... ex:evidence owl:inverseOf ex:hasBody .''', format="turtle")
>>> data = Graph().parse(data='''@prefix ex: <http://ex.org/> .
... ex:f ex:funder ex:usa ; ex:recipient ex:iom . ex:q ex:hasBody ex:f .''', format="turtle")
>>> sorted(str(p).rsplit("/", 1)[1] for s, p, o in entailed_values(onto, data) - data)
['evidence', 'funds']

>>> taxonomy = {EX.State: {EX.Actor}, EX.Actor: {EX.Agent}}
>>> typed = Graph().parse(data='@prefix ex: <http://ex.org/> . ex:usa a ex:State .', format="turtle")
>>> sorted(str(o).rsplit("/", 1)[1] for o in entailed_types(taxonomy, typed).objects())
['Actor', 'Agent', 'State']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from rdflib import BNode, Graph, Namespace, OWL, RDF, RDFS, URIRef
from rdflib.collection import Collection

CITO = Namespace("http://purl.org/spar/cito/")
#: Classes every node belongs to: a type triple with one of them says nothing.
UNINFORMATIVE = frozenset({OWL.Thing, OWL.NamedIndividual, RDFS.Resource})

#: One step of a chain: (property, inverted?).
Step = tuple[URIRef, bool]


@dataclass
class PropertyAxioms:
    """The property axioms of an ontology that the rules use."""

    inverses: list[tuple[URIRef, URIRef]] = field(default_factory=list)
    subs: list[tuple[URIRef, URIRef]] = field(default_factory=list)
    chains: list[tuple[URIRef, list[Step]]] = field(default_factory=list)
    symmetric: set[URIRef] = field(default_factory=set)
    transitive: set[URIRef] = field(default_factory=set)


def property_axioms(ontology: Graph) -> PropertyAxioms:
    """Read the inverse, sub-property, chain, symmetric and transitive axioms."""
    axioms = PropertyAxioms()
    for p, q in ontology.subject_objects(OWL.inverseOf):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            axioms.inverses.append((p, q))
    for p, q in ontology.subject_objects(RDFS.subPropertyOf):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            axioms.subs.append((p, q))
    for p, q in ontology.subject_objects(OWL.equivalentProperty):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            axioms.subs += [(p, q), (q, p)]
    for p, head in ontology.subject_objects(OWL.propertyChainAxiom):
        steps = [_step(ontology, node) for node in Collection(ontology, head)]
        if isinstance(p, URIRef) and steps and all(steps):
            axioms.chains.append((p, steps))
    axioms.symmetric = set(ontology.subjects(RDF.type, OWL.SymmetricProperty))
    axioms.transitive = set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
    return axioms


def _step(ontology: Graph, node) -> Step | None:
    if isinstance(node, URIRef):
        return (node, False)
    if isinstance(node, BNode):
        inverse = ontology.value(node, OWL.inverseOf)
        if isinstance(inverse, URIRef):
            return (inverse, True)
    return None


class _Edges:
    """Object property values indexed by property, in both directions."""

    def __init__(self) -> None:
        self.forward: dict[URIRef, dict] = defaultdict(lambda: defaultdict(set))
        self.backward: dict[URIRef, dict] = defaultdict(lambda: defaultdict(set))

    def add(self, s, p, o) -> bool:
        if o in self.forward[p][s]:
            return False
        self.forward[p][s].add(o)
        self.backward[p][o].add(s)
        return True

    def pairs(self, p):
        return [(s, o) for s, objects in list(self.forward[p].items()) for o in list(objects)]

    def follow(self, node, step: Step):
        prop, inverted = step
        return (self.backward if inverted else self.forward)[prop].get(node, ())


def characterised_citations(ontology: Graph, data: Graph) -> Graph:
    """The direct CiTO edge ``A P B`` of every citation node in ``data`` with
    ``cito:hasCitingEntity A``, ``cito:hasCitedEntity B`` and ``cito:hasCitationCharacterization P``,
    where the ontology makes P a sub-property of ``cito:cites`` (any other P is left alone).

    >>> onto = Graph().parse(data='''
    ... @prefix cito: <http://purl.org/spar/cito/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... cito:citesAsEvidence rdfs:subPropertyOf cito:cites .''', format="turtle")
    >>> data = Graph().parse(data='''@prefix cito: <http://purl.org/spar/cito/> . @prefix ex: <http://ex.org/> .
    ... ex:c1 cito:hasCitingEntity ex:essay ; cito:hasCitedEntity ex:report ;
    ...       cito:hasCitationCharacterization cito:citesAsEvidence .
    ... ex:c2 cito:hasCitingEntity ex:essay ; cito:hasCitedEntity ex:book ;
    ...       cito:hasCitationCharacterization ex:notACitoProperty .''', format="turtle")
    >>> [tuple(str(t).rsplit("/", 1)[1] for t in edge) for edge in characterised_citations(onto, data)]
    [('essay', 'citesAsEvidence', 'report')]
    """
    kinds = set(ontology.transitive_subjects(RDFS.subPropertyOf, CITO.cites)) - {CITO.cites}
    result = Graph()
    for citation, kind in data.subject_objects(CITO.hasCitationCharacterization):
        if kind not in kinds:
            continue
        for citing in data.objects(citation, CITO.hasCitingEntity):
            for cited in data.objects(citation, CITO.hasCitedEntity):
                if isinstance(citing, URIRef) and isinstance(cited, URIRef):
                    result.add((citing, kind, cited))
    return result


def entailed_values(ontology: Graph, data: Graph) -> Graph:
    """Object property values that follow from ``data`` under the ontology's property axioms.

    Only triples between IRIs are read; the result includes the asserted ones (the caller
    removes them).
    """
    axioms, edges = property_axioms(ontology), _Edges()
    for s, p, o in data:
        if isinstance(s, URIRef) and isinstance(o, URIRef) and p != RDF.type:
            edges.add(s, p, o)
    while _apply_rules(axioms, edges):
        pass
    result = Graph()
    for p, subjects in edges.forward.items():
        for s, objects in subjects.items():
            for o in objects:
                result.add((s, p, o))
    return result


def _apply_rules(axioms: PropertyAxioms, edges: _Edges) -> bool:
    changed = False
    for p, q in axioms.inverses:
        changed |= _add_all(edges, q, [(o, s) for s, o in edges.pairs(p)])
        changed |= _add_all(edges, p, [(o, s) for s, o in edges.pairs(q)])
    for p, q in axioms.subs:
        changed |= _add_all(edges, q, edges.pairs(p))
    for p in axioms.symmetric:
        changed |= _add_all(edges, p, [(o, s) for s, o in edges.pairs(p)])
    for p in axioms.transitive:
        changed |= _add_all(edges, p, [(s, z) for s, o in edges.pairs(p) for z in edges.follow(o, (p, False))])
    for p, steps in axioms.chains:
        changed |= _add_all(edges, p, _chain_pairs(edges, steps))
    return changed


def _chain_pairs(edges: _Edges, steps: list[Step]):
    first, rest = steps[0], steps[1:]
    prop, inverted = first
    starts = edges.backward[prop] if inverted else edges.forward[prop]
    pairs = []
    for start, nexts in list(starts.items()):
        frontier = set(nexts)
        for step in rest:
            frontier = {z for node in frontier for z in edges.follow(node, step)}
        pairs += [(start, end) for end in frontier]
    return pairs


def _add_all(edges: _Edges, p, pairs) -> bool:
    changed = False
    for s, o in pairs:
        changed |= edges.add(s, p, o)
    return changed


# ---- types ----

def entailed_types(taxonomy: Mapping[URIRef, Iterable[URIRef]], typed: Graph) -> Graph:
    """Every ``rdf:type`` of ``typed`` with each named superclass of its class added.

    ``taxonomy`` maps a class to its direct named superclasses (equivalent classes are each
    other's superclasses). The result includes the given types (the caller removes what is
    asserted) and never an :data:`UNINFORMATIVE` class or a class of the OWL vocabulary.
    """
    closure: dict[URIRef, set[URIRef]] = {}
    result = Graph()
    for node, klass in typed.subject_objects(RDF.type):
        if not isinstance(klass, URIRef):
            continue
        if klass not in closure:
            closure[klass] = superclasses_of(taxonomy, klass)
        for superclass in closure[klass]:
            result.add((node, RDF.type, superclass))
    return result


def superclasses_of(taxonomy: Mapping[URIRef, Iterable[URIRef]], klass: URIRef) -> set[URIRef]:
    """``klass`` and its named superclasses, reflexive and transitive, without OWL's own classes.

    >>> EX = Namespace("http://ex.org/")
    >>> sorted(superclasses_of({EX.A: {EX.B}, EX.B: {EX.A, OWL.Thing}}, EX.A))
    [rdflib.term.URIRef('http://ex.org/A'), rdflib.term.URIRef('http://ex.org/B')]
    """
    seen, todo = {klass}, [klass]
    while todo:
        for parent in taxonomy.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return {c for c in seen if c not in UNINFORMATIVE and not str(c).startswith(str(OWL))}
