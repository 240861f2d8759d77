"""Every route of the app, as ``govgraph serve`` serves it: HEAD answers like GET without a
body, and malformed requests (paths, headers, methods, bodies) get a 4xx, never a 5xx.

The routes are read from the app's url_map, so a new route is covered the day it is added
(a route whose path variable has no sample value below fails the test until one is given).
Malformed bytes are sent over raw sockets, so they reach the server as written.
"""

from __future__ import annotations

import random
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

#: A value that names something real for each path variable of the url_map.
SAMPLES = {"kind": "state", "key": "MEX", "ext": "ttl", "name": "data", "filename": "query.css"}


def _samples(release) -> dict[str, str]:
    return {**SAMPLES, "version": release.manifest["version"], "release_id": release.id}


def _routes(release) -> list[str]:
    """A concrete path for every GET rule of the app's url_map."""
    from govgraph.config import Settings
    from govgraph.web import create_app

    samples = _samples(release)
    paths = []
    for rule in create_app(Settings.from_env({})).url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        missing = set(rule.arguments) - set(samples)
        assert not missing, f"add a sample value for {missing} (route {rule.rule}) to SAMPLES"
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: samples[m.group(1)], rule.rule)
        if rule.endpoint == "dumps.dump_file":
            path = path.rsplit("/", 1)[0] + "/govgraph.ttl"
        paths.append(path)
    return paths


