"""The README's main job on a fresh machine: ``govgraph serve`` with no release builds one,
then serves it (issue 3, item 1)."""

from __future__ import annotations

import requests

from govgraph.release import list_releases


def test_serve_on_an_empty_data_directory_builds_then_serves(tmp_path, fresh_server):
    assert list_releases(tmp_path / "releases") == []
    _, url = fresh_server(tmp_path, {"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_WORKERS": "1"})
    built = list_releases(tmp_path / "releases")
    assert len(built) == 1
    version = requests.get(url + "/-/version", timeout=10).json()
    assert built[0].id in str(version)
    answer = requests.get(url + "/sparql", params={"query": "ASK { ?s a ?c }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert "http://127.0.0.1:" in log
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert url in log, "govgraph serve prints the URL it serves"
