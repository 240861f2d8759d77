"""Blueprint 'dumps': the release files for harvesters, under ``/dumps/``.

``/dumps/latest/<file>`` always names the newest release (short cache, must revalidate);
``/dumps/<release-id>/<file>`` never changes (immutable, cached for a year). Only the files
:func:`govgraph.release.dump_files` lists are served, and only from releases found in
``settings.releases_dir``: nothing else on disk is reachable. Over a store server
(``govgraph serve --store URL``) the one release is the store's, read from its meta graph, and
its files are made again from the store's graphs (:mod:`govgraph.web.remote_dumps`: served
only when their sha256 is the meta graph's, else 502); local releases are not listed.

Headers, and the scheme for gzip ("Content-Encoding only where it is true"): a ``.gz``
file is served as what it is, ``Content-Type: application/gzip`` with no
``Content-Encoding``, so clients store the bytes whose sha256 the manifest and SHA256SUMS
state. ETag is the file's sha256 (strong), Last-Modified the release's creation time;
Range, HEAD and conditional requests are werkzeug's (``flask.send_file`` with
``conditional=True``), and the file is streamed from disk in blocks (sendfile under
the front end), so memory does not grow with the dump's size. A request for several ranges
at once gets the whole file (200), which RFC 9110 allows.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from flask import Response

from govgraph.errors import NotFoundError
from govgraph.release import SHA256SUMS, Release, dump_files, list_releases, sha256sums
from govgraph.web.remote_dumps import regenerated_file

bp = Blueprint("dumps", __name__)


LATEST = "latest"
LATEST_MAX_AGE = 300
IMMUTABLE_MAX_AGE = 31_536_000


def all_releases() -> list[Release]:
    """Every complete release in ``settings.releases_dir``, newest first; over a store server,
    the release it holds (none if its meta graph names none)."""
    store = _remote_store()
    if store is not None:
        release = store.release
        return [release] if release.manifest.get("files") else []
    settings = current_app.config["GOVGRAPH_SETTINGS"]
    return list(reversed(list_releases(settings.releases_dir)))


def _remote_store():
    """The store server this front answers from (``govgraph serve --store URL``), or None."""
    if not current_app.config["GOVGRAPH_SETTINGS"].store_url:
        return None
    return current_app.extensions.get("govgraph.store")


def find_release(release_id: str) -> Release:
    """The release called ``release_id`` (or the newest for ``latest``); NotFoundError if none."""
    releases = all_releases()
    if release_id == LATEST and releases:
        return releases[0]
    for release in releases:
        if release.id == release_id:
            return release
    raise NotFoundError(f"no release {release_id!r}; the releases are listed at /dumps/")


def created(release: Release) -> datetime | None:
    """The release's creation time (UTC) from its manifest.

    >>> from pathlib import Path
    >>> created(Release(Path("."), {"created": "2026-11-30T05:00:00Z"})).isoformat()
    '2026-11-30T05:00:00+00:00'
    """
    text = release.manifest.get("created")
    if not text:
        return None
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


@bp.get("/dumps/")
def index():
    """The list of releases and their files: HTML for people, JSON for programs."""
    releases = all_releases()
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], "text/html")
    if best == "application/json":
        return jsonify({"latest": releases[0].id if releases else None,
                        "releases": [_release_json(r, releases[i + 1] if i + 1 < len(releases) else None)
                                     for i, r in enumerate(releases)]})
    views = [_release_view(r, releases[i + 1] if i + 1 < len(releases) else None) for i, r in enumerate(releases)]
    sources = sorted((releases[0].manifest.get("sources") or {}).values(), key=lambda s: s.get("label") or "") \
        if releases else []  # the licence statement accounts for each registered source of the newest release
    response = Response(render_template("dumps.html", releases=views, sources=sources))
    response.vary.add("Accept")
    return response


@bp.get("/dumps/<release_id>/")
def release_index(release_id: str):
    """A release's directory URL points at its section of the index."""
    from flask import redirect

    find_release(release_id)
    return redirect(f"/dumps/#{release_id}", code=302)


@bp.get("/dumps/<release_id>/<name>")
def dump_file(release_id: str, name: str):
    """One file of one release, streamed, with validators and cache headers."""
    release = find_release(release_id)
    if name not in dump_files(release):
        raise NotFoundError(f"release {release.id} has no file {name!r}; see /dumps/")
    if name == SHA256SUMS:
        response = _send_text(sha256sums(release), release)
    else:
        response = _send_dump(release, name)
    _cache(response, latest=release_id == LATEST)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _send_dump(release: Release, name: str) -> Response:
    info = release.manifest["files"].get(name) or {"media_type": "text/turtle"}  # void.ttl over a store server
    store = _remote_store()
    if store is not None:
        path, sha256 = regenerated_file(current_app.config["GOVGRAPH_SETTINGS"], store, release, name)
    else:
        path, sha256 = release.file(name), info["sha256"]
        if not path.is_file():
            raise NotFoundError(f"release {release.id} lists {name} but the file is missing")
    _ignore_multiple_ranges()
    return send_file(path, mimetype=_media_type(name, info), download_name=name,
                     conditional=True, etag=sha256, last_modified=created(release))


