"""``govgraph publish --store URL`` into real store servers on loopback (Oxigraph server and
Virtuoso, started here by tests/servers.py), with two real releases built by the real build:
tests/fixtures/mini, and a copy of it with one more data triple.

A publish serves the manifest's counts; a failed one (a corrupted release file, a server that
refuses) leaves the old release serving and no staging graph; the password never appears;
and two ``govgraph serve --store`` web processes under concurrent clients, while the two
releases are published in turn, answer every query whole and from one release, never a mix.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

import servers
from conftest import FIXTURES, release_graphs, start_server, stop_server
from govgraph.config import Settings
from govgraph.namespaces import GRAPH_DATA, GRAPH_META, GRAPH_UNION, GRAPHS
from govgraph.release import Release
from govgraph.store.bracket import PUBLICATION_GRAPH, SWAPPING, state_update
from govgraph.store.server import StoreServer
from govgraph.store.worker import open_quads

KINDS = ("oxigraph", "virtuoso")
PUBLIC = tuple(str(g) for g in GRAPHS)
UNION = str(GRAPH_UNION)
#: One row per release served: the release's id (its meta graph) and its data graph's size.
RELEASE_QUERY = f"""SELECT ?id (COUNT(*) AS ?n) WHERE {{
  GRAPH <{GRAPH_META}> {{ ?dataset dcterms:identifier ?id }}
  GRAPH <{GRAPH_DATA}> {{ ?s ?p ?o }}
}} GROUP BY ?id"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(data directory, older release, newer release): the real build of tests/fixtures/mini,
    then of a copy with one more data triple (a German label)."""
    from govgraph.builder.pipeline import build_release

    root = tmp_path_factory.mktemp("publish")
    plus = root / "mini-plus"
    shutil.copytree(FIXTURES / "mini", plus)
    with open(plus / "data" / "actors.ttl", "a", encoding="utf-8") as actors:
        actors.write('\nggstate:USA rdfs:label "Vereinigte Staaten"@de .\n')
    data_dir = root / "data"
    releases = [Release.open(build_release(Settings.from_env({}, data_dir=data_dir, source_dir=source),
                                           progress=lambda message: None)) for source in (FIXTURES / "mini", plus)]
    assert releases[0].manifest["graphs"][str(GRAPH_DATA)] + 1 == releases[1].manifest["graphs"][str(GRAPH_DATA)]
    return data_dir, releases[0], releases[1]


@pytest.fixture(scope="module", params=KINDS)
def store(request):
    """A real store server, empty at first, holding whatever the module's tests publish."""
    try:
        running = (servers.start_oxigraph(union_default_graph=False) if request.param == "oxigraph"
                   else servers.start_virtuoso())
    except servers.ServerMissing as err:
        pytest.skip(str(err))
    yield running
    running.stop()


def _env(store, **extra) -> dict:
    env = {**os.environ, "GOVGRAPH_STORE_URL": store.query_url, **extra}
    if isinstance(store, servers.VirtuosoServer):
        env.setdefault("GOVGRAPH_STORE_USER", store.user)
        env.setdefault("GOVGRAPH_STORE_PASSWORD", store.password)
    return env


def publish(store, data_dir: Path, release_id: str | None = None, **env) -> subprocess.CompletedProcess:
    """Run ``govgraph publish`` as an operator would."""
    args = [sys.executable, "-m", "govgraph", "publish", "--data-dir", str(data_dir)]
    return subprocess.run(args + (["--release", release_id] if release_id else []), env=_env(store, **env),
                          capture_output=True, text=True, timeout=300)


