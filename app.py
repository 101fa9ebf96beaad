"""The application factory: `flask --app app …` and `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask, Response, render_template, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from ussd import config as settings
from ussd import metrics
from ussd.extensions import db, migrate

ROOT = Path(__file__).resolve().parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    register_config(app, test_config)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_favicon(app)
    register_error_handlers(app)
    register_commands(app)
    register_dispatcher(app)
    register_proxy_fix(app)
    return app


def register_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.session_interface = CookieSessions()
    testing = bool(test_config and test_config.get("TESTING"))
    if not testing:  # tests must not pick up a developer's .env
        load_dotenv(ROOT / ".env")
    app.config.from_mapping(settings.from_environment({} if testing else None))
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.database_uri(
            app.config["DATABASE_URL"], app.instance_path
        ),
        SQLALCHEMY_ENGINE_OPTIONS={"hide_parameters": True},  # no numbers in error logs
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="ussd_editor",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,  # menu imports; webhooks are capped far lower
    )
    if test_config:
        app.config.from_mapping(test_config)
    # Cookies only over HTTPS once the service has an https:// public URL (a plain-HTTP
    # localhost trial must still be able to sign in).
    secure = str(app.config.get("PUBLIC_URL", "")).startswith("https://")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if name not in (test_config or {}):
            app.config[name] = secure
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):  # callers' numbers and answers: owner-only (0700, 0600)
        tightened = settings.private_folder(app.instance_path)
        tightened += settings.private_sqlite(uri, app.instance_path)
        for path in tightened:
            logging.getLogger("ussd.config").warning(
                "%s was readable by other users of this machine: now by its owner only", path
            )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # a connection the server dropped (restart, failover) is replaced, not handed out
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": True,
        }
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret(app.instance_path)
    try:
        from ussd.gateways.guard import parse_networks

        app.config["USSD_ALLOWED_NETWORKS"] = parse_networks(app.config["USSD_ALLOWED_IPS"])
    except ValueError as exc:
        raise SystemExit(f"configuration: USSD_ALLOWED_IPS is invalid ({exc})") from None
    app.config["USSD_SCREEN_CAPS_PARSED"] = settings.screen_caps(app.config["USSD_SCREEN_CAPS"])
    app.config["BDAPPS_SEND_URL"] = settings.send_url(
        "BDAPPS_SEND_URL", app.config.get("BDAPPS_SEND_URL") or ""
    )
    from ussd.gateways import region_warning
    from ussd.privacy.phones import region_setting

    try:
        app.config["DEFAULT_PHONE_REGION"] = region_setting(app.config["DEFAULT_PHONE_REGION"])
    except ValueError as exc:
        raise SystemExit(f"configuration: DEFAULT_PHONE_REGION {exc}") from None
    warning = region_warning(app.config["DEFAULT_PHONE_REGION"])
    if warning:
        logging.getLogger("ussd.config").warning("%s", warning)
    from ussd.privacy import crypto

    crypto.configure(app.config.get("ENCRYPTION_KEYS") or "")


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json), for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
        return json.dumps(entry, ensure_ascii=False)


def register_logging(app: Flask) -> None:
    level = str(app.config.get("LOG_LEVEL", "INFO")).upper()
    for name in ("ussd", "editor"):
        logging.getLogger(name).setLevel(level)
    # The Twilio SDK logs every request line at INFO; ours carry no secrets, but keep quiet.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if str(app.config.get("LOG_FORMAT", "text")).lower() == "json":
        for handler in root.handlers:
            handler.setFormatter(JsonFormatter())


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def register_proxy_fix(app: Flask) -> None:
    """Behind a trusted proxy, its X-Forwarded-* headers are applied before anything reads
    them (the webhooks' address allow-list, HTTPS detection)."""
    proxies = int(app.config.get("USSD_TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; the busy timeout makes concurrent writers
    # (several gunicorn workers) wait their turn instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def register_blueprints(app: Flask) -> None:
    import editor
    from ussd.handoff.events import bp as flex_events
    from ussd.health import bp as health
    from ussd.metrics.routes import init_app as init_metrics
    from ussd.replies.api import bp as flex_replies
    from ussd.sessions.routes import bp as webhooks

    app.register_blueprint(webhooks)
    app.register_blueprint(flex_events)
    app.register_blueprint(flex_replies)
    app.register_blueprint(health)
    init_metrics(app)
    editor.init_app(app)


def register_favicon(app: Flask) -> None:
    """Browsers ask every site for /favicon.ico, even for a monitor's JSON page: the editor's
    icon (its pages name it with a link tag), not a 404 in the logs."""

    def favicon() -> Response:
        return send_from_directory(
            ROOT / "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
        )

    app.add_url_rule("/favicon.ico", "favicon", favicon)


ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("Your role does not allow this. Ask an admin if you need it.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This address does not take that kind of request.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("Slow down a little and try again.")),
    500: (_l("Something went wrong"), _l("The error is logged. Try again, or tell your admin.")),
}


def register_error_handlers(app: Flask) -> None:
    """HTML error pages in the editor; a one-line text everywhere else (gateways, monitors)."""

    from ussd.security_headers import add_security_headers

    def render_error(status: int, text: str | None = None) -> Response:
        title, default = ERROR_PAGES[status]
        if request.path.startswith("/editor"):  # a page for a person, in the editor's look
            page = render_template("errors/error.html", title=title, text=text or default)
            return add_security_headers(Response(page, status=status))
        return Response(f"{text or default}\n", status=status, mimetype="text/plain")

    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(status, lambda error, s=status: render_error(s))

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> Response:
        return render_error(
            400,
            str(_l("The form expired or came from another site. Reload the page and try again.")),
        )

    @app.errorhandler(500)
    def internal_error(_error: Exception) -> Response:
        db.session.rollback()
        metrics.internal_error("app")
        return render_error(500)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, doing nothing for a request that brings no cookie
    and leaves its session untouched (gateways and monitors): no cookie header parsed, no
    signer built, nothing to save. Any request that does bring or use one is as in Flask."""

    def open_session(self, app: Flask, request: Any) -> Any:
        if not request.environ.get("HTTP_COOKIE"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


def register_dispatcher(app: Flask) -> None:
    from ussd.handoff.dispatcher import register

    register(app)
    if not app.testing:
        warm_menus(app)


def warm_menus(app: Flask) -> None:
    """Compile the live menus now, so no caller's first hop waits for it (and, with
    gunicorn's preloading, every worker shares them). Quietly skipped before init-db."""
    from sqlalchemy import select

    from ussd.models import Menu
    from ussd.publishing import cache

    with app.app_context():
        try:
            for version_id in db.session.scalars(
                select(Menu.live_version_id).where(Menu.live_version_id.is_not(None))
            ):
                if version_id is not None:
                    cache().compiled(version_id)
        except Exception:  # noqa: BLE001 - no schema yet (init-db not run)
            db.session.rollback()
        finally:
            db.session.remove()


def register_commands(app: Flask) -> None:
    from editor.accounts.cli import users_cli
    from ussd.cli import register

    register(app)
    app.cli.add_command(users_cli)
