"""Selects whose SQL Peewee renders once, for the queries every request runs.

Peewee renders a query's SQL afresh on each execution: about 0.4 ms for a one-row lookup on
this machine, twenty times what SQLite takes to answer it. A `Prepared` select is rendered
once per database with named slots where values go; each call binds the values (converted
as the slot's field converts them) and reads rows converted as the selected fields convert
them, so the SQL is the same Peewee would have written, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import peewee

from .tables import database, is_postgres


@dataclass(frozen=True)
class _Slot:
    name: str
    convert: Callable[[Any], Any]


def slot(name: str, field: peewee.Field) -> peewee.Value:
    """A named place for a value, compared with or stored into `field`."""
    return peewee.Value(_Slot(name, field.db_value), converter=False)


@dataclass(frozen=True)
class _Rendered:
    database: peewee.Database
    sql: str
    slots: list[_Slot]
    readers: list[Callable[[Any], Any] | None]  # each selected column's python_value
    names: list[str | None]  # each selected column's field name
    model: type[peewee.Model]


def _read(readers: list[Callable[[Any], Any] | None], row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        v if read is None or v is None else read(v) for read, v in zip(readers, row, strict=True)
    )


class Prepared:
    """`build` makes the select (with `slot`s); it runs once per database."""

    def __init__(self, build: Callable[[], peewee.Select]) -> None:
        self._build = build
        self._rendered: _Rendered | None = None

    def _render(self) -> _Rendered:
        rendered = self._rendered
        if rendered is None or rendered.database is not database.obj:
            query = self._build()
            sql, slots = query.sql()
            columns = query._returning
            rendered = self._rendered = _Rendered(
                database.obj, sql, slots,
                [getattr(column, "python_value", None) for column in columns],
                [getattr(column, "name", None) for column in columns],
                query.model,
            )  # fmt: skip
        return rendered

    def _rows(self, values: dict[str, Any]) -> tuple[_Rendered, list[tuple[Any, ...]]]:
        rendered = self._render()
        bound = [s.convert(values[s.name]) for s in rendered.slots]
        return rendered, _fetch(rendered, rendered.sql, bound)

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        return self._rows(values)[1]

    def first(self, **values: Any) -> tuple[Any, ...] | None:
        found = self.rows(**values)
        return found[0] if found else None

    def instances(self, **values: Any) -> list[Any]:
        """The rows as instances of the query's model (its selected fields set, no defaults)."""
        return _instances(*self._rows(values))


def _fetch(rendered: _Rendered, sql: str, bound: list[Any]) -> list[tuple[Any, ...]]:
    readers = rendered.readers
    return [_read(readers, row) for row in rendered.database.execute_sql(sql, bound).fetchall()]


def _instances(rendered: _Rendered, rows: list[tuple[Any, ...]]) -> list[Any]:
    model, names = rendered.model, rendered.names
    return [model(__no_default__=True, **dict(zip(names, row, strict=True))) for row in rows]


# Values per `IN (…)` list: well under every database's limit on parameters.
IN_BATCH = 512


class PreparedIn:
    """A select with one `IN (…)` list over any number of values, sent in batches.

    Peewee renders every value of an IN list on every execution (tens of milliseconds for the
    thousand paths of a report). Here `build` gets placeholders for a batch and the select is
    rendered once per batch length rounded up to a power of two; a short batch repeats its
    last value, which IN does not mind.
    """

    def __init__(
        self, build: Callable[[list[peewee.Value]], peewee.Select], field: peewee.Field
    ) -> None:
        self._build = build
        self._field = field
        self._by_size: dict[int, Prepared] = {}

    def _prepared(self, size: int) -> Prepared:
        found = self._by_size.get(size)
        if found is None:
            places = [slot(f"in{i}", self._field) for i in range(size)]
            found = self._by_size[size] = Prepared(lambda: self._build(places))
        return found

    def _batches(self, items: Sequence[Any]) -> Iterator[tuple[Prepared, dict[str, Any]]]:
        for start in range(0, len(items), IN_BATCH):
            batch = list(items[start : start + IN_BATCH])
            size = 1 << (len(batch) - 1).bit_length()
            batch += batch[-1:] * (size - len(batch))
            yield self._prepared(size), {f"in{i}": value for i, value in enumerate(batch)}

    def _any(self, items: Sequence[Any], values: dict[str, Any]) -> tuple[_Rendered, list]:
        """PostgreSQL: one statement for any number of values, the list sent as one binary
        array (`= ANY(%b)`). Short SQL that psycopg caches, one execution, and no plan for
        hundreds of parameters built (and kept) while a table is still small."""
        rendered = self._prepared(1)._render()
        sql = rendered.sql.replace("IN (%s)", "= ANY(%b)")
        bound = [
            [s.convert(item) for item in items] if s.name == "in0" else s.convert(values[s.name])
            for s in rendered.slots
        ]
        return rendered, _fetch(rendered, sql, bound)

    def rows(self, items: Sequence[Any], **values: Any) -> list[tuple[Any, ...]]:
        if is_postgres() and items:
            return self._any(items, values)[1]
        return [row for p, listed in self._batches(items) for row in p.rows(**values, **listed)]

    def instances(self, items: Sequence[Any], **values: Any) -> list[Any]:
        if is_postgres() and items:
            return _instances(*self._any(items, values))
        return [
            found for p, listed in self._batches(items) for found in p.instances(**values, **listed)
        ]
