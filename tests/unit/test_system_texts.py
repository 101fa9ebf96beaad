"""System texts (navigation, notices, closing screens) in the seven built-in languages: every
text exists, keeps English's placeholders, fits its share of a screen with the longest values,
keeps digits ASCII; a language without a text falls back per text; the lint names what is
missing. Data tables, no Flask."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from ussd.menu import engine
from ussd.menu.document import parse_menu
from ussd.menu.engine import CompiledMenu, Context, State
from ussd.menu.gsm import Budget, is_gsm7
from ussd.menu.lint import CLOSING, SHARED, lint, system_screens
from ussd.menu.texts import (
    DATE_FORMAT_HINTS,
    DEFAULT_MESSAGES,
    MESSAGE_NAMES,
    missing_messages,
    system_message,
    used_placeholders,
)

LANGUAGES = ("en", "fr", "ar", "sw", "pt", "es", "bn")
LATIN = ("en", "fr", "sw", "pt", "es")  # languages GSM-7 can write
ALWAYS_UCS2 = ("ar", "bn")
BUDGETS = {"default": Budget(), "nalo": Budget(cap=120)}
CTX = Context(phone="+221771234567", today=date(2026, 11, 24))

EVERY_TEXT = [(lang, name) for lang in LANGUAGES for name in MESSAGE_NAMES]
EVERY_SCREEN = [
    (lang, gateway, shown)
    for lang in LANGUAGES
    for gateway in BUDGETS
    for shown in system_screens(DEFAULT_MESSAGES[lang].__getitem__, lang)
]


def test_the_seven_languages_are_built_in_and_no_other():
    assert set(DEFAULT_MESSAGES) == set(LANGUAGES)
    assert set(DATE_FORMAT_HINTS) == set(LANGUAGES)


@pytest.mark.parametrize(("lang", "name"), EVERY_TEXT)
def test_every_text_exists_with_the_english_placeholders(lang, name):
    text = DEFAULT_MESSAGES[lang][name]
    assert text.strip() == text and text
    assert used_placeholders(text) == used_placeholders(DEFAULT_MESSAGES["en"][name])
    assert unicodedata.normalize("NFC", text) == text


@pytest.mark.parametrize(("lang", "name"), EVERY_TEXT)
def test_digits_stay_ascii(lang, name):
    """Callers type 0 and 98 on a keypad: no "٩٨" or "৯৮" in any text."""
    text = DEFAULT_MESSAGES[lang][name]
    assert not [ch for ch in text if unicodedata.category(ch) == "Nd" and not ch.isascii()]


@pytest.mark.parametrize(("lang", "gateway", "shown"), EVERY_SCREEN)
def test_every_text_fits_its_share_of_a_screen(lang, gateway, shown):
    """Closing screens a whole screen, notices half (the question stays visible), the
    navigation lines and "1. Continue" a quarter; with the longest placeholder values."""
    measure = shown.measure(BUDGETS[gateway])
    assert measure.fits, f"{lang} {shown.names}: {measure} {shown.text!r}"
    if lang in ALWAYS_UCS2:
        assert measure.encoding == "UCS-2"


@pytest.mark.parametrize(("lang", "name"), [(lang, n) for lang in LANGUAGES for n in CLOSING])
def test_closing_texts_fit_sixty_characters(lang, name):
    """A closing screen cannot page, so a smaller screen would cut it with "...": the
    built-in ones fit the smallest screens the tests use (60 characters)."""
    assert Budget(cap=60).fits(DEFAULT_MESSAGES[lang][name])


@pytest.mark.parametrize(("lang", "name"), [(lang, n) for lang in LATIN for n in SHARED])
def test_texts_beside_a_coordinators_text_stay_gsm7(lang, name):
    """One ç or á in "98. More" or a notice would cut the coordinator's screen to 80."""
    assert is_gsm7(DEFAULT_MESSAGES[lang][name]), DEFAULT_MESSAGES[lang][name]


PAGED = {
    "id": "where",
    "kind": "menu",
    "key": "where",
    "text": {lang: "?" for lang in LANGUAGES},
    "options": [
        {"label": {lang: f"Option {i}" for lang in LANGUAGES}, "value": str(i), "next": "bye"}
        for i in range(1, 13)
    ],
}
BYE = {"id": "bye", "kind": "end", "text": {lang: "." for lang in LANGUAGES}}


def doc(languages=LANGUAGES, default="en", messages=None, nodes=(PAGED, BYE)):
    data = {
        "format": 1,
        "name": "T",
        "languages": list(languages),
        "default_language": default,
        "start": nodes[0]["id"],
        "nodes": [
            {
                **n,
                "text": {lang: n["text"]["en"] for lang in languages},
                **(
                    {
                        "options": [
                            {**o, "label": {lang: o["label"]["en"] for lang in languages}}
                            for o in n["options"]
                        ]
                    }
                    if "options" in n
                    else {}
                ),
            }
            for n in nodes
        ],
    }
    if messages:
        data["messages"] = messages
    return parse_menu(data)


