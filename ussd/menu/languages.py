"""The languages a menu may be written in: each code's English name (the canonical value a
Flex task carries) and its own name (how the editor shows it)."""

from __future__ import annotations

from typing import NamedTuple


class Language(NamedTuple):
    english: str
    native: str


LANGUAGES = {
    "en": Language("English", "English"),
    "fr": Language("French", "Français"),
    "ar": Language("Arabic", "العربية"),
    "sw": Language("Swahili", "Kiswahili"),
    "pt": Language("Portuguese", "Português"),
    "es": Language("Spanish", "Español"),
    "bn": Language("Bengali", "বাংলা"),
    "wo": Language("Wolof", "Wolof"),
    "ha": Language("Hausa", "Hausa"),
    "am": Language("Amharic", "አማርኛ"),
    "so": Language("Somali", "Soomaali"),
    "ln": Language("Lingala", "Lingála"),
    "rw": Language("Kinyarwanda", "Ikinyarwanda"),
    "yo": Language("Yoruba", "Yorùbá"),
    "ig": Language("Igbo", "Igbo"),
    "tw": Language("Twi", "Twi"),
}


def english_name(code: str) -> str:
    """ "French" for "fr"; an unknown code as it is."""
    known = LANGUAGES.get(code)
    return known.english if known else code


def native_name(code: str) -> str:
    """ "Français" for "fr"; an unknown code as it is."""
    known = LANGUAGES.get(code)
    return known.native if known else code
