"""Shared fixtures: the real release built once per session, and the real server on loopback.

Fixtures owned by a concern live in that concern's own conftest or test module; the ones
here are used across concerns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SOURCE_TEXTS = SHARED / "sources"  # the registered sources' texts (never copied into the repository)
ESSAY_PATH = SOURCE_TEXTS / "alvarez-velasco-unattainable-quest.txt"
FIXTURES = Path(__file__).parent / "fixtures"


from servers import free_port  # noqa: E402  (tests/ is on sys.path: pytest's pythonpath setting)


@pytest.fixture(scope="session")
def essay_text() -> str:
    """The essay, read from ../shared/sources/ (skips when the checkout has no shared/ beside it)."""
    if not ESSAY_PATH.is_file():
        pytest.skip(f"the essay is not at {ESSAY_PATH}: quote checks need ../shared/sources/")
    return ESSAY_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """A data directory for this test session (never the user's)."""
    return tmp_path_factory.mktemp("govgraph-data")


@pytest.fixture(scope="session")
def settings(data_dir):
    from govgraph.config import Settings

    return Settings.from_env({}, data_dir=data_dir, source_dir=ROOT, source_texts=SOURCE_TEXTS)


@pytest.fixture(scope="session")
def release(settings):
    """The real release, built once from this checkout's sources."""
    from govgraph.builder.pipeline import build_release
    from govgraph.release import Release

    return Release.open(build_release(settings, progress=lambda msg: None))


def write_release_from_trig(releases_dir: Path, trig_path: Path | None = None, extra_trig: str = "",
                            source_dir: Path | None = None) -> Path:
    """A release written by the real writer (:func:`govgraph.builder.release.write_release`:
    every dump, void.ttl, the meta graph, manifest.json, store/) from the ontology, data and
    inferred graphs of a TriG file (if any) and ``extra_trig``, without the build's reasoning
    and validation, for tests that need a small release fast. Other graphs of the file are
    left out: the writer describes the release in its meta graph, as in every release (with
    the example queries of ``source_dir``, when given, as the build writes them)."""
    import rdflib

    from govgraph.builder.release import Built, write_release
    from govgraph.config import Settings
    from govgraph.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY

    text = Path(trig_path).read_text(encoding="utf-8") if trig_path else ""
    dataset = rdflib.Dataset()
    dataset.parse(data=text + "\n" + extra_trig, format="trig")
    graphs = {}
    for name in (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_INFERRED):
        graphs[name] = rdflib.Graph()
        for triple in dataset.graph(rdflib.URIRef(str(name))):
            graphs[name].add(triple)
    built = Built(graphs[GRAPH_ONTOLOGY], graphs[GRAPH_DATA], graphs[GRAPH_INFERRED], rdflib.Graph(), rdflib.Graph())
    where = {"source_dir": source_dir} if source_dir else {}
    return write_release(built, Settings.from_env({}, data_dir=Path(releases_dir).parent, **where))


@pytest.fixture(scope="session")
def publish_data_dir(tmp_path_factory) -> Path:
    """A data directory with two small complete releases written by the real writer
    (publishing tests): the older one from tests/fixtures/publish/mini.trig, the newer one
    with one more triple."""
    root = tmp_path_factory.mktemp("govgraph-publish")
    trig = FIXTURES / "publish" / "mini.trig"
    write_release_from_trig(root / "releases", trig)
    write_release_from_trig(root / "releases", trig,
                            extra_trig='<https://w3id.org/govgraph/graph/data> { '
                                  '<https://w3id.org/govgraph/id/state/DEU> '
                                  '<http://www.w3.org/2000/01/rdf-schema#label> "Deutschland"@de . }')
    return root


@pytest.fixture(scope="session")
def rapper_count(tmp_path_factory):
    """Count the triples of Turtle or N-Triples bytes with raptor's ``rapper`` (independent of
    rdflib and pyoxigraph); skips when rapper is not installed (.ci/run installs it)."""
    import re
    import shutil

    if shutil.which("rapper") is None:
        pytest.skip("rapper (Debian raptor2-utils) is not installed")
    where = tmp_path_factory.mktemp("rapper")

    def count(data: bytes, syntax: str) -> int:
        path = where / f"input.{syntax}"
        path.write_bytes(data)
        done = subprocess.run(["rapper", "-i", syntax, "-c", str(path)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return int(re.search(r"returned (\d+) triples", done.stderr).group(1))

    return count


@pytest.fixture(scope="session")
def publish_server(publish_data_dir):
    """The real server (``govgraph serve``) over the two small releases of publish_data_dir."""
    proc, url = start_server(publish_data_dir, {"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_WORKERS": "1"})
    yield url
    stop_server(proc)


def start_server(data_dir: Path, env_extra: dict | None = None, args: tuple = (),
                 port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``govgraph serve`` on a free loopback port (or ``port``); return the process and its base URL.

    Its stderr (the access log) goes to ``data_dir/serve-PORT.log``, never to an unread pipe
    that would fill and stall the server.
    """
    port = port or free_port()
    env = {**os.environ, "GOVGRAPH_DATA_DIR": str(data_dir), **(env_extra or {})}
    log_path = Path(data_dir) / f"serve-{port}.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "govgraph", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--source", str(ROOT), *args],
            env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"govgraph serve exited with {proc.returncode}: {log_path.read_text()[-3000:]}")
        try:
            if requests.get(url + "/-/health", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"govgraph serve did not become healthy within 120 s: {log_path.read_text()[-3000:]}")


def serve_refused(data_dir: Path, store_url: str, env_extra: dict | None = None) -> str:
    """Run ``govgraph serve --store store_url`` (no GOVGRAPH_STORE_* from the environment, then
    ``env_extra``), which must refuse to start: assert it exits non-zero; return what it said."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVGRAPH_STORE_")}
    env.update(GOVGRAPH_DATA_DIR=str(data_dir), **(env_extra or {}))
    done = subprocess.run([sys.executable, "-m", "govgraph", "serve", "--host", "127.0.0.1", "--port",
                           str(free_port()), "--source", str(ROOT), "--store", store_url],
                          env=env, capture_output=True, text=True, timeout=180)
    said = done.stdout + done.stderr
    assert done.returncode != 0, said[-2000:]
    return said


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def oxigraph_peer(oxigraph_launcher):
    """A real Oxigraph server on loopback holding one triple: a SERVICE target for govgraph,
    and a federating client of govgraph."""
    url = oxigraph_launcher()
    requests.post(url + "/update", data={"update": 'INSERT DATA { <urn:x:peer> <urn:x:says> "hello from the peer" }'},
                  timeout=10).raise_for_status()
    return url


@pytest.fixture(scope="session")
def oxigraph_launcher():
    """Start ``oxigraph serve OPTIONS`` (pip's oxigraph; :func:`servers.start_oxigraph`) on a
    free loopback port and return its base URL once it answers; every server started is
    stopped at the end of the session. ``launch.command`` is the executable, for its other
    subcommands (``oxigraph load``)."""
    import servers as store_servers

    executable = shutil.which("oxigraph")
    if executable is None:
        pytest.skip("the oxigraph command (pip install oxigraph) is not installed")
    started = []

    def launch(*options: str) -> str:
        started.append(store_servers.start_oxigraph(None, *options, union_default_graph=False))
        return started[-1].url

    launch.command = executable
    yield launch
    for running in started:
        running.stop()


STORE_MODES = ("embedded", "oxigraph", "virtuoso")


def release_graphs(release) -> dict[str, bytes]:
    """{named graph IRI: its triples as N-Triples} of the release's store."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(release.store_path))
    return {graph.value: ox.serialize((q.triple for q in store.quads_for_pattern(None, None, None, graph)),
                                      format=ox.RdfFormat.N_TRIPLES)
            for graph in store.named_graphs()}


def publish_to(store, data_dir: Path) -> subprocess.CompletedProcess:
    """Run ``govgraph publish`` into ``store`` (a :mod:`servers` server), as an operator
    would, with its credentials where it has them; the newest release of ``data_dir``."""
    env = {**os.environ, "GOVGRAPH_STORE_URL": store.query_url}
    if getattr(store, "password", ""):
        env.update(GOVGRAPH_STORE_USER=store.user, GOVGRAPH_STORE_PASSWORD=store.password)
    return subprocess.run([sys.executable, "-m", "govgraph", "publish", "--data-dir", str(data_dir)],
                          env=env, capture_output=True, text=True, timeout=300)


def _store_server(kind: str, data_dir: Path):
    """Start a store server of ``kind`` and publish the session's release into it; skips
    when the server is not installed (.ci/run installs both)."""
    import servers as store_servers

    try:  # no union-default-graph setting: the front names the dataset of every query
        running = (store_servers.start_oxigraph(union_default_graph=False) if kind == "oxigraph"
                   else store_servers.start_virtuoso())
    except store_servers.ServerMissing as err:
        pytest.skip(str(err))
    done = publish_to(running, data_dir)
    if done.returncode != 0:
        running.stop()
        raise RuntimeError(f"govgraph publish into {kind} failed: {done.stderr[-2000:]}")
    return running


@pytest.fixture(scope="session")
def oxigraph_store(release, data_dir):
    """A real Oxigraph server (in memory) serving the session's release."""
    running = _store_server("oxigraph", data_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def virtuoso_store(release, data_dir):
    """A real Virtuoso (Debian's virtuoso-opensource) serving the session's release."""
    running = _store_server("virtuoso", data_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session", params=STORE_MODES)
def store_mode(request) -> str:
    """One of the store modes (embedded, over Oxigraph server, over Virtuoso): the suites
    that take ``any_server`` run once per mode."""
    return request.param


@pytest.fixture(scope="session")
def any_server(store_mode, request):
    """``govgraph serve`` over the session's release in the store mode ``store_mode``: the
    embedded server, or a front (``--store URL``) over a store server holding the release."""
    return request.getfixturevalue("server" if store_mode == "embedded" else f"front_{store_mode}")


def _front(store, data_dir):
    proc, url = start_server(data_dir, {"GOVGRAPH_RATE_LIMIT": "0"}, ("--store", store.query_url))
    return proc, url


@pytest.fixture(scope="session")
def front_oxigraph(oxigraph_store, data_dir):
    """``govgraph serve --store URL`` over the Oxigraph server holding the release."""
    proc, url = _front(oxigraph_store, data_dir)
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def front_virtuoso(virtuoso_store, data_dir):
    """``govgraph serve --store URL`` over the Virtuoso holding the release."""
    proc, url = _front(virtuoso_store, data_dir)
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def server(release, data_dir):
    """The real server (``govgraph serve``: the embedded store) over the session's release.

    Its rate limit is off: every test module shares it from 127.0.0.1 (test_server_limits
    starts its own servers to test the limit).
    """
    proc, url = start_server(data_dir, {"GOVGRAPH_RATE_LIMIT": "0"})
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def server_factory(release, data_dir):
    """Start more servers over the session's release with other settings (``env_extra``);
    they are stopped at the end of the module. Returns (process, base URL)."""
    procs = []

    def start(env_extra: dict | None = None, args: tuple = ()):
        proc, url = start_server(data_dir, env_extra, args)
        procs.append(proc)
        return proc, url

    yield start
    for proc in procs:
        stop_server(proc)


@pytest.fixture
def server_at_port(release, data_dir):
    """Start ``govgraph serve`` over the session's release on a given port (a restart on the
    same port); the servers still running are stopped at the end of the test.
    Returns (process, base URL)."""
    procs = []

    def start(port: int, env_extra: dict | None = None):
        proc, url = start_server(data_dir, env_extra, port=port)
        procs.append(proc)
        return proc, url

    yield start
    for proc in procs:
        if proc.poll() is None:
            stop_server(proc)


@pytest.fixture
def fresh_server():
    """Start ``govgraph serve`` on a data directory of the test's choosing (which may hold no
    release yet); the servers are stopped at the end of the test. Returns (process, base URL)."""
    procs = []

    def start(data_dir: Path, env_extra: dict | None = None):
        proc, url = start_server(data_dir, env_extra)
        procs.append(proc)
        return proc, url

    yield start
    for proc in procs:
        stop_server(proc)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download); lookups of any
    host but 127.0.0.1 fail, so a page that reaches outside shows it."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"])
        yield chromium
        chromium.close()
