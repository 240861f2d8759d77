"""Quotes located to the character: offsets, prefix/suffix and the sentence of a quote.

Offsets count Unicode code points of the registered text exactly as its sha256 identifies
it (Python ``str`` indices of the UTF-8-decoded file, no normalisation), as the Web
Annotation model's ``oa:TextPositionSelector`` specifies: ``start`` is the first code point
of the quote, ``end`` the one after its last.

Sentences are numbered from 1 in document order. A sentence ends at ``.``, ``!`` or ``?``
(with any closing quote or bracket after it) followed by white space and then neither a
lower-case letter nor an opening bracket, outside single quotation marks (‘…’), and at
every line break; a full stop after a known abbreviation (``Vol.``, ``pp.``, ``e.g.``),
after a single capital letter (an initial, ``Liisa H.``) or after a list number at the
start of a line (``2.``) does not end one. The rule is deliberately plain, so that anyone
can recount. A quote that runs over a sentence end falls in each sentence it touches.

>>> text = "The IOM grew. It has offices, says Liisa H. Malkki!\\n  2. A list item"
>>> [text[s:e] for s, e in sentence_spans(text)]
['The IOM grew.', 'It has offices, says Liisa H. Malkki!', '2. A list item']
>>> locate(text, "offices")
Location(start=21, end=28, prefix=None, suffix=None, sentences=(2,))
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

#: Characters kept as context on each side of a quote that occurs more than once.
CONTEXT = 24

#: Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset("vol vols no nos p pp ed eds e.g i.e etc cf vs dr mr mrs ms st fig op cit ibid".split())
_END = re.compile(r"[.!?][’”\"')\]]*(?=\s)")


class LocateError(ValueError):
    """A quote that cannot be placed in its text: the message says why."""


@dataclass(frozen=True)
class Location:
    """Where a quote is in a text: code-point offsets, context (when it repeats), sentence."""

    start: int
    end: int
    prefix: str | None
    suffix: str | None
    sentences: tuple[int, ...]


def _ends_sentence(line: str, at: int, end: int) -> bool:
    """Whether the terminator at ``line[at]`` (closers up to ``end``) ends a sentence."""
    following = line[end:].lstrip()
    if following[:1].islower() or following[:1] in ("(", "["):
        return False
    if line[at] != ".":
        return True
    word = re.search(r"(\S+)$", line[:at])
    token = word.group(1).lstrip("(‘“\"'[") if word else ""
    if token.lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]", token):
        return False
    return not (token.isdigit() and not line[:at - len(token)].strip())


def _quoted(line: str) -> list[bool]:
    """For each code point of ``line``, whether it is inside single quotation marks (‘…’);
    a ’ between two letters is an apostrophe, not a closing mark."""
    inside, depth = [], 0
    for i, char in enumerate(line):
        if char == "‘":
            depth += 1
        elif char == "’" and depth and not (line[i - 1:i].isalpha() and line[i + 1:i + 2].isalpha()):
            depth -= 1
        inside.append(depth > 0)
    return inside


def _line_sentences(line: str, offset: int) -> list[tuple[int, int]]:
    spans, begin, quoted = [], 0, _quoted(line)
    for match in _END.finditer(line):
        if not quoted[match.start()] and _ends_sentence(line, match.start(), match.end()):
            spans.append((begin, match.end()))
            begin = match.end()
    spans.append((begin, len(line)))
    out = []
    for s, e in spans:
        piece = line[s:e]
        if piece.strip():
            s += len(piece) - len(piece.lstrip())
            e -= len(piece) - len(piece.rstrip())
            out.append((offset + s, offset + e))
    return out


@lru_cache(maxsize=8)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) code-point offsets of every sentence of ``text``, in order.

    >>> sentence_spans("One. Two.\\n\\n  Three")
    ((0, 4), (5, 9), (13, 18))
    """
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += _line_sentences(line, offset)
        offset += len(line) + 1
    return tuple(spans)


def sentences_of(text: str, start: int, end: int) -> tuple[int, ...]:
    """The 1-based numbers of the sentences that ``text[start:end]`` falls in (one, unless
    the quote runs over a sentence end).

    >>> sentences_of("One. Two three.", 5, 8)
    (2,)
    >>> sentences_of("One. Two three.", 2, 8)
    (1, 2)
    """
    starts = [s for s, _ in sentence_spans(text)]
    first = max(bisect_right(starts, start) - 1, 0)
    last = max(bisect_right(starts, max(end - 1, start)) - 1, 0)
    return tuple(range(first + 1, last + 2))


def occurrences(text: str, exact: str) -> list[int]:
    """Every start offset of ``exact`` in ``text`` (overlapping ones too).

    >>> occurrences("aaa", "aa")
    [0, 1]
    """
    found, at = [], text.find(exact)
    while at != -1:
        found.append(at)
        at = text.find(exact, at + 1)
    return found


def _choose(text: str, exact: str, prefix: str | None, suffix: str | None, start: int | None) -> int:
    hits = occurrences(text, exact)
    if not hits:
        raise LocateError(f"not in the text: {_short(exact)}")
    if start is not None:
        if start not in hits:
            where = ", ".join(str(h) for h in hits[:5])
            raise LocateError(f"not at its offsets {start}–{start + len(exact)}: the text there is "
                              f"{_short(text[start:start + len(exact)])}; the quote is at {where}")
        return start
    fitting = [h for h in hits if (prefix is None or text[:h].endswith(prefix))
               and (suffix is None or text[h + len(exact):].startswith(suffix))]
    if not fitting:
        raise LocateError(f"its prefix/suffix do not surround it anywhere in the text: {_short(exact)}")
    if len(fitting) > 1:
        raise LocateError(f"occurs {len(fitting)} times and nothing says which: give its start offset "
                          f"or a prefix/suffix: {_short(exact)}")
    return fitting[0]


def locate(text: str, exact: str, prefix: str | None = None, suffix: str | None = None,
           start: int | None = None) -> Location:
    """Place ``exact`` in ``text``: at ``start`` when given (it must be there), else at its one
    occurrence, or the one that ``prefix``/``suffix`` surround. The location carries the
    context (``CONTEXT`` code points within the quote's line, or the given prefix/suffix)
    when the quote occurs more than once. Raises LocateError saying why.

    >>> locate("to be or not to be", "to be", suffix=" or")
    Location(start=0, end=5, prefix=None, suffix=' or', sentences=(1,))
    >>> locate("to be or not to be", "to be", start=3)
    Traceback (most recent call last):
    ...
    govgraph.builder.locate.LocateError: not at its offsets 3–8: the text there is 'be or'; the quote is at 0, 13
    """
    at = _choose(text, exact, prefix, suffix, start)
    end = at + len(exact)
    if prefix is not None and not text[:at].endswith(prefix):
        raise LocateError(f"its prefix {_short(prefix)} is not the text before it")
    if suffix is not None and not text[end:].startswith(suffix):
        raise LocateError(f"its suffix {_short(suffix)} is not the text after it")
    repeated = len(occurrences(text, exact)) > 1
    if repeated and prefix is None and suffix is None:
        prefix, suffix = _context(text, at, end)
    return Location(at, end, prefix, suffix, sentences_of(text, at, end))


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    return text[max(line_start, start - CONTEXT):start], text[end:min(line_end, end + CONTEXT)]


def _short(text: str, width: int = 70) -> str:
    return repr(text if len(text) <= width else text[:width - 1] + "…")
