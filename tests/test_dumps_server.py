"""The dumps through the real server (``govgraph serve``: its front end, sendfile): a harvester's
revalidation, ranges, HEAD, and every dump parsed back by rdflib, pyoxigraph and rapper with
the manifest's triple counts. Runs on the small releases, then on the real release."""

from __future__ import annotations

import gzip
import html
import io

import pyoxigraph as ox
import pytest
import rdflib
import requests

from govgraph.release import dump_files, newest_release

RDFLIB = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig"}
OXIGRAPH = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG}
RAPPER = {"ttl": "turtle", "nt": "ntriples"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def harvest_twice(url: str) -> tuple[requests.Response, requests.Response]:
    """What a harvester does: fetch, keep the validators, fetch again conditionally."""
    with requests.Session() as session:
        first = session.get(url, timeout=30)
        second = session.get(url, timeout=30, headers={"If-None-Match": first.headers["ETag"],
                                                       "If-Modified-Since": first.headers["Last-Modified"]})
    return first, second


def check_dump(name: str, data: bytes, info: dict, rapper_count) -> None:
    """rdflib, pyoxigraph and (Turtle, N-Triples) rapper all count the manifest's triples."""
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    ext = name.split(".")[1]
    if ext in ("nq", "trig"):
        counted = len(rdflib.Dataset().parse(data=data, format=RDFLIB[ext]))
    else:
        counted = len(rdflib.Graph().parse(data=data, format=RDFLIB[ext]))
    assert counted == info["triples"], f"rdflib: {name}"
    assert len(list(ox.parse(io.BytesIO(data), format=OXIGRAPH[ext]))) == info["triples"], f"pyoxigraph: {name}"
    if ext in RAPPER:
        assert rapper_count(data, RAPPER[ext]) == info["triples"], f"rapper: {name}"


def check_release_dumps(url: str, release, rapper_count) -> None:
    with requests.Session() as session:
        for name in dump_files(release):
            r = session.get(f"{url}/dumps/{release.id}/{name}", timeout=60)
            assert r.status_code == 200, name
            if name == "SHA256SUMS" or name == "void.ttl":
                continue
            info = release.manifest["files"][name]
            assert len(r.content) == info["bytes"] == int(r.headers["Content-Length"])
            assert "Content-Encoding" not in r.headers
            check_dump(name, r.content, info, rapper_count)


def test_harvester_second_fetch_is_one_304_without_a_body(publish_server):
    first, second = harvest_twice(publish_server + "/dumps/latest/govgraph.nt.gz")
    assert first.status_code == 200 and len(first.content) > 0
    assert second.status_code == 304 and second.content == b""
    assert second.headers["ETag"] == first.headers["ETag"]


def test_ranges_and_head_through_the_server(publish_server, publish_data_dir):
    release = newest_release(publish_data_dir / "releases")
    whole = (release.path / "govgraph.nq").read_bytes()
    url = f"{publish_server}/dumps/{release.id}/govgraph.nq"
    r = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=30)
    assert r.status_code == 206 and r.content == whole[100:200]
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    r = requests.head(url, timeout=30)
    assert r.status_code == 200 and r.content == b"" and int(r.headers["Content-Length"]) == len(whole)
    r = requests.get(url, headers={"Range": f"bytes={len(whole)}-"}, timeout=30)
    assert r.status_code == 416


def test_every_small_dump_parses_with_the_manifest_counts(publish_server, publish_data_dir, rapper_count):
    release = newest_release(publish_data_dir / "releases")
    check_release_dumps(publish_server, release, rapper_count)


def test_real_release_dumps_parse_with_the_manifest_counts(server, release, rapper_count):
    check_release_dumps(server, release, rapper_count)


def test_real_release_harvest_is_one_304(server):
    for name in ("govgraph.ttl.gz", "govgraph.nq"):
        first, second = harvest_twice(f"{server}/dumps/latest/{name}")
        assert first.status_code == 200 and second.status_code == 304 and second.content == b""


@pytest.mark.parametrize("path,status", [("/dumps/9.9.9-nope/govgraph.ttl", 404), ("/def/9.9.9", 404),
                                         ("/sparql?query=SELECT%20%3Fs%20WHERE%20%7B", 400)])
def test_errors_are_a_page_for_browsers_and_json_for_programs(server, path, status):
    browser = requests.get(server + path, headers={"Accept": BROWSER_ACCEPT})
    assert browser.status_code == status
    assert browser.headers["Content-Type"].startswith("text/html")
    assert "Accept" in browser.headers["Vary"]
    detail = requests.get(server + path, headers={"Accept": "application/json"})
    assert detail.status_code == status and set(detail.json()) == {"error", "status", "detail"}
    assert detail.json()["detail"] in html.unescape(browser.text)  # the same words, not a generic page
    for accept in ("*/*", None):  # curl, and a client that sends no Accept: JSON
        plain = requests.get(server + path, headers={"Accept": accept})
        assert plain.status_code == status and plain.headers["Content-Type"].startswith("application/json")
