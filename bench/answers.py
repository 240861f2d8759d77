"""The bench's query mix and its answers: every server's answer is normalised and compared
with the embedded store's, so that a fast wrong answer fails the run.

A normalised answer is a sorted list of rows of canonical terms (SELECT), a sorted list of
distinct triples (CONSTRUCT) or a boolean (ASK). Canonical terms forget what servers may
legitimately write differently: blank node labels, the case of language tags, ``xsd:string``
on a plain literal, Virtuoso's ``typed-literal``, and the lexical form of numbers
(``"3"^^xsd:integer`` and ``"3.0"^^xsd:decimal`` are both ``3``).

>>> body = b'{"head": {"vars": ["x", "n"]}, "results": {"bindings": [{"n": {"type": "typed-literal",'
>>> body += b' "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "03"}, "x": {"type": "literal",'
>>> body += b' "xml:lang": "EN", "value": "a"}}]}}'
>>> normalise(body, "application/sparql-results+json")
[('"a"@en', '3')]
>>> normalise(b'<http://a> <http://b> "c"^^<http://www.w3.org/2001/XMLSchema#string> .\\n', "application/n-triples")
[('<http://a>', '<http://b>', '"c"')]
>>> normalise(b'{"head": {}, "boolean": true}', "application/sparql-results+json")
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
SOLUTIONS = "application/sparql-results+json"
TRIPLES = "application/n-triples, text/turtle;q=0.9"
QUERIES = Path(__file__).resolve().parent / "queries"


class WrongAnswer(AssertionError):
    """A server's answer to a query of the mix is not the embedded store's (or the generator's)."""


@dataclass
class Query:
    """One query of the mix: its name (the file's stem), text, form and what it is for."""

    name: str
    text: str
    form: str  # SELECT, CONSTRUCT or ASK
    about: str = ""
    lengths: dict[str, int] = field(default_factory=dict)  # body length of each server's checked answer

    @property
    def accept(self) -> str:
        return TRIPLES if self.form == "CONSTRUCT" else SOLUTIONS


def load_mix(directory: Path = QUERIES) -> list[Query]:
    """The queries ``*.rq`` of ``directory``, in name order; the first comment line says what each is for.

    >>> [q.name for q in load_mix()][:2]
    ['q01-label-lookup', 'q02-join-year']
    """
    mix = []
    for path in sorted(Path(directory).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        about = text.splitlines()[0].lstrip("# ").strip() if text.startswith("#") else ""
        body = " ".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", "PREFIX")))
        form = next((f for f in ("CONSTRUCT", "ASK", "SELECT") if f in body.upper()), "SELECT")
        mix.append(Query(path.stem, text, form, about))
    if not mix:
        raise FileNotFoundError(f"{directory}: no *.rq query files")
    return mix


def canonical_json_term(term: dict) -> str:
    """One SPARQL JSON term as a canonical string (see the module's doc)."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return "_:"
    return canonical_literal(value, term.get("xml:lang"), term.get("datatype"))


def canonical_literal(value: str, language: str | None, datatype: str | None) -> str:
    """A literal's canonical string: numbers by value, plain = ``xsd:string``, language lower-cased.

    >>> canonical_literal("1.50", None, XSD + "decimal"), canonical_literal("x", "ES", None)
    ('1.5', '"x"@es')
    """
    if language:
        return f'"{value}"@{language.lower()}'
    if datatype in NUMERIC:
        try:
            number = Decimal(value.strip())
            return format(number.normalize(), "f") if number == number.to_integral() else str(number.normalize())
        except InvalidOperation:
            pass
    if datatype and datatype != XSD + "string":
        return f'"{value}"^^<{datatype}>'
    return f'"{value}"'


def _canonical_term(term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, pyoxigraph.BlankNode):
        return "_:"
    return canonical_literal(term.value, term.language, term.datatype.value if term.datatype else None)


def normalise(body: bytes, content_type: str):
    """A server's answer as a comparable value: a sorted list of rows or triples, or a boolean."""
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/sparql-results+json", "application/json"):
        document = json.loads(body)
        if "boolean" in document:
            return bool(document["boolean"])
        names = document["head"].get("vars", [])
        return sorted(tuple(canonical_json_term(b[n]) if n in b else "" for n in names)
                      for b in document["results"]["bindings"])
    formats = {"application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES, "text/plain": pyoxigraph.RdfFormat.N_TRIPLES,
               "text/turtle": pyoxigraph.RdfFormat.TURTLE, "application/n-quads": pyoxigraph.RdfFormat.N_QUADS}
    if media not in formats:
        raise WrongAnswer(f"unexpected answer type {content_type!r}: {body[:200]!r}")
    triples = {tuple(_canonical_term(t) for t in (q.subject, q.predicate, q.object))
               for q in pyoxigraph.parse(body, format=formats[media])}
    return sorted(triples)


def reference_answers(release_path: Path, mix: list[Query]) -> dict[str, object]:
    """The embedded store's normalised answers (pyoxigraph in this process, over the release's
    quads with the union of the named graphs as default graph, as ``govgraph serve`` opens it)."""
    from govgraph.store.worker import open_quads

    store = open_quads(Path(release_path))
    answers = {}
    for query in mix:
        result = store.query(query.text)
        if query.form == "CONSTRUCT":
            body = result.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
            answers[query.name] = normalise(body, "application/n-triples")
        else:
            body = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
            answers[query.name] = normalise(body, SOLUTIONS)
    return answers


def compare(server: str, query: Query, got, expected) -> None:
    """Raise :class:`WrongAnswer` naming the server and the query when ``got`` is not ``expected``."""
    if got == expected:
        return
    if isinstance(got, list) and isinstance(expected, list):
        missing = [r for r in expected if got.count(r) < expected.count(r)][:3]
        extra = [r for r in got if got.count(r) > expected.count(r)][:3]
        raise WrongAnswer(f"{server} answers {query.name} with {len(got)} rows, the embedded store with "
                          f"{len(expected)}; missing e.g. {missing}, unexpected e.g. {extra}")
    raise WrongAnswer(f"{server} answers {query.name} with {str(got)[:200]}, the embedded store with {str(expected)[:200]}")


def expected_queries(expected: dict) -> list[Query]:
    """The generator's checks (``expected.json``: name -> {"query", "expected"}) as queries named
    ``expect:<name>``, asked of every server beside the mix.

    >>> [q.name for q in expected_queries({"n": {"query": "SELECT (COUNT(*) AS ?n) {}", "expected": 1}})]
    ['expect:n']
    """
    return [Query(f"expect:{name}", entry["query"], "SELECT", "the generator's expectation")
            for name, entry in sorted(expected.items())]


def check_expected(query: Query, answer, expected: dict) -> None:
    """Raise :class:`WrongAnswer` unless the one value of ``answer`` (a COUNT) is what the
    generator expects for ``query`` (an ``expect:<name>`` query).

    >>> check_expected(Query("expect:n", "", "SELECT"), [("3",)], {"n": {"expected": 3}})
    >>> try:
    ...     check_expected(Query("expect:n", "", "SELECT"), [("2",)], {"n": {"expected": 3}})
    ... except WrongAnswer as err:
    ...     print(err)
    expect:n: [('2',)], the generator expects 3
    """
    want = expected[query.name.split(":", 1)[1]]["expected"]
    if answer != [(canonical_literal(str(want), None, XSD + "integer"),)]:
        raise WrongAnswer(f"{query.name}: {answer[:3]}, the generator expects {want}")
