"""Settings: one frozen dataclass, read from ``GOVGRAPH_*`` environment variables here only.

Each field carries its default and a help line (``metadata["help"]``); docs/settings.md
lists them all and a test keeps the two in step.

>>> s = Settings.from_env({"GOVGRAPH_PORT": "9000"})
>>> s.port
9000
>>> Settings.from_env({"GOVGRAPH_PORT": "x"})
Traceback (most recent call last):
...
govgraph.errors.ConfigError: GOVGRAPH_PORT: expected an integer, got 'x'
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from platformdirs import user_data_path

from govgraph.errors import ConfigError


#: The longest request line (method, URL, version) the server reads, in bytes (gunicorn's
#: maximum, kept). A longer GET is answered 414 with advice to POST; the Service Description states it.
MAX_REQUEST_LINE = 8190


def _setting(default, help: str, secret: bool = False):
    return field(default=default, metadata={"help": help}, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Every knob of govgraph. Environment variable: ``GOVGRAPH_`` + the upper-cased name."""

    data_dir: Path = _setting(
        user_data_path("govgraph"),
        "Where releases are written and read (a per-user directory by default).")
    source_dir: Path | None = _setting(
        None, "A checkout holding ontology/, data/, shapes/ and queries/; default: the packaged files.")
    source_texts: Path | None = _setting(
        None, "A directory holding the texts of the registered sources (the files data/sources.ttl names with "
              "gg:textFile): the build checks each one's sha256 and finds every quote at its offsets; "
              "a text that is absent is reported and its quotes are not verified. Never copied into a release.")
    host: str = _setting("127.0.0.1", "Interface the server binds to.")
    port: int = _setting(8080, "TCP port the server listens on.")
    public_url: str = _setting(
        "", "The externally visible root URL (for the Service Description and VoID); default: from the request.")
    proxy_hops: int = _setting(
        0, "Reverse proxies in front of the server whose X-Forwarded-For/-Proto/-Host/-Port headers are trusted "
           "(the client address for the rate limit and the log, the URL for the Service Description); "
           "0 trusts none, so a client cannot spoof them.")
    workers: int = _setting(4, "Query worker processes; a slow query occupies one and never blocks the others.")
    http_threads: int = _setting(
        8, "Threads of the web process that run the app, each on one request read whole (a connection that is "
           "sending, idle or reading its answer holds none).")
    client_queries: int = _setting(
        2, "Queries (of /sparql) one client address may have running at once, so that one client never holds more "
           "query workers than this; more wait up to 2 s for a turn, then get 429 + Retry-After. 0 turns the "
           "limit off.")
    query_timeout: float = _setting(30.0, "Seconds a query may run before its worker is killed and the client gets 503.")
    query_memory_mb: int = _setting(
        0, "Megabytes of memory one query worker may use (its copy of the store included); a query needing more "
           "gets 503 and its worker is replaced. 0: half of the machine's memory (or its cgroup's limit) divided "
           "among the workers. Never below what the loaded store needs plus 64 MB.")
    receive_timeout: float = _setting(
        10.0, "Seconds a client may take to send a whole request (head and body); a slower one gets 408 and is "
              "disconnected; a client that takes none of its answer for as long is disconnected too.")
    max_body_bytes: int = _setting(1_000_000, "Largest request body accepted (413 above).")
    max_result_bytes: int = _setting(
        50_000_000, "Largest answer a query may give, in bytes of its serialisation (before compression); a larger "
                    "one is refused whole with 422, never cut. Bounds the memory an answer can take.")
    rate_limit: float = _setting(
        60.0, "Seconds of query time (engine time of /sparql queries) each client may use per rate window; past it the "
              "client gets 429 + Retry-After on /sparql until its budget refills. Pages, documents and dumps are "
              "never limited. 0 turns the limit off.")
    rate_window: float = _setting(60.0, "Seconds over which the rate_limit budget refills, continuously.")
    service_allowlist: tuple[str, ...] = _setting(
        (), "Comma-separated IRI prefixes a query may name in SERVICE or LOAD; empty refuses them all.")
    in_memory: bool = _setting(True, "Load the release into memory (3-7x faster than on disk) instead of opening it on disk.")
    in_memory_max_triples: int = _setting(
        100_000, "Largest release (in quads) the query workers load into memory; a larger one is queried on its "
                 "on-disk store, with the same answers, where the workers share the operating system's cache of "
                 "one copy (in memory each worker ends up holding a copy of its own, since reading pyoxigraph's "
                 "in-memory store writes to its pages) and the server answers within seconds of starting; in "
                 "memory, queries run 2-4x faster. 0: no limit (docs/endpoint.md has the figures).")
    store_url: str = _setting("", "A SPARQL 1.1 query endpoint to serve from instead of the embedded store "
                                  "(docs/deploy.md), and the one 'govgraph publish' writes a release to.")
    store_update_url: str = _setting(
        "", "The store server's SPARQL 1.1 Update endpoint, for 'govgraph publish'; default: derived from "
            "GOVGRAPH_STORE_URL (Oxigraph .../query -> .../update, Virtuoso .../sparql -> .../sparql-auth).")
    store_graph_store_url: str = _setting(
        "", "The store server's SPARQL 1.1 Graph Store Protocol endpoint, for 'govgraph publish'; default: derived "
            "from GOVGRAPH_STORE_URL (Oxigraph .../store, Virtuoso .../sparql-graph-crud-auth). Without one, "
            "the graphs are written with SPARQL Update.")
    store_user: str = _setting("", "The user 'govgraph publish' (and serve --store) authenticates as to the store "
                                   "server, HTTP digest or basic as the server asks; empty: no authentication.")
    store_password: str = _setting(
        "", "That user's password. Never shown in logs, errors or the settings' repr.", secret=True)
    log_level: str = _setting("INFO", "Logging level of the server and the build.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Read every field from ``GOVGRAPH_<NAME>``; keyword overrides win over the environment."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            key = "GOVGRAPH_" + f.name.upper()
            if f.name in overrides and overrides[f.name] is not None:
                values[f.name] = overrides[f.name]
            elif key in environ:
                values[f.name] = _convert(key, environ[key], f.type)
        return cls(**values)

    @property
    def releases_dir(self) -> Path:
        """Where ``govgraph build`` writes releases."""
        return Path(self.data_dir) / "releases"


def _convert(key: str, raw: str, type_: str):
    try:
        if type_ == "int":
            return int(raw)
        if type_ == "float":
            return float(raw)
    except ValueError:
        kind = "an integer" if type_ == "int" else "a number"
        raise ConfigError(f"{key}: expected {kind}, got {raw!r}") from None
    if type_ == "bool":
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{key}: expected true or false, got {raw!r}")
    if type_.startswith("tuple"):
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    if type_.startswith("Path"):
        return Path(raw) if raw else None
    return raw


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for each setting, for docs and ``--help``."""
    return [("GOVGRAPH_" + f.name.upper(), repr(f.default), f.metadata["help"])
            for f in dataclasses.fields(Settings)]
