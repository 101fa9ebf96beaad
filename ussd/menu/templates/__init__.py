"""Menus to start from: a registry of templates, each an id, a title and a builder that
writes the menu document for a name and a list of languages (the first the default).

The editor's "New menu → Start from" offers them in this order. Titles are English here,
marked for the editor's catalogue (babel.cfg) and translated where they are shown. Pure:
a builder returns a plain document, which parse_menu then checks like any other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ussd.menu.editing import blank_document, set_languages
from ussd.menu.templates.cash_assistance import CONNECTION as CASH_CONNECTION
from ussd.menu.templates.cash_assistance import cash_assistance
from ussd.menu.templates.protection_hotline import protection_hotline

Document = dict[str, Any]


def N_(text: str) -> str:  # noqa: N802 - the gettext "no-op" convention, for extraction
    return text


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    build: Callable[[str, list[str]], Document]
    # a connection the menu calls, which an admin must define before it is published
    needs_connection: str | None = None


def _demo(name: str, languages: list[str]) -> Document:
    data: Document = json.loads(
        resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8")
    )
    document = set_languages(data, languages)
    document["name"] = name
    return document


TEMPLATES: dict[str, Template] = {
    template.id: template
    for template in (
        Template("blank", N_("A blank menu"), blank_document),
        Template("demo", N_("A copy of the demo menu"), _demo),
        Template(
            "cash_assistance",
            N_("Cash assistance status"),
            cash_assistance,
            needs_connection=CASH_CONNECTION,
        ),
        Template("protection_hotline", N_("Protection hotline"), protection_hotline),
    )
}


def build(template_id: str, name: str, languages: list[str]) -> Document:
    """The document of template `template_id` (KeyError for an unknown one)."""
    return TEMPLATES[template_id].build(name, languages)
