"""Sign in and out, one's own settings, and (for admins) the accounts of others."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ussd.extensions import db, limiter
from ussd.models import User, utcnow
from ussd.users import (
    LOCK_MINUTES,
    AccountError,
    admin_count,
    check_password,
    create_user,
    find_user,
    generate_password,
    hash_password,
    locked,
    record_failure,
    record_success,
)

from . import bp, role_required
from .forms import AccountForm, ConfirmForm, LoginForm, PasswordForm, UserForm, UserRoleForm

log = logging.getLogger("editor.accounts")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never //evil.example or https://…) is followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("editor.menus"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = find_user(form.email.data or "")
        if user is not None and locked(user):
            minutes = max(1, int((user.locked_until - utcnow()).total_seconds() // 60) + 1)  # type: ignore[operator]
            flash(
                _("Too many failed attempts: try again in %(minutes)d minutes.", minutes=minutes),
                "error",
            )
            status = 429
        elif check_password(user, form.password.data or "") and user is not None and user.active:
            record_success(user)
            db.session.commit()
            next_page = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session: no fixation across sign-in
            login_user(user)
            log.info("user %s signed in", user.id)
            return redirect(next_page or url_for("editor.menus"))
        else:
            if user is not None:
                record_failure(user)
                db.session.commit()
                if locked(user):
                    log.warning(
                        "user %s locked for %d minutes after failed sign-ins", user.id, LOCK_MINUTES
                    )
            flash(_("Wrong email or password."), "error")
    return render_template("editor/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
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
            current_user.password_hash = hash_password(password.new.data or "")
            db.session.commit()
            flash(_("Your password is changed."), "info")
            return redirect(url_for("editor.account"))
    return render_template("editor/account.html", settings=settings, password=password)


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users() -> str | Response:
    form = UserForm()
    created_password = None
    if form.validate_on_submit():
        try:
            created_password = generate_password()
            user = create_user(
                form.email.data or "",
                created_password,
                role=form.role.data,
                language=form.language.data,
            )
            db.session.commit()
            flash(
                _(
                    "Account created for %(email)s. Give them this password, shown once: "
                    "%(password)s",
                    email=user.email,
                    password=created_password,
                ),
                "info",
            )
            return redirect(url_for("editor.users"))
        except AccountError as exc:
            form.email.errors.append(str(exc))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    role_forms = {
        u.id: UserRoleForm(prefix=f"u{u.id}", role=u.role, active=u.active) for u in accounts
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
    if form.validate_on_submit():
        demoting = user.role == "admin" and (form.role.data != "admin" or not form.active.data)
        if demoting and admin_count() <= 1:
            flash(_("%(email)s is the last admin and must stay one.", email=user.email), "error")
        else:
            user.role = form.role.data
            user.active = bool(form.active.data)
            db.session.commit()
            flash(_("%(email)s is saved.", email=user.email), "info")
    return redirect(url_for("editor.users"))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_reset_password(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        new_password = generate_password()
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        user.locked_until = None
        db.session.commit()
        flash(
            _(
                "New password for %(email)s, shown once: %(password)s",
                email=user.email,
                password=new_password,
            ),
            "info",
        )
    return redirect(url_for("editor.users"))
