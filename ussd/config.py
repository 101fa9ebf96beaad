"""Configuration from the environment (and `.env`): one place that knows every variable.

Each entry is (variable, type, default, one-line description); `.env.sample` is checked
against this table by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from ussd.menu.numerals import is_digits

VARIABLES: list[tuple[str, type, Any, str]] = [
    (
        "SECRET_KEY",
        str,
        "",
        "signs editor sessions (and keys phone-number hashes unless PHONE_HASH_KEY is set); "
        "generated into the instance folder when empty",
    ),
    (
        "PHONE_HASH_KEY",
        str,
        "",
        "keys the hashes of phone numbers used for limits, resuming and erasure; empty: "
        "SECRET_KEY. Set it once and keep it: rotating it orphans the hashes already stored",
    ),
    (
        "DATABASE_URL",
        str,
        "",
        "SQLAlchemy URL; empty means SQLite in the instance folder, e.g. postgresql://user@host/db",
    ),
    (
        "USSD_WEBHOOK_TOKEN",
        str,
        "",
        "shared secret every gateway must send "
        "(X-USSD-Token header, ?token=, or Basic auth password); webhooks refuse all when empty. "
        "While rotating, give the new and the old one, comma-separated: new,old",
    ),
    (
        "USSD_ALLOWED_IPS",
        str,
        "",
        "comma-separated CIDRs allowed to call the webhooks; empty allows any address",
    ),
    (
        "USSD_TRUSTED_PROXIES",
        int,
        0,
        "how many reverse proxies in front of the app may set "
        "X-Forwarded-For (0: use the socket address)",
    ),
    (
        "METRICS_TOKEN",
        str,
        "",
        "turns GET /metrics on: Prometheus must send Authorization: Bearer <token>. "
        "While rotating, give the new and the old one, comma-separated: new,old",
    ),
    (
        "METRICS_ALLOWED_IPS",
        str,
        "",
        "comma-separated CIDRs that may read GET /metrics (turns it on; with "
        "METRICS_TOKEN, both are required). Both empty: /metrics is off (404)",
    ),
    ("TWILIO_ACCOUNT_SID", str, "", "Twilio account SID (AC…)"),
    (
        "TWILIO_AUTH_TOKEN",
        str,
        "",
        "Twilio auth token: checks the signature of TaskRouter events, and makes the tasks "
        "unless an API key is set. While rotating it, give the new and the old: new,old",
    ),
    (
        "TWILIO_API_KEY_SID",
        str,
        "",
        "a Twilio API key (SK…) to make the tasks with, instead of the auth token: "
        "revocable on its own",
    ),
    ("TWILIO_API_KEY_SECRET", str, "", "the secret of TWILIO_API_KEY_SID"),
    ("TWILIO_WORKSPACE_SID", str, "", "TaskRouter workspace SID (WS…)"),
    ("TWILIO_WORKFLOW_SID", str, "", "TaskRouter workflow SID (WW…) that routes USSD tasks"),
    ("TWILIO_TASK_CHANNEL", str, "ussd", "TaskRouter task channel unique name for USSD tasks"),
    (
        "TWILIO_TASKROUTER_URL",
        str,
        "",
        "TaskRouter's address: leave empty (a stand-in "
        "for soak tests, e.g. http://127.0.0.1:8099, replaces Twilio's)",
    ),
    ("TWILIO_HTTP_TIMEOUT", float, 10.0, "seconds to wait for Twilio before retrying later"),
    (
        "PUBLIC_URL",
        str,
        "",
        "the service's public base URL, e.g. https://ussd.example.org "
        "(checks Twilio signatures behind a proxy; empty: taken from each request)",
    ),
    (
        "DISPATCH_INTERVAL_SECONDS",
        float,
        5.0,
        "how often each server process looks for hand-offs to deliver (new ones are sent at once)",
    ),
    (
        "DISPATCH_LEASE_SECONDS",
        int,
        60,
        "how long a claimed hand-off is reserved for the "
        "process delivering it before another may take it over",
    ),
    (
        "CALLBACK_DEDUP_HOURS",
        float,
        24.0,
        "a caller who asks again within this time while "
        "their first task is open gets no second task (0 disables)",
    ),
    ("SESSION_TIMEOUT_SECONDS", int, 180, "a session idle this long is treated as dropped"),
    (
        "RESUME_WINDOW_MINUTES",
        int,
        10,
        "a caller who redials this soon after a dropped "
        "session is offered to continue it (0 disables)",
    ),
    (
        "DUPLICATE_WINDOW_SECONDS",
        float,
        2.0,
        "for gateways that send no request number, "
        "an identical input this soon is taken as a retry of the same request",
    ),
    (
        "DEFAULT_PHONE_REGION",
        str,
        "",
        "country assumed for phone numbers without a country code, e.g. SN (numbers "
        "from Hubtel, Nalo and Arkesel are read as Ghana's); empty: such a number cannot "
        "be made E.164 and its Flex task gets no `from`, and erasure asks for the country code",
    ),
    (
        "HOP_DATABASE_WAIT_SECONDS",
        float,
        6.0,
        "how long a caller's request waits for a database that cannot be reached (a "
        "restart, a failover) before the caller is told to try again later",
    ),
    (
        "MENU_CACHE_SECONDS",
        float,
        5.0,
        "how long a process trusts its cached list of live "
        "menus (a publish elsewhere shows up within this time)",
    ),
    (
        "USSD_SCREEN_CAPS",
        str,
        "",
        "lower a gateway's characters per screen, e.g. "
        "africastalking=160 for Safaricom (Nalo is always at most 120)",
    ),
    ("WEBHOOK_MAX_BYTES", int, 8192, "largest webhook body accepted"),
    (
        "BDAPPS_SEND_URL",
        str,
        "",
        "bdapps / Applink: where screens are sent (the platform's USSD send URL, e.g. "
        "https://developer.bdapps.com/ussd/send); empty: each bdapps screen fails, saying so",
    ),
    (
        "BDAPPS_APP_ID",
        str,
        "",
        "bdapps / Applink: the application id (APP_…) given when provisioned",
    ),
    (
        "BDAPPS_APP_PASSWORD",
        str,
        "",
        "bdapps / Applink: the application's password (its API key), sent with each screen",
    ),
    (
        "BDAPPS_SCREEN_SECONDS",
        float,
        20.0,
        "bdapps / Applink: a screen not sent this long after the caller's input is dropped "
        "(the handset has stopped waiting): never shown late",
    ),
    (
        "BDAPPS_SEND_TIMEOUT_SECONDS",
        float,
        5.0,
        "bdapps / Applink: how long one send waits for the platform's answer",
    ),
    (
        "MAX_SESSIONS_PER_PHONE_PER_HOUR",
        int,
        30,
        "a number starting more sessions than this in an hour is told to try later (0: no limit)",
    ),
    (
        "MAX_TASKS_PER_PHONE_PER_DAY",
        int,
        5,
        "a number asking for more new Flex tasks than "
        "this in 24 hours is told to try later, so a prank caller cannot flood the agents",
    ),
    (
        "RATELIMIT_STORAGE_URI",
        str,
        "memory://",
        "where the failed sign-in counters live: memory:// keeps them in the "
        "database (shared by every process and host), redis://host:6379 in Redis",
    ),
    (
        "RETENTION_DAYS",
        int,
        90,
        "sessions and hand-offs older than this are deleted by the "
        "daily purge (0 keeps everything)",
    ),
    (
        "ENCRYPTION_KEYS",
        str,
        "",
        "Fernet keys, comma-separated, newest first: encrypts phone "
        "numbers and answers at rest (flask crypto new-key makes one; empty: not encrypted)",
    ),
    (
        "ORGANISATION_NAME",
        str,
        "",
        "the name a caller with a reply waiting is told it comes from (at most 30 "
        "characters); empty: \"You have a reply.\" without a name, where a name could endanger",
    ),
    (
        "FLEX_ALLOWED_ORIGINS",
        str,
        "https://flex.twilio.com",
        "comma-separated origins whose pages (Flex) may call /flex/replies from the browser",
    ),
    (
        "MAX_REPLIES_PER_AGENT_PER_HOUR",
        int,
        60,
        "replies one agent may send in an hour (0: no limit)",
    ),
    (
        "REPLY_SMS_NOTICE",
        bool,
        False,
        'off by default: when on, a new reply also sends the caller a neutral SMS ("You '
        'have a message: dial *123*456#"). An SMS stays on the handset for anyone to read: '
        "turn it on only where callers asked for it (docs/security.md)",
    ),
    (
        "TWILIO_MESSAGING_SERVICE_SID",
        str,
        "",
        "the Twilio Messaging Service (MG…) that sends the SMS notice of REPLY_SMS_NOTICE",
    ),
    (
        "REPLY_SMS_NOTICE_TEXTS",
        str,
        "",
        "the SMS notice per language as JSON, each with {code} for the code to dial, e.g. "
        '{"fr": "Vous avez un message : composez le {code}"}; empty: the built-in texts',
    ),
    ("LOG_LEVEL", str, "INFO", "DEBUG, INFO, WARNING or ERROR"),
    ("LOG_FORMAT", str, "text", "text, or json for one JSON object per line"),
]


def _convert(kind: type, raw: str, name: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind is int and not is_digits(raw.strip().lstrip("-")):
        raise SystemExit(f"configuration: {name}={raw!r} is not a valid whole number")
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"configuration: {name}={raw!r} is not a valid {kind.__name__}") from None


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    config: dict[str, Any] = {}
    for name, kind, default, _ in VARIABLES:
        raw = environ.get(name)
        config[name] = default if raw is None or raw == "" else _convert(kind, raw, name)
    return config


def database_uri(url: str, instance_path: str) -> str:
    """The SQLAlchemy URI for DATABASE_URL, defaulting to SQLite in the instance folder.

    A bare postgresql:// URL is given the psycopg (3) driver, which is what we install.
    """
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "ussd.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _owner_only(path: Path, mode: int) -> bool:
    """Tighten `path` to `mode` when others may read it and it is ours; True if it was."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    if info.st_mode & 0o077 and info.st_uid == os.geteuid():
        path.chmod(mode)
        return True
    return False


