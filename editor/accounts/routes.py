"""Sign in and out, one's own settings, and (for admins) the accounts of others."""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from editor import bp, role_required
from editor.accounts.forms import AccountForm, LoginForm, PasswordForm, UserForm, UserRoleForm
from editor.accounts.users import (
    EMAIL_THROTTLE,
    AccountError,
    admin_count,
    change_email,
    check_password,
    clear_failures,
    create_user,
    end_sessions,
    find_user,
    generate_password,
    quoted,
    record_failure,
    record_success,
    set_password,
    throttle_keys,
    throttled,
    tries_left,
    wait_seconds,
)
from editor.forms import ConfirmForm
from ussd.extensions import db
from ussd.models import User
from ussd.privacy.retention import audit

log = logging.getLogger("editor.accounts")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never //evil.example or https://…) is followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _stay_signed_in(user: User) -> None:
    """After ending a user's sessions on their own behalf, keep this browser signed in under
    the new epoch (a deactivated account is not signed in again)."""
    if user.id == current_user.id:
        login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("editor.menus"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email, password = form.email.data or "", form.password.data or ""
        keys = throttle_keys(email, request.remote_addr or "")
        if throttled(keys):
            # The account is not even looked up, and the answer (and its cost: one hash check)
            # is the same for every email, with or without an account. The email stays in its
            # field, as after any other refusal: it is what the person typed.
            check_password(None, password)
            flash(_wait_message(wait_seconds(keys)), "error")
            status = 429
        else:
            user = find_user(email)
            if check_password(user, password) and user is not None and user.active:
                record_success(user)
                db.session.commit()
                clear_failures(email)
                next_page = _safe_next(request.args.get("next"))
                session.clear()  # a fresh session: no fixation across sign-in
                login_user(user)
                log.info("user %s signed in", user.id)
                return redirect(next_page or url_for("editor.menus"))
            record_failure(keys)
            left = tries_left(keys)
            if throttled(keys):
                log.warning("sign-in throttled after failed attempts")  # never which email
                flash(
                    _("Wrong email or password.") + " " + _wait_message(wait_seconds(keys)), "error"
                )
            elif left is not None:  # from the third failure: say how many tries are left
                flash(
                    ngettext(
                        "Wrong email or password. %(num)d more try, then sign-in pauses for "
                        "up to %(minutes)d minutes.",
                        "Wrong email or password. %(num)d more tries, then sign-in pauses for "
                        "up to %(minutes)d minutes.",
                        left,
                        minutes=EMAIL_THROTTLE.window // 60,
                    ),
                    "error",
                )
            else:
                flash(_("Wrong email or password."), "error")
    return render_template("editor/login.html", form=form), status


def _wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins: try again in %(num)d minute.",
        "Too many failed sign-ins: try again in %(num)d minutes.",
        minutes,
    )


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("editor.login"))


@bp.post("/account/sign-out-everywhere")
@role_required("viewer")
def sign_out_everywhere() -> Response:
    """End every session of this account, on every browser and device, this one included."""
    user = current_user._get_current_object()
    end_sessions(user)
    audit("sign out everywhere", user.email, user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("editor.login"))


@bp.route("/account", methods=["GET", "POST"])
@role_required("viewer")
def account() -> str | Response:
    settings = AccountForm(prefix="settings", language=current_user.language)
    password = PasswordForm(prefix="password")
    if settings.submit.data and settings.validate_on_submit():
        current_user.language = settings.language.data
        db.session.commit()
        flash(_("Your settings are saved."), "info")
        return redirect(url_for("editor.account"))
    if password.submit.data and password.validate_on_submit():
        if not check_password(current_user, password.current.data or ""):
            password.current.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            set_password(user, password.new.data or "")
            audit("password changed", user.email, user)
            db.session.commit()
            _stay_signed_in(user)
            flash(_("Your password is changed, and you are signed out everywhere else."), "info")
            return redirect(url_for("editor.account"))
    return render_template("editor/account.html", settings=settings, password=password)


ACCOUNT_ERRORS = {
    "not_an_email": _l("“%(email)s” is not an email address."),
    "exists": _l("An account for %(email)s already exists."),
}


def account_error(error: AccountError) -> str:
    """Why an account change was refused, in the reader's language."""
    message = ACCOUNT_ERRORS.get(error.reason)
    return str(message) % {"email": error.email} if message else str(error)


def _one_time_password(title: str, user: User, password: str) -> Response:
    """Show a generated password in this response only: never in a flash message (the session
    cookie is signed, not encrypted), never after a redirect, never from a cache."""
    response = make_response(
        render_template("editor/accounts_password.html", title=title, user=user, password=password)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users() -> str | Response:
    form = UserForm()
    if form.validate_on_submit():
        try:
            password = generate_password()
            user = create_user(
                form.email.data or "", password, role=form.role.data, language=form.language.data
            )
            audit("account created", f"{user.email} ({user.role})", current_user)
            db.session.commit()
            return _one_time_password(_("Account created"), user, password)
        except AccountError as exc:
            form.email.errors.append(account_error(exc))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    role_forms = {
        u.id: UserRoleForm(prefix=f"u{u.id}", email=u.email, role=u.role, active=u.active)
        for u in accounts
    }
    return render_template(
        "editor/users.html",
        form=form,
        accounts=accounts,
        role_forms=role_forms,
        confirm=ConfirmForm(),
    )


@bp.post("/users/<int:user_id>")
@role_required("admin")
def user_update(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = UserRoleForm(prefix=f"u{user.id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(f"{quoted(user.email)}: {error}", "error")
        return redirect(url_for("editor.users"))
    role, active = form.role.data, bool(form.active.data)
    demoting = user.role == "admin" and (role != "admin" or not active)
    if demoting and admin_count() <= 1:
        flash(_("%(email)s is the last admin and must stay one.", email=user.email), "error")
        return redirect(url_for("editor.users"))
    if form.email.data:  # an email is who signs in: it changes nothing a session may do
        try:
            old = change_email(user, form.email.data)
        except AccountError as exc:
            flash(account_error(exc), "error")
            return redirect(url_for("editor.users"))
        if old is not None:
            audit("email changed", f"{old} -> {user.email}", current_user)
    changed = False
    if role != user.role:
        audit("role changed", f"{user.email}: {user.role} -> {role}", current_user)
        user.role, changed = role, True
    if active != user.active:
        audit("account activated" if active else "account deactivated", user.email, current_user)
        user.active, changed = active, True
    if changed:  # what a session may do has changed: it starts again from sign-in
        end_sessions(user)
    db.session.commit()
    if changed and user.active:
        _stay_signed_in(user)
    flash(_("%(email)s is saved.", email=user.email), "info")
    return redirect(url_for("editor.users"))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_reset_password(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("editor.users"))
    password = generate_password()
    set_password(user, password)
    audit("password reset", user.email, current_user)
    db.session.commit()
    clear_failures(user.email)
    _stay_signed_in(user)
    return _one_time_password(_("New password"), user, password)
