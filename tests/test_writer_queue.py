"""SQLite's writers in one process take turns in the order they came, transactions and lone
statements alike, and never hold up a reader; a turn that never comes is a failure (503)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest
from pinakes_server.storage.db import close_database, open_database, write_transaction
from pinakes_server.storage.writer_queue import WriterBusy, WriterQueue

WRITERS = 6


@pytest.fixture
def db(tmp_path: Path) -> Iterator[peewee.Database]:
    db = open_database(None, tmp_path)
    db.execute_sql('CREATE TABLE "turn" ("writer" INTEGER NOT NULL)')
    yield db
    close_database()


def _hold(db: peewee.Database) -> tuple[threading.Thread, threading.Event]:
    """A thread inside a write transaction (one row written) until the event is set."""
    inside, done = threading.Event(), threading.Event()

    def hold() -> None:
        with write_transaction():
            db.execute_sql('INSERT INTO "turn" VALUES (0)')
            inside.set()
            assert done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    return holder, done


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_writers_take_turns_in_the_order_they_came(db: peewee.Database) -> None:
    holder, done = _hold(db)

    def write(writer: int) -> None:
        if writer % 2:  # a lone statement waits in the same queue as a transaction
            db.execute_sql('INSERT INTO "turn" VALUES (?)', (writer,))
            return
        with write_transaction():
            db.execute_sql('INSERT INTO "turn" VALUES (?)', (writer,))

    writers = []
    for writer in range(1, WRITERS + 1):
        writers.append(threading.Thread(target=write, args=(writer,)))
        writers[-1].start()
        _until(lambda n=writer: db.writers.waiting == n)  # queued behind the ones before
    done.set()
    for thread in (holder, *writers):
        thread.join(10)
    order = [row[0] for row in db.execute_sql('SELECT "writer" FROM "turn" ORDER BY rowid')]
    assert order == list(range(WRITERS + 1))


def test_readers_read_while_a_write_holds_the_turn(db: peewee.Database) -> None:
    db.execute_sql('INSERT INTO "turn" VALUES (7)')
    holder, done = _hold(db)
    queued = threading.Thread(target=db.execute_sql, args=('INSERT INTO "turn" VALUES (8)',))
    queued.start()
    _until(lambda: db.writers.waiting == 1)
    seen: list[int] = []
    reader = threading.Thread(
        target=lambda: seen.extend(r[0] for r in db.execute_sql('SELECT "writer" FROM "turn"'))
    )
    reader.start()
    reader.join(5)
    assert seen == [7]  # answered while the writer held on: what was committed before it
    assert queued.is_alive()
    done.set()
    holder.join(10)
    queued.join(10)


def test_a_write_that_would_rather_not_wait_is_told_at_once(db: peewee.Database) -> None:
    holder, done = _hold(db)
    try:
        with pytest.raises(WriterBusy), write_transaction(wait=False):
            pytest.fail("began while another write had the turn")
    finally:
        done.set()
        holder.join(10)
    with write_transaction(wait=False):  # a free turn is taken
        db.execute_sql('INSERT INTO "turn" VALUES (1)')


def test_a_turn_that_never_comes_is_a_database_failure() -> None:
    queue = WriterQueue(timeout=0.2)
    assert queue.acquire()
    failed: list[BaseException] = []

    def wait() -> None:
        try:
            queue.acquire()
        except peewee.OperationalError as exc:  # answered 503 storage-unavailable
            failed.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    waiter.join(5)
    assert "database is locked" in str(failed[0])
    assert queue.waiting == 0  # it left the queue: the next release is nobody's hand-off
    queue.release()
    assert queue.acquire(wait=False)
