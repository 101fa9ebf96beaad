"""`/flex/replies` (DESIGN §5b): what the Flex plugin calls to answer a caller through USSD.

Authenticated by the agent's Flex token (flex_tokens.py), answered in JSON, with CORS only for
the Flex origins configured. Nothing here logs a token or a reply's text.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ussd.replies import service
from ussd.replies.flex_tokens import Agent, TokenCheckUnavailable, TokenRejected, check_token
from ussd.replies.service import ReplyRefused

bp = Blueprint("flex_replies", __name__, url_prefix="/flex")
log = logging.getLogger("ussd.replies.api")
MAX_BODY = 16 * 1024
ROLES = ("agent", "supervisor", "admin")


def allowed_origins() -> set[str]:
    raw = str(current_app.config.get("FLEX_ALLOWED_ORIGINS") or "")
    return {o.strip().rstrip("/") for o in raw.split(",") if o.strip()}


@bp.after_request
def cors(response: Response) -> Response:
    origin = request.headers.get("Origin", "")
    response.headers.add("Vary", "Origin")
    if origin and origin.rstrip("/") in allowed_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(reason: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": reason}), status


def _agent() -> Agent:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("send the agent's Flex token as Authorization: Bearer <token>")
    agent = check_token(token.strip(), current_app.config)
    if not set(agent.roles) & set(ROLES):
        raise ReplyRefused("this Flex user may not reply to callers", 403)
    return agent


@bp.route("/replies", methods=["GET", "POST", "OPTIONS"])
def replies() -> Any:
    if request.method == "OPTIONS":  # a browser's preflight: the after_request hook answers
        return Response(status=204)
    try:
        agent = _agent()
        if request.method == "GET":
            return _list(request.args.get("task_sid", ""))
        return _send(agent)
    except TokenRejected as exc:
        return _refusal(str(exc), 401)
    except TokenCheckUnavailable as exc:
        log.warning("a reply request could not be authenticated: %s", exc)
        return _refusal(f"the agent's token could not be checked now: {exc}", 503)
    except ReplyRefused as exc:
        return _refusal(exc.reason, exc.status)


def _list(task_sid: str) -> Any:
    handoff = service.handoff_for_task(task_sid)
    lang = service.caller_language(handoff)
    canned_language, canned = service.canned_in_language(lang)
    return jsonify(
        {
            "replies": [service.reply_view(r) for r in service.replies_of(handoff)],
            "language": lang,
            "canned": canned,
            "canned_language": canned_language,
            "limits": service.limits_for(handoff).to_dict(),
        }
    )


def _send(agent: Agent) -> Any:
    if (request.content_length or 0) > MAX_BODY:
        raise ReplyRefused("the request is too large")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ReplyRefused('send JSON: {"task_sid": "WT…", "text": "…"}')
    handoff = service.handoff_for_task(body.get("task_sid"))
    reply = service.create_reply(handoff, body.get("text"), by=agent.identity)
    log.info("reply %s stored for request %s", reply.id, handoff.id)
    return jsonify({"id": reply.id, "status": reply.status}), 201