def _media_type(name: str, info: dict) -> str:
    """application/gzip for a gzip file (never Content-Encoding), else the manifest's type.

    >>> _media_type("govgraph.nt.gz", {"media_type": "application/n-triples", "encoding": "gzip"})
    'application/gzip'
    >>> _media_type("govgraph.ttl", {"media_type": "text/turtle"})
    'text/turtle'
    """
    if info.get("encoding") == "gzip" or name.endswith(".gz"):
        return "application/gzip"
    return info.get("media_type") or "application/octet-stream"


def _ignore_multiple_ranges() -> None:
    """werkzeug answers a multi-range request with 416; serving the whole file is kinder."""
    header = request.environ.get("HTTP_RANGE", "")
    if header.count(",") > 0:
        del request.environ["HTTP_RANGE"]


def _send_text(text: str, release: Release) -> Response:
    body = text.encode("utf-8")
    response = Response(body, mimetype="text/plain")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.last_modified = created(release)
    response.accept_ranges = "bytes"
    return response.make_conditional(request, accept_ranges=True, complete_length=len(body))


def _cache(response: Response, latest: bool) -> None:
    cc = response.cache_control
    cc.no_cache = None
    cc.public = True
    if latest:
        cc.max_age, cc.must_revalidate = LATEST_MAX_AGE, True
    else:
        cc.max_age, cc.immutable = IMMUTABLE_MAX_AGE, True


def _file_rows(release: Release) -> list[dict]:
    files = release.manifest.get("files", {})
    rows = []
    for name in dump_files(release):
        info = files.get(name, {})
        rows.append({"name": name, "bytes": info.get("bytes"), "triples": info.get("triples"),
                     "sha256": info.get("sha256"),
                     "media_type": _media_type(name, info) if name != SHA256SUMS else "text/plain",
                     "encoding": info.get("encoding")})
    return rows


def _release_view(release: Release, previous: Release | None = None) -> dict:
    return {"id": release.id, "version": release.manifest.get("version"),
            "created": release.manifest.get("created"), "git_sha": release.manifest.get("git_sha"),
            "union_triples": release.manifest.get("union_triples"), "files": _file_rows(release),
            "changes": _cached_changes(previous, release) if previous is not None else None}


def _cached_changes(older: Release, newer: Release) -> dict | None:
    cache = current_app.extensions.setdefault("govgraph.publish.changes", {})
    key = (older.id, newer.id)
    if key not in cache:
        counted = triple_changes(older.file("govgraph.nt"), newer.file("govgraph.nt"))
        cache[key] = None if counted is None else {"since": older.id, "added": counted[0], "removed": counted[1]}
    return cache[key]


def triple_changes(older, newer) -> tuple[int, int] | None:
    """(added, removed) triples between two sorted N-Triples dumps, by a streaming merge of
    their lines (constant memory); None if a file is missing or its lines are not sorted.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.nt").write_bytes(b"<a> <p> 1 .\\n<b> <p> 2 .\\n")
    >>> _ = (d / "b.nt").write_bytes(b"<b> <p> 2 .\\n<c> <p> 3 .\\n")
    >>> triple_changes(d / "a.nt", d / "b.nt")
    (1, 1)
    >>> triple_changes(d / "b.nt", d / "b.nt")
    (0, 0)
    """
    if not (older.is_file() and newer.is_file()):
        return None
    with older.open("rb") as old_file, newer.open("rb") as new_file:
        try:
            return _merge_count(_sorted_lines(old_file), _sorted_lines(new_file))
        except _NotSorted:
            return None


def _merge_count(old, new) -> tuple[int, int]:
    added = removed = 0
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a < b):
            removed, a = removed + 1, next(old, None)
        elif a is None or b < a:
            added, b = added + 1, next(new, None)
        else:
            a, b = next(old, None), next(new, None)
    return added, removed


class _NotSorted(Exception):
    """A dump whose lines are not in byte order cannot be merged."""


def _sorted_lines(stream):
    """The non-empty, non-comment lines, checking that they come in byte order."""
    previous = b""
    for line in stream:
        line = line.rstrip(b"\r\n")
        if not line or line.startswith(b"#"):
            continue
        if line < previous:
            raise _NotSorted
        previous = line
        yield line


def _release_json(release: Release, previous: Release | None) -> dict:
    view = _release_view(release, previous)
    for row in view["files"]:
        row["url"] = f"/dumps/{release.id}/{row['name']}"
    return view
