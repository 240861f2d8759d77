"""The GovGraphError family. Each error knows its HTTP status and its CLI exit code;
they are translated only at the edges (``cli.py`` and ``web/errors.py``).

>>> err = QuerySyntaxError("line 1, column 8: expected a variable")
>>> (err.status, err.exit_code, err.title)
(400, 2, 'malformed query')
"""

from __future__ import annotations


class GovGraphError(Exception):
    """Base class. ``status`` is the HTTP status, ``exit_code`` the CLI exit code."""

    status = 500
    exit_code = 3
    title = "internal error"

    def __init__(self, detail: str = "", **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ConfigError(GovGraphError):
    status, exit_code, title = 500, 2, "bad setting"


class InputError(GovGraphError):
    """Bad input files: a parse error names the file and the line."""

    status, exit_code, title = 400, 2, "bad input"


class ReasoningError(GovGraphError):
    """The ontology and data are inconsistent under HermiT."""

    status, exit_code, title = 500, 1, "inconsistent ontology"


class NonConformantError(GovGraphError):
    """SHACL violations or QC check rows: nothing is released."""

    status, exit_code, title = 500, 1, "non-conformant data"


class NoReleaseError(GovGraphError):
    status, exit_code, title = 503, 2, "no release available"


class QuerySyntaxError(GovGraphError):
    status, exit_code, title = 400, 2, "malformed query"


class BadRequestError(GovGraphError):
    status, exit_code, title = 400, 2, "bad request"


#: What an update is told, however it arrives.
READ_ONLY = "this endpoint is read-only: the data changes by release, not by SPARQL Update"


class ReadOnlyError(GovGraphError):
    status, exit_code, title = 403, 2, "read-only"


class NotFoundError(GovGraphError):
    status, exit_code, title = 404, 2, "not found"


class MethodNotAllowedError(GovGraphError):
    status, exit_code, title = 405, 2, "method not allowed"


class NotAcceptableError(GovGraphError):
    status, exit_code, title = 406, 2, "not acceptable"


class PayloadTooLargeError(GovGraphError):
    status, exit_code, title = 413, 2, "request too large"


class ResultTooLargeError(GovGraphError):
    """The answer would pass the result-size cap: refused whole, never cut (docs/endpoint.md).

    422, not 413 (that one is about the request's own content), not 400 (the query is well
    formed; SPARQLWrapper reports a 400 as a malformed query), not 5xx (a retry gets the
    same refusal, and clients retry 5xx): the query is understood but not answered as asked.
    """

    status, exit_code, title = 422, 2, "result too large"


class UnsupportedMediaTypeError(GovGraphError):
    status, exit_code, title = 415, 2, "unsupported media type"


class RateLimitedError(GovGraphError):
    status, exit_code, title = 429, 2, "rate limited"


#: What a query stopped at the deadline is told (after what happened), however it ran.
PAST_DEADLINE = ("make it cheaper (narrower patterns, fewer joins, a LIMIT) and try again; the deadline is the "
                 "server's GOVGRAPH_QUERY_TIMEOUT setting (ggsvc:queryTimeout in the Service Description)")


class ClientGoneError(GovGraphError):
    """The client closed its connection while its request waited or ran (nginx's 499): its
    query was stopped and nobody reads the answer."""

    status, exit_code, title = 499, 2, "client closed request"


class QueryTimeoutError(GovGraphError):
    status, exit_code, title = 503, 3, "query deadline exceeded"


class QueryMemoryError(GovGraphError):
    """A query needed more memory than a query worker may use (its worker is replaced)."""

    status, exit_code, title = 503, 3, "query memory limit exceeded"


class StoreUnavailableError(GovGraphError):
    status, exit_code, title = 503, 3, "store unavailable"


class StoreContentError(GovGraphError):
    """What a store server holds is not what the release it describes holds: a dump file
    made again from its graphs has another sha256 than its meta graph states (never served)."""

    status, exit_code, title = 502, 3, "the store holds different content from the release it describes"
