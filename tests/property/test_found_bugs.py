"""Bugs found by the property tests and the fuzzers, each pinned by the input that found it.

All are fixed; each docstring says what used to happen. A new bug that cannot be fixed at
once goes here as a strict xfail (an XPASS then fails the run, so the marker is removed
with the fix), and into fuzz/_harness.KNOWN_BUGS so that fuzzing keeps exploring.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from importlib import resources
from operator import setitem
from typing import Any

import pytest
from flask import Flask, request

from ussd.gateways import GATEWAYS, BadRequest
from ussd.menu import engine
from ussd.menu.document import MenuFormatError, Node, Validation, parse_menu
from ussd.menu.engine import CompiledMenu, Context, EngineError, State
from ussd.menu.gsm import Budget
from ussd.menu.lint import has_errors, lint
from ussd.menu.validators import Refusal, validate

DEMO = json.loads(resources.files("ussd.menu").joinpath("demo_menu.json").read_text("utf-8"))
CTX = Context(phone="+221771234567", network="60801", default_region="SN", today=date(2026, 11, 24))
bare = Flask(__name__)


def menu_of(nodes: list[dict[str, Any]], **top: Any) -> CompiledMenu:
    doc = {"name": "T", "languages": ["en", "fr"], "start": nodes[0]["id"], "nodes": nodes}
    doc.update(top)
    return CompiledMenu(parse_menu(doc))


# -- engine and validators ----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["²", "1²", "①"])
def test_menu_choice_with_a_superscript_digit_is_an_invalid_choice(typed):
    """Fixed. Was: engine.step reads a menu choice with int(entry) after entry.isdigit(); '²'
    (and '①', '𝟙', ...) pass isdigit() but int() raises ValueError, so the webhook answers
    an apology and ends the session instead of 'Invalid choice.'"""
    menu = CompiledMenu(parse_menu(DEMO))
    state = engine.start(menu, CTX).state
    result = engine.step(menu, state, typed, CTX)
    assert result.state.node == "language" and result.state.answers == ()
    assert result.screen.text.startswith("Invalid choice.")


@pytest.mark.parametrize("typed", ["²/01/2020", "²²²²²²²²", "01/01/²⁰²⁰"])
def test_date_answer_with_a_superscript_digit_is_refused(typed):
    """Fixed. Was: validators._date checks parts with str.isdigit() then int(); '²/01/2020'
    raises ValueError instead of the err_date refusal"""
    assert validate(typed, Validation(type="date"), today=date(2026, 11, 24)) == Refusal(
        "err_date", (("format", "DD/MM/YYYY"),)
    )


@pytest.mark.parametrize(
    ("typed", "validation", "expected"),
    [
        ("12345678901234567", Validation(type="number"), "12345678901234567"),
        ("99999999999999999999", Validation(type="number"), "99999999999999999999"),
        ("0.00001", Validation(type="number", integer=False), "0.00001"),
        ("9" * 400, Validation(type="number", max_length=500), "9" * 400),
        ("9" * 400, Validation(type="number", max_length=500, integer=False), "9" * 400),
    ],
    ids=["17-digits", "20-digits", "tiny-decimal", "400-digits", "400-digits-decimal"],
)
def test_numbers_are_stored_as_typed(typed, validation, expected):
    """Fixed. Was: validators._number goes through float(): whole numbers of 16+ digits are
    stored rounded ('12345678901234567' -> '12345678901234568'), 309+ digits overflow
    (OverflowError with integer, 'inf' stored without), tiny decimals are stored in
    scientific notation ('0.00001' -> '1e-05')"""
    assert validate(typed, validation) == expected


@pytest.mark.parametrize("bound", [10**400, 10**16, float("inf"), float("nan")])
def test_a_huge_bound_is_refused_by_the_menu_format(bound):
    """Fixed. Was: a number validation with a huge bound (min: 10**400, accepted by parse_menu
    and the lint) makes every refusal raise OverflowError in validators._fmt"""
    with pytest.raises(MenuFormatError, match="between -10\\^15 and 10\\^15"):
        parse_menu(_one_input({"type": "number", "min": bound}))


def test_a_large_bound_is_shown_as_typed():
    doc = parse_menu(_one_input({"type": "number", "min": 10**15, "max": 10**15}))
    rule = doc.nodes["q"].validation
    assert rule is not None
    assert validate("5", rule) == Refusal("err_min", (("min", "1000000000000000"),))
    assert validate("1000000000000000", rule) == "1000000000000000"


def _one_input(validation: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "T",
        "languages": ["en"],
        "start": "q",
        "nodes": [
            {
                "id": "q",
                "kind": "input",
                "key": "q",
                "text": "N?",
                "validation": validation,
                "next": "q",
            }
        ],
    }


LOOP: list[
    dict[str, Any]
] = [  # "add another item?" loops back to the same question: lint-clean, no warning
    {
        "id": "item",
        "kind": "menu",
        "key": "item",
        "text": "Item?",
        "options": [{"label": "Rice", "value": "rice"}, {"label": "Oil", "value": "oil"}],
        "next": "more",
    },
    {
        "id": "more",
        "kind": "menu",
        "key": "again",
        "text": "Another?",
        "options": [
            {"label": "Yes", "value": "yes", "next": "item"},
            {"label": "No", "value": "no", "next": "bye"},
        ],
    },
    {"id": "bye", "kind": "handoff"},
]
SHARED_KEY: list[dict[str, Any]] = [  # two questions store the same key: a lint warning only
    {
        "id": "x",
        "kind": "menu",
        "key": "k",
        "text": "X?",
        "options": [{"label": "a", "value": "xa"}],
        "next": "y",
    },
    {
        "id": "y",
        "kind": "menu",
        "key": "k",
        "text": "Y?",
        "options": [{"label": "b", "value": "yb"}],
        "next": "z",
    },
    {
        "id": "z",
        "kind": "menu",
        "key": "z",
        "text": "Z?",
        "options": [{"label": "c", "value": "zc"}],
        "next": "e",
    },
    {"id": "e", "kind": "end", "text": "bye"},
]


@pytest.mark.parametrize(
    ("nodes", "inputs"), [(LOOP, ["1", "1", "2"]), (SHARED_KEY, ["1", "1"])], ids=["loop", "key"]
)
def test_back_after_answering_a_key_again_restores_the_earlier_answer(nodes, inputs):
    """Fixed. Was: '0' after answering a node whose key already had an answer keeps the NEW
    answer and loses the earlier one: _answered() drops the old answer before appending and
    Frame.answers only records a count, so back slices answers[:count] of the reshuffled
    tuple (loop: [item=rice, again=yes] -> answer item=oil -> 0 -> [again=yes, item=oil],
    expected [item=rice, again=yes])"""
    menu = menu_of(nodes, languages=["en"])
    assert not has_errors(lint(menu.document))
    state = engine.start(menu, CTX).state
    for entry in inputs[:-1]:
        state = engine.step(menu, state, entry, CTX).state
    before = state
    answered = engine.step(menu, before, inputs[-1], CTX).state
    back = engine.step(menu, answered, "0", CTX).state
    assert back.node == before.node
    assert back.answers == before.answers


BRANCH_CYCLE: list[dict[str, Any]] = [
    {
        "id": "a",
        "kind": "branch",
        "rules": [{"when": {"on": "language", "op": "equals", "value": "fr"}, "next": "b"}],
        "default": "e",
    },
    {
        "id": "b",
        "kind": "branch",
        "rules": [{"when": {"on": "language", "op": "equals", "value": "fr"}, "next": "a"}],
        "default": "e",
    },
    {"id": "e", "kind": "end", "text": {"en": "Bye", "fr": "Salut"}},
]


def test_a_cycle_of_branches_is_a_lint_error_or_works():
    """Fixed. Was: the lint only refuses a branch that leads to itself; a cycle of branches (a
    -> b -> a when language is fr) has an exit, so no error and no warning, yet start()
    raises EngineError('branch nodes form a loop') for every French caller"""
    menu = menu_of(BRANCH_CYCLE)
    if has_errors(lint(menu.document)):
        return
    engine.start(menu, CTX, lang="fr")  # must not raise on a menu the lint let through


@pytest.mark.parametrize("override", ["Type a number, e.g. {42}", "Digits {only}", "{"])
def test_an_error_message_with_braces_is_shown_or_linted(override):
    """Fixed. Was: err_* system messages are str.format()ted: a menu override with braces
    ({'en': {'err_number': 'Type a number, e.g. {42}'}}) passes the lint and makes every
    refusal raise IndexError/KeyError in engine._refusal_text"""
    menu = menu_of(
        [
            {
                "id": "q",
                "kind": "input",
                "key": "n",
                "text": "N?",
                "validation": {"type": "number"},
                "next": "e",
            },
            {"id": "e", "kind": "end", "text": "bye"},
        ],
        languages=["en"],
        messages={"en": {"err_number": override}},
    )
    if has_errors(lint(menu.document)):
        return
    result = engine.step(menu, engine.start(menu, CTX).state, "x", CTX)
    assert result.state.attempts == 1


def _seen_when_paging(menu: CompiledMenu, ctx: Context, state: State, first: str) -> list[str]:
    """Screens shown from `first` by typing 98 until the last page."""
    shown = [first]
    pages = menu.pages(menu.node(state.node), state.lang, ctx.budget, state.notice)
    for _ in range(len(pages) + 1):
        if state.page >= len(pages) - 1:
            break
        result = engine.step(menu, state, "98", ctx)
        state = result.state
        shown.append(result.screen.text)
    return shown


def test_paging_after_an_invalid_choice_shows_every_option():
    """Fixed. Was: after a refusal on a screen that needs several pages, page 1 is paginated
    with the notice ('Invalid choice.') and later pages without it, so '98' skips what the
    notice pushed off page 1: with 9 options on a 60-character screen, option 1 is never
    shown (noticed page 1 = header + '98. More', then '98' shows options 2-3)"""
    options = [{"label": f"Option number {i}", "value": f"v{i}", "next": "e"} for i in range(1, 10)]
    menu = menu_of(
        [
            {
                "id": "w",
                "kind": "menu",
                "key": "w",
                "text": "Choose one please",
                "options": options,
            },
            {"id": "e", "kind": "end", "text": "bye"},
        ],
        languages=["en"],
    )
    ctx = Context(budget=Budget(cap=60))
    refused = engine.step(menu, engine.start(menu, ctx).state, "55", ctx)
    assert refused.screen.text.startswith("Invalid choice.")
    shown = "\n".join(_seen_when_paging(menu, ctx, refused.state, refused.screen.text))
    for i in range(1, 10):
        assert f"{i}. Option number {i}" in shown


def test_paging_after_a_refused_answer_shows_the_whole_question():
    """Fixed. Was: same as above for a refused free-text answer: the question continues on page
    2 of the notice-less pagination, so words 14-16 of a long question are skipped"""
    question = " ".join(f"word{i}" for i in range(40))
    menu = menu_of(
        [
            {
                "id": "ask",
                "kind": "input",
                "key": "n",
                "text": question,
                "validation": {"type": "number", "min": 1},
                "next": "e",
            },
            {"id": "e", "kind": "end", "text": "bye"},
        ],
        languages=["en"],
    )
    ctx = Context(budget=Budget(cap=120))
    refused = engine.step(menu, engine.start(menu, ctx).state, "abc", ctx)
    shown = " ".join(_seen_when_paging(menu, ctx, refused.state, refused.screen.text)).split()
    assert [w for w in shown if w.startswith("word")] == question.split()


@pytest.mark.parametrize("text", [" " + "a" * 300, "  https://example.org/" + "x" * 200])
def test_no_page_shows_only_navigation(text):
    """Fixed. Was: engine._split_to_fit splits at spaces and a text starting with a space
    yields an empty first word: when the next word is longer than a page, page 1 is '\n98.
    More' (nothing but navigation), e.g. ' ' + 'a' * 300 on a 120-character screen"""
    menu = menu_of([{"id": "e", "kind": "end", "text": text}], languages=["en"])
    pages = menu.pages(menu.node("e"), "en", Budget(cap=120))
    assert len(pages) > 1
    for page in pages[:-1]:
        assert page.split("\n98. More")[0].strip(), pages


