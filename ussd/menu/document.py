"""The menu document: a versioned JSON tree of nodes, parsed into immutable objects.

The format is documented in docs/menu-format.md. `parse_menu` checks the *shape* of a
document (types, required fields, known kinds) and raises MenuFormatError listing every
problem with its path; whether the menu makes sense (links, reachability, translations,
screen budgets) is the lint's job (ussd/menu/lint.py), because a draft may be unfinished.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ussd.menu.insights import NO_INSIGHTS, Insights, insights_to_dict, parse_insights
from ussd.menu.patterns import PatternError, compiled
from ussd.menu.safe_contact import (
    DEFAULT_CALLBACK_WINDOWS,
    Windows,
    parse_callback_windows,
    windows_to_dict,
)

FORMAT_VERSION = 1
NODE_KINDS = ("menu", "input", "branch", "message", "end", "handoff", "http")
INPUT_TYPES = ("text", "number", "phone", "date", "pattern")
CONDITION_SUBJECTS = ("language", "network", "phone", "service_code", "gateway")
CONDITION_OPS = ("equals", "not_equals", "in", "not_in", "starts_with", "exists", "missing")
DATE_FORMATS = ("DD/MM/YYYY", "MM/DD/YYYY", "YYYY-MM-DD")
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_OPTIONS = 97  # 0, 00 and 98 are navigation
HTTP_OUTCOMES = ("success", "failure", "timeout")
SEND_AS = ("json", "query")
# A path below a connection's base URL: no scheme, host, query, fragment or "..", so a menu
# can never name another server (the connection's admin chose the host).
PATH_PATTERN = re.compile(r"^/?(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+/?)*$")
DOTTED_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
# What a variable from a reply may hold when its node does not say: a date, an amount, a
# status word.
DEFAULT_VARIABLE_LENGTH = 30
MAX_VARIABLE_LENGTH = 160

Text = Mapping[str, str]  # language code -> text


def _frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    """A read-only view: a published menu is shared by every session of a process."""
    return MappingProxyType(mapping)


def _no_text() -> Text:
    return _frozen({})


def _no_messages() -> Mapping[str, Text]:
    return _frozen({})


class MenuFormatError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Option:
    label: Text
    value: str
    next: str | None = None
    language: str | None = None  # choosing this option switches the session language


@dataclass(frozen=True)
class Validation:
    """How an input node checks an answer. Its fields are described by VALIDATION_SETTINGS."""

    type: str = "text"
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = True
    pattern: str | None = None
    region: str | None = None  # default region for phone numbers without a country code
    date_format: str = "DD/MM/YYYY"
    not_future: bool = False


# Bounds beyond this are typing mistakes, and no caller could type them on a screen anyway.
MAX_BOUND = 10**15
MAX_LENGTH = 500  # characters: longer than any screen a caller types on


@dataclass(frozen=True)
class Setting:
    """One field of `Validation` as a document spells it: its name, the kind of value it takes
    ("choice", "count", "number", "flag", "pattern" or "region") and the values accepted."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    at_most: str | None = None  # the setting this one must not exceed (a lower bound's upper)

    @property
    def default(self) -> Any:
        return getattr(_DEFAULT_VALIDATION, self.name)

    def accepts(self, value: Any) -> bool:
        """Whether a value given in a document is one this setting takes. A flag takes
        anything (read as true or false); a pattern is checked against the input type."""
        if self.kind == "choice":
            return value in self.choices
        if self.kind in ("count", "number"):
            kinds = int if self.kind == "count" else int | float
            return (
                isinstance(value, kinds)
                and not isinstance(value, bool)
                and self.low <= value <= self.high  # also refuses NaN and infinities
            )
        if self.kind == "region":
            return isinstance(value, str) and re.fullmatch(r"[A-Z]{2}", value) is not None
        return True

    @property
    def expects(self) -> str:
        """What the setting takes, for a problem found in a document."""
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        if self.kind == "count":
            return f"a whole number from {self.low} to {self.high}"
        if self.kind == "number":
            return "a number between -10^15 and 10^15"
        return "a two-letter country code such as SN"


