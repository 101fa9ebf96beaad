"""Properties of the menu engine over generated menus, inputs and screen budgets.

Every hop of every walk is checked against tests/property/invariants.py (screens fit their
budget, states round-trip through storage, answers belong to asking nodes, finished states
stay finished, "00" goes home, "0" undoes the last answer); the tests below add the
properties that need more than one walk.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from ussd.menu import engine
from ussd.menu.document import menu_to_dict, parse_menu
from ussd.menu.engine import Answer, CompiledMenu, EngineError, Frame, Result, State
from ussd.menu.lint import has_errors, lint

from .invariants import Keys, check_pages, check_state, walk
from .strategies import BUDGETS, LINT_BUDGETS, caller_inputs, contexts, menu_documents


@st.composite
def menus(draw: st.DrawFn, **kwargs: Any) -> tuple[dict[str, Any], CompiledMenu]:
    """(document, compiled menu) for a generated menu the lint passes without errors."""
    data = draw(menu_documents(**kwargs))
    doc = parse_menu(data)
    problems = lint(doc, LINT_BUDGETS)
    assume(not has_errors(problems))
    return data, CompiledMenu(doc)


def languages(menu: CompiledMenu) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(menu.document.languages))


# -- hops never fail, every hop keeps the invariants ------------------------------------------


@given(st.data(), menus(), caller_inputs(), contexts())
def test_lint_clean_menus_never_fail_and_every_hop_keeps_the_invariants(data, menu, inputs, ctx):
    _, compiled = menu
    walk(compiled, ctx, inputs, lang=data.draw(languages(compiled)))


@given(st.data(), menu_documents(lint_clean=False), contexts())
def test_any_parsed_menu_fails_only_with_engine_error(data, document, ctx):
    """Menus with dangling links, questions leading nowhere and branches without a default
    (which the lint refuses) may make the engine give up, but only with EngineError."""
    compiled = CompiledMenu(parse_menu(document))
    inputs = data.draw(caller_inputs())
    try:
        result = engine.start(compiled, ctx)
        for entry in inputs:
            result = engine.step(compiled, result.state, entry, ctx)
    except EngineError:
        pass


# -- navigation --------------------------------------------------------------------------------


def answering_inputs(compiled: CompiledMenu) -> st.SearchStrategy[list[str]]:
    """Mostly valid answers (option numbers, plausible free text) with 0 / 00 mixed in."""
    return st.lists(
        st.one_of(
            st.integers(1, 4).map(str),
            st.integers(1, 4).map(str),
            st.sampled_from(["0", "00", "Fatou", "42", "+221771234567", "24/11/2026", "AB1234"]),
        ),
        max_size=30,
    )


@given(st.data(), menus(), contexts())
def test_back_undoes_the_last_answer_and_home_forgets_all(data, menu, ctx):
    """After answering A and moving to B, "0" returns to A without A's answer and with the
    answers before A unchanged; "00" always shows the start with no answers (both checked
    after every hop by invariants.check_back_and_home); here with mostly valid answers."""
    _, compiled = menu
    results = walk(compiled, ctx, data.draw(answering_inputs(compiled)))
    for result in results:
        home = engine.step(compiled, result.state, "00", ctx)
        if not result.state.finished:
            assert home.state.answers == ()
            assert home.state == engine.start(compiled, ctx, lang=result.state.lang).state


@given(st.data(), menus(), contexts())
def test_back_walks_the_whole_history_to_the_start(data, menu, ctx):
    """Repeated "0" from anywhere unwinds every answer, ending on the first screen."""
    _, compiled = menu
    results = walk(compiled, ctx, data.draw(answering_inputs(compiled)), side_checks=False)
    unfinished = [r.state for r in results if not r.state.finished]
    assume(unfinished)  # only a menu whose start is a final screen has none
    state = unfinished[-1]
    for _ in range(len(state.stack) + 1 + state.page):
        state = engine.step(compiled, state, "0", ctx).state
    assert state.stack == () and state.answers == () and state.page == 0
    if not any(n.on_fail for n in compiled.document.nodes.values()):
        # (on_fail moves on without a back frame: "0" cannot return past it)
        assert state.node == engine.start(compiled, ctx, lang=state.lang).state.node


def finishing_inputs(compiled: CompiledMenu) -> st.SearchStrategy[list[str]]:
    """Answers that move on (option 1 or 2, free text that most validations accept)."""
    return st.lists(
        st.sampled_from(["1", "1", "2", "+221771234567", "24/11/2020", "7"]), max_size=30
    )


@given(st.data(), menus(), contexts())
def test_a_finished_session_never_changes(data, menu, ctx):
    """Once the outcome is set, no input changes the answers, the outcome or the node (a
    long final screen still pages with 98/0)."""
    _, compiled = menu
    results = walk(compiled, ctx, data.draw(finishing_inputs(compiled)), side_checks=False)
    finished = [r.state for r in results if r.state.finished]
    if finished:
        final = finished[0]
    else:  # the walk did not get there: put its answers on one of the menu's final screens
        ends = [n for n in compiled.document.nodes.values() if n.ends]
        assume(ends)
        node = data.draw(st.sampled_from(ends))
        last = results[-1].state
        outcome = "handoff" if node.kind == "handoff" else "end"
        final = replace(last, node=node.id, page=0, attempts=0, outcome=outcome)
    state = final
    for entry in data.draw(caller_inputs(max_size=10)):
        result = engine.step(compiled, state, entry, ctx)
        assert ctx.budget.fits(result.screen.text)
        assert result.state.answers == final.answers
        assert result.state.outcome == final.outcome
        assert result.state.node == final.node
        assert result.event is None
        state = result.state


# -- storage -----------------------------------------------------------------------------------

texts_ = st.text(max_size=40)
answers_ = st.builds(Answer, texts_, texts_, texts_)
frames_ = st.builds(
    Frame,
    texts_,
    st.integers(0, 50),
    texts_,
    st.none() | st.tuples(st.integers(0, 50), answers_),
)
plain_states = st.builds(
    State,
    node=texts_,
    lang=texts_,
    answers=st.lists(answers_, max_size=6).map(tuple),
    stack=st.lists(frames_, max_size=6).map(tuple),
    page=st.integers(0, 40),
    attempts=st.integers(0, 10),
    outcome=st.sampled_from([None, "handoff", "end", "failed"]),
    notice=st.sampled_from(
        ["", "Invalid choice.", "Veuillez saisir une date au format JJ/MM/AAAA."]
    ),
)
states = st.one_of(
    plain_states,
    st.builds(lambda s, r: State(engine.RESUME_NODE, s.lang, resume=r), plain_states, plain_states),
)


@given(states)
def test_any_state_round_trips_through_storage(state):
    text = state.to_json()
    assert State.from_json(text) == state
    assert json.loads(text)  # plain JSON, as stored in ussd_sessions.state


@given(st.data(), menus(max_nodes=6), contexts())
def test_resume_offer_fits_and_continues_where_the_caller_was(data, menu, ctx):
    _, compiled = menu
    results = walk(compiled, ctx, data.draw(finishing_inputs(compiled)), side_checks=False)
    unfinished = [r.state for r in results if not r.state.finished]
    assume(unfinished)  # (the session layer offers only those with answers; any will do here)
    answered = [s for s in unfinished if s.answers]
    earlier = data.draw(st.sampled_from(answered or unfinished))
    offer = engine.offer_resume(compiled, earlier, ctx)
    assert ctx.budget.fits(offer.screen.text) and not offer.screen.end
    assert State.from_json(offer.state.to_json()) == offer.state
    resumed = engine.step(compiled, offer.state, "1", ctx)
    assert resumed.event == "resumed"
    assert resumed.state == replace(earlier, page=0, attempts=0, notice="")
    assert ctx.budget.fits(resumed.screen.text)
    check_state(compiled, resumed.state, Keys.of(compiled))
    for entry in ("2", "00"):
        assert engine.step(compiled, offer.state, entry, ctx).event == "restart"


# -- pagination --------------------------------------------------------------------------------


@given(menus(), st.sampled_from(["", "Invalid choice.", "Choix invalide. Où êtes-vous ?"]))
def test_pagination_never_loses_or_reorders_lines(menu, notice):
    """For every node, language and budget: each page fits, the pages minus "98"/"0" lines
    hold the whole screen in order, and every option line that fits a page is shown whole."""
    _, compiled = menu
    for node in compiled.document.nodes.values():
        if node.kind == "branch":
            continue
        for lang in compiled.document.languages:
            for budget in BUDGETS:
                check_pages(compiled, node, lang, budget, notice)


@given(st.data(), menus(), contexts())
def test_98_and_0_walk_the_pages_in_order(data, menu, ctx):
    _, compiled = menu
    asking = [n for n in compiled.document.nodes.values() if n.kind in ("menu", "input")]
    assume(asking)
    node = data.draw(st.sampled_from(asking))
    lang = data.draw(st.sampled_from(compiled.document.languages))
    pages = compiled.pages(node, lang, ctx.budget)
    state = State(node=node.id, lang=lang)
    shown = [engine.render(compiled, state, ctx).text]
    for _ in range(len(pages) - 1):
        result = engine.step(compiled, state, "98", ctx)
        state = result.state
        shown.append(result.screen.text)
    assert shown == list(pages)
    for i in range(len(pages) - 1, 0, -1):
        result = engine.step(compiled, state, "0", ctx)
        state = result.state
        assert result.screen.text == pages[i - 1]
        assert state.node == node.id and state.page == i - 1


# -- a published menu never changes under a running session ----------------------------------


def solo(data: dict[str, Any], ctx, inputs: list[str]) -> list[Result]:
    return walk(CompiledMenu(parse_menu(copy.deepcopy(data))), ctx, inputs, side_checks=False)


@given(st.data(), menus(max_nodes=8), contexts(), contexts())
def test_sessions_on_one_compiled_menu_do_not_affect_each_other(data, menu, ctx_a, ctx_b):
    """Two sessions interleaved on one CompiledMenu (sharing its screen cache, possibly with
    different budgets) each see exactly what they would see alone, the document is the same
    before and after, and stepping a copy of a state leaves the original as it was."""
    document, shared = menu
    before = json.dumps(menu_to_dict(shared.document), ensure_ascii=False, sort_keys=True)
    inputs_a = data.draw(caller_inputs(max_size=15), "inputs a")
    inputs_b = data.draw(caller_inputs(max_size=15), "inputs b")
    schedule = data.draw(st.lists(st.booleans(), min_size=len(inputs_a) + len(inputs_b)))
    alone_a, alone_b = solo(document, ctx_a, inputs_a), solo(document, ctx_b, inputs_b)

    runs: dict[str, list[Result]] = {
        "a": [engine.start(shared, ctx_a)],
        "b": [engine.start(shared, ctx_b)],
    }
    todo = {"a": list(inputs_a), "b": list(inputs_b)}
    ctxs = {"a": ctx_a, "b": ctx_b}
    for pick_a in schedule:
        who = "a" if (pick_a and todo["a"]) or not todo["b"] else "b"
        if not todo[who]:
            break
        entry = todo[who].pop(0)
        state = runs[who][-1].state
        snapshot = state.to_json()
        other = "b" if who == "a" else "a"
        # a copy of the other session's state, stepped, must not touch the original
        copied = State.from_json(runs[other][-1].state.to_json())
        engine.step(shared, copied, entry, ctxs[other])
        runs[who].append(engine.step(shared, state, entry, ctxs[who]))
        assert state.to_json() == snapshot
    assert runs["a"] == alone_a
    assert runs["b"] == alone_b
    after = json.dumps(menu_to_dict(shared.document), ensure_ascii=False, sort_keys=True)
    assert after == before
    assert parse_menu(copy.deepcopy(document)) == shared.document


@given(menu_documents(lint_clean=False))
def test_menu_documents_round_trip_through_json(document):
    """parse_menu(menu_to_dict(d)) == d, also through JSON text (how versions are stored)."""
    doc = parse_menu(document)
    assert parse_menu(menu_to_dict(doc)) == doc
    assert parse_menu(json.loads(json.dumps(menu_to_dict(doc)))) == doc