NAVIGATION = [
    # language, the last line of page 1, the last line of page 2
    ("en", "98. More", "0. Back"),
    ("fr", "98. Suite", "0. Retour"),
    ("ar", "98. المزيد", "0. رجوع"),
    ("sw", "98. Zaidi", "0. Rudi"),
    ("pt", "98. Mais", "0. Voltar"),
    ("es", "98. Siguiente", "0. Volver"),
    ("bn", "98. আরও", "0. পিছনে"),
]


@pytest.mark.parametrize(("lang", "more", "back"), NAVIGATION)
def test_pages_carry_translated_navigation_with_ascii_keys(lang, more, back):
    menu = CompiledMenu(doc())
    pages = menu.pages(menu.node("where"), lang, Budget(cap=40))
    assert len(pages) > 2
    assert pages[0].endswith(more)
    assert pages[1].endswith(f"{more}\n{back}")
    ctx = Context(phone=CTX.phone, today=CTX.today, budget=Budget(cap=40))
    moved = engine.step(menu, State(node="where", lang=lang), "98", ctx)
    assert moved.screen.text == pages[1]
    assert engine.step(menu, moved.state, "0", ctx).screen.text == pages[0]


FALLBACK = [
    # menu languages, default, menu's messages, language asked, message -> text
    (("en", "wo"), "en", {}, "wo", "more", "More"),
    (("fr", "wo"), "fr", {}, "wo", "more", "Suite"),  # the default language, not English
    (("fr", "wo"), "fr", {"wo": {"more": "Ci kanam"}}, "wo", "more", "Ci kanam"),
    (("fr", "wo"), "fr", {"wo": {"more": "Ci kanam"}}, "wo", "back", "Retour"),  # per text
    (("fr", "wo"), "fr", {"fr": {"back": "Arrière"}}, "wo", "back", "Arrière"),
    (("fr", "wo"), "fr", {"wo": {"back": "  "}}, "wo", "back", "Retour"),  # blank: none
    (("ar", "wo"), "ar", {}, "wo", "invalid_option", "خيار غير صحيح."),
    (("wo", "ha"), "wo", {}, "ha", "ended", DEFAULT_MESSAGES["en"]["ended"]),  # then English
    (("wo", "ha"), "wo", {"en": {"ended": "Bye."}}, "ha", "ended", "Bye."),
    (("ar", "en"), "ar", {"ar": {"more": "التالي"}}, "ar", "more", "التالي"),
    (("ar", "bn"), "ar", {}, "bn", "more", "আরও"),  # a built-in language keeps its own
]


@pytest.mark.parametrize(("languages", "default", "messages", "lang", "name", "text"), FALLBACK)
def test_a_missing_text_falls_back_per_text(languages, default, messages, lang, name, text):
    menu = CompiledMenu(doc(languages, default, messages))
    assert menu.message(lang, name) == text
    assert system_message(messages, lang, name, default) == text


@pytest.mark.parametrize("lang", ["wo", "ha", "xx", "ar", "bn"])
def test_every_message_has_a_text_in_any_language(lang):
    menu = CompiledMenu(doc(("en", "wo", "ha", "xx", "ar", "bn"), "wo"))
    for name in MESSAGE_NAMES:
        assert menu.message(lang, name).strip()


def test_a_wolof_screen_pages_with_the_default_languages_words():
    menu = CompiledMenu(doc(("fr", "wo"), "fr", {"wo": {"more": "Ci kanam"}}))
    pages = menu.pages(menu.node("where"), "wo", Budget(cap=40))
    assert pages[0].endswith("98. Ci kanam")
    assert pages[1].endswith("98. Ci kanam\n0. Retour")


def missing_warnings(document):
    return {
        p.language: p.message
        for p in lint(document, BUDGETS)
        if p.severity == "warning" and "system messages have no" in p.message
    }


ALL = ", ".join(MESSAGE_NAMES)
ALL_BUT_MORE = ", ".join(n for n in MESSAGE_NAMES if n != "more")
LINT = [
    # menu languages, default, messages -> {language: the names the warning lists}
    (LANGUAGES, "en", {}, {}),
    (("ar", "bn"), "ar", {}, {}),
    (("en", "wo"), "en", {}, {"wo": ALL}),
    (("fr", "wo", "ha"), "fr", {"wo": {"more": "Ci kanam"}}, {"wo": ALL_BUT_MORE, "ha": ALL}),
    (("en", "wo"), "en", {"wo": {"more": " "}}, {"wo": ALL}),
    (("en", "wo"), "en", {"wo": dict.fromkeys(MESSAGE_NAMES, "x")}, {}),
]


@pytest.mark.parametrize(("languages", "default", "messages", "expected"), LINT)
def test_lint_names_the_missing_texts_per_language(languages, default, messages, expected):
    warnings = missing_warnings(doc(languages, default, messages))
    assert set(warnings) == set(expected)
    for lang, names in expected.items():
        assert f"system messages have no {lang} translation ({names});" in warnings[lang]
        assert list(missing_messages(messages, lang)) == names.split(", ")
