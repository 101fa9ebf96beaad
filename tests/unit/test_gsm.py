"""Screen budgets: GSM-7 septets, UCS-2 units, gateway caps, GSM-7 spelling suggestions."""

import pytest

from ussd.menu.gsm import Budget, is_gsm7, septets, suggest_gsm7, ucs2_forcing

MEASURES = [
    # text, budget, used, limit, encoding
    ("Hello", Budget(), 5, 182, "GSM-7"),
    ("a" * 182, Budget(), 182, 182, "GSM-7"),
    ("Thiès é è ù ì ò à É Ç", Budget(), 21, 182, "GSM-7"),
    ("€[]{}", Budget(), 10, 182, "GSM-7"),  # extension table: two septets each
    ("Français", Budget(), 8, 80, "UCS-2"),
    ("reçue", Budget(), 5, 80, "UCS-2"),
    ("vêtements", Budget(), 9, 80, "UCS-2"),
    ("مرحبا", Budget(), 5, 80, "UCS-2"),
    ("😀", Budget(), 2, 80, "UCS-2"),  # outside the BMP: a surrogate pair
    ("a" * 150, Budget(cap=120), 150, 120, "GSM-7"),
    ("ç" * 10, Budget(cap=120), 10, 80, "UCS-2"),
    ("a" * 100, Budget(cap=160), 100, 160, "GSM-7"),
]


@pytest.mark.parametrize(("text", "budget", "used", "limit", "encoding"), MEASURES)
def test_measure(text, budget, used, limit, encoding):
    measure = budget.measure(text)
    assert (measure.used, measure.limit, measure.encoding) == (used, limit, encoding)
    assert measure.fits == (used <= limit)


def test_182_fits_183_does_not():
    assert Budget().fits("a" * 182)
    assert not Budget().fits("a" * 183)
    assert not Budget().fits("ç" + "a" * 80)


SUGGESTIONS = [
    ("Français", "Francais"),
    ("Merci. Votre demande a bien été reçue.", "Merci. Votre demande a bien été recue."),
    ("Nourriture et vêtements", "Nourriture et vetements"),
    ("L’hôpital «central»", 'L\'hopital "central"'),
    ("Plain text", None),  # already GSM-7
    ("مرحبا", None),  # no GSM-7 spelling exists
]


@pytest.mark.parametrize(("text", "suggestion"), SUGGESTIONS)
def test_suggest_gsm7(text, suggestion):
    assert suggest_gsm7(text) == suggestion
    if suggestion:
        assert is_gsm7(suggestion)


def test_forcing_characters_listed_once_in_order():
    assert ucs2_forcing("ça va ? ça ê") == ["ç", "ê"]
    assert ucs2_forcing("Thiès") == []
    assert septets("^") == 2
