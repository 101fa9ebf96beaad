"""The menu engine: (menu, session state, input) -> (screen, new state). Pure.

No Flask, no database, no clock, no I/O: everything a hop depends on comes in through its
arguments, so every behaviour is testable as a data table (tests/unit). A `CompiledMenu` is
built once per published version and caches rendered screens, so a hop costs a few dict
look-ups whatever the size of the menu.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ussd.menu.document import Condition, MenuDocument, Node, Validation
from ussd.menu.gsm import DEFAULT_BUDGET, Budget
from ussd.menu.numerals import is_digits
from ussd.menu.texts import DATE_FORMAT_HINTS, fill, system_message
from ussd.menu.validators import Refusal, validate
from ussd.menu.variables import has_placeholders, lookup, screen_value, substitute

BACK = "0"
HOME = "00"
MORE = "98"
RESUME_NODE = "__resume__"
MAX_INPUT = 500  # longer inputs are refused before any parsing
_UNLIMITED = Budget(gsm7=10**9, ucs2=10**9)
_DEFAULT_VALIDATION = Validation()
# One encoder for every compact JSON value a hop stores: json.dumps with arguments builds
# a new encoder on each call.
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class EngineError(RuntimeError):
    """The menu cannot go on (e.g. a broken published version). The caller sees an apology."""


@dataclass(frozen=True)
class Context:
    """What the engine may know about the caller and the gateway (used by branch rules)."""

    gateway: str = ""
    phone: str = ""
    network: str = ""
    service_code: str = ""
    budget: Budget = DEFAULT_BUDGET
    default_region: str | None = None
    today: date | None = None


@dataclass(frozen=True)
class Answer:
    key: str
    value: str  # canonical: "French", "+221771234567", "2026-11-24"
    label: str  # what the caller saw or typed: "Français"

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "value": self.value}


@dataclass(frozen=True)
class Frame:
    """One entry of the back stack: the screen to return to and what to restore."""

    node: str
    answers: int  # how many answers to keep on return
    lang: str
    # The answer this step replaced (a key asked again, in a loop or by two nodes) and its
    # place, so that "0" puts it back.
    replaced: tuple[int, Answer] | None = None

    def restore(self, answers: tuple[Answer, ...]) -> tuple[Answer, ...]:
        kept = answers[: self.answers]
        if self.replaced is None:
            return kept
        at, earlier = self.replaced
        return (*kept[:at], earlier, *kept[at:])

    def to_list(self) -> list[Any]:
        out: list[Any] = [self.node, self.answers, self.lang]
        if self.replaced is not None:
            at, earlier = self.replaced
            out += [at, earlier.key, earlier.value, earlier.label]
        return out

    @classmethod
    def from_list(cls, data: list[Any]) -> Frame:
        node, count, lang, *replaced = data
        earlier = None
        if replaced:
            at, key, value, label = replaced
            earlier = (int(at), Answer(key, value, label))
        return cls(node, int(count), lang, earlier)


@dataclass(frozen=True)
class State:
    node: str
    lang: str
    answers: tuple[Answer, ...] = ()
    stack: tuple[Frame, ...] = ()
    page: int = 0
    attempts: int = 0
    outcome: str | None = None  # "handoff", "end" or "failed" once the menu is finished
    resume: State | None = None  # an earlier, unfinished session on offer
    # Why the caller is asked again ("Invalid choice."): it tops page 1, so every page is laid
    # out with it, and "98" continues where that page stopped.
    notice: str = ""
    # What http nodes stored from their replies, (name, value), shown in texts as {name}.
    variables: tuple[tuple[str, str], ...] = ()
    # Replies being offered or read before the menu (ussd/menu/inbox.py keeps its shape).
    inbox: tuple[Any, ...] = ()

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def answer(self, key: str) -> Answer | None:
        for ans in self.answers:
            if ans.key == key:
                return ans
        return None

    def values(self) -> dict[str, str]:
        """What `{key}` shows: an answer as the caller saw or typed it (its label), or a
        variable; a variable wins over an answer of the same name (the lint warns)."""
        shown = {a.key: a.label for a in self.answers}
        shown.update(self.variables)
        return shown

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.node,
            "l": self.lang,
            "a": [[a.key, a.value, a.label] for a in self.answers],
            "s": [f.to_list() for f in self.stack],
        }
        if self.page:
            out["p"] = self.page
        if self.attempts:
            out["t"] = self.attempts
        if self.outcome:
            out["o"] = self.outcome
        if self.resume:
            out["r"] = self.resume.to_dict()
        if self.notice:
            out["v"] = self.notice
        if self.variables:
            out["x"] = [list(pair) for pair in self.variables]
        if self.inbox:
            out["i"] = list(self.inbox)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        resume = data.get("r")
        return cls(
            node=data["n"],
            lang=data["l"],
            answers=tuple(Answer(k, v, lbl) for k, v, lbl in data.get("a", ())),
            stack=tuple(Frame.from_list(f) for f in data.get("s", ())),
            page=int(data.get("p", 0)),
            attempts=int(data.get("t", 0)),
            outcome=data.get("o"),
            resume=cls.from_dict(resume) if resume else None,
            notice=data.get("v", ""),
            variables=tuple((str(k), str(v)) for k, v in data.get("x", ())),
            inbox=tuple(data.get("i", ())),
        )

    def to_json(self) -> str:
        return compact_json(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> State:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class Screen:
    text: str
    end: bool


@dataclass(frozen=True)
class HttpAction:
    """A request an http node asks the session layer to make, with the answers resolved:
    `params` are (name, value) pairs sent as JSON or in the query; `phone` is the caller's
    number, present only when the node sends it."""

    node: str
    connection: str
    path: str
    params: tuple[tuple[str, str], ...]
    send_as: str
    phone: str | None = None


@dataclass(frozen=True)
class HttpOutcome:
    """What came of an HttpAction: "success" with the parsed JSON reply, "failure" or
    "timeout"."""

    status: str
    body: Any = None


@dataclass(frozen=True)
class Result:
    screen: Screen
    state: State
    # What happened in this hop, for the session layer: "handoff" or "end" or "failed" when
    # the menu finished now, "restart" when the caller chose to start over (the caller must
    # then call start() with the live menu), "resumed" when an earlier session was continued.
    event: str | None = None
    answered: str | None = None  # id of the node answered in this hop
    # A request to make before anything is shown: the session layer makes it and calls
    # `complete` with its outcome; `screen` means nothing until then.
    action: HttpAction | None = None


@dataclass
class CompiledMenu:
    """A published menu ready to serve: the document plus a cache of rendered screens."""

    document: MenuDocument
    _pages: dict[tuple[str, str, Budget, str], tuple[str, ...]] = field(default_factory=dict)
    # Nodes whose texts show {key}: rendered for each session, never cached.
    _templated: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._templated = frozenset(
            node.id
            for node in self.document.nodes.values()
            if any(
                has_placeholders(t)
                for texts in (node.text, node.error, *(o.label for o in node.options))
                for t in texts.values()
            )
        )

    def templated(self, node: Node) -> bool:
        return node.id in self._templated

    @property
    def name(self) -> str:
        return self.document.name

    def node(self, node_id: str) -> Node:
        try:
            return self.document.nodes[node_id]
        except KeyError:
            raise EngineError(f"node {node_id!r} does not exist") from None

    def message(self, lang: str, name: str) -> str:
        return system_message(self.document.messages, lang, name, self.document.default_language)

    def text(self, node: Node, lang: str) -> str:
        if node.kind == "handoff" and not node.text:
            return self.message(lang, "handoff")
        return localized(node.text, lang, self.document.default_language)

    def pages(
        self,
        node: Node,
        lang: str,
        budget: Budget,
        notice: str = "",
        values: Mapping[str, str] | None = None,
    ) -> tuple[str, ...]:
        if node.id in self._templated:
            return self._render(node, lang, budget, notice, values or {})
        key = (node.id, lang, budget, notice)
        cached = self._pages.get(key)
        if cached is None:
            cached = self._render(node, lang, budget, notice, {})
            if len(self._pages) > 50_000:  # bounded even for huge menus and many budgets
                self._pages.clear()
            self._pages[key] = cached
        return cached

    def full_text(self, node: Node, lang: str, values: Mapping[str, str] | None = None) -> str:
        """The whole screen of `node` as if it had no budget (for measuring and previews)."""
        return self._render(node, lang, _UNLIMITED, "", values or {})[0]

    def label(self, node: Node, option: int, lang: str, values: Mapping[str, str]) -> str:
        """Option `option` (from 0) of `node` as shown."""
        text = localized(node.options[option].label, lang, self.document.default_language)
        return substitute(text, values) if node.id in self._templated else text

    def _render(
        self, node: Node, lang: str, budget: Budget, notice: str, values: Mapping[str, str]
    ) -> tuple[str, ...]:
        header = self.text(node, lang)
        if node.id in self._templated:
            header = substitute(header, values)
        if notice:
            header = f"{notice}\n{header}" if header else notice
        lines: list[str] = []
        if node.kind == "menu":
            lines = [
                f"{i}. {self.label(node, i - 1, lang, values)}"
                for i in range(1, len(node.options) + 1)
            ]
        elif node.kind == "message" and node.next:
            lines = [f"1. {self.message(lang, 'continue')}"]
        return paginate(
            header,
            lines,
            budget,
            more=f"{MORE}. {self.message(lang, 'more')}",
            back=None if node.ends else f"{BACK}. {self.message(lang, 'back')}",
        )


def localized(text: Mapping[str, str], lang: str, default_lang: str) -> str:
    """A text in `lang`, falling back to the shorthand for all languages, then the default."""
    value = text.get(lang) or text.get("*") or text.get(default_lang)
    if value is None:
        value = next(iter(text.values()), "")
    return value


def paginate(
    header: str, lines: list[str], budget: Budget, more: str, back: str | None
) -> tuple[str, ...]:
    """Split a screen into pages that each fit `budget`, never cutting text silently.

    Page 1 holds the header and as many lines as fit, then "98. More"; later pages hold the
    following lines, then "98. More" if more remain and "0. Back". A header or line too long
    for any page is split at word boundaries and continued on the next page.
    """
    items = ([header] if header else []) + lines
    single = "\n".join(items)
    if budget.fits(single):
        return (single,)

    def compose(body: list[str], has_more: bool, has_back: bool) -> str:
        tail = ([more] if has_more else []) + ([back] if has_back and back else [])
        return "\n".join(body + tail)

    pages: list[str] = []
    remaining = list(items)
    while remaining:
        has_back = bool(pages)
        if budget.fits(compose(remaining, False, has_back)):
            pages.append(compose(remaining, False, has_back))
            break
        take: list[str] = []
        for item in remaining:
            if budget.fits(compose([*take, item], True, has_back)):
                take.append(item)
            else:
                break
        if take:
            remaining = remaining[len(take) :]
        else:
            head, rest = _split_to_fit(
                remaining[0], lambda t, hb=has_back: budget.fits(compose([t], True, hb))
            )
            take = [head]
            # a split at trailing spaces leaves nothing to show: no page of navigation only
            remaining = ([rest] if rest.strip() else []) + remaining[1:]
        pages.append(compose(take, bool(remaining), has_back))
    return tuple(pages)


def _split_to_fit(text: str, fits: Any) -> tuple[str, str]:
    """The longest head of `text` (at a word boundary if possible) that fits, and the rest."""
    words = text.split(" ")
    lo, hi = 0, len(words)  # largest n with words[:n] fitting
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(" ".join(words[:mid])):
            lo = mid
        else:
            hi = mid - 1
    head = " ".join(words[:lo]).strip()
    # never a page of navigation only, nor an option's number without its label ("6." with
    # "98. More"): a first word too long for the rest of the page is cut instead
    if lo > 0 and head and not _number_only(head):
        return " ".join(words[:lo]), " ".join(words[lo:])
    lo, hi = 0, len(text)  # a single word longer than a page: cut it, continue next page
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(text[:mid]):
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        raise EngineError("the screen budget is too small for any text")
    return text[:lo], text[lo:]


def _number_only(text: str) -> bool:
    """ "6." alone: the number of an option, which means nothing on a page of its own."""
    return text.endswith(".") and is_digits(text[:-1])


def fit_final(text: str, budget: Budget) -> str:
    """A closing screen on one page: nothing can follow it, so a text too long for this
    network's screen is shortened at a word boundary, with "...", rather than refused."""
    if budget.fits(text):
        return text
    head, _ = _split_to_fit(text, lambda t: budget.fits(t.rstrip() + "..."))
    return head.rstrip() + "..."


