"""Lint a menu document: does it make sense, is it translated, does it fit the screens?

Errors block publishing (a caller could get stuck or see an apology); warnings do not (a
screen that paginates, a missing translation that falls back to the default language).
Every problem names its node and, where it matters, its language. Messages are
translatable `Text`s: English here and on the command line, the coordinator's language in
the editor. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ussd.menu.document import (
    DATE_FORMATS,
    MAX_BOUND,
    MAX_LENGTH,
    VALIDATION_SETTINGS,
    MenuDocument,
    Node,
)
from ussd.menu.engine import BACK, MORE, CompiledMenu, localized
from ussd.menu.gsm import DEFAULT_BUDGET, Budget, Measure, suggest_gsm7, ucs2_forcing
from ussd.menu.insights import unasked_keys
from ussd.menu.safe_contact import CALLBACK_WINDOW_KEY, WINDOW_VALUES, canonical_window
from ussd.menu.texts import (
    DATE_FORMAT_HINTS,
    MESSAGE_NAMES,
    fill,
    missing_messages,
    placeholders,
    used_placeholders,
)
from ussd.menu.validators import DEFAULT_MAX_LENGTH, validate
from ussd.menu.variables import keys_in


@dataclass(frozen=True)
class Text:
    """A message to show: an English template with {placeholders}, and their values."""

    template: str
    params: tuple[tuple[str, Any], ...] = ()

    def render(self, translate: Callable[[str], str] = str) -> str:
        values = {k: v.render(translate) if isinstance(v, Text) else v for k, v in self.params}
        return translate(self.template).format(**values)

    def __str__(self) -> str:
        return self.render()


def N_(template: str, **params: Any) -> Text:  # noqa: N802 - the gettext "no-op" convention
    return Text(template, tuple(params.items()))


def link_name(where: str) -> Text:
    """ "option 2" / "rule 1" / "next" / "default" / "on_fail", as a translatable text."""
    kind, _, number = where.partition(" ")
    if kind == "option":
        return N_("option {n}", n=number)
    if kind == "rule":
        return N_("rule {n}", n=number)
    return {
        "next": N_("the next node"),
        "default": N_("the default"),
        "on_fail": N_("the node after failed attempts"),
        "success": N_("the node after a successful request"),
        "failure": N_("the node after a failed request"),
        "timeout": N_("the node after a request that timed out"),
    }.get(kind, N_(where))


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    node: str | None  # None for menu-wide problems
    language: str | None
    text: Text
    suggestion: str | None = None  # e.g. a GSM-7 spelling to offer

    @property
    def message(self) -> str:
        return self.text.render()

    def __str__(self) -> str:
        where = f"node {self.node}" if self.node else "menu"
        if self.language:
            where += f" [{self.language}]"
        text = f"{self.severity}: {where}: {self.message}"
        if self.suggestion:
            text += f" (suggestion: {self.suggestion!r})"
        return text


Add = Callable[..., None]


def lint(
    doc: MenuDocument,
    budgets: Mapping[str, Budget] | None = None,
    connections: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem of `doc`, errors first, in document order within each severity.
    `connections` are the names of the connections an admin defined (None: not checked)."""
    budgets = budgets or {"default": DEFAULT_BUDGET}
    problems: list[Problem] = []
    nodes = doc.nodes

    def add(
        severity: str,
        node: str | None,
        text: Text,
        language: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        problems.append(Problem(severity, node, language, text, suggestion))

    if doc.start not in nodes:
        add("error", None, N_("the start node '{start}' does not exist", start=doc.start))

    for node in nodes.values():
        for where, target in node.links():
            if target not in nodes:
                add(
                    "error",
                    node.id,
                    N_(
                        "{where} leads to a missing node '{target}'",
                        where=link_name(where),
                        target=target,
                    ),
                )
            elif nodes[target] is node and node.kind == "branch":
                add(
                    "error",
                    node.id,
                    N_("{where} leads back to this branch", where=link_name(where)),
                )
        _check_dead_end(node, add)
        _check_node_settings(node, doc, add)
        _check_request(node, doc, connections, add)

    reachable = _reachable(doc)
    for node in nodes.values():
        if doc.start in nodes and node.id not in reachable:
            add("warning", node.id, N_("no path from the start node reaches this node"))
    _check_no_exit(doc, reachable, add)
    _check_keys(doc, reachable, add)
    _check_branch_loops(doc, add)
    _check_translations(doc, add)
    _check_placeholders(doc, add)
    _check_keys_shown(doc, add)
    _check_reply_pin(doc, add)
    _check_callback_window(doc, add)
    _check_insights(doc, add)
    _check_budgets(doc, budgets, add)
    return sorted(problems, key=lambda p: p.severity != "error")


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _check_dead_end(node: Node, add: Add) -> None:
    if node.kind == "menu":
        for i, opt in enumerate(node.options, 1):
            if not opt.next and not node.next:
                add("error", node.id, N_("option {n} leads nowhere (set its next node)", n=i))
    elif node.kind == "input" and not node.next:
        add("error", node.id, N_("the answer leads nowhere (set the next node)"))
    elif node.kind == "branch" and not node.default:
        add("error", node.id, N_("no default node for when no rule matches"))
    elif node.http is not None:
        if not node.http.success:
            add("error", node.id, N_("a successful request leads nowhere (set next.success)"))
        if not node.http.failure:
            add("error", node.id, N_("a failed request leads nowhere (set next.failure)"))


def _check_request(
    node: Node, doc: MenuDocument, connections: Collection[str] | None, add: Add
) -> None:
    call = node.http
    if call is None:
        return
    if not call.connection:
        add("error", node.id, N_("the look-up names no connection"))
    elif connections is not None and call.connection not in connections:
        add(
            "error",
            node.id,
            N_(
                "the connection '{name}' does not exist: an admin defines it under Connections",
                name=call.connection,
            ),
        )
    asked = {n.key for n in doc.nodes.values() if n.key}
    for _, key in call.send:
        if key not in asked:
            add("warning", node.id, N_("sends answer '{key}', which no node asks", key=key))
    for saved in call.save:
        if saved.name in asked:
            add(
                "warning",
                node.id,
                N_(
                    "the variable '{name}' has the name of an answer key: {{{name}}} "
                    "shows the variable",
                    name=saved.name,
                ),
            )


# What is said when a lower bound exceeds its upper one (Setting.at_most), per lower bound.
_OVER_THE_MAXIMUM = {
    "min_length": N_("the minimum length is greater than the maximum length"),
    "min": N_("the minimum is greater than the maximum"),
}


def _check_node_settings(node: Node, doc: MenuDocument, add: Add) -> None:
    if node.kind == "menu":
        values = [o.value for o in node.options]
        for value in sorted({v for v in values if values.count(v) > 1}):
            add(
                "warning",
                node.id,
                N_("several options store the same value '{value}'", value=value),
            )
        for i, opt in enumerate(node.options, 1):
            if opt.language and opt.language not in doc.languages:
                add(
                    "error",
                    node.id,
                    N_(
                        "option {n} switches to '{lang}', which is not a menu language",
                        n=i,
                        lang=opt.language,
                    ),
                )
    if node.kind == "input" and node.validation:
        v = node.validation
        for setting in VALIDATION_SETTINGS:
            if setting.at_most is None:
                continue
            low, high = getattr(v, setting.name), getattr(v, setting.at_most)
            if low is not None and high is not None and low > high:
                add("error", node.id, _OVER_THE_MAXIMUM[setting.name])
        if v.type == "number" and (v.min is None or v.min <= 0) and (v.max is None or v.max >= 0):
            add(
                "warning",
                node.id,
                N_(
                    "0 means Back on every screen, so callers cannot answer 0 "
                    "here: set a minimum of 1 or ask for the number plus one"
                ),
            )
    if node.kind in ("input", "message", "end") and not any(t.strip() for t in node.text.values()):
        add("error", node.id, N_("the screen has no text"))
    if node.kind == "branch":
        if not node.rules:
            add("warning", node.id, N_("a branch without rules always takes its default"))
        for i, rule in enumerate(node.rules, 1):
            for cond in rule.when:
                if cond.on.startswith("answer."):
                    key = cond.on.removeprefix("answer.")
                    if not any(n.key == key for n in doc.nodes.values()):
                        add(
                            "warning",
                            node.id,
                            N_("rule {n} tests answer '{key}', which no node asks", n=i, key=key),
                        )


def _reachable(doc: MenuDocument) -> set[str]:
    seen: set[str] = set()
    todo = [doc.start] if doc.start in doc.nodes else []
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in doc.nodes:
            continue
        seen.add(node_id)
        todo.extend(target for _, target in doc.nodes[node_id].links())
    return seen


def _check_no_exit(doc: MenuDocument, reachable: set[str], add: Add) -> None:
    """Reachable nodes from which no final screen can be reached (an endless loop)."""
    finishing = {n.id for n in doc.nodes.values() if n.ends}
    changed = True
    while changed:
        changed = False
        for node in doc.nodes.values():
            if node.id not in finishing and any(t in finishing for _, t in node.links()):
                finishing.add(node.id)
                changed = True
    for node_id in doc.nodes:
        if node_id in reachable and node_id not in finishing:
            add("warning", node_id, N_("no path from here reaches a final screen (a loop)"))


def _check_keys(doc: MenuDocument, reachable: set[str], add: Add) -> None:
    owners: dict[str, list[str]] = {}
    for node in doc.nodes.values():
        if node.key and node.id in reachable:
            owners.setdefault(node.key, []).append(node.id)
    for key, ids in owners.items():
        if len(ids) > 1:
            add(
                "warning",
                ids[1],
                N_(
                    "the answer key '{key}' is also set by {other}; the later "
                    "answer replaces the earlier one",
                    key=key,
                    other=ids[0],
                ),
            )


def _texts(node: Node) -> list[tuple[Text, Mapping[str, str]]]:
    out: list[tuple[Text, Mapping[str, str]]] = []
    if node.kind not in ("branch", "http") and not (node.kind == "handoff" and not node.text):
        out.append((N_("text"), node.text))
    for i, opt in enumerate(node.options, 1):
        out.append((N_("option {n} label", n=i), opt.label))
    if node.error:
        out.append((N_("error text"), node.error))
    return out


def _check_translations(doc: MenuDocument, add: Add) -> None:
    for node in doc.nodes.values():
        for what, text in _texts(node):
            if "*" in text:
                continue
            for lang in doc.languages:
                if text.get(lang, "").strip():
                    continue
                if lang == doc.default_language:
                    add("warning", node.id, N_("{what} is not translated", what=what), lang)
                else:
                    add(
                        "warning",
                        node.id,
                        N_(
                            "{what} is not translated; callers will see the {fallback} text",
                            what=what,
                            fallback=doc.default_language,
                        ),
                        lang,
                    )
    for lang in doc.languages:
        missing = missing_messages(doc.messages, lang)
        if missing:
            add(
                "warning",
                None,
                N_(
                    "system messages have no {lang} translation ({names}); set "
                    "them under messages.{lang}",
                    lang=lang,
                    names=", ".join(missing),
                ),
                lang,
            )


def _check_branch_loops(doc: MenuDocument, add: Add) -> None:
    """Branches lead to branches without showing a screen: a ring of them never ends (the
    engine gives up and the caller sees the apology). A branch that leads to itself is
    reported with its link above."""
    # http nodes show no screen either: a ring through them calls and calls again
    branches = {n.id: n for n in doc.nodes.values() if n.kind in ("branch", "http")}
    done: set[str] = set()
    for root in branches:
        if root in done:
            continue
        # depth-first over branch-to-branch links; a link back into the path is a ring
        path: list[str] = [root]
        todo = [iter(_branch_targets(branches, root))]
        while todo:
            target = next(todo[-1], None)
            if target is None:
                done.add(path.pop())
                todo.pop()
            elif target in path:
                ring = path[path.index(target) :]
                add(
                    "error",
                    target,
                    N_(
                        "branches lead round in a loop ({ring}): add a screen between them",
                        ring=" → ".join([*ring, target]),
                    ),
                )
            elif target not in done:
                path.append(target)
                todo.append(iter(_branch_targets(branches, target)))


def _branch_targets(branches: Mapping[str, Node], node_id: str) -> list[str]:
    return [t for _, t in branches[node_id].links() if t in branches and t != node_id]


def _check_placeholders(doc: MenuDocument, add: Add) -> None:
    """A {name} a system message cannot fill would reach callers as typed."""
    for lang, table in doc.messages.items():
        for name, text in table.items():
            unknown = sorted(used_placeholders(text) - placeholders(name))
            if not unknown:
                continue
            allowed = ", ".join(f"{{{p}}}" for p in sorted(placeholders(name)))
            text_ = (
                N_(
                    "the message {name} shows {{{placeholder}}} as typed: it can only "
                    "fill in {allowed}",
                    name=name,
                    placeholder=unknown[0],
                    allowed=allowed,
                )
                if allowed
                else N_(
                    "the message {name} shows {{{placeholder}}} as typed: it has nothing "
                    "to fill in",
                    name=name,
                    placeholder=unknown[0],
                )
            )
            add("warning", None, text_, lang)


def _check_keys_shown(doc: MenuDocument, add: Add) -> None:
    """A {key} that names no answer and no variable would show as nothing."""
    known = set(longest_shown(doc, doc.default_language))
    for node in doc.nodes.values():
        for what, text in _texts(node):
            for key in sorted({k for t in text.values() for k in keys_in(t)} - known):
                add(
                    "error",
                    node.id,
                    N_(
                        "{what} shows {{{key}}}, which no node asks or stores: callers "
                        "would see nothing there (write {{{{ for a brace)",
                        what=what,
                        key=key,
                    ),
                )


REPLY_PIN = "reply_pin"
# A PIN must be four digits: these show whether an input node's validation says so.
_PIN_ACCEPTED = ("0000", "4826")
_PIN_REFUSED = ("482", "48261", "abcd", "48 6")


def _check_reply_pin(doc: MenuDocument, add: Add) -> None:
    """The reply PIN (DESIGN §4) is asked by an input node that takes exactly four digits,
    and is never shown on a screen (it is stored as a hash: a text could only leak it)."""
    for node in doc.nodes.values():
        if node.key == REPLY_PIN:
            rule = node.validation
            four_digits = (
                node.kind == "input"
                and rule is not None
                and all(isinstance(validate(p, rule), str) for p in _PIN_ACCEPTED)
                and not any(isinstance(validate(p, rule), str) for p in _PIN_REFUSED)
            )
            if not four_digits:
                add(
                    "error",
                    node.id,
                    N_(
                        "the answer key reply_pin is the caller's PIN for replies: ask it "
                        "with an input node whose validation takes exactly 4 digits "
                        "(pattern [0-9]{{4}})"
                    ),
                )
        for what, text in _texts(node):
            if any(REPLY_PIN in keys_in(t) for t in text.values()):
                add(
                    "error",
                    node.id,
                    N_("{what} shows {{reply_pin}}: a caller's PIN is never shown", what=what),
                )


def _check_callback_window(doc: MenuDocument, add: Add) -> None:
    """Flex knows a safe window (callback_window, ussd/menu/safe_contact.py) only by its
    values: any other stays in the answers, and no agent is warned before calling."""
    known = ", ".join(WINDOW_VALUES)
    for node in doc.nodes.values():
        if node.key != CALLBACK_WINDOW_KEY:
            continue
        if node.kind != "menu":
            add(
                "warning",
                node.id,
                N_(
                    "the answer key callback_window is the safe window for a call back: "
                    "ask it with a menu whose options store {known}",
                    known=known,
                ),
            )
            continue
        unknown = [o.value for o in node.options if canonical_window(o.value) is None]
        if unknown:
            add(
                "warning",
                node.id,
                N_(
                    "the value(s) {values} are not safe windows Flex knows ({known}): agents "
                    "are not warned before calling",
                    values=", ".join(unknown),
                    known=known,
                ),
            )


def _check_insights(doc: MenuDocument, add: Add) -> None:
    """A Flex Insights attribute mapped to an answer no question stores stays empty."""
    asked = {node.key for node in doc.nodes.values() if node.key}
    for attribute, key in unasked_keys(doc.insights, asked):
        add(
            "warning",
            None,
            N_(
                "Flex Insights: {attribute} is filled from the answer '{key}', which no "
                "question of this menu stores",
                attribute=attribute,
                key=key,
            ),
        )


def longest_shown(doc: MenuDocument, lang: str) -> dict[str, int]:
    """The longest value each {key} can show in `lang`, in characters: an option label as
    shown, an answer as the node's validation lets it be typed, a variable as its http node
    declares it."""
    longest: dict[str, int] = {}

    def seen(key: str, length: int) -> None:
        longest[key] = max(longest.get(key, 0), length)

    for node in doc.nodes.values():
        if node.kind == "menu" and node.key:
            labels = [localized(o.label, lang, doc.default_language) for o in node.options]
            seen(node.key, max((len(label) for label in labels), default=0))
        elif node.kind == "input" and node.key:
            seen(node.key, _longest_answer(node))
        elif node.http is not None:
            for saved in node.http.save:
                seen(saved.name, saved.max_length)
    return longest


def _longest_answer(node: Node) -> int:
    v = node.validation
    typed = v.max_length if v is not None and v.max_length is not None else DEFAULT_MAX_LENGTH
    if v is None:
        return typed
    if v.type == "date":
        return min(typed, len("DD/MM/YYYY"))
    if v.type == "phone":
        return min(typed, len("+000 00 000 00 00 00"))
    if v.type == "number" and v.min is not None and v.max is not None:
        return min(typed, max(len(f"{v.min:g}"), len(f"{v.max:g}")) + 2)
    return typed


def _check_budgets(doc: MenuDocument, budgets: Mapping[str, Budget], add: Add) -> None:
    compiled = CompiledMenu(doc)
    by_budget: dict[Budget, list[str]] = {}
    for gateway, budget in budgets.items():
        by_budget.setdefault(budget, []).append(gateway)
    for node in doc.nodes.values():
        if node.kind in ("branch", "http"):
            continue
        for lang in doc.languages:
            for what, text in _texts(node):
                value = localized(text, lang, doc.default_language)
                forcing = ucs2_forcing(value)
                if forcing:
                    suggestion = suggest_gsm7(value)
                    chars = " ".join(forcing)
                    if suggestion:
                        text_ = N_(
                            "{what}: {chars} forces UCS-2, which cuts the screen to 80 characters",
                            what=what,
                            chars=chars,
                        )
                    else:
                        text_ = N_(
                            "{what}: {chars} forces UCS-2, which cuts the screen to 80 "
                            "characters (no GSM-7 spelling exists)",
                            what=what,
                            chars=chars,
                        )
                    add("warning", node.id, text_, lang, suggestion)
            # a screen that shows values is measured with the longest each can have
            values = (
                {k: "x" * n for k, n in longest_shown(doc, lang).items()}
                if compiled.templated(node)
                else None
            )
            whole = compiled.full_text(node, lang, values)
            for budget, gateways in by_budget.items():
                where = ", ".join(gateways)
                try:
                    pages = compiled.pages(node, lang, budget, values=values)
                except Exception as exc:  # noqa: BLE001 - reported, not raised
                    add(
                        "error",
                        node.id,
                        N_("cannot be shown on {where}: {reason}", where=where, reason=str(exc)),
                        lang,
                    )
                    continue
                if len(pages) > 1 and values and len(compiled.pages(node, lang, budget)) == 1:
                    shown = sorted(
                        {k for _, t in _texts(node) for v in t.values() for k in keys_in(v)}
                    )
                    add(
                        "warning",
                        node.id,
                        N_(
                            "with the longest {keys} it can show, the screen is {measure} "
                            'on {where}: it would be shown on {pages} pages with "98" for more',
                            keys=", ".join(f"{{{k}}}" for k in shown),
                            measure=str(budget.measure(whole)),
                            where=where,
                            pages=len(pages),
                        ),
                        lang,
                    )
                elif len(pages) > 1:
                    add(
                        "warning",
                        node.id,
                        N_(
                            "screen is {measure} on {where}: it will be shown "
                            'on {pages} pages with "98" for more',
                            measure=str(budget.measure(whole)),
                            where=where,
                            pages=len(pages),
                        ),
                        lang,
                    )


# -- system texts on a screen --------------------------------------------------------------------

# Where system texts reach a caller, and the share of a screen each may take there: a closing
# screen is theirs alone; a notice (a refused choice or answer) sits above the question it
# repeats and leaves it at least half the screen; "98. More" and "0. Back" together, or
# "1. Continue" under a message, take at most a quarter of a page.
WHOLE, HALF, QUARTER = (1, 1), (1, 2), (1, 4)
CLOSING = (
    "too_many_attempts",
    "expired",
    "ended",
    "apology",
    "unavailable",
    "handoff",
    "already_queued",
    "limit_reached",
    "goodbye",
)
NOTICES = (
    "invalid_option",
    "pin_wrong",
    *(name for name in MESSAGE_NAMES if name.startswith("err_")),
)
# The longest organisation name a reply offer shows (ORGANISATION_NAME is refused longer).
ORGANISATION_LENGTH = 30
# The texts that share a screen with a coordinator's text: in a language GSM-7 can write,
# one character outside GSM-7 among them would halve that screen.
SHARED = ("more", "back", "continue", *NOTICES)


def longest_values(name: str, lang: str) -> dict[str, str]:
    """The longest value each placeholder of `name` can show (DESIGN §4: a text is measured
    as rendered with the longest known value): a length up to MAX_LENGTH, a number bound down
    to -MAX_BOUND (a bound written with many decimals can be longer), a date format as the
    language names it."""
    hints = DATE_FORMAT_HINTS.get(lang, {})
    length = str(MAX_LENGTH) if name in ("err_too_short", "err_too_long") else str(-MAX_BOUND)
    date_format = max((hints.get(f, f) for f in DATE_FORMATS), key=len)
    return {
        "min": length,
        "max": length,
        "format": date_format,
        "organisation": "W" * ORGANISATION_LENGTH,
    }


@dataclass(frozen=True)
class Shown:
    """A part of a screen made of system texts, as a caller sees it."""

    names: tuple[str, ...]  # the system texts in it
    text: str
    share: tuple[int, int]  # of a screen it may take

    def measure(self, budget: Budget) -> Measure:
        measure = budget.measure(self.text)
        numerator, denominator = self.share
        return Measure(measure.used, measure.limit * numerator // denominator, measure.encoding)


def system_screens(message: Callable[[str], str], lang: str) -> list[Shown]:
    """Every place a system text reaches a caller in `lang`, rendered with the longest values;
    `message(name)` gives the text (a menu's, with its fallbacks, or a built-in table's)."""

    def filled(name: str) -> str:
        return fill(message(name), longest_values(name, lang))

    shown = [Shown((name,), filled(name), WHOLE) for name in CLOSING]
    shown += [Shown((name,), filled(name), HALF) for name in NOTICES]
    shown.append(
        Shown(
            ("more", "back"),
            f"{MORE}. {message('more')}\n{BACK}. {message('back')}",
            QUARTER,
        )
    )
    shown.append(Shown(("continue",), f"1. {message('continue')}", QUARTER))
    for offer in ("reply_offer", "reply_offer_plain"):  # the first screen with replies waiting
        names = ("invalid_option", offer, "read", "menu")
        lines = [message("invalid_option"), filled(offer)]
        lines += [f"1. {message('read')}", f"2. {message('menu')}"]
        shown.append(Shown(names, "\n".join(lines), WHOLE))
    shown.append(  # asking for the PIN, after a wrong one
        Shown(
            ("pin_wrong", "pin_prompt", "back"),
            f"{message('pin_wrong')}\n{message('pin_prompt')}\n{BACK}. {message('back')}",
            WHOLE,
        )
    )
    after = ("next_reply", "menu", "end")  # under the last page of a reply
    shown.append(
        Shown(
            after,
            "\n".join(f"{n}. {message(name)}" for n, name in enumerate(after, start=1)),
            HALF,
        )
    )
    shown.append(
        Shown(
            ("pin_locked", "menu", "end"),
            f"{message('pin_locked')}\n1. {message('menu')}\n2. {message('end')}",
            WHOLE,
        )
    )
    resume = ("invalid_option", "resume", "continue", "start_over")
    shown.append(
        Shown(
            resume,
            "\n".join(
                [
                    message("invalid_option"),
                    message("resume"),
                    f"1. {message('continue')}",
                    f"2. {message('start_over')}",
                ]
            ),
            WHOLE,
        )
    )
    return shown
