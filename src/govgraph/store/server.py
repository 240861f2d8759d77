"""The endpoints of a SPARQL store server, its credentials, and words that must never be shown.

A store server has up to three endpoints: the SPARQL 1.1 query endpoint (what ``govgraph
serve --store URL`` reads), the SPARQL 1.1 Update endpoint and the Graph Store Protocol
endpoint (what ``govgraph publish`` writes to). The settings name them
(``GOVGRAPH_STORE_URL``, ``GOVGRAPH_STORE_UPDATE_URL``, ``GOVGRAPH_STORE_GRAPH_STORE_URL``);
the two write endpoints default to those of the server the query URL looks like:

=====================  ==================  ============================  ===================
query URL ends with    update              graph store (GSP)             auth
=====================  ==================  ============================  ===================
``/query`` (Oxigraph)  ``/update``         ``/store?graph=``             none
``/sparql`` (Virtuoso) ``/sparql-auth``    ``/sparql-graph-crud-auth``   HTTP digest
=====================  ==================  ============================  ===================

Credentials (``GOVGRAPH_STORE_USER`` / ``GOVGRAPH_STORE_PASSWORD``) are answered to the
server's challenge, digest or basic, whichever it asks for. They never appear in a
message: :meth:`StoreServer.redact` removes them (and any ``user:password@`` of a URL)
from every text that could be shown.

>>> s = StoreServer.from_settings("http://127.0.0.1:7878/query", _settings())
>>> (s.update_url, s.graph_store_url, s.graph_param)
('http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store', 'graph')
>>> v = StoreServer.from_settings("http://127.0.0.1:8890/sparql", _settings(store_password="s3cret"))
>>> (v.update_url, v.graph_store_url, v.graph_param)
('http://127.0.0.1:8890/sparql-auth', 'http://127.0.0.1:8890/sparql-graph-crud-auth', 'graph-uri')
>>> v.redact("refused: user dba password s3cret at http://dba:s3cret@h/x")
'refused: user dba password *** at http://***@h/x'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from govgraph.errors import ConfigError

#: (path suffix of the query URL, update suffix, graph store suffix, GSP graph parameter)
_DEFAULTS = (("/query", "/update", "/store", "graph"),  # Oxigraph server
             ("/sparql", "/sparql-auth", "/sparql-graph-crud-auth", "graph-uri"))  # Virtuoso
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True)
class StoreServer:
    """The endpoints of one store server and how to authenticate to it."""

    query_url: str
    update_url: str
    graph_store_url: str  # "" when the server has no Graph Store Protocol endpoint
    graph_param: str = "graph"
    user: str = ""
    password: str = ""
    #: Put before the swap update: Virtuoso's pragma for one transaction with no row-by-row autocommit.
    swap_prologue: str = ""

    @classmethod
    def from_settings(cls, url: str, settings) -> "StoreServer":
        """The server whose query endpoint is ``url``, with the endpoints and credentials
        the settings give, or the defaults for the server ``url`` looks like."""
        if not url:
            raise ConfigError("no store server: give --store URL or set GOVGRAPH_STORE_URL")
        suffixes = next((d for d in _DEFAULTS if url.rstrip("/").endswith(d[0])), None)
        root = url.rstrip("/")[:-len(suffixes[0])] if suffixes else ""
        update = settings.store_update_url or (root + suffixes[1] if suffixes else "")
        if not update:
            raise ConfigError(f"GOVGRAPH_STORE_UPDATE_URL: the store's SPARQL Update endpoint is not set, and "
                              f"{_redact_url(url)} does not look like an Oxigraph (/query) or Virtuoso (/sparql) "
                              f"endpoint to derive it from")
        graph_store = settings.store_graph_store_url or (root + suffixes[2] if suffixes else "")
        param = suffixes[3] if suffixes and not settings.store_graph_store_url else "graph"
        prologue = "DEFINE sql:log-enable 1\n" if suffixes and suffixes[0] == "/sparql" else ""
        return cls(url, update, graph_store, param, settings.store_user, settings.store_password, prologue)

    def session(self) -> requests.Session:
        """A requests session answering the server's challenge with the credentials, if any."""
        return authenticated_session(self.user, self.password)

    def redact(self, text: str) -> str:
        """``text`` without the password and without the user information of any URL."""
        text = _redact_url(str(text))
        return text.replace(self.password, "***") if self.password else text


def authenticated_session(user: str, password: str) -> requests.Session:
    """A requests session that answers a store server's challenge (digest, or basic where the
    server asks for it) as ``user``; with neither user nor password, no authentication.
    ``govgraph publish`` and ``serve --store`` both send their requests through one.

    >>> authenticated_session("", "").auth is None, type(authenticated_session("dba", "x").auth).__name__
    (True, '_ChallengeAuth')
    """
    session = requests.Session()
    if user or password:
        session.auth = _ChallengeAuth(user, password)
    return session


def _redact_url(text: str) -> str:
    """
    >>> _redact_url("see http://u:p@h:1/x and https://h/y")
    'see http://***@h:1/x and https://h/y'
    """
    return _USERINFO.sub("***@", text)


class _ChallengeAuth(HTTPDigestAuth):
    """HTTP digest (Virtuoso), or basic when that is what the server's challenge asks for."""

    def handle_401(self, r, **kwargs):
        challenge = r.headers.get("www-authenticate", "").lower()
        if "digest" in challenge or "basic" not in challenge or getattr(r.request, "_basic_sent", False):
            return super().handle_401(r, **kwargs)
        r.content  # noqa: B018 (drain the refusal so the connection can be reused)
        r.close()
        retry = r.request.copy()
        HTTPBasicAuth(self.username, self.password)(retry)
        retry._basic_sent = True
        answer = r.connection.send(retry, **kwargs)
        answer.history.append(r)
        answer.request = retry
        return answer


def _settings(**overrides):
    """Settings for the doctests."""
    from govgraph.config import Settings

    return Settings.from_env({}, **overrides)
