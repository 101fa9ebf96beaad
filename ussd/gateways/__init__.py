"""The gateway registry: URL name -> adapter. Add a provider by adding a class here."""

from __future__ import annotations

from flask import current_app

from ussd.gateways.africastalking import AfricasTalking
from ussd.gateways.arkesel import Arkesel
from ussd.gateways.base import BadRequest, Gateway, Turn
from ussd.gateways.bdapps import Bdapps
from ussd.gateways.dmark import Dmark
from ussd.gateways.generic_json import GenericJson
from ussd.gateways.hubtel import Hubtel
from ussd.gateways.infobip import Infobip
from ussd.gateways.nalo import Nalo
from ussd.gateways.safaricom import Safaricom
from ussd.menu.gsm import Budget

GATEWAYS: dict[str, Gateway] = {
    gateway.name: gateway
    for gateway in (
        AfricasTalking(),
        Hubtel(),
        Nalo(),
        Arkesel(),
        GenericJson(),
        Dmark(),
        Safaricom(),
        Infobip(),
        Bdapps(),
    )
}


def region_warning(region: str | None) -> str | None:
    """What to tell the operator when DEFAULT_PHONE_REGION is empty: numbers the gateways
    serving several countries send without a country code cannot be made E.164 (national
    providers' numbers are read with their own country). None when a region is set."""
    if region:
        return None
    names = " or ".join(g.title for g in GATEWAYS.values() if not g.country)
    return (
        f"DEFAULT_PHONE_REGION is empty: a number that {names} sends without its country "
        "code (no +) cannot be made E.164, so its Flex task has no `from` to call back (it "
        "is given as `from_unverified`). Set DEFAULT_PHONE_REGION to your callers' "
        "country, e.g. SN."
    )


def screen_budget(gateway: Gateway) -> Budget:
    """The gateway's screen budget, lowered by USSD_SCREEN_CAPS where the operator set one."""
    caps = current_app.config.get("USSD_SCREEN_CAPS_PARSED", {})
    cap = caps.get(gateway.name)
    if cap:
        return Budget(gateway.budget.gsm7, gateway.budget.ucs2, min(cap, gateway.budget.cap or cap))
    return gateway.budget


__all__ = ["GATEWAYS", "BadRequest", "Gateway", "Turn", "region_warning", "screen_budget"]
