"""Syntax errors a person can read: where the query goes wrong, and what is wrong there.

pyoxigraph's parser reports the *farthest* point any grammar rule reached, and its keyword
rule reads as many characters as the keyword is long before comparing them; so its position
often lies past the offending token (a line later when that token ends a line) and its list
of what was expected holds every keyword whose length happened to end there, plus Unicode
ranges. This module finds the offending token with the parser itself: a prefix of the query,
cut after a token and followed by blank space and a character no rule accepts, fails *after*
the blank space when everything up to the cut can begin a valid query, and inside the prefix
otherwise; a binary search over the cuts finds the first token that cannot.

>>> explain("SELECT * {\\n  ?s ?p ?o\\n  FILTER(?x = )\\n}\\n", "error at 5:1: expected one of CEIL, [_]")
'line 3, column 15: unexpected `)`'
>>> explain("SELECT * { ?s foo:bar ?o }", "error at 1:22: expected one of Prefix not found, ['%']",
...         {"gg": "https://w3id.org/govgraph/def#"})
'undeclared prefix `foo:` at line 1, column 15; declare it (PREFIX foo: <...>) or use a predeclared prefix: gg:'
"""

from __future__ import annotations

import re

import pyoxigraph

from govgraph.store.guard import Token, prologue, tokenize

_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)
#: Blank space after a cut: longer than the longest keyword (ENCODE_FOR_URI, 14 characters),
#: so the keyword rule's read-ahead from the offending token cannot reach past it.
_GAP = " " * 32
_STOP = "\x01"  # no rule of the grammar accepts it outside a string
#: Tokens after which a cut never splits a lexeme (``<=``, ``^^``, ``@en``, ``1.5`` stay whole).
_BRACKETS = set("{}()[],;")
_PHRASES = {"IRI parsing failed"}
_MAX_SHOWN = 40
_MAX_EXPECTED = 8
#: One item of the engine's list: a quoted literal, a character class, or a bare word or sentence.
_ITEM = re.compile(r'''"(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,\["]+''')


def explain(text: str, message: str, predeclared: dict[str, str] | None = None, base: str | None = None) -> str:
    """A readable message for the engine's syntax error ``message`` on ``text``.

    ``predeclared`` and ``base`` are what the query ran with (its prefixes and base IRI).
    """
    predeclared = predeclared or {}
    found = _POSITION.match(message)
    if found is None:
        return message
    line, column, said = int(found[1]), int(found[2]), found[3]
    tokens = tokenize(text)
    if "Prefix not found" in said:
        undeclared = _undeclared(tokens, base, predeclared)
        if undeclared is not None:
            return _undeclared_message(text, undeclared, predeclared)
    quote = next((t for t in tokens if t.kind == "other" and t.text in "\"'"), None)
    if quote is not None:
        return f"{_where(text, quote.start)}: unterminated string starting with {quote.text}"
    items = _expected(said)
    sentences = [i for i in items if " " in i and not i.startswith(('"', "[")) and i not in _PHRASES]
    engine_at = min(_offset(text, line, column), len(text))
    if sentences:  # a rule of the grammar beyond syntax (an unbound variable in SELECT...)
        return f"{_where(text, engine_at)}: {'; '.join(sentences)}"
    iri_start = text.rfind("<", 0, engine_at)
    if "IRI parsing failed" in items and iri_start >= 0:  # the engine reads to the closing '>', then checks
        return f"{_where(text, iri_start)}: invalid IRI `{_shown(text[iri_start:engine_at])}`"
    start, end = _offending(text, tokens, predeclared, base)
    undeclared = _undeclared(tokens, base, predeclared)
    if undeclared is not None and undeclared.start <= start:  # the engine did not always say so
        return _undeclared_message(text, undeclared, predeclared)
    detail = f"{_where(text, start)}: " + (f"unexpected `{_shown(text[start:end])}`" if end > start
                                           else "unexpected end of query")
    punctuation = [i[1:-1].replace('\\"', '"') for i in items if i.startswith('"')]
    if punctuation and engine_at == start and len(punctuation) <= _MAX_EXPECTED:
        detail += "; expected " + " or ".join(f"`{p}`" for p in punctuation)
    return detail


