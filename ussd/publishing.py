"""Menus in the database: drafts, publishing, service codes, and the per-process cache.

The cache is what keeps a hop's cost flat: a published version is compiled once per process
(it never changes), and the service-code routing table is re-read at most every
MENU_CACHE_SECONDS (a publish in this process clears it at once).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select

from ussd.connections.registry import connection_names
from ussd.extensions import db
from ussd.gateways import GATEWAYS
from ussd.mapped_gateways import all_gateways
from ussd.menu.demo import build_demo
from ussd.menu.document import MenuDocument, menu_to_dict, parse_menu
from ussd.menu.engine import CompiledMenu
from ussd.menu.gsm import Budget
from ussd.menu.lint import Problem, has_errors, lint
from ussd.menu.numerals import is_digits
from ussd.models import Menu, MenuVersion, ServiceCode, User


class PublishError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems if p.severity == "error"))


def normalize_code(code: str) -> str:
    """ "*123*456#" -> "123*456": how codes are stored and compared."""
    return code.strip().strip("*#").strip()


def gateway_budgets() -> dict[str, Budget]:
    """Every gateway's screen budget, the mapped ones' too (they are stored: read within an
    application), so the lint says on which gateway a screen takes more than one page."""
    gateways = all_gateways() if has_app_context() else GATEWAYS
    return {name: gw.budget for name, gw in gateways.items()}


def _packaged_json(name: str) -> Any:
    return json.loads(resources.files("ussd.menu").joinpath(name).read_text("utf-8"))


def demo_translations() -> dict[str, dict[str, str]]:
    """The demo's texts per language (ussd/menu/demo_translations.json)."""
    data: dict[str, dict[str, str]] = _packaged_json("demo_translations.json")
    return data


def demo_document(languages: Sequence[str] | None = None) -> dict[str, Any]:
    """The demo menu: as shipped (English and French) or written in `languages`, the first being
    the default language (ussd.menu.demo.build_demo; DemoLanguageError for a language it lacks)."""
    data: dict[str, Any] = _packaged_json("demo_menu.json")
    if languages is None:
        return data
    return build_demo(data, demo_translations(), languages)


@dataclass
class _Routes:
    expires: float
    by_code: dict[str, int]  # normalised code -> live version id
    default: int | None


class MenuCache:
    """Compiled versions (immutable, kept LRU) and the routing table (short-lived)."""

    def __init__(self, size: int = 64):
        self._compiled: OrderedDict[int, tuple[CompiledMenu, int, str]] = OrderedDict()
        self._size = size
        self._routes: _Routes | None = None
        self._lock = threading.Lock()

    def compiled(self, version_id: int) -> tuple[CompiledMenu, int, str]:
        """(compiled menu, version number, menu name) for a published version."""
        with self._lock:
            hit = self._compiled.get(version_id)
            if hit is not None:
                self._compiled.move_to_end(version_id)
                return hit
        row = db.session.execute(
            select(MenuVersion.document, MenuVersion.number, Menu.name)
            .join(Menu, Menu.id == MenuVersion.menu_id)
            .where(MenuVersion.id == version_id)
        ).one()
        entry = (CompiledMenu(parse_menu(json.loads(row.document))), row.number, row.name)
        with self._lock:
            self._compiled[version_id] = entry
            while len(self._compiled) > self._size:
                self._compiled.popitem(last=False)
        return entry

    def live_version(self, service_code: str) -> int | None:
        """The live version serving `service_code` (or the default menu's)."""
        routes = self._routes
        if routes is None or routes.expires < time.monotonic():
            routes = self._load_routes()
        return routes.by_code.get(normalize_code(service_code), routes.default)

    def known_codes(self) -> set[str]:
        routes = self._routes
        if routes is None or routes.expires < time.monotonic():
            routes = self._load_routes()
        return set(routes.by_code)

    def _load_routes(self) -> _Routes:
        rows = db.session.execute(
            select(ServiceCode.code, Menu.live_version_id)
            .join(Menu, Menu.id == ServiceCode.menu_id)
            .where(Menu.live_version_id.is_not(None))
        ).all()
        default = db.session.scalar(
            select(Menu.live_version_id).where(Menu.is_default.is_(True)).limit(1)
        )
        ttl = float(current_app.config.get("MENU_CACHE_SECONDS", 5.0))
        routes = _Routes(time.monotonic() + ttl, {r.code: r.live_version_id for r in rows}, default)
        self._routes = routes
        return routes

    def clear_routes(self) -> None:
        self._routes = None


def cache() -> MenuCache:
    ext = current_app.extensions
    if "ussd_menu_cache" not in ext:
        ext["ussd_menu_cache"] = MenuCache()
    menu_cache: MenuCache = ext["ussd_menu_cache"]
    return menu_cache


# ---------------------------------------------------------------------------------------------
# Editing and publishing


def draft_document(menu: Menu) -> MenuDocument:
    return parse_menu(json.loads(menu.draft))


def save_draft(menu: Menu, doc: MenuDocument, user: User | None = None) -> None:
    menu.draft = json.dumps(menu_to_dict(doc), ensure_ascii=False, indent=1)
    menu.name = doc.name
    menu.updated_by_id = user.id if user else None
    menu.draft_revision = (menu.draft_revision or 0) + 1