_DEFAULT_VALIDATION = Validation()
# Every field of `Validation`, in its order: the parser, the serialiser, the lint and the
# editor's form all work from this list.
VALIDATION_SETTINGS = (
    Setting("type", "choice", choices=INPUT_TYPES),
    Setting("min_length", "count", high=MAX_LENGTH, at_most="max_length"),
    Setting("max_length", "count", high=MAX_LENGTH),
    Setting("min", "number", low=-MAX_BOUND, high=MAX_BOUND, at_most="max"),
    Setting("max", "number", low=-MAX_BOUND, high=MAX_BOUND),
    Setting("integer", "flag"),
    Setting("pattern", "pattern"),
    Setting("region", "region"),
    Setting("date_format", "choice", choices=DATE_FORMATS),
    Setting("not_future", "flag"),
)


@dataclass(frozen=True)
class Condition:
    on: str  # "answer.<key>" or one of CONDITION_SUBJECTS
    op: str
    value: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Rule:
    when: tuple[Condition, ...]
    next: str


@dataclass(frozen=True)
class Saved:
    """A variable an http node stores from its JSON reply: the dotted path of the field
    ("payment.next.date", "items.0.id") and the longest value it may show."""

    name: str
    path: str
    max_length: int = DEFAULT_VARIABLE_LENGTH


@dataclass(frozen=True)
class HttpCall:
    """What an http node asks for: a connection an admin defined, a path below its base
    URL, the answers sent (parameter name, answer key), and where each outcome leads."""

    connection: str
    path: str = ""
    send: tuple[tuple[str, str], ...] = ()
    send_as: str = "json"
    send_phone: bool = False
    save: tuple[Saved, ...] = ()
    success: str | None = None
    failure: str | None = None
    timeout: str | None = None  # None: a timeout takes the failure branch

    def target(self, outcome: str) -> str | None:
        if outcome == "success":
            return self.success
        if outcome == "timeout" and self.timeout:
            return self.timeout
        return self.failure


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    text: Text = field(default_factory=_no_text)
    key: str | None = None
    next: str | None = None
    options: tuple[Option, ...] = ()
    validation: Validation | None = None
    error: Text = field(default_factory=_no_text)
    attempts: int = 3
    on_fail: str | None = None
    rules: tuple[Rule, ...] = ()
    default: str | None = None
    note: str = ""
    http: HttpCall | None = None

    @property
    def asks(self) -> bool:
        return self.kind in ("menu", "input")

    @property
    def ends(self) -> bool:
        return self.kind in ("end", "handoff") or (self.kind == "message" and not self.next)

    def links(self) -> list[tuple[str, str]]:
        """(where, target) for every node id this node can lead to."""
        out: list[tuple[str, str]] = []
        if self.next:
            out.append(("next", self.next))
        for i, opt in enumerate(self.options, 1):
            if opt.next:
                out.append((f"option {i}", opt.next))
        for i, rule in enumerate(self.rules, 1):
            out.append((f"rule {i}", rule.next))
        if self.default:
            out.append(("default", self.default))
        if self.on_fail:
            out.append(("on_fail", self.on_fail))
        if self.http is not None:
            for outcome in HTTP_OUTCOMES:
                target = getattr(self.http, outcome)
                if target:
                    out.append((outcome, target))
        return out


@dataclass(frozen=True)
class MenuDocument:
    name: str
    languages: tuple[str, ...]
    default_language: str
    start: str
    nodes: Mapping[str, Node]  # in document order
    messages: Mapping[str, Text] = field(default_factory=_no_messages)  # system string overrides
    description: str = ""
    # The local hours of each safe window a caller may choose (ussd/menu/safe_contact.py).
    callback_windows: Windows = field(default_factory=lambda: DEFAULT_CALLBACK_WINDOWS)
    # Flex Insights' conversation attributes filled from answers (ussd/menu/insights.py).
    insights: Insights = field(default_factory=lambda: NO_INSIGHTS)

    def to_dict(self) -> dict[str, Any]:
        return menu_to_dict(self)


