"""Optional encryption at rest of phone numbers and answers (Fernet, from `cryptography`).

ENCRYPTION_KEYS is a comma-separated list of Fernet keys, newest first: values are
encrypted with the first and decrypted with any, so a key is rotated by putting a new one
in front and running `flask --app app crypto rotate` (docs/deploy.md). Encrypted values
carry a prefix, so plain and encrypted rows can live side by side while switching.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc1:"
_ring: MultiFernet | None = None


class CryptoError(RuntimeError):
    pass


def configure(keys: str) -> None:
    """Install the key ring for this process (called by create_app)."""
    global _ring
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    try:
        _ring = MultiFernet([Fernet(k) for k in parts]) if parts else None
    except ValueError as exc:
        raise SystemExit(
            f"configuration: ENCRYPTION_KEYS holds an invalid Fernet key ({exc}); "
            "make one with `flask --app app crypto new-key`"
        ) from None


def enabled() -> bool:
    return _ring is not None


def seal(value: str) -> str:
    if _ring is None or value == "" or value.startswith(PREFIX):
        return value
    return PREFIX + _ring.encrypt(value.encode("utf-8")).decode("ascii")


def unseal(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    if _ring is None:
        raise CryptoError("an encrypted value was read but ENCRYPTION_KEYS is not set")
    try:
        return _ring.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise CryptoError("an encrypted value matches none of ENCRYPTION_KEYS") from None


def rotate(value: str) -> str:
    """Re-encrypt with the newest key (or encrypt a plain value)."""
    if _ring is None:
        return value
    if value.startswith(PREFIX):
        token = _ring.rotate(value[len(PREFIX) :].encode("ascii"))
        return PREFIX + token.decode("ascii")
    return seal(value)


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
