"""Operations routes and logs of the real server: /-/health, /-/version, /-/metrics, the
access log line per query."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import requests


def test_health_names_the_release_and_the_workers(server, release):
    response = requests.get(server + "/-/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["release"] == release.id
    assert body["workers"] == 4 and len(body["worker_pids"]) == 4


def test_version_comes_from_the_manifest(server, release):
    body = requests.get(server + "/-/version").json()
    assert body["release"] == release.id
    assert body["version"] == release.manifest["version"]
    assert body["created"] == release.manifest["created"]
    assert body["govgraph"]


def test_metrics_count_requests_by_route_and_status(server):
    requests.get(server + "/sparql", params={"query": "ASK {}"})
    requests.get(server + "/sparql", params={"query": "ASK {"})
    response = requests.get(server + "/-/metrics")
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.text
    ok = re.search(r'govgraph_http_requests_total\{method="GET",route="/sparql",status="200"\} (\d+)', text)
    bad = re.search(r'govgraph_http_requests_total\{method="GET",route="/sparql",status="400"\} (\d+)', text)
    assert ok and float(ok.group(1)) >= 1 and bad and float(bad.group(1)) >= 1
    assert 'govgraph_http_request_duration_seconds_bucket{le="0.005",route="/sparql"}' in text
    assert re.search(r'govgraph_rejections_total\{status="400"\} [1-9]', text)
    assert "govgraph_query_workers 4.0" in text


def test_one_access_log_line_per_query(server, data_dir):
    marker = f"urn:x:marker-{time.time_ns()}"
    requests.get(server + "/sparql", params={"query": f"ASK {{ <{marker}> ?p ?o }}"})
    requests.get(server + "/sparql", params={"query": "SELECT nonsense"})
    log = data_dir / f"serve-{urlsplit(server).port}.log"
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if "govgraph.access" in line]
    assert any(re.search(r'"GET /sparql" 200 [\d.]+ms outcome=ok form=ASK bytes=\d+ charged=[\d.]+ms', line) for line in lines)
    assert any(re.search(r'"GET /sparql" 400 [\d.]+ms outcome=malformed-query', line) for line in lines)


def test_robots_keep_crawlers_off_the_endpoint_and_on_the_pages(server):
    """A crawler following links may read things, documents and dumps, but never run queries."""
    import urllib.robotparser

    response = requests.get(server + "/robots.txt")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(response.text.splitlines())
    allowed = {path: robots.can_fetch("*", server + path) for path in (
        "/sparql?query=ASK%7B%7D", "/?query=SELECT%20*", "/-/metrics",
        "/", "/id/state/MEX", "/doc/state/MEX", "/dumps/latest/govgraph.ttl", "/def", "/.well-known/void")}
    assert [p for p, ok in allowed.items() if not ok] == ["/sparql?query=ASK%7B%7D", "/?query=SELECT%20*", "/-/metrics"]
