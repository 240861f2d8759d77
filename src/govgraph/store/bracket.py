"""Read bracketing: why no answer of ``govgraph serve --store`` mixes two releases, even from
a store server that does not read a query from one snapshot.

``govgraph publish`` makes a release the public one with one SPARQL Update (the swap,
:func:`govgraph.publish.swap_update`), which the server applies as one transaction. That
alone is not enough: a server that does not read a whole query from one snapshot (Virtuoso
7.2 at read committed) can let a query read one graph before the swap's commit and another
after it. So each publish also writes a *publication state*, one triple
in a control graph of its own (:data:`PUBLICATION_GRAPH`), in three updates:

1. U1 sets the state to ``swapping`` (and its answer comes back: it is committed);
2. U2 is the swap;
3. U3 sets it to ``served <id>``, with an id no publish ever wrote before
   (:func:`new_served_state`: time and a random part; not the release's id, since a release
   can be published again). A swap the server refused (an error answer: it rolled the
   request back) also ends with a new ``served`` id; a publish that stops between U1 and U3
   without knowing whether its swap ran leaves ``swapping``, and the next publish repairs it.

Each update writes the new state before it deletes the old one (:func:`state_update`), so a
server that applies the two operations one by one shows, in between, two states: never an
empty one.

:class:`govgraph.store.remote.RemoteStore` passes on an answer only if an observation of the
state made before the query was sent and one made after its whole answer was read are equal
and ``served X`` (:func:`clean`). The proof: every ``served`` id is written once, so the
moments at which the state is ``served X`` form one interval, which starts after a swap's
last piece was answered (U3 follows U2) and ends before the next swap's first piece is sent
(U1's answer comes before U2 is sent). A read that starts after an update was answered
sees it. Two observations of ``served X`` around the query therefore bracket it inside
that interval: no swap piece ran while it read. The proof assumes too that the server
answers a query that no write crosses from its data: Virtuoso 7.2 at serializable isolation
does not (it counted a graph no one changed as twice its size while another graph was
written), which is why :meth:`govgraph.store.remote.RemoteStore.check_server` refuses it. The "before" observation is the newest one
this process has made (any observation finished before the query was sent will do), so a
query costs one small extra read: the "after" one, which is then the next query's "before".

Two things a store server's read can show while a state update commits are not clean
either: a row whose ``?state`` is unbound (Virtuoso 7.2 at read committed returned such rows,
40 state reads in 156,000 beside a publish: ``bench/virtuoso_isolation.py``; read as
:data:`UNBOUND`), and no state at all once a state has been seen (a read between the update's
delete and its insert; none measured, but nothing rules it out): a process that has seen a
state never takes an empty one as clean again.

Otherwise (the state changed, or was ``swapping``) the query waits for a ``served`` state
(polling it) and runs again, within its deadline; past it, the client gets 503 naming the
publish (:class:`PublicationUnderWay`), never a mixed or partial answer. A store with no
state at all (loaded by hand, or by an older ``govgraph publish``) is read as before: two
empty observations bracket the query, and nothing more can be promised there.

The bracket is per query: a page that runs several queries (a resource page) can show
parts of two releases if a publish falls between them; each part is whole. One publish at
a time per server (the state does not tell two publishes apart).

The control graph is never in the dataset of a user's query (the front names the public
graphs and their union, :func:`govgraph.store.remote.remote_dataset`), so it is in no
count a user sees.

>>> state_query().startswith("SELECT ?state WHERE { GRAPH <urn:govgraph:graph:publication>")
True
>>> clean(("served 20261207T015500Z-0a1b",)), clean(()), clean((SWAPPING,))
(True, True, False)
>>> clean(("served a", "served b")), clean(("served a", SWAPPING)), clean((UNBOUND,))
(False, False, False)
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from typing import Callable

from govgraph.errors import ClientGoneError, StoreUnavailableError

log = logging.getLogger("govgraph.store")

#: The control graph holding the publication state (not one of a release's graphs).
PUBLICATION_GRAPH = "urn:govgraph:graph:publication"
#: The state's predicate (its subject is the control graph's name).
STATE = "urn:govgraph:publication:state"
#: The state while a publish swaps graphs (or after one stopped without knowing how its swap ended).
SWAPPING = "swapping"
_SERVED = "served "
#: An observation's value for an answer row with no ``?state`` (never clean).
UNBOUND = "(unbound)"

#: An observation of the state: its values, sorted; () where the store holds none.
Observation = tuple[str, ...]


class PublicationUnderWay(StoreUnavailableError):
    """The query's deadline passed while a publish was swapping graphs (or after one was
    interrupted): no answer rather than one that could mix two releases."""

    title = "publish under way"


def state_query() -> str:
    """The query that reads the state (sent with the control graph as its only named graph)."""
    return f"SELECT ?state WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ <{PUBLICATION_GRAPH}> <{STATE}> ?state }} }}"


def state_update(state: str) -> str:
    """The update that sets the state to ``state``: insert it, then delete every other value.

    >>> print(state_update("swapping").replace(PUBLICATION_GRAPH, "G").replace(STATE, "S"))
    INSERT DATA { GRAPH <G> {
      <G> <S> "swapping" } } ;
    DELETE { GRAPH <G> { <G> <S> ?old } }
    WHERE { GRAPH <G> {
      <G> <S> ?old FILTER (STR(?old) != "swapping") } }
    """
    g, triple = f"<{PUBLICATION_GRAPH}>", f"<{PUBLICATION_GRAPH}> <{STATE}>"
    return (f'INSERT DATA {{ GRAPH {g} {{\n  {triple} "{state}" }} }} ;\n'
            f"DELETE {{ GRAPH {g} {{ {triple} ?old }} }}\n"
            f'WHERE {{ GRAPH {g} {{\n  {triple} ?old FILTER (STR(?old) != "{state}") }} }}')


def new_served_state() -> str:
    """``served <id>`` with an id never written before: UTC time to the microsecond and 64 random bits.

    >>> a, b = new_served_state(), new_served_state()
    >>> a.startswith("served ") and a != b
    True
    """
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"
    return f"{_SERVED}{stamp}-{secrets.token_hex(8)}"


def parse_state(body: bytes) -> Observation:
    """The observation a SPARQL JSON answer to :func:`state_query` gives: its values, sorted,
    with :data:`UNBOUND` for a row that binds no ``?state``. Raises ValueError, KeyError or
    TypeError where ``body`` is not SPARQL JSON.

    >>> parse_state(b'{"head": {"vars": ["state"]}, "results": {"bindings": [{}, '
    ...             b'{"state": {"type": "literal", "value": "swapping"}}]}}')
    ('(unbound)', 'swapping')
    """
    rows = json.loads(body)["results"]["bindings"]
    return tuple(sorted(row["state"]["value"] if "state" in row else UNBOUND for row in rows))


def clean(observation: Observation) -> bool:
    """True if ``observation`` may bracket a query: one ``served`` state, or no state at all."""
    return observation == () or (len(observation) == 1 and observation[0].startswith(_SERVED))


class Bracket:
    """Runs queries between observations of the publication state, read by ``read_state(deadline)``.

    The newest observation is kept (a lock guards it; of two reads, the one started later
    wins), so each query costs one read: the one after it. ``reruns`` counts the queries run
    again because the state changed around them. Once a state has been observed, an empty
    observation is not clean (:meth:`clean`).

    >>> states = iter([("served a",), ("served b",), ("served b",)])
    >>> bracket = Bracket(lambda deadline: next(states))
    >>> answers = iter(["read across a swap", "whole"])
    >>> bracket.run(lambda: next(answers), time.monotonic(), time.monotonic() + 60), bracket.reruns
    ('whole', 1)
    """

    def __init__(self, read_state: Callable[[float], Observation]):
        self.read_state = read_state
        self.reruns = 0
        self._lock = threading.Lock()
        self._reads = 0  # reads started
        self._newest: tuple[int, Observation] | None = None  # (number of the read, what it saw)
        self._seen_state = False  # an observation with a state in it has been made

    def clean(self, observation: Observation) -> bool:
        """:func:`clean`, and not empty where a state was seen before: a publish never removes
        the state, so a read that finds none read in the middle of a state update.

        >>> bracket = Bracket(lambda deadline: ("served a",))
        >>> bracket.clean(())
        True
        >>> bracket.observe(0.0) and bracket.clean(()), bracket.clean(("served a",))
        (False, True)
        """
        return clean(observation) and (observation != () or not self._seen_state)

    def observe(self, deadline: float) -> Observation:
        """The state now, kept as the newest observation unless a read started later was kept first."""
        with self._lock:
            self._reads += 1
            number = self._reads
        observation = self.read_state(deadline)
        with self._lock:
            self._seen_state = self._seen_state or observation != ()
            if self._newest is None or number > self._newest[0]:
                self._newest = (number, observation)
        return observation

    def run(self, run: Callable, started: float, deadline: float, cancelled: Callable[[], bool] | None = None):
        """``run()``'s answer, once the observation before it and the one after it are equal and
        :func:`clean`; else it runs again when the state is clean (polled while it is not), and
        past ``deadline`` the error names the publish. A client that has gone (``cancelled()``)
        ends a wait."""
        with self._lock:
            before = self._newest[1] if self._newest else None
        if before is None:
            before = self.observe(deadline)
        pause = 0.02
        while True:
            if self.clean(before):
                answer = run()
                after = self.observe(deadline)
                if after == before:
                    return answer
                self.reruns += 1
                log.info("the publication state changed while a query ran (%s, then %s): running it again",
                         before, after)
                before = after
                if self.clean(before) and time.monotonic() < deadline:
                    continue
            if time.monotonic() + pause >= deadline:
                raise under_way(before, deadline - started)
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
            if cancelled is not None and cancelled():
                raise ClientGoneError("the client closed its connection while its query waited for a publish's "
                                      "swap to end")
            before = self.observe(deadline)


def under_way(state: Observation, seconds: float) -> PublicationUnderWay:
    """What a query is told when its deadline passed before it could be bracketed (503).

    >>> err = under_way((SWAPPING,), 3.0)
    >>> (err.status, err.title, "(graph <urn:govgraph:graph:publication>) said swapping and never" in str(err))
    (503, 'publish under way', True)
    """
    return PublicationUnderWay(
        f"a publish is changing the release the store server serves: for the {seconds:.0f} s of this query's "
        f"deadline its publication state (graph <{PUBLICATION_GRAPH}>) said {' and '.join(state) or 'nothing'} and "
        f"never stayed the same served release around a run of the query; no answer is given rather than one that "
        f"could mix two releases. Try again shortly; if no govgraph publish is running, the last one was "
        f"interrupted, and publishing again repairs it{'' if state else _VANISHED}", headers={"Retry-After": "5"})


_VANISHED = ("; if that graph was dropped on purpose (the store is loaded by hand again), restart govgraph serve "
             "--store: a front that has seen a publication state waits for one")
