"""The demo menu in any set of languages (`flask --app app init-db --demo-languages ar,en`).

The demo's structure (nodes, keys, stored values, links) is `demo_menu.json`, which is written in
English and French (DESIGN §4); `demo_translations.json` holds every caller-facing text of the demo
in each language the demo can be installed in, keyed by node id (the node's text) and
"<node id>.<option value>" (an option's label). The first screen is special: its text is each
language's greeting joined by " / ", and it offers one option per language, labelled with the
language's own name, storing its English name and switching the session to it.

Pure: the caller reads the two JSON files and passes them in.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ussd.menu.languages import english_name, native_name

DEFAULT_DEMO_LANGUAGES = ("en", "fr")
LANGUAGE_NODE = "language"


class DemoLanguageError(ValueError):
    pass


def check_demo_languages(
    languages: Sequence[str], translations: Mapping[str, Mapping[str, str]]
) -> tuple[str, ...]:
    """`languages` as a tuple if the demo has texts for each, once; else DemoLanguageError."""
    codes = tuple(languages)
    if not codes:
        raise DemoLanguageError("give at least one language code")
    unknown = [code for code in codes if code not in translations]
    if unknown:
        raise DemoLanguageError(
            f"no demo texts for {', '.join(unknown)}: choose among {', '.join(translations)}"
        )
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise DemoLanguageError(f"{', '.join(repeated)} given more than once")
    return codes


def build_demo(
    base: Mapping[str, Any],
    translations: Mapping[str, Mapping[str, str]],
    languages: Sequence[str],
) -> dict[str, Any]:
    """The demo document `base` written in `languages` (the first is the default language).

    For English and French this is `base` itself (tests/unit/test_demo_languages.py checks it).
    """
    codes = check_demo_languages(languages, translations)
    doc: dict[str, Any] = copy.deepcopy(dict(base))
    doc["languages"] = list(codes)
    doc["default_language"] = codes[0]

    def text(key: str) -> dict[str, str]:
        return {lang: translations[lang][key] for lang in codes}

    for node in doc["nodes"]:
        node_id = node["id"]
        if node_id == LANGUAGE_NODE:
            greetings = list(dict.fromkeys(translations[lang][LANGUAGE_NODE] for lang in codes))
            greeting = " / ".join(greetings)
            node["text"] = {lang: greeting for lang in codes}
            node["options"] = [
                {
                    "label": {shown_in: native_name(lang) for shown_in in codes},
                    "value": english_name(lang),
                    "language": lang,
                }
                for lang in codes
            ]
            continue
        if "text" in node:
            node["text"] = text(node_id)
        for option in node.get("options", []):
            option["label"] = text(f"{node_id}.{option['value']}")
    return doc