def ask(store, query: str) -> list[dict]:
    response = requests.post(store.query_url, data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def served(store) -> tuple[dict[str, int], set[str]]:
    """({public graph or the union graph: triples}, the staging graphs) the server holds."""
    rows = ask(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counts = {row["g"]: int(row["n"]) for row in rows}
    return ({g: counts.get(g, 0) for g in (*PUBLIC, UNION)},
            {g for g in counts if g.startswith("urn:govgraph:release:")})


def embedded_default_graph(release: Release) -> int:
    """Triples of the default graph the embedded store serves ``release`` with."""
    return sum(1 for _ in open_quads(release.path).quads_for_pattern(None, None, None, ox.DefaultGraph()))


def serving(store, release: Release) -> bool:
    """The server serves ``release`` whole: its four graphs with the manifest's counts, their
    union with the embedded store's default graph's count, its id in the meta graph, and no
    staging graph."""
    counts, staging = served(store)
    ids = ask(store, f"SELECT ?id {{ GRAPH <{GRAPH_META}> {{ ?d <http://purl.org/dc/terms/identifier> ?id }} }}")
    expected = {**{g: release.manifest["graphs"][g] for g in PUBLIC}, UNION: embedded_default_graph(release)}
    return counts == expected and not staging and [row["id"] for row in ids] == [release.id]


def test_publish_serves_each_release_with_its_manifest_counts(store, built):
    data_dir, older, newer = built
    for release in (older, newer, older):
        done = publish(store, data_dir, release.id)
        assert done.returncode == 0, done.stderr
        assert serving(store, release), served(store)
        for step in ("read:", "stage:", "verify:", "swap:", "clean:"):
            assert step in done.stderr
        assert f"{UNION}\t{embedded_default_graph(release)}" in done.stdout.splitlines()
    newest = publish(store, data_dir)  # no --release: the newest
    assert newest.returncode == 0 and serving(store, newer), newest.stderr


def test_a_corrupted_release_is_refused_before_anything_is_written(store, built, tmp_path):
    data_dir, older, newer = built
    assert publish(store, data_dir, older.id).returncode == 0
    copy = tmp_path / "data"
    shutil.copytree(newer.path, copy / "releases" / newer.id)
    nquads = copy / "releases" / newer.id / "govgraph.nq"
    nquads.write_bytes(nquads.read_bytes().replace(b"Vereinigte", b"Vereinigtx"))
    done = publish(store, copy, newer.id)
    assert done.returncode == 2
    assert "read: release" in done.stderr and "govgraph.nq" in done.stderr and "sha256" in done.stderr
    assert serving(store, older)


def test_a_server_that_refuses_leaves_the_old_release_serving(store, built):
    data_dir, older, newer = built
    assert publish(store, data_dir, older.id).returncode == 0
    nowhere = store.url + "/no-such-endpoint"
    for env in ({"GOVGRAPH_STORE_UPDATE_URL": nowhere},
                {"GOVGRAPH_STORE_GRAPH_STORE_URL": nowhere, "GOVGRAPH_STORE_UPDATE_URL": store.url + "/query"}):
        done = publish(store, data_dir, newer.id, **env)
        assert done.returncode == 3, done.stderr
        assert "error: publish failed: stage: graph <https://w3id.org/govgraph/graph/" in done.stderr
        assert serving(store, older), served(store)


class _LimitingProxy(http.server.ThreadingHTTPServer):
    """A reverse proxy on loopback in front of a store server that refuses a request body
    over ``limit`` bytes with 413, as nginx's client_max_body_size does; everything else
    is passed on as it is (credentials and challenges too)."""

    def __init__(self, target: str, limit: int):
        self.target, self.limit = target, limit
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if len(body) > self.server.limit:
            self.send_response(413)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        answer = requests.request(self.command, self.server.target + self.path, data=body, headers=headers,
                                  timeout=120)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args):
        pass


def test_staged_graphs_written_before_a_failure_are_dropped(store, built):
    """The server sits behind a proxy that refuses bodies larger than the ontology, data and
    inferred graphs: they are staged, the meta graph (the largest) is refused. Nothing of
    the new release is left, the old one serves, and the error names the step and graph."""
    data_dir, older, newer = built
    assert publish(store, data_dir, older.id).returncode == 0
    sizes = {graph: len(body) for graph, body in release_graphs(newer).items()}
    assert max(sizes, key=sizes.get) == str(GRAPH_META)
    limit = max(size for graph, size in sizes.items() if graph != str(GRAPH_META)) + 1000
    proxy = _LimitingProxy(store.url, limit)
    try:
        path = store.query_url.removeprefix(store.url)
        done = publish(store, data_dir, newer.id, GOVGRAPH_STORE_URL=proxy.url + path)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert done.returncode == 3, done.stderr
    assert sum(line.startswith("stage: ") for line in done.stderr.splitlines()) == 3 and "clean: dropped 4 staging graphs" in done.stderr
    assert f"error: publish failed: stage: graph <{GRAPH_META}>:" in done.stderr and "answered 413" in done.stderr
    assert serving(store, older), served(store)


def test_credentials_never_appear(built):
    try:
        store = servers.start_virtuoso()
    except servers.ServerMissing as err:
        pytest.skip(str(err))
    data_dir, older, newer = built
    try:
        ok = publish(store, data_dir, older.id)
        assert ok.returncode == 0 and store.password not in ok.stdout + ok.stderr
        wrong = "wrong-" + store.password[::-1]
        for url in (store.query_url, store.query_url.replace("://", f"://{store.user}:{wrong}@")):
            refused = publish(store, data_dir, newer.id, GOVGRAPH_STORE_PASSWORD=wrong, GOVGRAPH_STORE_URL=url)
            assert refused.returncode == 3, refused.stderr
            assert "refused the credentials" in refused.stderr or "answered 401" in refused.stderr
            assert wrong not in refused.stdout + refused.stderr and store.password not in refused.stderr
            assert serving(store, older)
    finally:
        store.stop()


def test_two_web_processes_never_mix_two_releases_while_they_are_published_in_turn(store, built):
    """Acceptance: a publish under continuous read load: no failed request, and no answer
    mixing two releases. Each answer names the release its meta graph says (a
    release-identifying triple) and counts that release's data graph: the older release has
    one data triple fewer, so an answer mixing the two shows a pair that is neither release's."""
    data_dir, older, newer = built
    assert publish(store, data_dir, older.id).returncode == 0
    expected = {older.id: older.manifest["graphs"][str(GRAPH_DATA)],
                newer.id: newer.manifest["graphs"][str(GRAPH_DATA)]}
    env = {"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_CLIENT_QUERIES": "0", "GOVGRAPH_WORKERS": "1"}
    fronts = [start_server(data_dir, env, ("--store", store.query_url)) for _ in range(2)]
    answers: Counter = Counter()
    failures: list[str] = []
    stop = threading.Event()

    def client(front: str) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    r = session.post(front + "/sparql", data={"query": RELEASE_QUERY},
                                     headers={"Accept": "application/sparql-results+json"}, timeout=60)
                except requests.RequestException as err:
                    failures.append(f"{front}: {err}")
                    continue
                if r.status_code != 200:
                    failures.append(f"{front}: {r.status_code} {r.text[:200]}")
                    continue
                rows = tuple((b["id"]["value"], int(b["n"]["value"])) for b in r.json()["results"]["bindings"])
                answers[rows] += 1

    threads = [threading.Thread(target=client, args=(fronts[i % 2][1],)) for i in range(6)]
    try:
        for thread in threads:
            thread.start()
        for release in (newer, older, newer, older, newer):
            done = publish(store, data_dir, release.id)
            assert done.returncode == 0, done.stderr
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        finals = [requests.post(url + "/sparql", data={"query": RELEASE_QUERY},
                                headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
                  for _, url in fronts]
        for proc, _ in fronts:
            stop_server(proc)
    reruns = sum((data_dir / f"serve-{url.rsplit(':', 1)[1]}.log").read_text().count("running it again")
                 for _, url in fronts)
    print(f"{type(store).__name__}: answers {dict(answers)}; queries run again after a publish's swap: {reruns}; "
          f"failed requests: {len(failures)}")
    assert not failures, failures[:5]
    assert finals[0] == finals[1] and finals[0]["results"]["bindings"][0]["id"]["value"] == newer.id
    allowed = {((rid, n),) for rid, n in expected.items()}
    assert allowed <= set(answers), answers  # both releases were read, while the publishes ran
    mixed = {a: c for a, c in answers.items() if a not in allowed}
    assert not mixed, (mixed, reruns)


def _set_state(store, state: str) -> None:
    """Set the publication state with an update of our own, as a publish does."""
    settings = Settings.from_env({k: v for k, v in _env(store).items() if k.startswith("GOVGRAPH_STORE_")})
    server = StoreServer.from_settings(store.query_url, settings)
    with server.session() as session:
        response = session.post(server.update_url, data=state_update(state).encode("utf-8"), timeout=60,
                                headers={"Content-Type": "application/sparql-update; charset=utf-8"})
    assert response.status_code < 300, response.text[:500]


def test_an_interrupted_publish_gives_readers_503_naming_it_until_the_next_publish(store, built):
    """A publish stopped after it set the state to ``swapping`` (an update of the test's
    own): a reader gets 503 naming the publish within its deadline (3 s here), and the
    next publish repairs the state and readers answer again. The control graph stays out
    of the front's datasets: the server lists it, the front does not."""
    data_dir, older, newer = built
    assert publish(store, data_dir, older.id).returncode == 0
    assert PUBLICATION_GRAPH in {row["g"] for row in ask(store, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")}
    env = {"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_CLIENT_QUERIES": "0", "GOVGRAPH_QUERY_TIMEOUT": "3"}
    proc, front = start_server(data_dir, env, ("--store", store.query_url))

    def read() -> requests.Response:
        return requests.post(front + "/sparql", data={"query": RELEASE_QUERY},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)

    def release_of(response: requests.Response) -> list:
        assert response.status_code == 200, response.text[:500]
        return [(b["id"]["value"], int(b["n"]["value"])) for b in response.json()["results"]["bindings"]]

    try:
        assert release_of(read()) == [(older.id, older.manifest["graphs"][str(GRAPH_DATA)])]
        graphs = requests.post(front + "/sparql", data={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"},
                               headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
        assert {b["g"]["value"] for b in graphs["results"]["bindings"]} == set(PUBLIC)
        _set_state(store, SWAPPING)
        started = time.monotonic()
        refused = read()
        waited = time.monotonic() - started
        assert refused.status_code == 503, refused.text[:500]
        assert refused.json()["error"] == "publish under way" and refused.headers["Retry-After"] == "5"
        assert "a publish is changing the release" in refused.json()["detail"]
        assert "the last one was interrupted, and publishing again repairs it" in refused.json()["detail"]
        assert 2.5 < waited < 10, waited  # it waited for the publish, up to its deadline, and no longer
        done = publish(store, data_dir, newer.id)
        assert done.returncode == 0, done.stderr
        assert release_of(read()) == [(newer.id, newer.manifest["graphs"][str(GRAPH_DATA)])]
    finally:
        stop_server(proc)


def test_a_write_past_virtuoso_s_transaction_log_limit_names_the_setting_and_changes_nothing(built):
    """Virtuoso aborts a transaction whose roll-forward log outgrows TransactionAfterImageLimit
    (SR325: the swap of a release of a million triples at its default, 50 MB); nothing of the
    publish stays (no public graph, no staging graph) and the error says which setting to
    raise. 10 kB trips it with the test release (at its staging already)."""
    data_dir, older, _ = built
    try:
        store = servers.start_virtuoso(after_image_limit=10_000)
    except servers.ServerMissing as err:
        pytest.skip(str(err))
    try:
        refused = publish(store, data_dir, older.id)
        assert refused.returncode == 3, refused.stderr
        assert "SR325" in refused.stderr and "TransactionAfterImageLimit" in refused.stderr, refused.stderr[-2000:]
        assert store.password not in refused.stderr
        assert served(store) == ({g: 0 for g in (*PUBLIC, UNION)}, set()), served(store)
    finally:
        store.stop()