def raw_request(url: str, head: bytes, body: bytes = b"", timeout: float = 30) -> tuple[int | None, bytes]:
    """Send ``head`` (request line and headers, CRLF-separated, no final blank line) and
    ``body`` as they are; return the status (None if the server closed without one) and the
    response bytes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    found = re.match(rb"HTTP/1\.[01] (\d{3})", received)
    return (int(found.group(1)) if found else None), received


# --- HEAD ------------------------------------------------------------------------------------

def test_head_answers_like_get_on_every_route(server, release):
    """Status and headers of GET, no body; the bare endpoint included (its Service Description)."""
    paths = _routes(release) + ["/sparql?query=ASK%20%7B%7D", "/id/state/MEX", "/doc/state/MEX"]
    assert "/sparql" in paths and "/context.jsonld" in paths
    for path in paths:
        got = requests.get(server + path, allow_redirects=False)
        head = requests.head(server + path, allow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers.get("Content-Type") == got.headers.get("Content-Type"), path
        dynamic = path.startswith("/-/")  # health and metrics change from one request to the next
        if "Content-Length" in head.headers and "Content-Encoding" not in got.headers and not dynamic:
            assert int(head.headers["Content-Length"]) == len(got.content), path
    assert requests.head(server + "/sparql", headers={"Accept": "text/turtle"}).status_code == 200


# --- fuzz ------------------------------------------------------------------------------------

BAD_SEGMENTS = [
    "%c0%ae%c0%ae", "%c0%af", "%e0%80%ae",              # overlong UTF-8 ('.', '/')
    "%ed%a0%80", "%f4%90%80%80", "%ff%fe", "%80",       # a surrogate, past U+10FFFF, stray bytes
    "%zz", "%", "%4", "%%", "a%2", "%u002e",            # percent-encoding that encodes nothing
    "%00", "a%00b", "%0a", "%1b[31m", "%7f",            # NUL and control characters
    "x" * 4000, "%41" * 1500,                           # very long segments
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..", ".", "%2f", "//",
    "a%20b", "%22%3C%3E", "%7B%7D%7C%5C%5E%60", "%E2%80%AE", "%F0%9F%98%80", "\u00e9".encode().decode("latin-1"),
]
BAD_RAW_PATHS = [b"/doc/state/\xff", b"/id/\xc0\xae/", b"/\x00", b"/sparql\t", b"*", b"http://evil/x",
                 b"/" + b"a/" * 300, b"/%", b"", b"/doc/state/MEX#frag", b"/?" + b"&" * 2000]
BAD_HEADERS = [
    b"Accept: ", b"Accept: */*;q=foo", b"Accept: text/html;q=2", b"Accept: ;;;,,,", b"Accept: a/b/c",
    b"Accept: \xff\xfe", b"Accept: " + b"text/turtle;q=0.1," * 400, b"Accept: application/ld+json;profile=\"",
    b"Accept-Language: \xc0\xae", b"Accept-Language: *;q=-1,,en-", b"Accept-Encoding: gzip;q=x, br;q=",
    b"Content-Type: ", b"Content-Type: application/sparql-query; charset=", b"Content-Type: text/plain; charset=ebcdic",
    b"Content-Type: application/x-www-form-urlencoded; charset=\xff", b"Content-Type: multipart/form-data",
    b"Content-Type: application/sparql-query; charset=utf-16", b"Content-Type: ;;",
    b"If-None-Match: W/\"", b"If-None-Match: *, \xff", b"If-Modified-Since: yesterday", b"Range: bytes=abc",
    b"Range: bytes=99999999-1", b"Range: bytes=0-0,1-1,2-2", b"Cookie: \x01\x02",
    b"X-Forwarded-For: \xff, ::1, not-an-ip", b"X-Forwarded-Host: a b", b"X-Forwarded-Host: <evil>",
    b"X-Forwarded-Proto: gopher://", b"X-Forwarded-Port: 99999999", b"X-Forwarded-Prefix: /%zz",
    b"Origin: \x00", b"Access-Control-Request-Headers: \xff, x y", b"Host: a b", b"Host: <evil>", b"Host: [::1",
    b"Host: ", b"X-Padding: " + b"y" * 7000, b"Bad Header: x", b"X-Odd: \x7f\x1b[31m",
]
BAD_METHODS = [b"FOO", b"get", b"PROPFIND", b"TRACE", b"CONNECT", b"PUT", b"DELETE", b"PATCH", b"OPTIONS",
               b"HEAD", b"A" * 200, b"G\x00ET", b"POST"]
BODIES = [b"", b"query=ASK%20%7B%7D", b"ASK {}", b"\xff\xfe\x00A", b"query=%zz", b"query=%c0%ae",
          "ASK {}".encode("utf-16"), b"update=CLEAR%20ALL"]


@pytest.fixture(scope="module")
def fuzzed_server(server_factory, data_dir):
    """A server of its own (its log is read afterwards), behind one trusted proxy hop so that
    the X-Forwarded-* headers reach the app."""
    proc, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_PROXY_HOPS": "1"})
    return proc, url, Path(data_dir) / f"serve-{urlsplit(url).port}.log"


def _cases(release) -> list[tuple[bytes, bytes, bytes]]:
    """(request line + headers, body, what it is): every route with every bad segment, then
    seeded random mixes of bad paths, headers, methods and bodies."""
    routes = _routes(release)
    cases = []
    for path in routes:
        for segment in BAD_SEGMENTS:
            target = _mutated(path, segment.encode("latin-1"), len(cases))
            cases.append((b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1", b""))
    rng = random.Random(8)
    for _ in range(400):
        path = rng.choice(routes).encode()
        roll = rng.random()
        if roll < 0.3:
            path = _mutated(path.decode(), rng.choice(BAD_SEGMENTS).encode("latin-1"), rng.randrange(99))
        elif roll < 0.4:
            path = rng.choice(BAD_RAW_PATHS)
        method = rng.choice(BAD_METHODS) if rng.random() < 0.3 else rng.choice([b"GET", b"POST", b"HEAD"])
        headers = [b"Host: 127.0.0.1"] + rng.sample(BAD_HEADERS, rng.randint(1, 4))
        body = rng.choice(BODIES) if method in (b"POST", b"PUT", b"PATCH", b"FOO") else b""
        headers.append(b"Content-Length: %d" % len(body))
        version = rng.choice([b"HTTP/1.1"] * 8 + [b"HTTP/1.0", b"HTTP/2.0", b"HTTP/9.9", b"HTTPS/1.1"])
        cases.append((b" ".join([method, path, version]) + b"\r\n" + b"\r\n".join(headers), body))
    return cases


def _mutated(path: str, segment: bytes, seed: int) -> bytes:
    """``path`` with one of its segments (chosen by ``seed``) replaced by ``segment``, or with
    ``segment`` appended."""
    parts = path.encode().split(b"/")
    slots = [i for i, p in enumerate(parts) if p] or [len(parts) - 1]
    if seed % 3 == 0:
        return path.encode().rstrip(b"/") + b"/" + segment
    parts[slots[seed % len(slots)]] = segment
    return b"/".join(parts)


def test_malformed_requests_get_4xx_never_5xx(fuzzed_server, release):
    proc, url, log = fuzzed_server
    cases = _cases(release)
    assert len(cases) >= 200
    answered, failures = 0, []
    for head, body in cases:
        status, response = raw_request(url, head, body)
        if status is not None:
            answered += 1
        if status is None and response:
            failures.append((head[:200], b"no status line: " + response[:100]))
        elif status is not None and status >= 500:
            failures.append((head[:200], response[:300]))
    assert not failures, failures[:5]
    assert answered >= 0.9 * len(cases)  # a few request lines are refused by closing the connection
    assert proc.poll() is None
    assert requests.get(url + "/-/health", timeout=10).status_code == 200
    answer = requests.get(url + "/sparql", params={"query": "ASK { ?s rdfs:label ?o }"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("path", ["/doc/%c0%ae%c0%ae/%c0%ae%c0%ae/", "/id/state/%zz", "/doc/state/a%00b",
                                  "/doc/%ed%a0%80/x", "/graph/%ff"])
def test_malformed_paths_get_a_json_400_or_404(server, path):
    status, response = raw_request(server, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1")
    assert status in (400, 404), response[:300]
    assert b'"status":' in response
