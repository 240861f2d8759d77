"""The store layer's lookups (govgraph.store.lookup) on a real embedded store and through
the remote store over real Oxigraph and Virtuoso servers: the description of a resource
follows blank nodes up to the bound and refuses to be cut past it, and batched lookups
answer for every IRI whatever the batch size."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import servers
from conftest import publish_to, write_release_from_trig
from govgraph.config import Settings
from govgraph.namespaces import GRAPH_DATA
from govgraph.release import Release
from govgraph.store import lookup as lookup_module
from govgraph.store.embedded import EmbeddedStore
from govgraph.store.lookup import DEPTH, DescriptionTooDeepError, Lookup
from govgraph.store.remote import RemoteStore

EX = "http://example.org/"


def _chain(name: str, length: int, outgoing: bool) -> str:
    """TriG lines: ``<ex:name>`` linked to a chain of ``length`` blank nodes (each pointing at the
    previous one when not ``outgoing``), each with a literal value."""
    nodes = [f"<{EX}{name}>"] + [f"_:{name}{i}" for i in range(1, length + 1)]
    lines = []
    for a, b in zip(nodes, nodes[1:]):
        lines.append(f"{a} <{EX}next> {b} ." if outgoing else f"{b} <{EX}next> {a} .")
        lines.append(f'{b} <{EX}value> "{b}" .')
    return "\n".join(lines)


@pytest.fixture(scope="module", params=("embedded", "oxigraph", "virtuoso"))
def lookup(request, tmp_path_factory):
    """The lookups over the chains, in each store mode: a release written by the real writer
    with the chains in its data graph, served by the embedded store, or published into a real
    store server (tests/servers.py) and read through the remote store."""
    root = tmp_path_factory.mktemp("lookup")
    labels = "\n".join(f'<{EX}n{i}> <http://www.w3.org/2000/01/rdf-schema#label> "n{i}"@en .' for i in range(30))
    triples = (f"{_chain('fits', DEPTH, True)}\n{_chain('back', DEPTH, False)}\n"
               f"{_chain('deep', DEPTH + 1, True)}\n{_chain('deepback', DEPTH + 2, False)}\n"
               f"{_chain('justback', DEPTH + 1, False)}\n{labels}\n")
    settings = Settings.from_env({}, data_dir=root, workers=1)
    trig = root / "chains.trig"
    trig.write_text(f"<{GRAPH_DATA}> {{\n{triples}}}\n", encoding="utf-8")
    release = Release.open(write_release_from_trig(settings.releases_dir, trig))
    if request.param == "embedded":
        store = EmbeddedStore(release, settings)
        yield Lookup(store, settings.max_result_bytes)
        store.close()
        return
    try:
        server = servers.start_oxigraph() if request.param == "oxigraph" else servers.start_virtuoso()
    except servers.ServerMissing as err:
        pytest.skip(str(err))
    try:
        done = publish_to(server, root)
        assert done.returncode == 0, done.stderr
        store = RemoteStore(server.query_url, settings)
        yield Lookup(store, settings.max_result_bytes)
        store.close()
    finally:
        server.stop()


def test_a_chain_of_blank_nodes_up_to_the_bound_is_followed_whole(lookup):
    found = lookup.describe(ox.NamedNode(EX + "fits"))
    assert len(found) == 2 * DEPTH  # each link and each blank node's value
    assert sum(isinstance(t.subject, ox.BlankNode) and t.predicate.value == EX + "value" for t in found) == DEPTH
    # incoming: the triples pointing at the resource or at a blank node that does (not their values)
    assert len(lookup.describe(ox.NamedNode(EX + "back"))) == DEPTH
    # one more blank node pointing at the last: still within the bound (nothing points at it)
    assert len(lookup.describe(ox.NamedNode(EX + "justback"))) == DEPTH + 1


def test_a_longer_chain_is_an_error_never_a_cut_description(lookup):
    for name in ("deep", "deepback"):
        with pytest.raises(DescriptionTooDeepError, match=f"more than {DEPTH} deep"):
            lookup.describe(ox.NamedNode(EX + name))


def test_an_unknown_iri_has_an_empty_description(lookup):
    assert lookup.describe(ox.NamedNode(EX + "nothing")) == [] and not lookup.exists(ox.NamedNode(EX + "nothing"))
    assert lookup.exists(ox.NamedNode(EX + "fits"))


def test_labels_are_looked_up_in_batches_for_every_iri(lookup, monkeypatch):
    nodes = [ox.NamedNode(f"{EX}n{i}") for i in range(30)] + [ox.NamedNode(EX + "fits"), ox.Literal("x")]
    whole = lookup.labels_of(nodes)
    monkeypatch.setattr(lookup_module, "BATCH", 7)
    assert lookup.labels_of(nodes) == whole and len(whole) == 30
    assert whole[ox.NamedNode(EX + "n3")] == [ox.Literal("n3", language="en")]
