"""An optional SMS that tells a caller a reply waits: "You have a message: dial *123*456#".

Off unless REPLY_SMS_NOTICE is set. An SMS stays on the handset for anyone who picks the
phone up, which a USSD screen does not: for a caller hiding the request from someone close,
even a neutral notice can be the danger. Turn it on only where callers asked for it.

The notice never carries the reply, only where to read it: the service code the caller
dialled. It goes through a Twilio Messaging Service from the general outbox
(ussd/handoff/deliveries.py), one per reply. The payload holds the reply's id only: the
number is read from the caller's session when the SMS is sent, so a reply erased or purged
meanwhile sends nothing. Numbers not in E.164 (a masked number, a local number that could
not be placed) get no notice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ussd.extensions import db
from ussd.handoff.deliveries import Queued, enqueue
from ussd.handoff.taskrouter import Gone, Refused, auth_tokens, classify
from ussd.models import Handoff, Reply, UssdSession
from ussd.privacy.phones import is_e164

KIND = "sms_notice"
# A notice not sent within this time is dropped: a late SMS about an old reply only adds a
# trace on the handset.
LIFETIME = timedelta(days=1)
CODE = "{code}"
# Neutral on purpose: no organisation, no subject, nothing a reader of the handset learns
# beyond "a message waits at this code".
DEFAULT_TEXTS = {
    "en": "You have a message: dial {code}",
    "fr": "Vous avez un message : composez le {code}",
    "ar": "لديك رسالة: اطلب {code}",
    "sw": "Una ujumbe: piga {code}",
    "pt": "Tem uma mensagem: marque {code}",
    "es": "Tiene un mensaje: marque {code}",
    "bn": "আপনার একটি বার্তা আছে: ডায়াল করুন {code}",
}


def is_on(config: Mapping[str, Any]) -> bool:
    return bool(config.get("REPLY_SMS_NOTICE"))


def texts_problem(raw: str) -> str | None:
    """What is wrong with REPLY_SMS_NOTICE_TEXTS, or None when it reads."""
    if not raw.strip():
        return None
    try:
        texts = json.loads(raw)
    except ValueError:
        return 'REPLY_SMS_NOTICE_TEXTS is not JSON: give {"fr": "… {code}", …}'
    if not isinstance(texts, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in texts.items()
    ):
        return "REPLY_SMS_NOTICE_TEXTS must map language codes to texts"
    missing = sorted(k for k, v in texts.items() if CODE not in v)
    if missing:
        return f"REPLY_SMS_NOTICE_TEXTS: the text for {', '.join(missing)} has no {CODE}"
    return None


def notice_texts(config: Mapping[str, Any]) -> dict[str, str]:
    """The notice per language: the built-in texts, replaced by REPLY_SMS_NOTICE_TEXTS."""
    texts = dict(DEFAULT_TEXTS)
    raw = str(config.get("REPLY_SMS_NOTICE_TEXTS") or "")
    if raw.strip() and texts_problem(raw) is None:
        texts.update(json.loads(raw))
    return texts


def notice_text(lang: str, service_code: str, config: Mapping[str, Any]) -> str:
    texts = notice_texts(config)
    return (texts.get(lang) or texts["en"]).replace(CODE, service_code)


def missing_settings(config: Mapping[str, Any]) -> list[str]:
    missing = [
        name
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_MESSAGING_SERVICE_SID")
        if not config.get(name)
    ]
    if not auth_tokens(config) and not (
        config.get("TWILIO_API_KEY_SID") and config.get("TWILIO_API_KEY_SECRET")
    ):
        missing.append("TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)")
    return missing


def queue_notice(reply_id: int, phone: str, now: datetime, config: Mapping[str, Any]) -> bool:
    """Queue the notice of a new reply in the caller's transaction. False when the notice
    is off, or the number is not one an SMS can be sent to."""
    if not is_on(config) or not is_e164(phone):
        return False
    return enqueue(
        Queued(
            KIND,
            f"sms-notice:{reply_id}",
            {"reply_id": reply_id},
            reference=f"reply:{reply_id}",
            expires_at=now + LIFETIME,
        ),
        now,
    )


class SmsNoticeSender:
    """Sends a queued notice through the Messaging Service (Twilio's Messages API)."""

    kind = KIND

    def __init__(self, config: Mapping[str, Any]):
        self.config = config

    def waiting_reason(self) -> str | None:
        if not is_on(self.config):
            return "the SMS notice is off (REPLY_SMS_NOTICE)"
        missing = missing_settings(self.config)
        if missing:
            return f"Twilio messaging is not configured ({', '.join(missing)})"
        return texts_problem(str(self.config.get("REPLY_SMS_NOTICE_TEXTS") or ""))

    def client(self) -> Client:
        api_key = str(self.config.get("TWILIO_API_KEY_SID") or "")
        secret = (
            str(self.config.get("TWILIO_API_KEY_SECRET") or "")
            if api_key
            else auth_tokens(self.config)[0]
        )
        account = str(self.config["TWILIO_ACCOUNT_SID"])
        timeout = float(self.config.get("TWILIO_HTTP_TIMEOUT") or 10.0)
        return Client(
            api_key or account,
            secret,
            account_sid=account,
            http_client=TwilioHttpClient(timeout=timeout),
        )

    def send(self, payload: Mapping[str, Any]) -> str:
        reply = db.session.get(Reply, int(payload["reply_id"]))
        if reply is None:
            raise Gone("the reply was erased or purged")
        if reply.status != "waiting":
            raise Gone("the caller has read the reply already")
        handoff = db.session.get(Handoff, reply.handoff_id)
        session = db.session.get(UssdSession, handoff.session_id) if handoff else None
        if session is None:
            raise Gone("the request was erased or purged")
        if not is_e164(session.phone):
            raise Refused("the caller's number is not in E.164: no SMS")
        if not session.service_code:
            raise Refused("the code the caller dialled is not known")
        body = notice_text(reply.lang or session.lang, session.service_code, self.config)
        try:
            message = self.client().messages.create(
                messaging_service_sid=str(self.config["TWILIO_MESSAGING_SERVICE_SID"]),
                to=session.phone,
                body=body,
            )
        except Exception as exc:  # sorted into retry or refusal, as for tasks
            raise classify(exc, "send the SMS notice") from exc
        return f"SMS {message.sid} {message.status or ''}".strip()
