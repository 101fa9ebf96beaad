"""Database models (SQLAlchemy 2.0, typed). The schema is managed by migrations/."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ussd.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as naive UTC (SQLite has no time zones) and read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


ROLE_RANK = {"viewer": 1, "editor": 2, "admin": 3}


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest with Fernet when ENCRYPTION_KEYS is set (ussd/privacy/crypto.py).

    Reads accept both encrypted and plain values, so encryption can be switched on for a
    running service and old rows are re-encrypted by `flask crypto rotate`.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        from ussd.privacy.crypto import seal

        return seal(value) if value is not None else None

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        from ussd.privacy.crypto import unseal

        return unseal(value) if value is not None else None


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="editor")  # admin, editor, viewer
    language: Mapped[str] = mapped_column(String(8), default="en")  # editor interface language
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to sign the user out everywhere (new password, role or access changed, or asked):
    # session cookies carry the epoch they were issued in, see get_id.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return bool(self.active)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: "<id>.<epoch>". editor.load_user
        refuses a cookie whose epoch is not the account's current one."""
        return f"{self.id}.{self.session_epoch}"

    def can(self, role: str) -> bool:
        """True if this user's role is `role` or above (viewer < editor < admin)."""
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


class Menu(db.Model):  # type: ignore[name-defined,misc]
    """A menu being designed: its editable draft and its published versions."""

    __tablename__ = "menus"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    draft: Mapped[str] = mapped_column(Text)  # the menu document as JSON
    draft_revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every edit
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)  # serves unmapped codes
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("menu_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    versions: Mapped[list[MenuVersion]] = relationship(
        back_populates="menu",
        foreign_keys="MenuVersion.menu_id",
        order_by="MenuVersion.id.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    live_version: Mapped[MenuVersion | None] = relationship(
        foreign_keys=[live_version_id], post_update=True
    )
    service_codes: Mapped[list[ServiceCode]] = relationship(
        back_populates="menu", cascade="all, delete-orphan", passive_deletes=True
    )


