"""Hypothesis strategies: menu documents, caller inputs, contexts and screen budgets.

`menu_documents()` builds documents that parse_menu accepts and, by default, that the lint
passes without errors for the three budgets below: 1 to 10 nodes of every kind, 1 to 3
languages (French texts with ç/ê that force UCS-2, texts long enough to need several pages),
options with and without their own `next` and language switches, every validation type,
branch rules on answers, language, network, phone, gateway and service code, optional
system-message overrides. Every link targets an existing node.

Branches only lead on to later branches: the lint refuses a ring of them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from hypothesis import strategies as st

from ussd.menu.document import CONDITION_OPS, DATE_FORMATS
from ussd.menu.engine import Context
from ussd.menu.gsm import Budget
from ussd.menu.texts import MESSAGE_NAMES

BUDGETS = (Budget(), Budget(cap=120), Budget(cap=60))
LINT_BUDGETS = {"default": BUDGETS[0], "cap120": BUDGETS[1], "cap60": BUDGETS[2]}
LANGUAGES = ("en", "fr", "wo")
GATEWAY_NAMES = ("africastalking", "hubtel", "nalo", "arkesel", "json")
TODAY = date(2026, 11, 24)


# -- texts ------------------------------------------------------------------------------------

WORDS = {
    "en": tuple(
        "Where are you What support do need Shelter Legal Food and clothing Do want an agent "
        "to call back Thank Yes No Please choose region {x} [1] €5 @home 100%".split()
    ),
    "fr": tuple(
        "Où êtes-vous Reçu ça déjà Français Thiès hôpital sûr Quel soutien vous faut-il Abri "
        "Juridique Nourriture et vêtements Voulez-vous qu'un agent rappelle Merci être Noël "
        "garçon à Ç « » —".split()
    ),
    "wo": tuple("Dalal ak jamm Nanga def Jërëjëf Waaw Déedéet 🙂 ñ".split()),
}
_rng = random.Random(20261124)  # a fixed pool of short phrases: one draw per text
PHRASES = {
    lang: tuple(" ".join(_rng.choices(words, k=_rng.randint(1, 5))) for _ in range(60))
    for lang, words in WORDS.items()
}
BLOB_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789éçêÉ€{}🙂ñß-"
ODD = (  # texts that are not words: control characters, RTL, emoji, templates, markup
    "\x00",
    "\t tab",
    "a\nb",
    "\u202eRTL",
    "مرحبا بكم",
    "🙂🙂🙂",
    "{{7*7}}",
    "%s %d",
    "<b>bold</b>",
    "' OR 1=1 --",
    "ç" * 81,
    "€" * 91,
    " x ",
)


def _cycle(words: tuple[str, ...], start: int, count: int) -> str:
    return " ".join(words[(start + j) % len(words)] for j in range(count))


@cache  # build each strategy once: building one costs more than drawing
def phrases(lang: str, long: bool = True) -> st.SearchStrategy[str]:
    """Mostly short texts; some long enough for several pages (cheap to draw: a long text is
    a run of the language's words), one-word blobs longer than a page, odd Unicode."""
    words = WORDS.get(lang, WORDS["en"])
    short = st.sampled_from(PHRASES.get(lang, PHRASES["en"]))
    if not long:
        return st.one_of(short, short, short, st.sampled_from(ODD))
    many = st.builds(_cycle, st.just(words), st.integers(0, len(words) - 1), st.integers(25, 45))
    blob = st.builds(  # a single "word" longer than any page: cut mid-word
        lambda token, k: (token * k)[:240],
        st.text(BLOB_ALPHABET, min_size=1, max_size=4),
        st.integers(30, 240),
    )
    anything = st.text(min_size=1, max_size=8).map(lambda s: s if s.strip() else f"x{s}")
    return st.one_of(short, short, short, many, blob, st.sampled_from(ODD), anything)


@cache
def texts(langs: tuple[str, ...], required: bool = True, long: bool = True) -> st.SearchStrategy:
    return _texts(langs, required, long)


@st.composite
def _texts(draw: st.DrawFn, langs: tuple[str, ...], required: bool, long: bool) -> Any:
    """A text object {lang: text} (some translations missing) or the "*" shorthand."""
    if draw(st.integers(0, 7)) == 0:
        return draw(phrases(langs[0], long))
    out: dict[str, str] = {}
    for lang in langs:
        if draw(st.integers(0, 6)) == 0:
            continue  # a missing translation: a lint warning, the default language is shown
        out[lang] = draw(phrases(lang, long))
    if required and not out:
        out[langs[0]] = draw(phrases(langs[0], long))
    return out


# -- nodes ------------------------------------------------------------------------------------

VALUES = ("Yes", "No", "Dakar", "Touba", "Thies", "French", "English", "Shelter", "Legal")
SAFE_PATTERNS = ("[A-Z]{2}[0-9]{4}", r"\d{3,5}", ".*", "[a-z ]+", "(oui|non|yes|no)", "[^*#]+")
REGIONS = ("SN", "GH", "KE", "NG", "FR", "US")
NETWORKS = ("60801", "60802", "62001", "99999", "")
PHONES = ("+221771234567", "+233244123456", "+254739495441", "0244123456", "")
CODES = ("123*456", "*123*456#", "384*44135", "")


@cache
def option_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(VALUES),
        st.sampled_from(VALUES),
        st.text(min_size=1, max_size=12).map(lambda s: s if s.strip() else f"v{s}"),
    )