def _undeclared(tokens: list[Token], base: str | None, predeclared: dict[str, str]) -> Token | None:
    """The first prefixed name whose prefix is neither declared nor predeclared."""
    known, _ = prologue(tokens, base, predeclared)
    for i, t in enumerate(tokens):
        after_prefix = i > 0 and tokens[i - 1].kind == "word" and tokens[i - 1].text.upper() == "PREFIX"
        if t.kind == "pname" and not after_prefix and t.text.split(":", 1)[0] not in known:
            return t
    return None


def _undeclared_message(text: str, token: Token, predeclared: dict[str, str]) -> str:
    prefix = token.text.split(":", 1)[0]
    known = ", ".join(f"{p}:" for p in predeclared) or "none"
    return (f"undeclared prefix `{prefix}:` at {_where(text, token.start)}; declare it "
            f"(PREFIX {prefix}: <...>) or use a predeclared prefix: {known}")


def _expected(said: str) -> list[str]:
    """The items of ``expected one of "x", KEYWORD, A sentence, ['a'..='z' | ...]``, without
    the character classes (``[_]``, Unicode ranges), which tell a person nothing.

    >>> _expected('''expected one of ",", "}", BIND, ['0'..='9' | ','], [_]''')
    ['","', '"}"', 'BIND']
    """
    said = re.sub(r"^expected (one of )?", "", said.strip())
    return [m.group().strip() for m in _ITEM.finditer(said) if not m.group().startswith("[") and m.group().strip()]


def _offending(text: str, tokens: list[Token], predeclared: dict[str, str],
               base: str | None) -> tuple[int, int]:
    """Where the first piece of the query that cannot continue a valid query starts and
    ends ((len(text), len(text)) when every piece can: the query stops too early)."""
    cuts = _cuts(tokens)
    low, high = 0, len(cuts)  # cuts[:low] can begin a valid query; cuts[high:] cannot
    while low < high:
        middle = (low + high) // 2
        if _viable(text[:cuts[middle]], predeclared, base):
            low = middle + 1
        else:
            high = middle
    if low == len(cuts):
        return len(text), len(text)
    previous = cuts[low - 1] if low else 0
    return next(t.start for t in tokens if t.start >= previous), cuts[low]


def _cuts(tokens: list[Token]) -> list[int]:
    """Token ends where a query may be cut without splitting a lexeme."""
    cuts = []
    for i, t in enumerate(tokens):
        end = t.start + len(t.text)
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if (following is None or following.start > end or t.text in _BRACKETS
                or following.text in _BRACKETS):
            cuts.append(end)
    return cuts


def _viable(prefix: str, predeclared: dict[str, str], base: str | None) -> bool:
    """Whether the parser gets through ``prefix`` (it then fails past the blank space)."""
    probe = prefix + _GAP + _STOP
    try:  # an empty store: the probe cannot parse, and if it did it would find nothing
        pyoxigraph.Store().query(probe, base_iri=base, prefixes=predeclared)
    except SyntaxError as err:
        found = _POSITION.match(str(err))
        return found is None or _offset(probe, int(found[1]), int(found[2])) >= len(prefix) + len(_GAP)
    except (ValueError, RuntimeError, OSError):
        return True
    return True


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column (columns count characters)."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    return start + column - 1


def _where(text: str, offset: int) -> str:
    """``line L, column C`` of a character offset.

    >>> _where("ab\\ncd", 4)
    'line 2, column 2'
    """
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _shown(token: str) -> str:
    return token if len(token) <= _MAX_SHOWN else token[:_MAX_SHOWN] + "…"
