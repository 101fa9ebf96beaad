#!/usr/bin/env python3
"""Fuzz the menu engine: fuzzed input sequences over fixed menus and fuzz-built menus.

    .venv/bin/python fuzz/fuzz_engine.py fuzz/corpus-work/engine fuzz/corpus/engine \\
        -max_total_time=60 -artifact_prefix=fuzz/crashes/engine/

The input drives a FuzzedDataProvider: a mode (0-5: a fixed menu, the demo menu first;
6-7: a menu built from the input itself, used only when the lint passes it), a screen
budget, a context, a language, then up to 60 actions: "0", "00", "98", option numbers,
hostile strings, fuzzed Unicode (sometimes repeated into very long inputs), storing and
reloading the state, a resume offer. After every hop the invariants of
tests/property/invariants.py are checked (the same as the property tests): nothing but
EngineError escapes (and not even that on a lint-clean menu), every screen fits the
budget, states round-trip through JSON, answers belong to asking nodes, "0" undoes the
last answer, "00" starts over, finished sessions never change, every page of a screen
fits and loses nothing.
"""

# ruff: noqa: S101 - a fuzz target asserts, like a test
from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from importlib import resources
from typing import Any

import atheris
from _harness import Triage  # before instrumentation

with atheris.instrument_imports(include=["ussd"]):
    from ussd.menu import engine
    from ussd.menu.document import MenuFormatError, parse_menu
    from ussd.menu.engine import CompiledMenu, Context, EngineError, State
    from ussd.menu.gsm import Budget
    from ussd.menu.lint import has_errors, lint

from tests.property.invariants import (  # noqa: E402
    InvariantError,
    Keys,
    check_back_and_home,
    check_hop,
    check_pages,
    check_screen,
    check_state,
)

BUDGETS = [Budget(), Budget(cap=120), Budget(cap=60), Budget(cap=40), Budget(gsm7=100)]
LINT_BUDGETS = {f"b{i}": b for i, b in enumerate(BUDGETS)}
PHONES = ["+221771234567", "+233244123456", "", "+254739495441"]
NETWORKS = ["60801", "60802", "99999", ""]
GATEWAYS = ["africastalking", "hubtel", "nalo", "arkesel", "json"]
HOSTILE = [
    "",
    " ",
    "*",
    "#",
    "1*2",
    "01",
    "٣",
    "+221771234567",
    "77 123 45 67",
    "24/11/2026",
    "24112026",
    "31/02/2026",
    "AB1234",
    "-3",
    "4,5",
    "1e5",
    "0.00001",
    "{{7*7}}",
    "' OR 1=1 --",
    "\x00",
    "\u202e1",
    "9" * 20,
    "9" * 400,
    "*" * 10000,
    "²",
    "①",
]
TODAY = date(2026, 11, 24)

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))
WORDS = "Où êtes-vous reçu ça Thiès Dakar Abri Juridique Oui Non Merci agent {x} € 🙂".split()


def _options(n: int, prefix: str, nxt: str | None = None) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        opt: dict[str, Any] = {
            "label": {"en": f"{prefix} number {i} in the region", "fr": f"{prefix} ç {i} Thiès"},
            "value": f"{prefix}{i}",
        }
        if nxt:
            opt["next"] = nxt
        out.append(opt)
    return out


