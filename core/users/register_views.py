"""Registering (open or by invitation), confirming the e-mail address, resetting a password.

No page here tells whether an e-mail address is registered."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from core.extensions import db, limiter
from core.permissions import public
from core.users import service
from core.users.blueprint import bp, register_limit, reset_limit
from core.users.forms import InvitedRegisterForm, RegisterForm, ResetPasswordForm, ResetRequestForm


def registration_refused(method):
    mode = current_app.config["REGISTRATION_MODE"]
    status = 403 if method == "POST" else 200
    return render_template("users/register_closed.html", mode=mode), status


def invalid_link(status=400, message=None):
    return render_template("users/link_invalid.html", message=message), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
@public
def register():
    if current_app.config["REGISTRATION_MODE"] != "open":
        return registration_refused(request.method)
    if current_user.is_authenticated:
        return redirect(url_for("users.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            service.register_user(form.email.data, form.name.data, form.password.data, locale=str(get_locale()))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # registered a moment ago by a parallel request: same answer
        return render_template("users/check_email.html", purpose="register")
    return render_template("users/register.html", form=form)


@bp.route("/register/invite/<token>", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
@public
def register_invite(token):
    if current_app.config["REGISTRATION_MODE"] == "closed":
        return registration_refused(request.method)
    invitation = service.find_invitation(token[:200])
    if invitation is None:
        return invalid_link(404, _("This invitation is unknown, already used or expired."))
    if current_user.is_authenticated:
        flash(_("You are signed in already. Sign out to accept an invitation for another account."), "info")
        return redirect(url_for("users.dashboard"))
    form = InvitedRegisterForm()
    form.invited_email = invitation.email
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(invitation, form.name.data, form.password.data)
            user.locale = str(get_locale())
            db.session.commit()
        except (service.UserError, IntegrityError) as error:
            db.session.rollback()
            message = str(error) if isinstance(error, service.UserError) else None
            return invalid_link(409, message or _("This invitation can no longer be used."))
        login_user(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("users.dashboard"))
    return render_template("users/register_invite.html", form=form, invitation=invitation)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify_email(token):
    """GET shows a button; the POST confirms (state never changes on GET)."""

    if request.method == "GET":
        if service.user_for_verification(token) is None:
            return invalid_link()
        return render_template("users/verify.html")
    user = service.verify_email(token)
    if user is None:
        return invalid_link()
    db.session.commit()
    flash(_("Thank you, your e-mail address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("users.dashboard"))
    return redirect(url_for("users.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(reset_limit, methods=["POST"])
@public
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("users/check_email.html", purpose="reset")
    return render_template("users/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(reset_limit, methods=["POST"])
@public
def reset_password(token):
    user = service.user_for_reset(token)
    if user is None:
        return invalid_link(message=_("This link is invalid, already used or expired. Ask for a new one."))
    form = ResetPasswordForm()
    form.owner = user
    if form.validate_on_submit():
        service.reset_password(user, form.password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password is changed. Sign in with the new one."), "success")
        return redirect(url_for("users.login"))
    return render_template("users/reset_password.html", form=form)
