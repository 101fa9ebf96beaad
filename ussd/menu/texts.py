"""Caller-facing system strings: navigation, validation errors, apologies.

A menu may override any of them per language under "messages". The French defaults avoid
characters outside GSM-7 (no ç, ê, ô, â, î, û) so they never halve the screen budget.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "more": "More",
        "back": "Back",
        "continue": "Continue",
        "start_over": "Start over",
        "resume": "You have an unfinished request.",
        "invalid_option": "Invalid choice.",
        "too_many_attempts": "Too many invalid answers. Please dial again.",
        "expired": "Your session has expired. Please dial again.",
        "ended": "This session has ended. Please dial again.",
        "apology": "Sorry, something went wrong. Please try again later.",
        "unavailable": "This service is not available now. Please try later.",
        "handoff": "Thank you. Your request has been received.",
        "already_queued": "Your request is already queued. An agent will call you back.",
        "limit_reached": "You have reached the limit of requests. Try again later.",
        "err_required": "Please enter an answer.",
        "err_too_short": "Please enter at least {min} characters.",
        "err_too_long": "Please enter at most {max} characters.",
        "err_number": "Please enter a number.",
        "err_whole_number": "Please enter a whole number.",
        "err_min": "Please enter a number of at least {min}.",
        "err_max": "Please enter a number of at most {max}.",
        "err_phone": "Please enter a valid phone number.",
        "err_date": "Please enter a date as {format}.",
        "err_future": "That date is in the future.",
        "err_pattern": "That answer is not valid.",
    },
    "fr": {
        "more": "Suite",
        "back": "Retour",
        "continue": "Continuer",
        "start_over": "Recommencer",
        "resume": "Vous avez une demande non terminée.",
        "invalid_option": "Choix invalide.",
        "too_many_attempts": "Trop de réponses invalides. Veuillez rappeler.",
        "expired": "Votre session a expiré. Veuillez rappeler.",
        "ended": "Cette session est terminée. Veuillez rappeler.",
        "apology": "Désolé, une erreur est survenue. Réessayez plus tard.",
        "unavailable": "Ce service n'est pas disponible. Réessayez plus tard.",
        "handoff": "Merci. Votre demande a bien été enregistrée.",
        "already_queued": "Demande déjà en attente. Un agent va vous rappeler.",
        "limit_reached": "Limite de demandes atteinte. Réessayez plus tard.",
        "err_required": "Veuillez saisir une réponse.",
        "err_too_short": "Veuillez saisir au moins {min} caractères.",
        "err_too_long": "Veuillez saisir au plus {max} caractères.",
        "err_number": "Veuillez saisir un nombre.",
        "err_whole_number": "Veuillez saisir un nombre entier.",
        "err_min": "Veuillez saisir un nombre d'au moins {min}.",
        "err_max": "Veuillez saisir un nombre d'au plus {max}.",
        "err_phone": "Veuillez saisir un numéro de téléphone valide.",
        "err_date": "Veuillez saisir une date au format {format}.",
        "err_future": "Cette date est dans le futur.",
        "err_pattern": "Cette réponse n'est pas valide.",
    },
}
# "handoff" is the default thank-you text when a hand-off node has none of its own.
MESSAGE_NAMES = tuple(DEFAULT_MESSAGES["en"])
DATE_FORMAT_HINTS = {
    "en": {"DD/MM/YYYY": "DD/MM/YYYY", "MM/DD/YYYY": "MM/DD/YYYY", "YYYY-MM-DD": "YYYY-MM-DD"},
    "fr": {"DD/MM/YYYY": "JJ/MM/AAAA", "MM/DD/YYYY": "MM/JJ/AAAA", "YYYY-MM-DD": "AAAA-MM-JJ"},
}


def system_message(
    overrides: Mapping[str, Mapping[str, str]],
    lang: str,
    name: str,
    fallback_lang: str = "en",
) -> str:
    """The text of a system string: menu override, then built-in, then the fallback language."""
    for table in (
        overrides.get(lang),
        DEFAULT_MESSAGES.get(lang),
        overrides.get(fallback_lang),
        DEFAULT_MESSAGES.get(fallback_lang),
    ):
        if table and name in table:
            return table[name]
    return DEFAULT_MESSAGES["en"][name]


def has_translation(overrides: Mapping[str, Mapping[str, str]], lang: str, name: str) -> bool:
    return name in overrides.get(lang, {}) or name in DEFAULT_MESSAGES.get(lang, {})


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


def placeholders(name: str) -> frozenset[str]:
    """What a system string can show, such as {min} in err_min."""
    return frozenset(_PLACEHOLDER.findall(DEFAULT_MESSAGES["en"].get(name, "")))


def used_placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its known {placeholders} replaced. Not str.format: a coordinator's
    text may hold other braces ("e.g. {42}", a lone "{"), which stay as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
