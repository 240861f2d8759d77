"""Content negotiation over the media-type table of :mod:`govgraph.formats`, with
werkzeug's Accept parsing (q-values, wildcards, several values).

>>> FORMATS["turtle"].media_type
'text/turtle'
>>> by_media_type("application/sparql-results+json").name
'json'
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

from govgraph.formats import (FORMATS, GRAPH_FORMATS, RESULT_FORMATS, W3C_FORMAT_IRIS, Format,  # noqa: F401
                              by_media_type, by_name)


def negotiate(accept: MIMEAccept, candidates: list[Format]) -> Format | None:
    """The best of ``candidates`` for an Accept header (first candidate wins ties and ``*/*``).

    Returns None when nothing acceptable is on offer (the caller answers 406).

    >>> from werkzeug.datastructures import MIMEAccept
    >>> negotiate(MIMEAccept([("text/csv", 0.5), ("application/sparql-results+xml", 1)]),
    ...           [FORMATS["json"], FORMATS["xml"], FORMATS["csv"]]).name
    'xml'
    >>> negotiate(MIMEAccept([("image/png", 1)]), [FORMATS["json"]]) is None
    True
    >>> negotiate(MIMEAccept([("text/*", 1)]), [FORMATS["json"], FORMATS["xml"], FORMATS["csv"]]).name
    'csv'
    >>> negotiate(MIMEAccept([("application/json", 1)]), [FORMATS["xml"], FORMATS["json"]]).name
    'json'

    Media-type parameters in ``Accept`` (``; charset=utf-8``, a JSON-LD ``profile``) are
    ignored: every body is UTF-8, and a client that adds one still means the type.

    >>> negotiate(MIMEAccept([("application/sparql-results+json; charset=utf-8", 1)]), [FORMATS["json"]]).name
    'json'
    """
    if not accept:
        return candidates[0]
    if any(";" in value for value, _ in accept):
        accept = MIMEAccept([(value.split(";", 1)[0].strip(), q) for value, q in accept])
    exact = {value.lower(): q for value, q in accept}
    best, best_q = None, 0.0
    for f in candidates:
        # a wildcard (text/*, */*) reaches a format by its own media type, never by an alias
        q = max([accept.quality(f.media_type)] + [exact.get(alias, 0.0) for alias in f.aliases])
        if q > best_q:
            best, best_q = f, q
    return best
