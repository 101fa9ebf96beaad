"""Editor accounts: creation, argon2 password hashing, roles, lock-out after failures."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from .extensions import db
from .models import User, utcnow

ROLES = ("admin", "editor", "viewer")
MAX_FAILURES = 5  # then the account waits LOCK_MINUTES before the next attempt
LOCK_MINUTES = 15
_hasher = PasswordHasher()
# Verifying against this when the email is unknown takes as long as a real check, so the
# response time does not tell an attacker which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if ok and user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return ok and user is not None


def validate_password(password: str) -> None:
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise AccountError(f"{email!r} is not an email address")
    return email


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(email: str, password: str, role: str = "editor", language: str = "en") -> User:
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    validate_password(password)
    if find_user(email):
        raise AccountError(f"an account for {email} already exists")
    user = User(email=email, password_hash=hash_password(password), role=role, language=language)
    db.session.add(user)
    db.session.flush()
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def admin_count() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True))
        )
        or 0
    )


def locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def record_failure(user: User, now: datetime | None = None) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = (now or utcnow()) + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0


def record_success(user: User, now: datetime | None = None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now or utcnow()
