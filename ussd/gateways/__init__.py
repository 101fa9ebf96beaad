"""The gateway registry: URL name -> adapter. Add a provider by adding a class here."""

from __future__ import annotations

from ussd.gateways.africastalking import AfricasTalking
from ussd.gateways.arkesel import Arkesel
from ussd.gateways.base import BadRequest, Gateway, Turn
from ussd.gateways.generic_json import GenericJson
from ussd.gateways.hubtel import Hubtel
from ussd.gateways.nalo import Nalo

GATEWAYS: dict[str, Gateway] = {
    gateway.name: gateway
    for gateway in (AfricasTalking(), Hubtel(), Nalo(), Arkesel(), GenericJson())
}

__all__ = ["GATEWAYS", "BadRequest", "Gateway", "Turn"]