# ---------------------------------------------------------------------------------------------
# Hops


def start(menu: CompiledMenu, ctx: Context, lang: str | None = None) -> Result:
    """The first screen of a new session."""
    doc = menu.document
    state = State(node=doc.start, lang=lang if lang in doc.languages else doc.default_language)
    return _enter(menu, state, doc.start, ctx)


def offer_resume(menu: CompiledMenu, earlier: State, ctx: Context) -> Result:
    """Offer "1. Continue 2. Start over" for an earlier session that dropped before the end."""
    state = State(node=RESUME_NODE, lang=earlier.lang, resume=earlier)
    return Result(_resume_screen(menu, state, ctx), state)


def render(menu: CompiledMenu, state: State, ctx: Context, notice: str = "") -> Screen:
    """The screen for `state` as it stands (used to repeat a screen)."""
    if state.node == RESUME_NODE:
        return _resume_screen(menu, replace(state, notice=notice) if notice else state, ctx)
    node = menu.node(state.node)
    pages = menu.pages(node, state.lang, ctx.budget, notice or state.notice, state.values())
    page = min(state.page, len(pages) - 1)
    return Screen(pages[page], end=state.finished and page == len(pages) - 1)


def step(menu: CompiledMenu, state: State, text: str, ctx: Context) -> Result:
    """Apply one caller input to `state` and return the next screen."""
    entry = text.strip()[:MAX_INPUT]
    if state.node == RESUME_NODE:
        return _step_resume(menu, state, entry, ctx)
    node = menu.node(state.node)
    pages = menu.pages(node, state.lang, ctx.budget, state.notice, state.values())
    last_page = len(pages) - 1

    if state.finished:  # a final screen spread over several pages
        if state.page >= last_page:
            ended = fit_final(menu.message(state.lang, "ended"), ctx.budget)
            return Result(Screen(ended, end=True), state)
        if entry == BACK and state.page > 0:
            return _show(menu, replace(state, page=state.page - 1), ctx)
        return _show(menu, replace(state, page=state.page + 1), ctx)

    if entry == HOME:
        home = State(node=menu.document.start, lang=state.lang)
        return _enter(menu, home, home.node, ctx)
    if entry == BACK:
        if state.page > 0:
            return _show(menu, replace(state, page=state.page - 1), ctx)
        if state.stack:
            frame = state.stack[-1]
            previous = replace(
                state,
                node=frame.node,
                lang=frame.lang,
                answers=frame.restore(state.answers),
                stack=state.stack[:-1],
                page=0,
                attempts=0,
                notice="",
            )
            return _show(menu, previous, ctx)
        return _show(menu, replace(state, page=0, notice=""), ctx)
    if entry == MORE and state.page < last_page:
        return _show(menu, replace(state, page=state.page + 1), ctx)

    if node.kind == "menu":
        choice = int(entry) if is_digits(entry) and len(entry) <= 2 else 0
        if not 1 <= choice <= len(node.options):
            notice = menu.message(state.lang, "invalid_option")
            return _show(menu, replace(state, page=0), ctx, notice)
        option = node.options[choice - 1]
        label = menu.label(node, choice - 1, state.lang, state.values())
        lang = option.language if option.language in menu.document.languages else state.lang
        moved = _answered(state, node, Answer(node.key or node.id, option.value, label), lang)
        return _enter(menu, moved, option.next or node.next, ctx, answered=node.id)

    if node.kind == "input":
        outcome = validate(
            entry,
            node.validation or _DEFAULT_VALIDATION,
            default_region=ctx.default_region,
            today=ctx.today,
        )
        if isinstance(outcome, Refusal):
            attempts = state.attempts + 1
            if attempts >= node.attempts:
                if node.on_fail:
                    return _enter(menu, replace(state, attempts=0), node.on_fail, ctx)
                failed = replace(state, attempts=attempts, outcome="failed", page=0, notice="")
                text_ = fit_final(menu.message(state.lang, "too_many_attempts"), ctx.budget)
                return Result(Screen(text_, end=True), failed, event="failed")
            notice = _refusal_text(menu, node, state, outcome)
            return _show(menu, replace(state, attempts=attempts, page=0), ctx, notice)
        label = " ".join(entry.split())
        moved = _answered(state, node, Answer(node.key or node.id, outcome, label), state.lang)
        return _enter(menu, moved, node.next, ctx, answered=node.id)

    # A message with a next node: any input other than navigation moves on.
    moved = _answered(state, node, None, state.lang)
    return _enter(menu, moved, node.next, ctx, answered=node.id)


