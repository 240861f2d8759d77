"""Step 3 of the build: SHACL over exactly what will be served (pySHACL).

The data graph pySHACL sees is the union of the ontology, the data and the inferred
graph; the shapes are checked against SHACL-SHACL first. Each violation is reported in a
curator's words: ``data/FILE.ttl: <subject> <property>: message (ggsh:Shape)``, the file
being the one that asserted the focus node (a blank node is shown through the IRI that
owns it). Warnings are printed and do not fail the build.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyshacl
from pyshacl.entrypoints import meta_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, RDF, URIRef
from rdflib.namespace import SH

from govgraph.builder.canonical import canonical_nquads
from govgraph.builder.load import Sources
from govgraph.children import die_with_parent
from govgraph.errors import InputError, NonConformantError
from govgraph.namespaces import bind_prefixes, short_name


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


@contextmanager
def served_in_place(data: Graph, *others: Graph):
    """``data`` holding, for the block, every triple of ``others`` too (the union served by
    default), then exactly its own triples again. Adding the ontology and the inferred
    triples to the data graph and taking them out again costs a fraction of copying the
    data into a new union graph (a million triples: about a tenth of the additions, and
    no second copy in memory).

    >>> from rdflib import URIRef
    >>> a, b = Graph(), Graph()
    >>> _ = a.add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
    >>> _ = b.add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o2")))
    >>> with served_in_place(a, b) as served:
    ...     len(served)
    2
    >>> len(a)
    1
    """
    added = []
    try:
        for graph in others:
            for triple in graph:
                if triple not in data:
                    data.add(triple)
                    added.append(triple)
        yield data
    finally:
        for triple in added:
            data.remove(triple)


def run_shacl(data: Graph, shapes: Graph, meta_shacl: bool = True) -> tuple[bool, Graph]:
    """pySHACL with the settings the build uses; (conforms, report graph). ``data`` is
    validated in place (SHACL rules, which we do not use, could add to it).

    With ``meta_shacl``, the shapes are first validated against SHACL-SHACL (InputError
    if they are invalid).
    """
    try:
        conforms, report, _ = pyshacl.validate(  # inplace: ``data`` is our own copy, no clone needed
            data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=True, inplace=True,
            abort_on_first=False, allow_warnings=True, meta_shacl=meta_shacl, do_owl_imports=False)
    except ReportableRuntimeError as err:
        raise InputError(f"shapes/: the shapes graph is not valid SHACL: {err.message}") from None
    bind_prefixes(report)
    return conforms, report


class ShapesCheck:
    """SHACL-SHACL validation of the shapes graph, run in a child process.

    pySHACL's meta-validation costs about 6 s of CPU on our 1,400 shape triples (nested
    ``sh:or``/``sh:xone`` results built and thrown away), more than the rest of the build
    together; the build starts it right after loading and collects it after validating
    the data, so it runs beside the reasoner on the second core. With ``cache_dir``, a
    pass is remembered under the sha256 of the shapes (and pySHACL's version), so
    unchanged shapes are not checked again. Use as a context manager: leaving the
    block stops a check that is still running.

    >>> from rdflib import Graph
    >>> with ShapesCheck(Graph()) as check:
    ...     check.result()
    """

    def __init__(self, shapes: Graph, cache_dir: Path | None = None) -> None:
        self._process = None
        self._mark = None
        if cache_dir is not None:
            digest = hashlib.sha256(canonical_nquads({"urn:shapes": shapes})
                                    + pyshacl.__version__.encode()).hexdigest()
            self._mark = Path(cache_dir) / "shacl-shacl" / f"{digest}.ok"
            if self._mark.is_file():
                return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        payload = shapes.serialize(format="nt", encoding="utf-8")
        self._process = context.Process(target=_meta_worker, args=(payload, send, os.getpid()), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> None:
        """Wait for the check; InputError if the shapes are not valid SHACL."""
        if self._process is None:
            return
        try:
            conforms, text = self._receive.recv()
        except EOFError:
            raise InputError("shapes/: the SHACL-SHACL check of the shapes stopped without an answer") from None
        finally:
            self._process.join()
        if not conforms:
            raise InputError(f"shapes/: the shapes graph is not valid SHACL (SHACL-SHACL):\n{text}")
        if self._mark is not None:
            self._mark.parent.mkdir(parents=True, exist_ok=True)
            self._mark.touch()

    def __enter__(self) -> "ShapesCheck":
        return self

    def __exit__(self, *exc) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._receive.close()


def _meta_worker(payload: bytes, send, parent: int) -> None:
    die_with_parent(parent)  # a killed build runs no __exit__: the check must not outlive it
    shapes = Graph().parse(data=payload, format="nt")
    try:
        conforms, _, text = meta_validate(shapes, inference="none")
    except ReportableRuntimeError as err:
        conforms, text = False, err.message
    send.send((bool(conforms), str(text)))
    send.close()


def validate(sources: Sources, inferred: Graph, progress: Callable[[str], None] = lambda m: None,
             shapes_check: ShapesCheck | None = None) -> Graph:
    """Validate ontology + data + inferred against the shapes; return the report graph.

    Raises NonConformantError listing every violation; warnings only go to ``progress``.
    With ``shapes_check`` (started earlier), its SHACL-SHACL verdict is collected here
    and an invalid shape wins over data violations; without it the shapes are
    meta-validated in this process.
    """
    try:
        with served_in_place(sources.data, sources.ontology, inferred) as served:
            conforms, report = run_shacl(served, sources.shapes, meta_shacl=shapes_check is None)
            findings = findings_of(report, sources, served)
    finally:
        if shapes_check is not None:
            shapes_check.result()
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
            file=sources.where(owner),  # file:line (file:row for a template)
            subject=_show(focus, owner),
            path=short_name(path),
            message=_message(report, result),
            shape=short_name(shape_of(sources.shapes, report.value(result, SH.sourceShape)))))
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


def _show(focus, owner) -> str:
    if focus == owner or not isinstance(owner, URIRef):
        return short_name(focus)
    return f"[] (a blank node under {short_name(owner)})"
