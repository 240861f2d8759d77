"""/dumps/: headers, validators, ranges and conditionals of every dump file, the index, the
SHA256SUMS file and ``govgraph dump`` (two small complete releases from tests/conftest.py)."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from govgraph.config import Settings
from govgraph.release import dump_files, list_releases
from govgraph.web import create_app

TYPES = {"govgraph.ttl": "text/turtle", "govgraph.nt": "application/n-triples",
         "govgraph.nq": "application/n-quads", "govgraph.trig": "application/trig", "void.ttl": "text/turtle"}


@pytest.fixture(scope="module")
def releases(publish_data_dir):
    return {r.id: r for r in list_releases(publish_data_dir / "releases")}


@pytest.fixture(scope="module")
def ids(releases):
    """(the older release's id, the newer one's): the writer names them by their content."""
    old, new = releases
    return old, new


class Client:
    """The Flask test client, reading and closing every response (send_file opens files)."""

    def __init__(self, app):
        self._client = app.test_client()

    def open(self, url, method="GET", headers=None):
        response = self._client.open(url, method=method, headers=headers or {})
        response.get_data()
        response.close()
        return response

    def get(self, url, headers=None):
        return self.open(url, "GET", headers)

    def head(self, url, headers=None):
        return self.open(url, "HEAD", headers)


@pytest.fixture(scope="module")
def client(publish_data_dir):
    return Client(create_app(Settings.from_env({}, data_dir=publish_data_dir, rate_limit=0)))


def _files(releases):
    return [(rid, name) for rid, r in releases.items() for name in dump_files(r) if name != "SHA256SUMS"]


def test_both_releases_have_all_six_dumps(releases):
    for release in releases.values():
        names = set(dump_files(release))
        assert {"govgraph.ttl", "govgraph.ttl.gz", "govgraph.nt", "govgraph.nt.gz",
                "govgraph.nq", "govgraph.nq.gz", "SHA256SUMS"} <= names


def test_every_file_has_honest_headers_and_its_bytes(client, releases):
    for rid, name in _files(releases):
        info = releases[rid].manifest["files"][name]
        r = client.get(f"/dumps/{rid}/{name}")
        assert r.status_code == 200, name
        media_type = r.headers["Content-Type"].split(";")[0]
        assert media_type == ("application/gzip" if name.endswith(".gz") else TYPES[name])
        assert "Content-Encoding" not in r.headers  # the .gz is the resource, not a coding of it
        assert int(r.headers["Content-Length"]) == info["bytes"] == len(r.data)
        assert hashlib.sha256(r.data).hexdigest() == info["sha256"]
        assert r.headers["ETag"] == f'"{info["sha256"]}"'  # strong: no W/ prefix
        assert r.headers["Accept-Ranges"] == "bytes"
        created = datetime.fromisoformat(releases[rid].manifest["created"]).replace(microsecond=0)
        assert parsedate_to_datetime(r.headers["Last-Modified"]) == created  # HTTP dates are to the second
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        if name.endswith(".gz"):
            assert gzip.decompress(r.data) == (releases[rid].path / name[:-3]).read_bytes()


def test_cache_control_latest_revalidates_versioned_is_immutable(client, ids):
    OLD, NEW = ids
    latest = client.get("/dumps/latest/govgraph.ttl").headers["Cache-Control"]
    versioned = client.get(f"/dumps/{NEW}/govgraph.ttl").headers["Cache-Control"]
    assert "must-revalidate" in latest and "max-age=300" in latest and "immutable" not in latest
    assert "immutable" in versioned and "max-age=31536000" in versioned


def test_latest_is_the_newest_release_and_a_changed_release_changes_the_etag(client, releases, ids):
    OLD, NEW = ids
    latest = client.get("/dumps/latest/govgraph.nt")
    assert latest.data == (releases[NEW].path / "govgraph.nt").read_bytes()
    old = client.get(f"/dumps/{OLD}/govgraph.nt")
    assert old.headers["ETag"] != latest.headers["ETag"]
    assert client.get("/dumps/latest/govgraph.nt", headers={"If-None-Match": old.headers["ETag"]}).status_code == 200


def test_head_has_the_headers_and_no_body(client, ids):
    OLD, NEW = ids
    get, head = client.get(f"/dumps/{NEW}/govgraph.nq.gz"), client.head(f"/dumps/{NEW}/govgraph.nq.gz")
    assert head.status_code == 200 and head.data == b""
    for key in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Accept-Ranges", "Cache-Control"):
        assert head.headers[key] == get.headers[key]


def test_conditional_get_answers_304_without_a_body(client):
    first = client.get("/dumps/latest/govgraph.ttl.gz")
    by_etag = client.get("/dumps/latest/govgraph.ttl.gz", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get("/dumps/latest/govgraph.ttl.gz", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    for r in (by_etag, by_date):
        assert r.status_code == 304 and r.data == b""
        assert r.headers["ETag"] == first.headers["ETag"]
    stale = client.get("/dumps/latest/govgraph.ttl.gz", headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_ranges(client, releases, ids):
    OLD, NEW = ids
    whole = (releases[NEW].path / "govgraph.nt").read_bytes()
    url = f"/dumps/{NEW}/govgraph.nt"
    r = client.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.data == whole[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(whole)}"
    assert client.get(url, headers={"Range": "bytes=-7"}).data == whole[-7:]
    assert client.get(url, headers={"Range": f"bytes={len(whole) - 3}-"}).data == whole[-3:]
    r = client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(whole)}"
    r = client.get(url, headers={"Range": "bytes=0-1,5-6"})  # several ranges: the whole file
    assert r.status_code == 200 and r.data == whole
    r = client.get(url, headers={"Range": "bytes=0-3", "If-Range": '"not-the-etag"'})
    assert r.status_code == 200 and r.data == whole


def test_sha256sums_lists_every_dump_with_its_digest(client, releases):
    for rid, release in releases.items():
        r = client.get(f"/dumps/{rid}/SHA256SUMS")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
        lines = dict(reversed(line.split("  ")) for line in r.data.decode().splitlines())
        assert set(lines) == set(dump_files(release)) - {"SHA256SUMS"}
        for name, digest in lines.items():
            assert hashlib.sha256((release.path / name).read_bytes()).hexdigest() == digest
        again = client.get(f"/dumps/{rid}/SHA256SUMS", headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304


@pytest.mark.parametrize("path", ["/dumps/9.9.9-nope/govgraph.ttl", "/dumps/{new}/manifest.json",
                                  "/dumps/{new}/ontology.ttl", "/dumps/{new}/..%2Fmanifest.json",
                                  "/dumps/{new}/store"])
def test_only_listed_files_of_known_releases_are_served(client, path, ids):
    r = client.get(path.format(new=ids[1]), headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert set(r.json) == {"error", "status", "detail"}


def test_index_lists_every_release_in_html_and_json(client, releases, ids):
    OLD, NEW = ids
    html = client.get("/dumps/", headers={"Accept": "text/html"}).data.decode()
    for rid, release in releases.items():
        assert f'id="{rid}"' in html
        for name in dump_files(release):
            assert f'href="/dumps/{rid}/{name}"' in html
    assert 'href="/dumps/latest/govgraph.ttl.gz"' in html
    assert f'since\n      <a href="#{OLD}">' in html
    data = client.get("/dumps/", headers={"Accept": "application/json"}).json
    assert data["latest"] == NEW
    assert data["releases"][0]["changes"] == {"since": OLD, "added": 1, "removed": 0}  # the German label
    assert data["releases"][1]["changes"] is None
    assert [r["id"] for r in data["releases"]] == [NEW, OLD]
    row = next(f for f in data["releases"][0]["files"] if f["name"] == "govgraph.nt")
    assert row["sha256"] == releases[NEW].manifest["files"]["govgraph.nt"]["sha256"]


def test_govgraph_dump_writes_the_served_files(client, publish_data_dir, tmp_path):
    out = tmp_path / "dumps"
    done = subprocess.run([sys.executable, "-m", "govgraph", "dump", str(out), "--data-dir", str(publish_data_dir)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    written = sorted(Path(line).name for line in done.stdout.split())
    served = json.loads(client.get("/dumps/", headers={"Accept": "application/json"}).data)["releases"][0]
    assert written == sorted(f["name"] for f in served["files"])
    for name in written:
        assert (out / name).read_bytes() == client.get(f"/dumps/latest/{name}").data
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_rebuilt_release_with_changed_content_changes_the_etag(tmp_path):
    """The real build (govgraph.builder.pipeline) on tests/fixtures/mini, then on a copy with
    one label changed: /dumps/latest moves to the new release, whose ETags differ, while the
    old release keeps its immutable URLs and ETags."""
    import shutil

    from govgraph.builder.pipeline import build_release

    mini = Path(__file__).parent / "fixtures" / "mini"
    changed = tmp_path / "mini-changed"
    shutil.copytree(mini, changed)
    actors = changed / "data" / "actors.ttl"
    actors.write_text(actors.read_text(encoding="utf-8").replace('"Estados Unidos"@es', '"EE. UU."@es'),
                      encoding="utf-8")
    settings = Settings.from_env({}, data_dir=tmp_path / "data", rate_limit=0, source_dir=mini)
    first = build_release(settings, progress=lambda message: None)
    second = build_release(Settings.from_env({}, data_dir=tmp_path / "data", rate_limit=0, source_dir=changed),
                           progress=lambda message: None)
    assert first.name != second.name
    client = Client(create_app(settings))
    changes = json.loads(client.get("/dumps/", headers={"Accept": "application/json"}).data)["releases"][0]["changes"]
    assert changes == {"since": first.name, "added": 1, "removed": 1}  # one Spanish label replaced
    for name in ("govgraph.ttl", "govgraph.nt.gz", "govgraph.nq"):
        old = client.get(f"/dumps/{first.name}/{name}")
        latest = client.get(f"/dumps/latest/{name}")
        assert latest.data == (second / name).read_bytes()
        assert old.headers["ETag"] != latest.headers["ETag"]
        assert client.get(f"/dumps/latest/{name}", headers={"If-None-Match": old.headers["ETag"]}).status_code == 200
        assert client.get(f"/dumps/{first.name}/{name}", headers={"If-None-Match": old.headers["ETag"]}).status_code == 304


def test_the_dumps_are_made_again_from_the_graphs_of_the_release_s_store(release):
    """The one writer (govgraph.dumpfiles) gives the release's own bytes from the graphs of its
    store, whose blank nodes have other labels: what ``serve --store`` relies on."""
    import pyoxigraph as ox

    from govgraph.dumpfiles import regenerate

    store = ox.Store.read_only(str(release.store_path))
    graphs = {g.value: ox.serialize((q.triple for q in store.quads_for_pattern(None, None, None, g)),
                                    format=ox.RdfFormat.N_TRIPLES) for g in store.named_graphs()}
    made = regenerate(graphs)
    assert sorted(made) == sorted(n for n in dump_files(release) if n != "SHA256SUMS")
    assert any(b"_:" in graph for graph in graphs.values())
    for name, dump in made.items():
        assert dump.content == release.file(name).read_bytes(), name
        assert dump.info() == {k: release.manifest["files"][name][k] for k in dump.info()}, name
