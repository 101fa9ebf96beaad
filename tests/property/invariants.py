"""Invariants of the menu engine, checked after every hop.

Shared by the property tests (tests/property) and the coverage-guided fuzzer
(fuzz/fuzz_engine.py), so both hold the engine to the same rules. Imports only ussd: no
hypothesis, no pytest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ussd.menu import engine
from ussd.menu.document import Node
from ussd.menu.engine import BACK, HOME, MORE, CompiledMenu, Context, Result, State
from ussd.menu.gsm import Budget
from ussd.menu.variables import substitute

_WS = re.compile(r"\s+")


class InvariantError(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantError(message)


@dataclass
class Keys:
    """For each answer key: may any node store free text under it, and which option values."""

    free: set[str]
    options: dict[str, set[str]]

    @classmethod
    def of(cls, menu: CompiledMenu) -> Keys:
        free: set[str] = set()
        options: dict[str, set[str]] = {}
        for node in menu.document.nodes.values():
            if not node.asks:
                continue
            key = node.key or node.id
            if node.kind == "input":
                free.add(key)
            else:
                options.setdefault(key, set()).update(o.value for o in node.options)
        return cls(free, options)


def check_state(menu: CompiledMenu, state: State, keys: Keys) -> None:
    """A state that could be stored: it round-trips through JSON, its node can be shown,
    and its answers are keys of asking nodes with option values of those nodes."""
    check(State.from_json(state.to_json()) == state, f"state does not round-trip: {state!r}")
    if state.node != engine.RESUME_NODE:
        node = menu.document.nodes.get(state.node)
        if node is None:
            raise InvariantError(f"state on a missing node {state.node!r}")
        check(node.kind != "branch", f"state rests on branch node {state.node!r}")
    check(state.lang in menu.document.languages, f"state language {state.lang!r} not in menu")
    seen: set[str] = set()
    for ans in state.answers:
        check(ans.key not in seen, f"answer key {ans.key!r} stored twice")
        seen.add(ans.key)
        if ans.key in keys.free:
            continue
        check(ans.key in keys.options, f"answer key {ans.key!r} is no asking node's key")
        check(
            ans.value in keys.options[ans.key],
            f"answer {ans.key}={ans.value!r} is not an option value of a node with that key",
        )
    for frame in state.stack:
        check(frame.node in menu.document.nodes, f"back stack names missing {frame.node!r}")
        check(frame.answers >= 0, "negative answer count in the back stack")


def check_screen(menu: CompiledMenu, result: Result, ctx: Context) -> None:
    """The screen fits the budget, and says end exactly when the caller has seen it all."""
    text = result.screen.text
    state = result.state
    check(ctx.budget.fits(text), f"screen over {ctx.budget}: {ctx.budget.measure(text)} {text!r}")
    if result.screen.end:
        check(state.finished, "a final screen (end=True) for an unfinished state")
    elif state.finished:
        pages = menu.pages(menu.node(state.node), state.lang, ctx.budget)
        check(state.page < len(pages) - 1, "the last page of a final screen is not marked end")


def check_hop(
    menu: CompiledMenu, ctx: Context, before: State, entry: str, result: Result, keys: Keys
) -> None:
    """Everything that must hold after step(menu, before, entry) -> result."""
    after = result.state
    check_screen(menu, result, ctx)
    check_state(menu, after, keys)
    if before.finished:
        check(after.answers == before.answers, f"finished state's answers changed by {entry!r}")
        check(after.outcome == before.outcome, "finished state's outcome changed")
        check(after.node == before.node, "finished state moved to another node")
        check(result.event is None, f"finished state produced event {result.event!r}")
        return
    if result.event in ("handoff", "end", "failed"):
        check(after.outcome == result.event, f"event {result.event} but outcome {after.outcome}")
    if after.finished:
        check(result.event == after.outcome, f"finished ({after.outcome}) without its event")
    if result.answered is not None:
        answered = menu.node(result.answered)
        check(result.answered == before.node, "answered a node the caller was not on")
        check(len(after.stack) == len(before.stack) + 1, "answering did not push one frame")
        if answered.kind == "menu":
            last = after.answers[-1]
            check(last.key == (answered.key or answered.id), "menu answer stored under wrong key")
            check(
                last.value in {o.value for o in answered.options},
                f"menu answer {last.value!r} not an option value of {answered.id}",
            )
    if entry.strip() == HOME and before.node != engine.RESUME_NODE:
        home = engine.start(menu, ctx, lang=before.lang)
        check(after == home.state, f"00 did not go home: {after!r} != {home.state!r}")
        check(after.answers == (), "00 kept answers")


def check_back_and_home(
    menu: CompiledMenu, ctx: Context, before: State, result: Result, keys: Keys
) -> None:
    """Side checks from `result.state` (without moving the walk on):

    - "00" goes to the start with no answers (what start() shows, in the current language);
    - after answering node A and moving on, "0" returns to A with A's answer removed and
      the answers given before A unchanged, in A's language.
    """
    state = result.state
    if state.finished or state.node == engine.RESUME_NODE:
        return
    home = engine.step(menu, state, HOME, ctx)
    expected = engine.start(menu, ctx, lang=state.lang)
    check(home.state == expected.state, f"00 from {state.node}: {home.state!r}")
    check(home.screen == expected.screen, "00 shows another screen than a fresh start")
    check(home.state.answers == () and home.state.stack == (), "00 kept answers or history")
    if result.answered is None or state.page != 0:
        return
    back = engine.step(menu, state, BACK, ctx)
    check_screen(menu, back, ctx)
    node = menu.node(result.answered)
    check(back.state.node == node.id, f"0 went to {back.state.node}, not {node.id}")
    check(back.state.lang == before.lang, "0 did not restore the language")
    check(back.state.stack == before.stack, "0 did not restore the back stack")
    check(back.state.page == 0 and back.state.attempts == 0, "0 did not reset page/attempts")
    check(
        back.state.answers == before.answers,
        f"0 from {state.node} to {node.id}: answers {back.state.answers!r} "
        f"!= {before.answers!r} (before answering)",
    )


def walk(
    menu: CompiledMenu,
    ctx: Context,
    inputs: Iterable[str],
    *,
    lang: str | None = None,
    side_checks: bool = True,
) -> list[Result]:
    """start() then step() with each input, checking every invariant after every hop."""
    keys = Keys.of(menu)
    first = engine.start(menu, ctx, lang=lang)
    check_screen(menu, first, ctx)
    check_state(menu, first.state, keys)
    results = [first]
    for entry in inputs:
        before = results[-1].state
        result = engine.step(menu, before, entry, ctx)
        check_hop(menu, ctx, before, entry, result, keys)
        if side_checks:
            check_back_and_home(menu, ctx, before, result, keys)
        results.append(result)
    return results


# -- pagination ---------------------------------------------------------------------------------


def screen_items(
    menu: CompiledMenu, node: Node, lang: str, notice: str = ""
) -> tuple[str, list[str]]:
    """The header and the lines of a node's screen before pagination (as engine._render):
    a text that shows {key} or {{ is shown as substituted, here with no value known."""
    header = menu.text(node, lang)
    if menu.templated(node):
        header = substitute(header, {})
    if notice:
        header = f"{notice}\n{header}" if header else notice
    lines: list[str] = []
    if node.kind == "menu":
        lines = [
            f"{i}. {menu.label(node, i - 1, lang, {})}" for i in range(1, len(node.options) + 1)
        ]
    elif node.kind == "message" and node.next:
        lines = [f"1. {menu.message(lang, 'continue')}"]
    return header, lines


def nav_lines(menu: CompiledMenu, node: Node, lang: str) -> tuple[str, str | None]:
    more = f"{MORE}. {menu.message(lang, 'more')}"
    back = None if node.ends else f"{BACK}. {menu.message(lang, 'back')}"
    return more, back


def page_bodies(menu: CompiledMenu, node: Node, lang: str, pages: tuple[str, ...]) -> list[str]:
    """Each page without its navigation lines ("98. More", then "0. Back" after page 1)."""
    if len(pages) == 1:
        return list(pages)
    more, back = nav_lines(menu, node, lang)
    bodies = []
    for i, page in enumerate(pages):
        tail = ([more] if i < len(pages) - 1 else []) + ([back] if i > 0 and back else [])
        suffix = "\n" + "\n".join(tail) if tail else ""
        check(page.endswith(suffix), f"page {i + 1} does not end with {suffix!r}: {page!r}")
        body = page[: len(page) - len(suffix)]
        check(body != "", f"page {i + 1} of {len(pages)} shows only navigation: {pages!r}")
        bodies.append(body)
    return bodies


def check_pages(
    menu: CompiledMenu, node: Node, lang: str, budget: Budget, notice: str = ""
) -> tuple[str, ...]:
    """Every page fits; the pages minus navigation lose and reorder nothing; every option
    line short enough for a page is shown whole, in order."""
    pages = menu.pages(node, lang, budget, notice)
    check(len(pages) >= 1, "no page")
    for i, page in enumerate(pages):
        check(budget.fits(page), f"page {i + 1} over {budget}: {budget.measure(page)} {page!r}")
    header, lines = screen_items(menu, node, lang, notice)
    bodies = page_bodies(menu, node, lang, pages)
    want = _WS.sub("", header + "".join(lines))
    got = _WS.sub("", "".join(bodies))
    check(got == want, f"pages lose or reorder text:\n{want!r}\n{got!r}")
    shown = [line for body in bodies for line in body.split("\n")]
    more, back = nav_lines(menu, node, lang)
    position = -1
    for line in lines:
        if "\n" in line or not budget.fits("\n".join([line, more] + ([back] if back else []))):
            continue
        check(line in shown[position + 1 :], f"option line {line!r} not shown whole in order")
        position = shown.index(line, position + 1)
    return pages
