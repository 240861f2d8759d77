"""HTTP/1.1 as the front end speaks it, over raw sockets to the real server: chunked and
100-continue request bodies, pipelining, HTTP/1.0, HEAD, header names with underscores, and
slow readers that hold no thread."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import requests

ASK = b"ASK { ?s ?p ?o }"


def connect(url: str, rcvbuf: int | None = None) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(30)
    sock.connect((parts.hostname, parts.port))
    return sock


def read_answer(stream, head_only: bool = False) -> tuple[bytes, dict, bytes]:
    """One answer from a socket's file (``sock.makefile("rb")``): (status line, headers, body);
    a HEAD answer (``head_only``) has no body whatever its Content-Length says."""
    status = stream.readline().rstrip()
    assert status, "the connection closed before an answer"
    headers = {}
    while (line := stream.readline().rstrip()):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get(b"content-length", b"0"))
    return status, headers, stream.read(length)


def test_a_chunked_body_is_read_whole(server):
    with connect(server) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nContent-Type: application/sparql-query\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%b\r\n0\r\n\r\n" % (len(ASK), ASK))
        with sock.makefile("rb") as stream:
            status, _, body = read_answer(stream)
    assert status.startswith(b"HTTP/1.1 200 ") and body.strip().endswith(b"true")


def test_expect_100_continue_gets_its_go_ahead(server):
    with connect(server) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nContent-Type: application/sparql-query\r\n"
                     b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(ASK))
        assert sock.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(ASK)
        with sock.makefile("rb") as stream:
            status, _, body = read_answer(stream)
    assert status.startswith(b"HTTP/1.1 200 ") and body.strip().endswith(b"true")


def test_pipelined_requests_are_answered_in_order(server):
    requests_ = b"".join(b"GET /sparql?query=SELECT%20(" + n + b"%20AS%20%3Fn)%20%7B%7D HTTP/1.1\r\nHost: x\r\n"
                         b"Accept: text/csv\r\n\r\n" for n in (b"1", b"2", b"3"))
    with connect(server) as sock:
        sock.sendall(requests_)
        with sock.makefile("rb") as stream:
            bodies = [read_answer(stream)[2] for _ in range(3)]
    assert [b.split()[-1] for b in bodies] == [b"1", b"2", b"3"]


def test_http_1_0_gets_its_answer_then_the_connection_closes(server):
    with connect(server) as sock:
        sock.sendall(b"GET /-/version HTTP/1.0\r\n\r\n")
        with sock.makefile("rb") as stream:
            status, headers, body = read_answer(stream)
            assert stream.read(1) == b""
    assert status.startswith(b"HTTP/1.1 200 ") and headers[b"connection"] == b"close"
    assert b'"release"' in body


def test_head_has_the_length_and_no_body(server):
    get = requests.get(server + "/-/version")
    with connect(server) as sock:
        sock.sendall(b"HEAD /-/version HTTP/1.1\r\nHost: x\r\n\r\nGET /-/version HTTP/1.1\r\nHost: x\r\n\r\n")
        with sock.makefile("rb") as stream:
            status, headers, body = read_answer(stream, head_only=True)
            second = read_answer(stream)  # no body followed the HEAD answer: the next bytes are the GET's
        assert int(headers[b"content-length"]) == len(get.content)
        assert second[0].startswith(b"HTTP/1.1 200 ") and second[2] == get.content
    assert status.startswith(b"HTTP/1.1 200 ")


def _endpoint_iri(url: str, headers: dict) -> str:
    description = requests.get(url + "/sparql", headers={"Accept": "application/n-triples", **headers}).text
    line = next(l for l in description.splitlines() if "sparql-service-description#endpoint>" in l)
    return line.split()[2].strip("<>")


def test_header_names_with_underscores_are_dropped(server_factory):
    """As gunicorn did: otherwise X-Forwarded_Host would reach the app as X-Forwarded-Host."""
    _, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_PROXY_HOPS": "1"})
    assert _endpoint_iri(url, {"X-Forwarded-Host": "graph.example.org"}) == "http://graph.example.org/sparql"
    assert "graph.example.org" not in _endpoint_iri(url, {"X-Forwarded_Host": "graph.example.org"})


def test_slow_readers_hold_no_thread(server_factory, release):
    """With one app thread, clients that ask for more of a dump than the kernel's buffers hold
    (4 pipelined GETs of it) and read none of it do not stop a cheap query: the rest of their
    answers waits in their connections, not in the thread."""
    _, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_HTTP_THREADS": "1", "GOVGRAPH_CLIENT_QUERIES": "0"})
    size = (release.path / "govgraph.nq").stat().st_size
    request = f"GET /dumps/{release.id}/govgraph.nq HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    readers = []
    try:
        for _ in range(2):
            sock = connect(url, rcvbuf=4096)
            sock.sendall(request * 4)
            readers.append(sock)
        time.sleep(1.0)
        started = time.perf_counter()
        answer = requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=60)
        waited = time.perf_counter() - started
        with readers[0].makefile("rb") as stream:
            answers = [read_answer(stream) for _ in range(4)]  # every answer still comes whole
    finally:
        for sock in readers:
            sock.close()
    print(f"\n2 slow readers of 4 x {size / 1e6:.1f} MB each, 1 app thread: a cheap query answered in "
          f"{waited * 1000:.1f} ms")
    assert answer.status_code == 200 and waited < 2.0
    assert [(a[0][:12], len(a[2])) for a in answers] == [(b"HTTP/1.1 200", size)] * 4
