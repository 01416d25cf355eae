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
from typing import ParamSpec, TypeVar

import peewee

from ..storage.db import POOL_SIZE, drop_connection
from ..storage.tables import is_postgres

P = ParamSpec("P")
T = TypeVar("T")

# Fewer threads than pooled connections: the loop's own thread may still hold one.
UNIT_THREADS = POOL_SIZE - 4

_executor: ThreadPoolExecutor | None = None


def _run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return fn(*args, **kwargs)
    except (peewee.OperationalError, peewee.InterfaceError):
        drop_connection()  # this thread's connection may be dead (a restarted database)
        raise


async def unit(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on a database thread; the loop awaits it without blocking."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(UNIT_THREADS, thread_name_prefix="pinakes-db")
    call = partial(_run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor, call)


async def quick_read(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A read SQLite answers in microseconds (one prepared select by key) runs right here:
    handing it to a thread costs several times what it does (bench/README.md). On
    PostgreSQL, where every query is a round trip, it is a unit like any other."""
    if is_postgres():
        return await unit(fn, *args, **kwargs)
    return fn(*args, **kwargs)


def stop_units() -> None:
    """At shutdown, before the database closes: let running units finish."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True)
        _executor = None
