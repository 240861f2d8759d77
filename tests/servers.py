"""Real SPARQL store servers on loopback, started and stopped by the tests and the benches:
Oxigraph server (pip's ``oxigraph``) and Virtuoso (Debian's ``virtuoso-opensource``).

Importable without pytest (``bench/`` uses it too): a launcher raises
:class:`ServerMissing` when its program is not installed, and the caller decides whether
that skips or fails. Each server listens on free ports of 127.0.0.1 only, keeps its files
in a directory of its own (a temporary one unless given), and is stopped with its whole
process group by :meth:`Server.stop` (or at the end of a ``with`` block).

>>> ini = virtuoso_ini(Path("/tmp/v"), 1111, 8890, buffers_mb=64)
>>> "ServerPort = 127.0.0.1:1111" in ini and "MaxQueryExecutionTime = 0" in ini
True
>>> "ResultSetMaxRows" in ini.split("[SPARQL]")[1].split("[")[0]
False
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.auth import HTTPDigestAuth

#: Where Debian's virtuoso-opensource-7 keeps the files a server needs besides its database.
VIRTUOSO_VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
VIRTUOSO_PLUGINS = next(iter(sorted(Path("/usr/lib").glob("*/virtuoso-opensource-7/hosting"))),
                        Path("/usr/lib/virtuoso-opensource-7/hosting"))


class ServerMissing(RuntimeError):
    """The server's program is not installed (``.ci/run`` installs both)."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A store server process on loopback: ``url`` is its base URL, ``directory`` its files.

    Its endpoints are ``query_url`` (SPARQL 1.1 query), ``update_url`` (SPARQL 1.1 Update)
    and ``graph_store_url`` (Graph Store Protocol, graph named by ``graph_param``)."""

    proc: subprocess.Popen
    url: str
    directory: Path
    owns_directory: bool = False  # a temporary directory this module made, removed on stop
    log: Path | None = None

    paths = ("/query", "/update", "/store")  # query, update, graph store
    graph_param = "graph"
    name = "the store server"

    @property
    def query_url(self) -> str:
        return self.url + self.paths[0]

    @property
    def update_url(self) -> str:
        return self.url + self.paths[1]

    @property
    def graph_store_url(self) -> str:
        return self.url + self.paths[2]

    @property
    def auth(self):
        """What ``requests`` authenticates with to the write endpoints (None: nothing)."""
        return None

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace named graph ``graph`` with ``ntriples`` (Graph Store Protocol PUT; sent as
        Turtle, of which N-Triples is a part, as Virtuoso 7.2 reads no N-Triples type)."""
        response = requests.put(self.graph_store_url, params={self.graph_param: graph}, data=ntriples,
                                headers={"Content-Type": "text/turtle"}, auth=self.auth, timeout=300)
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"{self.name} refused PUT of graph {graph}: {response.status_code} "
                               f"{response.text[:300]}")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server and every process of its group; remove its temporary directory."""
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc, signal.SIGKILL)
                self.proc.wait()
        _signal_group(self.proc, signal.SIGKILL)  # whatever the group still holds
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class OxigraphServer(Server):
    """``oxigraph serve``: SPARQL at ``/query``, updates at ``/update``, GSP at ``/store``."""

    name = "Oxigraph server"


@dataclass
class VirtuosoServer(Server):
    """``virtuoso-t``: read-only SPARQL at ``/sparql``; as ``dba`` with ``password`` (HTTP
    digest), SPARQL Update at ``/sparql-auth`` and GSP at ``/sparql-graph-crud-auth``."""

    sql_port: int = 0
    user: str = "dba"
    password: str = ""
    seconds_to_start: float = 0.0  # from the launch to the first answer, the password set

    paths = ("/sparql", "/sparql-auth", "/sparql-graph-crud-auth")
    graph_param = "graph-uri"
    name = "Virtuoso"

    @property
    def auth(self) -> HTTPDigestAuth:
        return HTTPDigestAuth(self.user, self.password)

    def isql(self, sql: str, password: str | None = None) -> str:
        """Run ``sql`` as dba through ``isql-vt`` on the SQL port; its output (raises on an error)."""
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", self.user,
                               self.password if password is None else password, f"EXEC={sql}"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed on {sql!r}: {(done.stdout + done.stderr)[-500:]}")
        return done.stdout


def start_oxigraph(location: Path | str | None = None, *options: str, union_default_graph: bool = True,
                   timeout: float = 30.0) -> OxigraphServer:
    """Start ``oxigraph serve`` on a free loopback port: on disk at ``location`` (a directory,
    possibly holding a store already), or in memory when ``location`` is None. ``options``
    go to ``oxigraph serve`` as they are (``--timeout-s 1``...). Returns once it answers."""
    executable = shutil.which("oxigraph")
    if executable is None:
        raise ServerMissing("the oxigraph command (pip install oxigraph) is not installed")
    port = free_port()
    where = ["--location", str(location)] if location is not None else []
    args = [executable, "serve", *where, *(["--union-default-graph"] if union_default_graph else []),
            *options, "--bind", f"127.0.0.1:{port}"]
    directory = Path(location) if location is not None else Path(tempfile.mkdtemp(prefix="oxigraph-"))
    log = directory.parent / f"oxigraph-{port}.log" if location is not None else directory / "oxigraph.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=out, start_new_session=True)
    server = OxigraphServer(proc, f"http://127.0.0.1:{port}", directory, owns_directory=location is None, log=log)
    _wait(server, lambda: requests.get(server.query_url, params={"query": "ASK {}"}, timeout=1).status_code == 200,
          timeout, "oxigraph serve")
    return server


def virtuoso_ini(directory: Path, sql_port: int, http_port: int, buffers_mb: int = 64, isolation: int = 2,
                 after_image_limit: int = 1_500_000_000) -> str:
    """The ``virtuoso.ini`` of a server whose database lives in ``directory``.

    Both ports listen on 127.0.0.1 only. ``buffers_mb`` sizes the page buffers (8 KB
    each; Virtuoso's guide: about two thirds of the memory given to the server). Anytime
    queries are off, so an answer is whole or an error: no ``MaxQueryExecutionTime``
    (0: no server-side timeout that would return partial results with 200 or 206) and no
    ``ResultSetMaxRows`` (absent: no row cap; Debian's own ini sets 10000, which cuts
    answers silently). The estimated-cost refusal stays off too (an error, never a cut
    answer, but the estimates refuse cheap queries on small buffers). ``isolation`` is
    ``[Parameters] DefaultIsolation``: 2, read committed, Virtuoso's default and the one
    ``govgraph serve --store`` needs. At 8 (serializable) Virtuoso 7.2 gave wrong counts
    (each triple counted twice) to readers while other graphs were written, which no bracket
    can catch; at 2 it gave none, and the reads that crossed a swap were all caught by the
    publication state's bracket (``bench/virtuoso_isolation.py``; docs/deploy.md).
    ``TransactionAfterImageLimit`` (``after_image_limit``) is 1.5 GB (Virtuoso's default, 50 MB, aborts the one-update
    swap of a release of about a million triples: SR325).
    """
    buffers = max(1000, buffers_mb * 1024 // 8)
    d = directory
    return f"""\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {d}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
DefaultIsolation = {isolation}
TransactionAfterImageLimit = {after_image_limit}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {VIRTUOSO_VSP}
MaxClientConnections = 20
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
DefaultMailServer = localhost:25
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
MaintenancePage = atomic.html
EnabledGzipContent = 1

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[VDB]
ArrayOptimization = 0
NumArrayParameters = 10
VDBDisconnectTimeout = 1000
KeepConnectionOnFixedThread = 0

[Replication]
ServerName = govgraph-test
ServerEnable = 1
QueueMax = 50000

[SPARQL]
MaxQueryExecutionTime = 0
DeferInferenceRulesInit = 0

[Plugins]
LoadPath = {VIRTUOSO_PLUGINS}
"""


def start_virtuoso(directory: Path | str | None = None, buffers_mb: int = 64, password: str | None = None,
                   timeout: float = 120.0, after_image_limit: int = 1_500_000_000,
                   isolation: int = 2) -> VirtuosoServer:
    """Start ``virtuoso-t +foreground`` with a generated ini (:func:`virtuoso_ini`) on two free
    loopback ports, its database in ``directory`` (a new temporary one when None); set the
    dba password to ``password`` (a generated one when None) and return once ``/sparql``
    answers and the old password is refused."""
    executable = shutil.which("virtuoso-t")
    if executable is None or shutil.which("isql-vt") is None:
        raise ServerMissing("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
    started = time.monotonic()
    owns = directory is None
    directory = Path(tempfile.mkdtemp(prefix="virtuoso-")) if owns else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(virtuoso_ini(directory, sql_port, http_port, buffers_mb, isolation, after_image_limit), encoding="utf-8")
    log = directory / "virtuoso-stdout.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([executable, "+foreground", "+configfile", str(ini)], cwd=directory,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = VirtuosoServer(proc, f"http://127.0.0.1:{http_port}", directory, owns_directory=owns, log=log,
                            sql_port=sql_port, password=password or secrets.token_hex(16))
    try:
        _wait(server, lambda: requests.get(server.query_url, params={"query": "ASK {}"},
                                           timeout=2).status_code == 200, timeout, "virtuoso-t")
        server.isql(f"USER_SET_PASSWORD('dba', '{server.password}')", password="dba")
        server.isql("checkpoint")
    except BaseException:
        server.stop()
        raise
    server.seconds_to_start = time.monotonic() - started
    return server


def _wait(server: Server, answers, timeout: float, name: str) -> None:
    """Poll ``answers()`` until it is true; stop the server and raise if it exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:] if server.log and server.log.exists() else ""
            server.stop()
            raise RuntimeError(f"{name} exited with {server.proc.returncode}: {tail}")
        try:
            if answers():
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not answer on {server.url} within {timeout:.0f} s")
        time.sleep(0.2)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