def test_resume_offer_shows_both_choices_on_a_small_screen():
    """Fixed. Was: the resume offer shows only the first page of its screen and ignores 98: on
    a 60-character screen (USSD_SCREEN_CAPS allows 40-182) in French, '2. Recommencer' is on
    page 2, '98. Suite' answers 'Choix invalide.', so 'start over' is never shown"""
    menu = CompiledMenu(parse_menu(DEMO))
    ctx = Context(budget=Budget(cap=60))
    earlier = engine.step(menu, engine.start(menu, ctx).state, "2", ctx).state
    offer = engine.offer_resume(menu, earlier, ctx)
    more = engine.step(menu, offer.state, "98", ctx)
    shown = offer.screen.text + "\n" + more.screen.text
    assert "1. Continuer" in shown and "2. Recommencer" in shown


def test_a_published_menu_document_cannot_be_mutated():
    """Fixed. Was: menu.py promises 'immutable objects' and a CompiledMenu is shared by every
    session of a process (MenuCache), but MenuDocument.nodes and every Node's text, labels
    and messages are plain dicts: doc.nodes['x'] = ... or node.text['en'] = ... silently
    changes the published menu under running sessions (nothing does so today)"""
    menu = CompiledMenu(parse_menu(DEMO))
    doc: Any = menu.document  # typed read-only: these writes are what must fail at run time
    attempts = [
        lambda: setitem(doc.nodes, "language", Node(id="language", kind="end")),
        lambda: setitem(doc.nodes["location"].text, "en", "changed"),
        lambda: setitem(doc.nodes["location"].options[0].label, "en", "changed"),
        lambda: setitem(doc.messages, "en", {}),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError):
            attempt()