FIXED: list[dict[str, Any]] = [
    DEMO,
    {  # long options in two languages (French forces UCS-2): several pages on every budget
        "name": "paged",
        "languages": ["en", "fr"],
        "start": "where",
        "nodes": [
            {
                "id": "where",
                "kind": "menu",
                "key": "location",
                "text": {"en": "Where are you today? " * 3, "fr": "Où êtes-vous ? " * 4},
                "options": _options(30, "Place", "lang"),
            },
            {
                "id": "lang",
                "kind": "menu",
                "key": "language",
                "text": "Language / Langue",
                "options": [
                    {"label": "English", "value": "English", "language": "en"},
                    {"label": "Français", "value": "French", "language": "fr"},
                ],
                "next": "long_end",
            },
            {
                "id": "long_end",
                "kind": "handoff",
                "text": {"en": "Thank you. " * 30, "fr": "Merci, votre demande est reçue. " * 8},
            },
        ],
    },
    {  # every validation type in a chain, with on_fail and custom errors
        "name": "inputs",
        "languages": ["en", "fr"],
        "start": "name",
        "nodes": [
            {
                "id": "name",
                "kind": "input",
                "key": "name",
                "text": {"en": "Your name?", "fr": "Votre nom ?"},
                "validation": {"type": "text", "min_length": 2, "max_length": 40},
                "next": "age",
            },
            {
                "id": "age",
                "kind": "input",
                "key": "age",
                "text": {"en": "Your age?", "fr": "Votre âge ?"},
                "validation": {"type": "number", "min": 1, "max": 120},
                "error": {"en": "Type your age in years", "fr": "Tapez votre âge"},
                "attempts": 2,
                "on_fail": "help",
                "next": "amount",
            },
            {
                "id": "amount",
                "kind": "input",
                "key": "amount",
                "text": "Amount?",
                "validation": {"type": "number", "integer": False, "min": 0.5},
                "next": "phone",
            },
            {
                "id": "phone",
                "kind": "input",
                "key": "phone",
                "text": "Phone?",
                "validation": {"type": "phone", "region": "SN"},
                "next": "born",
            },
            {
                "id": "born",
                "kind": "input",
                "key": "born",
                "text": "Date?",
                "validation": {"type": "date", "date_format": "DD/MM/YYYY", "not_future": True},
                "attempts": 10,
                "next": "code",
            },
            {
                "id": "code",
                "kind": "input",
                "key": "code",
                "text": "Code?",
                "validation": {"type": "pattern", "pattern": "[A-Z]{2}[0-9]{4}"},
                "next": "bye",
            },
            {"id": "help", "kind": "end", "text": {"en": "Call 123", "fr": "Appelez le 123"}},
            {"id": "bye", "kind": "handoff"},
        ],
    },
    {  # branches on answers, network, phone, gateway, language; a message with next
        "name": "branchy",
        "languages": ["en", "fr", "wo"],
        "default_language": "fr",
        "start": "where",
        "messages": {"wo": {"more": "Yeneen", "back": "Dellu", "continue": "Dem"}},
        "nodes": [
            {
                "id": "where",
                "kind": "menu",
                "key": "location",
                "text": {"en": "Where?", "fr": "Où ?", "wo": "Fan?"},
                "options": [
                    {"label": "Dakar", "value": "Dakar"},
                    {"label": "Touba", "value": "Touba"},
                    {"label": "Wolof", "value": "wo", "language": "wo"},
                ],
                "next": "route",
            },
            {
                "id": "route",
                "kind": "branch",
                "rules": [
                    {
                        "when": {"on": "answer.location", "op": "equals", "value": "DAKAR"},
                        "next": "dakar",
                    },
                    {
                        "when": [
                            {"on": "network", "op": "in", "value": ["60801", "60802"]},
                            {"on": "phone", "op": "starts_with", "value": "+22177"},
                        ],
                        "next": "orange",
                    },
                    {"when": {"on": "gateway", "op": "not_in", "value": ["nalo"]}, "next": "r2"},
                ],
                "default": "other",
            },
            {
                "id": "r2",
                "kind": "branch",
                "rules": [
                    {"when": {"on": "language", "op": "equals", "value": "wo"}, "next": "orange"},
                    {"when": {"on": "answer.missing", "op": "exists"}, "next": "dakar"},
                ],
                "default": "other",
            },
            {"id": "dakar", "kind": "end", "text": {"en": "Dakar office", "fr": "Bureau Dakar"}},
            {"id": "orange", "kind": "message", "text": "Orange " * 40, "next": "other"},
            {"id": "other", "kind": "handoff", "text": {"en": "Other", "fr": "Autre"}},
        ],
    },
    {  # loops back to an earlier question (an "add another" list)
        "name": "loop",
        "languages": ["en"],
        "start": "item",
        "nodes": [
            {
                "id": "item",
                "kind": "menu",
                "key": "item",
                "text": "Item?",
                "options": _options(4, "Item"),
                "next": "more",
            },
            {
                "id": "more",
                "kind": "menu",
                "key": "again",
                "text": "Another?",
                "options": [
                    {"label": "Yes", "value": "yes", "next": "item"},
                    {"label": "No", "value": "no", "next": "note"},
                ],
            },
            {
                "id": "note",
                "kind": "input",
                "key": "note",
                "text": "Anything else?",
                "next": "bye",
            },
            {"id": "bye", "kind": "end", "text": "Bye"},
        ],
    },
]
MENUS = [CompiledMenu(parse_menu(doc)) for doc in FIXED]
for _menu in MENUS:  # the fixed menus must be lint-clean for the "never EngineError" rule
    assert not has_errors(lint(_menu.document, LINT_BUDGETS)), _menu.name
