"""The memory bound of a query worker.

A query can need memory without bound (``ORDER BY`` over a cross join grew a worker by
0.3 GB/s), and pyoxigraph cannot be told to stop, so each worker process limits itself
with ``RLIMIT_DATA`` (Linux 4.7 and later count the heap and every private writable
mapping in it: what the worker really allocates, unlike ``RLIMIT_AS``, which also counts
address space reserved and never used, 450 MB of it in a worker holding 60 MB). The limit
is set once the release is loaded, so loading is never what fails.

At the limit an allocation fails. In Rust (the query engine) that aborts the process
(``memory allocation of N bytes failed``, SIGABRT); in Python it raises MemoryError, which
the worker answers with :func:`memory_error` before it exits with
:data:`OUT_OF_MEMORY_EXIT`. The pool tells either apart from a deadline kill (SIGKILL, sent
by the pool) and from other crashes (any other end), answers :func:`memory_error` and
replaces the worker.

The limit is the ``query_memory_mb`` setting; 0 derives it: half of the machine's memory
(or of its cgroup's limit, if lower) shared by the workers, so that all of them at their
limit leave the other half to the rest of the host. It is never below what the loaded
store needs plus :data:`HEADROOM`.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from govgraph.errors import QueryMemoryError

MB = 1 << 20
#: The least a worker may allocate beyond the store it holds, so that small queries run.
HEADROOM = 64 * MB
#: The exit status of a worker that ran out of memory in Python (after telling its caller).
OUT_OF_MEMORY_EXIT = 3
#: The setting, as the error names it.
SETTING = "GOVGRAPH_QUERY_MEMORY_MB"
_CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


def machine_memory() -> int:
    """Bytes of memory this process may use at most: the machine's, or its cgroup's limit if lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for path in _CGROUP_LIMITS:
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def configured_limit(memory_mb: int, workers: int) -> int:
    """The limit in bytes of each worker: ``memory_mb`` MB, or with 0 half the machine's
    memory divided among ``workers``.

    >>> configured_limit(512, 4) // MB
    512
    >>> configured_limit(0, 4) == machine_memory() // 8
    True
    """
    if memory_mb > 0:
        return memory_mb * MB
    return machine_memory() // 2 // max(1, workers)


def data_in_use() -> int:
    """Bytes this process counts against RLIMIT_DATA now (``VmData`` of /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(limit: int) -> int:
    """Limit this process to ``limit`` bytes of data (never less than it uses now plus
    :data:`HEADROOM`); return the limit set."""
    limit = max(limit, data_in_use() + HEADROOM)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    return limit


def memory_error(limit: int) -> QueryMemoryError:
    """The error a query gets when its worker reaches ``limit`` bytes.

    >>> memory_error(256 * MB).detail.split(";")[0]
    'the query needed more memory than a query worker may use (256 MB, the setting GOVGRAPH_QUERY_MEMORY_MB)'
    """
    return QueryMemoryError(f"the query needed more memory than a query worker may use ({limit // MB} MB, the "
                            f"setting {SETTING}); it was stopped and its worker replaced: narrow the query "
                            "(LIMIT does not bound the memory of ORDER BY, GROUP BY or DISTINCT over many rows)")
