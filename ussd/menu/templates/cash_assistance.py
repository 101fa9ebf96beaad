"""Template "Cash assistance status": the caller types a beneficiary ID, the menu looks it
up through the connection `cash-lookup`, and shows the next payment date ("Your next
payment: {next_date}") or a clear "not found", then offers an agent. English and French;
another language gets the English texts until a coordinator translates them.

The connection answers POST {base}/beneficiaries/status with JSON {"member_id": "..."}:
2xx with {"payment": {"next": {"date": "05/12/2026"}}} when found, any other status when
not (the stand-in service, ussd/connections/standin.py, answers exactly so).
"""

from __future__ import annotations

from typing import Any

CONNECTION = "cash-lookup"
PATH = "/beneficiaries/status"

# Every text GSM-7 (é è à are in its alphabet; ç ê ô are not), so each screen keeps 182
# characters, and each fits Nalo's 120 with the longest ID and date.
TEXTS: dict[str, dict[str, str]] = {
    "ask_id": {
        "en": "Cash assistance status. Type your beneficiary ID (on your card):",
        "fr": "Statut de l'assistance. Tapez votre identifiant (sur votre carte) :",
    },
    "ask_id.error": {
        "en": "Please type the ID on your card: 3 to 12 letters or digits.",
        "fr": "Tapez l'identifiant de votre carte : 3 à 12 lettres ou chiffres.",
    },
    "found": {
        "en": "Your next payment: {next_date}",
        "fr": "Votre prochain paiement : {next_date}",
    },
    "not_found": {
        "en": "We could not find ID {member_id}. Check the ID on your card.",
        "fr": "Identifiant {member_id} introuvable. Vérifiez votre carte.",
    },
    "unavailable": {
        "en": "The service cannot answer now. Please try again later.",
        "fr": "Le service ne peut pas répondre. Réessayez plus tard.",
    },
    "agent": {"en": "Talk to an agent", "fr": "Parler à un agent"},
    "retry": {"en": "Try again", "fr": "Réessayer"},
    "finish": {"en": "Finish", "fr": "Terminer"},
    "handoff": {
        "en": "Thank you. An agent will call you back.",
        "fr": "Merci. Un agent va vous rappeler.",
    },
    "bye": {"en": "Thank you. Goodbye.", "fr": "Merci. Au revoir."},
}


def cash_assistance(name: str, languages: list[str]) -> dict[str, Any]:
    def text(key: str) -> dict[str, str]:
        table = TEXTS[key]
        return {lang: table.get(lang, table["en"]) for lang in languages}

    def options(*choices: tuple[str, str, str]) -> list[dict[str, Any]]:
        return [
            {"label": text(label), "value": value, "next": target}
            for label, value, target in choices
        ]

    return {
        "format": 1,
        "name": name,
        "description": "Look up a beneficiary's next payment, then offer an agent.",
        "languages": languages,
        "default_language": languages[0],
        "start": "ask_id",
        "nodes": [
            {
                "id": "ask_id",
                "kind": "input",
                "key": "member_id",
                "text": text("ask_id"),
                "validation": {
                    "type": "pattern",
                    "pattern": "[A-Za-z0-9-]{3,12}",
                    "max_length": 12,
                },
                "error": text("ask_id.error"),
                "next": "lookup",
            },
            {
                "id": "lookup",
                "kind": "http",
                "connection": CONNECTION,
                "path": PATH,
                "send": ["member_id"],
                "save": {"next_date": {"path": "payment.next.date", "max_length": 10}},
                "next": {"success": "found", "failure": "not_found", "timeout": "unavailable"},
            },
            {
                "id": "found",
                "kind": "menu",
                "key": "after_status",
                "text": text("found"),
                "options": options(("agent", "Agent", "handoff"), ("finish", "Finish", "bye")),
            },
            {
                "id": "not_found",
                "kind": "menu",
                "key": "after_not_found",
                "text": text("not_found"),
                "options": options(("retry", "Retry", "ask_id"), ("agent", "Agent", "handoff")),
            },
            {
                "id": "unavailable",
                "kind": "menu",
                "key": "after_unavailable",
                "text": text("unavailable"),
                "options": options(("agent", "Agent", "handoff"), ("finish", "Finish", "bye")),
            },
            {"id": "handoff", "kind": "handoff", "text": text("handoff")},
            {"id": "bye", "kind": "end", "text": text("bye")},
        ],
    }
