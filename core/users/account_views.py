"""The member's own account: profile, password, two-step sign-in, personal API tokens."""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from core.extensions import db
from core.permissions import login_required
from core.users import service
from core.users.blueprint import bp
from core.users.forms import (
    ChangePasswordForm,
    ProfileForm,
    TokenCreateForm,
    TotpConfirmForm,
    TotpDisableForm,
)
from core.users.models import ApiToken
from core.users.passwords import verify_password
from core.users.totp import provisioning_uri, qr_svg, use_code


def me():
    return current_user._get_current_object()


def stay_signed_in(user):
    """After session_version was bumped: end the other sessions, keep this one."""
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)


def profile_form(formdata=None):
    user = me()
    form = ProfileForm(
        formdata=formdata, name=user.name, locale=user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    form.locale.choices = list(current_app.config["LANGUAGES"].items())
    return form


def render_account(profile=None, password=None, token=None):
    return render_template(
        "me/account.html",
        profile_form=profile or profile_form(),
        password_form=password or ChangePasswordForm(formdata=None),
        token_form=token or TokenCreateForm(formdata=None),
        tokens=service.tokens_of(me()),
    )


@bp.route("/me/account")
@login_required
def account():
    return render_account()


@bp.route("/me/account/profile", methods=["POST"])
@login_required
def account_profile():
    form = profile_form(formdata=request.form)
    if not form.validate_on_submit():
        return render_account(profile=form)
    user = me()
    user.name = form.name.data.strip()
    user.locale = form.locale.data
    db.session.commit()
    session["lang"] = user.locale  # the switch in the header takes precedence; follow the new choice
    flash(_("Your details are saved."), "success")
    return redirect(url_for("users.account"))


@bp.route("/me/account/password", methods=["POST"])
@login_required
def account_password():
    user = me()
    form = ChangePasswordForm()
    form.owner = user
    if not form.validate_on_submit():
        return render_account(password=form)
    if not verify_password(user.password_hash, form.current_password.data):
        form.current_password.errors.append(_("This is not your current password."))
        return render_account(password=form)
    service.set_password(user, form.password.data)
    db.session.commit()
    stay_signed_in(user)
    flash(_("Your password is changed. You were signed out everywhere else."), "success")
    return redirect(url_for("users.account"))


# -- personal API tokens ---------------------------------------------------------


@bp.route("/me/account/tokens", methods=["POST"])
@login_required
def token_create():
    form = TokenCreateForm()
    if not form.validate_on_submit():
        return render_account(token=form)
    token, raw = service.create_api_token(me(), form.token_name.data)
    db.session.commit()
    # Shown on this response only: the database keeps the hash alone.
    return render_template("me/token_created.html", token=token, raw=raw)


@bp.route("/me/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    service.revoke_api_token(token)
    db.session.commit()
    flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("users.account"))


# -- two-step sign-in ------------------------------------------------------------------


def render_totp(confirm=None, disable=None):
    user = me()
    enrolling = bool(user.totp_secret) and not user.totp_enabled
    return render_template(
        "me/totp.html",
        required=service.totp_required(user),
        uri=provisioning_uri(user) if enrolling else None,
        confirm_form=confirm or TotpConfirmForm(formdata=None),
        disable_form=disable or TotpDisableForm(formdata=None),
    )


@bp.route("/me/account/totp")
@login_required
def totp_setup():
    return render_totp()


@bp.route("/me/account/totp/start", methods=["POST"])
@login_required
def totp_start():
    user = me()
    if not user.totp_enabled:
        service.start_totp(user)
        db.session.commit()
    return redirect(url_for("users.totp_setup"))


@bp.route("/me/account/totp/qr.svg")
@login_required
def totp_qr():
    user = me()
    if user.totp_enabled or not user.totp_secret:
        abort(404)
    response = current_app.response_class(qr_svg(provisioning_uri(user)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/me/account/totp/confirm", methods=["POST"])
@login_required
def totp_confirm():
    user = me()
    form = TotpConfirmForm()
    if form.validate_on_submit():
        try:
            service.enable_totp(user, form.code.data)
        except service.UserError as error:
            db.session.rollback()
            if user.totp_enabled or not user.totp_secret:  # no code field on the page to show it on
                flash(str(error), "error")
                return redirect(url_for("users.totp_setup"))
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            stay_signed_in(user)
            flash(_("Two-step sign-in is on. You will need a code each time you sign in."), "success")
            return redirect(url_for("users.account"))
    return render_totp(confirm=form)


@bp.route("/me/account/totp/disable", methods=["POST"])
@login_required
def totp_disable():
    user = me()
    form = TotpDisableForm()
    if form.validate_on_submit():
        if service.totp_required(user):
            flash(_("Your role requires two-step sign-in, so it cannot be turned off."), "error")
            return redirect(url_for("users.totp_setup"))
        if not verify_password(user.password_hash, form.password.data):
            form.password.errors.append(_("This is not your current password."))
        elif not user.totp_enabled or not use_code(user, form.code.data):
            form.code.errors.append(_("That code is not right. Check the time on your phone and try again."))
        else:
            service.disable_totp(user)
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("users.account"))
    return render_totp(disable=form)