def draft_differs_from_live(menu: Menu) -> bool:
    if menu.live_version is None:
        return True
    return bool(parse_menu(json.loads(menu.live_version.document)) != draft_document(menu))


def preview_version(menu: Menu) -> MenuVersion:
    """A frozen copy of the current draft for the simulator (reused until the draft changes)."""
    existing = db.session.scalar(
        select(MenuVersion).where(
            MenuVersion.menu_id == menu.id,
            MenuVersion.number.is_(None),
            MenuVersion.draft_revision == menu.draft_revision,
        )
    )
    if existing is not None:
        return existing
    doc = draft_document(menu)
    version = MenuVersion(
        menu_id=menu.id,
        number=None,
        draft_revision=menu.draft_revision,
        document=json.dumps(menu_to_dict(doc), ensure_ascii=False, separators=(",", ":")),
        note="simulator preview of the draft",
    )
    db.session.add(version)
    db.session.flush()
    return version


def published_versions(menu: Menu) -> list[MenuVersion]:
    return list(
        db.session.scalars(
            select(MenuVersion)
            .where(MenuVersion.menu_id == menu.id, MenuVersion.number.is_not(None))
            .order_by(MenuVersion.number.desc())
        )
    )


def rollback(menu: Menu, number: int, user: User | None = None) -> MenuVersion:
    """Make an earlier version live again, as a new version (history stays linear)."""
    old = db.session.scalar(
        select(MenuVersion).where(MenuVersion.menu_id == menu.id, MenuVersion.number == number)
    )
    if old is None:
        raise ValueError(f"no version {number}")
    return publish(
        menu,
        user,
        note=f"Rollback to version {number}",
        document=parse_menu(json.loads(old.document)),
    )


def duplicate_menu(menu: Menu, name: str, user: User | None = None) -> Menu:
    doc = draft_document(menu)
    copy = Menu(name=name, draft="{}", is_default=False)
    save_draft(copy, replace(doc, name=name), user)
    db.session.add(copy)
    db.session.flush()
    return copy


def delete_menu(menu: Menu) -> None:
    """Delete a menu and its versions. Refused while it serves callers."""
    if menu.is_default:
        raise ValueError("this is the default menu: make another menu the default first")
    if menu.service_codes:
        codes = ", ".join(f"*{c.code}#" for c in menu.service_codes)
        raise ValueError(f"this menu serves {codes}: map those codes to another menu first")
    menu.live_version_id = None
    db.session.flush()
    db.session.delete(menu)
    cache().clear_routes()


def create_menu(doc: MenuDocument, user: User | None = None) -> Menu:
    menu = Menu(name=doc.name, draft="{}", draft_revision=0)
    save_draft(menu, doc, user)
    if db.session.scalar(select(func.count()).select_from(Menu)) == 0:
        menu.is_default = True  # the first menu serves every code until others are mapped
    db.session.add(menu)
    db.session.flush()
    return menu


def publish(
    menu: Menu, user: User | None = None, note: str = "", document: MenuDocument | None = None
) -> MenuVersion:
    """Freeze the draft (or `document`) as the next version and make it live.

    Refuses when the lint finds errors. Sessions already running keep their version.
    """
    doc = document or draft_document(menu)
    problems = lint(doc, gateway_budgets(), connection_names())
    if has_errors(problems):
        raise PublishError(problems)
    number = (
        db.session.scalar(
            select(func.max(MenuVersion.number)).where(MenuVersion.menu_id == menu.id)
        )
        or 0
    ) + 1
    version = MenuVersion(
        menu_id=menu.id,
        number=number,
        document=json.dumps(menu_to_dict(doc), ensure_ascii=False, separators=(",", ":")),
        note=note[:200],
        published_by_id=user.id if user else None,
    )
    db.session.add(version)
    db.session.flush()
    menu.live_version_id = version.id
    cache().clear_routes()
    return version


def set_service_code(menu: Menu, code: str) -> ServiceCode:
    normalized = normalize_code(code)
    if not normalized or not all(is_digits(part) for part in normalized.split("*")):
        raise ValueError("a service code is digits separated by *, such as *123*456#")
    existing = db.session.scalar(select(ServiceCode).where(ServiceCode.code == normalized))
    if existing:
        existing.menu_id = menu.id
        entry = existing
    else:
        entry = ServiceCode(code=normalized, menu_id=menu.id)
        db.session.add(entry)
    cache().clear_routes()
    return entry


def find_menu(name: str | None) -> Menu | None:
    if name:
        return db.session.scalar(select(Menu).where(Menu.name == name))
    return db.session.scalar(select(Menu).where(Menu.is_default.is_(True)))


def install_demo(languages: Sequence[str] | None = None) -> Menu | None:
    """On an empty database, install the demo menu as the live default. Idempotent.

    `languages`: the demo's languages, the first being the default (English and French if None).
    """
    if db.session.scalar(select(func.count()).select_from(Menu)):
        return None
    menu = create_menu(parse_menu(demo_document(languages)))
    publish(menu, note="Demo menu installed by init-db")
    set_service_code(menu, "*123*456#")
    db.session.commit()
    return menu
