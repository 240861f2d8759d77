"""Between HTTP and WSGI: a whole request parsed from bytes (httptools), the WSGI environ
made from it, the head of an answer, and the JSON error answers the front end gives by itself.

:class:`RequestReader` is fed what a connection receives and yields whole requests, body
included, so the app never waits on a client. It enforces the limits of the request head
(:data:`govgraph.config.MAX_REQUEST_LINE`, 100 headers of at most 8,190 bytes) and of the
body (``max_body_bytes``), answering 414, 431 or 413 in the app's JSON error shape.

>>> reader = RequestReader(max_body=100)
>>> reader.feed(b"POST /sparql?x=1 HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\n\\r\\nASK", now=0.0)
>>> request = reader.complete.popleft()
>>> request.method, request.target, request.body, request.keep_alive
('POST', b'/sparql?x=1', b'ASK', True)
>>> env = environ(request, {"REMOTE_ADDR": "127.0.0.1"})
>>> env["PATH_INFO"], env["QUERY_STRING"], env["CONTENT_LENGTH"], env["HTTP_HOST"], env["wsgi.input"].read()
('/sparql', 'x=1', '3', 'h', b'ASK')
>>> reader.feed(b"GET /" + b"x" * 9000, now=1.0)
>>> reader.refusal[:2]
(414, 'URI Too Long')
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections import deque
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import unquote_to_bytes

import httptools

from govgraph.config import MAX_REQUEST_LINE
from govgraph.web.errors import body_too_large, error_body

#: More headers than this, or one longer than MAX_HEADER_BYTES, is answered 431 (gunicorn's limits).
MAX_HEADERS = 100
MAX_HEADER_BYTES = 8190
#: A head still incomplete after this many bytes is answered 431 (bounds a connection's memory).
MAX_HEAD_BYTES = 256 * 1024


@dataclass
class Request:
    """One whole request: its line, its headers as sent, its (de-chunked) body."""

    method: str
    target: bytes
    version: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    keep_alive: bool
    #: The client sent ``Expect: 100-continue`` (already answered by the reader's owner).
    expects_continue: bool = False


class RequestReader:
    """Bytes in, whole requests out (``complete``), or a ``refusal`` (status, reason, detail)."""

    def __init__(self, max_body: int):
        self.max_body = max_body
        self.complete: deque[Request] = deque()
        self.refusal: tuple[int, str, str] | None = None
        #: The last request asked to switch protocols: answer the requests read, then close.
        self.upgrade = False
        #: Monotonic time the first byte of the request being received was read (None: between requests).
        self.started: float | None = None
        #: A request's head is in and it waits for ``100 Continue`` (its owner sends it, then clears this).
        self.continue_wanted = False
        self._parser = httptools.HttpRequestParser(self)
        self._fresh()

    def _fresh(self) -> None:
        self._url, self._headers, self._body = b"", [], []
        self._head_bytes = self._body_bytes = self._fed = 0
        self._in_head = self._in_message = self._expect = False

    def feed(self, data: bytes, now: float) -> None:
        """Parse ``data``; complete requests go to ``complete``; a broken or oversized one sets ``refusal``."""
        if not self._in_message:
            self.started = now
        self._fed += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.upgrade = True
        except httptools.HttpParserError as err:
            if self.refusal is None:
                self.refusal = (400, "Bad Request", f"the request is not valid HTTP/1.1 ({err})")
        if self._in_head and self.refusal is None and self._fed > MAX_HEAD_BYTES:
            self._refuse(431, "Request Header Fields Too Large", f"the request head is over {MAX_HEAD_BYTES} bytes")
        if not self._in_message:
            self.started = None

    @property
    def receiving(self) -> bool:
        """Part of a request has been read, not all of it."""
        return self._in_message

    def _refuse(self, status: int, reason: str, detail: str) -> None:
        if self.refusal is None:
            self.refusal = (status, reason, detail)

    # httptools callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._in_message = self._in_head = True

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_REQUEST_LINE - 20 and self._line_bytes() > MAX_REQUEST_LINE:
            self._refuse(414, "URI Too Long",
                         f"the request line is over the limit of {MAX_REQUEST_LINE} bytes: send a long query by "
                         "POST, form-encoded or as application/sparql-query (SPARQLWrapper: setMethod(POST))")

    def _line_bytes(self) -> int:
        """The request line's length: method, space, URL, space, HTTP/1.1."""
        return len(self._parser.get_method()) + 1 + len(self._url) + 9

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        size = len(name) + len(value) + 2
        self._head_bytes += size
        if len(self._headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
            self._refuse(431, "Request Header Fields Too Large",
                         f"the request headers are too large or too many (at most {MAX_HEADERS} headers "
                         f"of {MAX_HEADER_BYTES} bytes)")
        elif name.lower() == b"expect" and value.lower() == b"100-continue":
            self._expect = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        parser = self._parser
        self._method, self._version = parser.get_method().decode("latin-1"), parser.get_http_version()
        self._keep_alive = parser.should_keep_alive()
        length = next((v for n, v in self._headers if n.lower() == b"content-length"), b"0")
        if length.strip().isdigit() and int(length) > self.max_body:
            self._refuse(413, "Request Entity Too Large", body_too_large(self.max_body))
        self.continue_wanted = self._expect and self.refusal is None and length.strip() not in (b"", b"0")

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.max_body:
            self._refuse(413, "Request Entity Too Large", body_too_large(self.max_body))
        elif self.refusal is None:
            self._body.append(body)

    def on_message_complete(self) -> None:
        if self.refusal is None:
            self.complete.append(Request(self._method, self._url, self._version, self._headers,
                                         b"".join(self._body), self._keep_alive, self._expect))
        self._fresh()


def environ(request: Request, base: dict) -> dict:
    """The WSGI environ of ``request`` on a connection whose fixed keys are ``base``.

    Header names holding ``_`` are dropped, as gunicorn drops them: otherwise
    ``X-Forwarded_For`` would reach the app as ``HTTP_X_FORWARDED_FOR``.
    """
    target = request.target
    if not target.startswith(b"/") and target != b"*":  # absolute form (GET http://host/path)
        url = httptools.parse_url(target)
        target = (url.path or b"/") + (b"?" + url.query if url.query else b"")
    path, _, query = target.partition(b"?")
    env = dict(base)
    env["REQUEST_METHOD"] = request.method
    env["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
    env["QUERY_STRING"] = query.decode("latin-1")
    env["RAW_URI"] = env["REQUEST_URI"] = request.target.decode("latin-1")
    env["SERVER_PROTOCOL"] = "HTTP/" + request.version
    env["CONTENT_LENGTH"] = str(len(request.body))
    env["wsgi.input"] = io.BytesIO(request.body)
    for name, value in request.headers:
        text_name = name.decode("latin-1")
        key = text_name.upper().replace("-", "_")
        if "_" in text_name or key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue
        if key != "CONTENT_TYPE":
            key = "HTTP_" + key
        text = value.decode("latin-1")
        env[key] = env[key] + "," + text if key in env else text
    return env


def base_environ(server: tuple, peer: tuple) -> dict:
    """The keys every request of one connection shares."""
    return {"SCRIPT_NAME": "", "SERVER_NAME": str(server[0]), "SERVER_PORT": str(server[1]),
            "REMOTE_ADDR": str(peer[0]), "REMOTE_PORT": str(peer[1]), "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.input_terminated": True}


_date = [0, ""]


def http_date() -> str:
    """The Date header's value, formatted once per second."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, formatdate(now, usegmt=True)]
    return _date[1]


#: Statuses whose answers never have a body.
NO_BODY = frozenset((204, 304)) | frozenset(range(100, 200))


def response_head(status: str, headers: list, keep_alive: bool, chunked: bool) -> bytes:
    """The status line and headers of an answer, with Date, and Connection/Transfer-Encoding as decided.

    >>> response_head("200 OK", [("Content-Length", "2")], False, False).split(b"\\r\\n")[0]
    b'HTTP/1.1 200 OK'
    """
    lines = [f"HTTP/1.1 {status}\r\n"]
    lines.extend(f"{name}: {value}\r\n" for name, value in headers)
    lines.append(f"Date: {http_date()}\r\n")
    if chunked:
        lines.append("Transfer-Encoding: chunked\r\n")
    lines.append("Connection: keep-alive\r\n\r\n" if keep_alive else "Connection: close\r\n\r\n")
    return "".join(lines).encode("latin-1")


def json_error(status: int, reason: str, detail: str) -> bytes:
    """A whole HTTP/1.1 error answer in the app's JSON shape (the connection closes after it).

    >>> json_error(408, "Request Timeout", "too slow").split(b"\\r\\n\\r\\n")[1]
    b'{"error": "request timeout", "status": 408, "detail": "too slow"}'
    """
    body = json.dumps(error_body(status, reason.lower(), detail)).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("Access-Control-Allow-Origin", "*")]
    return response_head(f"{status} {reason}", headers, False, False) + body


class FileWrapper:
    """``wsgi.file_wrapper``: a file the connection sends with sendfile(2) when it can."""

    def __init__(self, filelike, block_size: int = 65536):
        self.filelike, self.block_size = filelike, block_size

    def __iter__(self):
        while True:
            block = self.filelike.read(self.block_size)
            if not block:
                return
            yield block

    def close(self) -> None:
        self.filelike.close()
