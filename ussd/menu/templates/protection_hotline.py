"""Template "Protection hotline" (issue 15, item 8): the caller picks a language and what
they need, says when it is safe to call them back or that they will dial again instead
(callback_window, ussd/menu/safe_contact.py), may choose a PIN that guards the replies they
read on a later dial (reply_pin), and the request goes to an agent in Flex.

The document is protection_hotline.json, in English and French. For other languages the
builder keeps the English texts until a coordinator translates them, and the first screen
offers exactly the menu's languages (none when it has only one).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from ussd.menu.gsm import suggest_gsm7
from ussd.menu.languages import english_name, native_name

LANGUAGE_NODE = "language"


@cache
def _document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("protection_hotline.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _in(languages: list[str], texts: dict[str, str]) -> dict[str, str]:
    return {lang: texts.get(lang, texts["en"]) for lang in languages}


def _language_option(lang: str, languages: list[str]) -> dict[str, Any]:
    # Its own name, in GSM-7 where a spelling exists ("Francais"): "ç" would cut the first
    # screen to 80 characters.
    name = native_name(lang)
    label = suggest_gsm7(name) or name
    return {"label": dict.fromkeys(languages, label), "value": english_name(lang), "language": lang}


def protection_hotline(name: str, languages: list[str]) -> dict[str, Any]:
    document = copy.deepcopy(_document())
    document.update(name=name, languages=languages, default_language=languages[0])
    nodes = []
    for node in document["nodes"]:
        if node["id"] == LANGUAGE_NODE:
            if len(languages) == 1:
                continue  # nothing to choose
            node["text"] = _in(languages, node["text"])
            node["options"] = [_language_option(lang, languages) for lang in languages]
        else:
            for field in ("text", "error"):
                if field in node:
                    node[field] = _in(languages, node[field])
            for option in node.get("options", []):
                option["label"] = _in(languages, option["label"])
        nodes.append(node)
    document["nodes"] = nodes
    document["start"] = nodes[0]["id"]
    return document
