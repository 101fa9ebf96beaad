"""Menus to start from: every template parses and lints clean, on one screen per gateway
budget, in each language it is written in."""

from __future__ import annotations

import pytest

from ussd.menu.document import parse_menu
from ussd.menu.gsm import Budget
from ussd.menu.lint import lint
from ussd.menu.templates import TEMPLATES, build

# The budgets of the gateways (ussd/gateways): 182 GSM-7, Safaricom and bdapps 160, Nalo 120.
BUDGETS = {"default": Budget(), "safaricom": Budget(cap=160), "nalo": Budget(cap=120)}
CONNECTIONS = {t.needs_connection for t in TEMPLATES.values() if t.needs_connection}


def test_the_registry_offers_blank_demo_and_cash_assistance_in_order():
    assert list(TEMPLATES)[:3] == ["blank", "demo", "cash_assistance"]
    assert TEMPLATES["cash_assistance"].title == "Cash assistance status"
    assert TEMPLATES["cash_assistance"].needs_connection == "cash-lookup"


@pytest.mark.parametrize("template", list(TEMPLATES))
@pytest.mark.parametrize("languages", [["en", "fr"], ["fr", "en"]])
def test_every_template_is_lint_clean_within_every_budget(template, languages):
    document = parse_menu(build(template, "A name", languages))
    assert document.name == "A name" and list(document.languages) == languages
    problems = lint(document, BUDGETS, CONNECTIONS)
    if template in ("blank", "demo"):  # their French keeps "reçue", named as UCS-2
        problems = [p for p in problems if "UCS-2" not in p.message]
    assert [str(p) for p in problems] == []


def test_the_cash_template_without_its_connection_does_not_publish():
    problems = lint(parse_menu(build("cash_assistance", "C", ["en"])), BUDGETS, set())
    assert [p.severity for p in problems] == ["error"]
    assert "the connection 'cash-lookup' does not exist" in problems[0].message