@st.composite
def validations(draw: st.DrawFn) -> dict[str, Any]:
    vtype = draw(st.sampled_from(("text", "number", "phone", "date", "pattern")))
    out: dict[str, Any] = {"type": vtype}
    lengths: list[int] = sorted(draw(st.lists(st.integers(0, 500), min_size=0, max_size=2)))
    if len(lengths) == 2 or (lengths and draw(st.booleans())):
        out["min_length"] = lengths[0]
    if len(lengths) == 2 or (lengths and "min_length" not in out):
        out["max_length"] = lengths[-1]
    if vtype == "number":
        bound = st.one_of(
            st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
        )
        bounds: list[float] = sorted(draw(st.lists(bound, max_size=2)))
        if bounds:
            out["min" if draw(st.booleans()) or len(bounds) == 2 else "max"] = bounds[0]
        if len(bounds) == 2:
            out["max"] = bounds[1]
        if draw(st.booleans()):
            out["integer"] = draw(st.booleans())
    elif vtype == "phone" and draw(st.booleans()):
        out["region"] = draw(st.sampled_from(REGIONS))
    elif vtype == "date":
        if draw(st.booleans()):
            out["date_format"] = draw(st.sampled_from(DATE_FORMATS))
        if draw(st.booleans()):
            out["not_future"] = draw(st.booleans())
    elif vtype == "pattern":
        out["pattern"] = draw(st.sampled_from(SAFE_PATTERNS))
    return out


@st.composite
def conditions(
    draw: st.DrawFn, langs: Sequence[str], keys: Sequence[str], values: Sequence[str]
) -> Any:
    subject = draw(
        st.sampled_from(
            ("answer", "answer", "language", "network", "phone", "service_code", "gateway")
        )
    )
    if subject == "answer":
        key = "unasked"  # (a rule on an answer no node asks: a lint warning)
        if draw(st.integers(0, 5)) and keys:
            key = draw(st.sampled_from(keys))
        on = f"answer.{key}"
        pool: Sequence[str] = values or VALUES
    else:
        on = subject
        pool = {
            "language": langs,
            "network": [n for n in NETWORKS if n],
            "phone": ["+22177", "+233", "+221771234567"],
            "service_code": ["123*456", "384*44135"],
            "gateway": list(GATEWAY_NAMES),
        }[subject]
    op = draw(st.sampled_from(CONDITION_OPS))
    value = st.sampled_from(pool).map(lambda v: v.upper() if v.islower() else v)  # case-blind
    cond: dict[str, Any] = {"on": on, "op": op}
    if op in ("in", "not_in"):
        cond["value"] = draw(st.lists(value, max_size=3))
    elif op not in ("exists", "missing"):
        cond["value"] = draw(value)
    return cond


