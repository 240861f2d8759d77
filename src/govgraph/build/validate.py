"""Step 3 of the build: SHACL over exactly what will be served (pySHACL).

The data graph pySHACL sees is the union of the ontology, the data and the inferred
graph; the shapes are checked against SHACL-SHACL first. Each violation is reported in a
curator's words: ``data/FILE.ttl: <subject> <property>: message (ggsh:Shape)``, the file
being the one that asserted the focus node (a blank node is shown through the IRI that
owns it). Warnings are printed and do not fail the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, RDF, URIRef
from rdflib.namespace import SH

from govgraph.build.load import Sources
from govgraph.errors import InputError, NonConformantError
from govgraph.namespaces import bind_prefixes


@dataclass(frozen=True)
class Finding:
    """One SHACL result, located and worded for a curator."""

    severity: str
    file: str
    subject: str
    path: str
    message: str
    shape: str

    def __str__(self) -> str:
        return f"{self.file}: {self.subject} {self.path}: {self.message} ({self.shape})"


def union_graph(*graphs: Graph) -> Graph:
    """One graph holding every triple of ``graphs`` (what the endpoint serves by default)."""
    union = Graph()
    bind_prefixes(union)
    for graph in graphs:
        for triple in graph:
            union.add(triple)
    return union


def run_shacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """pySHACL with the settings the build uses; (conforms, report graph).

    Shapes are validated against SHACL-SHACL first (InputError if they are invalid).
    """
    try:
        conforms, report, _ = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=True,
            abort_on_first=False, allow_warnings=True, meta_shacl=True, do_owl_imports=False)
    except ReportableRuntimeError as err:
        raise InputError(f"shapes/: the shapes graph is not valid SHACL: {err.message}") from None
    bind_prefixes(report)
    return conforms, report


def validate(sources: Sources, inferred: Graph, progress: Callable[[str], None] = lambda m: None) -> Graph:
    """Validate ontology + data + inferred against the shapes; return the report graph.

    Raises NonConformantError listing every violation; warnings only go to ``progress``.
    """
    served = union_graph(sources.ontology, sources.data, inferred)
    conforms, report = run_shacl(served, sources.shapes)
    findings = findings_of(report, sources, served)
    for finding in findings:
        if finding.severity != "Violation":
            progress(f"validate: {finding.severity.lower()}: {finding}")
    violations = [str(f) for f in findings if f.severity == "Violation"]
    if violations:
        raise NonConformantError(f"{len(violations)} SHACL violation(s):\n  " + "\n  ".join(violations))
    return report


def findings_of(report: Graph, sources: Sources, served: Graph) -> list[Finding]:
    """Every sh:ValidationResult of ``report``, located in the source files, sorted."""
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        owner = owning_subject(served, focus)
        path = report.value(result, SH.resultPath)
        findings.append(Finding(
            severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            file=sources.file_of(owner),
            subject=_show(served, focus, owner),
            path=_term(served, path) if path is not None else "-",
            message=_message(report, result),
            shape=_term(served, shape_of(sources.shapes, report.value(result, SH.sourceShape)))))
    return sorted(findings, key=lambda f: (f.file, f.subject, f.path, f.message))


def owning_subject(graph: Graph, node):
    """The nearest IRI that reaches ``node`` (itself if it is an IRI)."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        parent = next(graph.subjects(None, node), None)
        if parent is None:
            return node
        node = parent
    return node


def shape_of(shapes: Graph, shape):
    """The named node shape that ``shape`` belongs to (a property shape's parent)."""
    if isinstance(shape, BNode):
        parent = next(shapes.subjects(SH.property, shape), None)
        if parent is not None:
            return parent
    return shape


def _message(report: Graph, result) -> str:
    messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
    value = report.value(result, SH.value)
    text = "; ".join(messages) or "does not conform"
    if value is not None and isinstance(value, Literal):
        text += f" (value {value.n3()})"
    return text


def _show(graph: Graph, focus, owner) -> str:
    if focus == owner or not isinstance(owner, URIRef):
        return _term(graph, focus)
    return f"[] (a blank node under {_term(graph, owner)})"


def _term(graph: Graph, node) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except ValueError:
            return f"<{node}>"
    if isinstance(node, BNode):
        return "[]"
    return str(node) if node is not None else "-"
