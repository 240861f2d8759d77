"""Read bracketing: why no answer of ``govgraph serve --store`` mixes two releases, whatever
the store server's isolation.

``govgraph publish`` makes a release the public one with one SPARQL Update (the swap,
:func:`govgraph.publish.swap_update`), which the server applies as one transaction. That
alone is not enough: a server that does not read a whole query from one snapshot (Virtuoso
7.2, even at serializable isolation) can let a query read one graph before the swap's
commit and another after it. So each publish also writes a *publication state*, one triple
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
that interval: no swap piece ran while it read. The "before" observation is the newest one
this process has made (any observation finished before the query was sent will do), so a
query costs one small extra read: the "after" one, which is then the next query's "before".

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
>>> clean(("served a", "served b")), clean(("served a", SWAPPING))
(False, False)
"""

from __future__ import annotations

import secrets
import time

from govgraph.errors import StoreUnavailableError

#: The control graph holding the publication state (not one of a release's graphs).
PUBLICATION_GRAPH = "urn:govgraph:graph:publication"
#: The state's predicate (its subject is the control graph's name).
STATE = "urn:govgraph:publication:state"
#: The state while a publish swaps graphs (or after one stopped without knowing how its swap ended).
SWAPPING = "swapping"
_SERVED = "served "

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

    >>> print(state_update("swapping"))  # doctest: +NORMALIZE_WHITESPACE
    INSERT DATA { GRAPH <urn:govgraph:graph:publication> {
      <urn:govgraph:graph:publication> <urn:govgraph:publication:state> "swapping" } } ;
    DELETE { GRAPH <urn:govgraph:graph:publication> { <urn:govgraph:graph:publication> <urn:govgraph:publication:state> ?old } }
    WHERE { GRAPH <urn:govgraph:graph:publication> {
      <urn:govgraph:graph:publication> <urn:govgraph:publication:state> ?old FILTER (STR(?old) != "swapping") } }
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


def clean(observation: Observation) -> bool:
    """True if ``observation`` may bracket a query: one ``served`` state, or no state at all."""
    return observation == () or (len(observation) == 1 and observation[0].startswith(_SERVED))
