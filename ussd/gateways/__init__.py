"""The gateway registry: URL name -> adapter. Add a provider by adding a class here."""

from __future__ import annotations

from .africastalking import AfricasTalking
from .arkesel import Arkesel
from .base import BadRequest, Gateway, Turn
from .generic_json import GenericJson
from .hubtel import Hubtel
from .nalo import Nalo

GATEWAYS: dict[str, Gateway] = {
    gateway.name: gateway
    for gateway in (AfricasTalking(), Hubtel(), Nalo(), Arkesel(), GenericJson())
}

__all__ = ["GATEWAYS", "BadRequest", "Gateway", "Turn"]
