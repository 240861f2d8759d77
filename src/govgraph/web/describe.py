"""The dataset description at ``/.well-known/void`` (RFC 5785, VoID section 7.2).

The body is the release's ``/graph/meta`` named graph, the VoID + DCAT 3 description that
:func:`govgraph.build.describe.describe_release` wrote, so what is served here and what a
SPARQL query on ``GRAPH <https://w3id.org/govgraph/graph/meta>`` sees are the same triples.
Turtle by default; every other graph format of the negotiation table by ``Accept``, by
``?format=`` or by a suffix (``/.well-known/void.nt``). The route is registered in
:mod:`govgraph.web.meta`.
"""

from __future__ import annotations

from flask import Response, request

from govgraph.errors import NotAcceptableError, NotFoundError
from govgraph.namespaces import GRAPH_META
from govgraph.web import about
from govgraph.web.negotiation import FORMATS, Format, by_name, negotiate

#: Turtle first: it wins ``*/*`` and an absent Accept.
VOID_FORMATS = [FORMATS[n] for n in ("turtle", "ntriples", "rdfxml", "jsonld")]


def void_format(accept, format_param: str | None, suffix: str | None) -> Format:
    """The format to answer in; NotAcceptableError (406) when none is on offer.

    >>> from werkzeug.datastructures import MIMEAccept
    >>> void_format(MIMEAccept([("text/html", 1), ("*/*", 0.8)]), None, None).name
    'turtle'
    >>> void_format(MIMEAccept([("application/ld+json", 1)]), None, None).name
    'jsonld'
    >>> void_format(MIMEAccept(), "nt", None).name
    'ntriples'
    """
    wanted = suffix or format_param
    fmt = by_name(wanted) if wanted else negotiate(accept, VOID_FORMATS)
    if fmt is None or fmt not in VOID_FORMATS:
        raise NotAcceptableError("the dataset description comes as "
                                 + ", ".join(f.media_type for f in VOID_FORMATS))
    return fmt


def void_description(suffix: str | None = None) -> Response:
    """The VoID/DCAT graph of the served release in the negotiated format."""
    fmt = void_format(request.accept_mimetypes, request.args.get("format"), suffix)
    found = about.graph_triples(about.release_store(), str(GRAPH_META))
    if not found:
        raise NotFoundError("the served release has no dataset description in its meta graph")
    response = Response(about.serialize(found, fmt.rdf_format), content_type=fmt.content_type)
    if suffix is None:
        response.vary.add("Accept")
    response.headers["Link"] = ", ".join(
        f'</.well-known/void.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in VOID_FORMATS)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)
