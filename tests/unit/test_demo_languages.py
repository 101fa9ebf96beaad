"""The demo menu written in other languages (issue 16, item 9): ussd.menu.demo.build_demo over
the packaged demo_menu.json and demo_translations.json."""

from __future__ import annotations

import itertools
import json
from importlib import resources

import pytest

from ussd.gateways import GATEWAYS
from ussd.menu.demo import DemoLanguageError, build_demo
from ussd.menu.document import parse_menu
from ussd.menu.engine import CompiledMenu
from ussd.menu.gsm import DEFAULT_BUDGET
from ussd.menu.languages import english_name, native_name
from ussd.menu.lint import has_errors, lint
from ussd.menu.texts import DEFAULT_MESSAGES

MENU = resources.files("ussd.menu")
BASE = json.loads(MENU.joinpath("demo_menu.json").read_text("utf-8"))
TRANSLATIONS = json.loads(MENU.joinpath("demo_translations.json").read_text("utf-8"))
BUDGETS = {name: gw.budget for name, gw in GATEWAYS.items()}
PAIRS = list(itertools.permutations(TRANSLATIONS, 2))


def test_the_demo_speaks_every_language_the_system_texts_speak():
    assert list(TRANSLATIONS) == list(DEFAULT_MESSAGES)
    keys = set(TRANSLATIONS["en"])
    for lang, texts in TRANSLATIONS.items():
        assert set(texts) == keys, lang
        assert all(text.strip() == text and text for text in texts.values()), lang


def test_english_and_french_is_the_shipped_demo():
    assert build_demo(BASE, TRANSLATIONS, ["en", "fr"]) == BASE


def test_base_is_not_modified():
    before = json.dumps(BASE)
    build_demo(BASE, TRANSLATIONS, ["ar", "en"])
    assert json.dumps(BASE) == before


def test_language_screen_offers_each_language_by_its_own_name():
    doc = build_demo(BASE, TRANSLATIONS, ["ar", "en", "bn"])
    assert doc["languages"] == ["ar", "en", "bn"] and doc["default_language"] == "ar"
    first = doc["nodes"][0]
    assert first["key"] == "language"
    assert first["text"] == {lang: "مرحبا / Welcome / স্বাগতম" for lang in ("ar", "en", "bn")}
    assert [o["value"] for o in first["options"]] == ["Arabic", "English", "Bengali"]
    assert [o["language"] for o in first["options"]] == ["ar", "en", "bn"]
    for option in first["options"]:
        name = native_name(option["language"])
        assert option["label"] == {"ar": name, "en": name, "bn": name}
        assert option["value"] == english_name(option["language"])


def test_values_and_keys_stay_canonical_in_every_language():
    for pair in PAIRS:
        doc = build_demo(BASE, TRANSLATIONS, pair)
        for node, base_node in zip(doc["nodes"][1:], BASE["nodes"][1:], strict=True):
            assert node.get("key") == base_node.get("key")
            assert [o["value"] for o in node.get("options", [])] == [
                o["value"] for o in base_node.get("options", [])
            ]
            assert set(node["text"]) == set(pair)


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
def test_every_pair_lints_clean_on_one_screen_everywhere(pair):
    doc = parse_menu(build_demo(BASE, TRANSLATIONS, pair))
    problems = lint(doc, BUDGETS)
    assert not has_errors(problems), [str(p) for p in problems]
    assert not [str(p) for p in problems if "pages" in str(p)]
    compiled = CompiledMenu(doc)
    for node in doc.nodes.values():
        for lang in doc.languages:
            for budget in (DEFAULT_BUDGET, GATEWAYS["nalo"].budget):
                assert len(compiled.pages(node, lang, budget)) == 1, (node.id, lang)


def test_all_seven_languages_lint_without_errors():
    doc = parse_menu(build_demo(BASE, TRANSLATIONS, list(TRANSLATIONS)))
    assert not has_errors(lint(doc, BUDGETS))


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ([], "at least one"),
        (["en", "xx"], "no demo texts for xx"),
        (["wo"], "no demo texts for wo"),
        (["ar", "en", "ar"], "ar given more than once"),
    ],
)
def test_refused_languages(languages, message):
    with pytest.raises(DemoLanguageError, match=message):
        build_demo(BASE, TRANSLATIONS, languages)
