"""The engine as data tables: (menu, inputs) -> screens, answers, events. No Flask, no DB."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from typing import Any

import pytest

from ussd.menu import engine
from ussd.menu.document import parse_menu
from ussd.menu.engine import CompiledMenu, Context, Result, State
from ussd.menu.gsm import Budget

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))
CTX = Context(
    gateway="africastalking",
    phone="+221771234567",
    network="60801",
    service_code="123*456",
    default_region="SN",
    today=date(2026, 11, 24),
)


def demo() -> CompiledMenu:
    return CompiledMenu(parse_menu(DEMO))


def run(menu: CompiledMenu, inputs: list[str], ctx: Context = CTX) -> list[Result]:
    results = [engine.start(menu, ctx)]
    for entry in inputs:
        results.append(engine.step(menu, results[-1].state, entry, ctx))
    return results


def menu_of(nodes: list[Any], **top: Any) -> CompiledMenu:
    doc = {
        "format": 1,
        "name": "T",
        "languages": ["en", "fr"],
        "start": nodes[0]["id"],
        "nodes": nodes,
    }
    doc.update(top)
    return CompiledMenu(parse_menu(doc))


# -- the demo menu --------------------------------------------------------------------------

DEMO_WALKS = [
    # inputs, last screen, ended, answers (key, value, label)
    (
        ["1", "1", "1", "1"],
        "Thank you. Your request has been received.",
        True,
        [
            ("language", "English", "English"),
            ("location", "Dakar", "Dakar"),
            ("support_type", "Shelter", "Shelter"),
            ("callback", "Yes", "Yes"),
        ],
    ),
    (
        ["2", "3", "3", "2"],
        "Merci. Votre demande a bien été reçue.",
        True,
        [
            ("language", "French", "Français"),
            ("location", "Thies", "Thiès"),
            ("support_type", "Food and clothing", "Nourriture et vêtements"),
            ("callback", "No", "Non"),
        ],
    ),
    (
        ["2", "2", "2", "1"],
        "Merci. Votre demande a bien été reçue.",
        True,
        [
            ("language", "French", "Français"),
            ("location", "Touba", "Touba"),
            ("support_type", "Legal", "Juridique"),
            ("callback", "Yes", "Oui"),
        ],
    ),
]


@pytest.mark.parametrize(("inputs", "last", "ended", "answers"), DEMO_WALKS)
def test_demo_walks_to_handoff(inputs, last, ended, answers):
    results = run(demo(), inputs)
    final = results[-1]
    assert final.screen.text == last
    assert final.screen.end is ended
    assert final.event == "handoff"
    assert [(a.key, a.value, a.label) for a in final.state.answers] == answers
    assert all(not r.screen.end for r in results[:-1])


SCREENS = [
    ([], "Welcome / Bienvenue\n1. English\n2. Français"),
    (["1"], "Where are you?\n1. Dakar\n2. Touba\n3. Thiès"),
    (["2"], "Où vous trouvez-vous ?\n1. Dakar\n2. Touba\n3. Thiès"),
    (["2", "1"], "Quel soutien vous faut-il ?\n1. Abri\n2. Juridique\n3. Nourriture et vêtements"),
    (["1", "1"], "What support do you need?\n1. Shelter\n2. Legal\n3. Food and clothing"),
    (["1", "1", "1"], "Do you want an agent to call you back?\n1. Yes\n2. No"),
    (["2", "1", "1"], "Voulez-vous qu'un agent vous rappelle ?\n1. Oui\n2. Non"),
]


@pytest.mark.parametrize(("inputs", "screen"), SCREENS)
def test_demo_screens(inputs, screen):
    assert run(demo(), inputs)[-1].screen.text == screen


NAVIGATION = [
    # inputs, node after, answer keys after, note
    (["1", "0"], "language", [], "back from location to language"),
    (["1", "2", "0"], "location", ["language"], "back drops the answer given there"),
    (["1", "2", "0", "3"], "support_type", ["language", "location"], "answer again after back"),
    (["1", "2", "00"], "language", [], "home clears answers"),
    (["0"], "language", [], "back on the first screen stays"),
    (["1", "2", "0", "0"], "language", [], "back twice"),
    (["1", "9"], "location", ["language"], "option out of range"),
    (["1", "abc"], "location", ["language"], "not a number"),
    (["1", ""], "location", ["language"], "empty input"),
    (["1", "01"], "support_type", ["language", "location"], "leading zero still option 1"),
    (["1", " 2 "], "support_type", ["language", "location"], "spaces around"),
    (["1", "1" * 600], "location", ["language"], "an absurdly long input"),
]


@pytest.mark.parametrize(("inputs", "node", "keys", "note"), NAVIGATION)
def test_navigation(inputs, node, keys, note):
    final = run(demo(), inputs)[-1]
    assert final.state.node == node, note
    assert [a.key for a in final.state.answers] == keys, note


def test_invalid_choice_repeats_screen_with_notice_in_language():
    fr = run(demo(), ["2", "7"])[-1]
    assert fr.screen.text.startswith("Choix invalide.\nOù vous trouvez-vous ?")
    en = run(demo(), ["1", "7"])[-1]
    assert en.screen.text.startswith("Invalid choice.\nWhere are you?")
    assert not en.screen.end


def test_back_restores_language_chosen_before():
    results = run(demo(), ["2", "0"])
    assert results[-1].state.lang == "en"
    assert results[-1].state.node == "language"


def test_finished_session_says_ended():
    menu = demo()
    final = run(menu, ["1", "1", "1", "1"])[-1]
    again = engine.step(menu, final.state, "1", CTX)
    assert again.screen.end and "ended" in again.screen.text
    assert again.state == final.state


# -- pagination -------------------------------------------------------------------------------

NAV = {"more": "98. More", "back": "0. Back"}
LONG_OPTIONS = [
    {
        "label": {"en": f"Location number {i} in the region", "fr": f"Lieu {i}"},
        "value": f"L{i}",
        "next": "done",
    }
    for i in range(1, 13)
]
PAGED = [
    {
        "id": "where",
        "kind": "menu",
        "key": "location",
        "text": {"en": "Where?", "fr": "Où ?"},
        "options": LONG_OPTIONS,
    },
    {"id": "done", "kind": "end", "text": {"en": "Bye", "fr": "Au revoir"}},
]


@pytest.mark.parametrize("budget", [Budget(), Budget(cap=120), Budget(cap=60), Budget(gsm7=100)])
def test_pages_fit_budget_and_keep_every_option(budget):
    menu = menu_of(PAGED)
    ctx = Context(budget=budget)
    state = engine.start(menu, ctx).state
    pages = menu.pages(menu.node("where"), "en", budget)
    assert len(pages) > 1
    for page in pages:
        assert budget.fits(page), page
    shown = "\n".join(pages)
    for i in range(1, 13):
        assert f"{i}. Location number {i} in the region" in shown
    # walking with 98 shows each page in turn, 0 goes back a page
    seen = [engine.render(menu, state, ctx).text]
    for _ in range(len(pages) - 1):
        state = engine.step(menu, state, "98", ctx).state
        seen.append(engine.render(menu, state, ctx).text)
    assert seen == list(pages)
    assert engine.step(menu, state, "0", ctx).screen.text == pages[-2]
    assert pages[0].endswith("98. More") and pages[-1].endswith("0. Back")


def test_option_on_a_later_page_can_be_chosen():
    menu = menu_of(PAGED)
    ctx = Context(budget=Budget(cap=60))
    state = engine.step(menu, engine.start(menu, ctx).state, "98", ctx).state
    result = engine.step(menu, state, "12", ctx)
    assert result.state.answers[0].value == "L12"
    assert result.screen.text == "Bye" and result.screen.end


def test_french_paging_labels_translated():
    menu = menu_of(PAGED)
    ctx = Context(budget=Budget(cap=40))
    state = State(node="where", lang="fr")
    pages = menu.pages(menu.node("where"), "fr", ctx.budget)
    assert pages[0].endswith("98. Suite")
    assert pages[1].endswith("0. Retour")
    assert engine.render(menu, state, ctx).text == pages[0]


SHORT_OPTIONS = [f"{i}. Option {i}" for i in range(1, 6)]
LONG_LABELS = [
    # the sixth option's label, the budget -> what the page that starts it shows first
    ("x" * 300, Budget(), "6. xxxx"),  # one word longer than a page
    ("y" * 200 + " and then a few words", Budget(cap=60), "6. yyyy"),
    ("Abcdefghij " * 27, Budget(), "6. Abcdefghij Abcdefghij"),  # words: split between words
    ("ç" * 150, Budget(), "6. çççç"),  # UCS-2: 80 characters a page
    ("z" * 300, Budget(cap=30), "6. zzzz"),
]


@pytest.mark.parametrize(("label", "budget", "starts"), LONG_LABELS)
def test_a_long_option_keeps_its_number_with_its_label(label, budget, starts):
    pages = engine.paginate("Choose", [*SHORT_OPTIONS, f"6. {label}"], budget, **NAV)
    lines = [line for page in pages for line in page.split("\n")]
    assert not [line for line in lines if re.fullmatch(r"\d+\.", line)]  # never "6." alone
    assert all(budget.fits(page) for page in pages)
    [first] = [page for page in pages if page.startswith("6.")]
    assert first.startswith(starts)
    shown = "".join(
        page.split("\n98. More")[0].split("\n0. Back")[0] for page in pages[pages.index(first) :]
    )
    assert shown.replace(" ", "") == f"6.{label}".replace(" ", "")  # nothing lost


def test_ucs2_character_halves_the_budget():
    text = "é" * 10 + "ê" + "a" * 70  # 81 characters, one forcing UCS-2
    menu = menu_of([{"id": "m", "kind": "end", "text": {"en": text, "fr": text}}])
    pages = menu.pages(menu.node("m"), "en", Budget())
    assert len(pages) == 2  # would have fitted in GSM-7's 182
    assert "".join(p.replace("\n98. More", "") for p in pages).replace(" ", "") == text


def test_long_final_screen_is_paged_never_cut():
    words = " ".join(f"word{i}" for i in range(80))
    menu = menu_of(
        [
            {
                "id": "q",
                "kind": "menu",
                "key": "k",
                "text": {"en": "Q"},
                "options": [{"label": {"en": "A"}, "value": "a", "next": "bye"}],
            },
            {"id": "bye", "kind": "end", "text": {"en": words}},
        ]
    )
    ctx = Context(budget=Budget(cap=120))
    result = engine.step(menu, engine.start(menu, ctx).state, "1", ctx)
    assert result.event == "end" and not result.screen.end
    shown = [result.screen.text]
    state = result.state
    while not result.screen.end:
        result = engine.step(menu, state, "98", ctx)
        state = result.state
        shown.append(result.screen.text)
    joined = " ".join(s.replace("\n98. More", "") for s in shown)
    assert joined.split() == words.split()
    assert all(len(s) <= 120 for s in shown)


# -- input nodes ------------------------------------------------------------------------------


def input_menu(validation: dict[str, Any], attempts: int = 3, **extra: Any) -> CompiledMenu:
    return menu_of(
        [
            {
                "id": "ask",
                "kind": "input",
                "key": "answer",
                "text": {"en": "Type it", "fr": "Tapez"},
                "validation": validation,
                "attempts": attempts,
                "next": "bye",
                **extra,
            },
            {"id": "bye", "kind": "handoff", "text": {"en": "Thanks", "fr": "Merci"}},
        ]
    )


INPUTS = [
    # validation, typed, accepted value or error text
    ({"type": "text"}, "Fatou Diop", "Fatou Diop"),
    ({"type": "text"}, "  a  *  b ", "a * b"),
    ({"type": "text", "max_length": 5}, "abcdef", "Please enter at most 5 characters."),
    ({"type": "text", "min_length": 3}, "ab", "Please enter at least 3 characters."),
    ({"type": "text"}, "x" * 161, "Please enter at most 160 characters."),
    ({"type": "number"}, "42", "42"),
    ({"type": "number"}, "4 2", "42"),
    ({"type": "number"}, "abc", "Please enter a number."),
    ({"type": "number"}, "4.5", "Please enter a whole number."),
    ({"type": "number", "integer": False}, "4,5", "4.5"),
    ({"type": "number", "min": 1, "max": 10}, "-3", "Please enter a number of at least 1."),
    ({"type": "number", "min": 1, "max": 10}, "11", "Please enter a number of at most 10."),
    ({"type": "phone"}, "77 123 45 67", "+221771234567"),
    ({"type": "phone", "region": "GH"}, "0244123456", "+233244123456"),
    ({"type": "phone"}, "+254739495441", "+254739495441"),
    ({"type": "phone"}, "123", "Please enter a valid phone number."),
    ({"type": "date"}, "24/11/2026", "2026-11-24"),
    ({"type": "date"}, "24112026", "2026-11-24"),
    ({"type": "date"}, "1-2-90", "1990-02-01"),
    ({"type": "date"}, "31/02/2026", "Please enter a date as DD/MM/YYYY."),
    ({"type": "date", "date_format": "YYYY-MM-DD"}, "2026-11-24", "2026-11-24"),
    ({"type": "date", "not_future": True}, "25/11/2026", "That date is in the future."),
    ({"type": "number"}, "12345678901234567", "12345678901234567"),
    ({"type": "number", "integer": False}, "0.00001", "0.00001"),
    ({"type": "number", "integer": False}, "1.50", "1.5"),
    ({"type": "number"}, "007", "7"),
    ({"type": "number"}, "٣", "Please enter a number."),
    (
        {"type": "number", "min": 0.5, "integer": False},
        "0.2",
        "Please enter a number of at least 0.5.",
    ),
    ({"type": "date"}, "²/01/2020", "Please enter a date as DD/MM/YYYY."),
    ({"type": "pattern", "pattern": "[A-Z]{2}[0-9]{4}"}, "AB1234", "AB1234"),
    ({"type": "pattern", "pattern": "[A-Z]{2}[0-9]{4}"}, "ab1234", "That answer is not valid."),
    ({"type": "pattern", "pattern": "(a+)+$"}, "a" * 150 + "b", "That answer is not valid."),
    ({"type": "pattern", "pattern": r"\d{3}"}, "٣٣٣", "That answer is not valid."),
]


@pytest.mark.parametrize(("validation", "typed", "expected"), INPUTS)
def test_input_validation(validation, typed, expected):
    menu = input_menu(validation)
    result = run(menu, [typed])[-1]
    if result.event == "handoff":
        assert result.state.answers[-1].value == expected
    else:
        assert result.screen.text == f"{expected}\nType it"
        assert result.state.node == "ask" and result.state.attempts == 1


def test_input_error_in_french_and_custom_error():
    menu = input_menu({"type": "number"})
    state = State(node="ask", lang="fr")
    assert engine.step(menu, state, "x", CTX).screen.text == "Veuillez saisir un nombre.\nTapez"
    custom = input_menu({"type": "number"}, error={"en": "Digits only", "fr": "Chiffres"})
    assert engine.step(custom, state, "x", CTX).screen.text == "Chiffres\nTapez"


def test_free_text_keeps_star_and_label():
    result = run(input_menu({"type": "text"}), ["Rue 10 * Medina"])[-1]
    assert result.state.answers[-1].value == "Rue 10 * Medina"
    assert result.state.answers[-1].label == "Rue 10 * Medina"


def test_attempt_limit_ends_or_goes_to_on_fail():
    menu = input_menu({"type": "number"}, attempts=2)
    results = run(menu, ["a", "b"])
    assert results[1].state.attempts == 1 and not results[1].screen.end
    assert results[2].screen.end and results[2].event == "failed"
    assert "Too many invalid answers" in results[2].screen.text
    routed = menu_of(
        [
            {
                "id": "ask",
                "kind": "input",
                "key": "n",
                "text": {"en": "N?"},
                "validation": {"type": "number"},
                "attempts": 1,
                "next": "bye",
                "on_fail": "help",
            },
            {"id": "help", "kind": "end", "text": {"en": "Call 123 for help"}},
            {"id": "bye", "kind": "end", "text": {"en": "Bye"}},
        ]
    )
    assert run(routed, ["x"])[-1].screen.text == "Call 123 for help"


# -- branches and messages --------------------------------------------------------------------

BRANCHY = [
    {
        "id": "where",
        "kind": "menu",
        "key": "location",
        "text": {"en": "Where?"},
        "options": [
            {"label": {"en": "Dakar"}, "value": "Dakar"},
            {"label": {"en": "Touba"}, "value": "Touba"},
        ],
        "next": "route",
    },
    {
        "id": "route",
        "kind": "branch",
        "rules": [
            {"when": {"on": "answer.location", "op": "equals", "value": "dakar"}, "next": "dakar"},
            {
                "when": [
                    {"on": "network", "op": "in", "value": ["60801", "60802"]},
                    {"on": "phone", "op": "starts_with", "value": "+22177"},
                ],
                "next": "orange",
            },
        ],
        "default": "other",
    },
    {"id": "dakar", "kind": "end", "text": {"en": "Dakar office"}},
    {"id": "orange", "kind": "message", "text": {"en": "Orange line"}, "next": "other"},
    {"id": "other", "kind": "end", "text": {"en": "Other office"}},
]


@pytest.mark.parametrize(
    ("inputs", "ctx", "screen"),
    [
        (["1"], CTX, "Dakar office"),
        (["2"], CTX, "Orange line\n1. Continue"),
        (["2", "5"], CTX, "Other office"),
        (["2"], Context(network="99999", phone="+221771234567"), "Other office"),
        (["2"], Context(network="60801", phone="+233244123456"), "Other office"),
    ],
)
def test_branch_rules(inputs, ctx, screen):
    assert run(menu_of(BRANCHY, languages=["en"]), inputs, ctx)[-1].screen.text == screen


def test_back_skips_branch_nodes():
    results = run(menu_of(BRANCHY, languages=["en"]), ["2", "0"])
    assert results[-1].state.node == "where"


def test_branch_loop_is_an_engine_error():
    menu = menu_of(
        [
            {"id": "a", "kind": "branch", "rules": [], "default": "b"},
            {"id": "b", "kind": "branch", "rules": [], "default": "a"},
        ],
        languages=["en"],
    )
    with pytest.raises(engine.EngineError):
        engine.start(menu, CTX)


# -- resume -----------------------------------------------------------------------------------


def test_resume_continue_restores_answers_and_position():
    menu = demo()
    earlier = run(menu, ["2", "1"])[-1].state
    offer = engine.offer_resume(menu, earlier, CTX)
    assert offer.screen.text == "Vous avez une demande non terminée.\n1. Continuer\n2. Recommencer"
    resumed = engine.step(menu, offer.state, "1", CTX)
    assert resumed.event == "resumed"
    assert resumed.state.node == "support_type"
    assert [a.value for a in resumed.state.answers] == ["French", "Dakar"]
    assert resumed.screen.text.startswith("Quel soutien")


@pytest.mark.parametrize(
    ("entry", "event", "text_start"),
    [
        ("2", "restart", ""),
        ("00", "restart", ""),
        ("5", None, "Choix invalide."),
    ],
)
def test_resume_other_choices(entry, event, text_start):
    menu = demo()
    offer = engine.offer_resume(menu, run(menu, ["2", "1"])[-1].state, CTX)
    result = engine.step(menu, offer.state, entry, CTX)
    assert result.event == event
    assert result.screen.text.startswith(text_start)


# -- state storage ----------------------------------------------------------------------------


def test_state_round_trips_through_json():
    menu = demo()
    for result in run(menu, ["2", "98", "1", "0", "2", "1"]):
        assert State.from_json(result.state.to_json()) == result.state
    offer = engine.offer_resume(menu, run(menu, ["1"])[-1].state, CTX)
    assert State.from_json(offer.state.to_json()) == offer.state


def test_screens_are_cached_per_budget():
    menu = demo()
    node = menu.node("location")
    first = menu.pages(node, "en", Budget())
    assert menu.pages(node, "en", Budget()) is first
    assert menu.pages(node, "en", Budget(cap=20)) is not first


# -- closing screens --------------------------------------------------------------------------

FIT_FINAL = [
    # text, budget, shown
    ("Bye.", Budget(cap=40), "Bye."),
    (
        "This session has ended. Please dial again now.",
        Budget(cap=40),
        "This session has ended. Please dial...",
    ),
    ("x" * 60, Budget(cap=40), "x" * 37 + "..."),
    (
        "Votre demande a été reçue, merci beaucoup",
        Budget(gsm7=182, ucs2=30),
        "Votre demande a été reçue,...",
    ),
]


@pytest.mark.parametrize(("text", "budget", "shown"), FIT_FINAL)
def test_a_closing_screen_is_shortened_to_fit(text, budget, shown):
    assert engine.fit_final(text, budget) == shown
    assert budget.fits(shown)


def test_back_after_a_question_asked_again_restores_the_first_answer():
    loop = menu_of(
        [
            {
                "id": "item",
                "kind": "menu",
                "key": "item",
                "text": {"en": "Item?"},
                "options": [
                    {"label": {"en": "Rice"}, "value": "rice"},
                    {"label": {"en": "Oil"}, "value": "oil"},
                ],
                "next": "more",
            },
            {
                "id": "more",
                "kind": "menu",
                "key": "again",
                "text": {"en": "Another?"},
                "options": [
                    {"label": {"en": "Yes"}, "value": "yes", "next": "item"},
                    {"label": {"en": "No"}, "value": "no", "next": "bye"},
                ],
            },
            {"id": "bye", "kind": "handoff", "text": {"en": "Thanks"}},
        ]
    )
    results = run(loop, ["1", "1", "2", "0", "0", "0"])
    values = [[a.value for a in r.state.answers] for r in results]
    assert values == [
        [],
        ["rice"],
        ["rice", "yes"],
        ["yes", "oil"],
        ["rice", "yes"],
        ["rice"],
        [],
    ]
    assert State.from_json(results[3].state.to_json()) == results[3].state
