"""Step 2 of the build: OWL 2 consistency and inferences under HermiT.

HermiT is the one bundled with owlready2 (its jar, found as package data), run on an
N-Triples file that this module writes with rdflib: owlready2 cannot read Turtle, and its
own wrapper drops inferred values of properties that have an inverse (``gg:evidence``,
the inverse of ``oa:hasBody``), so the output is read here directly.

What the reasoner sees: the whole ontology (without ``owl:imports``: nothing is ever
fetched) and, from the data, the ``rdf:type`` triples and the values of properties the
ontology declares as object or datatype properties, with every individual typed
``owl:NamedIndividual``. Labels, annotation properties and the blank nodes of annotation
targets are not needed and stay out.

What comes back (:func:`reason`): an rdflib graph of what is derived and not already
asserted: every named type of every typed node (the type closure), and the object
property values that follow from the ontology's property axioms
(``owl:inverseOf``, ``owl:propertyChainAxiom``, ``rdfs:subPropertyOf``,
``owl:equivalentProperty``, symmetric and transitive properties), computed by
:mod:`govgraph.builder.entail` because HermiT's own property-value classification (``-Y``)
is quadratic: 45 s on the real data against 5 s for the rest. Each of those rules is an
OWL 2 RL entailment, so HermiT would find every one of them; a test checks that both
agree on the mini fixture. The type closure starts from HermiT's most specific types of
each individual (``-I``) and the asserted types of every node (blank nodes included, which
HermiT does not see), and climbs HermiT's classification of the ontology (``-c``, every
entailed subsumption and equivalence between named classes), with
:func:`govgraph.builder.entail.entailed_types`: ``?x a gg:Actor`` then finds every actor.
HermiT's ``-I`` alone gives only the most specific types, which the data always asserts,
so without the closure the graph held no type at all. The direct CiTO edges of
characterised citations (``ggwork:essay cito:citesAsEvidence ...``) come from CiTO's own
rule, beside them (:func:`govgraph.builder.entail.characterised_citations`). An
inconsistency raises ReasoningError naming the individuals and classes at fault;
unsatisfiable classes do too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path
from typing import Callable, Iterable

from rdflib import BNode, Graph, Literal, OWL, RDF, RDFS, URIRef
from rdflib.collection import Collection

from govgraph.builder.entail import characterised_citations, entailed_types, entailed_values
from govgraph.children import dies_with_this_process
from govgraph.errors import ConfigError, InputError, ReasoningError
from govgraph.namespaces import short_name

#: Java heap for HermiT, in MB: modest, the graph is small.
JAVA_MEMORY_MB = 600
#: The JIT's first tier only: HermiT runs for seconds, and this saves ~40 % of its CPU.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1",)

_OBJECT_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
                          OWL.AsymmetricProperty, OWL.ReflexiveProperty, OWL.IrreflexiveProperty,
                          OWL.InverseFunctionalProperty)
_TYPE_LINE = re.compile(r"^Type\( <([^>]+)> <([^>]+)> \)$", re.M)
_CLASS_LINE = re.compile(r"^(SubClassOf|EquivalentClasses)\((( <[^>]+>)+) \)$", re.M)
_VALUE_LINE = re.compile(r"^<([^>]+)> \(known instances:\s*(.*?)\s*\|\s*possible instances:", re.M)
_PAIR = re.compile(r"\(<([^>]+)>, <([^>]+)>\)")
#: The OWL API exception (a public class) HermiT's command line dies with on an inconsistent ontology.
INCONSISTENT = "org.semanticweb.owlapi.reasoner.InconsistentOntologyException"
_UNSATISFIABLE = re.compile(r"^\t<?([^<>\s]+)>?$", re.M)


def reason(ontology: Graph, data: Graph, progress: Callable[[str], None] = lambda m: None) -> Graph:
    """Check consistency under HermiT and return the inferred, not asserted, triples.

    Raises ReasoningError (inconsistent, or unsatisfiable classes), InputError (HermiT
    cannot read the ontology) or ConfigError (no Java runtime).
    """
    reasoning_input = build_input(ontology, data)
    output = run_hermit(reasoning_input, ("-N", "-U", "-c", "-I"))  # -N: full IRIs, no prefixes
    if output is None:
        raise ReasoningError(diagnose(ontology, data, progress))
    unsatisfiable = unsatisfiable_classes(output)
    if unsatisfiable:
        raise ReasoningError("unsatisfiable class(es), equivalent to owl:Nothing: "
                             + ", ".join(short_name(c) for c in unsatisfiable))
    typed = inferred_types(output)
    for graph in (ontology, data):
        for triple in graph.triples((None, RDF.type, None)):
            typed.add(triple)
    inferred = entailed_types(class_taxonomy(output), typed)
    object_properties, _ = property_kinds(ontology)
    values = Graph()
    for triple in reasoning_input:
        if triple[1] in object_properties:
            values.add(triple)
    values += characterised_citations(ontology, values)
    for triple in entailed_values(ontology, values):
        inferred.add(triple)
    return minus_asserted(inferred, ontology, data)


def property_kinds(ontology: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """(object properties, datatype properties) the ontology declares or implies."""
    objects: set[URIRef] = set()
    for kind in _OBJECT_PROPERTY_TYPES:
        objects.update(ontology.subjects(RDF.type, kind))
    for s, o in ontology.subject_objects(OWL.inverseOf):
        objects.update(n for n in (s, o) if isinstance(n, URIRef))
    datatypes = set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    return objects, datatypes


def declared_terms(ontology: Graph) -> set[URIRef]:
    """Every IRI the ontology types as a class, a property or the ontology itself."""
    kinds = (OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
             OWL.AnnotationProperty, RDF.Property, OWL.Ontology, RDFS.Datatype, *_OBJECT_PROPERTY_TYPES,
             OWL.FunctionalProperty)
    return {s for k in kinds for s in ontology.subjects(RDF.type, k) if isinstance(s, URIRef)}


def build_input(ontology: Graph, data: Graph, individuals: Iterable[URIRef] | None = None) -> Graph:
    """The graph HermiT reads: the ontology plus what it needs of the data.

    With ``individuals``, only the data triples whose subject is one of them (bisection).
    """
    objects, datatypes = property_kinds(ontology)
    terms = declared_terms(ontology)
    keep = None if individuals is None else set(individuals)
    graph = Graph()
    for triple in ontology:
        if triple[1] != OWL.imports:
            graph.add(triple)
    for s, p, o in data:
        if isinstance(s, BNode) or isinstance(o, BNode) or (keep is not None and s not in keep):
            continue
        if (p == RDF.type and isinstance(o, URIRef)) or (p in objects and isinstance(o, URIRef)) \
                or (p in datatypes and isinstance(o, Literal)):
            graph.add((s, p, o))
            for node in (s, o) if p != RDF.type else (s,):
                if isinstance(node, URIRef) and node not in terms:
                    graph.add((node, RDF.type, OWL.NamedIndividual))
    return graph


def run_hermit(graph: Graph, actions: tuple[str, ...]) -> str | None:
    """Run HermiT's command line on ``graph``; its output, or None if inconsistent.

    HermiT writes its answer to a file (``--output``); it exits 0 having written an answer
    (each action used here always writes one), 0 with no answer when it could not read the
    ontology, and non-zero with the OWL API's ``InconsistentOntologyException`` when the
    ontology is inconsistent. The JVM dies with the build (:mod:`govgraph.children`).
    """
    java = shutil.which("java")
    if java is None:
        raise ConfigError("the reasoner needs a Java runtime: install one (e.g. apt-get install default-jre)")
    with tempfile.TemporaryDirectory(prefix="govgraph-hermit-") as tmp, hermit_classpath() as classpath:
        path, answer = Path(tmp) / "input.nt", Path(tmp) / "output.txt"
        graph.serialize(destination=str(path), format="nt", encoding="utf-8")
        command = [java, f"-Xmx{JAVA_MEMORY_MB}M", *JAVA_OPTIONS, "-cp", classpath,
                   "org.semanticweb.HermiT.cli.CommandLine", *actions, "--output", str(answer),
                   "--ignoreUnsupportedDatatypes", path.as_uri()]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                                preexec_fn=dies_with_this_process())
        output = answer.read_text(encoding="utf-8") if answer.is_file() else ""
    if result.returncode == 0 and output:
        return output
    if result.returncode != 0 and INCONSISTENT in result.stderr:
        return None
    message = [line for line in (result.stderr or result.stdout).strip().splitlines() if line.strip()]
    raise InputError(f"the reasoner could not read the ontology and data (exit status {result.returncode}): "
                     + (" / ".join(message[:4]) or "no answer"))


@contextmanager
def hermit_classpath():
    """The Java class path of the HermiT that owlready2 ships (its ``hermit/`` directory,
    which holds owlready2's own classes, then ``HermiT.jar``), found as package data."""
    with as_file(files("owlready2") / "hermit") as hermit:
        jar = hermit / "HermiT.jar"
        if not jar.is_file():
            raise ConfigError(f"owlready2 ships no HermiT.jar (looked in {hermit}): reinstall owlready2")
        yield os.pathsep.join([str(hermit), str(jar)])


def unsatisfiable_classes(output: str) -> list[URIRef]:
    """Named classes HermiT lists as equivalent to owl:Nothing (``-U``).

    >>> unsatisfiable_classes("Classes equivalent to 'owl:Nothing':\\n\\thttp://x/A\\n"
    ...                       "\\thttp://www.w3.org/2002/07/owl#Nothing\\n")
    [rdflib.term.URIRef('http://x/A')]
    """
    return sorted(URIRef(c) for c in _UNSATISFIABLE.findall(output) if not c.startswith(str(OWL)))


def inferred_types(output: str) -> Graph:
    """The ``Type( <individual> <class> )`` lines of HermiT's ``-I`` output (each
    individual's most specific types), as a graph.

    >>> len(inferred_types("Type( <http://x/i> <http://x/A> )\\nType( <http://x/i> <http://www.w3.org/2002/07/owl#Thing> )"))
    1
    """
    graph = Graph()
    for individual, klass in _TYPE_LINE.findall(output):
        if not klass.startswith(str(OWL)):
            graph.add((URIRef(individual), RDF.type, URIRef(klass)))
    return graph


def class_taxonomy(output: str) -> dict[URIRef, set[URIRef]]:
    """Each class's direct named superclasses in HermiT's classification (``-c``); the
    members of an ``EquivalentClasses`` line are each other's superclasses.

    >>> taxonomy = class_taxonomy("SubClassOf( <http://x/C> <http://x/A> )\\n"
    ...                           "EquivalentClasses( <http://x/A> <http://x/B> )\\n")
    >>> sorted(str(c) for c in taxonomy[URIRef("http://x/A")])
    ['http://x/B']
    >>> sorted(str(c) for c in taxonomy[URIRef("http://x/C")])
    ['http://x/A']
    """
    taxonomy: dict[URIRef, set[URIRef]] = defaultdict(set)
    for kind, classes, _ in _CLASS_LINE.findall(output):
        named = [URIRef(c) for c in re.findall(r"<([^>]+)>", classes)]
        if kind == "SubClassOf":
            taxonomy[named[0]].add(named[1])
            continue
        for klass in named:
            taxonomy[klass].update(c for c in named if c != klass)
    return dict(taxonomy)


def hermit_values(output: str) -> Graph:
    """The known object property values of HermiT's ``-Y`` output (used to cross-check)."""
    graph = Graph()
    for prop, known in _VALUE_LINE.findall(output):
        if not prop.startswith(str(OWL)):
            for s, o in _PAIR.findall(known):
                graph.add((URIRef(s), URIRef(prop), URIRef(o)))
    return graph


def minus_asserted(inferred: Graph, ontology: Graph, data: Graph) -> Graph:
    """``inferred`` without the triples already asserted in the ontology or the data."""
    for triple in list(inferred):
        if triple in data or triple in ontology:
            inferred.remove(triple)
    return inferred


# ---- finding the culprit of an inconsistency ----

def diagnose(ontology: Graph, data: Graph, progress: Callable[[str], None]) -> str:
    """Explain an inconsistency: disjoint types first, then bisection over individuals."""
    clashes = disjoint_clashes(ontology, data)
    if clashes:
        return "the ontology and data are inconsistent: " + "; ".join(clashes)
    progress("reason: inconsistent; bisecting over individuals to find the culprit")
    culprit = bisect_individuals(ontology, data)
    if culprit is None:
        return "the ontology alone is inconsistent (no data individual needed)"
    types = ", ".join(short_name(t) for t in sorted(data.objects(culprit, RDF.type)))
    return (f"the ontology and data are inconsistent: the first individual (in IRI order) whose "
            f"assertions make it so is {short_name(culprit)} (typed {types or 'nothing'}); "
            "check its types and property values against the ontology's axioms")


def superclasses(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    """Each named class's named superclasses (reflexive, transitive)."""
    direct = defaultdict(set)
    for s, o in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct[s].add(o)
    for s, o in ontology.subject_objects(OWL.equivalentClass):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct[s].add(o)
            direct[o].add(s)
    closure = {}
    for start in list(direct):
        seen, todo = {start}, [start]
        while todo:
            for parent in direct.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        closure[start] = seen
    return closure


def disjoint_pairs(ontology: Graph) -> set[frozenset]:
    """Pairs of named classes declared disjoint (owl:disjointWith, owl:AllDisjointClasses)."""
    pairs = {frozenset((s, o)) for s, o in ontology.subject_objects(OWL.disjointWith)}
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        for head in ontology.objects(node, OWL.members):
            members = list(Collection(ontology, head))
            pairs.update(frozenset((a, b)) for a in members for b in members if a != b)
    return {p for p in pairs if len(p) == 2 and all(isinstance(c, URIRef) for c in p)}


def disjoint_clashes(ontology: Graph, data: Graph) -> list[str]:
    """Individuals whose asserted types fall under two disjoint classes."""
    supers, pairs = superclasses(ontology), disjoint_pairs(ontology)
    clashes = []
    for individual in sorted(set(data.subjects(RDF.type))):
        types = sorted(data.objects(individual, RDF.type))
        closure = {t: supers.get(t, {t}) for t in types}
        for pair in pairs:
            a, b = sorted(pair)
            has_a = [t for t in types if a in closure[t]]
            has_b = [t for t in types if b in closure[t]]
            if has_a and has_b:
                clashes.append(f"{short_name(individual)} is typed {short_name(has_a[0])} and "
                               f"{short_name(has_b[0])}, but {short_name(a)} and "
                               f"{short_name(b)} are disjoint")
    return clashes


def bisect_individuals(ontology: Graph, data: Graph) -> URIRef | None:
    """The individual whose assertions first make a prefix of the data inconsistent."""
    individuals = sorted({s for s in data.subjects() if isinstance(s, URIRef)})
    if run_hermit(build_input(ontology, data, individuals=[]), ("-k",)) is None:
        return None
    low, high = 0, len(individuals)  # prefix [:low] consistent, [:high] inconsistent
    while high - low > 1:
        middle = (low + high) // 2
        if run_hermit(build_input(ontology, data, individuals[:middle]), ("-k",)) is None:
            high = middle
        else:
            low = middle
    return individuals[high - 1] if individuals else None