FINISHED_EN = ["1", "1", "1", "1", "5"]  # the demo menu to its end, then one more input


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("what", ["ended", "too_many_attempts"])
def test_final_system_messages_fit_the_smallest_screen(lang, what):
    """Fixed. Was: the engine sends 'ended' and 'too_many_attempts' whole, unpaginated: on a
    40-character screen (USSD_SCREEN_CAPS accepts 40 to 182) 'This session has ended. Please
    dial again.' is 42 characters, 'Cette session est terminée. Veuillez rappeler.' 46, 'Too
    many invalid answers. Please dial again.' 44"""
    ctx = Context(budget=Budget(cap=40), default_region="SN", today=date(2026, 11, 24))
    if what == "ended":
        menu = CompiledMenu(parse_menu(DEMO))
        state = engine.start(menu, ctx).state
        for entry in ["1" if lang == "en" else "2", "1", "1", "1"]:
            state = engine.step(menu, state, entry, ctx).state
        pages = menu.pages(menu.node(state.node), lang, ctx.budget)
        state = replace(state, page=len(pages) - 1)  # the caller has read the final screen
        assert state.finished
    else:
        menu = menu_of(
            [
                {
                    "id": "q",
                    "kind": "input",
                    "key": "n",
                    "text": "N?",
                    "validation": {"type": "number"},
                    "attempts": 1,
                    "next": "q",
                }
            ]
        )
        state = State(node="q", lang=lang)
    result = engine.step(menu, state, "x", ctx)
    assert result.screen.end
    assert ctx.budget.fits(result.screen.text), result.screen.text