class MenuVersion(db.Model):  # type: ignore[name-defined,misc]
    """A published, immutable menu document. Sessions stay on the version they began on.

    Previews (number NULL) are frozen copies of a draft made for the editor's simulator, so
    it runs drafts through exactly the same path as callers; they never serve a code.
    """

    __tablename__ = "menu_versions"
    __table_args__ = (UniqueConstraint("menu_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("menus.id", ondelete="CASCADE"), index=True)
    number: Mapped[int | None] = mapped_column(Integer)  # None for a simulator preview
    draft_revision: Mapped[int | None] = mapped_column(Integer)  # previews: the draft copied
    document: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    menu: Mapped[Menu] = relationship(back_populates="versions", foreign_keys=[menu_id])
    published_by: Mapped[User | None] = relationship()


class ServiceCode(db.Model):  # type: ignore[name-defined,misc]
    """A USSD service code (stored normalised, e.g. "123*456") and the menu that serves it."""

    __tablename__ = "service_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("menus.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    menu: Mapped[Menu] = relationship(back_populates="service_codes")


class UssdSession(db.Model):  # type: ignore[name-defined,misc]
    """One caller's USSD session: read once and written once per hop."""

    __tablename__ = "ussd_sessions"
    # No index holds a column that a hop changes (updated_at, status, ...): a hop's UPDATE
    # then rewrites the row alone. Each index it touched cost a b-tree walk and a page
    # written on every hop (docs/performance.md).
    __table_args__ = (
        UniqueConstraint("gateway", "external_id"),
        Index("ix_ussd_sessions_phone_hash_started_at", "phone_hash", "started_at"),
        Index("ix_ussd_sessions_started_at", "started_at"),
        # the analytics sweep walks the sessions not yet analysed in id order
        Index("ix_ussd_sessions_analysed_id", "analysed", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20))
    # The gateway's session id: as long as the gateways accept (gateways.base.MAX_FIELD).
    external_id: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(EncryptedText)  # E.164 where it could be parsed
    phone_hash: Mapped[str] = mapped_column(String(32))  # keyed hash, for logs and look-ups
    service_code: Mapped[str] = mapped_column(String(40), default="")
    network: Mapped[str] = mapped_column(String(40), default="")
    menu_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("menu_versions.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(EncryptedText)  # engine.State as JSON (has answers)
    status: Mapped[str] = mapped_column(String(16), default="active")
    lang: Mapped[str] = mapped_column(String(12), default="")  # the session's language now
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency
    last_request: Mapped[str] = mapped_column(String(200), default="")  # identity of last hop
    # what the caller last saw: it may show a reply or a looked-up value, so it is sealed too
    last_screen: Mapped[str] = mapped_column(EncryptedText, default="")
    last_end: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_text: Mapped[str] = mapped_column(EncryptedText, default="")  # AT: all input so far
    trail: Mapped[str] = mapped_column(Text, default="[]")  # [[node, ms since start], ...]
    current_node: Mapped[str] = mapped_column(String(64), default="")
    hops: Mapped[int] = mapped_column(Integer, default=0)
    is_simulation: Mapped[bool] = mapped_column(Boolean, default=False)
    analysed: Mapped[bool] = mapped_column(Boolean, default=False)  # node_visits written
    end_reason: Mapped[str] = mapped_column(String(40), default="")
    gateway_duration_ms: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    menu_version: Mapped[MenuVersion | None] = relationship()
    handoff: Mapped[Handoff | None] = relationship(back_populates="session", uselist=False)


class Handoff(db.Model):  # type: ignore[name-defined,misc]
    """The outbox: one Flex task per finished session, delivered by ussd/handoff/dispatcher.py.

    kind "create" makes a task; kind "update" adds a repeat request from the same caller to
    the open task of `target_id` (callback de-duplication) instead of making a second one.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_handoffs_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("ussd_sessions.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="create")
    target_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("handoffs.id", ondelete="SET NULL"),
        index=True,
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attributes: Mapped[str] = mapped_column(EncryptedText)  # the task attributes as JSON
    phone_hash: Mapped[str] = mapped_column(String(32), index=True)
    # the canonical values coordinators filter on (menu choices such as "Dakar", "Shelter")
    language: Mapped[str] = mapped_column(String(100), default="")
    location: Mapped[str] = mapped_column(String(100), default="", index=True)
    support_type: Mapped[str] = mapped_column(String(100), default="")
    callback: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str] = mapped_column(String(32), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    task_sid: Mapped[str | None] = mapped_column(String(34), index=True)
    task_status: Mapped[str] = mapped_column(String(16), default="")  # from TaskRouter events
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first reservation accepted
    wait_seconds: Mapped[int | None] = mapped_column(Integer)  # from queued to accepted
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # completed or canceled

    session: Mapped[UssdSession] = relationship(back_populates="handoff")


class TaskEvent(db.Model):  # type: ignore[name-defined,misc]
    """A TaskRouter event about one of our tasks (POST /flex/events)."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    handoff_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("handoffs.id", ondelete="CASCADE"),
        index=True,
    )
    task_sid: Mapped[str] = mapped_column(String(34), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    event_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DailySessions(db.Model):  # type: ignore[name-defined,misc]
    """Finished sessions per day, menu and kind (written by the analytics sweep)."""

    __tablename__ = "daily_sessions"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    menu_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: menu deleted
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    lang: Mapped[str] = mapped_column(String(12), primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20), primary_key=True)
    network: Mapped[str] = mapped_column(String(40), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)


class DailyVisits(db.Model):  # type: ignore[name-defined,misc]
    """Stays on each screen per day: a histogram by seconds, answered and left."""

    __tablename__ = "daily_visits"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    menu_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    answered: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    left: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)


class DailyWaits(db.Model):  # type: ignore[name-defined,misc]
    """Seconds from hand-off to an agent's acceptance, per day the request came in."""

    __tablename__ = "daily_waits"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    menu_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wait_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    accepted: Mapped[int] = mapped_column(Integer, default=0)


class Housekeeping(db.Model):  # type: ignore[name-defined,misc]
    """When periodic jobs last ran (daily purge), shared by every process and host."""

    __tablename__ = "housekeeping"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInCounter(db.Model):  # type: ignore[name-defined,misc]
    """Failed sign-ins per keyed hash of an email or an address, per time window. In the
    database by default, so every worker and host counts alike (editor/accounts/users.py)."""

    __tablename__ = "sign_in_counters"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float)  # epoch seconds
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    """What was done by whom (account changes, exports, retries, erasures, purges, key
    rotations): never whose data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(300), default="")


class OutboxMessage(db.Model):  # type: ignore[name-defined,misc]
    """Every delivery other than a task's creation (ussd/handoff/deliveries.py): updates of a
    task's attributes, outgoing webhooks, screens of asynchronous gateways.

    `dedupe_key` makes each event or screen queued at most once, whoever queues it twice.
    Messages that share an `ordering_key` (one webhook endpoint, one task) are delivered one
    after another in id order: a later one waits while an earlier one is not settled.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_messages_ordering_key_id", "ordering_key", "id"),
        Index("ix_outbox_messages_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    ordering_key: Mapped[str] = mapped_column(String(80), default="")
    # what the row is about, for the editor's lists (never personal data): "reply:12"
    reference: Mapped[str] = mapped_column(String(64), default="", index=True)
    payload: Mapped[str] = mapped_column(EncryptedText)  # JSON, as the kind's sender reads it
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a message worth nothing after this moment (a screen the caller stopped waiting for)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str] = mapped_column(String(32), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[str] = mapped_column(String(200), default="")  # e.g. "HTTP 200 in 120 ms"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Reply(db.Model):  # type: ignore[name-defined,misc]
    """An answer from an agent or a coordinator that the caller reads on their next dial
    (DESIGN §5b). It belongs to a hand-off (the request it answers)."""

    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_phone_hash_status", "phone_hash", "status"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("handoffs.id", ondelete="CASCADE"),
        index=True,
    )
    phone_hash: Mapped[str] = mapped_column(String(32))  # whose next dial offers it
    task_sid: Mapped[str | None] = mapped_column(String(34))
    text: Mapped[str] = mapped_column(EncryptedText)
    lang: Mapped[str] = mapped_column(String(12), default="")
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | read
    by: Mapped[str] = mapped_column(String(120), default="")  # the agent's identity or a user
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReplyGuard(db.Model):  # type: ignore[name-defined,misc]
    """A caller's reply PIN (a keyed hash of it) and wrong tries, by keyed hash of the number:
    never the number, never the PIN."""

    __tablename__ = "reply_guards"

    phone_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(64), default="")
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedReply(db.Model):  # type: ignore[name-defined,misc]
    """A reply written once by a coordinator, offered to agents in the caller's language."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MappedGatewayDefinition(db.Model):  # type: ignore[name-defined,misc]
    """A gateway described without code, served at /ussd/mapped/<name>: its definition as
    JSON (ussd/gateways/mapped.py reads it; ussd/mapped_gateways.py caches it per process)."""

    __tablename__ = "mapped_gateways"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    definition: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WebhookEndpoint(db.Model):  # type: ignore[name-defined,misc]
    """An address that receives events (ussd/handoff/webhooks.py), signed per the Standard
    Webhooks specification with this endpoint's own secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(String(200), default="")  # comma-separated event types
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # http:// and private, loopback or link-local addresses only when ticked
    allow_private: Mapped[bool] = mapped_column(Boolean, default=False)
    include_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    secret: Mapped[str] = mapped_column(EncryptedText)  # "whsec_" + base64
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def event_types(self) -> list[str]:
        return [e for e in self.events.split(",") if e]


class Connection(db.Model):  # type: ignore[name-defined,misc]
    """A service an http node of a menu may call (ussd/connections/): menus name it, never a
    URL, so only an admin chooses where requests go."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # the slug menus name
    base_url: Mapped[str] = mapped_column(String(500))
    method: Mapped[str] = mapped_column(String(8), default="POST")
    secret_header: Mapped[str] = mapped_column(String(80), default="")  # its name
    secret_value: Mapped[str] = mapped_column(EncryptedText, default="")
    timeout_seconds: Mapped[float] = mapped_column(Float, default=2.0)
    # private, loopback and link-local addresses (and http://) only when ticked
    allow_private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
