"""The senders of the general outbox (ussd/handoff/deliveries.py), one per kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ussd.extensions import db
from ussd.handoff.deliveries import Sender
from ussd.handoff.dispatcher import router
from ussd.handoff.gateway_screens import GatewayScreenSender
from ussd.handoff.sms_notice import SmsNoticeSender
from ussd.handoff.taskrouter import Gone, Retry, missing_settings
from ussd.handoff.webhooks import WebhookSender
from ussd.models import Handoff


class TaskAttributesSender:
    """Sets attributes of a task we made (`reply_status` when a caller reads a reply)."""

    kind = "task_update"

    def __init__(self, config: Mapping[str, Any]):
        self.config = config

    def waiting_reason(self) -> str | None:
        missing = missing_settings(self.config)
        return f"Twilio is not configured ({', '.join(missing)})" if missing else None

    def send(self, payload: Mapping[str, Any]) -> str:
        task_sid = payload.get("task_sid") or _task_of(int(payload["handoff_id"]))
        taskrouter = router()
        if taskrouter is None:  # waiting_reason said it was configured: a race with a reload
            raise Retry("Twilio is not configured")
        taskrouter.patch_task(str(task_sid), payload["attributes"])
        return "task updated"


def _task_of(handoff_id: int) -> str:
    """The task a hand-off became; a hand-off not delivered yet holds its updates back."""
    handoff = db.session.get(Handoff, handoff_id)
    if handoff is None:
        raise Gone("the request was erased or purged")
    if handoff.status == "failed":
        raise Gone("the request never became a task")
    if not handoff.task_sid:
        raise Retry("the request is not a task yet")
    return str(handoff.task_sid)


def all_senders(config: Mapping[str, Any]) -> list[Sender]:
    return [
        TaskAttributesSender(config),
        GatewayScreenSender(config),
        WebhookSender(config),
        SmsNoticeSender(config),
    ]