def test_a_text_ending_in_a_space_never_leaves_a_page_of_navigation_only():
    """Fixed (found by fuzz_engine, 25 November; seed fuzz/corpus/engine/
    regression-navigation-only-page.bin). Was: when a text too long for a page was split at
    its last word, the empty rest after a trailing space stayed an item of its own, and if
    the next line fitted only without it, the caller got a page of "98. More / 0. Back" and
    nothing else. (The first fix then promised "98. More" on the last page when nothing
    followed the split: seed regression-more-with-nothing-after.bin.)"""
    nav = {"more": "98. More", "back": "0. Back"}
    pages = engine.paginate("word1 word2 ", ["1. abcdefghi"], Budget(cap=20), **nav)
    assert pages == ("word1 word2\n98. More", "1. abcdefghi\n0. Back")
    assert engine.paginate("word1 word2" + " " * 10, [], Budget(cap=20), **nav) == ("word1 word2",)


def test_already_queued_fits_a_60_character_screen(make_app):
    """Fixed. Was: hops.py sends 'already_queued' (and 'apology', 'unavailable', 'expired')
    whole: with USSD_SCREEN_CAPS=africastalking=60 a French caller's second request gets
    'END Votre demande est déjà en attente. Un agent va vous rappeler.' (61 characters);
    'unavailable' is 64 in English, 'apology' 62 in French"""
    from tests.conftest import at_walk

    app = make_app(USSD_SCREEN_CAPS="africastalking=60")
    client = app.test_client()
    at_walk(client, ["2", "1", "1", "1"], session="ATUid_q1")
    replies = at_walk(client, ["2", "1", "1", "1"], session="ATUid_q2")
    last = replies[-1]
    assert last.startswith("END ")
    assert "attente" in last  # the already-queued screen
    assert Budget(cap=60).fits(last[4:]), f"{len(last) - 4} characters: {last!r}"


