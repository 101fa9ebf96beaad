"""Edits of a menu document (its JSON form): add, replace, rename, move and delete nodes.

Pure functions: each takes the document as a dict and returns a new dict; the caller
parses the result with ussd.menu.document.parse_menu, so an edit can never store a
malformed draft.
"""

from __future__ import annotations

import copy
from typing import Any

from ussd.menu.gsm import suggest_gsm7

Doc = dict[str, Any]
LINK_FIELDS = ("next", "default", "on_fail")


def references(doc: Doc, node_id: str) -> list[tuple[str, str]]:
    """(node id, where) of every link to `node_id`, and ("menu", "start") for the start."""
    found = [("menu", "start")] if doc.get("start") == node_id else []
    for node in doc["nodes"]:
        for name in LINK_FIELDS:
            if node.get(name) == node_id:
                found.append((node["id"], name))
        for i, option in enumerate(node.get("options", []), 1):
            if option.get("next") == node_id:
                found.append((node["id"], f"option {i}"))
        for i, rule in enumerate(node.get("rules", []), 1):
            if rule.get("next") == node_id:
                found.append((node["id"], f"rule {i}"))
        for outcome, target in _outcomes(node).items():
            if target == node_id:
                found.append((node["id"], outcome))
    return found


def _outcomes(node: dict[str, Any]) -> dict[str, Any]:
    """An http node's branches ({"success": id, "failure": id, ...}); none for other kinds."""
    branches = node.get("next") if node.get("kind") == "http" else None
    return branches if isinstance(branches, dict) else {}


def _relink(doc: Doc, old: str, new: str | None) -> None:
    if doc.get("start") == old:
        doc["start"] = new or ""
    for node in doc["nodes"]:
        for name in LINK_FIELDS:
            if node.get(name) == old:
                if new:
                    node[name] = new
                else:
                    node.pop(name)
        for option in node.get("options", []):
            if option.get("next") == old:
                if new:
                    option["next"] = new
                else:
                    option.pop("next")
        for rule in node.get("rules", []):
            if rule.get("next") == old:
                rule["next"] = new or ""
        if new is None and "rules" in node:
            node["rules"] = [r for r in node["rules"] if r.get("next")]
        branches = _outcomes(node)
        for outcome, target in list(branches.items()):
            if target == old:
                if new:
                    branches[outcome] = new
                else:
                    del branches[outcome]


def _index(doc: Doc, node_id: str) -> int:
    for i, node in enumerate(doc["nodes"]):
        if node["id"] == node_id:
            return i
    raise KeyError(node_id)


def replace_node(doc: Doc, node_id: str, new_node: dict[str, Any]) -> Doc:
    """Put `new_node` in place of `node_id`; a changed id is followed by every link."""
    out = copy.deepcopy(doc)
    index = _index(out, node_id)
    new_id = new_node["id"]
    if new_id != node_id:
        if any(n["id"] == new_id for n in out["nodes"]):
            raise ValueError(f"a node {new_id!r} exists already")
        _relink(out, node_id, new_id)
        new_node = copy.deepcopy(new_node)
        for name in LINK_FIELDS:  # a node linking to itself follows its own rename
            if new_node.get(name) == node_id:
                new_node[name] = new_id
    out["nodes"][index] = new_node
    return out


# What a new node of each kind starts with, so that it parses before its text is written.
_SKELETONS: dict[str, dict[str, Any]] = {
    "menu": {"options": [{"label": {"*": "1"}, "value": "1"}]},
    "input": {"validation": {"type": "text"}},
    "branch": {"rules": []},
    "message": {},
    "end": {},
    "handoff": {},
    "http": {"connection": "", "next": {}},
}


def new_node(kind: str, node_id: str) -> dict[str, Any]:
    """A node of `kind` to add: a question stores its answer under its own id."""
    node = {"id": node_id, "kind": kind, **copy.deepcopy(_SKELETONS[kind])}
    if kind in ("menu", "input"):
        node["key"] = node_id
    if kind not in ("branch", "http"):
        node["text"] = {}
    return node


def add_node(doc: Doc, node: dict[str, Any], link_from: str | None = None) -> Doc:
    """Append `node`; with link_from "<node id>" or "<node id>:<option number>", link it.

    The new node is placed right after the node it is reached from.
    """
    out = copy.deepcopy(doc)
    if any(n["id"] == node["id"] for n in out["nodes"]):
        raise ValueError(f"a node {node['id']!r} exists already")
    position = len(out["nodes"])
    if link_from:
        source_id, _, option = link_from.partition(":")
        index = _index(out, source_id)
        source = out["nodes"][index]
        position = index + 1
        if option:
            source["options"][int(option) - 1]["next"] = node["id"]
        elif source["kind"] == "branch":
            source["default"] = node["id"]
        else:
            source["next"] = node["id"]
    out["nodes"].insert(position, node)
    if not out.get("start"):
        out["start"] = node["id"]
    return out


def delete_node(doc: Doc, node_id: str) -> Doc:
    """Remove the node; links to it are cleared (the lint then shows what leads nowhere)."""
    out = copy.deepcopy(doc)
    del out["nodes"][_index(out, node_id)]
    _relink(out, node_id, None)
    return out


def move_node(doc: Doc, node_id: str, delta: int) -> Doc:
    out = copy.deepcopy(doc)
    index = _index(out, node_id)
    target = max(0, min(len(out["nodes"]) - 1, index + delta))
    out["nodes"].insert(target, out["nodes"].pop(index))
    return out


def apply_gsm7(doc: Doc, node_id: str, lang: str) -> tuple[Doc, int]:
    """Rewrite the node's texts in `lang` with their GSM-7 spelling; return how many changed."""
    out = copy.deepcopy(doc)
    node = out["nodes"][_index(out, node_id)]
    texts = [node.get("text"), node.get("error")] + [
        o.get("label") for o in node.get("options", [])
    ]
    changed = 0
    for text in texts:
        if isinstance(text, dict) and lang in text:
            suggestion = suggest_gsm7(text[lang])
            if suggestion:
                text[lang] = suggestion
                changed += 1
    return out, changed


def set_languages(doc: Doc, languages: list[str]) -> Doc:
    out = copy.deepcopy(doc)
    out["languages"] = languages
    out["default_language"] = languages[0]  # the first listed is the default
    return out


def blank_document(name: str, languages: list[str]) -> Doc:
    """A small menu to start from: one question and a thank-you that hands off to Flex."""
    welcome = {"en": "Welcome. What do you need?", "fr": "Bienvenue. De quoi avez-vous besoin ?"}
    thanks = {
        "en": "Thank you. Your request has been received.",
        "fr": "Merci. Votre demande a bien été reçue.",
    }
    first = {"en": "Help", "fr": "Aide"}
    return {
        "format": 1,
        "name": name,
        "languages": languages,
        "default_language": languages[0],
        "start": "welcome",
        "nodes": [
            {
                "id": "welcome",
                "kind": "menu",
                "key": "support_type",
                "text": {lang: welcome.get(lang, welcome["en"]) for lang in languages},
                "options": [
                    {
                        "label": {lang: first.get(lang, first["en"]) for lang in languages},
                        "value": "Help",
                    }
                ],
                "next": "thanks",
            },
            {
                "id": "thanks",
                "kind": "handoff",
                "text": {lang: thanks.get(lang, thanks["en"]) for lang in languages},
            },
        ],
    }
