"""What the pages that show screens need: the gateway whose screens they measure, and the
character sets and screen budgets that editor.js measures with."""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_babel import gettext as _

from ussd.mapped_gateways import all_gateways
from ussd.menu.gsm import GSM7_BASIC, GSM7_EXTENSION, GSM7_SPELLING
from ussd.sessions.service import screen_budget


def gateway_choice() -> str:
    name = request.args.get("gateway") or session.get("editor_gateway") or "africastalking"
    if name not in all_gateways():
        name = "africastalking"
    session["editor_gateway"] = name
    return name


def screen_data(languages: list[str], gateway: str) -> dict[str, Any]:
    """What editor.js needs to measure screens as callers will see them."""
    budgets = {}
    for name, gw in all_gateways().items():
        budget = screen_budget(gw)
        budgets[name] = {
            "gsm7": budget.gsm7,
            "ucs2": budget.ucs2,
            "cap": budget.cap,
            "title": gw.title,
        }
    return {
        "basic": "".join(sorted(GSM7_BASIC)),
        "extension": "".join(sorted(GSM7_EXTENSION)),
        "spelling": GSM7_SPELLING,
        "budgets": budgets,
        "gateway": gateway,
        "languages": languages,
        "strings": {
            "gsm7": _("GSM-7"),
            "ucs2": _("UCS-2"),
            "forces": _("%(chars)s forces UCS-2: the screen holds 80 characters instead of 182."),
            "suggest": _("Use the GSM-7 spelling"),
            "over": _("Longer than one screen: callers will see it on several pages."),
        },
    }
