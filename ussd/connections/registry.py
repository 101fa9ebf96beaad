"""Connections as stored: their names for the lint, and one read by name in a hop."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from ussd.connections.client import Endpoint
from ussd.extensions import db
from ussd.models import Connection
from ussd.sessions.store import Transaction

CONNECTIONS = Connection.__table__
_BY_NAME = select(CONNECTIONS).where(CONNECTIONS.c.name == bindparam("k_name"))


def connection_names() -> list[str]:
    """The names menus may use, for the lint."""
    return list(db.session.scalars(select(Connection.name).order_by(Connection.name)))


def find_endpoint(tx: Transaction, name: str) -> Endpoint | None:
    """The connection `name`, read in the hop's own transaction (only a hop that reaches an
    http node reads it)."""
    rows = tx.rows(tx.store.prepare("find_connection", _BY_NAME, CONNECTIONS), {"k_name": name})
    if not rows:
        return None
    row = rows[0]
    return Endpoint(
        name=row.name,
        base_url=row.base_url,
        method=row.method,
        secret_header=row.secret_header,
        secret_value=row.secret_value,
        timeout_seconds=float(row.timeout_seconds),
        allow_private=bool(row.allow_private),
    )
