"""Declarative base, naming convention and per-dialect engine settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

IMMEDIATE = "matchmaker_begin_immediate"
P = ParamSpec("P")
R = TypeVar("R")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime.

    SQLite hands back naive values for timezone-aware columns; they are stored as UTC.
    """
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Give SQLite engines WAL, a busy timeout, foreign keys and explicit BEGINs."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would start transactions late and never
        # as IMMEDIATE; SQLAlchemy emits BEGIN itself in _on_begin instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; Python's folds Cyrillic too, so
        # case-insensitive search works for Russian names.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """Start a transaction that holds the write lock from its first statement.

    On SQLite this is ``BEGIN IMMEDIATE``, so two writers that read-then-write the
    same rows queue on the busy timeout instead of failing with "database is locked"
    at commit. On PostgreSQL it is an ordinary transaction; races there are settled
    by row locks and unique constraints.
    """
    if session.in_transaction():
        if session.connection().get_execution_options().get(IMMEDIATE, False):
            return  # already inside a write transaction (one service calling another)
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})


def writes(service: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Run a service as one write transaction that holds the write lock from the start.

    Services read, check, then write; on SQLite a read transaction that later writes
    can fail with "database is locked" when another request wrote meanwhile. Taking
    the lock first makes such requests queue on the busy timeout instead.
    """

    @wraps(service)
    def wrapper(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        begin_write(session)
        return service(session, *args, **kwargs)

    return wrapper