def parse_menu(data: Any) -> MenuDocument:
    """Check the shape of a menu document and build it; raise MenuFormatError otherwise."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise MenuFormatError(["the document must be a JSON object"])
    fmt = data.get("format", FORMAT_VERSION)
    if fmt != FORMAT_VERSION:
        problems.append(f"format: expected {FORMAT_VERSION}, got {fmt!r}")
    _unknown(
        data,
        {
            "format",
            "name",
            "description",
            "languages",
            "default_language",
            "start",
            "nodes",
            "messages",
            "callback_windows",
            "insights",
        },
        "menu",
        problems,
    )
    name = _str(data, "name", "menu", problems, required=True) or "Untitled menu"
    languages = data.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(x, str) and LANGUAGE_PATTERN.match(x) for x in languages)
    ):
        problems.append('languages: a non-empty list of language codes such as "en", "fr"')
        languages = ["en"]
    elif len(set(languages)) != len(languages):
        problems.append("languages: listed twice")
    default_language = data.get("default_language", languages[0])
    if default_language not in languages:
        problems.append(f"default_language: {default_language!r} is not in languages")
        default_language = languages[0]
    start = _str(data, "start", "menu", problems, required=True) or ""
    messages: dict[str, Text] = {}
    raw_messages = data.get("messages", {})
    if not isinstance(raw_messages, dict):
        problems.append("messages: an object of {language: {name: text}}")
    else:
        for lang, table in raw_messages.items():
            if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in table.items()
            ):
                problems.append(f"messages.{lang}: an object of {{name: text}}")
            else:
                messages[lang] = _frozen(dict(table))
    nodes: dict[str, Node] = {}
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        problems.append("nodes: a non-empty list of nodes")
        raw_nodes = []
    for index, raw in enumerate(raw_nodes):
        node = _parse_node(raw, f"nodes[{index}]", problems)
        if node is None:
            continue
        if node.id in nodes:
            problems.append(f"node {node.id}: the id is used twice")
            continue
        nodes[node.id] = node
    callback_windows = parse_callback_windows(data.get("callback_windows", {}), problems)
    insights = parse_insights(data.get("insights"), problems)
    if problems:
        raise MenuFormatError(problems)
    description = data.get("description", "")
    return MenuDocument(
        name=name,
        languages=tuple(languages),
        default_language=default_language,
        start=start,
        nodes=_frozen(nodes),
        messages=_frozen(messages),
        description=description if isinstance(description, str) else "",
        callback_windows=callback_windows,
        insights=insights,
    )


def _parse_node(raw: Any, where: str, problems: list[str]) -> Node | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a node must be an object")
        return None
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not ID_PATTERN.match(node_id):
        problems.append(f"{where}.id: letters, digits, _ or -, starting with a letter")
        return None
    where = f"node {node_id}"
    kind = raw.get("kind")
    if kind not in NODE_KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(NODE_KINDS)}")
        return None
    if kind == "http":
        return _parse_http(raw, node_id, where, problems)
    allowed = {"id", "kind", "text", "key", "next", "note"}
    allowed |= {
        "menu": {"options"},
        "input": {"validation", "error", "attempts", "on_fail"},
        "branch": {"rules", "default"},
        "message": set(),
        "end": set(),
        "handoff": set(),
    }[kind]
    if kind == "branch":
        allowed -= {"text", "key"}
    _unknown(raw, allowed, where, problems)
    text = _text(raw.get("text", {}), f"{where}.text", problems)
    key = raw.get("key")
    if key is not None and (not isinstance(key, str) or not ID_PATTERN.match(key)):
        problems.append(f"{where}.key: letters, digits, _ or -, starting with a letter")
        key = None
    if kind in ("menu", "input") and not key:
        problems.append(f"{where}.key: required, the name the answer is stored under")
    next_id = _ref(raw, "next", where, problems)
    note = raw.get("note", "")
    common: dict[str, Any] = {
        "id": node_id,
        "kind": kind,
        "text": text,
        "key": key,
        "next": next_id,
        "note": note if isinstance(note, str) else "",
    }
    if kind == "menu":
        options = []
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or not raw_options:
            problems.append(f"{where}.options: a non-empty list")
            raw_options = []
        if len(raw_options) > MAX_OPTIONS:
            problems.append(f"{where}.options: at most {MAX_OPTIONS} options")
        for i, ro in enumerate(raw_options, 1):
            ow = f"{where} option {i}"
            if not isinstance(ro, dict):
                problems.append(f"{ow}: an object with label, value and next")
                continue
            _unknown(ro, {"label", "value", "next", "language"}, ow, problems)
            value = ro.get("value")
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{ow}.value: required text, the value stored for this option")
                value = ""
            language = ro.get("language")
            if language is not None and not isinstance(language, str):
                problems.append(f"{ow}.language: a language code")
                language = None
            options.append(
                Option(
                    label=_text(ro.get("label", {}), f"{ow}.label", problems),
                    value=value,
                    next=_ref(ro, "next", ow, problems),
                    language=language,
                )
            )
        return Node(**common, options=tuple(options))
    if kind == "input":
        attempts = raw.get("attempts", 3)
        if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
            problems.append(f"{where}.attempts: a whole number from 1 to 10")
            attempts = 3
        return Node(
            **common,
            validation=_validation(raw.get("validation", {}), where, problems),
            error=_text(raw.get("error", {}), f"{where}.error", problems),
            attempts=attempts,
            on_fail=_ref(raw, "on_fail", where, problems),
        )
    if kind == "branch":
        rules = []
        raw_rules = raw.get("rules", [])
        if not isinstance(raw_rules, list):
            problems.append(f"{where}.rules: a list")
            raw_rules = []
        for i, rr in enumerate(raw_rules, 1):
            rw = f"{where} rule {i}"
            if not isinstance(rr, dict):
                problems.append(f"{rw}: an object with when and next")
                continue
            _unknown(rr, {"when", "next"}, rw, problems)
            raw_when = rr.get("when")
            if isinstance(raw_when, dict):
                raw_when = [raw_when]
            if not isinstance(raw_when, list) or not raw_when:
                problems.append(f"{rw}.when: a condition or a list of conditions")
                raw_when = []
            conditions = [c for c in (_condition(c, rw, problems) for c in raw_when) if c]
            target = _ref(rr, "next", rw, problems)
            if not target:
                problems.append(f"{rw}.next: required")
                continue
            rules.append(Rule(when=tuple(conditions), next=target))
        common["text"], common["key"] = {}, None
        return Node(**common, rules=tuple(rules), default=_ref(raw, "default", where, problems))
    return Node(**common)


def _parse_http(raw: dict[str, Any], node_id: str, where: str, problems: list[str]) -> Node:
    _unknown(
        raw,
        {"id", "kind", "note", "connection", "path", "send", "send_as", "send_phone", "save"}
        | {"next"},
        where,
        problems,
    )
    # empty in a node just added in the editor: the lint asks for one before publishing
    connection = raw.get("connection", "")
    if not isinstance(connection, str) or (connection and not ID_PATTERN.match(connection)):
        problems.append(f"{where}.connection: the name of a connection an admin defined")
        connection = ""
    path = raw.get("path", "")
    if not isinstance(path, str) or not _is_relative_path(path):
        problems.append(
            f"{where}.path: a path below the connection's address, such as /status "
            "(no scheme, host, query or ..)"
        )
        path = ""
    send: list[tuple[str, str]] = []
    raw_send = raw.get("send", [])
    if isinstance(raw_send, list):
        raw_send = {k: k for k in raw_send} if all(isinstance(k, str) for k in raw_send) else None
    if not isinstance(raw_send, dict) or not all(
        isinstance(k, str) and ID_PATTERN.match(k) and isinstance(v, str) and ID_PATTERN.match(v)
        for k, v in raw_send.items()
    ):
        problems.append(
            f"{where}.send: a list of answer keys, or an object of {{parameter: answer key}}"
        )
    else:
        send = list(raw_send.items())
    send_as = raw.get("send_as", "json")
    if send_as not in SEND_AS:
        problems.append(f"{where}.send_as: one of {', '.join(SEND_AS)}")
        send_as = "json"
    send_phone = raw.get("send_phone", False)
    if not isinstance(send_phone, bool):
        problems.append(f"{where}.send_phone: true or false")
        send_phone = False
    saved: list[Saved] = []
    raw_save = raw.get("save", {})
    if not isinstance(raw_save, dict):
        problems.append(f"{where}.save: an object of {{variable: dotted path}}")
        raw_save = {}
    for name, spec in raw_save.items():
        sw = f"{where}.save.{name}"
        if not ID_PATTERN.match(name):
            problems.append(f"{sw}: a variable name of letters, digits, _ or -")
            continue
        length: Any = DEFAULT_VARIABLE_LENGTH
        if isinstance(spec, dict):
            _unknown(spec, {"path", "max_length"}, sw, problems)
            length = spec.get("max_length", DEFAULT_VARIABLE_LENGTH)
            spec = spec.get("path")
        if not isinstance(spec, str) or not DOTTED_PATH.match(spec):
            problems.append(f"{sw}: a dotted path in the reply, such as payment.next.date")
            continue
        if (
            not isinstance(length, int)
            or isinstance(length, bool)
            or not 1 <= length <= MAX_VARIABLE_LENGTH
        ):
            problems.append(f"{sw}.max_length: a whole number from 1 to {MAX_VARIABLE_LENGTH}")
            length = DEFAULT_VARIABLE_LENGTH
        saved.append(Saved(name, spec, length))
    targets: dict[str, str | None] = dict.fromkeys(HTTP_OUTCOMES)
    raw_next = raw.get("next", {})
    if not isinstance(raw_next, dict):
        problems.append(f"{where}.next: an object of {{success, failure, timeout}} node ids")
        raw_next = {}
    _unknown(raw_next, set(HTTP_OUTCOMES), f"{where}.next", problems)
    for outcome in HTTP_OUTCOMES:
        targets[outcome] = _ref(raw_next, outcome, f"{where}.next", problems)
    note = raw.get("note", "")
    return Node(
        id=node_id,
        kind="http",
        note=note if isinstance(note, str) else "",
        http=HttpCall(
            connection=connection,
            path=path,
            send=tuple(send),
            send_as=send_as,
            send_phone=send_phone,
            save=tuple(saved),
            **targets,
        ),
    )


def _is_relative_path(path: str) -> bool:
    return (
        len(path) <= 200
        and PATH_PATTERN.match(path) is not None
        and not path.startswith("//")
        and ".." not in path.split("/")
        and "." not in path.split("/")
        # an encoded dot or slash would be decoded by the server into the same escape
        and "%2e" not in path.lower()
        and "%2f" not in path.lower()
    )


def _validation(raw: Any, where: str, problems: list[str]) -> Validation:
    if not isinstance(raw, dict):
        problems.append(f"{where}.validation: an object")
        return Validation()
    where = f"{where}.validation"
    _unknown(raw, {s.name for s in VALIDATION_SETTINGS}, where, problems)
    values: dict[str, Any] = {}
    for setting in VALIDATION_SETTINGS:
        value = raw.get(setting.name, setting.default)
        if setting.kind == "flag":
            value = bool(value)
        elif setting.kind == "pattern":
            value = _pattern(value, values["type"], where, problems)
        elif value != setting.default and not setting.accepts(value):
            problems.append(f"{where}.{setting.name}: {setting.expects}")
            value = setting.default
        values[setting.name] = value
    return Validation(**values)


def _pattern(pattern: Any, vtype: str, where: str, problems: list[str]) -> str | None:
    """A pattern is required, and must be one we can match safely, for the type pattern."""
    if vtype == "pattern":
        if not isinstance(pattern, str) or not pattern:
            problems.append(f"{where}.pattern: required for type pattern")
            return None
        try:
            compiled(pattern)
        except PatternError as exc:
            problems.append(
                f"{where}.pattern: not a pattern we can match safely ({exc}; "
                "backreferences and lookarounds are not supported)"
            )
            return None
    return pattern if isinstance(pattern, str) else None


def _condition(raw: Any, where: str, problems: list[str]) -> Condition | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}.when: each condition is an object with on, op, value")
        return None
    _unknown(raw, {"on", "op", "value"}, where, problems)
    on = raw.get("on")
    if not isinstance(on, str) or not (
        on in CONDITION_SUBJECTS
        or (on.startswith("answer.") and ID_PATTERN.match(on.removeprefix("answer.")))
    ):
        problems.append(f"{where}.on: answer.<key> or one of {', '.join(CONDITION_SUBJECTS)}")
        return None
    op = raw.get("op", "equals")
    if op not in CONDITION_OPS:
        problems.append(f"{where}.op: one of {', '.join(CONDITION_OPS)}")
        return None
    value = raw.get("value")
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{where}.value: a list of texts for {op}")
            return None
        return Condition(on=on, op=op, value=tuple(value))
    if op in ("exists", "missing"):
        return Condition(on=on, op=op)
    if not isinstance(value, str):
        problems.append(f"{where}.value: a text for {op}")
        return None
    return Condition(on=on, op=op, value=value)


def _text(raw: Any, where: str, problems: list[str]) -> Text:
    if isinstance(raw, str):  # shorthand for a single-language menu
        return _frozen({"*": raw})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        problems.append(f"{where}: an object of {{language: text}}")
        return _no_text()
    return _frozen(dict(raw))


def _str(
    raw: dict[str, Any], name: str, where: str, problems: list[str], required: bool = False
) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            problems.append(f"{where}.{name}: required")
        return None
    if not isinstance(value, str):
        problems.append(f"{where}.{name}: must be text")
        return None
    return value


def _ref(raw: dict[str, Any], name: str, where: str, problems: list[str]) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(f"{where}.{name}: a node id")
        return None
    return value


def _unknown(raw: dict[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        problems.append(f"{where}: unknown field(s) {', '.join(extra)}")


def menu_to_dict(doc: MenuDocument) -> dict[str, Any]:
    """The canonical JSON form of a document (parse_menu(menu_to_dict(d)) == d)."""
    nodes = [_node_to_dict(n) for n in doc.nodes.values()]
    out: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "name": doc.name,
        "languages": list(doc.languages),
        "default_language": doc.default_language,
        "start": doc.start,
    }
    if doc.description:
        out["description"] = doc.description
    if doc.messages:
        out["messages"] = {lang: dict(t) for lang, t in doc.messages.items()}
    if windows_to_dict(doc.callback_windows):
        out["callback_windows"] = windows_to_dict(doc.callback_windows)
    if doc.insights:
        out["insights"] = insights_to_dict(doc.insights)
    out["nodes"] = nodes
    return out


def _node_to_dict(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "kind": node.kind}
    if node.http is not None:
        return _http_to_dict(node, node.http, out)
    if node.key:
        out["key"] = node.key
    if node.kind != "branch":
        out["text"] = dict(node.text)
    if node.kind == "menu":
        out["options"] = []
        for opt in node.options:
            o: dict[str, Any] = {"label": dict(opt.label), "value": opt.value}
            if opt.next:
                o["next"] = opt.next
            if opt.language:
                o["language"] = opt.language
            out["options"].append(o)
    if node.kind == "input":
        out["validation"] = validation_to_dict(node.validation or _DEFAULT_VALIDATION)
        if node.error:
            out["error"] = dict(node.error)
        if node.attempts != 3:
            out["attempts"] = node.attempts
        if node.on_fail:
            out["on_fail"] = node.on_fail
    if node.kind == "branch":
        out["rules"] = [
            {"when": [_condition_to_dict(c) for c in r.when], "next": r.next} for r in node.rules
        ]
        if node.default:
            out["default"] = node.default
    if node.next:
        out["next"] = node.next
    if node.note:
        out["note"] = node.note
    return out


def _http_to_dict(node: Node, call: HttpCall, out: dict[str, Any]) -> dict[str, Any]:
    out["connection"] = call.connection
    if call.path:
        out["path"] = call.path
    if call.send:
        same = all(name == key for name, key in call.send)
        out["send"] = [key for _, key in call.send] if same else dict(call.send)
    if call.send_as != "json":
        out["send_as"] = call.send_as
    if call.send_phone:
        out["send_phone"] = True
    if call.save:
        out["save"] = {
            s.name: s.path
            if s.max_length == DEFAULT_VARIABLE_LENGTH
            else {"path": s.path, "max_length": s.max_length}
            for s in call.save
        }
    out["next"] = {o: getattr(call, o) for o in HTTP_OUTCOMES if getattr(call, o)}
    if node.note:
        out["note"] = node.note
    return out


def validation_to_dict(v: Validation) -> dict[str, Any]:
    """The type, and every other setting that differs from its default."""
    return {
        s.name: getattr(v, s.name)
        for s in VALIDATION_SETTINGS
        if s.name == "type" or getattr(v, s.name) != s.default
    }


def _condition_to_dict(c: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"on": c.on, "op": c.op}
    if c.value is not None:
        out["value"] = list(c.value) if isinstance(c.value, tuple) else c.value
    return out
