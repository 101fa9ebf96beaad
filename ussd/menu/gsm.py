"""Screen budgets: how many characters a USSD screen may hold, per encoding and gateway.

A USSD screen is 160 octets. If every character is in the GSM 03.38 default alphabet
the screen is packed as 7-bit septets (182 characters, extension-table characters
count twice); one character outside it forces UCS-2 (80 UTF-16 code units).
Gateways may cap lower (Nalo: 120 characters). Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (the 128 positions; ESC at 0x1B is not a printable char).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs an escape septet plus itself.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# Characters that force UCS-2 but have a close GSM-7 spelling. Used to offer a one-click
# rewrite in the editor and by the lint; never applied silently to what callers see.
GSM7_SPELLING = {
    "ç": "c",
    "ê": "e",
    "ë": "e",
    "ô": "o",
    "â": "a",
    "î": "i",
    "ï": "i",
    "û": "u",
    "ÿ": "y",
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "ã": "a",
    "õ": "o",
    "ā": "a",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "À": "A",
    "Â": "A",
    "Á": "A",
    "Î": "I",
    "Ï": "I",
    "Í": "I",
    "Ô": "O",
    "Ó": "O",
    "Û": "U",
    "Ù": "U",
    "Ú": "U",
    "Œ": "OE",
    "œ": "oe",
    "ŕ": "r",
    "ş": "s",
    "Ş": "S",
    "ğ": "g",
    "ı": "i",
    "ɛ": "e",
    "Ɛ": "E",
    "ɔ": "o",
    "Ɔ": "O",
    "ŋ": "ng",
    "Ŋ": "Ng",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "«": '"',
    "»": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
    "`": "'",
    "´": "'",
}


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def septets(text: str) -> int:
    """Length in GSM-7 septets (extension characters count two)."""
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def ucs2_units(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP count two)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def ucs2_forcing(text: str) -> list[str]:
    """The distinct characters of `text` that force UCS-2, in order of appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch, None)
    return list(seen)


def suggest_gsm7(text: str) -> str | None:
    """A GSM-7 spelling of `text`, or None when no full rewrite exists (e.g. Arabic)."""
    rewritten = "".join(GSM7_SPELLING.get(ch, ch) for ch in text)
    if rewritten == text or not is_gsm7(rewritten):
        return None
    return rewritten


@dataclass(frozen=True)
class Budget:
    """How much one screen may hold on a gateway."""

    gsm7: int = 182
    ucs2: int = 80
    cap: int | None = None  # a gateway's own character cap, whatever the encoding

    def measure(self, text: str) -> Measure:
        # Septets are never fewer than characters, so they also bound a character cap.
        gsm = is_gsm7(text)
        used = septets(text) if gsm else ucs2_units(text)
        limit = self.gsm7 if gsm else self.ucs2
        if self.cap:
            limit = min(limit, self.cap)
        return Measure(used=used, limit=limit, encoding="GSM-7" if gsm else "UCS-2")

    def fits(self, text: str) -> bool:
        return self.measure(text).fits


@dataclass(frozen=True)
class Measure:
    used: int
    limit: int
    encoding: str

    @property
    def fits(self) -> bool:
        return self.used <= self.limit

    def __str__(self) -> str:
        return f"{self.used}/{self.limit} {self.encoding}"


DEFAULT_BUDGET = Budget()
