"""How the hot path runs its statements: compiled once per database, run by the driver.

A hop is one or two tiny statements (read the session, write it back) on a single row. Run
through the ORM Session, SQLAlchemy's per-execution machinery was a large share of a hop
(docs/performance.md); run by the DB-API driver it is a small one. So the hop's
statements are still built with SQLAlchemy Core (`select`, `insert`, `update` on the
tables of ussd/models.py), compiled once per dialect with named parameters, and executed on
a pooled DB-API connection in one transaction; values go through the same bind and result
processors SQLAlchemy itself would apply (UTC datetimes, encryption at rest, booleans).
Everything else in the application uses the ORM Session as usual.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, TypeVar, cast

from sqlalchemy import Table, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from ussd.extensions import db

Processor = Callable[[Any], Any] | None


class Prepared:
    """One statement compiled for one dialect, with its parameter and result processing."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, table: Table | None = None):
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))  # DML/SELECT: SQL
        self.sql = compiled.string
        self.binds: dict[str, Processor] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        # literal values compiled into the statement (e.g. kind = 'create') keep their default
        self.defaults = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if bind.value is not None and not bind.callable
        }
        self.columns: list[str] = []
        self.results: list[Processor] = []
        if table is not None:
            self.columns = [c.name for c in table.columns]
            self.results = [_result_processor(c.type, dialect) for c in table.columns]

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for name, processor in self.binds.items():
            value = values[name] if name in values else self.defaults.get(name)
            out[name] = processor(value) if processor is not None else value
        return out

    def row(self, raw: tuple[Any, ...]) -> Record:
        return Record(
            {
                name: processor(value) if processor is not None else value
                for name, processor, value in zip(self.columns, self.results, raw, strict=True)
            }
        )


def _result_processor(column_type: Any, dialect: Dialect) -> Processor:
    try:
        return column_type.dialect_impl(dialect).result_processor(dialect, None)
    except (TypeError, sa_exc.InvalidRequestError):
        # psycopg's numeric types pick a conversion by the result's type code, which a
        # statement compiled ahead of its execution does not know; the driver already
        # gives Python numbers for them
        return None


class Record(dict):  # type: ignore[type-arg]
    """A row whose columns read as attributes (row.state), like a SQLAlchemy Row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def named_dialect(engine: Engine) -> Dialect:
    """The engine's dialect, but with named parameters (:name / %(name)s) for dict params."""
    dialect = engine.dialect
    if dialect.paramstyle in ("named", "pyformat"):
        return dialect
    cls = type(dialect)
    return cls(paramstyle="named")  # type: ignore[call-arg]


class Store:
    """Prepared statements for one engine, built lazily, once per statement."""

    def __init__(self, engine: Engine):
        self.dialect = named_dialect(engine)
        self.engine = engine
        dbapi = engine.dialect.loaded_dbapi
        self.integrity_error = dbapi.IntegrityError
        # What a database that cannot be reached raises (restart, failover, connections
        # refused), through the driver or through SQLAlchemy's pool. Never SQLite's: its
        # busy timeout already waits for a lock, and its other errors do not pass.
        self.unreachable: tuple[type[BaseException], ...] = (
            ()
            if engine.dialect.name == "sqlite"
            else (
                dbapi.OperationalError,
                dbapi.InterfaceError,
                sa_exc.OperationalError,
                sa_exc.InterfaceError,
            )
        )
        self._prepared: dict[str, Prepared] = {}

    def prepare(self, name: str, statement: ClauseElement, table: Table | None = None) -> Prepared:
        prepared = self._prepared.get(name)
        if prepared is None:
            prepared = self._prepared[name] = Prepared(statement, self.dialect, table)
        return prepared


class Transaction:
    """The statements of one hop, on one pooled DB-API connection, committed together."""

    def __init__(self, store: Store, connection: Any):
        self.store = store
        self.connection = connection
        self._cursor = connection.cursor()

    def execute(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        """Run a write; the number of rows it changed."""
        self._cursor.execute(prepared.sql, prepared.params(values))
        return int(self._cursor.rowcount)

    def rows(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Record]:
        self._cursor.execute(prepared.sql, prepared.params(values))
        return [prepared.row(raw) for raw in self._cursor.fetchall()]

    def scalar_or_none(self, prepared: Prepared, values: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None when there is no row."""
        self._cursor.execute(prepared.sql, prepared.params(values))
        found = self._cursor.fetchone()
        return found[0] if found else None

    def scalar(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        """A count (or any integer the statement always returns)."""
        return int(self.scalar_or_none(prepared, values))

    def insert(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        """Insert and return the new primary key (the statement ends in RETURNING id)."""
        return self.scalar(prepared, values)

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()


def store() -> Store:
    from flask import current_app

    extensions = current_app.extensions
    found: Store | None = extensions.get("ussd_session_store")
    if found is None or found.engine is not db.engine:
        found = extensions["ussd_session_store"] = Store(db.engine)
    return found


# The main thread's connections, by store. A gunicorn sync worker serves every request on
# its main thread, so it keeps one connection for good; other threads (gthread workers,
# the development server, tests' threads) check one out of the pool for each hop.
_held: dict[int, tuple[Store, Any, Transaction]] = {}


def _release(engine: Engine) -> None:
    for key, (held_store, raw, _tx) in list(_held.items()):
        if held_store.engine is engine:
            del _held[key]
            raw.invalidate()  # closes the DB-API connection now (the engine is going away)


@contextmanager
def transaction() -> Iterator[Transaction]:
    """A connection for one hop: rolled back on error; a connection that failed is dropped,
    so the next hop opens a fresh one."""
    current = store()
    if threading.current_thread() is not threading.main_thread():
        raw = current.engine.raw_connection()
        try:
            tx = Transaction(current, raw.driver_connection)
            try:
                yield tx
            except BaseException:
                tx.rollback()
                raise
        finally:
            raw.close()
        return
    held = _held.get(id(current))
    if held is None:
        raw = current.engine.raw_connection()
        held = _held[id(current)] = (current, raw, Transaction(current, raw.driver_connection))
        event.listen(current.engine, "engine_disposed", _release)
    _, raw, tx = held
    try:
        yield tx
        tx.rollback()  # end any read-only transaction (PostgreSQL) before the next hop
    except BaseException:
        del _held[id(current)]
        try:
            tx.rollback()
        finally:
            raw.invalidate()  # do not reuse a connection in an unknown state
        raise


T = TypeVar("T")


def retrying(attempt: Callable[[], T], budget_seconds: float) -> T:
    """`attempt()`, tried again after a short and growing pause while the database cannot
    be reached, until `budget_seconds` have passed; then its error is raised."""
    current = store()
    deadline = time.monotonic() + budget_seconds
    pause = 0.05
    while True:
        try:
            return attempt()
        except current.unreachable:
            with suppress(*current.unreachable):
                db.session.rollback()  # the menu look-ups' ORM session may have failed too
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
