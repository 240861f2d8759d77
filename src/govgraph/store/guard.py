"""Screen a SPARQL query before the engine sees it.

pyoxigraph has no syntax-tree API, so this module tokenizes the query the way the engine
does (strings, comments, IRIs, prefixed names with their escapes, variables) and reads the
tokens, never the raw text: a ``SERVICE`` inside a string or a comment is not a call.

It answers five questions, after refusing an update sent as a query (403, read-only):

- the query form (SELECT, ASK, CONSTRUCT, DESCRIBE), to negotiate the response format;
- whether the query names its own dataset (``FROM`` / ``FROM NAMED``);
- every ``SERVICE`` and ``LOAD`` target, refused unless it starts with an allow-listed prefix
  (pyoxigraph would fetch any URL, internal addresses and all); targets are resolved as the
  engine resolves them: against the query's BASE or the endpoint's IRI, with the query's
  PREFIX declarations over the predeclared prefixes;
- the bracket nesting depth, refused above :data:`MAX_DEPTH` (about 3,000 nested groups
  crash the engine with SIGSEGV);
- for a ``SELECT *`` query, its variables in the order they first appear (the engine's own
  order is alphabetical; Jena and Virtuoso list them as written).

The query is screened twice when it holds ``\\u``/``\\U`` escapes: as written (what
pyoxigraph parses) and with the escapes decoded (what the SPARQL grammar says); a refusal
in either view refuses the query.

>>> screen_query("PREFIX ex: <http://e/> SELECT * { ?s ex:p 'SERVICE <x>' } # SERVICE").form
'SELECT'
>>> screen_query("ASK { SERVICE <http://127.0.0.1:7878/query> { ?s ?p ?o } }")
Traceback (most recent call last):
...
govgraph.errors.BadRequestError: SERVICE <http://127.0.0.1:7878/query> is refused: this endpoint calls no other service unless its allow-list names it
>>> screen_query("ASK { SERVICE <http://127.0.0.1:7878/query> { } }", ("http://127.0.0.1:7878/",)).services
('http://127.0.0.1:7878/query',)
>>> screen_query("ASK { SERVICE peer:query { } }", ("http://127.0.0.1:7878/",),
...              predeclared={"peer": "http://127.0.0.1:7878/"}).services
('http://127.0.0.1:7878/query',)
>>> screen_query("SELECT * { ?zeta ?alpha $mid . ?zeta ?p ?b }").star_order
('zeta', 'alpha', 'mid', 'p', 'b')
>>> screen_query("PREFIX a: <http://a/> ASK { a:x b:y c:z }", predeclared={"a": "x:", "b": "y:"}).predeclared_used
('b',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from govgraph.errors import READ_ONLY, BadRequestError, ReadOnlyError

#: Deepest bracket nesting ({, (, [) accepted; the engine crashes near 3,000.
MAX_DEPTH = 500

_PN_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_CHAR = r"[\w\-.\u00B7\u00C0-\U000EFFFF]"
_TOKEN = re.compile(rf'''
  (?P<ws>\s+)
| (?P<comment>\#[^\n\r]*)
| (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
             |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
| (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
| (?P<var>[?$]\w+)
| (?P<pname>(?:[A-Za-z\u00C0-\U000EFFFF](?:{_PN_CHAR}|\.)*)?:(?:{_PN_CHAR}|:|%[0-9A-Fa-f]{{2}}|{_PN_ESC})*)
| (?P<word>[A-Za-z_][\w\-]*)
| (?P<open>[{{(\[])
| (?P<close>[}})\]])
| (?P<other>.)
''', re.X | re.S)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_REFUSAL = "is refused: this endpoint calls no other service unless its allow-list names it"


class Token(NamedTuple):
    kind: str
    text: str
    start: int = -1  # offset of the token in the query text


@dataclass(frozen=True)
class Screening:
    """What the engine needs to know about a query before running it."""

    form: str | None          # SELECT, ASK, CONSTRUCT, DESCRIBE, or None if not found
    has_dataset: bool          # the query has FROM / FROM NAMED clauses
    services: tuple[str, ...]  # allowed SERVICE / LOAD targets it names
    depth: int                 # deepest bracket nesting
    star_order: tuple[str, ...] | None = None  # SELECT *: variable names in order of appearance
    predeclared_used: tuple[str, ...] = ()  # predeclared prefixes the query uses without declaring
    star_at: int = -1  # SELECT *: the offset of its '*' in the query text


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into significant tokens (whitespace and comments dropped).

    >>> [t.text for t in tokenize('SELECT ?x { <a#b> ex:p\\\\#c "}" } # {')]
    ['SELECT', '?x', '{', '<a#b>', 'ex:p\\\\#c', '"}"', '}']
    """
    return [Token(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("ws", "comment")]


def screen_query(text: str, allowlist: tuple[str, ...] = (), base: str | None = None,
                 predeclared: dict[str, str] | None = None) -> Screening:
    """Screen ``text``; raise BadRequestError for a refused SERVICE/LOAD or too deep a nesting.

    ``base`` is the IRI relative IRIs resolve against (the endpoint's), ``predeclared`` the
    prefixes the engine knows without PREFIX lines (a PREFIX line of the query wins).
    """
    context = (base, predeclared or {})
    screening = _screen(*_shallow_tokens(text), allowlist, context)
    if _UCHAR.search(text):
        decoded = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
        _screen(*_shallow_tokens(decoded), allowlist, context)
    return screening


def _shallow_tokens(text: str) -> tuple[list[Token], int]:
    """The significant tokens and the deepest nesting; stops as soon as it passes MAX_DEPTH."""
    tokens: list[Token] = []
    depth = deepest = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > MAX_DEPTH:
                    raise BadRequestError(f"the query nests brackets more than {MAX_DEPTH} levels deep; "
                                          f"at most {MAX_DEPTH} are accepted")
        elif kind == "close":
            depth -= 1
        elif kind in ("ws", "comment"):
            continue
        tokens.append(Token(kind, m.group(), m.start()))
    return tokens, deepest


def _screen(tokens: list[Token], depth: int, allowlist: tuple[str, ...],
            context: tuple[str | None, dict[str, str]]) -> Screening:
    operation = first_operation(tokens)
    if operation in _UPDATES:
        raise ReadOnlyError(f"{READ_ONLY} ({operation} is an update operation)")
    base, predeclared = context
    declared, base = prologue(tokens, base)
    services = tuple(_check_target(call, target, {**predeclared, **declared}, base, allowlist)
                     for call, target in _calls(tokens))
    words = [t.text.upper() for t in tokens if t.kind == "word"]
    form = next((w for w in words if w in _FORMS), None)
    star, star_at = _star_order(tokens) if operation == "SELECT" else (None, -1)
    used = dict.fromkeys(t.text.split(":", 1)[0] for t in tokens if t.kind == "pname")
    needed = tuple(p for p in used if p in predeclared and p not in declared)
    return Screening(form, "FROM" in words, services, depth, star, needed, star_at=star_at)


def _star_order(tokens: list[Token]) -> tuple[tuple[str, ...] | None, int]:
    """For a ``SELECT [DISTINCT|REDUCED] *`` query, its variables in order of first appearance
    (``?x`` and ``$x`` are one variable) and the offset of the ``*``; (None, -1) for any other
    projection."""
    i = next(i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() == "SELECT") + 1
    if i < len(tokens) and tokens[i].text.upper() in ("DISTINCT", "REDUCED"):
        i += 1
    if i >= len(tokens) or tokens[i].text != "*":
        return None, -1
    return tuple(dict.fromkeys(t.text[1:] for t in tokens[i:] if t.kind == "var")), tokens[i].start


def first_operation(tokens: list[Token]) -> str | None:
    """The first keyword after the prologue (BASE and PREFIX declarations), upper-cased.

    >>> first_operation(tokenize("BASE <http://e/> PREFIX ex: <x> PREFIX : <y> insert data { }"))
    'INSERT'
    >>> first_operation(tokenize("PREFIX select: <http://e/> SELECT * {}"))
    'SELECT'
    """
    i = 0
    while i < len(tokens):
        keyword = tokens[i].text.upper() if tokens[i].kind == "word" else ""
        if keyword == "BASE":
            i += 2
        elif keyword == "PREFIX":
            i += 3
        else:
            return keyword or None
    return None


def prologue(tokens: list[Token], base: str | None = None,
             predeclared: dict[str, str] | None = None) -> tuple[dict[str, str], str | None]:
    """The prefixes in force (``predeclared``, overridden by the PREFIX declarations) and the
    last BASE (``base`` if none), IRIs without their angle brackets, resolved as the engine does.

    >>> prologue(tokenize("PREFIX gg: <http://e/> BASE <http://b/> PREFIX x: <y/> ASK {}"),
    ...          "http://s/sparql", {"gg": "http://g/", "rdfs": "http://r/"})
    ({'gg': 'http://e/', 'rdfs': 'http://r/', 'x': 'http://b/y/'}, 'http://b/')
    """
    prefixes: dict[str, str] = dict(predeclared or {})
    for i, t in enumerate(tokens[:-1]):
        keyword = t.text.upper() if t.kind == "word" else ""
        if keyword == "BASE" and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1].text[1:-1], base)
        elif keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = _resolve(tokens[i + 2].text[1:-1], base)
    return prefixes, base


