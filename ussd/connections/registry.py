"""Connections as stored: the names menus may use, for the lint."""

from __future__ import annotations

from sqlalchemy import select

from ussd.extensions import db
from ussd.models import Connection


def connection_names() -> list[str]:
    """The names menus may use, for the lint."""
    return list(db.session.scalars(select(Connection.name).order_by(Connection.name)))
