"""The phone simulator: dial the draft or the live version through the real hop path.

Each simulated session is a real session (flagged as a simulation, so it stays out of
analytics, resume offers and de-duplication) run by ussd.sessions.service.answer,
exactly as a caller on a gateway; a draft is first frozen as a preview version. No Flex
task is made unless an editor asks for one, and that task carries "simulation": true.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.menus.drafts import load_menu
from editor.simulator.forms import SimulatorForm
from ussd.connections.client import Exchange
from ussd.extensions import db
from ussd.gateways import Gateway, Turn
from ussd.mapped_gateways import all_gateways
from ussd.menu.engine import EngineError
from ussd.menu.gsm import Budget
from ussd.models import Menu, UssdSession
from ussd.publishing import preview_version
from ussd.sessions.service import (
    Trace,
    answer,
    apology,
    log_failure,
    record_gateway_end,
    screen_budget,
)

log = logging.getLogger("editor.simulator")
MAX_TRANSCRIPT = 12
MAX_REQUESTS = 2  # the requests of the last hop the phone shows
MAX_SHOWN = 300  # characters of a request's body or reply kept for the phone


class SimulatorGateway(Gateway):
    """Shows screens as the chosen gateway would (its screen budget), speaks no wire format."""

    name = "simulator"
    title = "Simulator"

    def __init__(self, budget: Budget):
        self.budget = budget  # type: ignore[misc]


def phone(menu: Menu) -> dict[str, Any]:
    """What the menu page's phone shows: the form as last used, the screen, the transcript."""
    simulator = SimulatorForm()
    sim_state = session.get("sim", {}).get(str(menu.id), {})
    sim_screen = None
    if sim_state.get("session"):
        row = db.session.execute(
            select(UssdSession.last_screen, UssdSession.last_end).where(
                UssdSession.gateway == "simulator", UssdSession.external_id == sim_state["session"]
            )
        ).first()
        if row is not None:
            sim_screen = {"text": row.last_screen, "end": row.last_end}
    if sim_state.get("error"):
        sim_screen = {"text": sim_state["error"], "end": True, "error": True}
    for name in ("source", "gateway", "phone"):
        if sim_state.get(name):
            getattr(simulator, name).data = sim_state[name]
    simulator.create_task.data = bool(sim_state.get("create_task"))
    return {
        "simulator": simulator,
        "sim_screen": sim_screen,
        "sim_transcript": sim_state.get("transcript", []),
        "sim_requests": sim_state.get("requests", []),
    }


def _reply(menu_id: int, screen: dict[str, Any]) -> Response:
    if request.accept_mimetypes.best == "application/json":
        state = session.get("sim", {}).get(str(menu_id), {})
        return jsonify(
            text=screen["text"],
            end=screen["end"],
            error=screen.get("error", False),
            transcript=state.get("transcript", []),
            requests=state.get("requests", []),
        )
    return redirect(url_for("editor.menu", menu_id=menu_id) + "#simulator")


@bp.post("/menus/<int:menu_id>/simulate")
@role_required("viewer")
def simulate(menu_id: int) -> Response:
    menu = load_menu(menu_id)
    form = SimulatorForm()
    sims = dict(session.get("sim", {}))
    state = dict(sims.get(str(menu.id), {}))
    if not form.validate_on_submit():
        flash(
            _(
                "The simulator could not read that: %(errors)s",
                errors="; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in form.errors.items()),
            ),
            "error",
        )
        return _reply(menu.id, {"text": "", "end": True, "error": True})
    # A real Flex task reaches real agents: editors and admins only, and marked as a test.
    create_task = bool(form.create_task.data) and current_user.can("editor")
    state.update(
        source=form.source.data,
        gateway=form.gateway.data,
        phone=(form.phone.data or "+221770000000").replace(" ", ""),
        create_task=create_task,
    )
    state.pop("error", None)
    gateway = SimulatorGateway(screen_budget(all_gateways()[form.gateway.data]))

    if form.hang_up.data:
        if state.get("session"):
            record_gateway_end("simulator", state["session"], "release")
        state.pop("session", None)
        state["transcript"] = []
        sims[str(menu.id)] = state
        session["sim"] = sims
        return _reply(menu.id, {"text": "", "end": True})

    dialling = bool(form.dial.data) or not state.get("session")
    version_id = None
    if dialling:
        if form.source.data == "live":
            if menu.live_version_id is None:
                state["error"] = _(
                    "This menu has no live version yet: publish it, or run the draft."
                )
                sims[str(menu.id)] = state
                session["sim"] = sims
                return _reply(menu.id, {"text": state["error"], "end": True, "error": True})
            version_id = menu.live_version_id
        else:
            version_id = preview_version(menu).id
            db.session.commit()
        state["session"] = f"sim-{secrets.token_hex(8)}"
        state["seq"] = 0
        state["transcript"] = []
        entry = ""
    else:
        state["seq"] = int(state.get("seq", 0)) + 1
        entry = (form.entry.data or "").strip()
        state["transcript"] = (state.get("transcript", []) + [entry[:40]])[-MAX_TRANSCRIPT:]

    codes = [f"*{c.code}#" for c in menu.service_codes]
    turn = Turn(
        session_id=state["session"],
        phone=state["phone"] or "+221770000000",
        service_code=codes[0] if codes else "",
        new_session=dialling,
        input=entry,
        request_key=f"seq:{state['seq']}",
    )
    trace = Trace()
    state.pop("requests", None)
    try:
        screen = answer(
            turn,
            gateway,
            trace,
            simulation=True,
            queue_task=create_task,
            version_id=version_id,
        )
        shown: dict[str, Any] = {"text": screen.text, "end": screen.end}
    except EngineError as exc:
        db.session.rollback()
        state["error"] = _(
            "The menu cannot go on here: %(reason)s. Fix it in the outline.", reason=str(exc)
        )
        shown = {"text": state["error"], "end": True, "error": True}
    except Exception as exc:  # noqa: BLE001 - shown like a caller would see it
        db.session.rollback()
        log_failure("simulator", exc, trace)
        screen = apology(trace)
        shown = {"text": screen.text, "end": True}
    if trace.secret_input and state.get("transcript"):  # a PIN is never shown, nor kept
        state["transcript"] = [*state["transcript"][:-1], "****"]
    if trace.requests.exchanges:
        state["requests"] = [shown_request(e) for e in trace.requests.exchanges[-MAX_REQUESTS:]]
    sims[str(menu.id)] = state
    session["sim"] = sims
    return _reply(menu.id, shown)


def shown_request(exchange: Exchange) -> dict[str, Any]:
    """A request of an http node as the phone's panel shows it: its secret masked (by the
    client), trimmed so the browser session that keeps it stays small."""
    shown = exchange.to_dict()
    shown["body"] = shown["body"][:MAX_SHOWN]
    shown["reply"] = shown["reply"][:MAX_SHOWN]
    return shown