def _answered(state: State, node: Node, answer: Answer | None, lang: str) -> State:
    """`state` after `node` was answered: the answer recorded and the node pushed for back."""
    answers = state.answers
    replaced = None
    if answer is not None:
        for at, earlier in enumerate(answers):
            if earlier.key == answer.key:
                replaced = (at, earlier)
                answers = answers[:at] + answers[at + 1 :]
                break
    frame = Frame(node.id, len(answers), state.lang, replaced)
    if answer is not None:
        answers = (*answers, answer)
    return replace(state, answers=answers, stack=(*state.stack, frame), lang=lang)


def _enter(
    menu: CompiledMenu, state: State, target: str | None, ctx: Context, answered: str | None = None
) -> Result:
    """Move to `target`, following branch nodes, and show its first page (or, at an http
    node, ask for its request to be made)."""
    seen = 0
    while True:
        if not target:
            raise EngineError(f"node {state.node!r} leads nowhere")
        node = menu.node(target)
        if node.kind != "branch":
            break
        seen += 1
        if seen > len(menu.document.nodes):
            raise EngineError("branch nodes form a loop")
        target = _branch_target(node, state, ctx)
    state = replace(state, node=node.id, page=0, attempts=0, notice="")
    if node.http is not None:
        action = _http_action(node, state, ctx)
        return Result(Screen("", end=False), state, answered=answered, action=action)
    event = None
    if node.ends:
        event = "handoff" if node.kind == "handoff" else "end"
        state = replace(state, outcome=event)
    return Result(render(menu, state, ctx), state, event=event, answered=answered)


