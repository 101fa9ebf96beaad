"""The coordinators' editor: /editor (server-rendered, Jinja + Flask-WTF, a little JS), one
blueprint split by area: accounts, menus, nodes, simulator, submissions, canned replies,
analytics, privacy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, request
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from ussd.extensions import babel, csrf, db, login_manager
from ussd.menu.lint import link_name
from ussd.menu.numerals import is_digits
from ussd.models import User
from ussd.security_headers import add_security_headers

bp = Blueprint("editor", __name__, url_prefix="/editor")
LANGUAGES = ("en", "fr", "ar")
F = TypeVar("F", bound=Callable[..., Any])


def role_required(role: str, post: str | None = None) -> Callable[[F], F]:
    """Only signed-in users of `role` or above (viewer < editor < admin) may use the view;
    with `post`, changing something (POST) needs that role instead."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            needed = post if post and request.method == "POST" else role
            if not current_user.can(needed):
                abort(403)
            return view(*args, **kwargs)

        # read by the test that walks the URL map
        wrapped.required_role = role  # type: ignore[attr-defined]
        wrapped.post_role = post or role  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def select_locale() -> str | None:
    """The editor's own language: the user's choice, else the browser's (English, French or
    Arabic)."""
    if current_user and current_user.is_authenticated:
        return str(current_user.language)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def page_direction() -> str:
    """The `dir` of the whole page: right to left for a reader of Arabic."""
    from editor.forms import text_direction

    return "rtl" if text_direction(str(get_locale())) == "rtl" else "ltr"


def forward() -> str:
    """The arrow that points onwards ("leads to", "older") in the reader's direction."""
    return "←" if page_direction() == "rtl" else "→"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session holds "<id>.<epoch>" (User.get_id): a cookie from before a password,
    role or access change, or a "sign out everywhere", no longer signs anyone in."""
    key, _, epoch = user_id.partition(".")
    if not (is_digits(key) and is_digits(epoch)):
        return None
    user = db.session.get(User, int(key))
    if user is None or user.session_epoch != int(epoch):
        return None
    return user


@bp.before_request
def check_csrf() -> None:
    """Every change in the editor carries the form's CSRF token (forms and buttons alike)."""
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


bp.after_request(add_security_headers)


def stamp(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> Markup:
    """A date and time as a page shows it: left to right in an Arabic page too, where the
    space between "2026-11-30" and "18:11" would otherwise put the time first."""
    if moment is None:
        return Markup("")
    return Markup('<time dir="ltr" datetime="{}">{}</time>').format(
        moment.isoformat(), moment.strftime(pattern)
    )


def init_app(app: Flask) -> None:
    # Browser sessions, sign-in and CSRF belong to the editor's blueprint, not to every
    # request: Flask-Login is attached without its app-wide hook, which only maintains
    # remember-me cookies (the editor never sets one: a sign-in lasts a browser session),
    # and CSRFProtect checks nothing by default (check_csrf above does, for the editor).
    app.login_manager = login_manager  # type: ignore[attr-defined]
    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "editor.login"
    login_manager.login_message = None  # the login page says enough
    login_manager.session_protection = "strong"
    babel.init_app(app, locale_selector=select_locale)
    # Each area's route modules register their views on `bp` when imported.
    from editor.accounts import routes as _accounts  # noqa: F401
    from editor.accounts.forms import role_label
    from editor.analytics import routes as _analytics  # noqa: F401
    from editor.connections import routes as _connections  # noqa: F401
    from editor.forms import language_label, text_direction
    from editor.gateways import routes as _gateways  # noqa: F401
    from editor.help import routes as _help  # noqa: F401
    from editor.menus import codes as _codes  # noqa: F401
    from editor.menus import files as _files  # noqa: F401
    from editor.menus import insights as _insights  # noqa: F401
    from editor.menus import routes as _menus  # noqa: F401
    from editor.menus import versions as _versions  # noqa: F401
    from editor.nodes import routes as _nodes  # noqa: F401
    from editor.nodes.forms import operator_label, subject_label
    from editor.privacy import routes as _privacy  # noqa: F401
    from editor.replies import routes as _replies  # noqa: F401
    from editor.simulator import routes as _simulator  # noqa: F401
    from editor.submissions import replies as _submission_replies  # noqa: F401
    from editor.submissions import routes as _submissions  # noqa: F401
    from editor.webhooks import routes as _webhooks  # noqa: F401

    # `translate` is the plain gettext, for Python objects that render their own text.
    app.jinja_env.globals.update(
        get_locale=get_locale,
        link_name=link_name,
        translate=gettext,
        language_label=language_label,
        text_direction=text_direction,
        page_direction=page_direction,
        forward=forward,
        subject_label=subject_label,
        operator_label=operator_label,
        role_label=role_label,
    )
    app.jinja_env.filters["stamp"] = stamp
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    app.register_blueprint(bp)
