"""Editor accounts: creation, argon2 password hashing, roles, sessions, sign-in throttling."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ussd.extensions import db
from ussd.models import SignInCounter, User, utcnow

if TYPE_CHECKING:
    from limits.storage import Storage

ROLES = ("admin", "editor", "viewer")
_hasher = PasswordHasher()
# Verifying against this when the email is unknown takes as long as a real check, so the
# response time does not tell an attacker which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """Why an account change was refused: `reason` names the case (the editor says it in the
    reader's language), `email` is what was typed, shortened as messages quote it."""

    def __init__(self, reason: str, message: str, email: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.email = email


def quoted(email: str, limit: int = 60) -> str:
    """An email as a message quotes it: a long paste is shortened, never echoed whole."""
    return email if len(email) <= limit else email[: limit - 1] + "…"


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
        raise AccountError("short_password", "a password needs at least 10 characters")


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        shown = quoted(email)
        raise AccountError("not_an_email", f"{shown!r} is not an email address", shown)
    return email


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(email: str, password: str, role: str = "editor", language: str = "en") -> User:
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError("role", f"role must be one of {', '.join(ROLES)}")
    validate_password(password)
    if find_user(email):
        raise AccountError("exists", f"an account for {email} already exists", email)
    user = User(email=email, password_hash=hash_password(password), role=role, language=language)
    db.session.add(user)
    db.session.flush()
    return user


def change_email(user: User, email: str) -> str | None:
    """Give `user` another email (normalised, and no other account's); returns the old one,
    or None when it is the same."""
    email = normalize_email(email)
    if email == user.email:
        return None
    other = find_user(email)
    if other is not None and other.id != user.id:
        raise AccountError("exists", f"an account for {email} already exists", email)
    old = user.email
    try:
        with db.session.begin_nested():  # the unique index decides a race between two admins
            user.email = email
    except IntegrityError:
        user.email = old
        raise AccountError("exists", f"an account for {email} already exists", email) from None
    return old


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


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session cookie names the epoch it was issued in
    (User.get_id), and one from an older epoch no longer loads a user. Done in SQL, so two
    requests bumping at once cannot leave an old cookie valid."""
    user.session_epoch = User.session_epoch + 1  # type: ignore[assignment]
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """A new password ends every session; the caller signs the current one in again if it
    should stay."""
    user.password_hash = hash_password(password)
    end_sessions(user)


def record_success(user: User, now: datetime | None = None) -> None:
    user.last_login_at = now or utcnow()


# -- sign-in throttling ------------------------------------------------------------------------
# Failed sign-ins are counted per email (whether or not it has an account) and per client
# address, in short sliding windows. The counters are in the database (shared by every worker
# and host) unless RATELIMIT_STORAGE_URI names a shared store such as redis://, which is
# then used as Flask-Limiter uses it (memory:// would count per process).
# Nothing is written to the account, so a known email and an unknown one answer alike. Someone
# who knows an email can hold its sign-in back only while they keep failing (10 tries a window
# buy one window), never lock the account.


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int  # failed sign-ins allowed within `window` seconds
    window: int


EMAIL_THROTTLE = Throttle("email", 10, 600)
ADDRESS_THROTTLE = Throttle("address", 20, 600)
_STORAGE = "ussd.sign_in_throttle"


def clock() -> float:
    """Seconds since the epoch (tests move it on to see a window pass)."""
    return time.time()


class DatabaseCounters:
    """The part of limits' Storage the throttle uses, on the sign_in_counters table."""

    def get(self, key: str) -> int:
        row = db.session.get(SignInCounter, key, populate_existing=True)
        return row.count if row is not None and row.expires_at > clock() else 0

    def incr(self, key: str, expiry: int) -> int:
        now = clock()
        table = SignInCounter.__table__
        for _ in range(3):  # a race with another worker making the same row: go again
            bumped = db.session.execute(
                update(table)
                .where(table.c.key == key, table.c.expires_at > now)
                .values(count=table.c.count + 1)
            )
            if bumped.rowcount:  # type: ignore[attr-defined]
                db.session.commit()
                return self.get(key)
            db.session.execute(delete(table).where(table.c.expires_at <= now))  # stale rows
            try:
                db.session.execute(insert(table).values(key=key, expires_at=now + expiry, count=1))
                db.session.commit()
                return 1
            except IntegrityError:
                db.session.rollback()
        raise RuntimeError("sign-in counter kept changing under us")

    def clear(self, key: str) -> None:
        db.session.execute(delete(SignInCounter.__table__).where(SignInCounter.key == key))
        db.session.commit()


def _storage() -> Storage | DatabaseCounters:
    extensions = current_app.extensions
    storage = extensions.get(_STORAGE)
    if storage is None:
        config = current_app.config
        uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
        if uri.startswith("memory://"):
            storage = DatabaseCounters()
        else:  # only then: `limits` and its storage clients are heavy to import
            from limits.storage import storage_from_string

            storage = storage_from_string(uri, **config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        storage = extensions.setdefault(_STORAGE, storage)
    return cast("Storage | DatabaseCounters", storage)


def _key(throttle: Throttle, value: str) -> str:
    """Counters are named by a keyed hash: the storage never holds an email or an address."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"{throttle.scope}:{value}".encode()
    return f"sign-in/{throttle.scope}/{hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]}"


def _email_key(email: str) -> str:
    return _key(EMAIL_THROTTLE, email.strip().lower())  # as find_user reads it


def throttle_keys(email: str, address: str) -> list[tuple[Throttle, str]]:
    return [
        (EMAIL_THROTTLE, _email_key(email)),
        (ADDRESS_THROTTLE, _key(ADDRESS_THROTTLE, address)),
    ]


WARN_FROM = 3  # from this many failures on, the sign-in page says how many tries are left


def _counts(throttle: Throttle, key: str, now: float) -> tuple[int, int, float]:
    """This window's count of failures, the previous window's, and the seconds elapsed in
    this one."""
    bucket, elapsed = divmod(now, throttle.window)
    storage = _storage()
    current = storage.get(f"{key}/{int(bucket)}")
    previous = storage.get(f"{key}/{int(bucket) - 1}")
    return current, previous, elapsed


def _failures(throttle: Throttle, key: str, now: float) -> float:
    """Failures in the last window, estimated from this window's count and a share of the
    previous one's (a sliding-window counter: no fresh budget at a window's edge)."""
    current, previous, elapsed = _counts(throttle, key, now)
    return current + previous * (throttle.window - elapsed) / throttle.window


def throttled(keys: list[tuple[Throttle, str]]) -> bool:
    now = clock()
    return any(_failures(throttle, key, now) >= throttle.limit for throttle, key in keys)


def tries_left(keys: list[tuple[Throttle, str]]) -> int | None:
    """How many more failed sign-ins the email and the address may make before they are held
    back; None before the WARN_FROM-th failure of either (no warning to give yet). The same
    for an email with an account and one without: it counts failures, not accounts."""
    now = clock()
    left: list[int] = []
    warn = False
    for throttle, key in keys:
        failures = _failures(throttle, key, now)
        warn = warn or failures >= WARN_FROM
        left.append(max(0, math.ceil(throttle.limit - failures - 1e-9)))
    return min(left) if warn and left else None


def wait_seconds(keys: list[tuple[Throttle, str]]) -> int:
    """How long until a throttled email and address may try again, if nobody fails meanwhile:
    the sliding estimate falls as the previous window's share shrinks, and is only this
    window's share once the next window starts."""
    now = clock()
    wait = 0.0
    for throttle, key in keys:
        current, previous, elapsed = _counts(throttle, key, now)
        window, limit = throttle.window, throttle.limit
        if current + previous * (window - elapsed) / window < limit:
            continue
        if current < limit:  # within this window, once the previous one weighs little enough
            until = window - (limit - current) * window / previous
            wait = max(wait, until - elapsed)
        else:  # in the next window, once this one's share has shrunk below the limit
            wait = max(wait, window - elapsed + window * (1 - limit / current))
    return math.ceil(wait) + 1 if wait else 0


def record_failure(keys: list[tuple[Throttle, str]]) -> None:
    now = clock()
    for throttle, key in keys:
        # kept two windows: this one, then as the previous one
        _storage().incr(f"{key}/{int(now // throttle.window)}", 2 * throttle.window)


def clear_failures(email: str) -> None:
    """After a successful sign-in or a password reset the email starts afresh. The client
    address keeps its count: signing in to one's own account must not reset it."""
    key, bucket = _email_key(email), int(clock() // EMAIL_THROTTLE.window)
    for n in (bucket - 1, bucket):
        _storage().clear(f"{key}/{n}")