def _http_action(node: Node, state: State, ctx: Context) -> HttpAction:
    call = node.http
    assert call is not None  # noqa: S101 - only http nodes have a call
    params = []
    for name, key in call.send:
        ans = state.answer(key)
        if ans is not None:  # an answer not given is left out, never sent empty
            params.append((name, ans.value))
    return HttpAction(
        node=node.id,
        connection=call.connection,
        path=call.path,
        params=tuple(params),
        send_as=call.send_as,
        phone=ctx.phone if call.send_phone else None,
    )


def complete(
    menu: CompiledMenu,
    state: State,
    outcome: HttpOutcome,
    ctx: Context,
    answered: str | None = None,
) -> Result:
    """Go on from the http node `state` rests on, with the outcome of its request.

    A success stores each field the node saves as a variable; a reply that lacks one of
    them is a failure. Whatever the outcome, the node's variables from an earlier visit
    are dropped, so a screen never shows a stale value."""
    node = menu.node(state.node)
    call = node.http
    if call is None:
        raise EngineError(f"node {node.id!r} makes no request")
    status = outcome.status if outcome.status in ("success", "timeout") else "failure"
    stored: list[tuple[str, str]] = []
    if status == "success":
        for saved in call.save:
            found = lookup(outcome.body, saved.path)
            if found is None:
                status = "failure"
                stored = []
                break
            stored.append((saved.name, screen_value(found, saved.max_length)))
    names = {saved.name for saved in call.save}
    kept = tuple(pair for pair in state.variables if pair[0] not in names)
    moved = replace(state, variables=kept + tuple(stored))
    return _enter(menu, moved, call.target(status), ctx, answered=answered)


