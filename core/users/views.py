from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.audit import audit
from core.extensions import db, limiter
from core.permissions import login_required, public
from core.plugins import get_host
from core.users.forms import LoginForm
from core.users.models import utcnow
from core.users.passwords import burn_time, hash_password, needs_rehash, verify_password
from core.users.service import find_user

bp = Blueprint("users", __name__)


def safe_next(target, default="users.dashboard"):
    """A same-site path to go to after signing in, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for(default)


def login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            burn_time(form.password.data)
        if user is not None and user.is_active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            audit("user.login", user.email, actor=user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data))
        audit("user.login_failed", form.email.data[:254])
        db.session.commit()
        # Same message whether or not the address is registered.
        flash(_("The e-mail address or password is not right."), "error")
    return render_template("users/login.html", form=form)


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


@bp.route("/register")
@public
def register():
    return render_template("users/register_closed.html")
