"""The requests of http nodes, made inside the hop that reaches them.

The engine stops at an http node with a description of the request (engine.HttpAction);
`settle` makes it through its connection and hands the outcome back to the engine, until
a screen is reached (http nodes may follow one another). A hop tried again after a
database failure reuses the outcomes it already has, so a connection is never called twice
for one gateway request; a gateway's repeated request is answered from the stored screen
and calls nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from ussd.connections.client import Exchange, call
from ussd.menu import engine
from ussd.menu.engine import CompiledMenu, Context, EngineError, HttpAction, HttpOutcome, Result
from ussd.sessions.repository import find_endpoint
from ussd.sessions.store import Transaction

log = logging.getLogger("ussd.sessions.http_action")
# All the requests of one hop together stay within this, so the hop stays inside a
# gateway's deadline (DESIGN §4: a connection's own budget is at most as long).
HOP_SECONDS = 3.0
MAX_REQUESTS = 8  # http nodes leading round in a ring stop here (the lint reports rings)


@dataclass
class Requests:
    """The requests of one gateway request, kept across the tries of its hop."""

    outcomes: dict[HttpAction, HttpOutcome] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    spent: float = 0.0


def settle(
    tx: Transaction, menu: CompiledMenu, result: Result, ctx: Context, requests: Requests
) -> Result:
    """`result`, or where it leads once the requests it asks for are made."""
    made = 0
    while result.action is not None:
        action = result.action
        made += 1
        if made > MAX_REQUESTS:
            raise EngineError("http nodes lead round in a loop")
        outcome = requests.outcomes.get(action)
        if outcome is None:
            outcome = _make(tx, action, requests)
            requests.outcomes[action] = outcome
        result = engine.complete(menu, result.state, outcome, ctx, answered=result.answered)
    return result


def _make(tx: Transaction, action: HttpAction, requests: Requests) -> HttpOutcome:
    endpoint = find_endpoint(tx, action.connection)
    if endpoint is None:
        log.warning("connection %s does not exist: the failure branch is taken", action.connection)
        return HttpOutcome("failure")
    left = HOP_SECONDS - requests.spent
    if left <= 0:
        log.info("connection %s: no time left in the hop", endpoint.name)
        return HttpOutcome("timeout")
    started = time.monotonic()
    exchange = call(endpoint, action, left)
    requests.spent += time.monotonic() - started
    requests.exchanges.append(exchange)
    return exchange.outcome
