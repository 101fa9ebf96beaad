"""What a finished session becomes in the outbox: its task attributes and its row.

The hop that reaches a hand-off node inserts this row in the transaction that ends the
session (ussd/sessions/repository.py), so a session is never finished without its
hand-off (and, by the unique constraint on session_id, never with two). Delivery to
Twilio is ussd/handoff/dispatcher.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ussd.handoff.dispatcher import waiting_reason
from ussd.handoff.safe_contact import implied_callback, safe_contact_attributes
from ussd.menu.engine import State, compact_json
from ussd.menu.insights import Insights, conversations
from ussd.menu.languages import english_name
from ussd.menu.safe_contact import Windows
from ussd.models import Handoff
from ussd.privacy.phones import is_e164, is_masked

# The answers every agent filter and the plugin rely on (DESIGN §5).
PINNED_KEYS = ("language", "location", "support_type", "callback")
PIN_KEY = "reply_pin"  # noqa: S105 - an answer key, not a secret


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def caller_attributes(phone: str) -> dict[str, Any]:
    """`name` and `from`: the number in E.164, which Flex and the plugin dial. A number
    that could not be made E.164 (a local number from a gateway serving several countries
    while DEFAULT_PHONE_REGION is empty) is never sent as `from`: an agent would call a
    wrong or impossible number. It goes as `from_unverified`, and `name` says so. A caller
    the gateway masked (bdapps) has no number at all: `callable` false tells the plugin
    and agents to answer with a reply read on the next dial instead of a call back."""
    if is_masked(phone):
        return {"name": "Masked number (reply by USSD)", "callable": False}
    if is_e164(phone):
        return {"name": phone, "from": phone}
    return {"name": f"{phone} (unverified)", "from_unverified": phone}


def task_attributes(
    *,
    external_id: str,
    phone: str,
    service_code: str,
    state: State,
    menu_name: str,
    menu_version: int,
    submitted_at: datetime,
    simulation: bool = False,
    callback_windows: Windows | None = None,
    insights: Insights | None = None,
) -> dict[str, Any]:
    """The TaskRouter task attributes for a finished session (pinned; see DESIGN §5).
    `callback_windows` are the menu's safe-window hours (None: the defaults); `insights`
    maps answers to Flex Insights' conversation attributes (ussd/menu/insights.py)."""
    # the reply PIN is the caller's secret: never in a task (the hop drops it earlier too)
    answers = [a.to_dict() for a in state.answers if a.key != PIN_KEY]
    by_key = {a.key: a.value for a in state.answers}
    attributes: dict[str, Any] = {"channel": "ussd", "type": "ussd_request"}
    attributes.update(caller_attributes(phone))
    attributes["service_code"] = service_code
    for key in PINNED_KEYS:
        attributes[key] = by_key.get(key)
    if attributes["language"] is None:  # a menu without a language question
        attributes["language"] = english_name(state.lang)
    if attributes["callback"] is None:  # a menu that asks for a safe window instead
        attributes["callback"] = implied_callback(by_key)
    attributes.update(
        {
            "answers": answers,
            "ussd_session_id": external_id,
            "menu": menu_name,
            "menu_version": menu_version,
            "submitted_at": iso_utc(submitted_at),
        }
    )
    attributes.update(safe_contact_attributes(by_key, phone, callback_windows))
    if insights and (filled := conversations(insights, by_key)):
        attributes["conversations"] = filled
    if simulation:  # made from the editor's simulator: agents and filters can tell
        attributes["simulation"] = True
    return attributes


def handoff_row(
    *,
    session_id: int,
    external_id: str,
    phone: str,
    phone_hash: str,
    service_code: str,
    state: State,
    menu_name: str,
    menu_version: int,
    submitted_at: datetime,
    target_id: int | None = None,
    simulation: bool = False,
    callback_windows: Windows | None = None,
    insights: Insights | None = None,
) -> dict[str, Any]:
    """The outbox row of a finished session: a new task, or (with `target_id`) an update
    of the caller's open task."""
    attributes = task_attributes(
        external_id=external_id,
        phone=phone,
        service_code=service_code,
        state=state,
        menu_name=menu_name,
        menu_version=menu_version,
        submitted_at=submitted_at,
        simulation=simulation,
        callback_windows=callback_windows,
        insights=insights,
    )
    values: dict[str, Any] = dict.fromkeys(c.name for c in Handoff.__table__.columns)
    values.update(
        {
            "session_id": session_id,
            "kind": "update" if target_id else "create",
            "target_id": target_id,
            "status": "pending",
            "attributes": compact_json(attributes),
            "phone_hash": phone_hash,
            "attempts": 0,
            "next_attempt_at": submitted_at,
            "lease_owner": "",
            "last_error": waiting_reason() or "",
            "task_status": "",
            "created_at": submitted_at,
            "updated_at": submitted_at,
        }
    )
    values.update({key: str(attributes.get(key) or "")[:100] for key in PINNED_KEYS})
    return values
