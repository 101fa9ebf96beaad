"""Mapped gateways as stored: the definitions admins write in the editor (or import), and
the per-process cache the webhook reads them from.

The cache keeps a hop free of an extra database read: every definition is read at once
(there are a handful) and kept for MENU_CACHE_SECONDS, and a change made in this process
clears it at once, as the menu routing table is (ussd/publishing.py). A definition whose
text did not change keeps its adapter.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask import current_app
from sqlalchemy import select

from ussd.extensions import db
from ussd.gateways import GATEWAYS, Gateway
from ussd.gateways.mapped import (
    PREFIX,
    Definition,
    DefinitionError,
    MappedGateway,
    definition_to_dict,
    parse_definition,
)
from ussd.models import MappedGatewayDefinition, User

log = logging.getLogger("ussd.mapped_gateways")
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)


def read_definition(data: Any) -> Definition:
    """A definition from its JSON form (DefinitionError names each problem's field)."""
    return parse_definition(data, COUNTRIES)


@dataclass
class _Loaded:
    expires: float
    texts: dict[str, str]  # name -> definition as stored
    gateways: dict[str, MappedGateway]  # name -> adapter


class MappedGatewayCache:
    def __init__(self) -> None:
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def gateways(self) -> dict[str, MappedGateway]:
        loaded = self._loaded
        if loaded is None or loaded.expires < time.monotonic():
            loaded = self._load(loaded)
        return loaded.gateways

    def _load(self, previous: _Loaded | None) -> _Loaded:
        rows = db.session.execute(
            select(MappedGatewayDefinition.name, MappedGatewayDefinition.definition).order_by(
                MappedGatewayDefinition.name
            )
        ).all()
        gateways: dict[str, MappedGateway] = {}
        texts: dict[str, str] = {}
        for name, text in rows:
            kept = previous.gateways.get(name) if previous else None
            if kept is not None and previous is not None and previous.texts.get(name) == text:
                gateways[name], texts[name] = kept, text
                continue
            try:
                gateways[name] = MappedGateway(read_definition(json.loads(text)))
                texts[name] = text
            except (ValueError, DefinitionError):
                # stored by an older release or by hand: named, never served half-read
                log.warning("mapped gateway %s has a definition that cannot be read", name)
        ttl = float(current_app.config.get("MENU_CACHE_SECONDS", 5.0))
        loaded = _Loaded(time.monotonic() + ttl, texts, gateways)
        with self._lock:
            self._loaded = loaded
        return loaded

    def clear(self) -> None:
        self._loaded = None


def cache() -> MappedGatewayCache:
    ext = current_app.extensions
    if "ussd_mapped_gateways" not in ext:
        ext["ussd_mapped_gateways"] = MappedGatewayCache()
    mapped: MappedGatewayCache = ext["ussd_mapped_gateways"]
    return mapped


def find_gateway(name: str) -> MappedGateway | None:
    """The adapter served at /ussd/mapped/<name>, from the cache."""
    return cache().gateways().get(name)


def all_gateways() -> dict[str, Gateway]:
    """Every gateway whose screens the editor can show: the built-in ones, then each
    mapped one under its session name ("mapped:<name>")."""
    gateways: dict[str, Gateway] = dict(GATEWAYS)
    for gateway in cache().gateways().values():
        gateways[gateway.name] = gateway
    return gateways


# -- the admin's changes (the editor and its import) -------------------------------------------


def stored_definitions() -> list[MappedGatewayDefinition]:
    return list(
        db.session.scalars(select(MappedGatewayDefinition).order_by(MappedGatewayDefinition.name))
    )


def find_definition(name: str) -> MappedGatewayDefinition | None:
    return db.session.scalar(
        select(MappedGatewayDefinition).where(MappedGatewayDefinition.name == name)
    )


def definition_of(row: MappedGatewayDefinition) -> Definition:
    return read_definition(json.loads(row.definition))


def definition_text(definition: Definition) -> str:
    return json.dumps(definition_to_dict(definition), ensure_ascii=False, indent=2) + "\n"


def save_definition(
    definition: Definition, user: User | None, row: MappedGatewayDefinition | None = None
) -> MappedGatewayDefinition:
    """Store a new definition, or replace `row`'s (which may be renamed). The caller commits;
    a name already taken by another definition raises ValueError."""
    other = find_definition(definition.name)
    if other is not None and other is not row:
        raise ValueError(definition.name)
    if row is None:
        row = MappedGatewayDefinition(name=definition.name)
        db.session.add(row)
    row.name = definition.name
    row.definition = definition_text(definition)
    row.updated_by_id = user.id if user else None
    db.session.flush()
    cache().clear()
    return row


def delete_definition(row: MappedGatewayDefinition) -> None:
    db.session.delete(row)
    db.session.flush()
    cache().clear()


__all__ = [
    "PREFIX",
    "all_gateways",
    "cache",
    "definition_of",
    "delete_definition",
    "find_definition",
    "find_gateway",
    "read_definition",
    "save_definition",
    "stored_definitions",
]
