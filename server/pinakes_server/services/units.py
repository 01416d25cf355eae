"""Database work off the event loop: each unit of work (one service call, its transaction
begun and ended inside it) runs on a bounded pool of threads. Peewee keeps one connection per
thread, so units run side by side (SQLite: reads in parallel under WAL, writers one at a
time in the order they came, storage/writer_queue.py; PostgreSQL: one pooled connection per
thread) while the loop goes on serving other requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ParamSpec, TypeVar

import peewee

from ..storage.db import POOL_SIZE, drop_connection
from ..storage.tables import is_postgres

P = ParamSpec("P")
T = TypeVar("T")

# Fewer threads than pooled connections: the loop's own thread may still hold one.
UNIT_THREADS = POOL_SIZE - 4
# SQLite writes one at a time (storage/writer_queue.py): a few threads keep its turn busy.
SQLITE_WRITE_THREADS = 2

_executors: dict[str, ThreadPoolExecutor] = {}


def _run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return fn(*args, **kwargs)
    except (peewee.OperationalError, peewee.InterfaceError):
        drop_connection()  # this thread's connection may be dead (a restarted database)
        raise


async def _on(pool: str, threads: int, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    if pool not in _executors:
        _executors[pool] = ThreadPoolExecutor(threads, thread_name_prefix=f"pinakes-{pool}")
    call = partial(_run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executors[pool], call)


async def unit(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on a database thread; the loop awaits it without blocking."""
    return await _on("db", UNIT_THREADS, fn, *args, **kwargs)


async def write_unit(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A unit whose work is a write transaction. On SQLite, where writes take turns anyway,
    it waits for a writer thread of its own, without holding a thread: a crowd of writes
    never leaves the reads waiting behind them. On PostgreSQL a unit like any other."""
    if is_postgres():
        return await unit(fn, *args, **kwargs)
    return await _on("writer", SQLITE_WRITE_THREADS, fn, *args, **kwargs)


async def quick_read(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A read SQLite answers in microseconds (one prepared select by key) runs right here:
    handing it to a thread costs several times what it does (bench/README.md). On
    PostgreSQL, where every query is a round trip, it is a unit like any other."""
    if is_postgres():
        return await unit(fn, *args, **kwargs)
    return fn(*args, **kwargs)


def stop_units() -> None:
    """At shutdown, before the database closes: let running units finish."""
    while _executors:
        _executors.popitem()[1].shutdown(wait=True)