def _calls(tokens: list[Token]):
    """Yield (keyword, target token) for every SERVICE and LOAD the engine could see.

    ``SERVICE:x {`` is SERVICE with target ``:x`` to the engine, so a prefixed name whose
    prefix is ``service`` or ``silent`` and that opens a group is read that way too.
    """
    for i, t in enumerate(tokens):
        if t.kind not in ("word", "pname") or t.text[:1] not in "sSlL":
            continue
        keyword = t.text.upper()
        if t.kind == "word" and keyword in ("SERVICE", "LOAD"):
            target = tokens[i + 1] if i + 1 < len(tokens) else Token("other", "")
            if target.kind == "word" and target.text.upper() == "SILENT":
                target = tokens[i + 2] if i + 2 < len(tokens) else Token("other", "")
            elif target.kind == "pname" and target.text.split(":")[0].upper() == "SILENT":
                target = Token("pname", target.text[target.text.index(":"):])
            yield keyword, target
        elif (t.kind == "pname" and keyword.split(":")[0] in ("SERVICE", "LOAD")
              and i + 1 < len(tokens) and tokens[i + 1].text == "{"):
            yield keyword.split(":")[0], Token("pname", t.text[t.text.index(":"):])


def _check_target(call: str, target: Token, prefixes: dict[str, str], base: str | None,
                  allowlist: tuple[str, ...]) -> str:
    iri = None
    if target.kind == "iri":
        iri = _resolve(target.text[1:-1], base)
    elif target.kind == "pname":
        prefix, _, local = target.text.partition(":")
        if prefix in prefixes:
            iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    shown = f"<{iri}>" if iri else (target.text or "(nothing)")
    if iri is None or not urlsplit(iri).scheme or not any(iri.startswith(a) for a in allowlist):
        raise BadRequestError(f"{call} {shown} {_REFUSAL}")
    return iri


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri
