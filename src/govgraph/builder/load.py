"""Step 1 of the build: parse every source file, strictly, and say where a file is wrong.

Each Turtle file is parsed twice: first by Oxigraph's strict parser, which rejects
undeclared prefixes and invalid IRIs with a line number, then by rdflib, which builds the
graphs the reasoner and pySHACL read. Literals whose lexical form does not fit their
datatype (``"20x1"^^xsd:gYear``) are refused too, naming the file and the subject.

>>> from govgraph.builder.load import load_sources
>>> from pathlib import Path
>>> mini = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "mini"
>>> sources = load_sources(mini)
>>> sources.files[:1]
['ontology/mini.ttl']
>>> sources.file_of(URIRef("https://w3id.org/govgraph/id/state/USA"))
'data/actors.ttl'
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyoxigraph
from rdflib import Graph, Literal, URIRef, XSD
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from govgraph.errors import InputError
from govgraph.namespaces import short_name

#: The source parts loaded into their own graph, in this order.
PARTS = ("ontology", "data", "shapes")


@dataclass
class Sources:
    """The parsed source tree: one rdflib graph per part and where each subject came from."""

    root: Path
    ontology: Graph
    data: Graph
    shapes: Graph
    files: list[str] = field(default_factory=list)
    subject_files: dict[Node, str] = field(default_factory=dict)
    mention_files: dict[Node, str] = field(default_factory=dict)
    subject_lines: dict[Node, int] = field(default_factory=dict)

    def file_of(self, node: Node) -> str:
        """The data file that asserted ``node`` as a subject (or first mentioned it).

        >>> Sources(Path("."), Graph(), Graph(), Graph()).file_of(URIRef("urn:x"))
        'data/?'
        """
        return self.subject_files.get(node) or self.mention_files.get(node, "data/?")

    def where(self, node: Node) -> str:
        """``file:line`` of the block (or template row) that states ``node``, else the file.

        >>> Sources(Path("."), Graph(), Graph(), Graph(), subject_files={URIRef("urn:x"): "data/a.ttl"},
        ...         subject_lines={URIRef("urn:x"): 7}).where(URIRef("urn:x"))
        'data/a.ttl:7'
        """
        line = self.subject_lines.get(node)
        return f"{self.file_of(node)}:{line}" if line else self.file_of(node)

    @property
    def triples(self) -> int:
        return len(self.ontology) + len(self.data) + len(self.shapes)


def load_sources(root: Path, parts: tuple[str, ...] = PARTS, into: Sources | None = None) -> Sources:
    """Parse ``root``'s ontology/, data/ and shapes/ Turtle files and expand data/'s
    templates (or only ``parts``, added to ``into``); InputError names file:line
    (file:row:column in a template)."""
    root = Path(root)
    sources = into if into is not None else Sources(root, Graph(), Graph(), Graph())
    for part in parts:
        for path in sorted((root / part).glob("*.ttl")):
            rel = f"{part}/{path.name}"
            triples = _parse_file(path, rel, into=getattr(sources, part))
            sources.files.append(rel)
            if part == "data":
                _map_nodes(triples, rel, sources)
                sources.subject_lines.update(subject_lines(path.read_text(encoding="utf-8"), triples))
        if part == "data":
            _load_templates(root, sources)
    return sources


def _load_templates(root: Path, sources: Sources) -> None:
    """Expand ``data/*.tsv`` (facts as rows, :mod:`govgraph.builder.template`) into the data graph."""
    from govgraph.builder.template import expand_template

    for path in sorted((root / "data").rglob("*.tsv")):
        rel = path.relative_to(root).as_posix()
        made = expand_template(path, rel)
        sources.data += made.graph
        sources.files.append(rel)
        for node, row in made.rows.items():
            sources.subject_files.setdefault(node, rel)
            sources.subject_lines.setdefault(node, row)
        for _, _, obj in made.graph:
            if isinstance(obj, URIRef):
                sources.mention_files.setdefault(obj, rel)


def parse_turtle(path: Path, rel: str) -> Graph:
    """Parse one Turtle file strictly; errors read ``rel:line: reason``.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".ttl", delete=False) as f:
    ...     _ = f.write('@prefix ex: <http://ex.org/> .\\nex:a ex:p foo:b .\\n')
    >>> parse_turtle(Path(f.name), "data/x.ttl")
    Traceback (most recent call last):
    ...
    govgraph.errors.InputError: data/x.ttl:2: The prefix foo: has not been declared
    >>> os.unlink(f.name)
    """
    graph = Graph()
    _parse_file(path, rel, into=graph)
    return graph


def _parse_file(path: Path, rel: str, into: Graph) -> list:
    """Check ``path`` with Oxigraph (syntax, IRIs, literals), then parse it into ``into``
    with rdflib; return Oxigraph's triples."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{rel}: cannot read: {err}") from None
    triples = _parse_with_oxigraph(text, rel)
    check_literals(triples, rel)
    _parse_with_rdflib(text, rel, into)
    return triples


_OX_LINE = re.compile(r"at line (\d+)(?: between columns \d+ and \d+| column \d+)?: (.*?)(?:\s*\((?:.*, )?line \d+\))?$",
                      re.S)


def _parse_with_oxigraph(text: str, rel: str) -> list:
    try:
        return list(pyoxigraph.parse(text.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE))
    except SyntaxError as err:
        message = str(err).strip()
        match = _OX_LINE.search(message)
        if match:
            raise InputError(f"{rel}:{match.group(1)}: {match.group(2).strip()}") from None
        raise InputError(f"{rel}: {message}") from None


@contextmanager
def _quiet_literals():
    """rdflib logs each ill-typed literal; check_literals reports them instead."""
    term_logger = logging.getLogger("rdflib.term")
    level = term_logger.level
    term_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        term_logger.setLevel(level)


def _parse_with_rdflib(text: str, rel: str, into: Graph) -> None:
    with _quiet_literals():
        try:
            into.parse(data=text, format="turtle")
        except BadSyntax as err:
            raise InputError(f"{rel}:{err.lines + 1}: {err._why}") from None


_TZ = r"(Z|[+-]\d\d:\d\d)?"
_LEXICAL = {
    XSD.gYear: re.compile(rf"-?\d{{4,}}{_TZ}"),
    XSD.gYearMonth: re.compile(rf"-?\d{{4,}}-(0[1-9]|1[0-2]){_TZ}"),
    XSD.date: re.compile(rf"-?\d{{4,}}-\d\d-\d\d{_TZ}"),
    XSD.dateTime: re.compile(rf"-?\d{{4,}}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?{_TZ}"),
    XSD.integer: re.compile(r"[+-]?\d+"),
    XSD.nonNegativeInteger: re.compile(r"\+?\d+|-0+"),
    XSD.positiveInteger: re.compile(r"\+?0*[1-9]\d*"),
    XSD.decimal: re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    XSD.boolean: re.compile(r"true|false|1|0"),
}


def literal_problem(literal: Literal) -> str | None:
    """Why ``literal``'s lexical form is not valid for its datatype, or None.

    >>> literal_problem(Literal("20x1", datatype=XSD.gYear))
    "'20x1' is not a valid xsd:gYear"
    >>> literal_problem(Literal("2021", datatype=XSD.gYear)) is None
    True
    >>> literal_problem(Literal("2021-02-30", datatype=XSD.date))
    "'2021-02-30' is not a valid xsd:date"
    """
    datatype = literal.datatype
    if datatype is None:
        return None
    pattern = _LEXICAL.get(datatype)
    text = str(literal)
    valid = not literal.ill_typed if pattern is None else bool(pattern.fullmatch(text))
    if valid and datatype in (XSD.date, XSD.dateTime):
        valid = _calendar_valid(text)
    if valid:
        return None
    name = datatype.replace(str(XSD), "xsd:") if datatype.startswith(str(XSD)) else f"<{datatype}>"
    return f"{text!r} is not a valid {name}"


def _calendar_valid(text: str) -> bool:
    core = text.lstrip("-")[:19] if "T" in text else text.lstrip("-")[:10]
    try:
        (datetime if "T" in text else date).fromisoformat(core)
    except ValueError:
        return False
    return True


_PLAIN = {str(XSD.string), "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


def check_literals(triples, rel: str) -> None:
    """Raise InputError naming the file and subject of every ill-typed literal
    (``triples``: Oxigraph triples of one file)."""
    problems = []
    with _quiet_literals():
        for triple in triples:
            obj = triple.object
            if isinstance(obj, pyoxigraph.Literal) and obj.datatype.value not in _PLAIN:
                problem = literal_problem(Literal(obj.value, datatype=URIRef(obj.datatype.value)))
                if problem:
                    problems.append(f"{rel}: {_show_ox(triple.subject)} {_show_ox(triple.predicate)}: {problem}")
    if problems:
        raise InputError("ill-typed literal(s):\n  " + "\n  ".join(sorted(problems)))


def _show_ox(term) -> str:
    return short_name(URIRef(term.value)) if isinstance(term, pyoxigraph.NamedNode) else "[]"


_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.I | re.M)
_SUBJECT_START = re.compile(r"^(<[^>\s]*>|[A-Za-z][\w.-]*:[^\s;,]*)", re.M)


def subject_lines(text: str, triples) -> dict[Node, int]:
    """The 1-based line where each IRI subject of a Turtle text starts its block (a subject
    written at the start of a line, as ``govgraph fmt`` writes them).

    >>> text = '@prefix ex: <http://ex.org/> .\\n\\nex:a ex:p 1 .\\n<http://ex.org/b> ex:p 2 .\\n'
    >>> import pyoxigraph
    >>> sorted(subject_lines(text, pyoxigraph.parse(text.encode(), format=pyoxigraph.RdfFormat.TURTLE)).values())
    [3, 4]
    """
    prefixes = dict(_PREFIX_LINE.findall(text))
    subjects = {t.subject.value for t in triples if isinstance(t.subject, pyoxigraph.NamedNode)}
    lines: dict[Node, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        match = _SUBJECT_START.match(line)
        if not match or line.lstrip().upper().startswith(("PREFIX", "@PREFIX", "BASE", "@BASE")):
            continue
        token = match.group(1)
        prefix, _, local = token.partition(":")
        iri = token[1:-1] if token.startswith("<") else prefixes.get(prefix, "\0") + local
        if iri in subjects:
            lines.setdefault(URIRef(iri), number)
    return lines


def _map_nodes(triples, rel: str, sources: Sources) -> None:
    for triple in triples:
        for term, table in ((triple.subject, sources.subject_files), (triple.object, sources.mention_files)):
            if isinstance(term, pyoxigraph.NamedNode):
                table.setdefault(URIRef(term.value), rel)
