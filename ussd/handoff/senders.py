"""The senders of the general outbox (ussd/handoff/deliveries.py), one per kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ussd.handoff.deliveries import Sender
from ussd.handoff.dispatcher import router
from ussd.handoff.gateway_screens import GatewayScreenSender
from ussd.handoff.taskrouter import Retry, missing_settings
from ussd.handoff.webhooks import WebhookSender


class TaskAttributesSender:
    """Sets attributes of a task we made (`reply_status` when a caller reads a reply)."""

    kind = "task_update"

    def __init__(self, config: Mapping[str, Any]):
        self.config = config

    def waiting_reason(self) -> str | None:
        missing = missing_settings(self.config)
        return f"Twilio is not configured ({', '.join(missing)})" if missing else None

    def send(self, payload: Mapping[str, Any]) -> str:
        taskrouter = router()
        if taskrouter is None:  # waiting_reason said it was configured: a race with a reload
            raise Retry("Twilio is not configured")
        taskrouter.patch_task(str(payload["task_sid"]), payload["attributes"])
        return "task updated"


def all_senders(config: Mapping[str, Any]) -> list[Sender]:
    return [TaskAttributesSender(config), GatewayScreenSender(config), WebhookSender(config)]