def _branch_target(node: Node, state: State, ctx: Context) -> str | None:
    for rule in node.rules:
        if all(_holds(c, state, ctx) for c in rule.when):
            return rule.next
    if node.default:
        return node.default
    raise EngineError(f"branch {node.id!r} has no matching rule and no default")


def _holds(cond: Condition, state: State, ctx: Context) -> bool:
    if cond.on.startswith("answer."):
        ans = state.answer(cond.on.removeprefix("answer."))
        subject = ans.value if ans else None
    else:
        subject = {
            "language": state.lang,
            "network": ctx.network,
            "phone": ctx.phone,
            "service_code": ctx.service_code,
            "gateway": ctx.gateway,
        }[cond.on] or None
    if cond.op == "exists":
        return subject is not None
    if cond.op == "missing":
        return subject is None
    have = (subject or "").casefold()
    if isinstance(cond.value, tuple):
        wanted = {v.casefold() for v in cond.value}
        return (have in wanted) == (cond.op == "in")
    value = (cond.value or "").casefold()
    if cond.op == "equals":
        return subject is not None and have == value
    if cond.op == "not_equals":
        return have != value
    return subject is not None and have.startswith(value)  # starts_with


def _show(menu: CompiledMenu, state: State, ctx: Context, notice: str | None = None) -> Result:
    """Show `state`; a notice given here tops page 1 until the caller leaves the node."""
    if notice is not None:
        state = replace(state, notice=notice)
    return Result(render(menu, state, ctx), state)