TRIAGE = Triage("engine")


def built_menu(fdp: atheris.FuzzedDataProvider, budget: Budget) -> CompiledMenu | None:
    """A small menu document chosen by the input; None unless parse and lint accept it
    (linted for the default screen and for `budget`, the one it will be walked with)."""
    langs = [["en"], ["fr"], ["en", "fr"], ["fr", "en", "wo"]][fdp.ConsumeIntInRange(0, 3)]
    n = fdp.ConsumeIntInRange(1, 6)
    ids = [f"n{i}" for i in range(n)]

    def text() -> Any:
        words = " ".join(WORDS[fdp.ConsumeIntInRange(0, len(WORDS) - 1)] for _ in range(3))
        choice = fdp.ConsumeIntInRange(0, 3)
        if choice == 0:
            return words
        if choice == 1:
            return {lang: words * fdp.ConsumeIntInRange(1, 12) for lang in langs}
        if choice == 2:
            return {langs[0]: fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(1, 40))}
        return {lang: f"{words} {lang}" for lang in langs}

    def link() -> str:
        return ids[fdp.ConsumeIntInRange(0, n - 1)]

    nodes = []
    for node_id in ids:
        kind = ["menu", "menu", "input", "branch", "message", "end", "handoff"][
            fdp.ConsumeIntInRange(0, 6)
        ]
        node: dict[str, Any] = {"id": node_id, "kind": kind}
        if kind != "branch":
            node["text"] = text()
        if kind == "menu":
            node["key"] = f"k{fdp.ConsumeIntInRange(0, 3)}"
            node["next"] = link()
            node["options"] = [
                {
                    "label": text(),
                    "value": f"v{i}",
                    **({"next": link()} if fdp.ConsumeBool() else {}),
                }
                for i in range(fdp.ConsumeIntInRange(1, 14))
            ]
        elif kind == "input":
            node["key"] = f"k{fdp.ConsumeIntInRange(0, 3)}"
            node["next"] = link()
            vtype = ["text", "number", "phone", "date", "pattern"][fdp.ConsumeIntInRange(0, 4)]
            validation: dict[str, Any] = {"type": vtype}
            if vtype == "pattern":
                validation["pattern"] = ["[0-9]+", "[A-Z]{2}[0-9]{4}", ".*"][
                    fdp.ConsumeIntInRange(0, 2)
                ]
            if vtype == "number" and fdp.ConsumeBool():
                validation["min"] = fdp.ConsumeIntInRange(-5, 50)
                validation["integer"] = fdp.ConsumeBool()
            if fdp.ConsumeBool():
                validation["max_length"] = fdp.ConsumeIntInRange(0, 500)
            node["validation"] = validation
            node["attempts"] = fdp.ConsumeIntInRange(1, 10)
            if fdp.ConsumeBool():
                node["on_fail"] = link()
        elif kind == "branch":
            node["rules"] = [
                {
                    "when": {
                        "on": ["language", "network", "answer.k0", "answer.k1", "phone"][
                            fdp.ConsumeIntInRange(0, 4)
                        ],
                        "op": ["equals", "not_equals", "starts_with", "exists", "missing"][
                            fdp.ConsumeIntInRange(0, 4)
                        ],
                        "value": ["fr", "60801", "v1", "+22177", "EN"][fdp.ConsumeIntInRange(0, 4)],
                    },
                    "next": link(),
                }
                for _ in range(fdp.ConsumeIntInRange(0, 3))
            ]
            node["default"] = link()
        elif kind == "message" and fdp.ConsumeBool():
            node["next"] = link()
        nodes.append(node)
    doc: dict[str, Any] = {"name": "fuzz", "languages": langs, "start": ids[0], "nodes": nodes}
    if fdp.ConsumeIntInRange(0, 3) == 0:
        doc["messages"] = {
            langs[0]: {
                ["err_number", "err_date", "more", "back", "invalid_option"][
                    fdp.ConsumeIntInRange(0, 4)
                ]: fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(1, 20))
            }
        }
    for node in doc["nodes"]:  # branch rules need a value except exists/missing
        for rule in node.get("rules", []):
            if rule["when"]["op"] in ("exists", "missing"):
                rule["when"].pop("value")
    try:
        parsed = parse_menu(doc)
    except MenuFormatError:
        return None
    if has_errors(lint(parsed, {"default": Budget(), "walk": budget})):
        return None
    return CompiledMenu(parsed)


