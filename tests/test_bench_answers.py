"""The correctness half of ``bench/run.py --quick``: every query of the bench's mix answered by
``govgraph serve`` and by Oxigraph server (on disk) over the real release, compared with the
embedded store's answer; and a server that lacks the inferred graph fails the check (so the
check can fail); the examples in the bench modules' docstrings. No timings here: speed lives in bench/."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import pid_alive

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import answers  # noqa: E402
import datasets  # noqa: E402
import driver  # noqa: E402
import load  # noqa: E402
import peers  # noqa: E402
import run  # noqa: E402


@pytest.fixture(scope="module")
def real(release, data_dir, tmp_path_factory) -> datasets.Dataset:
    directory = tmp_path_factory.mktemp("bench")
    quads = datasets.dump_quads(release.path, directory / "served.nq")
    return datasets.Dataset("real", data_dir, release.path, directory / "served.nq", quads)


def test_the_mix_has_every_kind_of_query_the_issue_names():
    mix = answers.load_mix()
    assert len(mix) >= 10
    assert {q.form for q in mix} == {"SELECT", "CONSTRUCT", "ASK"}
    text = " ".join(q.text.upper() for q in mix)
    for feature in ("GROUP BY", "OPTIONAL", "REGEX", "LANG", "COUNT", "+ ?", "YEAR"):
        assert feature in text, feature


def test_embedded_and_oxigraph_give_the_embedded_stores_answers(real, tmp_path):
    mix = answers.load_mix()
    with peers.Peers() as pool:
        pool.add(peers.start_govgraph(real.data_dir, tmp_path / "govgraph.log"))
        pool.add(peers.start_oxigraph_disk(real.nquads, tmp_path / "oxigraph"))
        passes = run.check_answers(real, mix, pool, slow_pass=600)
        pids = [p.pid for p in pool.running.values()]
    assert set(passes) == {"govgraph", "oxigraph-disk"}
    assert all(set(p["ms"]) == {q.name for q in mix} for p in passes.values())
    assert all(q.lengths["govgraph"] > 0 and q.lengths["oxigraph-disk"] > 0 for q in mix)
    assert not any(pid_alive(pid) for pid in pids)  # both stopped with their process trees


def test_a_server_without_the_inferred_graph_fails_the_check(real, tmp_path):
    partial = tmp_path / "asserted.nq"
    with open(real.nquads, encoding="utf-8") as quads, open(partial, "w", encoding="utf-8") as out:
        out.writelines(line for line in quads if "<https://w3id.org/govgraph/graph/inferred>" not in line)
    with peers.Peers() as pool:
        pool.add(peers.start_oxigraph_disk(partial, tmp_path / "oxigraph"))
        with pytest.raises(answers.WrongAnswer, match="oxigraph-disk answers q10-inferred-class with 0 rows"):
            run.check_answers(real, answers.load_mix(), pool, slow_pass=600)



@pytest.mark.parametrize("module", [answers, datasets, driver, load, run], ids=lambda m: m.__name__)
def test_the_bench_modules_examples_hold(module):
    import doctest

    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0