def _refusal_text(menu: CompiledMenu, node: Node, state: State, refusal: Refusal) -> str:
    lang = state.lang
    if node.error:
        error = localized(node.error, lang, menu.document.default_language)
        return substitute(error, state.values()) if menu.templated(node) else error
    params = dict(refusal.params)
    if "format" in params:
        params["format"] = DATE_FORMAT_HINTS.get(lang, {}).get(params["format"], params["format"])
    return fill(menu.message(lang, refusal.message), params)


def _resume_pages(menu: CompiledMenu, state: State, ctx: Context) -> tuple[str, ...]:
    lines = [
        f"1. {menu.message(state.lang, 'continue')}",
        f"2. {menu.message(state.lang, 'start_over')}",
    ]
    header = menu.message(state.lang, "resume")
    if state.notice:
        header = f"{state.notice}\n{header}"
    more = f"{MORE}. {menu.message(state.lang, 'more')}"
    back = f"{BACK}. {menu.message(state.lang, 'back')}"
    return paginate(header, lines, ctx.budget, more, back)


def _resume_screen(menu: CompiledMenu, state: State, ctx: Context) -> Screen:
    pages = _resume_pages(menu, state, ctx)
    return Screen(pages[min(state.page, len(pages) - 1)], end=False)


def _step_resume(menu: CompiledMenu, state: State, entry: str, ctx: Context) -> Result:
    earlier = state.resume
    if entry == "1" and earlier is not None:
        restored = replace(earlier, page=0, attempts=0, notice="")
        return Result(render(menu, restored, ctx), restored, event="resumed")
    if entry in ("2", HOME) or earlier is None:
        return Result(Screen("", end=False), state, event="restart")
    last_page = len(_resume_pages(menu, state, ctx)) - 1
    if entry == MORE and state.page < last_page:
        moved = replace(state, page=state.page + 1)
    elif entry == BACK and state.page > 0:
        moved = replace(state, page=state.page - 1)
    else:
        moved = replace(state, page=0, notice=menu.message(state.lang, "invalid_option"))
    return Result(_resume_screen(menu, moved, ctx), moved)