@st.composite
def menu_documents(
    draw: st.DrawFn,
    *,
    lint_clean: bool = True,
    max_nodes: int = 8,
    max_options: int = 97,
) -> dict[str, Any]:
    """A menu document (a JSON-like dict).

    lint_clean=True: every link targets an existing node, every question leads somewhere,
    every branch has a default and no branch leads to itself (the callers of this strategy
    still `assume` the lint reports no error). lint_clean=False: links may be dangling or
    missing, which parse_menu accepts and the lint reports.
    """
    langs = tuple(draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True)))
    n = draw(st.integers(1, max_nodes))
    ids = [f"n{i}" for i in range(n)]
    kinds = draw(
        st.lists(
            st.sampled_from(("menu", "menu", "input", "branch", "message", "end", "handoff")),
            min_size=n,
            max_size=n,
        )
    )
    if draw(st.integers(0, 9)):  # most menus start with a question, a few on a final screen
        kinds[0] = draw(st.sampled_from(("menu", "menu", "input", "branch")))
    drawn = [draw(st.sampled_from((f"k{i}", f"k{i}", "location", "callback"))) for i in range(n)]
    keys: list[str | None] = [
        k if kinds[i] in ("menu", "input") else None for i, k in enumerate(drawn)
    ]
    # answer values that branch rules may test for
    values = list(VALUES)
    dangling = st.sampled_from(("ghost", "n99"))

    def target(i: int, *, optional: bool = False, for_branch: bool = False) -> str | None:
        if optional and draw(st.booleans()):
            return None
        if not lint_clean and draw(st.integers(0, 6)) == 0:
            return draw(st.one_of(dangling, st.none()))
        pool = branch_pool(i) if for_branch else list(range(n))
        return ids[draw(st.sampled_from(pool))] if pool else None

    def branch_pool(i: int) -> list[int]:
        pool = [j for j in range(n) if j != i]
        # branches only lead on to later branches: the lint refuses a ring of them
        return [j for j in pool if kinds[j] != "branch" or j > i]

    for i in range(n):  # a branch with nowhere to go becomes an end
        if kinds[i] == "branch" and not branch_pool(i):
            kinds[i] = "end"

    nodes: list[dict[str, Any]] = []
    for i, node_id in enumerate(ids):
        kind = kinds[i]
        node: dict[str, Any] = {"id": node_id, "kind": kind}
        if kind != "branch":
            required = kind in ("input", "message", "end") and lint_clean
            if kind == "handoff" and draw(st.booleans()):
                pass  # no text: the system "handoff" message is shown
            else:
                node["text"] = draw(texts(langs, required=required))
        if kind == "menu":
            node["key"] = keys[i]
            count = draw(st.integers(1, 6))
            if draw(st.integers(0, 7)) == 0:  # sometimes many options: several pages
                count = draw(st.sampled_from((12, 12, 16, 20, 30, max_options)))
            node_next = target(i, optional=True)
            if node_next:
                node["next"] = node_next
            options = []
            if count >= 12:  # cheap labels for big lists: "<word> <i>" in each language
                stems = {lang: draw(phrases(lang, long=False)) for lang in langs}
            for i in range(count):
                opt: dict[str, Any] = {}
                if count >= 12:
                    opt["label"] = {lang: f"{stem} {i + 1}" for lang, stem in stems.items()}
                    opt["value"] = f"v{i + 1}"
                else:
                    opt["label"] = draw(texts(langs, required=False))
                    opt["value"] = draw(option_values())
                opt_next = target(i, optional=bool(node_next) or not lint_clean)
                if opt_next:
                    opt["next"] = opt_next
                if draw(st.integers(0, 4)) == 0:
                    opt["language"] = draw(st.sampled_from(langs))
                values.append(opt["value"])
                options.append(opt)
            node["options"] = options
        elif kind == "input":
            node["key"] = keys[i]
            node["validation"] = draw(validations())
            nxt = target(i, optional=not lint_clean)
            if nxt:
                node["next"] = nxt
            if draw(st.booleans()):
                node["attempts"] = draw(st.integers(1, 10))
            if draw(st.integers(0, 3)) == 0:
                node["error"] = draw(texts(langs))
            if draw(st.integers(0, 3)) == 0:
                on_fail = target(i)
                if on_fail:
                    node["on_fail"] = on_fail
        elif kind == "branch":
            rules = []
            for _ in range(draw(st.integers(0, 3))):
                when = draw(
                    st.lists(
                        conditions(langs, [k for k in keys if k], values), min_size=1, max_size=3
                    )
                )
                nxt = target(i, for_branch=True)
                if nxt:
                    rules.append({"when": when[0] if len(when) == 1 else when, "next": nxt})
            node["rules"] = rules
            default = target(i, for_branch=True, optional=not lint_clean)
            if default:
                node["default"] = default
        elif kind == "message":
            nxt = target(i, optional=True)
            if nxt:
                node["next"] = nxt
        if draw(st.integers(0, 9)) == 0:
            node["note"] = draw(st.text(max_size=20))
        nodes.append(node)

    order = draw(st.permutations(range(n)))  # the start need not be first in the list
    doc: dict[str, Any] = {
        "format": 1,
        "name": draw(st.sampled_from(("Demo hotline", "Ligne d'écoute", "T", "🙂 menu"))),
        "languages": list(langs),
        "start": ids[0],
        "nodes": [nodes[j] for j in order],
    }
    if draw(st.booleans()):
        doc["default_language"] = draw(st.sampled_from(langs))
    if draw(st.integers(0, 3)) == 0:
        messages: dict[str, dict[str, str]] = {}
        for lang in draw(st.lists(st.sampled_from(langs), max_size=2, unique=True)):
            names = draw(st.lists(st.sampled_from(MESSAGE_NAMES), max_size=4, unique=True))
            table = {}
            for name in names:
                text = draw(
                    st.lists(
                        st.sampled_from(WORDS.get(lang, WORDS["en"])), min_size=1, max_size=3
                    ).map(" ".join)
                )
                table[name] = text
            messages[lang] = table
        doc["messages"] = messages
    return doc


