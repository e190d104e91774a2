"""Signing in (with the optional second step), signing out, the member dashboard."""
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.audit import audit
from core.extensions import db, limiter
from core.permissions import json_error, login_required, public, wants_json
from core.plugins import get_host
from core.users import service
from core.users.blueprint import bp, login_limit, resend_limit, safe_next, user_or_address
from core.users.forms import LoginForm, TotpLoginForm
from core.users.models import User, utcnow
from core.users.passwords import burn_time, hash_password, needs_rehash, verify_password
from core.users.totp import use_code

__all__ = ["bp"]

TOTP_PENDING_KEY = "totp_pending"
TOTP_PENDING_SECONDS = 5 * 60
TOTP_MAX_TRIES = 5
# Reachable while a user whose role requires a second factor has none yet.
TOTP_SETUP_ENDPOINTS = {
    "users.totp_setup",
    "users.totp_start",
    "users.totp_confirm",
    "users.totp_qr",
    "users.logout",
    "pages.set_language",
    "static",
    "theme_static",
}


def complete_login(user, remember, next_url):
    session.pop(TOTP_PENDING_KEY, None)
    user.last_login_at = utcnow()
    audit("user.login", user.email, actor=user)
    db.session.commit()
    login_user(user, remember=remember)
    return redirect(safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = service.find_user(form.email.data)
        if user is None:
            burn_time(form.password.data)
        if user is not None and user.is_active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            if user.totp_enabled:
                db.session.commit()
                session[TOTP_PENDING_KEY] = {
                    "uid": user.id,
                    "sv": user.session_version,
                    "at": time.time(),
                    "remember": bool(form.remember.data),
                    "next": form.next.data or "",
                    "tries": 0,
                }
                return redirect(url_for("users.login_totp"))
            return complete_login(user, form.remember.data, form.next.data)
        audit("user.login_failed", form.email.data[:254])
        db.session.commit()
        # Same message whether or not the address is registered.
        flash(_("The e-mail address or password is not right."), "error")
    return render_template("users/login.html", form=form)


def pending_totp_login():
    """The half-finished sign-in waiting for a code, or None if there is none or it expired."""
    state = session.get(TOTP_PENDING_KEY)
    try:
        fresh = time.time() - float(state["at"]) <= TOTP_PENDING_SECONDS
        user = db.session.get(User, int(state["uid"])) if fresh else None
    except (TypeError, KeyError, ValueError):
        user = None
    if user is None or not user.is_active or not user.totp_enabled or user.session_version != state.get("sv"):
        session.pop(TOTP_PENDING_KEY, None)
        return None, None
    return user, state


@bp.route("/login/totp", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@public
def login_totp():
    if current_user.is_authenticated:
        return redirect(url_for("users.dashboard"))
    user, state = pending_totp_login()
    if user is None:
        flash(_("Your sign-in took too long or was not started. Please sign in again."), "info")
        return redirect(url_for("users.login"))
    form = TotpLoginForm()
    if form.validate_on_submit():
        if use_code(user, form.code.data):
            return complete_login(user, bool(state.get("remember")), state.get("next"))
        audit("user.login_failed", user.email, actor=user, stage="totp")
        db.session.commit()
        state["tries"] = int(state.get("tries", 0)) + 1
        if state["tries"] >= TOTP_MAX_TRIES:
            session.pop(TOTP_PENDING_KEY, None)
            flash(_("Too many wrong codes. Please sign in again."), "error")
            return redirect(url_for("users.login"))
        session[TOTP_PENDING_KEY] = state
        form.code.errors.append(_("That code is not right. Check the time on your phone and try again."))
    return render_template("users/login_totp.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    user.end_other_sessions()
    audit("user.logout", user.email)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("pages.home"))


@bp.route("/me")
@login_required
def dashboard():
    cards = sorted(
        get_host().collect("extra_dashboard_cards", user=current_user._get_current_object()),
        key=lambda card: card.order,
    )
    return render_template("me/dashboard.html", cards=cards)


@bp.route("/me/verify", methods=["POST"])
@limiter.limit(resend_limit, key_func=user_or_address)
@login_required
def resend_verification():
    user = current_user._get_current_object()
    if user.email_verified_at is not None:
        flash(_("Your e-mail address is already confirmed."), "info")
    else:
        service.send_verification(user)
        db.session.commit()
        flash(_("We sent a new confirmation link to %(email)s.", email=user.email), "success")
    return redirect(url_for("users.dashboard"))


@bp.before_app_request
def require_totp_setup():
    """Send users whose role requires a second factor to set one up before anything else."""
    if not current_app.config["REQUIRE_TOTP_FOR_ROLES"]:
        return None
    endpoint = request.endpoint or ""
    if endpoint in TOTP_SETUP_ENDPOINTS or endpoint.endswith(".static") or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated or current_user.totp_enabled:
        return None
    if not service.totp_required(current_user):
        return None
    if wants_json():
        return json_error(403, _("Set up two-step sign-in first."))
    return redirect(url_for("users.totp_setup"))


# The other view modules add their routes to the same blueprint.
from core.users import account_views, register_views  # noqa: E402,F401