def private_folder(path: str | Path) -> list[Path]:
    """The instance folder, made if missing, readable by the service's user only (0700):
    it holds the SQLite database, the generated secret key and the backups. Returns the
    paths that were open to others and have been tightened (an older version made 0755)."""
    folder = Path(path)
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return [folder] if _owner_only(folder, 0o700) else []


def private_sqlite(uri: str, instance_path: str) -> list[Path]:
    """Make the SQLite database of `uri` owner-only (0600) before anything opens it.

    SQLite creates a missing file with the process umask (0644 for most) and gives its
    -wal and -shm files the database's mode, so the file is created here, 0600, empty (an
    empty file is an empty database). A file left readable by others is tightened; the
    paths tightened are returned so the start-up can say so.
    """
    if not uri.startswith("sqlite"):
        return []
    from sqlalchemy.engine import make_url

    name = make_url(uri).database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return []
    path = Path(instance_path) / name  # Flask-SQLAlchemy: relative to the instance folder
    if not path.parent.is_dir():
        return []  # SQLite will say so when it connects
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return [
        part
        for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        if _owner_only(part, 0o600)
    ]


def instance_secret(instance_path: str) -> str:
    """A secret key kept in the instance folder, created on first use (mode 0600)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_folder(path.parent)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def screen_caps(spec: str) -> dict[str, int]:
    """USSD_SCREEN_CAPS "africastalking=160,hubtel=150" -> {"africastalking": 160, ...}."""
    caps: dict[str, int] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        if not is_digits(value.strip()) or not 40 <= int(value) <= 182:
            raise SystemExit(
                f"configuration: USSD_SCREEN_CAPS entry {part!r} must be "
                "gateway=characters (40 to 182)"
            )
        caps[name.strip()] = int(value)
    return caps


def send_url(name: str, value: str) -> str:
    """A URL the service sends credentials to (BDAPPS_SEND_URL): https, or http only to this
    machine (a provider's simulator), so a password never crosses a network in clear."""
    from urllib.parse import urlsplit

    if not value:
        return value
    parts = urlsplit(value.strip())
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if (
        not parts.hostname
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not local)
    ):
        raise SystemExit(
            f"configuration: {name} must be an https:// URL (http:// only to localhost)"
        )
    return value.strip()


def sample_env() -> str:
    """The text of .env.sample (regenerate with `python -m ussd.config > .env.sample`)."""
    lines = [
        "# Configuration for ussd-flex. Copy to .env (scripts/run.sh does it for you) and edit.",
        "# Every variable is optional; the comment says what it does, the value is the default.",
        "",
    ]
    for name, _kind, default, doc in VARIABLES:
        lines += [f"# {doc}", f"{name}={'' if default in (None, '') else default}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(sample_env(), end="")