# -- caller inputs ----------------------------------------------------------------------------

HOSTILE = (
    "",
    " ",
    "*",
    "#",
    "1*2",
    "01",
    " 2 ",
    "٣",
    "+221771234567",
    "77 123 45 67",
    "0244123456",
    "24/11/2026",
    "24112026",
    "31/02/2026",
    "1-2-90",
    "AB1234",
    "-3",
    "4,5",
    "1e5",
    "{{7*7}}",
    "${7*7}",
    "' OR 1=1 --",
    "'; DROP TABLE ussd_sessions; --",
    "\x00",
    "\u202e1",
    "oui",
    "NaN",
    "inf",
)


def caller_inputs(max_size: int = 25) -> st.SearchStrategy:
    entry = st.one_of(
        st.sampled_from(("0", "00", "98")),
        st.sampled_from(("0", "00", "98")),
        st.integers(1, 12).map(str),
        st.integers(1, 12).map(str),
        st.integers(0, 120).map(str),
        st.sampled_from(HOSTILE),
        st.text(max_size=30),
        st.text("0123456789*# ", max_size=20),
        st.builds(
            lambda c, k: c * k,
            st.sampled_from(("*", "9", "a", "é", "🙂", "1 ")),
            st.integers(100, 1200),
        ),
    )
    return st.lists(entry, max_size=max_size)


def contexts(budget: st.SearchStrategy[Budget] | None = None) -> st.SearchStrategy[Context]:
    return st.builds(
        Context,
        gateway=st.sampled_from(GATEWAY_NAMES),
        phone=st.sampled_from(PHONES),
        network=st.sampled_from(NETWORKS),
        service_code=st.sampled_from(CODES),
        budget=budget if budget is not None else st.sampled_from(BUDGETS),
        default_region=st.just("SN"),
        today=st.just(TODAY),
    )