def test_a_session_id_of_150_characters_is_served(make_app, backend):
    """Fixed. Was (PostgreSQL only): gateways accept session ids up to 200 characters
    (base.MAX_FIELD), but the column ussd_sessions.external_id was VARCHAR(100), so the
    insert failed and every request of such a session got the apology screen."""
    from tests.conftest import at_turn

    client = make_app().test_client()
    reply = at_turn(client, "", session="A" * 150)
    assert reply.status_code == 200
    assert reply.get_data(as_text=True).startswith("CON Welcome")


# -- gateways ------------------------------------------------------------------------------------


def _many_fields() -> str:
    return json.dumps({f"field_{i:04d}_{'x' * 20}": 1 for i in range(250)})


@pytest.mark.parametrize("name", ["hubtel", "nalo", "arkesel", "json"])
@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000])
def test_deeply_nested_json_is_a_bad_request(name, body):
    """Fixed. Was: Gateway.json_body catches UnicodeDecodeError and ValueError but not
    RecursionError: a ~2 KB body of 1,000 nested '[' (or '{"a":') makes parse() raise, so
    /ussd/hubtel, /ussd/nalo, /ussd/arkesel and /ussd/json answer HTTP 500 (the cap is
    WEBHOOK_MAX_BYTES = 8192)"""
    with bare.test_request_context(
        f"/ussd/{name}", method="POST", data=body.encode(), content_type="application/json"
    ):
        with pytest.raises(BadRequest):
            GATEWAYS[name].parse(request)


def test_at_event_with_a_superscript_duration_is_a_bad_request():
    """Fixed. Was: AfricasTalking.parse_event checks durationInMillis with str.isdigit() then
    int(); durationInMillis=%C2%B2 ('²') raises ValueError: HTTP 500 on
    /ussd/africastalking/events"""
    body = "sessionId=ATUid_1&status=Success&durationInMillis=%C2%B2"
    with bare.test_request_context(
        "/ussd/africastalking/events",
        method="POST",
        data=body,
        content_type="application/x-www-form-urlencoded",
    ):
        with pytest.raises(BadRequest):
            GATEWAYS["africastalking"].parse_event(request)  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", ['{"\\n": null}', '{"a\\r\\nX-Injected: 1": 1}', _many_fields()])
def test_unknown_json_fields_are_not_echoed_verbatim(body):
    """Fixed (was: the names of unknown fields, newlines and all, made the 400 reason)."""
    with bare.test_request_context(
        "/ussd/json", method="POST", data=body.encode(), content_type="application/json"
    ):
        with pytest.raises(BadRequest) as refused:
            GATEWAYS["json"].parse(request)
    reason = str(refused.value)
    assert "\n" not in reason and "\r" not in reason and len(reason) < 300


def test_a_repeated_form_field_is_not_echoed_verbatim():
    """Fixed with the above: a form key given twice was named raw in the 400 reason."""
    body = "sessionId=1&a%0D%0AX-Injected%3A+1=1&a%0D%0AX-Injected%3A+1=2"
    with bare.test_request_context(
        "/ussd/africastalking",
        method="POST",
        data=body,
        content_type="application/x-www-form-urlencoded",
    ):
        with pytest.raises(BadRequest) as refused:
            GATEWAYS["africastalking"].parse(request)
    assert "\n" not in str(refused.value) and "\r" not in str(refused.value)


def test_a_superscript_screen_cap_is_a_configuration_error():
    """Fixed. Was: config.screen_caps checks the number with str.isdigit() then int():
    USSD_SCREEN_CAPS='africastalking=²' stops the app with a ValueError traceback instead of
    the 'configuration: USSD_SCREEN_CAPS entry ...' message"""
    from ussd.config import screen_caps

    with pytest.raises(SystemExit):
        screen_caps("africastalking=²")


def test_engine_error_is_the_only_way_a_broken_menu_fails():
    """Not a bug: a control for the tests above (a dangling link is an EngineError)."""
    menu = menu_of(
        [
            {
                "id": "q",
                "kind": "menu",
                "key": "q",
                "text": "Q?",
                "options": [{"label": "A", "value": "a", "next": "ghost"}],
            }
        ]
    )
    with pytest.raises(EngineError):
        engine.step(menu, engine.start(menu, CTX).state, "1", CTX)
