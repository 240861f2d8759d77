"""/dumps/ over a store server, with no release on the front's host (``govgraph serve --store
URL`` on an empty data directory): every dump file the meta graph lists is made again from
the store's graphs and served only when its sha256 is the meta graph's, and is then the
local release's file byte for byte; a store whose data changed after the publish gives a
502 naming the file and both checksums, never bytes. Over Oxigraph server and Virtuoso,
holding the session's real release (``govgraph publish``, tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
import requests

from conftest import start_server, stop_server
from govgraph.namespaces import GRAPH_DATA
from govgraph.release import SHA256SUMS, sha256sums

KINDS = ("oxigraph", "virtuoso")
#: A triple added to the store's data graph after the publish (and removed again).
ALTERATION = f'GRAPH <{GRAPH_DATA}> {{ <https://w3id.org/govgraph/id/state/MEX> <http://www.w3.org/2000/01/rdf-schema#comment> "added after the publish" }}'


@pytest.fixture(scope="module", params=KINDS)
def bare(request, tmp_path_factory):
    """(store server, front URL, front's data directory): a front with no release of its own."""
    store = request.getfixturevalue(f"{request.param}_store")
    empty = tmp_path_factory.mktemp(f"no-release-{request.param}")
    proc, url = start_server(empty, {"GOVGRAPH_RATE_LIMIT": "0"}, ("--store", store.query_url))
    assert not (empty / "releases").exists()
    yield store, url, empty
    stop_server(proc)


def _dumps(release) -> list[str]:
    return sorted(n for n in release.manifest["files"] if n.startswith("govgraph."))


def test_every_dump_file_is_the_release_s(bare, release):
    store, url, _ = bare
    index = requests.get(url + "/dumps/", headers={"Accept": "application/json"}).json()
    assert index["latest"] == release.id and len(index["releases"]) == 1
    listed = {row["name"]: row for row in index["releases"][0]["files"]}
    assert list(listed) == [*_dumps(release), "void.ttl", SHA256SUMS]
    for name in _dumps(release):
        info = release.manifest["files"][name]
        assert listed[name]["sha256"] == info["sha256"]
        response = requests.get(f"{url}/dumps/{release.id}/{name}")
        assert response.status_code == 200, (name, response.text[:500])
        assert hashlib.sha256(response.content).hexdigest() == info["sha256"], name
        assert response.content == release.file(name).read_bytes()
        assert response.headers["ETag"] == f'"{info["sha256"]}"'
        assert response.headers["Content-Type"].split(";")[0] == ("application/gzip" if name.endswith(".gz")
                                                                  else info["media_type"])
    page = requests.get(url + "/dumps/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and f"/dumps/{release.id}/govgraph.nt.gz" in page.text
    sums = requests.get(f"{url}/dumps/latest/{SHA256SUMS}")
    assert sums.status_code == 200
    local = sha256sums(release).splitlines()  # what /dumps/ of the local release lists
    assert sums.text.splitlines() == [line for line in local if not line.endswith("  void.ttl")] != []


def test_void_is_the_meta_graph_as_the_store_holds_it(bare, release):
    """void.ttl is made from the meta graph (which cannot state its own checksum): the
    release's own bytes, as both servers keep the lexical forms the build writes there."""
    store, url, _ = bare
    response = requests.get(f"{url}/dumps/latest/void.ttl")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    assert response.content == release.file("void.ttl").read_bytes()


def test_validators_ranges_and_head_as_for_a_local_release(bare, release):
    store, url, _ = bare
    name = "govgraph.nt.gz"
    path, local = f"{url}/dumps/{release.id}/{name}", release.file(name).read_bytes()
    etag = f'"{release.manifest["files"][name]["sha256"]}"'
    assert requests.get(path, headers={"If-None-Match": etag}).status_code == 304
    part = requests.get(path, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206 and part.content == local[10:110]
    head = requests.head(path)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(local) and not head.content
    assert "immutable" in requests.get(path).headers["Cache-Control"]
    assert "must-revalidate" in requests.get(f"{url}/dumps/latest/{name}").headers["Cache-Control"]
    assert requests.get(f"{url}/dumps/9.9.9-nope/{name}").status_code == 404


def _update(store, operation: str) -> None:
    response = requests.post(store.update_url, data=operation.encode("utf-8"), auth=store.auth, timeout=60,
                             headers={"Content-Type": "application/sparql-update; charset=utf-8"})
    assert response.status_code < 300, response.text[:500]


def test_a_store_altered_after_the_publish_gives_an_error_not_bytes(bare, release):
    store, url, data_dir = bare
    shutil.rmtree(data_dir / "dump-cache", ignore_errors=True)  # as a front that has not made them yet
    _update(store, f"INSERT DATA {{ {ALTERATION} }}")
    try:
        for name in ("govgraph.nt", "govgraph.nq.gz"):
            refused = requests.get(f"{url}/dumps/{release.id}/{name}", headers={"Accept": "application/json"})
            assert refused.status_code == 502, refused.text[:500]
            detail = refused.json()["detail"]
            assert name in detail and release.manifest["files"][name]["sha256"] in detail
            assert "the store holds different content from the release it describes" in detail
            assert "ETag" not in refused.headers
        assert not (data_dir / "dump-cache" / release.id / "govgraph.nt").exists()
    finally:
        _update(store, f"DELETE DATA {{ {ALTERATION} }}")
    served = requests.get(f"{url}/dumps/{release.id}/govgraph.nt")  # the store holds the release again
    assert served.status_code == 200 and served.content == release.file("govgraph.nt").read_bytes()


def test_first_requests_at_once_each_get_the_release_s_bytes(bare, release):
    """Many first requests at once (threads of the front; one makes the files under the lock)."""
    from concurrent.futures import ThreadPoolExecutor

    store, url, data_dir = bare
    shutil.rmtree(data_dir / "dump-cache", ignore_errors=True)
    names = _dumps(release) * 2
    with ThreadPoolExecutor(len(names)) as pool:
        answers = list(pool.map(lambda n: requests.get(f"{url}/dumps/{release.id}/{n}", timeout=120), names))
    for name, answer in zip(names, answers):
        assert answer.status_code == 200 and answer.content == release.file(name).read_bytes(), name