def entry_from(fdp: atheris.FuzzedDataProvider, action: int) -> str:
    if action <= 2:
        return ("0", "00", "98")[action]
    if action <= 6:
        return str(fdp.ConsumeIntInRange(1, 14))
    if action == 7:
        return HOSTILE[fdp.ConsumeIntInRange(0, len(HOSTILE) - 1)]
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 60))
    if action == 8:
        text = text * fdp.ConsumeIntInRange(1, 300)
    return text


def run(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 7)
    budget = BUDGETS[fdp.ConsumeIntInRange(0, len(BUDGETS) - 1)]
    ctx = Context(
        gateway=GATEWAYS[fdp.ConsumeIntInRange(0, len(GATEWAYS) - 1)],
        phone=PHONES[fdp.ConsumeIntInRange(0, len(PHONES) - 1)],
        network=NETWORKS[fdp.ConsumeIntInRange(0, len(NETWORKS) - 1)],
        service_code="123*456",
        budget=budget,
        default_region="SN",
        today=TODAY,
    )
    if mode <= 5:
        menu = MENUS[mode % len(MENUS)]
    else:
        menu = built_menu(fdp, budget)
        if menu is None:
            return
    langs = [None, *menu.document.languages]
    lang = langs[fdp.ConsumeIntInRange(0, len(langs) - 1)]
    keys = Keys.of(menu)
    result = engine.start(menu, ctx, lang=lang)
    check_screen(menu, result, ctx)
    check_state(menu, result.state, keys)
    seen_pages: set[tuple[str, str]] = set()
    for _ in range(fdp.ConsumeIntInRange(0, 60)):
        state = result.state
        if state.node != engine.RESUME_NODE and (state.node, state.lang) not in seen_pages:
            seen_pages.add((state.node, state.lang))
            check_pages(menu, menu.node(state.node), state.lang, budget)
            check_pages(menu, menu.node(state.node), state.lang, budget, "Invalid choice.")
        action = fdp.ConsumeIntInRange(0, 12)
        if action == 11:  # stored and loaded between two requests
            result = engine.Result(result.screen, State.from_json(state.to_json()))
            continue
        if action == 12:  # the caller hung up and redialled: offered to continue
            if state.node == engine.RESUME_NODE or state.finished:
                continue
            result = engine.offer_resume(menu, state, ctx)
            check_screen(menu, result, ctx)
            continue
        entry = entry_from(fdp, action)
        result = engine.step(menu, state, entry, ctx)
        if state.node == engine.RESUME_NODE:
            if result.event == "restart":
                result = engine.start(menu, ctx)
            elif result.event == "resumed":
                assert state.resume is not None
                assert result.state == replace(state.resume, page=0, attempts=0, notice="")
            check_screen(menu, result, ctx)
            check_state(menu, result.state, keys)
            continue
        check_hop(menu, ctx, state, entry, result, keys)
        check_back_and_home(menu, ctx, state, result, keys)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    TRIAGE.current = data
    try:
        run(data)
    except InvariantError:
        raise
    except EngineError as exc:  # never on these lint-clean menus: a bug unless known
        TRIAGE.exception(exc)
    except Exception as exc:  # noqa: BLE001 - triaged: known bug or crash
        TRIAGE.exception(exc)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
